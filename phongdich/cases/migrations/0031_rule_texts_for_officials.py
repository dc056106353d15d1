# The rules' texts as officials read them on the pages (browser walk-through of 2026-12-07):
# - what a quarantine rule leaves unconfirmed cites the Ministry's document, not "(RULES.md §2)", the project's research
#   notes, which mean nothing to an official;
# - what concerns only the contacts not fully vaccinated nor recovered moves to `unconfirmed_unprotected` (new), so
#   that the page of a protected contact does not carry the others' caveat next to "as fully vaccinated or recovered";
# - the case page's rule summary of CV 1909/BYT-DP drops "(CV 1909's own was not read)", a note for developers
#   (docs/testing.md keeps it: the confirmed-case definition of CV 1909 is unconfirmed).
# Only the sentences migrations 0023-0026 wrote are changed: an administrator's own text is left as it is.

from django.db import migrations, models

# code -> [(English written before, Vietnamese written before, English now, Vietnamese now, for the unprotected only)]
QUARANTINE_TEXTS = {
    "cv5599_2021": [
        (
            "Test days 1, 7, 14: the text gives them for F1 quarantined at home (the pilot); for centralized quarantine"
            " no source read gives them (RULES.md §2).",
            "Xét nghiệm ngày 1, 7, 14: văn bản nêu cho F1 cách ly tại nhà (thí điểm); với cách ly tập trung, chưa nguồn"
            " nào đã đọc nêu (RULES.md §2).",
            "Test days 1, 7, 14: CV 5599/BYT-MT gives them for F1 quarantined at home (the pilot); for centralized"
            " quarantine no source read gives them.",
            "Xét nghiệm ngày 1, 7, 14: CV 5599/BYT-MT nêu cho F1 cách ly tại nhà (thí điểm); với cách ly tập trung,"
            " chưa nguồn nào đã đọc nêu.",
            False,
        ),
    ],
    "cv10696_2021": [
        (
            "14 days for an F1 not fully vaccinated: the text covers only the protected; 14 is what the CV 5599/BYT-MT"
            " regime implies (RULES.md §2, unconfirmed).",
            "14 ngày với F1 chưa tiêm đủ liều: văn bản chỉ nói về người đã tiêm đủ liều hoặc đã khỏi bệnh; 14 ngày là"
            " theo chế độ của CV 5599/BYT-MT (RULES.md §2, chưa xác thực).",
            "14 days for an F1 not fully vaccinated: CV 10696/BYT-MT covers only the fully vaccinated or recovered; 14"
            " days is what the regime of CV 5599/BYT-MT implies.",
            "14 ngày với F1 chưa tiêm đủ liều: CV 10696/BYT-MT chỉ nói về người đã tiêm đủ liều hoặc đã khỏi bệnh; 14"
            " ngày là theo chế độ của CV 5599/BYT-MT.",
            True,
        ),
        (
            "Test days and monitoring of an F1 not fully vaccinated: not given by the sources read (RULES.md §2).",
            "Ngày xét nghiệm và thời gian tự theo dõi sức khỏe của F1 chưa tiêm đủ liều: các nguồn đã đọc không nêu"
            " (RULES.md §2).",
            "Test days and monitoring of an F1 not fully vaccinated: not given in what was read of CV 10696/BYT-MT.",
            "Ngày xét nghiệm và thời gian tự theo dõi sức khỏe của F1 chưa tiêm đủ liều: phần đã đọc của CV"
            " 10696/BYT-MT không nêu.",
            True,
        ),
    ],
    "cv762_2022": [
        (
            "Test days of an F1 not fully vaccinated (7 days): not given by the sources read (RULES.md §2).",
            "Ngày xét nghiệm của F1 chưa tiêm đủ liều (7 ngày): các nguồn đã đọc không nêu (RULES.md §2).",
            "Test days of an F1 not fully vaccinated (7 days): not given in what was read of CV 762/BYT-DP.",
            "Ngày xét nghiệm của F1 chưa tiêm đủ liều (7 ngày): phần đã đọc của CV 762/BYT-DP không nêu.",
            True,
        ),
    ],
}
WINDOW_NOTES = {"cv1909_2022": (" (chưa đọc được định nghĩa của CV 1909)", " (CV 1909's own was not read)")}
SUMMARY_ENDS = {
    "cv1909_2022": ("Định nghĩa ca bệnh xác định của CV 11042/BYT-DP được giữ", "of CV 11042/BYT-DP is kept")
}


def _take(text: str, sentence: str) -> str:
    return " ".join(text.replace(sentence, " ").split())


def _add(text: str, sentence: str) -> str:
    return f"{text} {sentence}".strip()[:500]


def forwards(apps, schema_editor):
    QuarantineRule = apps.get_model("cases", "QuarantineRule")
    for rule in QuarantineRule.objects.filter(code__in=list(QUARANTINE_TEXTS)):
        for old_en, old_vi, new_en, new_vi, unprotected in QUARANTINE_TEXTS[rule.code]:
            if old_en not in rule.unconfirmed:
                continue  # an administrator's text
            en, vi = (
                ("unconfirmed_unprotected", "unconfirmed_unprotected_vi")
                if unprotected
                else ("unconfirmed", "unconfirmed_vi")
            )
            rule.unconfirmed = _take(rule.unconfirmed, old_en)
            setattr(rule, en, _add(getattr(rule, en), new_en))
            if old_vi in rule.unconfirmed_vi:
                rule.unconfirmed_vi = _take(rule.unconfirmed_vi, old_vi)
                setattr(rule, vi, _add(getattr(rule, vi), new_vi))
        rule.save()
    Rule = apps.get_model("cases", "InfectiousWindowRule")
    for rule in Rule.objects.filter(code__in=list(WINDOW_NOTES)):
        note_vi, note_en = WINDOW_NOTES[rule.code]
        rule.summary_vi = rule.summary_vi.replace(note_vi, "")
        rule.summary_en = rule.summary_en.replace(note_en, "")
        rule.save(update_fields=["summary_vi", "summary_en"])


def backwards(apps, schema_editor):
    QuarantineRule = apps.get_model("cases", "QuarantineRule")
    for rule in QuarantineRule.objects.filter(code__in=list(QUARANTINE_TEXTS)):
        for old_en, old_vi, new_en, new_vi, unprotected in QUARANTINE_TEXTS[rule.code]:
            en, vi = (
                ("unconfirmed_unprotected", "unconfirmed_unprotected_vi")
                if unprotected
                else ("unconfirmed", "unconfirmed_vi")
            )
            if new_en in getattr(rule, en):
                setattr(rule, en, _take(getattr(rule, en), new_en))
                rule.unconfirmed = _add(rule.unconfirmed, old_en)
            if new_vi in getattr(rule, vi):
                setattr(rule, vi, _take(getattr(rule, vi), new_vi))
                rule.unconfirmed_vi = _add(rule.unconfirmed_vi, old_vi)
        rule.save()
    Rule = apps.get_model("cases", "InfectiousWindowRule")
    for rule in Rule.objects.filter(code__in=list(WINDOW_NOTES)):
        note_vi, note_en = WINDOW_NOTES[rule.code]
        end_vi, end_en = SUMMARY_ENDS[rule.code]
        if f"{end_vi}." in rule.summary_vi:
            rule.summary_vi = rule.summary_vi.replace(f"{end_vi}.", f"{end_vi}{note_vi}.")
        if f"{end_en}." in rule.summary_en:
            rule.summary_en = rule.summary_en.replace(f"{end_en}.", f"{end_en}{note_en}.")
        rule.save(update_fields=["summary_vi", "summary_en"])


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0030_contact_release_reason"),
    ]

    operations = [
        migrations.AddField(
            model_name="quarantinerule",
            name="unconfirmed_unprotected",
            field=models.CharField(
                blank=True,
                max_length=500,
                verbose_name="unconfirmed, for those not fully vaccinated nor recovered (English)",
            ),
        ),
        migrations.AddField(
            model_name="quarantinerule",
            name="unconfirmed_unprotected_vi",
            field=models.CharField(
                blank=True,
                max_length=500,
                verbose_name="unconfirmed, for those not fully vaccinated nor recovered (Vietnamese)",
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
