"""Reads of venues. Lists that officials see are scoped by area (core.scoping)."""

import time

from django.conf import settings
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from phongdich.core import errors as core_errors
from phongdich.core.errors import ApplicationError
from phongdich.core.scoping import scope_q
from phongdich.core.text import fold

from .models import Venue, VenueCode, VenueType

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


# --- lists and details that officials, venue managers and staff see ------------------------------------

_VENUE_ROLES = {"venue_manager", "venue_staff"}
_VERIFIER_ROLES = {"area_official", "health_dept", "province_admin"}


def _visible_q(viewer) -> Q:
    """Officials see venues of their area subtree; venue managers and staff only the venues they belong to."""
    if viewer is None:
        return Q(pk__in=[])
    if getattr(viewer, "is_device", False):
        return Q(pk=viewer.venue_id)
    if not viewer.is_authenticated:
        return Q(pk__in=[])
    official = getattr(viewer, "official", None)
    if viewer.is_superuser or (official is not None and official.is_active and official.role in _VERIFIER_ROLES):
        return scope_q(viewer, "area_path")
    return Q(pk__in=Venue.objects.filter(memberships__user=viewer).values("pk"))


def venues_named(venues: QuerySet[Venue], q: str) -> QuerySet[Venue]:
    """Those of `venues` with `q` in their name, without diacritics ("cho dong" finds "Chợ Đông"); all for no q."""
    folded = fold(q)
    return venues.filter(name_folded__contains=folded) if folded else venues


def venues_search(venues: QuerySet[Venue], q: str) -> QuerySet[Venue]:
    """Those of `venues` that a picker's query names, as geo.selectors.area_search does for areas: every word of `q`
    in the name without diacritics ("dong cho" finds "Chợ Đông Bắc"), or, for digits ("123", "#123"), the venue's
    number (its id, in its page's address and on its posters' file names) or a tax code that starts with them.
    The venue numbered so first, then names that start with `q`, then by name."""
    folded = fold(q).lstrip("#").strip()
    if not folded:
        return venues
    name_match = Q()
    for word in folded.split(" "):
        name_match &= Q(name_folded__contains=word)
    match, number = name_match, None
    if folded.isascii() and folded.isdigit():
        from phongdich.core.ids import id_or_none

        number = id_or_none(folded)
        match |= Q(tax_code__startswith=folded)
        if number is not None:
            match |= Q(pk=number)
    rank = Case(
        When(pk=number or 0, then=Value(0)),
        When(name_folded__startswith=folded, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return venues.filter(match).annotate(search_rank=rank).order_by("search_rank", "name_folded", "id")


def venue_list(*, viewer, q: str = "", status: str | None = None, area=None) -> QuerySet[Venue]:
    """Venues the viewer may see, searched without diacritics ("cho dong" finds "Chợ Đông").

    For officials who verify, pending venues come first (they are the work waiting for them).
    `area` (an Area) narrows to its subtree; it never widens the viewer's scope.
    """
    qs = venues_named(Venue.objects.filter(_visible_q(viewer)).select_related("venue_type", "area"), q)
    if status:
        qs = qs.filter(status=status)
    if area is not None:
        qs = qs.filter(area_path__startswith=area.path)
    pending_first = Case(
        When(status=Venue.Status.PENDING, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return qs.annotate(pending_first=pending_first).order_by("pending_first", "name_folded", "id")


def venue_get(*, viewer, venue_id) -> Venue:
    """One venue the viewer may see; not_found (404) otherwise, so that other areas' venues are not revealed."""
    try:
        venue_id = int(venue_id)
    except (TypeError, ValueError):
        raise ApplicationError(core_errors.NOT_FOUND) from None
    venue = Venue.objects.filter(_visible_q(viewer), pk=venue_id).select_related("venue_type", "area").first()
    if venue is None:
        raise ApplicationError(core_errors.NOT_FOUND)
    return venue


def venue_registrant(*, venue_id, username):
    """The account that registered the venue on the public form, if its username is `username` (as a repeat of that
    request names it) and it is still active, else None: whose venue it is, for venue_get(viewer=...)."""
    if not isinstance(username, str) or not username:
        return None
    try:
        venue_id = int(venue_id)
    except (TypeError, ValueError):
        return None
    venue = (
        Venue.objects.filter(pk=venue_id, registered_by__username=username, registered_by__is_active=True)
        .select_related("registered_by")
        .first()
    )
    return venue.registered_by if venue is not None else None


def venue_code_get_for_viewer(*, viewer, code_id) -> VenueCode:
    """A code of a venue the viewer may see (revoked or not); not_found otherwise."""
    try:
        code_id = int(code_id)
    except (TypeError, ValueError):
        raise ApplicationError(core_errors.NOT_FOUND) from None
    code = (
        VenueCode.objects.filter(pk=code_id, venue__in=Venue.objects.filter(_visible_q(viewer)))
        .select_related("venue", "venue__area", "venue__venue_type")
        .first()
    )
    if code is None:
        raise ApplicationError(core_errors.NOT_FOUND)
    return code


def venue_codes(*, venue: Venue, active_only: bool = False) -> QuerySet[VenueCode]:
    """The venue's codes, oldest first (the caller has already checked the venue is visible)."""
    qs = venue.codes.all()
    return qs.filter(revoked_at__isnull=True) if active_only else qs


def venues_of_user(*, user) -> QuerySet[Venue]:
    """The venues a user manages or works at (their own: no area scoping needed)."""
    if user is None or not user.is_authenticated or getattr(user, "is_device", False):
        return Venue.objects.none()
    return Venue.objects.filter(memberships__user=user).select_related("venue_type", "area").order_by("name_folded")


def venue_type_list() -> QuerySet[VenueType]:
    return VenueType.objects.all()
