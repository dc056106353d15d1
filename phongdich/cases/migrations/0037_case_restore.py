# Restoring a case withdrawn by mistake (docs/cases.md, "Restoring a case withdrawn by mistake") needs what the
# withdrawal overwrote: the case's status before it, and which of its exposure notices it took off the public list
# (not those an official had kept back). For the cases withdrawn before this migration both are read again: every
# withdrawal so far came from `under_treatment` (services.case_withdraw refused any other status from its first
# version on); the notices, from the withdrawal's audit entry, which counts those it took off: when that count is all
# of the case's notices, each was published. A smaller count cannot say which: those are left kept back, and the
# restore tells the official how many to look at.

from django.db import migrations, models


def withdrawals_read_again(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    ExposureNotice = apps.get_model("cases", "ExposureNotice")
    AuditLog = apps.get_model("core", "AuditLog")
    withdrawn = Case.objects.filter(status="withdrawn")
    withdrawn.update(withdrawn_from="under_treatment")
    ids = list(withdrawn.values_list("pk", flat=True))
    if not ids:
        return
    taken_off: dict[str, int] = {}  # the last withdrawal of each case (one: a withdrawn case is not withdrawn again)
    entries = AuditLog.objects.filter(
        action="cases.case.withdrawn", object_type="cases.case", object_id__in=[str(pk) for pk in ids]
    ).order_by("at", "pk")
    for object_id, extra in entries.values_list("object_id", "extra"):
        taken_off[object_id] = int((extra or {}).get("notices") or 0)
    for pk in ids:
        count = taken_off.get(str(pk), 0)
        notices = ExposureNotice.objects.filter(case_id=pk, published_at__isnull=True)
        if count and notices.count() == count == ExposureNotice.objects.filter(case_id=pk).count():
            notices.update(withdrawn_with_case=True)


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0036_contact_link_quarantine_breach'),
        ('core', '0003_verbose_names'),
    ]

    operations = [
        migrations.AddField(
            model_name='case',
            name='withdrawn_from',
            field=models.CharField(blank=True, choices=[('under_treatment', 'Under treatment'), ('recovered', 'Recovered'), ('died', 'Died'), ('withdrawn', 'Withdrawn: not a case')], max_length=20, verbose_name='status before the withdrawal'),
        ),
        migrations.AddField(
            model_name='exposurenotice',
            name='withdrawn_with_case',
            field=models.BooleanField(default=False, verbose_name="taken off with its case's withdrawal"),
        ),
        migrations.RunPython(withdrawals_read_again, migrations.RunPython.noop),
    ]
