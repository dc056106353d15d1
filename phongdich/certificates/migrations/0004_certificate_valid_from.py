import datetime as dt
from zoneinfo import ZoneInfo

from django.db import migrations, models

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def recovery_valid_from(apps, schema_editor):
    # A recovery certificate issued before the column: its df, as certificates.services._valid_from sets it now.
    Certificate = apps.get_model("certificates", "Certificate")
    for certificate in Certificate.objects.filter(kind="r", valid_from__isnull=True).only("pk", "payload").iterator():
        entries = (certificate.payload or {}).get("r") or []
        day = entries[0].get("df") if entries and isinstance(entries[0], dict) else None
        if not day:
            continue
        try:
            start = dt.datetime.combine(dt.date.fromisoformat(day), dt.time(), tzinfo=LOCAL_TZ)
        except ValueError:
            continue
        Certificate.objects.filter(pk=certificate.pk).update(valid_from=start)


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0003_choice_labels"),
    ]

    operations = [
        migrations.AddField(
            model_name="certificate",
            name="valid_from",
            field=models.DateTimeField(blank=True, null=True, verbose_name="valid from"),
        ),
        migrations.RunPython(recovery_valid_from, migrations.RunPython.noop),
    ]
