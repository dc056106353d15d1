"""One-time codes sent by SMS, shared by the flows that prove a citizen holds a phone: the test result look-up
(testing.lookup) and the claim of a record on a new phone (checkins.services.claim_*).

A code is 6 digits drawn with `secrets`; only an HMAC of it is stored, keyed with SECRET_KEY, the flow's purpose
and a random challenge that the asking browser keeps (never the form), so a stored hash is useless without both
and a code of one flow never opens another. The rows are `core.models.OneTimeCode` subclasses owned by each app;
sending is limited in the cache with DRF's throttle (`limits_check`).
"""

import hashlib
import secrets

from django.utils.crypto import constant_time_compare, salted_hmac

from .errors import ApplicationError, ErrorCode
from .throttling import SimpleRateThrottle

CODE_DIGITS = 6


def otp_draw(*, avoid=()) -> str:
    """A fresh code, none of `avoid` (one flow may send several at once, each must open only its own row)."""
    while True:
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        if code not in avoid:
            return code


def otp_challenge() -> str:
    return secrets.token_urlsafe(32)


def otp_hash(*, purpose: str, challenge: str, code: str) -> str:
    return salted_hmac(purpose, f"{challenge}:{code}", algorithm="sha256").hexdigest()


def otp_typed(code: str | None) -> str:
    """What the citizen typed, without the spaces a phone's keyboard or a copied SMS may add."""
    return "".join((code or "").split())


def otp_well_formed(typed: str) -> bool:
    # ASCII only: str.isdigit() also accepts other scripts' digits ("١٢٣"), which no code is made of.
    return len(typed) == CODE_DIGITS and typed.isascii() and typed.isdigit()


def otp_matches(*, stored_hash: str, typed_hash: str, typed: str) -> bool:
    return otp_well_formed(typed) and constant_time_compare(stored_hash, typed_hash)


def cache_key_digest(value: str) -> str:
    """A personal value (ID number, phone) as it may appear in a cache key: hashed, the cache holds no personal data."""
    return hashlib.sha256(value.encode()).hexdigest()[:32]


class CacheLimit(SimpleRateThrottle):
    """DRF's throttle, as on every other public form, keyed by what a flow limits (an address, a hashed phone or ID
    number) with a limit and window from the settings rather than a rate string."""

    def __init__(self, key: str, limit: int, window: int):  # no rate string to parse: the settings give both
        self.key, self.num_requests, self.duration = key, limit, window
        self.rate = f"{limit}/{window}s"  # read by allow_request only to know that a limit is set

    def get_cache_key(self, request, view):
        return self.key


def limits_check(checks: list[tuple[str, int, int]], error: ErrorCode) -> None:
    """Count one request against each (cache key, limit, window seconds); raise `error` at the first one over."""
    for key, limit, window in checks:
        if not CacheLimit(key, limit, window).allow_request(None, None):
            raise ApplicationError(error, extra={"retry_after_seconds": window})
