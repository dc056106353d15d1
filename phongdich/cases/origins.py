"""Whether what opened a case still holds it up, without this app reading the tables of the app that opened it
(testing imports cases, not the reverse: docs/structure.md).

A case another app opened names it in `Case.origin`, "<source>:<key>" ("testing.sample:12": the sample whose positive
result opened it). The testing app registers its source in its AppConfig.ready:
`register_origin_source("testing.sample", fn)`, where `fn(case=, key=)` returns the origin that holds the case up now
(its own; or another of the same source, as a corrected result's case is kept by another positive), or an
`OriginLapsed` when nothing does: the result reads negative now. Restoring a withdrawn case asks it
(services.case_restore, case_restore_result_corrected): a case under treatment whose only positive result now reads
negative would contradict the lab. A case entered by hand (no origin), or whose source is not registered, is held up.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from phongdich.core.registry import Registry


@dataclass(frozen=True)
class OriginLapsed:
    """What opened a case no longer holds it up, and nothing else of its source does: what the official may be shown
    of it (`extra`, the API's) and why, in both languages, with what to do about it."""

    vi: str
    en: str
    extra: dict = field(default_factory=dict)


OriginSource = Callable[..., "str | OriginLapsed"]
# `fn(case=, key=)` returns the origin holding the case up now, or OriginLapsed.
_SOURCES: Registry[OriginSource] = Registry()
register_origin_source = _SOURCES.register
unregister_origin_source = _SOURCES.unregister
origin_sources = _SOURCES.copy


def case_origin_standing(case) -> "str | OriginLapsed":
    """What holds `case` up now, as its origin's source says (called inside the caller's transaction: a source may
    lock the row it reads); `case.origin` itself when it has none or its source is not registered."""
    source, _, key = (case.origin or "").partition(":")
    fn = _SOURCES.get(source) if key else None
    return case.origin if fn is None else fn(case=case, key=key)
