"""Ids typed into URLs and forms: a row's id is a positive 64-bit integer written in ASCII digits.

`str.isdigit()` alone also accepts "²" and other Unicode digits, which `int()` then refuses, and a long run of
digits overflows the database's BIGINT: each was a 500 (found by schemathesis and by hand, 2026-12-06)."""

from .errors import NOT_FOUND, ApplicationError

MAX_ID = 2**63 - 1  # PostgreSQL's bigint and SQLite's INTEGER


def id_or_none(value) -> int | None:
    """`value` as a row id, or None when it cannot be one ("abc", "²", "0", "-1", 20 digits, None)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    else:
        text = "" if value is None else str(value)
        if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_ID)):
            return None
        number = int(text)
    return number if 1 <= number <= MAX_ID else None


def id_or_404(value) -> int:
    """`value` as a row id, or not_found (404) when it cannot be one: an id in an address or a request names a row
    the caller may not see as much as one that does not exist."""
    number = id_or_none(value)
    if number is None:
        raise ApplicationError(NOT_FOUND)
    return number
