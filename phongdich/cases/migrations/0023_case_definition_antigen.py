"""The case definition for rapid antigen tests as data of the rules (RULES.md §1.2, "F0 under CV 11042"): from
29/12/2021 one positive antigen test confirms a case only for an F1; anyone else needs a second positive antigen
test within 8 hours of the first, or a positive RT-PCR. QĐ 3638 (before) confirmed every positive result, as the
platform did. CV 1909/BYT-DP (15/04/2022) keeps it here: RULES.md does not give CV 1909's confirmed-case
definition (only its suspected case, which a positive antigen test makes), so the last one read stays in force."""

from django.db import migrations, models

CV11042 = (
    " Ca bệnh xác định: xét nghiệm RT-PCR dương tính; F1 có xét nghiệm nhanh kháng nguyên dương tính; người khác"
    " cần 2 lần xét nghiệm nhanh kháng nguyên dương tính, lần 2 trong vòng 8 giờ.",
    " A confirmed case: a positive RT-PCR; an F1 with a positive rapid antigen test; anyone else needs two positive"
    " rapid antigen tests, the second within 8 hours.",
)
CV1909 = (
    " Định nghĩa ca bệnh xác định của CV 11042/BYT-DP được giữ (chưa đọc được định nghĩa của CV 1909).",
    " The confirmed-case definition of CV 11042/BYT-DP is kept (CV 1909's own was not read).",
)
RULES = {"cv11042_2021": CV11042, "cv1909_2022": CV11042}
NOTES = {"cv1909_2022": CV1909}


def load(apps, schema_editor):
    Rule = apps.get_model("cases", "InfectiousWindowRule")
    for code, (vietnamese, english) in RULES.items():
        rule = Rule.objects.filter(code=code).first()
        if rule is None:  # removed by an administrator: nothing to complete
            continue
        note_vi, note_en = NOTES.get(code, ("", ""))
        rule.antigen_confirms_only_f1, rule.antigen_repeat_hours = True, 8
        rule.summary_vi = f"{rule.summary_vi}{vietnamese}{note_vi}".strip()
        rule.summary_en = f"{rule.summary_en}{english}{note_en}".strip()
        rule.save(update_fields=["antigen_confirms_only_f1", "antigen_repeat_hours", "summary_vi", "summary_en"])


def unload(apps, schema_editor):
    Rule = apps.get_model("cases", "InfectiousWindowRule")
    for code, (vietnamese, english) in RULES.items():
        rule = Rule.objects.filter(code=code).first()
        if rule is None:
            continue
        note_vi, note_en = NOTES.get(code, ("", ""))
        rule.summary_vi = rule.summary_vi.replace(f"{vietnamese}{note_vi}".strip(), "").strip()
        rule.summary_en = rule.summary_en.replace(f"{english}{note_en}".strip(), "").strip()
        rule.save(update_fields=["summary_vi", "summary_en"])


class Migration(migrations.Migration):
    dependencies = [("cases", "0022_job_requeues")]

    operations = [
        migrations.AddField(
            model_name="infectiouswindowrule",
            name="antigen_confirms_only_f1",
            field=models.BooleanField(
                default=False, verbose_name="a single positive rapid antigen test confirms a case only for an F1"
            ),
        ),
        migrations.AddField(
            model_name="infectiouswindowrule",
            name="antigen_repeat_hours",
            field=models.PositiveSmallIntegerField(
                default=0, verbose_name="hours within which a second positive rapid antigen test confirms a case"
            ),
        ),
        migrations.RunPython(load, unload),
    ]
