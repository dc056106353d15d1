"""The idempotency store kept the API's trace answers whole, unknown subscribers' numbers in full, for
IDEMPOTENCY_KEEP_HOURS whatever TELECOM_RETENTION_DAYS; a repeat now reads the run again (api.TelecomTraceApi), so
the answers kept before are reduced to the same marker: the run and its links."""

from django.db import migrations


def answers_to_markers(apps, schema_editor):
    IdempotencyKey = apps.get_model("core", "IdempotencyKey")
    for key in IdempotencyKey.objects.filter(path__startswith="/api/v1/telecom/trace/").iterator():
        body = key.response_body
        if isinstance(body, dict) and "unknown" in body:
            key.response_body = {
                "trace_id": body.get("id"),
                "link_ids": [link["id"] for link in body.get("links") or []],
            }
            key.save(update_fields=["response_body"])


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_export_job_attempts"),
        ("telecom", "0005_import_progress_at"),
    ]

    operations = [migrations.RunPython(answers_to_markers, migrations.RunPython.noop)]
