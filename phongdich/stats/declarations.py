"""Declaration statistics (issue 3, item 7): per area and day, declarations, the share with symptoms, and the
follow-up queue's size and age; with the breakdown by child area.

Definitions (docs/statistics.md "Declarations"):
- a declaration counts on the local day it was submitted, in the area of its scope (the declared address,
  else the port's province, else the person's area: declarations.services);
- "with symptoms": at least one symptom answered (exposures alone flag a declaration for follow-up but are
  not symptoms); the share is with symptoms / declarations, in percent;
- the queue at the end of a day: follow-up tasks of the area declared before the day's end and not closed by
  then; its age is that of the oldest of them at that moment; "now" figures are the queue as it stands.

Cost: three queries whatever the number of declarations (grouped by area path and day, so rows are bounded
by areas × days), plus the queue's per-day aggregates in one query.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from phongdich.core import errors as core_errors
from phongdich.core.errors import ApplicationError
from phongdich.core.scoping import area_visible
from phongdich.declarations.selectors import declarations_in_area
from phongdich.followups.selectors import followup_open_at, followup_open_by_area_path
from phongdich.geo.models import Area

from .selectors import Period, stats_period

_DAY = dt.timedelta(days=1)


def _share(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 2) if whole else None


def _hours(since: dt.datetime | None, moment: dt.datetime) -> float | None:
    return None if since is None else round((moment - since).total_seconds() / 3600, 1)


@dataclass
class DeclarationDay:
    day: dt.date
    declarations: int = 0
    with_symptoms: int = 0
    queue_open: int = 0  # at the end of the day
    queue_oldest_hours: float | None = None  # age of the oldest open task at the end of the day

    @property
    def symptoms_share(self) -> float | None:
        return _share(self.with_symptoms, self.declarations)


@dataclass
class DeclarationAreaRow:
    """One child area (None: declarations filed on the area asked for itself)."""

    area: Area | None
    declarations: int = 0
    with_symptoms: int = 0
    queue_open: int = 0  # now
    queue_over_3_days: int = 0  # now
    oldest_declared_at: dt.datetime | None = None
    now: dt.datetime | None = None

    @property
    def symptoms_share(self) -> float | None:
        return _share(self.with_symptoms, self.declarations)

    @property
    def queue_oldest_hours(self) -> float | None:
        return _hours(self.oldest_declared_at, self.now)


@dataclass
class DeclarationStats:
    area: Area
    period: Period
    now: dt.datetime
    days: list[DeclarationDay]
    breakdown: list[DeclarationAreaRow]
    total: DeclarationAreaRow = field(default=None)

    @property
    def start_date(self) -> dt.date:
        return self.period.start_date

    @property
    def end_date(self) -> dt.date:
        return self.period.end_date

    @property
    def declarations(self) -> int:
        return self.total.declarations

    @property
    def with_symptoms(self) -> int:
        return self.total.with_symptoms

    @property
    def symptoms_share(self) -> float | None:
        return self.total.symptoms_share


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), timezone.get_current_timezone())


def declaration_stats(
    *,
    viewer,
    area: Area,
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
    now: dt.datetime | None = None,
) -> DeclarationStats:
    """The declaration figures of `area` (its whole subtree) per local day of the period, with the breakdown by
    child area. A viewer who may not see the area gets not_found. The period defaults like the dashboard's
    (stats.selectors.stats_period: the last 7 complete days); invalid_period for a backwards or long one."""
    if not area_visible(viewer, area.path):
        raise ApplicationError(core_errors.NOT_FOUND)
    period = stats_period(start_date=start_date, end_date=end_date)
    now = now or timezone.now()
    tz = timezone.get_current_timezone()

    children = list(Area.objects.filter(parent=area).order_by("name_folded", "code"))
    rows = {child.path: DeclarationAreaRow(area=child, now=now) for child in children}
    direct = DeclarationAreaRow(area=None, now=now)
    total = DeclarationAreaRow(area=area, now=now)

    def row_for(path: str) -> DeclarationAreaRow:
        rest = path[len(area.path) :]
        if not rest:
            return direct
        return rows.get(area.path + rest.split("/", 1)[0] + "/", direct)

    days = {day: DeclarationDay(day=day) for day in period.days}
    # Query 1: declarations per (leaf area path, local day), with the number that answered a symptom.
    grouped = (
        declarations_in_area(
            viewer=viewer,
            area_path=area.path,
            start=_day_start(period.start_date),
            end=_day_start(period.end_date) + _DAY,
        )
        .annotate(day=TruncDate("submitted_at", tzinfo=tz))
        .values_list("area_path", "day")
        .order_by()
        .annotate(n=Count("id"), symptomatic=Count("id", filter=~Q(symptoms=[])))
    )
    for path, day, count, symptomatic in grouped:
        for row in (row_for(path), total):
            row.declarations += count
            row.with_symptoms += symptomatic
        if day in days:
            days[day].declarations += count
            days[day].with_symptoms += symptomatic

    # Query 2: the queue at the end of each day.
    ends = [_day_start(day) + _DAY for day in period.days]
    for day, moment, (open_count, oldest) in zip(
        period.days, ends, followup_open_at(area_path=area.path, moments=ends), strict=True
    ):
        days[day].queue_open = open_count
        days[day].queue_oldest_hours = _hours(oldest, moment)

    # Query 3: the queue now, per leaf area.
    for path, open_count, oldest, late in followup_open_by_area_path(area_path=area.path, now=now):
        for row in (row_for(path), total):
            row.queue_open += open_count
            row.queue_over_3_days += late
            if oldest is not None and (row.oldest_declared_at is None or oldest < row.oldest_declared_at):
                row.oldest_declared_at = oldest

    breakdown = list(rows.values())
    if direct.declarations or direct.queue_open:
        breakdown.insert(0, direct)
    return DeclarationStats(
        area=area, period=period, now=now, days=list(days.values()), breakdown=breakdown, total=total
    )
