# What no source confirms about a quarantine rule, in Vietnamese too: the contact page showed the English sentences of
# migrations 0024 and 0025 to Vietnamese officials. Each Vietnamese sentence is written for a rule whose English text
# still holds the sentence those migrations wrote (an administrator's own text is left for them to translate).

from django.db import migrations, models

SENTENCES = {
    "cv5599_2021": [
        (
            "Test days 1, 7, 14: the text gives them for F1 quarantined at home (the pilot); for centralized quarantine"
            " no source read gives them (RULES.md §2).",
            "Xét nghiệm ngày 1, 7, 14: văn bản nêu cho F1 cách ly tại nhà (thí điểm); với cách ly tập trung, chưa nguồn"
            " nào đã đọc nêu (RULES.md §2).",
        ),
    ],
    "cv10696_2021": [
        (
            "14 days for an F1 not fully vaccinated: the text covers only the protected; 14 is what the CV 5599/BYT-MT"
            " regime implies (RULES.md §2, unconfirmed).",
            "14 ngày với F1 chưa tiêm đủ liều: văn bản chỉ nói về người đã tiêm đủ liều hoặc đã khỏi bệnh; 14 ngày là"
            " theo chế độ của CV 5599/BYT-MT (RULES.md §2, chưa xác thực).",
        ),
        (
            "Test days and monitoring of an F1 not fully vaccinated: not given by the sources read (RULES.md §2).",
            "Ngày xét nghiệm và thời gian tự theo dõi sức khỏe của F1 chưa tiêm đủ liều: các nguồn đã đọc không nêu"
            " (RULES.md §2).",
        ),
    ],
    "cv762_2022": [
        (
            "Test days of an F1 not fully vaccinated (7 days): not given by the sources read (RULES.md §2).",
            "Ngày xét nghiệm của F1 chưa tiêm đủ liều (7 ngày): các nguồn đã đọc không nêu (RULES.md §2).",
        ),
    ],
}


def load(apps, schema_editor):
    QuarantineRule = apps.get_model("cases", "QuarantineRule")
    for rule in QuarantineRule.objects.filter(code__in=list(SENTENCES), unconfirmed_vi=""):
        said = [vi for en, vi in SENTENCES[rule.code] if en in rule.unconfirmed]
        if said:
            rule.unconfirmed_vi = " ".join(said)[:500]
            rule.save(update_fields=["unconfirmed_vi"])


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0025_quarantine_test_schedule"),
    ]

    operations = [
        migrations.AddField(
            model_name="quarantinerule",
            name="unconfirmed_vi",
            field=models.CharField(blank=True, max_length=500, verbose_name="unconfirmed (Vietnamese)"),
        ),
        migrations.AlterField(
            model_name="quarantinerule",
            name="unconfirmed",
            field=models.CharField(blank=True, max_length=500, verbose_name="unconfirmed (English)"),
        ),
        migrations.RunPython(load, migrations.RunPython.noop),
    ]
