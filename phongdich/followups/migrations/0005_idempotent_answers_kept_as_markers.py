"""The idempotency store kept the API's call answers whole (the call's notes, the person's initials and declared
symptoms) for IDEMPOTENCY_KEEP_HOURS; a repeat now reads the call again (api.read_again), so the answers kept before
are reduced to the same marker: the call's id and the status."""

import re

from django.db import migrations

CALLS = re.compile(r"/api/v1/followups/\d+/calls/\Z")


def answers_to_markers(apps, schema_editor):
    IdempotencyKey = apps.get_model("core", "IdempotencyKey")
    for key in IdempotencyKey.objects.filter(path__contains="/api/v1/followups/", method="POST").iterator():
        body = key.response_body
        if isinstance(body, dict) and isinstance(body.get("call"), dict) and CALLS.search(key.path):
            key.response_body = {"id": body["call"].get("id"), "status": key.status_code}
            key.save(update_fields=["response_body"])


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0007_job_requeues"),
        ("followups", "0004_handover"),
    ]

    operations = [migrations.RunPython(answers_to_markers, migrations.RunPython.noop)]
