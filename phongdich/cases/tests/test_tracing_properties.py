"""The fast tracer (cases.tracing, through the database) against a brute-force reference on random data."""

import datetime as dt
from dataclasses import astuple, dataclass

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, event, example, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from phongdich.cases.models import (
    Case,
    Contact,
    ContactLink,
    ExposureNotice,
    InfectiousWindowRule,
    links_of_episode_q,
    links_standing_q,
)
from phongdich.cases.tracing import (
    Presence,
    _level_evidence,
    _level_evidence_by_cover,
    _level_evidence_by_starts,
    _overlapping_pairs,
    _source_groups,
    _Venue,
    case_trace_checkins,
)
from phongdich.checkins.models import CheckIn
from phongdich.core.dates import local_midnight
from phongdich.core.testing import make_area
from phongdich.people.models import Person
from phongdich.venues.models import Venue, VenueType

BASE = dt.datetime(2021, 9, 13, tzinfo=dt.UTC)
NOW = BASE + dt.timedelta(days=4)
VENUE_TYPES = ["market", "school", "checkpoint"]  # buffers 90, 480 and 30 minutes (seeded)
PERSONS = 6
DENSE_PERSONS = 12  # a dense world's: several F1 at one venue, each meeting several others


# --- The reference: every presence against every presence --------------------------------------------


@dataclass(frozen=True)
class RefCheckIn:
    id: int
    person: int
    venue: int
    t_in: dt.datetime
    t_out: dt.datetime | None
    auto: bool


def reference_trace(
    *,
    checkins: list[RefCheckIn],
    buffers: dict[int, dt.timedelta],
    case_person: int,
    window: tuple[dt.datetime, dt.datetime],
    min_overlap: dt.timedelta,
    max_level: int,
    contacts: dict[int, tuple[str, dt.date | None, dt.date | None]],
    case_persons: set[int],
    earlier: dict[int, list[tuple[dt.datetime, dt.date | None, dt.date | None]]] | None = None,
) -> tuple[set, set, set]:
    """(links, notices, persons reopened) as plain tuples, straight from the definition in docs/cases.md: no index,
    no range bounds, no merging; every pair of presences compared. A released contact whose first exposure here is
    on or after its quarantine's end day is met again: reopened (unless a case under treatment, as every case
    person here is), and that old quarantine no longer ends its onward period. `contacts` holds each contact's
    status and quarantine now, `earlier` the episodes it was reopened from, oldest first: (where each ended, its
    quarantine's start and end). A person passes it on from their first exposure until the isolation that follows
    it: the quarantine of the episode that exposure falls in, unless over before it; nothing if an official dismissed
    them in that episode (an earlier one ended in a release)."""
    earlier = earlier or {}

    def presence(c):
        if c.t_out is None:
            return c.t_in, c.t_in + buffers[c.venue], True
        return c.t_in, c.t_out, c.auto

    def source_presence(c):
        """A source's presence (the case's, an F1's...): an assumed end cut at its person's next check-in."""
        start, end, assumed = presence(c)
        later = [o.t_in for o in checkins if o.person == c.person and o.t_in > c.t_in]
        if assumed and later and min(later) < end:
            event("a source's assumed stay cut at its next check-in")
            end = min(later)
        return start, end, assumed

    def met_again(person, first):
        status, _, quarantine_end = contacts.get(person, ("candidate", None, None))
        return status == "released" and first >= local_midnight(quarantine_end)

    def episode(person, first):
        """(status, quarantine start, quarantine end) of the episode the exposure at `first` falls in."""
        for end, quarantine_start, quarantine_end in earlier.get(person, []):
            if first < end:
                return "released", quarantine_start, quarantine_end
        return contacts.get(person, ("candidate", None, None))

    def until(person, first):
        _, quarantine_start, quarantine_end = episode(person, first)
        if quarantine_start is None or (quarantine_end is not None and first >= local_midnight(quarantine_end)):
            return window[1]
        return timezone.make_aware(dt.datetime.combine(quarantine_start + dt.timedelta(days=1), dt.time.min))

    sources = []  # (checkin, start, end, assumed) clipped
    for c in checkins:
        if c.person == case_person:
            start, end, assumed = source_presence(c)
            start, end = max(start, window[0]), min(end, window[1])
            if end > start:
                sources.append((c, start, end, assumed))
    notices = {}
    for c, start, end, assumed in sources:
        if (c.venue, start) not in notices or end > notices[(c.venue, start)][0]:
            notices[(c.venue, start)] = (end, assumed)
    links = set()
    reopened = set()
    excluded = {case_person}
    for level in range(1, max_level + 1):
        found = {}  # person -> first exposure
        overlaps = {}  # what one link sums up: (person, venue) at level 1, person further -> overlaps
        for c, s_start, s_end, s_assumed in sources:
            for o in checkins:
                if o.person in excluded or o.venue != c.venue:
                    continue
                o_start, o_end, o_assumed = presence(o)
                start, end = max(s_start, o_start), min(s_end, o_end)
                if end - start <= dt.timedelta(0) or end - start < min_overlap:
                    continue
                group = (o.person, c.venue) if level == 1 else (o.person,)
                overlaps.setdefault(group, []).append(
                    (start, end, c.venue, c.person, c.id, o.id, s_assumed or o_assumed)
                )
                found[o.person] = min(found.get(o.person, start), start)
        for group, pieces in overlaps.items():
            first = min(pieces, key=lambda piece: (piece[0], *piece[2:6]))  # earliest, then venue, person, ids
            covered = set()  # seconds covered by any overlap: their union, the slow and certain way
            for start, end, *_ in pieces:
                covered |= set(range(int(start.timestamp()), int(end.timestamp())))
            links.add(
                (
                    level,
                    group[0],
                    first[3] if level > 1 else None,
                    first[2],
                    f"checkin:venue:{first[2]}" if level == 1 else f"checkin:level:{level}",
                    first[0],
                    max(piece[1] for piece in pieces),
                    len(covered) // 60,
                    len({piece[5] for piece in pieces}),  # the person's check-ins that overlapped
                    any(piece[6] for piece in pieces),
                )
            )
        excluded |= set(found)
        reopened |= {person for person, first in found.items() if met_again(person, first)} - case_persons
        sources = []
        for person, first in found.items():
            if episode(person, first)[0] == "dismissed":
                continue
            for c in checkins:
                if c.person == person:
                    start, end, assumed = source_presence(c)
                    start, end = max(start, first), min(end, until(person, first))
                    if end > start:
                        sources.append((c, start, end, assumed))
    return links, {(venue, start, end, assumed) for (venue, start), (end, assumed) in notices.items()}, reopened


# --- Random worlds -------------------------------------------------------------------------------------

# Times on a quarter-hour grid (so that touching intervals, exact minimum overlaps and window edges are
# common), now and then off it by some seconds.
minutes_ = st.integers(min_value=0, max_value=36 * 4).map(lambda quarter: 15 * quarter)  # a day and a half
seconds_ = st.sampled_from([0, 0, 0, 0, 30, 59])
stay = st.one_of(
    st.none(),  # no check-out
    st.integers(min_value=0, max_value=40).map(lambda quarter: 15 * quarter),
    st.integers(min_value=0, max_value=600),
    st.integers(min_value=23 * 60, max_value=40 * 60),  # the long-stay index
)
checkin_ = st.tuples(
    st.integers(0, PERSONS - 1),
    st.sampled_from([0, 0, 1, 1, 2]),  # venue: the market and the school more often
    minutes_,
    seconds_,
    stay,
    st.booleans(),  # a closed visit was closed by the auto check-out sweep
)
# Case: its person, window start and length (often long enough to catch some of its visits).
case_ = st.tuples(
    st.integers(0, 2),
    st.integers(0, 18 * 4).map(lambda quarter: 15 * quarter),
    st.integers(0, 36 * 4).map(lambda quarter: 15 * quarter),
)
# The same person checking in again soon after one of the check-ins above (which of them, modulo their number; how
# many minutes later, often within the buffer of the first; where; how long): an open stay followed by another
# check-in within its buffer, which ends it for a source (cases.tracing.stay_end), is common then.
follow_up_ = st.tuples(
    st.integers(0, 29),
    st.integers(min_value=0, max_value=10 * 4).map(lambda quarter: 15 * quarter + 3),
    st.sampled_from([0, 0, 1, 1, 2]),
    stay,
    st.booleans(),
)
world = st.fixed_dictionaries(
    {
        "checkins": st.lists(checkin_, min_size=10, max_size=30),
        "follow_ups": st.lists(follow_up_, max_size=6),
        "cases": st.lists(case_, min_size=1, max_size=2, unique_by=lambda c: c[0]),
        "min_overlap": st.sampled_from([None, 0, 15, 45]),
        "max_level": st.sampled_from([1, 2, 3]),
        # Contacts an official already handled: status, quarantine day offset (None: not quarantined) and, for
        # one released, the quarantine's length in days (its end day often inside the check-ins' day and a half,
        # so that some meetings fall before it and some on or after it).
        "contacts": st.dictionaries(
            st.integers(0, PERSONS - 1),
            st.one_of(
                st.tuples(
                    st.sampled_from(["confirmed", "dismissed"]), st.one_of(st.none(), st.integers(0, 3)), st.none()
                ),
                st.tuples(st.just("released"), st.integers(-2, 1), st.integers(0, 2)),
            ),
            max_size=3,
        ),
    }
)


@pytest.fixture
def places(db):
    area = make_area("15085", "Xã Thạch Lập")
    venues = [
        Venue.objects.create(
            name=f"Địa điểm {code}",
            venue_type=VenueType.objects.get(code=code),
            area=area,
            area_path=area.path,
            street_address="Thôn 1",
            registered_via=Venue.RegisteredVia.OFFICIAL,
        )
        for code in VENUE_TYPES
    ]
    persons = [
        Person.objects.create(full_name=f"Người {i}", area_path=area.path, created_via=Person.CreatedVia.OFFICIAL)
        for i in range(DENSE_PERSONS)
    ]
    return area, venues, persons


# An F1 of the first case (person 3, released from a one-day quarantine begun that morning: the whole day counts)
# meets person 4 in the evening after the case's isolation, then the second case after its quarantine's end, which
# reopens it. Tracing the first case again must still find person 4 (until 2026-12-07 the reopening's cleared
# quarantine made the case's isolation the bound). Random worlds make this rarely: it runs every time.
MET_AGAIN_THEN_OLD_CASE_AGAIN = {
    "checkins": [
        (0, 0, 60, 0, 60, False),  # the first case at the market
        (3, 0, 90, 0, 60, False),  # its F1
        (3, 1, 12 * 60, 0, 60, False),  # the F1 at the school that evening
        (4, 1, 12 * 60, 0, 60, False),  # its F2
        (1, 2, 20 * 60, 0, 60, False),  # the second case at the checkpoint, after the F1's quarantine
        (3, 2, 20 * 60, 0, 60, False),
        *[(5, 2, 15 * n, 0, 0, False) for n in range(6)],  # visits of no length: they meet nobody
    ],
    "cases": [(0, 0, 10 * 60), (1, 18 * 60, 18 * 60)],
    "min_overlap": None,
    "max_level": 2,
    "contacts": {3: ("released", 0, 1)},
}


@hsettings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=world)
@example(data=MET_AGAIN_THEN_OLD_CASE_AGAIN)
def test_fast_tracer_finds_what_the_reference_finds(places, settings, data):
    # One database for all examples (the test's transaction): each example runs in a savepoint rolled back at
    # its end, whether it passed or not.
    with transaction.atomic():
        _check_one_world(places, settings, data)
        transaction.set_rollback(True)


# A dense world: a dozen persons mostly at the market within half a day, with a minimum overlap: groups of several
# sources each meeting many rows, stays near the minimum, F1 tied on who was met first (_STARTS_SUM_SQL and
# _level_evidence_by_starts against the reference).
dense_world = st.fixed_dictionaries(
    {
        "checkins": st.lists(
            st.tuples(
                st.integers(0, DENSE_PERSONS - 1),
                st.sampled_from([0, 0, 0, 1]),
                st.integers(0, 12 * 4).map(lambda quarter: 15 * quarter),
                seconds_,
                st.one_of(
                    st.none(),
                    st.integers(0, 24).map(lambda quarter: 15 * quarter),
                    st.integers(0, 360),
                    st.sampled_from([14, 15, 16, 44, 45, 46]),
                ),
                st.booleans(),
            ),
            min_size=25,
            max_size=50,
        ),
        "cases": st.lists(
            st.tuples(
                st.integers(0, 2),
                st.integers(0, 4 * 4).map(lambda quarter: 15 * quarter),
                st.integers(4 * 4, 14 * 4).map(lambda quarter: 15 * quarter),
            ),
            min_size=1,
            max_size=2,
            unique_by=lambda c: c[0],
        ),
        "min_overlap": st.sampled_from([15, 45]),
        "max_level": st.sampled_from([2, 3]),
        "contacts": st.just({}),
    }
)


@hsettings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=dense_world)
def test_fast_tracer_finds_what_the_reference_finds_with_a_minimum_in_dense_groups(places, settings, data):
    with transaction.atomic():
        _check_one_world(places, settings, data)
        transaction.set_rollback(True)


def _check_one_world(places, settings, data):
    area, venues, persons = places
    settings.TRACING_MIN_OVERLAP_MINUTES = data["min_overlap"]
    settings.TRACING_MAX_LEVEL = data["max_level"]
    settings.TRACING_OPEN_CHECKIN_BUFFER_MINUTES = {}
    # The world's check-ins of 2021 all kept: a trace again deletes the links it no longer finds, as for a recent case.
    settings.CHECKIN_RETENTION_DAYS = 100_000
    buffers = {v.pk: dt.timedelta(minutes=v.venue_type.auto_checkout_minutes) for v in venues}

    checkins = list(data["checkins"])
    for index, later, venue, minutes, auto in data.get("follow_ups", []):
        person, _, start, seconds, *_ = checkins[index % len(checkins)]
        checkins.append((person, venue, start + later, seconds, minutes, auto))
    rows = []
    for person, venue, start, seconds, minutes, auto in checkins:
        t_in = BASE + dt.timedelta(minutes=start, seconds=seconds)
        t_out = None if minutes is None else t_in + dt.timedelta(minutes=minutes)
        rows.append(
            CheckIn(
                person=persons[person],
                venue=venues[venue],
                area_path=area.path,
                checked_in_at=t_in,
                checked_out_at=t_out,
                checkout_kind=("auto" if auto else "person") if t_out else "",
                received_at=t_in,
                source=CheckIn.Source.SELF_SCAN,
            )
        )
    CheckIn.objects.bulk_create(rows)
    ref_checkins = [
        RefCheckIn(c.pk, c.person_id, c.venue_id, c.checked_in_at, c.checked_out_at, c.checkout_kind == "auto")
        for c in CheckIn.objects.all()
    ]
    handled = {}
    for index, (status, day, length) in data["contacts"].items():
        quarantine_start = None if day is None else (BASE + dt.timedelta(days=day)).date()
        quarantine_end = None if length is None else quarantine_start + dt.timedelta(days=length)
        reason = "Không gặp" if status == Contact.Status.DISMISSED else ""
        Contact.objects.create(
            person=persons[index],
            level=1,
            status=status,
            quarantine_start=quarantine_start,
            quarantine_end=quarantine_end,
            dismissed_reason=reason,
        )
        handled[persons[index].pk] = (status, quarantine_start, quarantine_end)

    rule = InfectiousWindowRule.objects.get(code="qd3638_2021")  # no minimum of its own
    min_overlap = dt.timedelta(minutes=data["min_overlap"] or 0)
    cases = []
    for n, (person, start, length) in enumerate(data["cases"]):
        window = (BASE + dt.timedelta(minutes=start), BASE + dt.timedelta(minutes=start + length))
        case = Case.objects.create(
            number=f"BN-38-{n:06d}",
            person=persons[person],
            area_path=area.path,
            sample_date=window[1].date(),
            test_type=Case.TestType.PCR,
            isolated_at=window[1],
            rule=rule,
            window_start=window[0],
            window_end=window[1],
        )
        cases.append(case)

    # What each contact holds (docs/cases.md, "A closed contact met again"): its level and exposure span, those of its
    # links of its current episode, and where that episode began. An official's contacts here begin at level 1 with
    # no span; a released one met again begins a new episode from the end of its quarantine, its level and span
    # those of its links that end in it (the new evidence, and any earlier one that lasted past that end); later
    # evidence counts where its end is in the episode.
    state: dict[int, tuple] = {person: (1, None, None, None) for person in handled}
    history: dict[int, list[tuple]] = {}  # person -> (level, start, end) of every link so far
    earlier: dict[int, list[tuple]] = {}  # person -> the episodes it was reopened from: (end, quarantine start, end)
    case_persons = {case.person_id for case in cases}

    def reference(case):
        return reference_trace(
            checkins=ref_checkins,
            buffers=buffers,
            case_person=case.person_id,
            window=(case.window_start, case.window_end),
            min_overlap=min_overlap,
            max_level=data["max_level"],
            contacts=handled,
            case_persons=case_persons,
            earlier=earlier,
        )

    first_links = {}
    for case in cases:
        case_trace_checkins(case=case, now=NOW)
        expected_links, expected_notices, reopened = reference(case)
        first_links[case.pk] = expected_links
        found: dict[int, list[tuple]] = {}
        for link in expected_links:
            found.setdefault(link[1], []).append((link[0], link[5], link[6]))  # level, start, end
        for person, evidence in found.items():
            history.setdefault(person, []).extend(evidence)
            level, first, last, episode = state.get(person, (None, None, None, None))
            if person in reopened:
                level, first, last = None, None, None
                episode = local_midnight(handled[person][2])  # the end of the quarantine it was released from
                event("a released contact met again")
                if any(end >= episode for _, _, end in history[person][: -len(evidence)]):
                    event("a contact met again whose earlier evidence lasted into the new episode")
                evidence = history[person]
            counted = [(lv, start, end) for lv, start, end in evidence if episode is None or end >= episode]
            if counted:
                # The span is that of the links of the contact's level (an F1's quarantine counts from its meetings
                # with the F0): a lower level's evidence replaces it, the same level's widens it, a further level's
                # leaves it.
                lowest = min([lv for lv, _, _ in counted] + ([level] if level is not None else []))
                own = [(start, end) for lv, start, end in counted if lv == lowest]
                kept = level == lowest
                if not own:
                    event("evidence of a further level than the contact's only")
                state[person] = (
                    lowest,
                    min([start for start, _ in own] + ([first] if kept and first is not None else []), default=None),
                    max([end for _, end in own] + ([last] if kept and last is not None else []), default=None),
                    episode,
                )
                if episode is not None and person not in reopened:
                    event("evidence in a contact's new episode")
                    if len(counted) < len(evidence) or min(start for _, start, _ in evidence) < episode:
                        event("evidence on both sides of an episode's start")
            elif person in state:
                event("evidence of an earlier episode only")
        for person in reopened:  # a candidate again, its old quarantine kept with the episode it ended
            _, quarantine_start, quarantine_end = handled[person]
            earlier.setdefault(person, []).append((local_midnight(quarantine_end), quarantine_start, quarantine_end))
            handled[person] = ("candidate", None, None)
        got = {
            (
                link.level,
                link.contact.person_id,
                link.via.person_id if link.via else None,
                link.venue_id,
                link.evidence_key,
                link.exposure_start,
                link.exposure_end,
                link.overlap_minutes,
                link.occasions,
                link.end_assumed,
            )
            for link in ContactLink.objects.filter(case=case).select_related("contact", "via")
        }
        assert got == expected_links
        event(f"links: {min(len(got), 10)}; F2+: {min(sum(1 for link in got if link[0] > 1), 5)}")
        notices = {(n.venue_id, n.start, n.end, n.end_assumed) for n in ExposureNotice.objects.filter(case=case)}
        assert notices == expected_notices

    # Each contact: level, span and episode as above; status untouched but for the other cases' persons, still under
    # treatment: met, so linked, but no candidates to call (became_case), and for the released met again (candidates,
    # their quarantine dates cleared).
    for person, (level, first, last, episode) in state.items():
        contact = Contact.objects.get(person_id=person)
        assert (contact.level, contact.first_exposure_at, contact.last_exposure_at) == (level, first, last)
        assert contact.episode_start == episode
        expected = handled.get(person, ("became_case" if person in case_persons else "candidate", None, None))
        assert (contact.status, contact.quarantine_start, contact.quarantine_end) == expected
        kept = [
            (
                dt.datetime.fromisoformat(ended["end"]),
                ended["quarantine_start"] and dt.date.fromisoformat(ended["quarantine_start"]),
                ended["quarantine_end"] and dt.date.fromisoformat(ended["quarantine_end"]),
            )
            for ended in contact.earlier_episodes or []
        ]
        assert kept == earlier.get(person, [])
    # Nobody else became a contact (the cases' own persons included).
    assert set(Contact.objects.values_list("person_id", flat=True)) == set(state)

    # A second run adds nothing. A contact met again keeps its episode, and the level and span of its links of that
    # episode: tracing again a case whose evidence came before it does not bring its old level or span back, and
    # bounds the F2 of its F1 met again since by the quarantine of the episode they were exposed in, as the first
    # trace did (not by their quarantine now): the same links as the reference gives now, and as the first run.
    links, notices, contacts = ContactLink.objects.count(), ExposureNotice.objects.count(), Contact.objects.count()
    episodes = set(Contact.objects.values_list("person_id", "episode_start", "status"))
    for case in cases:
        outcome = case_trace_checkins(case=case, now=NOW)
        assert (outcome.links_added, outcome.notices_added, outcome.links_removed) == (0, 0, 0)
        expected_links, _, reopened = reference(case)
        assert expected_links == first_links[case.pk] and not reopened
        got = {
            (link.level, link.contact.person_id, link.exposure_start, link.exposure_end)
            for link in ContactLink.objects.filter(case=case).select_related("contact")
        }
        assert got == {(link[0], link[1], link[5], link[6]) for link in expected_links}
        if any(person in earlier for _, person, *_ in expected_links):
            event("an old case traced again after its contact was met again")
    assert (ContactLink.objects.count(), ExposureNotice.objects.count(), Contact.objects.count()) == (
        links,
        notices,
        contacts,
    )
    assert set(Contact.objects.values_list("person_id", "episode_start", "status")) == episodes
    for contact in Contact.objects.filter(episode_start__isnull=False).prefetch_related("links"):
        counted = [link for link in contact.links.all() if link.exposure_end >= contact.episode_start]
        lowest = min(link.level for link in counted)
        own = [link for link in counted if link.level == lowest]
        assert (contact.level, contact.first_exposure_at, contact.last_exposure_at) == (
            lowest,
            min(link.exposure_start for link in own),
            max(link.exposure_end for link in own),
        )

    # The check-ins say less since (visits closed or cut short: a check-out made after the first traces ended a stay
    # they assumed), and the cases are traced again: links shortened or gone, each contact's span still that of its
    # standing links of its level in its episode (docs/cases.md, "Which exposure counts").
    for checkin in CheckIn.objects.order_by("pk"):
        stay = (checkin.checked_out_at or checkin.checked_in_at + dt.timedelta(hours=2)) - checkin.checked_in_at
        if stay > dt.timedelta(minutes=30):
            checkin.checked_out_at, checkin.checkout_kind = checkin.checked_in_at + stay / 2, "person"
            checkin.save(update_fields=["checked_out_at", "checkout_kind"])
    for case in cases:
        outcome = case_trace_checkins(case=case, now=NOW)
        if outcome.links_updated:
            event("a trace again shortened links")
    _assert_spans_of_standing_links()


def _assert_spans_of_standing_links():
    """Every contact with standing evidence of its level in its current episode (models.links_standing_q,
    links_of_episode_q) has the span of those links; the officials' contacts made here with no evidence, or none of
    their level, are left out."""
    standing = ContactLink.objects.filter(links_standing_q()).filter(links_of_episode_q())
    for contact in Contact.objects.all():
        own = [link for link in standing.filter(contact=contact) if link.level == contact.level]
        if own:
            assert (contact.first_exposure_at, contact.last_exposure_at) == (
                min(link.exposure_start for link in own),
                max(link.exposure_end or link.exposure_start for link in own),
            ), contact.pk


# --- The sums without pairs against the pairs, in Python ------------------------------------------------

TICK = dt.timedelta(microseconds=1)


@st.composite
def presences_(draw, *, persons, first_id, min_overlap):
    """Presences at two venues over 16 hours, on a quarter-hour grid and off it (by a second, or by a microsecond
    either way), stays often exactly the minimum overlap or a microsecond either side of it."""
    found = []
    for n in range(draw(st.integers(1, 25))):
        start = BASE + dt.timedelta(minutes=15 * draw(st.integers(0, 16 * 4)))
        start += draw(st.sampled_from([dt.timedelta(0), dt.timedelta(0), TICK, -TICK, dt.timedelta(seconds=1)]))
        near = [min_overlap - TICK, min_overlap, min_overlap + TICK] if min_overlap else [TICK]
        stay = draw(
            st.one_of(
                st.integers(0, 40).map(lambda quarter: dt.timedelta(minutes=15 * quarter)),
                st.integers(0, 600).map(lambda minutes: dt.timedelta(minutes=minutes)),
                st.sampled_from([stay for stay in near if stay >= dt.timedelta(0)]),
            )
        )
        found.append(
            Presence(
                first_id + n,
                draw(st.sampled_from(persons)),
                draw(st.sampled_from([1, 2])),
                start,
                start + stay,
                draw(st.booleans()),
            )
        )
    return found


@hsettings(max_examples=300)
@given(data=st.data(), minutes=st.sampled_from([0, 1, 15, 45]), level=st.sampled_from([1, 2]))
def test_sums_without_pairs_give_what_the_pairs_give(data, minutes, level):
    """_level_evidence_by_cover (no minimum) and _level_evidence_by_starts (a minimum, down to a microsecond) give
    what the pairs give (_level_evidence), groups made as the tracer makes them (_source_groups: sources at one
    venue apart by more than the reach are two groups), every row offered to every group at its venue."""
    min_overlap = dt.timedelta(minutes=minutes) if minutes != 1 else TICK
    sources = data.draw(presences_(persons=[1, 2, 3], first_id=1, min_overlap=min_overlap))
    others = data.draw(presences_(persons=[10, 11, 12, 13], first_id=1000, min_overlap=min_overlap))
    venues = {1: _Venue("Chợ", "", dt.timedelta(minutes=90)), 2: _Venue("Trạm", "", dt.timedelta(minutes=30))}
    groups, _ = _source_groups(sources, venues=venues, longest_closed=dt.timedelta(hours=2))
    rows = [(idx, other) for idx, group in enumerate(groups) for other in others if other.venue_id == group[0].venue_id]
    expected = _level_evidence(_overlapping_pairs(groups, rows), level=level, min_overlap=min_overlap)
    if min_overlap:
        got = _level_evidence_by_starts(groups, rows, level=level, min_overlap=min_overlap)
    else:
        got = _level_evidence_by_cover(groups, rows, level=level)
    assert sorted(map(astuple, got)) == sorted(map(astuple, expected))
    event(f"links: {min(len(expected), 5)}; groups: {min(len(groups), 3)}")


def test_first_met_with_a_minimum_is_one_staying_long_enough_not_one_present():
    """With a 15-minute minimum, the F2 arriving at 10:00 first met F1 3 (there until 12:00), not F1 2, present at
    10:00 but gone at 10:10: that pair shares 10 minutes. F1 2 is the lower person, so naming whoever is present at
    the first instant (as with no minimum) would name it."""

    def at(hour, minute=0):
        return BASE + dt.timedelta(hours=hour, minutes=minute)

    sources = [Presence(1, 2, 1, at(9), at(10, 10), False), Presence(2, 3, 1, at(9), at(12), False)]
    venues = {1: _Venue("Chợ", "", dt.timedelta(minutes=90))}
    groups, _ = _source_groups(sources, venues=venues, longest_closed=dt.timedelta(hours=24))
    rows = [(0, Presence(3, 10, 1, at(10), at(11), True))]
    minimum = dt.timedelta(minutes=15)
    expected = _level_evidence(_overlapping_pairs(groups, rows), level=2, min_overlap=minimum)
    got = _level_evidence_by_starts(groups, rows, level=2, min_overlap=minimum)
    assert [(e.via_person_id, e.start, e.end, e.minutes, e.occasions) for e in got] == [(3, at(10), at(11), 60, 1)]
    assert list(map(astuple, got)) == list(map(astuple, expected))
