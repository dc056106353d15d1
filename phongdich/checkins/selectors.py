"""Reads of check-ins. Lists are scoped: officials who see people by `checkin.area_path` within their area,
venue managers and control staff by their own venues only. Reads of personal data by a user are audited.

The statistics reads (venue_scan_counts, daily_scan_counts) return anonymous counts only: VenueDailyCount
for days already rolled up and raw check-ins for later days, so they read the same before and after the
retention purge.
"""

from datetime import date, datetime, timedelta

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from phongdich.core import errors as core_errors
from phongdich.core.audit import audit_record
from phongdich.core.dates import local_day  # noqa: F401 (this app's callers import the local days from here)
from phongdich.core.dates import local_midnight as day_start
from phongdich.core.errors import ApplicationError
from phongdich.core.scoping import NOTHING, area_visible, scope_q

from .models import CheckIn, RollupState, VenueDailyCount


def person_ids_by_public_id(public_ids) -> dict[str, int]:
    """public_id -> person id, in one query (the bulk form of people.selectors.person_get_by_public_id for
    offline batches). Ids only: no personal data leaves here."""
    from phongdich.people.models import Person

    public_ids = [p for p in public_ids if isinstance(p, str)]
    if not public_ids:
        return {}
    return dict(Person.objects.filter(public_id__in=public_ids).values_list("public_id", "id"))


def viewer_sees_people(viewer) -> bool:
    if viewer is None or not viewer.is_authenticated or getattr(viewer, "is_device", False):
        return False
    if viewer.is_superuser:
        return True
    official = getattr(viewer, "official", None)
    return official is not None and official.is_active and official.sees_people


# Up to this many venues, the scan and paper pages offer them all in a drop-down; beyond, a search (an official's
# district has thousands: the drop-down once stopped at the first 500, and the 501st could not be chosen).
PICKER_SELECT_MAX = 50
# The most matches a venue search shows; the rest are asked for with more of the name.
PICKER_MATCHES_SHOWN = 20


def _picks_area_venues(user) -> bool:
    """An active official, or the system administrator (a superuser, who may record at any venue: services
    user_can_record_at), is offered the verified venues of their area; for the administrator, every area."""
    from phongdich.accounts.selectors import official_of

    return official_of(user) is not None or (
        getattr(user, "is_superuser", False) and not getattr(user, "is_device", False)
    )


def staff_venues(*, user) -> QuerySet:
    """The venues `user` records check-ins for (the scan and paper pages, and their venue search): their own (staff,
    manager), else, for an active official or a superuser, the verified venues of their area, by name. Empty: not for
    them (a check-in belongs to a venue, so without one the pages refuse). A query, not a list: a district has
    thousands, which the pages search (staff_venue_search) rather than list."""
    from phongdich.venues.models import Venue
    from phongdich.venues.selectors import venue_list, venues_of_user

    own = venues_of_user(user=user)
    if own.exists():
        return own
    if _picks_area_venues(user):
        return venue_list(viewer=user, status=Venue.Status.VERIFIED)
    return Venue.objects.none()


def staff_venue_search(*, user, q: str = "", venue_id=None, limit: int = PICKER_MATCHES_SHOWN) -> tuple[list, bool]:
    """(venues, more): up to `limit` of staff_venues(user) that match `q` (venues.selectors.venues_search: every
    word of the name without diacritics, or the venue's number or tax code), or the one with `venue_id`; each with
    its active codes (entrances) in `active_codes`. `more` says that further venues match. Names and entrances of
    places only, no personal data: not audited."""
    from django.db.models import Prefetch

    from phongdich.core.ids import id_or_none
    from phongdich.venues.models import VenueCode
    from phongdich.venues.selectors import venues_search

    venues = staff_venues(user=user)
    if venue_id is not None:
        venue_id = id_or_none(venue_id)
        venues = venues.filter(pk=venue_id) if venue_id else venues.none()
    else:
        venues = venues_search(venues, q)
    codes = VenueCode.objects.filter(revoked_at__isnull=True).order_by("id")
    found = list(venues.prefetch_related(Prefetch("codes", queryset=codes, to_attr="active_codes"))[: limit + 1])
    return found[:limit], len(found) > limit


def records_checkins(user) -> bool:
    """Whether staff_venues(user) has a venue, in one query and without listing them: the menus offer the scan and
    paper pages by it. Kept on the user object, as the menu and a page may both ask within one request."""
    from phongdich.venues.models import Venue
    from phongdich.venues.selectors import venue_list

    if user is None or not getattr(user, "is_authenticated", False) or getattr(user, "is_device", False):
        return False
    if not hasattr(user, "_records_checkins"):
        # Two questions, not one OR: an OR across the membership join hides the area condition from the indexes
        # and read the whole venue table (18-22 ms a page at 200,000 venues, against ~2 ms).
        # An official's area first: most have venues there, and then one query answers it.
        user._records_checkins = (
            _picks_area_venues(user) and venue_list(viewer=user, status=Venue.Status.VERIFIED).exists()
        ) or user_has_venue_membership(user)
    return user._records_checkins


def user_has_venue_membership(user) -> bool:
    """Whether the user manages or works at a venue; kept on the user object for the request (the menu asks it
    for the desk tools and the card verifier)."""
    from phongdich.venues.models import VenueMembership

    if not hasattr(user, "_has_venue_membership"):
        user._has_venue_membership = VenueMembership.objects.filter(user=user).exists()
    return user._has_venue_membership


def checkins_visible_q(viewer) -> Q:
    """Officials who see people: their area's subtree. Venue managers/staff: their venues. Others: nothing."""
    from phongdich.venues.selectors import venues_of_user

    if viewer is None or not viewer.is_authenticated or getattr(viewer, "is_device", False):
        return NOTHING
    if viewer.is_superuser:
        return Q()
    q = scope_q(viewer, "area_path") if viewer_sees_people(viewer) else NOTHING
    # The user's own venues as literal ids (a handful), and none at all for an official without any: an
    # `OR venue_id IN (subquery)` hides the area condition from the indexes, and a commune's list scanned
    # the whole table (1 s at 10 million check-ins).
    venue_ids = list(venues_of_user(user=viewer).order_by().values_list("pk", flat=True))
    return q | Q(venue_id__in=venue_ids) if venue_ids else q


def checkin_list(
    *, viewer, venue=None, person=None, start: datetime | None = None, end: datetime | None = None
) -> QuerySet[CheckIn]:
    """Check-ins the viewer may see, newest first, optionally for a venue, a person and a time window
    [start, end). Audited as `checkins.checkin.listed` with the filters."""
    qs = CheckIn.objects.filter(checkins_visible_q(viewer))
    if venue is not None:
        qs = qs.filter(venue_id=venue.pk)
    if person is not None:
        qs = qs.filter(person_id=person.pk)
    if start is not None:
        qs = qs.filter(checked_in_at__gte=start)
    if end is not None:
        qs = qs.filter(checked_in_at__lt=end)
    audit_record(
        actor=viewer,
        action="checkins.checkin.listed",
        extra={
            "venue_id": venue.pk if venue is not None else None,
            "person_id": person.pk if person is not None else None,
            "start": start.isoformat() if start else None,
            "end": end.isoformat() if end else None,
        },
    )
    return qs.select_related("person", "venue", "code").order_by("-checked_in_at", "-id")


def checkin_get(*, viewer, checkin_id: int) -> CheckIn:
    """One check-in the viewer may see; not_found (404) otherwise, also when it exists out of scope.
    Audited as `checkins.checkin.viewed`."""
    checkin = (
        CheckIn.objects.filter(checkins_visible_q(viewer), pk=checkin_id)
        .select_related("person", "venue", "code")
        .first()
        if isinstance(checkin_id, int) and 1 <= checkin_id < 2**63
        else None
    )
    if checkin is None:
        raise ApplicationError(core_errors.NOT_FOUND)
    audit_record(actor=viewer, action="checkins.checkin.viewed", obj=checkin, area_path=checkin.area_path)
    return checkin


def checkin_get_for_recorder(*, actor, checkin_id: int) -> CheckIn:
    """One check-in shown again to whoever records at its venue (a paper entry or a check-out repeated with its
    Idempotency-Key, core.api.read_again): a user through checkin_get (their venues, or their area's as an official
    who sees people: the venues where services.user_can_record_at lets them record; audited), a scanner device only
    at its own venue while it is not revoked (as services.actor_check; scans by devices are not audited)."""
    if not getattr(actor, "is_device", False):
        return checkin_get(viewer=actor, checkin_id=checkin_id)
    checkin = (
        CheckIn.objects.filter(pk=checkin_id, venue_id=actor.venue_id).select_related("person", "venue", "code").first()
        if actor.revoked_at is None and isinstance(checkin_id, int) and 1 <= checkin_id < 2**63
        else None
    )
    if checkin is None:
        raise ApplicationError(core_errors.NOT_FOUND)
    return checkin


# The citizen's own list (/c/me/): the days that the exposure warning looks back (EXPOSURE_NOTICE_PUBLIC_DAYS), so
# that every stay a warning can be about is listed; at most this many, newest first (our choice: a phone's screen).
CITIZEN_CHECKINS_SHOWN = 30


def checkin_list_for_citizen(*, person, ip: str | None = None, now: datetime | None = None) -> list[CheckIn]:
    """The person's own recent check-ins (venue and times), newest first, for their own page: the caller has made
    sure that `person` is the one this device holds as their own (not LINKED, checkins.views.my_qr), and nobody
    else's check-in is read. Audited like any read of a person's record, as
    `checkins.checkin.listed_by_citizen` (no actor: the citizen has no account)."""
    from django.conf import settings

    now = now or timezone.now()
    since = now - timedelta(days=settings.EXPOSURE_NOTICE_PUBLIC_DAYS)
    # The person's index (person, checked_in_at) serves the filter and the order.
    found = list(
        CheckIn.objects.filter(person_id=person.pk, checked_in_at__gte=since, checked_in_at__lte=now)
        .select_related("venue")
        .order_by("-checked_in_at", "-id")[:CITIZEN_CHECKINS_SHOWN]
    )
    audit_record(
        actor=None,
        action="checkins.checkin.listed_by_citizen",
        obj=person,
        area_path=person.area_path,
        reason="citizen's own page (/c/me/)",
        ip=ip,
        extra={"checkins": [checkin.pk for checkin in found]},
    )
    return found


def checkin_list_of_record_person(*, viewer, person, record_area_path: str, start: datetime, end: datetime):
    """Every check-in of `person` starting in [start, end), wherever the venue, newest first: the movements of the
    person of a record the viewer may see (a case: `record_area_path` its area), to trace it. For an official who
    sees people and whose area holds `record_area_path`; nothing otherwise. Only the person's own check-ins: other
    people's stay scoped to the viewer's area (checkin_list). Audited as `checkins.person_history.viewed` with the
    window."""
    allowed = viewer_sees_people(viewer) and area_visible(viewer, record_area_path)
    audit_record(
        actor=viewer,
        action="checkins.person_history.viewed",
        obj=person,
        area_path=record_area_path,
        extra={"start": start.isoformat(), "end": end.isoformat()},
    )
    return (
        CheckIn.objects.filter(Q() if allowed else NOTHING, person_id=person.pk)
        .filter(checked_in_at__gte=start, checked_in_at__lt=end)
        .select_related("venue", "code")
        .order_by("-checked_in_at", "-id")
    )


# --- statistics (anonymous counts) -------------------------------------------------------------------


def _bounds(start_date: date, end_date: date) -> tuple[date | None, date | None]:
    """Split [start_date, end_date] into the rolled part (from VenueDailyCount) and the raw part."""
    rolled_through = RollupState.objects.filter(pk=1).values_list("rolled_through", flat=True).first()
    rolled_end = min(end_date, rolled_through) if rolled_through else None
    if rolled_end is not None and rolled_end < start_date:
        rolled_end = None
    raw_start = max(start_date, rolled_through + timedelta(days=1)) if rolled_through else start_date
    if raw_start > end_date:
        raw_start = None
    return rolled_end, raw_start


def venue_scan_counts(*, area_path: str, start_date: date, end_date: date) -> dict[int, int]:
    """Venue id -> check-ins in the local days [start_date, end_date] (inclusive) for venues in the area
    subtree `area_path` ("" = everywhere). Venues without check-ins are absent."""
    rolled_end, raw_start = _bounds(start_date, end_date)
    counts: dict[int, int] = {}
    if rolled_end is not None:
        for venue_id, n in (
            VenueDailyCount.objects.filter(area_path__startswith=area_path, day__gte=start_date, day__lte=rolled_end)
            .values("venue_id")
            .annotate(n=Sum("checkins"))
            .values_list("venue_id", "n")
        ):
            counts[venue_id] = counts.get(venue_id, 0) + n
    if raw_start is not None:
        for venue_id, n in (
            CheckIn.objects.filter(
                area_path__startswith=area_path,
                checked_in_at__gte=day_start(raw_start),
                checked_in_at__lt=day_start(end_date + timedelta(days=1)),
            )
            .values("venue_id")
            .annotate(n=Count("id"))
            .values_list("venue_id", "n")
        ):
            counts[venue_id] = counts.get(venue_id, 0) + n
    return counts


def daily_scan_counts(*, area_path: str, start_date: date, end_date: date) -> dict[date, int]:
    """Local day -> check-ins in the area subtree, for every day of [start_date, end_date] (zeros included)."""
    counts = {start_date + timedelta(days=i): 0 for i in range((end_date - start_date).days + 1)}
    rolled_end, raw_start = _bounds(start_date, end_date)
    if rolled_end is not None:
        for day, n in (
            VenueDailyCount.objects.filter(area_path__startswith=area_path, day__gte=start_date, day__lte=rolled_end)
            .values("day")
            .annotate(n=Sum("checkins"))
            .values_list("day", "n")
        ):
            counts[day] += n
    if raw_start is not None:
        for day, n in (
            CheckIn.objects.filter(
                area_path__startswith=area_path,
                checked_in_at__gte=day_start(raw_start),
                checked_in_at__lt=day_start(end_date + timedelta(days=1)),
            )
            .annotate(day=TruncDate("checked_in_at", tzinfo=timezone.get_default_timezone()))
            .values("day")
            .annotate(n=Count("id"))
            .values_list("day", "n")
        ):
            counts[day] = counts.get(day, 0) + n
    return counts
