"""Every text of the certificate pages has a Vietnamese translation, compiled and used."""

from django.utils import translation

from phongdich.certificates import dcc


def test_pages_speak_vietnamese_by_default():
    with translation.override("vi"):
        assert translation.gettext("Download PDF") == "Tải PDF"
        assert translation.gettext("INVALID CERTIFICATE") == "CHỨNG NHẬN KHÔNG HỢP LỆ"


def test_no_untranslated_entry_in_the_catalogue():
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "locale" / "vi" / "LC_MESSAGES" / "django.po").read_text()
    assert '\nmsgstr ""\n\n' not in text.split('msgstr ""', 1)[1]


def test_every_verifier_reason_has_both_languages():
    assert all(vi.strip() and en.strip() for vi, en in dcc.REASONS.values())
