"""Tracing from check-ins: who was at the same venue as a case (F1), and as those F1 afterwards (F2, ...).

The algorithm, the settings and the query plan are in docs/cases.md, "Tracing from check-ins". In short:

1. The case's presences: its person's check-ins overlapping the infectious window [window_start, window_end),
   each clipped to the window. A presence ends at its check-out, or, without one, at check-in + the buffer of
   its venue type (an "auto" check-out is such an assumed end too). The sources of every level (the case's
   presences, then the F1's...) have an assumed end cut at their person's next check-in (stay_end); the others
   found at the venues keep the buffer.
2. Level 1: every other person's presence at the same venue that overlaps a case presence by more than zero
   and by at least the minimum overlap. Intervals are half-open: touching presences (one leaves at 10:00, the
   other arrives at 10:00) do not overlap.
3. Level n + 1: the presences of the persons first found at level n, from their first exposure until their
   quarantine (RULES.md §1.2, "F2 under QĐ 3638"; that of the episode the exposure fell in, for a contact met again
   since: onward_until), against everybody else's presences in the same way.
4. Evidence is written with the semantics of services.contact_link_add, in bulk; exposure notices per case
   presence. Everything is keyed (evidence_key, notice (case, venue, start)), so a second run adds nothing.

One query fetches a level's overlapping check-ins for all its presences at once, by ranges of the
(venue, checked_in_at) index. With no minimum overlap, each is intersected with the union of the sources it may
meet (no pairs are formed); with one, the same is done on the spans in which an overlap that long can start.
PostgreSQL does all of it in the database, the evidence kept in temporary tables up to the writes; SQLite in
Python. `reference_trace` (tests) is the brute-force definition both are held to.
"""

from __future__ import annotations

import bisect
import datetime as dt
import heapq
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from psycopg.types.datetime import TimestamptzLoader

from phongdich.checkins.models import CheckIn
from phongdich.core.audit import audit_record
from phongdich.core.dates import local_midnight
from phongdich.people.models import Person
from phongdich.venues.models import Venue, VenueType

from .models import Case, Contact, ContactLink, ExposureNotice, episode_quarantine
from .services import (
    CONTACT_REOPENABLE,
    case_refuse_if_withdrawn,
    contact_reopen,
    contacts_became_case_audit,
    contacts_evidence_settle,
    contacts_met_again,
    contacts_of_cases_close,
    contacts_span_settle,
    quarantine_ends_extend,
    tracing_max_level,
)

AUTO = CheckIn.CheckoutKind.AUTO.value
# Closed stays longer than this are fetched through the small partial index `checkin_long_stay`
# (checkins migration 0004, built for stays over 24 hours); shorter ones by the (venue, checked_in_at) range.
LONG_STAY_INDEX_HOURS = 24
_CHUNK = 500  # ids or ranges per statement (SQLite's limit on bound parameters)


# --- Settings ----------------------------------------------------------------------------------------


def min_overlap_for(case: Case) -> dt.timedelta:
    """The shortest shared time that makes a candidate: the case's window rule (RULES.md §1.2: none under
    QĐ 3638, 15 minutes under CV 11042), unless the setting TRACING_MIN_OVERLAP_MINUTES overrides it."""
    override = getattr(settings, "TRACING_MIN_OVERLAP_MINUTES", None)
    minutes = case.rule.min_overlap_minutes if override is None else override
    return dt.timedelta(minutes=minutes)


def open_checkin_buffers() -> dict[str, dt.timedelta]:
    """How long a check-in without a check-out is assumed to last, by venue type code: the type's
    auto_checkout_minutes (what the auto check-out sweep will close it at), unless the setting
    TRACING_OPEN_CHECKIN_BUFFER_MINUTES names the type."""
    overrides = getattr(settings, "TRACING_OPEN_CHECKIN_BUFFER_MINUTES", {}) or {}
    return {
        code: dt.timedelta(minutes=overrides.get(code, minutes))
        for code, minutes in VenueType.objects.values_list("code", "auto_checkout_minutes")
    }


def max_stay() -> dt.timedelta:
    """Closed stays up to this long are found by the index range; longer ones by the long-stay index."""
    hours = max(getattr(settings, "TRACING_MAX_STAY_HOURS", LONG_STAY_INDEX_HOURS), LONG_STAY_INDEX_HOURS)
    return dt.timedelta(hours=hours)


def _notices_auto_publish() -> bool:
    return getattr(settings, "EXPOSURE_NOTICES_AUTO_PUBLISH", True)


# --- The pieces ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Presence:
    """A person at a venue over [start, end). `end_assumed`: no check-out, or one made by the sweep."""

    checkin_id: int
    person_id: int
    venue_id: int
    start: dt.datetime
    end: dt.datetime
    end_assumed: bool

    def clipped(self, lo: dt.datetime, hi: dt.datetime) -> Presence | None:
        start, end = max(self.start, lo), min(self.end, hi)
        if end <= start:
            return None
        return Presence(self.checkin_id, self.person_id, self.venue_id, start, end, self.end_assumed)


@dataclass(slots=True)
class Evidence:
    """Why `person_id` is a contact at `level`, summed up over every overlap of its presences with the
    sources' (the case's, or at level 2 and further any contact's of the level before): at level 1 one piece
    per venue, further one in all. `venue_id`, `via_person_id` (None at level 1) are those of the first
    overlap; [start, end) spans the first to the last; `minutes` is the time they cover together (whole
    minutes); `occasions` how many of the person's check-ins overlapped (a visit shared with two F1 is one);
    `end_assumed` whether any overlap rests on an end without a check-out."""

    level: int
    person_id: int
    venue_id: int
    via_person_id: int | None
    start: dt.datetime
    end: dt.datetime
    minutes: int
    occasions: int
    end_assumed: bool

    @property
    def evidence_key(self) -> str:
        return f"checkin:venue:{self.venue_id}" if self.level == 1 else f"checkin:level:{self.level}"


def _union(intervals: Iterable[tuple[dt.datetime, dt.datetime]]) -> list[tuple[dt.datetime, dt.datetime]]:
    """The intervals merged where they overlap or touch, in order."""
    merged: list[list[dt.datetime]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def union_minutes(spans: list[tuple[dt.datetime, dt.datetime]]) -> int:
    """Whole minutes covered by the union of these intervals (two check-ins of one visit count once)."""
    return sum((end - start for start, end in _union(spans)), dt.timedelta(0)) // dt.timedelta(minutes=1)


@dataclass
class TraceOutcome:
    contacts_found: int = 0  # distinct persons with at least one link from this trace (new or not)
    links_added: int = 0
    links_updated: int = 0  # links whose summary the check-ins changed since the last trace
    notices_added: int = 0
    notices_removed: int = 0  # outside the window since the case's dates were corrected
    f1: int = 0
    f2: int = 0
    links_removed: int = 0  # check-in links of an earlier trace that this one no longer finds
    contacts_closed: int = 0  # of those links' contacts, the ones left with no standing evidence
    levels: dict[int, int] = field(default_factory=dict)  # level -> persons found at it (F3 and further too)


def stay_end(
    checked_in_at: dt.datetime,
    checked_out_at: dt.datetime | None,
    checkout_kind: str,
    *,
    buffer: dt.timedelta,
    next_checkin_at: dt.datetime | None = None,
) -> tuple[dt.datetime, bool]:
    """Where a check-in's stay ends, and whether that end is assumed: its check-out; without one, the buffer of its
    venue type later (open_checkin_buffers; a check-out of kind `auto` is that assumption written down by the sweep,
    its time kept). An assumed end is cut at `next_checkin_at`, the person's next check-in (at any venue, started
    after this one), when that comes sooner: whoever checked in elsewhere has left (docs/cases.md, "What counts").
    The one rule for the tracer's sources and the case page's visits; without `next_checkin_at` (the other persons
    a trace reads at a venue) the end stays the buffer's."""
    if checked_out_at is not None and checkout_kind != AUTO:
        return checked_out_at, False
    end = checked_in_at + buffer if checked_out_at is None else checked_out_at
    if next_checkin_at is not None and checked_in_at < next_checkin_at < end:
        end = next_checkin_at
    return end, True


def presence_of(
    checkin_id, person_id, venue_id, checked_in_at, checked_out_at, checkout_kind, buffer, next_checkin_at=None
) -> Presence:
    """A check-in row as a presence, its times as the database gives them (SQLite: UTC text); its end stay_end's."""
    checked_in_at, checked_out_at = _aware(checked_in_at), _aware(checked_out_at)
    end, assumed = stay_end(
        checked_in_at, checked_out_at, checkout_kind, buffer=buffer, next_checkin_at=next_checkin_at
    )
    return Presence(checkin_id, person_id, venue_id, checked_in_at, end, assumed)


def later_starts(starts: list[dt.datetime]) -> list[dt.datetime | None]:
    """For each of one person's check-in starts, in order, the first start after it (None for the last)."""
    return [starts[j] if (j := bisect.bisect_right(starts, start)) < len(starts) else None for start in starts]


def checkins_next_start(checkin_ids: Sequence[int]) -> dict[int, dt.datetime | None]:
    """check-in id -> when its person next checked in (at any venue, after it), by one probe of the (person,
    checked_in_at) index per check-in, in one statement per chunk: for the few assumed stays whose next check-in
    a read did not reach (an `auto` check-out that lasted longer than any buffer)."""
    table = CheckIn._meta.db_table
    sql = (
        f"SELECT c.id, (SELECT n.checked_in_at FROM {table} n WHERE n.person_id = c.person_id"
        f" AND n.checked_in_at > c.checked_in_at ORDER BY n.checked_in_at LIMIT 1) FROM {table} c WHERE {{condition}}"
    )
    found = {}
    with connection.cursor() as cursor:
        for condition, params in _id_filters("c.id", sorted(set(checkin_ids))):
            cursor.execute(sql.format(condition=condition), params)
            found.update((checkin_id, _aware(start)) for checkin_id, start in cursor.fetchall())
    return found


def overlap_of(source: Presence, other: Presence, min_overlap: dt.timedelta) -> tuple | None:
    """(start, end, whole minutes) of the shared time, or None: it must be longer than zero (touching
    intervals do not count) and at least `min_overlap`."""
    start, end = max(source.start, other.start), min(source.end, other.end)
    length = end - start
    if length <= dt.timedelta(0) or length < min_overlap:
        return None
    return start, end, length // dt.timedelta(minutes=1)


def _aware(value) -> dt.datetime:
    # Raw SQLite rows carry datetimes as UTC text; PostgreSQL gives aware datetimes.
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value


def _sqlite_time(value: dt.datetime) -> str:
    """An aware datetime as Django stores it in SQLite (UTC, naive, str()): what adapt_datetimefield_value
    returns, at a fifth of its cost, which was a fifth of a trace on SQLite (a contact and a link each take a
    few)."""
    return str(value.astimezone(dt.UTC).replace(tzinfo=None))


def _chunks(items: Sequence, size: int = _CHUNK) -> Iterable[Sequence]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _id_filters(column: str, ids: Sequence[int]) -> Iterable[tuple[str, list]]:
    """`column` is one of `ids`, as (SQL condition, parameters), one or more. PostgreSQL gets one condition
    with one array parameter: thousands of IN placeholders cost more to parse and plan than the read itself.
    The array is a set to join (`IN (SELECT unnest(…))`), not `= ANY(…)`: once the statement is prepared,
    its generic plan compares every row with every element (seconds for 10,000 contacts). SQLite gets IN by
    chunks, under its limit on parameters."""
    if not ids:
        return
    if connection.vendor == "postgresql":
        yield f"{column} IN (SELECT unnest(%s::bigint[]))", [list(ids)]
        return
    for chunk in _chunks(ids):
        yield f"{column} IN ({', '.join(['%s'] * len(chunk))})", list(chunk)


def _where_in(queryset, field: str, ids: Sequence[int]) -> Iterable:
    """The rows of `queryset` whose `field` is one of `ids` (_id_filters)."""
    meta = queryset.model._meta
    column = f'"{meta.db_table}"."{meta.get_field(field).column}"'
    for condition, params in _id_filters(column, ids):
        # extra(): the ORM has no lookup for an array parameter; the column is quoted from the model, the ids bound.
        yield from queryset.extra(where=[condition], params=params)


def _fast_times(cursor) -> None:
    """Timestamps read by this cursor go through psycopg's C loader. Django's (a Python subclass, so that it
    can set the time zone, which is UTC on our connections anyway) cost a third of a big trace: it parsed
    600,000 of them one by one."""
    if connection.vendor == "postgresql":
        cursor.cursor.adapters.register_loader("timestamptz", TimestamptzLoader)  # psycopg picks its C version


# --- Reads ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Venue:
    name: str
    area_path: str
    buffer: dt.timedelta


def _presences_of(
    person_ids: Iterable[int],
    *,
    after: dt.datetime,
    before: dt.datetime,
    buffers: dict[str, dt.timedelta],
    venues: dict[int, _Venue],
) -> dict[int, list[Presence]]:
    """Every check-in of these persons that started before `before` and may last past `after`, as presences, an
    assumed end cut at the person's next check-in (stay_end: these are a level's sources); fills `venues`.

    One range of the (person, checked_in_at) index per chunk of persons, whose other columns it holds, so the older
    check-ins are skipped there, not parsed here: those closed after `after`, and every one started within the
    longest buffer (`reach`) before it, so that the next check-in of each assumed stay that may last past `after` is
    among them (an open one lasts at most `reach`). A next check-in at or after `before` is not needed: the callers
    clip at `before` or sooner, where it would cut. Only an `auto` check-out that began `reach` or more before `after`
    may have its next check-in outside the read: looked up for those alone (checkins_next_start). Raw rows: an F1
    list of a thousand brings tens of thousands, and the ORM took a third of a second for them. The venues are read
    apart, once each: joined to every check-in, a thousand F1's were planned as a read of the whole venue table."""
    sql = (
        "SELECT c.id, c.person_id, c.venue_id, c.checked_in_at, c.checked_out_at, c.checkout_kind"
        f" FROM {CheckIn._meta.db_table} c WHERE c.checked_in_at < %s AND {{condition}}"
        " AND (c.checked_out_at > %s OR c.checked_in_at > %s)"
    )
    adapt = connection.ops.adapt_datetimefield_value
    reach = max(buffers.values(), default=dt.timedelta(0))
    bounds = [adapt(after), adapt(after - reach)]
    rows = []
    with connection.cursor() as cursor:
        _fast_times(cursor)
        for condition, params in _id_filters("c.person_id", sorted(set(person_ids))):
            cursor.execute(sql.format(condition=condition), [adapt(before), *params, *bounds])
            rows += cursor.fetchall()
    _venues_read({venue_id for _, _, venue_id, *_ in rows} - venues.keys(), buffers=buffers, venues=venues)
    by_person: dict[int, list[tuple]] = defaultdict(list)
    for checkin_id, person_id, venue_id, t_in, t_out, kind in rows:
        by_person[person_id].append((_aware(t_in), checkin_id, venue_id, _aware(t_out), kind))
    found: dict[int, list[Presence]] = defaultdict(list)
    unsure = []  # an assumed stay whose next check-in the read may have missed
    for person_id, theirs in by_person.items():
        theirs.sort()
        for (t_in, checkin_id, venue_id, t_out, kind), next_in in zip(
            theirs, later_starts([row[0] for row in theirs]), strict=True
        ):
            row = (checkin_id, person_id, venue_id, t_in, t_out, kind, venues[venue_id].buffer)
            if kind == AUTO and t_out is not None and t_in <= after - reach:
                unsure.append(row)
                continue
            found[person_id].append(presence_of(*row, next_in))
    if unsure:
        next_of = checkins_next_start([row[0] for row in unsure])
        for row in unsure:
            found[row[1]].append(presence_of(*row, next_of[row[0]]))
    return found


def _venues_read(venue_ids: set[int], *, buffers: dict[str, dt.timedelta], venues: dict[int, _Venue]) -> None:
    """Adds these venues to `venues`: name, area and the buffer of their type."""
    rows = Venue.objects.values_list("id", "venue_type_id", "name", "area_path")
    for venue_id, type_code, name, area_path in _where_in(rows, "id", sorted(venue_ids)):
        venues[venue_id] = _Venue(name, area_path, buffers.get(type_code, dt.timedelta(0)))


def _overlap_sql(rows: int) -> str:
    """SQLite's read of `rows` ranges (PostgreSQL does the same in _LEVEL_ROWS_SQL)."""
    table = CheckIn._meta.db_table
    values = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * rows)
    columns = "q.idx, c.id, c.person_id, c.checked_in_at, c.checked_out_at, c.checkout_kind"
    # Branch 1, a range of the (venue, checked_in_at) index: every presence that can reach into [s, e)
    # started at or after lo = s - (the longest stay there). Branch 2, the partial index `checkin_long_stay`
    # (exactly its predicate, so that SQLite uses it): closed stays that started before lo and are still
    # going at s. Nothing else can overlap [s, e).
    return (
        f"WITH q(idx, venue_id, s, e, open_after, lo) AS (VALUES {values}) SELECT {columns} FROM q JOIN {table} c"
        " ON c.venue_id = q.venue_id AND c.checked_in_at >= q.lo AND c.checked_in_at < q.e"
        " WHERE c.checked_out_at > q.s OR (c.checked_out_at IS NULL AND c.checked_in_at > q.open_after)"
        f" UNION ALL SELECT {columns} FROM q JOIN {table} c"
        " ON c.venue_id = q.venue_id AND c.checked_in_at < q.lo"
        " WHERE julianday(c.checked_out_at) - julianday(c.checked_in_at) > 1.0 AND c.checked_out_at > q.s"
    )


def _source_groups(
    sources: list[Presence], *, venues: dict[int, _Venue], longest_closed: dt.timedelta
) -> tuple[list[list[Presence]], list[tuple]]:
    """Sources at one venue whose reach overlaps, merged into one group read by one index range (so that a
    venue busy with many sources is read once): the groups, and per group (index, venue, start, end,
    open_after, lo) for _overlap_sql."""
    groups: list[list[Presence]] = []
    by_venue: dict[int, list[Presence]] = defaultdict(list)
    for presence in sources:
        by_venue[presence.venue_id].append(presence)
    for venue_id, group in by_venue.items():
        reach = max(longest_closed, venues[venue_id].buffer)
        group.sort(key=lambda p: p.start)
        current: list[Presence] = []
        end = None
        for presence in group:
            if current and presence.start - reach > end:
                groups.append(current)
                current = []
            end = presence.end if not current else max(end, presence.end)
            current.append(presence)
        groups.append(current)
    ranges = []
    for idx, group in enumerate(groups):
        start = group[0].start
        venue_id = group[0].venue_id
        buffer = venues[venue_id].buffer
        end = max(p.end for p in group)
        ranges.append((idx, venue_id, start, end, start - buffer, start - max(longest_closed, buffer)))
    return groups, ranges


def _level_rows(
    sources: list[Presence], *, venues: dict[int, _Venue], longest_closed: dt.timedelta, excluded: set[int]
) -> tuple[list[list[Presence]], list[tuple[int, Presence]]]:
    """The sources' groups (_source_groups), and every presence at a group's venue that may share time with
    it, as (group index, presence), of anybody not in `excluded` (found at an earlier level, or the case: most
    of the rows at a school or a factory, skipped before any work is spent on them). SQLite's read; PostgreSQL's
    is _LEVEL_ROWS_SQL."""
    groups, ranges = _source_groups(sources, venues=venues, longest_closed=longest_closed)
    rows = []
    with connection.cursor() as cursor:
        for chunk in _chunks(ranges):
            params = []
            for idx, venue_id, *times in chunk:
                params += [idx, venue_id, *map(_sqlite_time, times)]
            cursor.execute(_overlap_sql(len(chunk)), params)
            rows += cursor.fetchall()
    others = []
    for idx, checkin_id, person_id, t_in, t_out, kind in rows:
        if person_id in excluded:
            continue
        venue_id = groups[idx][0].venue_id
        others.append((idx, presence_of(checkin_id, person_id, venue_id, t_in, t_out, kind, venues[venue_id].buffer)))
    return groups, others


def _overlapping_pairs(
    groups: list[list[Presence]], others: list[tuple[int, Presence]]
) -> list[tuple[Presence, Presence]]:
    """Every (source, other) pair of _level_rows' presences sharing a positive time. With _level_evidence, the
    definition the sums without pairs are held to (test_tracing_properties); a trace no longer forms them."""
    starts = [[p.start for p in group] for group in groups]
    longest_source = [max(p.end - p.start for p in group) for group in groups]
    pairs: list[tuple[Presence, Presence]] = []
    for idx, other in others:
        group = groups[idx]
        # Only sources that start before the other presence ends, and late enough to still be there when it
        # starts (none lasts longer than the group's longest) can overlap it.
        first = bisect.bisect_right(starts[idx], other.start - longest_source[idx])
        last = bisect.bisect_left(starts[idx], other.end)
        for source in group[first:last]:
            if source.end > other.start:
                pairs.append((source, other))
    return pairs


def _within(cover: list[tuple[dt.datetime, dt.datetime]], starts: list[dt.datetime], p: Presence) -> list[tuple]:
    """The parts of [p.start, p.end) inside `cover` (a _union, `starts` its starts)."""
    parts = []
    for start, end in cover[max(0, bisect.bisect_right(starts, p.start) - 1) : bisect.bisect_left(starts, p.end)]:
        lo, hi = max(start, p.start), min(end, p.end)
        if hi > lo:
            parts.append((lo, hi))
    return parts


def _level_evidence_by_cover(
    groups: list[list[Presence]],
    others: list[tuple[int, Presence]],
    *,
    level: int,
    widen: dt.timedelta = dt.timedelta(0),
) -> list[Evidence]:
    """What _level_evidence(_overlapping_pairs(...)) gives when any shared time counts (no minimum overlap),
    without forming the pairs, as _COVER_SUM_SQL does: each presence is intersected with the union of its
    group's sources. The first overlap's F1 is the lowest (person, check-in) of the sources present at its
    instant (a source whose pair starts there started at or before it); rows that tie on (instant, venue) share
    it, and the lowest other check-in settles the rest. With `widen`, each part shared is taken as that much
    longer (_level_evidence_by_starts)."""
    covers = [_union((p.start, p.end) for p in group) for group in groups]
    assumed_covers = [_union((p.start, p.end) for p in group if p.end_assumed) for group in groups]
    cover_starts = [[start for start, _ in cover] for cover in covers]
    assumed_starts = [[start for start, _ in cover] for cover in assumed_covers]
    pieces: dict[tuple, list] = defaultdict(list)
    for idx, other in others:
        shared = [(start, end + widen) for start, end in _within(covers[idx], cover_starts[idx], other)]
        if not shared:
            continue
        assumed = other.end_assumed or bool(_within(assumed_covers[idx], assumed_starts[idx], other))
        key = (other.person_id, other.venue_id) if level == 1 else (other.person_id,)
        pieces[key].append((idx, other, shared, assumed))
    firsts = {
        key: min((shared[0][0], other.venue_id, other.checkin_id, idx) for idx, other, shared, _ in rows)
        for key, rows in pieces.items()
    }
    via_at = _via_at(_via_segments(groups)) if level > 1 else None
    found = []
    for key, rows in pieces.items():
        instant, venue_id, _, idx = firsts[key]
        found.append(
            Evidence(
                level=level,
                person_id=key[0],
                venue_id=venue_id,
                via_person_id=via_at(idx, instant) if via_at else None,
                start=instant,
                end=max(shared[-1][1] for _, _, shared, _ in rows),
                minutes=union_minutes([part for _, _, shared, _ in rows for part in shared]),
                occasions=len({other.checkin_id for _, other, _, _ in rows}),
                end_assumed=any(assumed for *_, assumed in rows),
            )
        )
    return found


# Timestamps are whole microseconds (Python's datetime, PostgreSQL's timestamptz): t <= x is t < x + _TICK.
_TICK = dt.timedelta(microseconds=1)


def _overlap_starts(presences: Iterable[Presence], min_overlap: dt.timedelta) -> list[Presence]:
    """Each presence that lasts at least `min_overlap` (> 0) as the instants an overlap that long can start in it:
    [start, end - min_overlap], written half-open as [start, end - min_overlap + _TICK) (docs/cases.md, "With a
    minimum overlap"). Two presences share at least `min_overlap` exactly when these overlap, and then their shared
    time is the intersection [p, q) of the two, its end moved on by min_overlap - _TICK."""
    shift = min_overlap - _TICK
    return [
        Presence(p.checkin_id, p.person_id, p.venue_id, p.start, p.end - shift, p.end_assumed)
        for p in presences
        if p.end - p.start >= min_overlap
    ]


def _level_evidence_by_starts(
    groups: list[list[Presence]], others: list[tuple[int, Presence]], *, level: int, min_overlap: dt.timedelta
) -> list[Evidence]:
    """What _level_evidence(_overlapping_pairs(...), min_overlap=min_overlap) gives (min_overlap > 0) without
    forming the pairs, as _STARTS_SUM_SQL does: _level_evidence_by_cover on the presences' _overlap_starts. A
    pair qualifies when its two spans of starts overlap; its shared time is their intersection [p, q) widened to
    [p, q + min_overlap - _TICK); a row's pairs together share the intersection of its span with the union of
    its group's, each part so widened. The first pair's instant is that intersection's first; its F1 the lowest
    (person, check-in) of the sources whose span holds that instant (_via_segments on the spans)."""
    starts = [_overlap_starts(group, min_overlap) for group in groups]
    spans = [(idx, span) for idx, other in others for span in _overlap_starts([other], min_overlap)]
    return _level_evidence_by_cover(starts, spans, level=level, widen=min_overlap - _TICK)


def _level_evidence(pairs: list[tuple[Presence, Presence]], *, level: int, min_overlap) -> list[Evidence]:
    """The pairs' overlaps summed up as Evidence: per (person, venue) at level 1, per person further. The
    first overlap is the earliest, ties broken by venue, then the source's person, then the check-ins."""
    groups: dict[tuple, list] = defaultdict(list)
    for source, other in pairs:
        shared = overlap_of(source, other, min_overlap)
        if shared is None:
            continue
        start, end, _ = shared
        key = (other.person_id, source.venue_id) if level == 1 else (other.person_id,)
        groups[key].append((start, end, source, other))
    found = []
    for key, overlaps in groups.items():
        first = min(
            overlaps,
            key=lambda o: (o[0], o[2].venue_id, o[2].person_id, o[2].checkin_id, o[3].checkin_id),
        )
        found.append(
            Evidence(
                level=level,
                person_id=key[0],
                venue_id=first[2].venue_id,
                via_person_id=first[2].person_id if level > 1 else None,
                start=first[0],
                end=max(o[1] for o in overlaps),
                minutes=union_minutes([(o[0], o[1]) for o in overlaps]),
                occasions=len({o[3].checkin_id for o in overlaps}),
                end_assumed=any(o[2].end_assumed or o[3].end_assumed for o in overlaps),
            )
        )
    return found


def _via_segments(groups: list[list[Presence]]) -> list[tuple[int, dt.datetime, dt.datetime, int]]:
    """Who an F2 met first, for every instant a group's sources cover: (group, start, end, person), the person
    being the lowest of the sources present over [start, end) (the lowest (person, check-in) names that person).
    One sweep per group over its sources' starts and ends, with a heap of the sources started; neighbouring
    spans of one person are merged. A level's F2 then look their F1 up by instant (_via_at, or a join on
    PostgreSQL) instead of searching the sources for each of them."""
    segments = []
    for idx, group in enumerate(groups):  # each sorted by start (_source_groups)
        bounds = sorted({t for p in group for t in (p.start, p.end)})
        present: list[tuple[int, dt.datetime]] = []
        i = 0
        for start, end in zip(bounds, bounds[1:], strict=False):
            while i < len(group) and group[i].start <= start:
                heapq.heappush(present, (group[i].person_id, group[i].end))
                i += 1
            while present and present[0][1] <= start:  # gone: gone for every later span too
                heapq.heappop(present)
            if not present:
                continue  # a gap between sources: nobody to meet
            person = present[0][0]
            if segments and segments[-1][0] == idx and segments[-1][3] == person and segments[-1][2] == start:
                segments[-1] = (idx, segments[-1][1], end, person)
            else:
                segments.append((idx, start, end, person))
    return segments


def _via_at(segments: list[tuple[int, dt.datetime, dt.datetime, int]]):
    """A look-up (group, instant) -> person over _via_segments."""
    by_group: dict[int, tuple[list[dt.datetime], list[int]]] = defaultdict(lambda: ([], []))
    for idx, start, _, person in segments:
        by_group[idx][0].append(start)
        by_group[idx][1].append(person)

    def via(idx: int, instant: dt.datetime) -> int:
        starts, persons = by_group[idx]
        return persons[bisect.bisect_right(starts, instant) - 1]

    return via


# PostgreSQL keeps a trace's evidence where its rows are: in temporary tables, `tracing_sources` (a level's
# source presences, with their group), `tracing_vias` (_via_segments) and `tracing_evidence` (one row per link
# found), from which the writes upsert contacts and links (_evidence_write_postgresql). Nothing but the persons
# found and their first exposure comes back to Python, and at the last level only their number. A level is one
# statement: _LEVEL_ROWS_SQL reads the rows of each group's index range (the two branches of _overlap_sql), less
# the persons already found; then one of two ways sums them up per link and inserts it:
# - _COVER_SUM_SQL, when any shared time counts (no minimum overlap, QĐ 3638): the union of a group's sources
#   (a multirange) is intersected with each row, so the cost grows with the rows, not with the pairs: at a
#   factory every worker's shift overlaps hundreds of others', and pairing them cost seconds. The first
#   overlap's F1 (`via`) is then joined from the span of tracing_vias holding that instant (one hash join:
#   a search of the sources per F2 cost a factory's trace 70 ms).
# - _STARTS_SUM_SQL, with a minimum overlap m, which is a property of one pair: two presences share at least m
#   exactly when their spans of starts ([s, e - m], the instants an overlap that long can start: _overlap_starts)
#   overlap, so the same is done on those spans, each part shared [p, q] then widened to [p, q + m) (the union
#   of the pairs' overlaps), and tracing_vias made from the spans (the F1 met first is the lowest source that
#   holds m from that instant, not merely present at it). Until 2026-12 the pairs were formed, joined by the
#   hours both cover: a factory's F2 level took up to 50 s (docs/benchmarks.md).
# Both give what _level_evidence gives for the pairs of the same rows; the property tests hold the SQL, the
# Python (_level_evidence_by_cover, _level_evidence_by_starts) and the pairs to the reference.
_TRACE_TABLES_SQL = [
    """CREATE TEMPORARY TABLE tracing_sources (
        idx int, checkin_id bigint, person_id bigint, s timestamptz, e timestamptz, assumed boolean
    ) ON COMMIT DROP""",
    # From level 2: who is met first over each span of a group's time (_via_segments).
    "CREATE TEMPORARY TABLE tracing_vias (idx int, s timestamptz, e timestamptz, person_id bigint) ON COMMIT DROP",
    """CREATE TEMPORARY TABLE tracing_evidence (
        person_id bigint, level smallint, evidence_key text, via_person_id bigint, venue_id bigint,
        exposure_start timestamptz, exposure_end timestamptz, overlap_minutes int, occasions int, end_assumed boolean
    ) ON COMMIT DROP""",
    # The contacts the write inserted or changed, with their ids (_CONTACTS_UPSERT_SQL).
    # `moved`: reopened as a candidate by this trace (audited after the writes).
    # `quarantined`: in quarantine, its span perhaps widened (services.quarantine_ends_extend).
    "CREATE TEMPORARY TABLE tracing_contacts (person_id bigint, id bigint, moved boolean, quarantined boolean)"
    " ON COMMIT DROP",
]
_TRACE_TABLES_DROP_SQL = "DROP TABLE tracing_sources, tracing_vias, tracing_evidence, tracing_contacts"

_LEVEL_ROWS_SQL = """
WITH q AS MATERIALIZED (
    SELECT * FROM unnest(%(g_idx)s::int[], %(g_venue)s::bigint[], %(g_s)s::timestamptz[], %(g_e)s::timestamptz[],
        %(g_open_after)s::timestamptz[], %(g_lo)s::timestamptz[], %(g_buffer)s::interval[])
        AS q(idx, venue_id, s, e, open_after, lo, buffer)
), src AS MATERIALIZED (
    SELECT * FROM tracing_sources
), excluded AS MATERIALIZED (
    SELECT DISTINCT unnest(%(excluded)s::bigint[]) AS person_id
), other AS (
    SELECT q.idx, q.venue_id, c.id, c.person_id, c.checked_in_at, c.checked_out_at, c.checkout_kind, q.buffer
    FROM q JOIN {checkins} c ON c.venue_id = q.venue_id AND c.checked_in_at >= q.lo AND c.checked_in_at < q.e
    WHERE c.checked_out_at > q.s OR (c.checked_out_at IS NULL AND c.checked_in_at > q.open_after)
    UNION ALL
    SELECT q.idx, q.venue_id, c.id, c.person_id, c.checked_in_at, c.checked_out_at, c.checkout_kind, q.buffer
    FROM q JOIN {checkins} c ON c.venue_id = q.venue_id AND c.checked_in_at < q.lo
    WHERE c.checked_out_at - c.checked_in_at > interval '24 hours' AND c.checked_out_at > q.s
), kept AS MATERIALIZED (
    SELECT o.idx, o.venue_id, o.id, o.person_id, o.checked_in_at AS s,
        GREATEST(o.checked_in_at, COALESCE(o.checked_out_at, o.checked_in_at + o.buffer)) AS e,
        (o.checked_out_at IS NULL OR o.checkout_kind = %(auto)s) AS assumed
    FROM other o WHERE NOT EXISTS (SELECT 1 FROM excluded x WHERE x.person_id = o.person_id)
)"""

_EVIDENCE_INSERT = """INSERT INTO tracing_evidence (person_id, level, evidence_key, via_person_id, venue_id,
    exposure_start, exposure_end, overlap_minutes, occasions, end_assumed)
SELECT person, %(level)s::int,
    CASE WHEN %(level)s::int = 1 THEN 'checkin:venue:' || venue_id ELSE 'checkin:level:' || %(level)s::int END,
    CASE WHEN %(level)s::int > 1 THEN via END, venue_id, first_at, last_end, minutes, occasions, assumed
FROM found
"""
_RETURNING = " RETURNING person_id, exposure_start"

# Per link: the first overlap's venue, group and instant, and the check-in that has it (the lowest (instant,
# venue, check-in): `first`, compared as an array, in one pass with the other aggregates); the last end, whole
# minutes covered, occasions, any end assumed. The first overlap's F1 is the lowest (person, check-in) of the
# group's sources present at its instant (a source whose pair starts there started at or before it), as
# _level_evidence names it: tracing_vias holds it per span; rows that tie on (instant, venue) share it, and the
# lowest check-in settles the rest.
_COVER_SUM_SQL = (
    """, cover AS MATERIALIZED (
    SELECT idx, range_agg(tstzrange(s, e)) AS m, range_agg(tstzrange(s, e)) FILTER (WHERE assumed) AS assumed_m
    FROM src GROUP BY idx
), pieces AS (
    SELECT k.person_id AS person, CASE WHEN %(level)s::int = 1 THEN k.venue_id ELSE 0 END AS gv, k.venue_id,
        k.idx, k.id, tstzmultirange(tstzrange(k.s, k.e)) * c.m AS shared,
        k.assumed OR COALESCE(tstzrange(k.s, k.e) && c.assumed_m, false) AS assumed
    FROM kept k JOIN cover c USING (idx)
    WHERE tstzrange(k.s, k.e) && c.m
), totals AS (
    SELECT person, min(ARRAY[(extract(epoch FROM lower(shared)) * 1000000)::bigint, venue_id, id, idx]) AS first,
        min(lower(shared)) AS first_at, range_agg(shared) AS covered, count(DISTINCT id) AS occasions,
        bool_or(assumed) AS assumed
    FROM pieces GROUP BY person, gv
), found AS (
    SELECT person, first[2] AS venue_id, first_at, upper(covered) AS last_end, occasions::int, assumed,
        (SELECT floor(extract(epoch FROM sum(upper(r) - lower(r))) / 60)::int FROM unnest(covered) r) AS minutes,
        v.person_id AS via
    FROM totals LEFT JOIN tracing_vias v ON v.idx = first[4] AND v.s <= first_at AND v.e > first_at
)
"""
    + _EVIDENCE_INSERT
)

# With a minimum overlap m, as _level_evidence_by_starts: each presence lasting at least m as the span of instants
# an overlap that long can start in it ([s, e - m], written [s, e - shift) with shift = m - 1 µs; empty when
# shorter); then as _COVER_SUM_SQL on those spans, each part shared [p, q) widened to [p, q + shift) before the
# union is taken. tracing_vias holds the lowest source per span of the group's spans of starts.
_STARTS_SUM_SQL = (
    """, spans AS MATERIALIZED (
    SELECT idx, tstzrange(s, e - %(shift)s::interval) AS span, assumed
    FROM src WHERE e - s >= %(min_overlap)s::interval
), cover AS MATERIALIZED (
    SELECT idx, range_agg(span) AS m, range_agg(span) FILTER (WHERE assumed) AS assumed_m FROM spans GROUP BY idx
), pieces AS (
    SELECT k.person_id AS person, CASE WHEN %(level)s::int = 1 THEN k.venue_id ELSE 0 END AS gv, k.venue_id,
        k.idx, k.id, tstzmultirange(k.span) * c.m AS shared,
        k.assumed OR COALESCE(k.span && c.assumed_m, false) AS assumed
    FROM (
        -- GREATEST: a row shorter than m has an empty span (a range's ends may not be reversed)
        SELECT kept.*, tstzrange(s, GREATEST(s, e - %(shift)s::interval)) AS span FROM kept
    ) k JOIN cover c USING (idx)
    WHERE k.span && c.m
), totals AS (
    SELECT person, min(ARRAY[(extract(epoch FROM lower(shared)) * 1000000)::bigint, venue_id, id, idx]) AS first,
        min(lower(shared)) AS first_at, range_agg(tstzrange(lower(r), upper(r) + %(shift)s::interval)) AS covered,
        count(DISTINCT id) AS occasions, bool_or(assumed) AS assumed
    FROM pieces, unnest(shared) r GROUP BY person, gv
), found AS (
    SELECT person, first[2] AS venue_id, first_at, upper(covered) AS last_end, occasions::int, assumed,
        (SELECT floor(extract(epoch FROM sum(upper(r) - lower(r))) / 60)::int FROM unnest(covered) r) AS minutes,
        v.person_id AS via
    FROM totals LEFT JOIN tracing_vias v ON v.idx = first[4] AND v.s <= first_at AND v.e > first_at
)
"""
    + _EVIDENCE_INSERT
)


def _level_into_table(
    cursor,
    sources: list[Presence],
    *,
    level: int,
    venues: dict[int, _Venue],
    longest_closed: dt.timedelta,
    excluded: set[int],
    min_overlap: dt.timedelta,
    last: bool,
) -> tuple[dict[int, dt.datetime], int]:
    """What _level_evidence(_overlapping_pairs(...)) finds, computed by PostgreSQL into tracing_evidence (see
    _TRACE_TABLES_SQL); returns each person found with their first exposure (none at the `last` level, where
    nobody goes on from them: the tens of thousands of a factory's F2 stay in the database), and how many."""
    groups, ranges = _source_groups(sources, venues=venues, longest_closed=longest_closed)
    if not ranges:
        return {}, 0
    raw = cursor.cursor
    raw.execute("DELETE FROM tracing_sources")
    with raw.copy("COPY tracing_sources FROM STDIN") as copy:
        for idx, group in enumerate(groups):
            for p in group:
                copy.write_row((idx, p.checkin_id, p.person_id, p.start, p.end, p.end_assumed))
    raw.execute("DELETE FROM tracing_vias")
    if level > 1:
        spans = groups if min_overlap <= dt.timedelta(0) else [_overlap_starts(g, min_overlap) for g in groups]
        with raw.copy("COPY tracing_vias FROM STDIN") as copy:
            for row in _via_segments(spans):
                copy.write_row(row)
    g_idx, g_venue, g_s, g_e, g_open_after, g_lo = (list(column) for column in zip(*ranges, strict=True))
    params = {
        "g_idx": g_idx,
        "g_venue": g_venue,
        "g_s": g_s,
        "g_e": g_e,
        "g_open_after": g_open_after,
        "g_lo": g_lo,
        "g_buffer": [venues[venue_id].buffer for venue_id in g_venue],
        "excluded": sorted(excluded),
        "auto": AUTO,
        "level": level,
        "min_overlap": min_overlap,
        "shift": min_overlap - _TICK,
    }
    summing = _COVER_SUM_SQL if min_overlap <= dt.timedelta(0) else _STARTS_SUM_SQL
    sql = _LEVEL_ROWS_SQL.format(checkins=CheckIn._meta.db_table) + summing + ("" if last else _RETURNING)
    # Never a prepared statement (settings: PG_PREPARE_THRESHOLD): a generic plan cannot see how long the arrays
    # are, and guessed 10 rows for each made a 50 ms statement take two seconds.
    raw.execute(sql, params, prepare=False)
    if last:
        if level > 1:
            return {}, raw.rowcount  # one row per person from level 2 on
        raw.execute("SELECT count(DISTINCT person_id) FROM tracing_evidence WHERE level = 1")
        return {}, raw.fetchone()[0]
    first: dict[int, dt.datetime] = {}
    for person, start in raw.fetchall():
        if person not in first or start < first[person]:
            first[person] = start
    return first, len(first)


def quarantine_until(
    quarantine_start: dt.date | None,
    case: Case,
    *,
    quarantine_end: dt.date | None = None,
    exposed_at: dt.datetime | None = None,
) -> dt.datetime:
    """When a contact stops passing it on (RULES.md §1.2, F2 under QĐ 3638: "until the F1 was put in medical
    isolation"): the end of its quarantine's first day (the hour is not recorded: the whole day counts).
    Without a quarantine yet, the case's isolation (window_end): tracing starts then and the F1 are called
    to quarantine; once an official records the quarantine, tracing again extends the period to it. A quarantine
    over before the contact was `exposed_at` (an F1 of the spring met again in the autumn) is not the isolation
    that follows this exposure: as without one."""
    if quarantine_end is not None and exposed_at is not None and exposed_at >= local_midnight(quarantine_end):
        quarantine_start = None
    if quarantine_start is None:
        return case.window_end
    next_day = dt.datetime.combine(quarantine_start + dt.timedelta(days=1), dt.time.min)
    return timezone.make_aware(next_day, timezone.get_default_timezone())


def onward_until(contact: dict | None, case: Case, *, exposed_at: dt.datetime) -> dt.datetime | None:
    """Until when a person first exposed to `case` at `exposed_at` passes it on to the next level (quarantine_until),
    by the episode of their contact (`contact`: its row as values, None if they have none yet) that this exposure
    falls in (models.episode_quarantine): the current one's quarantine, or, for an F1 of an old case met again since,
    the quarantine of the episode they were exposed in, kept when they were reopened. None when nothing passes on: an
    official dismissed them ("not a contact" ends the chain there) in the current episode; an earlier episode ended
    in a release or a case, and a dismissal in this one says nothing of what the old case's evidence was."""
    if contact is None:
        return case.window_end
    episode = episode_quarantine(
        exposed_at,
        episode_start=contact["episode_start"],
        earlier_episodes=contact["earlier_episodes"],
        quarantine_start=contact["quarantine_start"],
        quarantine_end=contact["quarantine_end"],
    )
    if episode.current and contact["status"] == Contact.Status.DISMISSED:
        return None
    return quarantine_until(episode.start, case, quarantine_end=episode.end, exposed_at=exposed_at)


@dataclass
class _Found:
    case_presences: list[Presence]
    venues: dict[int, _Venue]
    counts: dict[int, int]  # level -> how many persons found at it
    evidence: list[Evidence]  # SQLite's; PostgreSQL's stays in tracing_evidence


def _trace(*, case: Case, max_level: int, cursor=None) -> _Found:
    """Find the evidence level by level: with `cursor` (PostgreSQL) into tracing_evidence, without in Python."""
    buffers = open_checkin_buffers()
    longest = max_stay()
    min_overlap = min_overlap_for(case)
    venues: dict[int, _Venue] = {}
    own = _presences_of(
        [case.person_id], after=case.window_start, before=case.window_end, buffers=buffers, venues=venues
    )
    case_presences = [
        clipped for p in own.get(case.person_id, []) if (clipped := p.clipped(case.window_start, case.window_end))
    ]
    found = _Found(case_presences, venues, {}, [])
    excluded = {case.person_id}
    sources = case_presences
    for level in range(1, max_level + 1):
        if not sources:
            break
        if cursor is not None:
            first_exposure, found.counts[level] = _level_into_table(
                cursor,
                sources,
                level=level,
                venues=venues,
                longest_closed=longest,
                excluded=excluded,
                min_overlap=min_overlap,
                last=level == max_level,
            )
        else:
            groups, others = _level_rows(sources, venues=venues, longest_closed=longest, excluded=excluded)
            if min_overlap > dt.timedelta(0):
                evidence = _level_evidence_by_starts(groups, others, level=level, min_overlap=min_overlap)
            else:
                evidence = _level_evidence_by_cover(groups, others, level=level)
            found.evidence += evidence
            first_exposure = {}
            for e in evidence:
                if e.person_id not in first_exposure or e.start < first_exposure[e.person_id]:
                    first_exposure[e.person_id] = e.start
            found.counts[level] = len(first_exposure)
        if level == max_level or not first_exposure:
            break
        excluded |= set(first_exposure)
        contacts = {
            row["person_id"]: row
            for row in _where_in(
                Contact.objects.values(
                    "person_id", "status", "quarantine_start", "quarantine_end", "episode_start", "earlier_episodes"
                ),
                "person",
                sorted(first_exposure),
            )
        }
        onward = {
            person: (start, until)
            for person, start in first_exposure.items()
            if (until := onward_until(contacts.get(person), case, exposed_at=start)) is not None
        }
        if not onward:
            break
        their = _presences_of(
            onward,
            after=min(start for start, _ in onward.values()),
            before=max(until for _, until in onward.values()),
            buffers=buffers,
            venues=venues,
        )
        sources = [
            clipped
            for person, (start, until) in onward.items()
            for p in their.get(person, [])
            if (clipped := p.clipped(start, until))
        ]
    return found


# --- Writes -------------------------------------------------------------------------------------------


def _contact_ids(persons: list[int]) -> dict[int, int]:
    return dict(_where_in(Contact.objects.values_list("person_id", "id"), "person", persons))


def _contacts_read(persons: list[int]) -> tuple[dict[int, int], dict[int, dt.datetime]]:
    """person -> contact id, and person -> the current episode's start of those that have one (Contact.episode_start),
    in the reads _contact_ids makes."""
    ids, episodes = {}, {}
    for person, pk, episode_start in _where_in(
        Contact.objects.values_list("person_id", "id", "episode_start"), "person", persons
    ):
        ids[person] = pk
        if episode_start is not None:
            episodes[person] = episode_start
    return ids, episodes


_LINK_SOURCE, _LINK_SETTING = ContactLink.Source.CHECKIN.value, ContactLink.Setting.VENUE.value
_CONTACT_COLUMNS = "person_id, level, first_exposure_at, last_exposure_at, created_at, status, dismissed_reason"
_LINK_COLUMNS = (
    "contact_id, case_id, level, source, setting, evidence_key, via_id, venue_id, place, exposure_start,"
    " exposure_end, overlap_minutes, occasions, end_assumed, note, created_at, created_by_id"
)
_LINK_SUMMARY = "via_id, venue_id, place, exposure_start, exposure_end, overlap_minutes, occasions, end_assumed"

# PostgreSQL: two statements write what tracing_evidence holds where the rows are. Contacts: inserted, or (ON
# CONFLICT, also when another trace made the same person's meanwhile) level lowered and span widened, only where
# that changes something, so that a second run writes nothing; the rows written give their ids to
# tracing_contacts. Links: their contact's id from there, or for a contact left unchanged looked up by its
# unique index (a subquery: a join would be planned as a read of the whole table once the evidence has a few
# thousand rows; one by one, the look-ups cost a factory's trace 100 ms); inserted, or brought up to date where
# the summary differs; xmax = 0 tells an inserted row.
# Each contact has a current episode (Contact.episode_start; docs/cases.md, "A closed contact met again"): its level
# and span are those of its links of that episode alone. This trace's evidence of a person (`excluded`: its level, one
# level, as a person found at one level is left out of the next; its first start and last end) counts where some of
# it is of the contact's episode (models.links_of_episode_q: a link's end on or after the episode's start). Where only
# part of it is (one trace's evidence on both sides of the end of a quarantine: rare), its first start within the
# episode is read again from tracing_evidence, for that row alone. Every condition below is evaluated on existing
# rows only (ON CONFLICT), the subqueries on the few rows they concern.
_IN_EPISODE = "(c.episode_start IS NULL OR excluded.last_exposure_at >= c.episode_start)"
_EPISODE_FIRST = """(CASE WHEN c.episode_start IS NULL OR excluded.first_exposure_at >= c.episode_start
    THEN excluded.first_exposure_at ELSE (SELECT min(e.exposure_start) FROM tracing_evidence e
        WHERE e.person_id = c.person_id AND e.exposure_end >= c.episode_start) END)"""
# A contact of withdrawn cases only (services.case_withdraw), or whose current episode's evidence all went
# (services.contacts_evidence_settle), that a standing case meets again in that episode is a candidate again, its
# level and span those of the new evidence: the withdrawn case's evidence says nothing any more. Evidence of an earlier
# episode (its old case traced again) leaves it closed.
_REOPENED = Contact.Status.CASE_WITHDRAWN.value
_WITHDRAWN_MET = f"(c.status = '{_REOPENED}' AND {_IN_EPISODE})"
# A released contact, or one who became a case, met again after that quarantine or case is over
# (services.contacts_met_again, word for word): a candidate again in a new episode, the old quarantine dates cleared
# from the row and kept with the episode they belonged to (Contact.earlier_episodes, as services.contact_reopen),
# its level and span the new evidence's (all of it after the old quarantine or case) until the links are written;
# then, with the other links of the new episode (services.contacts_span_settle, for the rows this trace reopened).
# The cases' subqueries run for those rows only.
_MET_AGAIN = f"""(c.status IN ('{Contact.Status.RELEASED.value}', '{Contact.Status.BECAME_CASE.value}')
    AND (c.quarantine_end IS NULL OR excluded.first_exposure_at >= (c.quarantine_end::timestamp AT TIME ZONE %(tz)s))
    AND NOT EXISTS (SELECT 1 FROM {{cases}} k WHERE k.person_id = c.person_id
        AND k.status <> '{Case.Status.WITHDRAWN.value}' AND (k.status <> '{Case.Status.RECOVERED.value}'
        OR k.status_changed_at IS NULL OR k.status_changed_at >= excluded.first_exposure_at)))"""
# Where the new episode begins (services.contacts_met_again): the later of the old quarantine's end and the person's
# last recovery (every case of theirs not withdrawn has recovered, before this exposure), else the exposure.
_NEW_EPISODE_START = f"""COALESCE(GREATEST(c.quarantine_end::timestamp AT TIME ZONE %(tz)s,
    (SELECT max(k.status_changed_at) FROM {{cases}} k WHERE k.person_id = c.person_id
        AND k.status = '{Case.Status.RECOVERED.value}')), excluded.first_exposure_at)"""
_MOVED = f"({_WITHDRAWN_MET} OR {_MET_AGAIN})"
# A contact's span is that of its links of its level (an F1's quarantine counts from its meetings with the F0, not
# from its F2 evidence: RULES.md §2, CĐ 600/CĐ-BCĐ "from ... last contact"; docs/cases.md): evidence of a lower level
# than the contact's (this trace's, of one level per person) gives the span alone, evidence of the same level widens
# it, and a further level's changes nothing.
_LOWER = f"({_IN_EPISODE} AND excluded.level < c.level)"
_SAME = f"({_IN_EPISODE} AND excluded.level = c.level)"
_CONTACTS_UPSERT_SQL = f"""
WITH written AS (
INSERT INTO {{contacts}} AS c ({_CONTACT_COLUMNS})
SELECT e.person_id, e.level, e.first, e.last, %(now)s, 'candidate', ''
FROM (
    SELECT person_id, min(level) AS level, min(exposure_start) AS first, max(exposure_end) AS last
    FROM tracing_evidence GROUP BY person_id
) e ORDER BY e.person_id  -- in order: fewer pages touched, and row locks in one order for every trace
ON CONFLICT (person_id) DO UPDATE SET
    level = CASE WHEN {_MOVED} THEN excluded.level WHEN {_IN_EPISODE} THEN LEAST(c.level, excluded.level)
        ELSE c.level END,
    first_exposure_at = CASE WHEN {_MET_AGAIN} THEN excluded.first_exposure_at
        WHEN {_WITHDRAWN_MET} OR {_LOWER} THEN {_EPISODE_FIRST}
        WHEN {_SAME} THEN LEAST(c.first_exposure_at, {_EPISODE_FIRST}) ELSE c.first_exposure_at END,
    last_exposure_at = CASE WHEN {_MOVED} OR {_LOWER} THEN excluded.last_exposure_at
        WHEN {_SAME} THEN GREATEST(c.last_exposure_at, excluded.last_exposure_at) ELSE c.last_exposure_at END,
    episode_start = CASE WHEN {_MET_AGAIN} THEN {_NEW_EPISODE_START} ELSE c.episode_start END,
    earlier_episodes = CASE WHEN {_MET_AGAIN} THEN COALESCE(c.earlier_episodes, '[]'::jsonb) || jsonb_build_array(
        jsonb_build_object('end', {_NEW_EPISODE_START}, 'quarantine_start', c.quarantine_start,
            'quarantine_end', c.quarantine_end)) ELSE c.earlier_episodes END,
    quarantine_start = CASE WHEN {_MET_AGAIN} THEN NULL ELSE c.quarantine_start END,
    quarantine_end = CASE WHEN {_MET_AGAIN} THEN NULL ELSE c.quarantine_end END,
    release_reason = CASE WHEN {_MET_AGAIN} THEN '' ELSE c.release_reason END,
    status = CASE WHEN {_MOVED} THEN '{Contact.Status.CANDIDATE.value}' ELSE c.status END,
    status_changed_at = CASE WHEN {_MOVED} THEN %(now)s ELSE c.status_changed_at END,
    status_changed_by_id = CASE WHEN {_MOVED} THEN NULL ELSE c.status_changed_by_id END
WHERE {_MOVED} OR {_LOWER} OR ({_SAME} AND (c.first_exposure_at IS NULL
    OR c.first_exposure_at > {_EPISODE_FIRST} OR c.last_exposure_at IS NULL
    OR c.last_exposure_at < excluded.last_exposure_at))
RETURNING person_id, id,
    COALESCE(status = '{Contact.Status.CANDIDATE.value}' AND status_changed_at = %(now)s, false) AS moved,
    status = '{Contact.Status.QUARANTINED.value}' AS quarantined
)
INSERT INTO tracing_contacts SELECT person_id, id, moved, quarantined FROM written
"""
# A person met who is already a case under treatment is recorded (the meeting may be how one infected the other) but
# is no contact to call. Every candidate met, as on SQLite (services.contacts_of_cases_close): not only the rows the
# upsert wrote, since a candidate whose case was entered in a trace's last milliseconds (docs/cases.md) is left
# untouched by the next trace's upsert. The open cases are few: their candidates first (usually none), then whether
# this trace met them. The rows closed come back with their person's area, for the audit
# (services.contacts_became_case_audit).
_CONTACTS_BECAME_CASE_SQL = f"""
WITH open AS MATERIALIZED (
    SELECT c.id, c.person_id FROM {{cases}} k JOIN {{contacts}} c ON c.person_id = k.person_id
    WHERE k.status = '{Case.Status.UNDER_TREATMENT.value}' AND c.status = '{Contact.Status.CANDIDATE.value}'
)
UPDATE {{contacts}} c SET status = '{Contact.Status.BECAME_CASE.value}', status_changed_at = %(now)s
FROM open o
WHERE c.id = o.id AND c.status = '{Contact.Status.CANDIDATE.value}'
    AND EXISTS (SELECT 1 FROM tracing_evidence e WHERE e.person_id = o.person_id)
RETURNING c.id, (SELECT p.area_path FROM {{people}} p WHERE p.id = c.person_id)
"""
_LINKS_UPSERT_SQL = f"""
WITH written AS (
    INSERT INTO {{links}} AS l ({_LINK_COLUMNS})
    SELECT COALESCE(ids.id, (SELECT c.id FROM {{contacts}} c WHERE c.person_id = e.person_id)),
        %(case)s, e.level, %(source)s, %(setting)s, e.evidence_key, via.id, e.venue_id, v.place, e.exposure_start,
        e.exposure_end, e.overlap_minutes, e.occasions, e.end_assumed, '', %(now)s, %(created_by)s
    FROM tracing_evidence e LEFT JOIN tracing_contacts ids ON ids.person_id = e.person_id
    -- Thousands of F2 came through a few hundred F1 and venues: each of those looked up once.
    LEFT JOIN (
        SELECT id, left(name, 255) AS place FROM {{venues}} WHERE id IN (SELECT venue_id FROM tracing_evidence)
    ) v ON v.id = e.venue_id
    LEFT JOIN (
        SELECT person_id, id FROM {{contacts}} WHERE person_id IN (SELECT via_person_id FROM tracing_evidence)
    ) via ON via.person_id = e.via_person_id
    {{on_conflict}}
    RETURNING xmax = 0 AS added{{returning}}
)
SELECT count(*) FILTER (WHERE added), count(*) FILTER (WHERE NOT added){{updated}} FROM written
"""
_LINKS_ON_CONFLICT_SQL = f"""ON CONFLICT (contact_id, case_id, evidence_key) DO UPDATE SET ({_LINK_SUMMARY}) = (
        excluded.via_id, excluded.venue_id, excluded.place, excluded.exposure_start, excluded.exposure_end,
        excluded.overlap_minutes, excluded.occasions, excluded.end_assumed)
    WHERE (l.via_id, l.venue_id, l.exposure_start, l.exposure_end, l.overlap_minutes, l.occasions, l.end_assumed)
        IS DISTINCT FROM (excluded.via_id, excluded.venue_id, excluded.exposure_start, excluded.exposure_end,
        excluded.overlap_minutes, excluded.occasions, excluded.end_assumed)"""
# A case traced before: the contacts of the links brought up to date come back too. The contacts' upsert only widens
# a span, so a link whose meeting this trace finds shorter (a check-out made since, that ends a stay the earlier trace
# assumed) would leave its contact's span wider than its links; those contacts are settled from their links
# (services.contacts_span_settle). A first trace inserts only, and returns no more than before.
_LINKS_UPDATED_RETURNING_SQL = ", l.contact_id"
_LINKS_UPDATED_SQL = ", array_agg(DISTINCT contact_id) FILTER (WHERE NOT added)"
# Whether the case has links from an earlier trace through check-ins (their keys all start so; no other source
# writes such keys; the case's row is locked). Without, nothing can conflict: a plain insert, a fifth cheaper
# than ON CONFLICT's speculative one (51,655 links: 370 ms instead of 470), the unique index still on guard.
# Read through the (case, level) index by its order, not as EXISTS: once prepared, the statement's generic plan
# takes a case to have 1/n of the links when n cases have any, and for EXISTS a sequential scan then looks
# cheaper. A case not traced yet has none, so the scan read every link, at every first trace (36 ms a trace with
# 300,000 links, growing with them). With ORDER BY … LIMIT 1 the index is the cheap plan whatever the estimate.
_LINKS_TRACED_BEFORE_SQL = (
    "SELECT 1 FROM {links} WHERE case_id = %(case)s AND evidence_key LIKE 'checkin:%%' ORDER BY level LIMIT 1"
)


# A case traced again: its check-in links that this trace no longer finds go (its dates were corrected since, an F1
# it went on through was dismissed or quarantined earlier than it had been, a check-in was corrected), as a first
# trace would not write them. Their contacts are settled after the writes (services.contacts_evidence_settle). Only
# the keys this tracer writes (Evidence.evidence_key): nothing else writes check-in links but the tests' builders.
_STALE_LINKS_DELETE_SQL = """
DELETE FROM {links} l USING {contacts} c
WHERE l.case_id = %(case)s AND l.source = %(source)s AND c.id = l.contact_id
    AND (l.evidence_key LIKE 'checkin:venue:%%' OR l.evidence_key LIKE 'checkin:level:%%')
    AND NOT EXISTS (
        SELECT 1 FROM tracing_evidence e WHERE e.person_id = c.person_id AND e.evidence_key = l.evidence_key
    )
RETURNING l.contact_id, c.person_id
"""
# With such links, the contacts to settle are locked with those the upsert writes, all in person order first: the
# order every trace and withdrawal locks contacts in, so that two of them wait for each other, not deadlock.
_CONTACTS_LOCK_SQL = """
SELECT id FROM {contacts}
WHERE person_id IN (SELECT person_id FROM tracing_evidence UNION SELECT unnest(%(stale)s::bigint[]))
ORDER BY person_id FOR NO KEY UPDATE
"""

# The contacts this trace wrote that are in quarantine (services.quarantine_ends_extend): the upsert changed only
# those whose span widened, and said which are in quarantine. (Joined to the contacts instead, the query cost a
# factory's trace a scan of the contacts: p50 +28% in the benchmark of 2026-12-06.)
_CONTACTS_QUARANTINED_SQL = "SELECT id FROM tracing_contacts WHERE quarantined"

# The contacts this trace reopened, with their status now and their person's area, for the audit.
_CONTACTS_MOVED_SQL = """
SELECT t.id, c.status, p.area_path FROM tracing_contacts t JOIN {contacts} c ON c.id = t.id
    JOIN {people} p ON p.id = t.person_id
WHERE t.moved
"""


def _checkins_all_kept(case: Case) -> bool:
    """Whether every check-in a trace of `case` may read is still kept: checkins.services.checkin_prune deletes those
    begun before the retention's first day, and a presence read begins at most max_stay() before the window. Only
    then does a link that the trace no longer finds say its evidence is gone, not its check-ins; the links of an
    older case stay as they were written, as its notices do."""
    keep_from = local_midnight(timezone.localdate() - dt.timedelta(days=settings.CHECKIN_RETENTION_DAYS))
    return case.window_start - max_stay() >= keep_from


def _evidence_write_postgresql(
    cursor, *, case: Case, created_by: int | None, stale_go: bool, actor=None
) -> tuple[int, int, list[tuple], list[tuple], list[int]]:
    """_evidence_write_sqlite's result from tracing_evidence. Returns (links added, links updated, contacts
    reopened as (id, status, area path), contacts closed as became_case as (id, area path), the contact of each
    stale link deleted)."""
    tables = {
        "contacts": Contact._meta.db_table,
        "links": ContactLink._meta.db_table,
        "venues": Venue._meta.db_table,
        "cases": Case._meta.db_table,
    }
    params = {
        "now": timezone.now(),
        "case": case.pk,
        "source": _LINK_SOURCE,
        "setting": _LINK_SETTING,
        "created_by": created_by,
        "tz": settings.TIME_ZONE,  # quarantine days are local days
    }
    raw = cursor.cursor
    raw.execute(_LINKS_TRACED_BEFORE_SQL.format(**tables), params)
    traced_before = raw.fetchone() is not None
    stale = []
    if traced_before and stale_go:
        raw.execute(_STALE_LINKS_DELETE_SQL.format(**tables), params, prepare=False)
        stale = raw.fetchall()
        if stale:
            raw.execute(_CONTACTS_LOCK_SQL.format(**tables), {"stale": sorted({p for _, p in stale})}, prepare=False)
    raw.execute(_CONTACTS_UPSERT_SQL.format(**tables), params, prepare=False)
    raw.execute(_CONTACTS_BECAME_CASE_SQL.format(people=Person._meta.db_table, **tables), params, prepare=False)
    became = raw.fetchall()
    if traced_before:
        upsert = _LINKS_UPSERT_SQL.format(
            on_conflict=_LINKS_ON_CONFLICT_SQL,
            returning=_LINKS_UPDATED_RETURNING_SQL,
            updated=_LINKS_UPDATED_SQL,
            **tables,
        )
    else:
        upsert = _LINKS_UPSERT_SQL.format(on_conflict="", returning="", updated="", **tables)
    raw.execute(upsert, params, prepare=False)
    added, updated, *rest = raw.fetchone()
    brought_up_to_date = (rest[0] or []) if rest else []
    raw.execute(_CONTACTS_MOVED_SQL.format(people=Person._meta.db_table, **tables), prepare=False)
    moved = raw.fetchall()
    # Reopened (few), and those whose links this trace changed (the upsert locked them all): level and span from the
    # links of their episode, this trace's written by now.
    settle = {contact_id for contact_id, *_ in moved} | set(brought_up_to_date)
    if settle:
        contacts_span_settle(Contact.objects.filter(pk__in=sorted(settle)))
    # The few in quarantine whose last exposure this trace moved on: their end moves with it (RULES.md §2).
    raw.execute(_CONTACTS_QUARANTINED_SQL, prepare=False)
    quarantine_ends_extend([contact_id for (contact_id,) in raw.fetchall()], actor=actor)
    return added, updated, moved, became, [contact for contact, _ in stale]


def _stale_links_delete_sqlite(case: Case, evidence: list[Evidence]) -> list[int]:
    """_STALE_LINKS_DELETE_SQL from the evidence in hand (SQLite writes one transaction at a time: no lock order to
    keep). Returns the contact of each link deleted."""
    fresh = {(e.person_id, e.evidence_key) for e in evidence}
    stale = [
        (pk, contact_id)
        for pk, contact_id, person_id, key in ContactLink.objects.filter(
            case=case, source=ContactLink.Source.CHECKIN
        ).values_list("pk", "contact_id", "contact__person_id", "evidence_key")
        if (person_id, key) not in fresh and key.startswith(("checkin:venue:", "checkin:level:"))
    ]
    for chunk in _chunks([pk for pk, _ in stale]):
        ContactLink.objects.filter(pk__in=chunk).delete()
    return [contact_id for _, contact_id in stale]


def _evidence_write_sqlite(
    *, case: Case, evidence: list[Evidence], venues: dict[int, _Venue], created_by: int | None, actor=None
) -> tuple[int, int, list[tuple], list[tuple]]:
    """What contact_link_add would do for each piece of evidence, in a few statements: one contact per person
    (level the lowest of its current episode's links, exposure span widened to the episode's evidence, status
    untouched but for the closed ones it reopens), one link per (contact, case, evidence key): added when new, brought
    up to date when the check-ins now say more (a late upload), left alone when they say the same. Returns (links
    added, links updated, contacts of withdrawn cases reopened as (id, status, area path); those met again are
    audited by contact_reopen; contacts closed as became_case as (id, area path)). The ORM's bulk_create and
    bulk_update took seconds for thousands of links."""
    if not evidence:
        return 0, 0, [], []
    by_person: dict[int, list[Evidence]] = defaultdict(list)
    for e in evidence:
        by_person[e.person_id].append(e)
    persons = sorted(by_person)
    ids, episodes = _contacts_read(persons)  # those made below begin their first episode
    missing = [p for p in persons if p not in ids]
    now = timezone.now()
    adapt = _sqlite_time
    table = Contact._meta.db_table
    if missing:
        rows = [
            (
                person,
                min(e.level for e in by_person[person]),
                adapt(min(e.start for e in by_person[person])),
                adapt(max(e.end for e in by_person[person])),
                adapt(now),
            )
            for person in missing
        ]
        with connection.cursor() as cursor:
            # Another trace may create the same person's contact meanwhile: theirs stays, ours is skipped (and
            # widened below like any existing contact).
            cursor.executemany(
                f"INSERT OR IGNORE INTO {table} ({_CONTACT_COLUMNS}) VALUES (%s, %s, %s, %s, %s, 'candidate', '')",
                rows,
            )
        ids.update(_contact_ids(missing))

    # Closed contacts among them, read before the writes: those of withdrawn cases are reopened by the UPDATE below,
    # the others (released, became a case) by contact_reopen when this evidence comes after their closure.
    closed = list(
        _where_in(
            Contact.objects.filter(status__in=[_REOPENED, *CONTACT_REOPENABLE]).select_related("person"),
            "person",
            persons,
        )
    )
    have = {
        (contact_id, key): rest
        for contact_id, key, *rest in ContactLink.objects.filter(case=case, source=ContactLink.Source.CHECKIN)
        .values_list(
            "contact_id",
            "evidence_key",
            "via_id",
            "venue_id",
            "exposure_start",
            "exposure_end",
            "overlap_minutes",
            "occasions",
            "end_assumed",
        )
        .iterator()
    }
    inserts, updates = [], []
    for e in evidence:
        contact_id = ids[e.person_id]
        key = e.evidence_key
        via = ids[e.via_person_id] if e.via_person_id else None
        values = [via, e.venue_id, e.start, e.end, e.minutes, e.occasions, e.end_assumed]
        old = have.get((contact_id, key))
        if old == values:
            continue
        place = venues[e.venue_id].name[:255]
        row = [via, e.venue_id, place, adapt(e.start), adapt(e.end), e.minutes, e.occasions, e.end_assumed]
        if old is None:
            inserts.append(
                (contact_id, case.pk, e.level, _LINK_SOURCE, _LINK_SETTING, key, *row, "", adapt(now), created_by)
            )
        else:
            updates.append((contact_id, key, *row))
    # Level down to the lowest link, exposure span widened to the evidence, only rows that change (so that a
    # second run writes nothing). Only the evidence of the contact's current episode (as _CONTACTS_UPSERT_SQL):
    # a link's end on or after the episode's start (models.links_of_episode_q).
    in_episode = {
        person: [e for e in found if person not in episodes or e.end >= episodes[person]]
        for person, found in by_person.items()
    }
    widen = [
        (
            ids[person],
            min(e.level for e in found),
            adapt(min(e.start for e in found)),
            adapt(max(e.end for e in found)),
        )
        for person, found in in_episode.items()
        if found
    ]
    with connection.cursor() as cursor:
        marks = ", ".join(["%s"] * 17)
        cursor.executemany(f"INSERT INTO {ContactLink._meta.db_table} ({_LINK_COLUMNS}) VALUES ({marks})", inserts)
        cursor.executemany(
            f"UPDATE {ContactLink._meta.db_table} SET via_id = %s, venue_id = %s, place = %s, exposure_start = %s,"
            " exposure_end = %s, overlap_minutes = %s, occasions = %s, end_assumed = %s"
            " WHERE contact_id = %s AND case_id = %s AND evidence_key = %s",
            [(*row, contact_id, case.pk, key) for contact_id, key, *row in updates],
        )
        # As in _CONTACTS_UPSERT_SQL: a contact of withdrawn cases met again, or evidence of a lower level than the
        # contact's, gives the span alone; of the same level, widens it; of a further level, changes nothing (the
        # span is that of the contact's level's links). Every SET reads the row as it was.
        replaced = f"(status = '{_REOPENED}' OR level > %s)"
        same = f"(status <> '{_REOPENED}' AND level = %s)"
        cursor.executemany(
            f"UPDATE {table} SET level = CASE WHEN status = '{_REOPENED}' THEN %s ELSE MIN(level, %s) END,"
            f" first_exposure_at = CASE WHEN {replaced} THEN %s"
            f" ELSE MIN(COALESCE(first_exposure_at, %s), %s) END,"
            f" last_exposure_at = CASE WHEN {replaced} THEN %s ELSE MAX(COALESCE(last_exposure_at, %s), %s) END,"
            f" status_changed_at = CASE WHEN status = '{_REOPENED}' THEN %s ELSE status_changed_at END,"
            f" status_changed_by_id = CASE WHEN status = '{_REOPENED}' THEN NULL ELSE status_changed_by_id END,"
            f" status = CASE WHEN status = '{_REOPENED}' THEN '{Contact.Status.CANDIDATE.value}' ELSE status END"
            f" WHERE id = %s AND ({replaced} OR ({same} AND (first_exposure_at IS NULL OR first_exposure_at > %s"
            f" OR last_exposure_at IS NULL OR last_exposure_at < %s)))",
            [
                (level, level, level, first, first, first, level, last, last, last, adapt(now))
                + (cid, level, level, first, last)
                for cid, level, first, last in widen
            ],
        )
    # Contacts whose links were brought up to date: the UPDATE above only widens a span, and a link this trace finds
    # shorter (a check-out made since ended a stay the earlier trace assumed) would leave it wider than the links (as
    # _LINKS_UPDATED_SQL on PostgreSQL).
    if updates:
        contacts_span_settle(Contact.objects.filter(pk__in=sorted({contact_id for contact_id, *_ in updates})))
    first = {person: min(e.start for e in found) for person, found in by_person.items()}
    for contact, episode_start in contacts_met_again(closed, first):
        contact_reopen(actor=actor, contact=contact, case=case, episode_start=episode_start)
    # After the writes, which may have made a contact of withdrawn cases a candidate again.
    became = contacts_of_cases_close(persons, now=now)
    quarantine_ends_extend([contact_id for contact_id, *_ in widen], actor=actor)
    withdrawn = {c.pk: c for c in closed if c.status == _REOPENED}
    moved = [  # those this evidence moved: not one of an earlier episode (its old case traced again)
        (pk, status, withdrawn[pk].person.area_path)
        for pk, status in Contact.objects.filter(pk__in=list(withdrawn)).values_list("pk", "status")
        if status != _REOPENED
    ]
    return len(inserts), len(updates), moved, became


def _notices_outside_window_delete(case: Case) -> tuple[int, list[tuple[int, dt.datetime, dt.datetime]]]:
    """The case's notices that do not lie within its window (its dates were corrected since they were written) are
    deleted: the case was not infectious there then, so they are false, and kept unpublished they would look like
    notices an official held back, ready to be published by hand. The trace that follows writes what the check-ins
    still held say within the new window (a notice partly inside comes back clipped to it). Returns how many (for
    the audit), and the (venue, start, end) of those that were kept back: their clipped successors stay back."""
    stale = ExposureNotice.objects.filter(case=case).filter(
        Q(start__lt=case.window_start) | Q(end__gt=case.window_end) | Q(start__gte=case.window_end)
    )
    kept_back = list(stale.filter(published_at__isnull=True).values_list("venue_id", "start", "end"))
    return stale.delete()[0], kept_back


def _notices_write(
    *,
    case: Case,
    presences: list[Presence],
    venues: dict[int, _Venue],
    now: dt.datetime,
    kept_back: list[tuple[int, dt.datetime, dt.datetime]] = (),
) -> int:
    """One exposure notice per (venue, start) of the case's presences (two check-ins starting together: the
    longer, or the first made if they end together, whatever order the database read them in). Existing notices
    are left as they are (an official may have held one back), and one that overlaps a `kept_back` notice just
    deleted (_notices_outside_window_delete) at its venue is written kept back too: the official's decision holds."""
    wanted: dict[tuple[int, dt.datetime], Presence] = {}
    for p in presences:
        key = (p.venue_id, p.start)
        if key not in wanted or (p.end, -p.checkin_id) > (wanted[key].end, -wanted[key].checkin_id):
            wanted[key] = p
    have = set(ExposureNotice.objects.filter(case=case).values_list("venue_id", "start"))
    published_at = now if _notices_auto_publish() else None
    notices = [
        ExposureNotice(
            case=case,
            venue_id=p.venue_id,
            area_path=venues[p.venue_id].area_path,
            start=p.start,
            end=p.end,
            end_assumed=p.end_assumed,
            published_at=None
            if any(v == p.venue_id and start < p.end and end > p.start for v, start, end in kept_back)
            else published_at,
        )
        for key, p in wanted.items()
        if key not in have
    ]
    ExposureNotice.objects.bulk_create(notices, ignore_conflicts=True)
    return len(notices)


def case_trace_checkins(*, case: Case, actor=None, now: dt.datetime | None = None) -> TraceOutcome:
    """Trace a case through check-ins: F1 from its presences in its infectious window, then F2 (and further,
    up to tracing_max_level()) from the contacts' presences until their quarantine; exposure notices for
    the case's presences; case.traced_at set.

    Guarantees: the same links as contact_link_add would make, one per (contact, case, evidence key), each
    summing up its overlaps (Evidence); idempotent (a second run with the same check-ins adds nothing and
    changes no row; with more check-ins, it adds and updates what they change); never changes a status an
    official set, but reopens a closed contact met again (services.contacts_met_again) as contact_link_add does;
    the case's own person is never a contact; the window traced is the case's as it is under the lock; notices
    outside it are deleted. `now` (default: the current time) is recorded as the case's traced_at and the
    notices' published_at.
    """
    now = now or timezone.now()
    created_by = (
        actor.pk if getattr(actor, "is_authenticated", False) and not getattr(actor, "is_device", False) else None
    )
    max_level = tracing_max_level()
    with transaction.atomic():
        # Traces of one case one at a time (their link checks are then exact); other cases run alongside. NO KEY:
        # only traced_at changes, so a case entered meanwhile as infected by this one need not wait for its key.
        # A withdrawn case is not traced (services.case_withdraw takes the row FOR UPDATE, so this lock waits).
        case_refuse_if_withdrawn(case, lock=True)
        # What the case says now, under the lock: a batch run's copy was read when its part began, and the dates
        # (so the window and its rule) may have been corrected since (services.case_update takes this lock too).
        case.refresh_from_db(fields=["person", "area_path", "number", "status", "rule", "window_start", "window_end"])
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                _fast_times(cursor)
                # The planner's guesses for generate_series (1,000 rows a call) push the cost past
                # jit_above_cost, and compiling the plan costs more than running it. A factory's F2 sort tens of
                # thousands of rows: in memory, not in temporary files.
                cursor.execute("SET LOCAL jit = off")
                cursor.execute("SET LOCAL work_mem = '64MB'")
                for statement in _TRACE_TABLES_SQL:
                    cursor.execute(statement)
                found = _trace(case=case, max_level=max_level, cursor=cursor)
                links_added, links_updated, reopened, became, stale = _evidence_write_postgresql(
                    cursor, case=case, created_by=created_by, stale_go=_checkins_all_kept(case), actor=actor
                )
                cursor.execute(_TRACE_TABLES_DROP_SQL)  # the transaction may go on to trace another case
        else:
            found = _trace(case=case, max_level=max_level)
            stale = _stale_links_delete_sqlite(case, found.evidence) if _checkins_all_kept(case) else []
            links_added, links_updated, reopened, became = _evidence_write_sqlite(
                case=case, evidence=found.evidence, venues=found.venues, created_by=created_by, actor=actor
            )
        # Contacts that lost links: level and span from what stands; closed when nothing does.
        closed = []
        if stale:
            settled = contacts_evidence_settle(
                sorted(set(stale)), now=now, actor=actor, case=case, reason="evidence_gone"
            )
            closed = settled.closed
        for contact_id, status, area_path in reopened:  # the system's moves, audited as contact_link_add does
            audit_record(
                actor=actor,
                action=f"cases.contact.{status}",
                obj=Contact(pk=contact_id),
                area_path=area_path,
                extra={"reason": "met_again", "case": case.number},
            )
        # Met while a case under treatment: closed, audited as contact_link_add does (one reopened from a withdrawn
        # case and closed at once has its entry above).
        moved = {contact_id for contact_id, *_ in reopened}
        contacts_became_case_audit(actor=actor, case=case, closed=[row for row in became if row[0] not in moved])
        notices_removed, kept_back = _notices_outside_window_delete(case)
        notices_added = _notices_write(
            case=case, presences=found.case_presences, venues=found.venues, now=now, kept_back=kept_back
        )
        Case.objects.filter(pk=case.pk).update(traced_at=now)
        case.traced_at = now
        outcome = TraceOutcome(
            contacts_found=sum(found.counts.values()),
            links_added=links_added,
            links_updated=links_updated,
            notices_added=notices_added,
            notices_removed=notices_removed,
            f1=found.counts.get(1, 0),
            f2=found.counts.get(2, 0),
            links_removed=len(stale),
            contacts_closed=len(closed),
            levels=dict(found.counts),
        )
        audit_record(
            actor=actor,
            action="case.trace_checkins",
            obj=case,
            area_path=case.area_path,
            extra={
                "contacts_found": outcome.contacts_found,
                "links_added": links_added,
                "links_updated": links_updated,
                "notices": notices_added,
                "notices_removed": notices_removed,
                "links_removed": len(stale),
                "contacts_closed": closed,
            },
        )
    return outcome
