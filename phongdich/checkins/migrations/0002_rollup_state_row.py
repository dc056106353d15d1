from django.db import migrations


def create_row(apps, schema_editor):
    # The single RollupState row must exist before any check-in: late check-ins lock it to stay ordered
    # against the roll-up (checkins.services._late_counts_add), and a missing row cannot be locked.
    apps.get_model("checkins", "RollupState").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("checkins", "0001_initial")]

    operations = [migrations.RunPython(create_row, migrations.RunPython.noop)]
