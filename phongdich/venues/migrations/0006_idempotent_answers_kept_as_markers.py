"""The idempotency store kept the API's venue answers whole (the contact person's name and phone, the codes' live
tokens) for IDEMPOTENCY_KEEP_HOURS; a repeat now reads the venue again (api.read_again), so the answers kept before
are reduced to the same marker: the venue's id and the status."""

import re

from django.db import migrations

VENUE_ANSWERS = re.compile(r"/api/v1/venues/((register/)|(\d+/(verify|reject|suspend)/))?\Z")


def answers_to_markers(apps, schema_editor):
    IdempotencyKey = apps.get_model("core", "IdempotencyKey")
    for key in IdempotencyKey.objects.filter(path__contains="/api/v1/venues/", method="POST").iterator():
        body = key.response_body
        if isinstance(body, dict) and "contact_name" in body and VENUE_ANSWERS.search(key.path):
            key.response_body = {"id": body.get("id"), "status": key.status_code}
            key.save(update_fields=["response_body"])


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0007_job_requeues"),
        ("venues", "0005_choice_labels"),
    ]

    operations = [migrations.RunPython(answers_to_markers, migrations.RunPython.noop)]
