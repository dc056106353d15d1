"""The idempotency store kept the API's answers that show a person whole (a registration with the person's name, a
dose, a reaction) for IDEMPOTENCY_KEEP_HOURS; a repeat now reads the record again (api.read_again), so the answers
kept before are reduced to the same markers: the record's id and the status. A citizen's receipt names no one: it
only loses its (empty) registration."""

import re

from django.db import migrations

RECEIPT = re.compile(r"/api/v1/vaccination/registrations/\Z")
REGISTRATION = re.compile(r"/api/v1/vaccination/registrations/\d+/(book|cancel)/\Z")
DOSE = re.compile(r"/api/v1/vaccination/doses/\Z")
REACTION = re.compile(r"/api/v1/vaccination/doses/\d+/reactions/\Z")


def _marker(path: str, body: dict, status: int) -> dict | None:
    if RECEIPT.search(path) and "received" in body and "status" not in body:
        registration = body.get("registration")
        return {
            "received": body["received"],
            "slot": body.get("slot", ""),
            "registration": registration.get("id") if isinstance(registration, dict) else None,
            "status": status,
        }
    if set(body) <= {"id", "status"}:
        return None  # a marker already
    if REGISTRATION.search(path) or REACTION.search(path):
        return {"id": body.get("id"), "status": status}
    if DOSE.search(path) and isinstance(body.get("dose"), dict):
        return {"id": body["dose"].get("id"), "status": status}
    return None


def answers_to_markers(apps, schema_editor):
    IdempotencyKey = apps.get_model("core", "IdempotencyKey")
    for key in IdempotencyKey.objects.filter(path__contains="/api/v1/vaccination/", method="POST").iterator():
        marker = _marker(key.path, key.response_body, key.status_code) if isinstance(key.response_body, dict) else None
        if marker is not None:
            key.response_body = marker
            key.save(update_fields=["response_body"])


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0007_job_requeues"),
        ("vaccination", "0005_normalise_lots"),
    ]

    operations = [migrations.RunPython(answers_to_markers, migrations.RunPython.noop)]
