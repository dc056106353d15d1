"""The notes of contact evidence in the reader's language, without this app knowing the words of the apps that write
them (telecom imports cases, not the reverse: docs/structure.md).

A tracer that stores a note as data rather than as text (a code and its values: telecom's "telecom:cell;shared=2")
registers a renderer for its source in its AppConfig.ready: `register_note_renderer("telecom", fn)`, where
`fn(note)` returns the note worded in the active language (gettext), or None to show it as stored. Notes typed by an
official (interviews) have no renderer and are shown as typed. The evidence list (`cases_tags.evidence_note`) and the
API's `note` read them through `evidence_note`.
"""

from collections.abc import Callable

from phongdich.core.registry import Registry

NoteRenderer = Callable[[str], str | None]
# By the source of the links whose notes it words (ContactLink.Source).
_RENDERERS: Registry[NoteRenderer] = Registry()
register_note_renderer = _RENDERERS.register


def evidence_note(link) -> str:
    """A link's note as the reader's language words it (the active language): its source's renderer's text, else the
    note as stored."""
    note = link.note or ""
    renderer = _RENDERERS.get(link.source)
    if note and renderer is not None:
        rendered = renderer(note)
        if rendered is not None:
            return rendered
    return note
