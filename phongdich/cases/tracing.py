"""Tracing from check-ins: who was at the same venue as a case (F1), and as those F1 afterwards (F2, ...).

The algorithm, the settings and the query plan are in docs/cases.md, "Tracing from check-ins". In short:

1. The case's presences: its person's check-ins overlapping the infectious window [window_start, window_end),
   each clipped to the window. A presence ends at its check-out, or, without one, at check-in + the buffer of
   its venue type (an "auto" check-out is such an assumed end too).
2. Level 1: every other person's presence at the same venue that overlaps a case presence by more than zero
   and by at least the minimum overlap. Intervals are half-open: touching presences (one leaves at 10:00, the
   other arrives at 10:00) do not overlap.
3. Level n + 1: the presences of the persons first found at level n, from their first exposure until their
   quarantine (RULES.md §1.2, "F2 under QĐ 3638"), against everybody else's presences in the same way.
4. Evidence is written with the semantics of services.contact_link_add, in bulk; exposure notices per case
   presence. Everything is keyed (evidence_key, notice (case, venue, start)), so a second run adds nothing.

One query fetches a level's overlapping check-ins for all its presences at once, by ranges of the
(venue, checked_in_at) index; `reference_trace` is the brute-force definition the tests hold it to.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from phongdich.checkins.models import CheckIn
from phongdich.core.audit import audit_record
from phongdich.people.models import Person
from phongdich.venues.models import VenueType

from .models import Case, Contact, ContactLink, ExposureNotice
from .services import tracing_max_level

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


@dataclass(frozen=True, slots=True)
class Exposure:
    """One overlap: `person_id` (check-in `checkin_id`) shared `venue_id` with the source presence
    (check-in `source_checkin_id` of the case, or of the contact `via_person_id`) over [start, end)."""

    level: int
    person_id: int
    via_person_id: int | None
    venue_id: int
    source_checkin_id: int
    checkin_id: int
    start: dt.datetime
    end: dt.datetime
    minutes: int
    end_assumed: bool

    @property
    def evidence_key(self) -> str:
        return f"checkin:{self.source_checkin_id}:{self.checkin_id}"


@dataclass
class TraceOutcome:
    contacts_found: int = 0  # distinct persons with at least one link from this trace (new or not)
    links_added: int = 0
    notices_added: int = 0
    f1: int = 0
    f2: int = 0


def presence_of(
    *, checkin_id, person_id, venue_id, checked_in_at, checked_out_at, checkout_kind, buffer: dt.timedelta
) -> Presence:
    if checked_out_at is None:
        return Presence(checkin_id, person_id, venue_id, checked_in_at, checked_in_at + buffer, True)
    return Presence(checkin_id, person_id, venue_id, checked_in_at, checked_out_at, checkout_kind == AUTO)


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


def _chunks(items: Sequence, size: int = _CHUNK) -> Iterable[Sequence]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


# --- Reads ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Venue:
    name: str
    area_path: str
    buffer: dt.timedelta


def _presences_of(
    person_ids: Iterable[int], *, before: dt.datetime, buffers: dict[str, dt.timedelta], venues: dict[int, _Venue]
) -> dict[int, list[Presence]]:
    """Every check-in of these persons that started before `before`, as presences (a person has a few dozen
    within retention: the (person, checked_in_at) index, no lower bound needed); fills `venues`."""
    found: dict[int, list[Presence]] = defaultdict(list)
    ids = sorted(set(person_ids))
    for chunk in _chunks(ids):
        rows = CheckIn.objects.filter(person_id__in=chunk, checked_in_at__lt=before).values_list(
            "id",
            "person_id",
            "venue_id",
            "checked_in_at",
            "checked_out_at",
            "checkout_kind",
            "venue__venue_type_id",
            "venue__name",
            "venue__area_path",
        )
        for checkin_id, person_id, venue_id, t_in, t_out, kind, type_code, name, area_path in rows:
            venue = venues.get(venue_id)
            if venue is None:
                venue = venues[venue_id] = _Venue(name, area_path, buffers.get(type_code, dt.timedelta(0)))
            found[person_id].append(
                presence_of(
                    checkin_id=checkin_id,
                    person_id=person_id,
                    venue_id=venue_id,
                    checked_in_at=t_in,
                    checked_out_at=t_out,
                    checkout_kind=kind,
                    buffer=venue.buffer,
                )
            )
    return found


def _overlap_sql(vendor: str, rows: int) -> str:
    table = CheckIn._meta.db_table
    if vendor == "postgresql":
        source = (
            "unnest(%s::bigint[], %s::bigint[], %s::timestamptz[], %s::timestamptz[], %s::timestamptz[],"
            " %s::timestamptz[]) AS q(idx, venue_id, s, e, open_after, lo)"
        )
        long_stay = "c.checked_out_at - c.checked_in_at > interval '24 hours'"
        head = ""
    else:
        values = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * rows)
        head = f"WITH q(idx, venue_id, s, e, open_after, lo) AS (VALUES {values}) "
        source = "q"
        long_stay = "julianday(c.checked_out_at) - julianday(c.checked_in_at) > 1.0"
    columns = "q.idx, c.id, c.person_id, c.checked_in_at, c.checked_out_at, c.checkout_kind"
    # Branch 1, a range of the (venue, checked_in_at) index: every presence that can reach into [s, e)
    # started at or after lo = s - (the longest stay there). Branch 2, the partial index `checkin_long_stay`
    # (exactly its predicate, so both databases use it): closed stays that started before lo and are still
    # going at s. Nothing else can overlap [s, e).
    return (
        f"{head}SELECT {columns} FROM {source} JOIN {table} c"
        " ON c.venue_id = q.venue_id AND c.checked_in_at >= q.lo AND c.checked_in_at < q.e"
        " WHERE c.checked_out_at > q.s OR (c.checked_out_at IS NULL AND c.checked_in_at > q.open_after)"
        f" UNION ALL SELECT {columns} FROM {source} JOIN {table} c"
        " ON c.venue_id = q.venue_id AND c.checked_in_at < q.lo"
        f" WHERE {long_stay} AND c.checked_out_at > q.s"
    )


def _overlapping_pairs(
    sources: list[Presence], *, venues: dict[int, _Venue], longest_closed: dt.timedelta
) -> list[tuple[Presence, Presence]]:
    """Every (source, other) pair of presences at the same venue sharing a positive time, `other` being any
    check-in (the source's own included: callers filter persons). Sources at one venue whose reach overlaps
    are merged into one index range, so a venue busy with many sources is read once."""
    ranges: list[tuple[int, dt.datetime, dt.datetime, dt.datetime, dt.datetime]] = []
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
    for idx, group in enumerate(groups):
        start = group[0].start
        venue_id = group[0].venue_id
        buffer = venues[venue_id].buffer
        end = max(p.end for p in group)
        ranges.append((idx, venue_id, start, end, start - buffer, start - max(longest_closed, buffer)))

    pairs: list[tuple[Presence, Presence]] = []
    if not ranges:
        return pairs
    vendor = connection.vendor
    rows = []
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            columns = list(zip(*ranges, strict=True))
            cursor.execute(_overlap_sql(vendor, len(ranges)), [list(c) for c in columns] * 2)
            rows = cursor.fetchall()
        else:
            adapt = connection.ops.adapt_datetimefield_value
            for chunk in _chunks(ranges):
                params = []
                for idx, venue_id, s, e, open_after, lo in chunk:
                    params += [idx, venue_id, adapt(s), adapt(e), adapt(open_after), adapt(lo)]
                cursor.execute(_overlap_sql(vendor, len(chunk)), params)
                rows += cursor.fetchall()
    starts = [[p.start for p in group] for group in groups]
    longest_source = [max(p.end - p.start for p in group) for group in groups]
    for idx, checkin_id, person_id, t_in, t_out, kind in rows:
        group = groups[idx]
        venue_id = group[0].venue_id
        other = presence_of(
            checkin_id=checkin_id,
            person_id=person_id,
            venue_id=venue_id,
            checked_in_at=_aware(t_in),
            checked_out_at=_aware(t_out),
            checkout_kind=kind,
            buffer=venues[venue_id].buffer,
        )
        # Only sources that start before the other presence ends, and late enough to still be there when it
        # starts (none lasts longer than the group's longest) can overlap it.
        first = bisect.bisect_right(starts[idx], other.start - longest_source[idx])
        last = bisect.bisect_left(starts[idx], other.end)
        for source in group[first:last]:
            if source.end > other.start:
                pairs.append((source, other))
    return pairs


def _level_exposures(
    pairs: list[tuple[Presence, Presence]], *, level: int, excluded: set[int], via_is_source: bool, min_overlap
) -> list[Exposure]:
    found = []
    for source, other in pairs:
        if other.person_id in excluded:
            continue
        shared = overlap_of(source, other, min_overlap)
        if shared is None:
            continue
        start, end, minutes = shared
        found.append(
            Exposure(
                level=level,
                person_id=other.person_id,
                via_person_id=source.person_id if via_is_source else None,
                venue_id=source.venue_id,
                source_checkin_id=source.checkin_id,
                checkin_id=other.checkin_id,
                start=start,
                end=end,
                minutes=minutes,
                end_assumed=source.end_assumed or other.end_assumed,
            )
        )
    return found


def quarantine_until(quarantine_start: dt.date | None, case: Case) -> dt.datetime:
    """When a contact stops passing it on (RULES.md §1.2, F2 under QĐ 3638: "until the F1 was put in medical
    isolation"): the end of its quarantine's first day (the hour is not recorded: the whole day counts).
    Without a quarantine yet, the case's isolation (window_end): tracing starts then and the F1 are called
    to quarantine; once an official records the quarantine, tracing again extends the period to it."""
    if quarantine_start is None:
        return case.window_end
    next_day = dt.datetime.combine(quarantine_start + dt.timedelta(days=1), dt.time.min)
    return timezone.make_aware(next_day, timezone.get_default_timezone())


@dataclass
class _Found:
    case_presences: list[Presence]
    exposures: list[Exposure]
    venues: dict[int, _Venue]
    contacts: dict[int, dict]  # person -> existing contact values read while tracing


def _trace(*, case: Case, max_level: int) -> _Found:
    buffers = open_checkin_buffers()
    longest = max_stay()
    min_overlap = min_overlap_for(case)
    venues: dict[int, _Venue] = {}
    own = _presences_of([case.person_id], before=case.window_end, buffers=buffers, venues=venues)
    case_presences = [
        clipped for p in own.get(case.person_id, []) if (clipped := p.clipped(case.window_start, case.window_end))
    ]
    exposures: list[Exposure] = []
    contacts: dict[int, dict] = {}
    excluded = {case.person_id}
    sources = case_presences
    for level in range(1, max_level + 1):
        if not sources:
            break
        pairs = _overlapping_pairs(sources, venues=venues, longest_closed=longest)
        found = _level_exposures(
            pairs, level=level, excluded=excluded, via_is_source=level > 1, min_overlap=min_overlap
        )
        exposures += found
        new_persons = {e.person_id for e in found}
        excluded |= new_persons
        if level == max_level or not new_persons:
            break
        for chunk in _chunks(sorted(new_persons)):
            for row in Contact.objects.filter(person_id__in=chunk).values(
                "id", "person_id", "level", "status", "first_exposure_at", "last_exposure_at", "quarantine_start"
            ):
                contacts[row["person_id"]] = row
        first_exposure: dict[int, dt.datetime] = {}
        for e in found:
            if e.person_id not in first_exposure or e.start < first_exposure[e.person_id]:
                first_exposure[e.person_id] = e.start
        # An official's "not a contact" ends the chain through that person.
        onward = {
            person: (start, quarantine_until(contacts.get(person, {}).get("quarantine_start"), case))
            for person, start in first_exposure.items()
            if contacts.get(person, {}).get("status") != Contact.Status.DISMISSED
        }
        if not onward:
            break
        their = _presences_of(onward, before=max(until for _, until in onward.values()), buffers=buffers, venues=venues)
        sources = [
            clipped
            for person, (start, until) in onward.items()
            for p in their.get(person, [])
            if (clipped := p.clipped(start, until))
        ]
    return _Found(case_presences, exposures, venues, contacts)


# --- Writes -------------------------------------------------------------------------------------------


def _contact_ids(persons: list[int]) -> dict[int, int]:
    ids: dict[int, int] = {}
    for chunk in _chunks(persons):
        ids.update(Contact.objects.filter(person_id__in=chunk).values_list("person_id", "id"))
    return ids


def _exposures_write(*, case: Case, exposures: list[Exposure], venues: dict[int, _Venue], actor) -> int:
    """What contact_link_add would do for each exposure, in a few statements: one contact per person (level
    the lowest of its links, exposure span widened only by links added now, status untouched), one link per
    (contact, case, evidence key). Returns the number of links added. Runs inside the caller's transaction.

    Thousands of links are common (F2), so rows go in by raw multi-row statements (COPY on PostgreSQL):
    the ORM's bulk_create and bulk_update took seconds for them."""
    if not exposures:
        return 0
    # Traces of one case one at a time (the link check below is then exact); other cases run alongside.
    Case.objects.select_for_update().filter(pk=case.pk).values_list("pk", flat=True).get()
    new_by_person: dict[int, list[Exposure]] = defaultdict(list)
    for e in exposures:
        new_by_person[e.person_id].append(e)
    persons = sorted(new_by_person)
    ids = _contact_ids(persons)
    missing = [p for p in persons if p not in ids]
    now = timezone.now()
    adapt = connection.ops.adapt_datetimefield_value
    table = Contact._meta.db_table
    if missing:
        areas: dict[int, str] = {}
        for chunk in _chunks(missing):
            areas.update(Person.objects.filter(pk__in=chunk).values_list("id", "area_path"))
        rows = [
            (
                person,
                areas[person],
                min(e.level for e in new_by_person[person]),
                adapt(min(e.start for e in new_by_person[person])),
                adapt(max(e.end for e in new_by_person[person])),
                adapt(now),
            )
            for person in missing
        ]
        columns = (
            "person_id, area_path, level, first_exposure_at, last_exposure_at, created_at, status, dismissed_reason"
        )
        with connection.cursor() as cursor:
            # Another trace may create the same person's contact meanwhile: theirs stays, ours is skipped (and
            # widened below like any existing contact).
            if connection.vendor == "postgresql":
                cursor.execute(
                    f"INSERT INTO {table} ({columns}) SELECT *, 'candidate', '' FROM unnest(%s::bigint[], %s::text[],"
                    " %s::smallint[], %s::timestamptz[], %s::timestamptz[], %s::timestamptz[])"
                    " ON CONFLICT (person_id) DO NOTHING",
                    [list(column) for column in zip(*rows, strict=True)],
                )
            else:
                cursor.executemany(
                    f"INSERT OR IGNORE INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s, %s, 'candidate', '')",
                    rows,
                )
        ids.update(_contact_ids(missing))

    have = set(ContactLink.objects.filter(case=case).values_list("contact_id", "evidence_key"))
    created_by = (
        actor.pk if getattr(actor, "is_authenticated", False) and not getattr(actor, "is_device", False) else None
    )
    links = []
    added: dict[int, list[Exposure]] = defaultdict(list)
    for e in exposures:
        contact_id = ids[e.person_id]
        key = e.evidence_key
        if (contact_id, key) in have:
            continue
        have.add((contact_id, key))
        added[contact_id].append(e)
        links.append(
            (
                contact_id,
                case.pk,
                ids[e.via_person_id] if e.via_person_id else None,
                e.level,
                ContactLink.Source.CHECKIN.value,
                ContactLink.Setting.VENUE.value,
                key,
                e.venue_id,
                venues[e.venue_id].name[:255],
                adapt(e.start),
                adapt(e.end),
                e.minutes,
                e.end_assumed,
                "",
                adapt(now),
                created_by,
            )
        )
    columns = (
        "contact_id, case_id, via_id, level, source, setting, evidence_key, venue_id, place, exposure_start,"
        " exposure_end, overlap_minutes, end_assumed, note, created_at, created_by_id"
    )
    link_table = ContactLink._meta.db_table
    with connection.cursor() as cursor:
        if links and connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {link_table} ({columns}) FROM STDIN") as copy:
                for row in links:
                    copy.write_row(row)
        elif links:
            marks = ", ".join(["%s"] * 16)
            cursor.executemany(f"INSERT INTO {link_table} ({columns}) VALUES ({marks})", links)
        # Level down to the lowest link, exposure span widened: only by the links added now, and only rows
        # that change (so that a second run writes nothing).
        widen = [
            (
                contact_id,
                min(e.level for e in new),
                adapt(min(e.start for e in new)),
                adapt(max(e.end for e in new)),
            )
            for contact_id, new in added.items()
        ]
        if widen and connection.vendor == "postgresql":
            cursor.execute(
                f"UPDATE {table} c SET level = LEAST(c.level, u.level),"
                " first_exposure_at = LEAST(c.first_exposure_at, u.first),"
                " last_exposure_at = GREATEST(c.last_exposure_at, u.last)"
                " FROM unnest(%s::bigint[], %s::smallint[], %s::timestamptz[], %s::timestamptz[])"
                " AS u(id, level, first, last) WHERE c.id = u.id AND (c.level > u.level"
                " OR c.first_exposure_at IS NULL OR c.first_exposure_at > u.first"
                " OR c.last_exposure_at IS NULL OR c.last_exposure_at < u.last)",
                [list(column) for column in zip(*widen, strict=True)],
            )
        elif widen:
            cursor.executemany(
                f"UPDATE {table} SET level = MIN(level, %s),"
                " first_exposure_at = MIN(COALESCE(first_exposure_at, %s), %s),"
                " last_exposure_at = MAX(COALESCE(last_exposure_at, %s), %s)"
                " WHERE id = %s AND (level > %s OR first_exposure_at IS NULL OR first_exposure_at > %s"
                " OR last_exposure_at IS NULL OR last_exposure_at < %s)",
                [(level, first, first, last, last, cid, level, first, last) for cid, level, first, last in widen],
            )
    return len(links)


def _notices_write(*, case: Case, presences: list[Presence], venues: dict[int, _Venue], now: dt.datetime) -> int:
    """One exposure notice per (venue, start) of the case's presences (two check-ins starting together: the
    longer). Existing notices are left as they are (an official may have held one back)."""
    wanted: dict[tuple[int, dt.datetime], Presence] = {}
    for p in presences:
        key = (p.venue_id, p.start)
        if key not in wanted or p.end > wanted[key].end:
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
            published_at=published_at,
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

    Guarantees: the same links as contact_link_add would make, one per (contact, case, evidence key);
    idempotent (a second run with the same check-ins adds nothing and changes no row); never changes a
    contact's status; the case's own person is never a contact. `now` (default: the current time) is
    recorded as the case's traced_at and the notices' published_at.
    """
    now = now or timezone.now()
    found = _trace(case=case, max_level=tracing_max_level())
    with transaction.atomic():
        links_added = _exposures_write(case=case, exposures=found.exposures, venues=found.venues, actor=actor)
        notices_added = _notices_write(case=case, presences=found.case_presences, venues=found.venues, now=now)
        Case.objects.filter(pk=case.pk).update(traced_at=now)
        case.traced_at = now
        by_level: dict[int, set[int]] = defaultdict(set)
        for e in found.exposures:
            by_level[e.level].add(e.person_id)
        outcome = TraceOutcome(
            contacts_found=sum(len(p) for p in by_level.values()),
            links_added=links_added,
            notices_added=notices_added,
            f1=len(by_level[1]),
            f2=len(by_level[2]),
        )
        audit_record(
            actor=actor,
            action="case.trace_checkins",
            obj=case,
            area_path=case.area_path,
            extra={"contacts_found": outcome.contacts_found, "links_added": links_added, "notices": notices_added},
        )
    return outcome
