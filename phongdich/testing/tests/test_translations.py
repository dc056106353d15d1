"""The testing pages are Vietnamese by default and English under /en/; every text has its translation."""

import re
from pathlib import Path

from django.utils import translation

PO = Path(__file__).resolve().parent.parent / "locale" / "vi" / "LC_MESSAGES" / "django.po"


def test_every_message_is_translated():
    text = PO.read_text()
    empty = re.findall(r'^msgid "(.+)"\nmsgstr ""\n\n', text, flags=re.M)
    assert empty == []
    assert "#, fuzzy" not in text


def test_the_catalogue_is_compiled_and_used():
    with translation.override("vi"):
        assert translation.gettext("Look up your test result") == "Tra cứu kết quả xét nghiệm của bạn"


def test_lookup_page_in_both_languages(client, db):
    assert "Tra cứu kết quả xét nghiệm của bạn" in client.get("/testing/lookup/").content.decode()
    assert "Look up your test result" in client.get("/en/testing/lookup/").content.decode()
