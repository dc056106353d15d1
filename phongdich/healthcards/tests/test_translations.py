"""Every text of the verifier page, and the colour names it adds to the check-in pages, has a Vietnamese translation."""

import re
from pathlib import Path

from django.utils import translation

APP = Path(__file__).resolve().parent.parent
OURS_IN_MY_QR = ["Green card", "Yellow card", "Red card", "Valid until"]
TAG = re.compile(r"""\{% translate (["'])(.+?)\1 %\}""")


def catalogue() -> dict[str, str]:
    text = (APP / "locale" / "vi" / "LC_MESSAGES" / "django.po").read_text()
    pairs = re.findall(r'^msgid "(.*)"\nmsgstr "(.*)"$', text, flags=re.M)
    return {msgid.replace('\\"', '"'): msgstr for msgid, msgstr in pairs if msgid}


def test_every_text_of_the_verifier_page_is_in_the_catalogue_and_translated():
    known = catalogue()
    verify = (APP / "templates" / "healthcards" / "verify.html").read_text()
    wanted = {match[1].replace("%(", "%%(") for match in TAG.findall(verify)}
    assert wanted, "no translated text found: the pattern is stale"
    missing = sorted(wanted - known.keys())
    assert missing == []
    assert all(known[msgid] for msgid in wanted)


def test_the_catalogue_is_compiled_and_used():
    with translation.override("vi"):
        for msgid in OURS_IN_MY_QR + ["Check health status codes", "INVALID CODE"]:
            assert translation.gettext(msgid) == catalogue()[msgid] != msgid
