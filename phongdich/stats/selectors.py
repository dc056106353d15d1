"""Reads for the statistics of seeds 001, 002 and 004: venues registered, verified, active, and scans.

"Active" means at least one check-in in the period (seed 002: "88 địa điểm có lượt ra/vào trong 7 ngày").
The default period is the last 7 complete days, ending yesterday, as the district's report counts
(docs/statistics.md). Scan counts come from checkins.selectors, which add the anonymous daily counts of
days already rolled up to the raw check-ins of later days, so the figures stay the same after the
retention purge deletes old check-ins.

Cost: a fixed handful of queries whatever the number of venues. Venues are counted in the database
grouped by (area_path, status), so the rows returned are bounded by the number of areas, and each leaf
path is then attributed to a child area by its path prefix.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count
from django.utils import timezone

from phongdich.checkins.selectors import daily_scan_counts, venue_scan_counts
from phongdich.core import errors as core_errors
from phongdich.core.dates import TYPED_DATE_MAX, TYPED_DATE_MIN, local_midnight
from phongdich.core.errors import ApplicationError
from phongdich.core.scoping import viewer_area_path
from phongdich.geo.models import Area
from phongdich.geo.selectors import area_path_prefixes
from phongdich.venues.models import Venue

from . import errors

DEFAULT_PERIOD_DAYS = 7
MAX_PERIOD_DAYS = 366
# Chunk size for `id IN (...)`: below SQLite's default limit of 32,766 bound variables.
_IN_CHUNK = 10_000
_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Period:
    start_date: dt.date
    end_date: dt.date

    @property
    def days(self) -> list[dt.date]:
        count = (self.end_date - self.start_date).days + 1
        return [self.start_date + dt.timedelta(days=offset) for offset in range(count)]


@dataclass
class Figures:
    """The counts one line of the report gives, for an area or one of its children."""

    registered: int = 0
    verified: int = 0
    pending: int = 0
    rejected: int = 0
    suspended: int = 0
    active: int = 0
    scans: int = 0

    @property
    def active_share(self) -> float | None:
        """Active venues as a percentage of registered ones (seed 004: 3,725 of 9,661); None when none."""
        return round(100 * self.active / self.registered, 2) if self.registered else None

    def add_status(self, status: str, count: int) -> None:
        self.registered += count
        if status == Venue.Status.VERIFIED:
            self.verified += count
        elif status == Venue.Status.PENDING:
            self.pending += count
        elif status == Venue.Status.REJECTED:
            self.rejected += count
        elif status == Venue.Status.SUSPENDED:
            self.suspended += count


@dataclass(frozen=True)
class ActiveVenue:
    id: int
    name: str
    venue_type: str
    venue_type_en: str
    area_id: int
    area_name: str
    area_path: str
    street_address: str
    status: str
    scans: int

    @property
    def status_label(self) -> str:
        return Venue.Status(self.status).label


@dataclass
class BreakdownRow:
    """One child area of the area asked for. `area` is None for venues filed on the area itself."""

    area: Area | None
    figures: Figures = field(default_factory=Figures)


@dataclass
class AreaStats:
    area: Area
    period: Period
    figures: Figures
    scans_per_day: list[tuple[dt.date, int]]
    active_venues: list[ActiveVenue]
    breakdown: list[BreakdownRow]

    @property
    def start_date(self) -> dt.date:
        return self.period.start_date

    @property
    def end_date(self) -> dt.date:
        return self.period.end_date

    @property
    def days(self) -> list[dict]:
        return [{"day": day, "scans": scans} for day, scans in self.scans_per_day]


def stats_default_period(*, today: dt.date | None = None) -> Period:
    """The last 7 complete days, ending yesterday (local time), like the district report of seed 002."""
    today = today or timezone.localdate()
    end_date = today - dt.timedelta(days=1)
    return Period(end_date - dt.timedelta(days=DEFAULT_PERIOD_DAYS - 1), end_date)


def stats_period(*, start_date: dt.date | None, end_date: dt.date | None) -> Period:
    """The period asked for, with the default filling what is missing; invalid_date for a date outside
    core.dates' TYPED_DATE_MIN..MAX, invalid_period if it is backwards or long."""
    # Before any arithmetic: 9999-12-31 + 6 days, or 0001-01-01 as a local midnight in UTC, leaves Python's calendar
    # (OverflowError, a 500 on the dashboard, its export and the API: review of 2026-12-06).
    for name, day in (("date_from", start_date), ("date_to", end_date)):
        if day is not None and not TYPED_DATE_MIN <= day <= TYPED_DATE_MAX:
            raise ApplicationError(errors.INVALID_DATE, extra={"field": name, "value": str(day)})
    default = stats_default_period()
    if end_date is None:
        end_date = default.end_date if start_date is None else start_date + dt.timedelta(days=DEFAULT_PERIOD_DAYS - 1)
    if start_date is None:
        start_date = end_date - dt.timedelta(days=DEFAULT_PERIOD_DAYS - 1)
    if start_date > end_date or (end_date - start_date).days + 1 > MAX_PERIOD_DAYS:
        raise ApplicationError(errors.INVALID_PERIOD, extra={"date_from": str(start_date), "date_to": str(end_date)})
    return Period(start_date, end_date)


def parse_date(value: str | None, *, name: str) -> dt.date | None:
    """A YYYY-MM-DD query parameter; None when absent or empty; invalid_date otherwise."""
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise ApplicationError(errors.INVALID_DATE, extra={"field": name, "value": value[:40]}) from None


def stats_area_default(*, viewer) -> Area:
    """The area a viewer's dashboard opens on: their own; for a superuser, the first province with venues."""
    path = viewer_area_path(viewer)
    if path is None:
        raise ApplicationError(core_errors.NOT_FOUND)
    if path:
        return viewer.official.area
    first_path = Venue.objects.order_by("area_path").values_list("area_path", flat=True).first()
    root_code = first_path.split("/", 1)[0] if first_path else None
    area = Area.objects.filter(parent=None, code=root_code).first() if root_code else None
    area = area or Area.objects.filter(parent=None).first()
    if area is None:
        raise ApplicationError(core_errors.NOT_FOUND)
    return area


def stats_area_get(*, viewer, area_id) -> Area:
    """The area with this id if the viewer may see its statistics; not_found otherwise (also when it exists)."""
    path = viewer_area_path(viewer)
    try:
        area = Area.objects.filter(pk=int(area_id)).first()
    except (TypeError, ValueError):
        area = None
    if area is None or path is None or not area.path.startswith(path):
        raise ApplicationError(core_errors.NOT_FOUND)
    return area


def stats_area_choices(*, viewer, area: Area) -> list[Area]:
    """For the area picker: the chain from the viewer's own area down to `area`, then `area`'s children."""
    path = viewer_area_path(viewer)
    if path is None:
        return []
    ancestors = [p for p in area_path_prefixes(area.path) if p.startswith(path)]
    chain = list(Area.objects.filter(path__in=ancestors).order_by("depth"))
    return chain + list(Area.objects.filter(parent=area).order_by("name_folded"))


def area_stats(*, viewer, area: Area, start_date: dt.date | None = None, end_date: dt.date | None = None) -> AreaStats:
    """The figures of `area` (its whole subtree) for the period, with the breakdown by child area.

    Registered venues are those created up to the end of `end_date` (whatever their status now); active
    venues had at least one check-in between `start_date` and `end_date`, local days, both included.
    A viewer who may not see the area gets not_found, so that areas outside one's own are not probed.
    """
    path = viewer_area_path(viewer)
    if path is None or not area.path.startswith(path):
        raise ApplicationError(core_errors.NOT_FOUND)
    period = stats_period(start_date=start_date, end_date=end_date)

    children = list(Area.objects.filter(parent=area).order_by("name_folded", "code"))
    rows = {child.path: BreakdownRow(area=child) for child in children}
    direct = BreakdownRow(area=None)

    def row_for(area_path: str) -> BreakdownRow:
        rest = area_path[len(area.path) :]
        if not rest:
            return direct
        return rows.get(area.path + rest.split("/", 1)[0] + "/", direct)

    figures = Figures()
    # Query 1: venues per (leaf path, status); a row per area, not per venue.
    registered = (
        Venue.objects.filter(area_path__startswith=area.path, created_at__lt=local_midnight(period.end_date) + _DAY)
        .values_list("area_path", "status")
        .order_by()
        .annotate(count=Count("id"))
    )
    for area_path, status, count in registered:
        figures.add_status(status, count)
        row_for(area_path).figures.add_status(status, count)

    # Scans per venue and per day from the check-in domain (rollups + raw check-ins).
    scans_by_venue = {
        venue_id: scans
        for venue_id, scans in venue_scan_counts(
            area_path=area.path, start_date=period.start_date, end_date=period.end_date
        ).items()
        if scans > 0
    }
    per_day = daily_scan_counts(area_path=area.path, start_date=period.start_date, end_date=period.end_date)
    scans_per_day = [(day, per_day.get(day, 0)) for day in period.days]

    active_venues = _active_venues(scans_by_venue)
    for venue in active_venues:
        figures.active += 1
        figures.scans += venue.scans
        row = row_for(venue.area_path)
        row.figures.active += 1
        row.figures.scans += venue.scans

    breakdown = list(rows.values())
    if direct.figures.registered or direct.figures.active:
        breakdown.insert(0, direct)
    return AreaStats(
        area=area,
        period=period,
        figures=figures,
        scans_per_day=scans_per_day,
        active_venues=active_venues,
        breakdown=breakdown,
    )


def area_breakdown(
    *, viewer, area: Area, start_date: dt.date | None = None, end_date: dt.date | None = None
) -> list[BreakdownRow]:
    """One row per child area of `area` with the same figures as area_stats (and the active share)."""
    return area_stats(viewer=viewer, area=area, start_date=start_date, end_date=end_date).breakdown


def _active_venues(scans_by_venue: dict[int, int]) -> list[ActiveVenue]:
    """The venues with scans, most scans first; one query per 10,000 venues."""
    ids = list(scans_by_venue)
    result = []
    for offset in range(0, len(ids), _IN_CHUNK):
        chunk = ids[offset : offset + _IN_CHUNK]
        venues = (
            Venue.objects.filter(pk__in=chunk)
            .order_by()
            .values_list(
                "id",
                "name",
                "venue_type__name_vi",
                "venue_type__name_en",
                "area_id",
                "area__name",
                "area_path",
                "street_address",
                "status",
            )
        )
        for venue_id, name, type_name, type_name_en, area_id, area_name, area_path, street, status in venues:
            result.append(
                ActiveVenue(
                    id=venue_id,
                    name=name,
                    venue_type=type_name,
                    venue_type_en=type_name_en,
                    area_id=area_id,
                    area_name=area_name,
                    area_path=area_path,
                    street_address=street,
                    status=status,
                    scans=scans_by_venue[venue_id],
                )
            )
    result.sort(key=lambda venue: (-venue.scans, venue.name, venue.id))
    return result
