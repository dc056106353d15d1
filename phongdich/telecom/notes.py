"""The note of a contact link that telecom tracing adds, stored as data and worded when read.

Stored: "telecom:cell", or "telecom:cell;shared=<n>" when <n> people share the phone number (each is a candidate).
Shown through cases.notes (registered in apps.py) in the reader's language. Links written before 2026-12-07 hold
both languages in one text ("Cùng trạm phát sóng: … Same cell: …"), which reads the same way.
"""

import re

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

NOTE_CELL = "telecom:cell"

_CODE = re.compile(r"^telecom:cell(?:;shared=(?P<shared>\d+))?$")
# The note as services wrote it until 2026-12-07, Vietnamese and English in one text.
_BILINGUAL = re.compile(
    r"^Cùng trạm phát sóng: .*?Same cell: .*?verify\.(?: \((?P<shared>\d+) người dùng chung số / people share this "
    r"number\))?$",
    re.DOTALL,
)


def note_code(shared: int = 1) -> str:
    """What telecom tracing stores as a link's note; `shared`: how many people have the phone number."""
    return NOTE_CELL if shared <= 1 else f"{NOTE_CELL};shared={shared}"


def note_text(note: str) -> str | None:
    """A stored telecom note in the active language; None for a text that is neither form (shown as it is)."""
    match = _CODE.match(note) or _BILINGUAL.match(note)
    if match is None:
        return None
    text = _(
        "Same cell: a weaker sign than the same venue (a cell covers hundreds of metres to several kilometres); to be"
        " verified."
    )
    shared = int(match["shared"] or 1)
    if shared > 1:
        text += " " + ngettext(
            "(%(count)d person shares this number)", "(%(count)d people share this number)", shared
        ) % {"count": shared}
    return text
