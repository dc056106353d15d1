"""Reads of venues. Lists that officials see are scoped by area (core.scoping)."""

import time

from django.conf import settings

from .models import VenueCode

# token -> (expires_at_monotonic, VenueCode with venue and venue_type loaded). Per process: check-ins
# are the hottest path, and a venue's code changes rarely. A revocation takes effect within
# VENUE_CODE_CACHE_SECONDS (and at once in this process, see venue_code_cache_clear).
_code_cache: dict[str, tuple[float, VenueCode | None]] = {}
_CACHE_MAX = 50_000


def venue_code_get(token: str) -> VenueCode | None:
    """The code with this token, revoked or not, with its venue and venue type; None if unknown."""
    ttl = settings.VENUE_CODE_CACHE_SECONDS
    now = time.monotonic()
    if ttl:
        hit = _code_cache.get(token)
        if hit is not None and hit[0] > now:
            return hit[1]
    code = VenueCode.objects.select_related("venue", "venue__venue_type").filter(token=token).first()
    if ttl:
        if len(_code_cache) >= _CACHE_MAX:
            _code_cache.clear()
        _code_cache[token] = (now + ttl, code)
    return code


def venue_code_cache_clear(token: str | None = None) -> None:
    if token is None:
        _code_cache.clear()
    else:
        _code_cache.pop(token, None)
