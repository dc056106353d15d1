"""Until 2026-12-07 the idempotency store kept a case entry's and an interview contact's API answers whole (the
person's name and phone) for IDEMPOTENCY_KEEP_HOURS; since then it keeps their ids (api._case_marker, _link_marker)
and a repeat reads the record again, scoped and audited. The answers kept before are reduced to the same markers:
the new replay would otherwise fail on them (a 500) and the store would keep the person until the keys expire."""

import re

from django.db import migrations

CASES = re.compile(r"/api/v1/cases/\Z")
CASE_CONTACTS = re.compile(r"/api/v1/cases/\d+/contacts/\Z")


def answers_to_markers(apps, schema_editor):
    IdempotencyKey = apps.get_model("core", "IdempotencyKey")
    for key in IdempotencyKey.objects.filter(path__contains="/api/v1/cases/", method="POST").iterator():
        body = key.response_body
        if not isinstance(body, dict) or "id" not in body:
            continue  # a marker already, or an answer of another endpoint
        if CASES.search(key.path):
            key.response_body = {"case": body["id"]}
        elif CASE_CONTACTS.search(key.path):
            key.response_body = {"link": body["id"], "created": key.status_code == 201}
        else:
            continue
        key.save(update_fields=["response_body"])


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0007_job_requeues"),
        ("cases", "0026_quarantine_rule_unconfirmed_vi"),
    ]

    operations = [migrations.RunPython(answers_to_markers, migrations.RunPython.noop)]
