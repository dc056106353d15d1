"""The idempotency store kept the API's submission answers whole (whether each person's answers were flagged, a new
person's public id) for IDEMPOTENCY_KEEP_HOURS; a repeat now reads the declarations again (api.DeclarationApi), so
the answers kept before are reduced to the same marker: each declaration's id, whose it is, and whether the public
id was given."""

import re

from django.db import migrations

SUBMISSIONS = re.compile(r"/api/v1/declarations/\Z")


def answers_to_markers(apps, schema_editor):
    IdempotencyKey = apps.get_model("core", "IdempotencyKey")
    Declaration = apps.get_model("declarations", "Declaration")
    for key in IdempotencyKey.objects.filter(path__contains="/api/v1/declarations/", method="POST").iterator():
        body = key.response_body
        rows = body.get("declarations") if isinstance(body, dict) and SUBMISSIONS.search(key.path) else None
        if not rows or not all(isinstance(row, dict) for row in rows):
            continue  # not an answer kept whole
        people = dict(Declaration.objects.filter(pk__in=[row.get("id") for row in rows]).values_list("pk", "person_id"))
        key.response_body = {
            "declarations": [
                [row.get("id"), people.get(row.get("id")), row.get("person_public_id") is not None] for row in rows
            ]
        }
        key.save(update_fields=["response_body"])


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0007_job_requeues"),
        ("declarations", "0006_port_province_code"),
    ]

    operations = [migrations.RunPython(answers_to_markers, migrations.RunPython.noop)]
