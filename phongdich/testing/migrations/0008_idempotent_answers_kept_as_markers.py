"""The idempotency store kept the API's registration and result answers whole (why the person is tested, their
result) for IDEMPOTENCY_KEEP_HOURS; a repeat now reads the record again (api.TestRegistrationCreateApi,
api.TestResultApi), so the answers kept before are reduced to the same markers: the record's id (and whose
registration it is) and the status."""

import re

from django.db import migrations

REGISTRATIONS = re.compile(r"/api/v1/testing/registrations/\Z")
RESULTS = re.compile(r"/api/v1/testing/results/\Z")


def answers_to_markers(apps, schema_editor):
    IdempotencyKey = apps.get_model("core", "IdempotencyKey")
    TestRegistration = apps.get_model("testing", "TestRegistration")
    for key in IdempotencyKey.objects.filter(path__contains="/api/v1/testing/", method="POST").iterator():
        body = key.response_body
        if not isinstance(body, dict) or set(body) <= {"id", "person", "status"}:
            continue  # not an answer kept whole
        if REGISTRATIONS.search(key.path):
            person = TestRegistration.objects.filter(pk=body.get("id")).values_list("person_id", flat=True).first()
            key.response_body = {"id": body.get("id"), "person": person, "status": key.status_code}
        elif RESULTS.search(key.path):
            key.response_body = {"id": body.get("id"), "status": key.status_code}
        else:
            continue
        key.save(update_fields=["response_body"])


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0007_job_requeues"),
        ("testing", "0007_retest_antigen_unconfirmed"),
    ]

    operations = [migrations.RunPython(answers_to_markers, migrations.RunPython.noop)]
