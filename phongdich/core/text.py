"""Text folding for search: Vietnamese without diacritics, lower case, single spaces."""

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """'  Thạch   Thành ' -> 'thach thanh'. đ/Đ have no decomposition, so they are mapped by hand."""
    if not text:
        return ""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return _SPACES.sub(" ", stripped).strip().lower()
