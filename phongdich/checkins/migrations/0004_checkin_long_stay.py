"""A small partial index for contact tracing (cases.tracing): the rare closed visits longer than 24 hours.

Tracing reads the visits that can overlap [s, e) at a venue by a range of the (venue, checked_in_at) index
starting 24 hours before s; a visit that started earlier and lasted longer is found through this index,
which holds only such visits (docs/cases.md, "Tracing from check-ins"). Its predicate is written out by
hand because it differs between the databases, and cases.tracing repeats it word for word (SQLite uses a
partial index only for a query that contains its predicate).
"""

from django.db import migrations

CREATE = {
    "postgresql": "CREATE INDEX checkin_long_stay ON checkins_checkin (venue_id, checked_in_at)"
    " WHERE checked_out_at - checked_in_at > interval '24 hours'",
    "sqlite": "CREATE INDEX checkin_long_stay ON checkins_checkin (venue_id, checked_in_at)"
    " WHERE julianday(checked_out_at) - julianday(checked_in_at) > 1.0",
}


def create(apps, schema_editor):
    sql = CREATE.get(schema_editor.connection.vendor)
    if sql:
        schema_editor.execute(sql)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor in CREATE:
        schema_editor.execute("DROP INDEX IF EXISTS checkin_long_stay")


class Migration(migrations.Migration):
    dependencies = [("checkins", "0003_fewer_checkin_indexes")]
    operations = [migrations.RunPython(create, drop)]
