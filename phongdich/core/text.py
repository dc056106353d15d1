"""Text helpers: folding for search (Vietnamese without diacritics, lower case, single spaces), and durations in
the page's language."""

import re
import unicodedata

from django.utils.translation import get_language, gettext, ngettext

_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """'  Thạch   Thành ' -> 'thach thanh'. đ/Đ have no decomposition, so they are mapped by hand."""
    if not text:
        return ""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return _SPACES.sub(" ", stripped).strip().lower()


# ASCII control characters other than tab, line feed and carriage return: the ones XML 1.0 (so an .xlsx file, and
# openpyxl's ILLEGAL_CHARACTERS_RE) cannot hold, and NUL, which PostgreSQL's text and jsonb cannot hold.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def visible_controls(text: str) -> str:
    """Each control character above as its Unicode control picture ("KT\x0201" -> "KT␂01", NUL -> "␀"): visible
    where it was, storable and writable to a spreadsheet."""
    return CONTROL_CHARACTERS.sub(lambda match: chr(0x2400 + ord(match.group())), text)


def duration_text(minutes) -> str:
    """A duration given in minutes, in the active language: 16 → "16 phút" / "16 min", 67 → "1 giờ 07 phút" /
    "1 h 07 min", 4920 → "3 ngày 10 giờ" / "3 days 10 h" (from a day on, whole hours: minutes no longer matter);
    None → "–". The one place durations are worded, for every page."""
    if minutes is None:
        return "–"
    minutes = max(int(minutes), 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        text = ngettext("%(days)d day", "%(days)d days", days) % {"days": days}
        if hours:
            text += " " + gettext("%(hours)d h") % {"hours": hours}
        return text
    if hours:
        if not minutes:
            return gettext("%(hours)d h") % {"hours": hours}
        return gettext("%(hours)d h %(minutes)02d min") % {"hours": hours, "minutes": minutes}
    return gettext("%(minutes)d min") % {"minutes": minutes}


# Characters an SMS in GSM-7 lacks, for their nearest (an en dash alone makes a message UCS-2).
_GSM_NEAREST = str.maketrans(
    {"Đ": "D", "đ": "d", "–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "…": "..."}
)


def without_diacritics(text: str) -> str:
    """Vietnamese without its marks, case kept ("Ngày tiêm" → "Ngay tiem"), for SMS: one character outside GSM-7
    makes the whole message UCS-2, 70 characters a part instead of 160, so an accented invitation cost three parts
    where the plain one costs one. Plain Vietnamese is how brand-name SMS are written."""
    decomposed = unicodedata.normalize("NFD", text.translate(_GSM_NEAREST))
    return unicodedata.normalize("NFC", "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn"))


def english_active() -> bool:
    """Whether the active language is English (else the pages are Vietnamese): for data kept in both languages."""
    return (get_language() or "vi")[:2] == "en"
