"""Tracing from check-ins (cases.tracing) and the batch task (cases.tasks): edges, evidence, idempotency."""

import datetime as dt

import pytest
from django.utils import timezone

from phongdich.cases import services, tasks
from phongdich.cases.models import Case, Contact, ContactLink, ExposureNotice, InfectiousWindowRule, TracingRun
from phongdich.cases.services import contact_link_add
from phongdich.cases.tasks import tracing_run_start
from phongdich.cases.tracing import case_trace_checkins
from phongdich.checkins.models import CheckIn
from phongdich.core.models import AuditLog
from phongdich.core.testing import make_area, make_user
from phongdich.people.models import Person
from phongdich.venues.models import Venue, VenueType

from . import builders

T0 = dt.datetime(2021, 9, 14, 3, 0, tzinfo=dt.UTC)  # 10:00 in Thanh Hóa
NOW = T0 + dt.timedelta(days=3)


def at(minutes: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


class World:
    """A commune with a market (90-minute buffer), a school (480) and people; check-ins in minutes from T0."""

    def __init__(self):
        self.area = make_area("15085", "Xã Thạch Lập")
        self.market = self.venue("market", "Chợ Đồng Tâm")
        self.school = self.venue("school", "Trường THCS Thạch Lập")
        self.rule = InfectiousWindowRule.objects.get(code="qd3638_2021")
        self._numbers = 0

    def venue(self, type_code: str, name: str) -> Venue:
        return Venue.objects.create(
            name=name,
            venue_type=VenueType.objects.get(code=type_code),
            area=self.area,
            area_path=self.area.path,
            street_address="Thôn Quyết Thắng",
            registered_via=Venue.RegisteredVia.OFFICIAL,
        )

    def person(self, name: str = "Nguyễn Văn An") -> Person:
        return Person.objects.create(full_name=name, area_path=self.area.path, created_via=Person.CreatedVia.OFFICIAL)

    def visit(self, person, venue, start: float, end: float | None = None, *, kind: str = "person") -> CheckIn:
        return CheckIn.objects.create(
            person=person,
            venue=venue,
            area_path=venue.area_path,
            checked_in_at=at(start),
            checked_out_at=None if end is None else at(end),
            checkout_kind="" if end is None else kind,
            received_at=at(start),
            source=CheckIn.Source.SELF_SCAN,
        )

    def case(self, person, start: float = -24 * 60, end: float = 24 * 60) -> Case:
        self._numbers += 1
        return Case.objects.create(
            number=f"BN-38-{self._numbers:06d}",
            person=person,
            area_path=self.area.path,
            sample_date=at(end).date(),
            test_type=Case.TestType.PCR,
            isolated_at=at(end),
            rule=self.rule,
            window_start=at(start),
            window_end=at(end),
        )


@pytest.fixture
def world(db, settings):
    settings.TRACING_MIN_OVERLAP_MINUTES = None
    settings.TRACING_OPEN_CHECKIN_BUFFER_MINUTES = {}
    settings.TRACING_MAX_LEVEL = 2
    settings.EXPOSURE_NOTICES_AUTO_PUBLISH = True
    return World()


def links_of(case, level=None):
    links = ContactLink.objects.filter(case=case).select_related("contact", "via").order_by("id")
    return list(links if level is None else links.filter(level=level))


# --- What counts as overlap ---------------------------------------------------------------------------


def test_touching_visits_do_not_overlap(world):
    f0, before, after = world.person("F0"), world.person("Trước"), world.person("Sau")
    world.visit(f0, world.market, 0, 60)
    world.visit(before, world.market, -30, 0)  # left as the case arrived
    world.visit(after, world.market, 60, 90)  # arrived as the case left
    case = world.case(f0)

    outcome = case_trace_checkins(case=case, now=NOW)

    assert outcome.f1 == 0
    assert not ContactLink.objects.exists()


def test_one_second_of_overlap_counts_when_there_is_no_minimum(world):
    f0, other = world.person("F0"), world.person("Khách")
    world.visit(f0, world.market, 0, 60)
    world.visit(other, world.market, -30, 0 + 1 / 60)
    case = world.case(f0)

    case_trace_checkins(case=case, now=NOW)

    [link] = links_of(case)
    assert (link.exposure_start, link.exposure_end, link.overlap_minutes) == (at(0), at(1 / 60), 0)


def test_exactly_the_minimum_overlap_counts_and_a_second_less_does_not(world, settings):
    settings.TRACING_MIN_OVERLAP_MINUTES = 15
    f0, exact, short = world.person("F0"), world.person("Đủ"), world.person("Thiếu")
    world.visit(f0, world.market, 0, 60)
    world.visit(exact, world.market, 45, 120)  # 15 minutes together
    world.visit(short, world.market, 45 + 1 / 60, 120)  # 14 min 59 s
    case = world.case(f0)

    outcome = case_trace_checkins(case=case, now=NOW)

    assert outcome.f1 == 1
    [link] = links_of(case, level=1)
    assert link.contact.person == exact
    assert link.overlap_minutes == 15


def test_the_rule_gives_the_minimum_unless_the_setting_overrides_it(world):
    world.rule.min_overlap_minutes = 15  # as CV 11042
    world.rule.save()
    f0, other = world.person("F0"), world.person("Khách")
    world.visit(f0, world.market, 0, 60)
    world.visit(other, world.market, 50, 120)  # 10 minutes
    case = world.case(f0)

    assert case_trace_checkins(case=case, now=NOW).f1 == 0


def test_a_visit_begun_before_the_window_counts_from_the_window_start(world):
    f0, other = world.person("F0"), world.person("Khách")
    world.visit(f0, world.school, -120, 240)
    world.visit(other, world.school, -120, 240)
    case = world.case(f0, start=0, end=24 * 60)

    case_trace_checkins(case=case, now=NOW)

    [link] = links_of(case)
    assert (link.exposure_start, link.exposure_end, link.overlap_minutes) == (at(0), at(240), 240)
    [notice] = ExposureNotice.objects.filter(case=case)
    assert (notice.start, notice.end) == (at(0), at(240))


def test_visits_after_isolation_do_not_count(world):
    f0, other = world.person("F0"), world.person("Khách")
    world.visit(f0, world.market, 30, 90)
    world.visit(other, world.market, 30, 90)
    case = world.case(f0, start=-24 * 60, end=30)  # isolated as the visit began

    assert case_trace_checkins(case=case, now=NOW).f1 == 0
    assert not ExposureNotice.objects.exists()


def test_a_visit_without_check_out_lasts_its_venue_types_buffer(world):
    f0, in_time, too_late = world.person("F0"), world.person("Kịp"), world.person("Muộn")
    world.visit(f0, world.market, 0)  # no check-out: the market's 90 minutes
    world.visit(in_time, world.market, 89, 120)
    world.visit(too_late, world.market, 90, 120)
    case = world.case(f0)

    case_trace_checkins(case=case, now=NOW)

    [link] = links_of(case, level=1)
    assert link.contact.person == in_time
    assert (link.exposure_end, link.overlap_minutes, link.end_assumed) == (at(90), 1, True)
    [notice] = ExposureNotice.objects.filter(case=case)
    assert (notice.end, notice.end_assumed) == (at(90), True)


def test_the_buffer_setting_overrides_a_venue_type(world, settings):
    settings.TRACING_OPEN_CHECKIN_BUFFER_MINUTES = {"market": 150}
    f0, other = world.person("F0"), world.person("Khách")
    world.visit(f0, world.market, 0)
    world.visit(other, world.market, 120, 130)
    case = world.case(f0)

    case_trace_checkins(case=case, now=NOW)

    [link] = links_of(case)
    assert (link.exposure_start, link.exposure_end) == (at(120), at(130))
    assert link.end_assumed  # the case's end was assumed


def test_an_auto_check_out_is_an_assumed_end(world):
    f0, other = world.person("F0"), world.person("Khách")
    world.visit(f0, world.market, 0, 30)
    world.visit(other, world.market, 10, 100, kind="auto")
    case = world.case(f0)

    case_trace_checkins(case=case, now=NOW)

    [link] = links_of(case)
    assert (link.overlap_minutes, link.end_assumed) == (20, True)


def test_a_case_who_checked_in_elsewhere_has_left_the_pharmacy(world):
    # The review of the demo (BN-38-000007): a check-in at a pharmacy with no check-out, then one at the treasury 33
    # minutes later. Her stay at the pharmacy ends there, not 4 hours (a health facility's buffer) after she came.
    pharmacy, treasury = world.venue("health_facility", "Nhà thuốc Hòa"), world.venue("office", "Kho bạc")
    f0, customer = world.person("F0"), world.person("Khách")
    world.visit(f0, pharmacy, 0)
    world.visit(f0, treasury, 33, 60)
    world.visit(customer, pharmacy, 24, 250)
    case = world.case(f0)

    case_trace_checkins(case=case, now=NOW)

    [link] = links_of(case)
    assert (link.exposure_start, link.exposure_end, link.overlap_minutes, link.end_assumed) == (at(24), at(33), 9, True)
    notices = ExposureNotice.objects.filter(case=case).order_by("start")
    assert [(n.venue, n.start, n.end, n.end_assumed) for n in notices] == [
        (pharmacy, at(0), at(33), True),
        (treasury, at(33), at(60), False),
    ]


def test_a_check_in_again_at_the_same_venue_ends_the_open_stay_before_it(world):
    f0, customer = world.person("F0"), world.person("Khách")
    world.visit(f0, world.market, 0)  # no check-out, scanned again 33 minutes later: two notices side by side
    world.visit(f0, world.market, 33, 40)
    world.visit(customer, world.market, 45, 60)  # after both: no contact (the first would have lasted 90 minutes)
    case = world.case(f0)

    case_trace_checkins(case=case, now=NOW)

    assert not links_of(case)
    notices = ExposureNotice.objects.filter(case=case).order_by("start")
    assert [(n.start, n.end) for n in notices] == [(at(0), at(33)), (at(33), at(40))]


def test_an_auto_check_out_of_the_case_ends_at_its_next_check_in_too(world):
    # The sweep closes a forgotten visit at its buffer: the same assumption, cut the same way.
    f0, customer = world.person("F0"), world.person("Khách")
    world.visit(f0, world.market, 0, 90, kind="auto")
    world.visit(f0, world.school, 20, 40)
    world.visit(customer, world.market, 30, 60)
    case = world.case(f0)

    case_trace_checkins(case=case, now=NOW)

    assert not links_of(case)
    notice = ExposureNotice.objects.get(case=case, venue=world.market)
    assert (notice.end, notice.end_assumed) == (at(20), True)


def test_an_open_stay_begun_before_the_window_ends_at_a_check_in_before_the_window(world):
    # The next check-in is read though it was over before the window opened: the stay ended then, and the window
    # holds nothing of it.
    f0, customer = world.person("F0"), world.person("Khách")
    world.visit(f0, world.market, -60)  # the market's 90 minutes would reach 30 minutes into the window
    world.visit(f0, world.school, -30, -20)
    world.visit(customer, world.market, 0, 60)
    case = world.case(f0, start=0)

    case_trace_checkins(case=case, now=NOW)

    assert not links_of(case)
    assert not ExposureNotice.objects.filter(case=case).exists()


def test_a_long_auto_check_out_begun_long_before_the_window_ends_at_its_next_check_in(world):
    # Closed by the sweep 15 hours on (its type's time then, longer than any buffer now): the read of the check-ins
    # begun within the longest buffer (a factory's 12 hours) before the window does not hold the next one, which is
    # looked up (checkins_next_start).
    f0, pupil = world.person("F0"), world.person("Học sinh")
    world.visit(f0, world.school, -14 * 60, 60, kind="auto")
    world.visit(f0, world.market, -13 * 60, -12.5 * 60)
    world.visit(pupil, world.school, 0, 60)
    case = world.case(f0, start=0)

    case_trace_checkins(case=case, now=NOW)

    assert not links_of(case)
    assert not ExposureNotice.objects.filter(case=case).exists()


def test_an_f1_who_checked_in_elsewhere_passes_nothing_on_after_it(world):
    f0, f1, early, late = world.person("F0"), world.person("F1"), world.person("Sớm"), world.person("Muộn")
    world.visit(f0, world.market, 0, 10)
    world.visit(f1, world.market, 5)  # no check-out: cut at the school, 30 minutes later
    world.visit(f1, world.school, 35, 40)
    world.visit(early, world.market, 25, 50)
    world.visit(late, world.market, 40, 60)  # after the F1 left: the 90 minutes of the buffer would have made an F2
    case = world.case(f0)

    case_trace_checkins(case=case, now=NOW)

    assert {link.contact.person for link in links_of(case, level=2)} == {early}
    [link] = links_of(case, level=2)
    assert (link.exposure_start, link.exposure_end, link.end_assumed) == (at(25), at(35), True)


def test_others_at_the_venue_keep_the_buffer_though_they_checked_in_elsewhere(world):
    # docs/cases.md, "What counts": only the sources' stays are cut; someone found there keeps the buffer (the safe
    # side, and no look-up of every other person's next check-in).
    f0, other = world.person("F0"), world.person("Khách")
    world.visit(other, world.market, 0)
    world.visit(other, world.school, 10, 20)
    world.visit(f0, world.market, 30, 60)
    case = world.case(f0)

    case_trace_checkins(case=case, now=NOW)

    [link] = links_of(case)
    assert (link.contact.person, link.exposure_start, link.exposure_end) == (other, at(30), at(60))


def test_a_closed_stay_longer_than_a_day_is_found(world):
    f0, patient = world.person("F0"), world.person("Người bệnh")
    world.visit(patient, world.school, -3 * 24 * 60, 60)  # three days, then checked out
    world.visit(f0, world.school, 0, 30)
    case = world.case(f0)

    case_trace_checkins(case=case, now=NOW)

    [link] = links_of(case)
    assert (link.contact.person, link.overlap_minutes, link.end_assumed) == (patient, 30, False)


def test_other_venues_and_the_case_itself_are_not_contacts(world):
    f0, elsewhere = world.person("F0"), world.person("Nơi khác")
    world.visit(f0, world.market, 0, 60)
    world.visit(f0, world.market, 10, 50)  # scanned twice
    world.visit(elsewhere, world.school, 0, 60)
    case = world.case(f0)

    case_trace_checkins(case=case, now=NOW)

    assert not Contact.objects.exists()


# --- Evidence, F2, idempotency ------------------------------------------------------------------------


def test_the_evidence_says_where_when_and_how_long(world):
    f0, other = world.person("F0"), world.person("Khách")
    world.visit(f0, world.market, 0, 60)
    world.visit(other, world.market, 20, 100)
    case = world.case(f0)
    actor = make_user("dieutra")

    outcome = case_trace_checkins(case=case, actor=actor, now=NOW)

    assert (outcome.contacts_found, outcome.f1, outcome.f2, outcome.links_added) == (1, 1, 0, 1)
    [link] = links_of(case)
    assert (link.evidence_key, link.occasions) == (f"checkin:venue:{world.market.pk}", 1)
    assert (link.level, link.source, link.setting, link.venue, link.place) == (
        1,
        "checkin",
        "venue",
        world.market,
        "Chợ Đồng Tâm",
    )
    assert (link.exposure_start, link.exposure_end, link.overlap_minutes, link.end_assumed) == (
        at(20),
        at(60),
        40,
        False,
    )
    assert link.via is None and link.created_by == actor
    contact = link.contact
    assert (contact.level, contact.status, contact.first_exposure_at, contact.last_exposure_at) == (
        1,
        "candidate",
        at(20),
        at(60),
    )
    assert Case.objects.get(pk=case.pk).traced_at == NOW


def test_f2_are_the_f1s_company_from_exposure_until_quarantine(world):
    f0, f1, early, met, late = (world.person(n) for n in ("F0", "F1", "Trước", "Gặp", "Sau cách ly"))
    world.visit(f0, world.market, 0, 60)
    f1_market = world.visit(f1, world.market, 30, 60)
    world.visit(early, world.school, -600, -500)
    world.visit(f1, world.school, -600, -500)  # before its exposure: no F2
    world.visit(f1, world.school, 600, 700)
    world.visit(met, world.school, 650, 800)
    world.visit(f1, world.school, 3 * 24 * 60, 3 * 24 * 60 + 60)  # after its quarantine began
    world.visit(late, world.school, 3 * 24 * 60, 3 * 24 * 60 + 60)
    Contact.objects.create(person=f1, level=1, quarantine_start=at(24 * 60).date())
    case = world.case(f0)

    outcome = case_trace_checkins(case=case, now=NOW + dt.timedelta(days=5))

    assert (outcome.f1, outcome.f2) == (1, 1)
    [f2] = links_of(case, level=2)
    assert f2.contact.person == met and f2.via.person == f1
    assert (f2.exposure_start, f2.exposure_end, f2.overlap_minutes) == (at(650), at(700), 50)
    assert (f2.evidence_key, f2.venue, f2.occasions) == ("checkin:level:2", world.school, 1)
    [f1_link] = links_of(case, level=1)
    assert (f1_link.evidence_key, f1_link.exposure_start) == (
        f"checkin:venue:{world.market.pk}",
        f1_market.checked_in_at,
    )
    assert Contact.objects.get(person=met).level == 2


def test_one_link_sums_up_every_time_an_f1_shared_a_venue_with_the_case(world):
    f0, classmate = world.person("F0"), world.person("Bạn cùng lớp")
    for day in range(3):
        world.visit(f0, world.school, day * 1440 - 1200, day * 1440 - 900)
        world.visit(classmate, world.school, day * 1440 - 1190, day * 1440 - 910)
    world.visit(classmate, world.school, 2 * 1440 - 1180, 2 * 1440 - 1100)  # scanned twice on the last day
    world.visit(f0, world.market, 0, 60)
    world.visit(classmate, world.market, 30, 90)
    case = world.case(f0, start=-1440, end=2 * 1440)

    outcome = case_trace_checkins(case=case, now=NOW)

    assert (outcome.f1, outcome.links_added) == (1, 2)  # one link per venue
    school, market = (ContactLink.objects.get(case=case, venue=v) for v in (world.school, world.market))
    assert (school.evidence_key, school.occasions) == (f"checkin:venue:{world.school.pk}", 4)
    assert (school.exposure_start, school.exposure_end) == (at(-1190), at(2 * 1440 - 910))
    assert school.overlap_minutes == 3 * 280  # the second scan's 80 minutes were already counted
    assert (market.occasions, market.overlap_minutes) == (1, 30)


def test_an_f2_who_met_several_f1_has_one_link_through_the_first(world):
    f0, f1a, f1b, f2 = (world.person(n) for n in ("F0", "F1a", "F1b", "F2"))
    world.visit(f0, world.market, 0, 60)
    world.visit(f1a, world.market, 0, 60)
    world.visit(f1b, world.market, 0, 60)
    world.visit(f1b, world.school, 200, 300)
    world.visit(f1a, world.school, 250, 300)
    world.visit(f2, world.school, 240, 400)
    case = world.case(f0)

    case_trace_checkins(case=case, now=NOW)

    [link] = links_of(case, level=2)
    assert (link.contact.person, link.via.person, link.venue) == (f2, f1b, world.school)
    # One visit of the F2's with both F1 there: one occasion.
    assert (link.exposure_start, link.exposure_end, link.occasions, link.overlap_minutes) == (at(240), at(300), 1, 60)


def test_a_late_upload_brings_the_link_up_to_date_instead_of_adding_one(world):
    f0, f1 = world.person("F0"), world.person("F1")
    world.visit(f0, world.market, 0, 60)
    world.visit(f1, world.market, 30, 60)
    case = world.case(f0)
    first = case_trace_checkins(case=case, now=NOW)
    world.visit(f0, world.market, 300, 400)  # the case's phone uploads later
    world.visit(f1, world.market, 350, 420)

    again = case_trace_checkins(case=case, now=NOW)

    assert (first.links_added, again.links_added, again.links_updated) == (1, 0, 1)
    [link] = links_of(case)
    assert (link.exposure_start, link.exposure_end, link.occasions, link.overlap_minutes) == (at(30), at(400), 2, 80)
    contact = Contact.objects.get(person=f1)
    assert (contact.first_exposure_at, contact.last_exposure_at) == (at(30), at(400))


def test_a_person_found_as_f1_gets_no_f2_link_and_f3_needs_the_setting(world, settings):
    f0, f1a, f1b, f2, f3 = (world.person(n) for n in ("F0", "F1a", "F1b", "F2", "F3"))
    world.visit(f0, world.market, 0, 60)
    world.visit(f1a, world.market, 0, 60)
    world.visit(f1b, world.market, 0, 120)  # also with f1a after the case left
    world.visit(f1b, world.school, 200, 300)
    world.visit(f2, world.school, 250, 400)
    world.visit(f2, world.market, 1000, 1100)
    world.visit(f3, world.market, 1050, 1100)
    case = world.case(f0)

    case_trace_checkins(case=case, now=NOW)

    assert {(link.contact.person.full_name, link.level) for link in links_of(case)} == {
        ("F1a", 1),
        ("F1b", 1),
        ("F2", 2),
    }
    settings.TRACING_MAX_LEVEL = 3
    assert case_trace_checkins(case=case, now=NOW).links_added == 1
    [f3_link] = links_of(case, level=3)
    assert (f3_link.contact.person, f3_link.via.person) == (f3, f2)


def test_a_dismissed_f1_stays_dismissed_and_passes_nothing_on(world):
    f0, f1, f2 = world.person("F0"), world.person("F1"), world.person("F2")
    world.visit(f0, world.market, 0, 60)
    world.visit(f1, world.market, 0, 60)
    world.visit(f1, world.school, 100, 200)
    world.visit(f2, world.school, 100, 200)
    Contact.objects.create(person=f1, level=2, status=Contact.Status.DISMISSED, dismissed_reason="Không gặp")
    case = world.case(f0)

    outcome = case_trace_checkins(case=case, now=NOW)

    assert (outcome.f1, outcome.f2) == (1, 0)
    contact = Contact.objects.get(person=f1)
    assert (contact.status, contact.level) == ("dismissed", 1)  # the level follows the evidence, not the status


def test_tracing_twice_adds_nothing_and_changes_nothing(world):
    f0, f1, f2 = world.person("F0"), world.person("F1"), world.person("F2")
    world.visit(f0, world.market, 0, 60)
    world.visit(f1, world.market, 10, 40)
    world.visit(f1, world.school, 100)
    world.visit(f2, world.school, 120, 300)
    case = world.case(f0)
    first = case_trace_checkins(case=case, now=NOW)
    Contact.objects.filter(person=f1).update(status=Contact.Status.DISMISSED, dismissed_reason="Đeo khẩu trang")

    def snapshot():
        return (
            list(ContactLink.objects.order_by("id").values()),
            list(Contact.objects.order_by("id").values()),
            list(ExposureNotice.objects.order_by("id").values()),
        )

    before = snapshot()
    second = case_trace_checkins(case=case, now=NOW)

    assert (first.links_added, first.notices_added) == (2, 1)
    assert (second.links_added, second.notices_added) == (0, 0)
    assert snapshot() == before
    assert Contact.objects.get(person=f1).status == "dismissed"


def test_bulk_writes_match_contact_link_add(world):
    """An existing contact (an interview found them as F2 of another case) gets what contact_link_add gives: an F1
    now, its span that of its F1 evidence (the quarantine counts from the last contact with the F0), the F2 meeting
    kept as a link."""
    f0, other_case_person, person = world.person("F0"), world.person("F0 khác"), world.person("Khách")
    other_case = world.case(other_case_person)
    contact_link_add(
        person=person,
        case=other_case,
        level=2,
        source="interview",
        setting="household",
        evidence_key="interview:1",
        exposure_start=at(500),
        exposure_end=at(600),
    )
    world.visit(f0, world.market, 0, 60)
    world.visit(person, world.market, 30, 90)
    case = world.case(f0)

    case_trace_checkins(case=case, now=NOW)

    contact = Contact.objects.get(person=person)
    assert (contact.level, contact.first_exposure_at, contact.last_exposure_at) == (1, at(30), at(60))  # together
    assert contact.links.count() == 2

    # The same evidence through contact_link_add, for another person: the same contact.
    other = world.person("Khách khác")
    contact_link_add(
        person=other, case=other_case, level=2, source="interview", setting="household",
        evidence_key="interview:2", exposure_start=at(500), exposure_end=at(600),
    )  # fmt: skip
    contact_link_add(
        person=other, case=case, level=1, source="checkin", setting="venue", evidence_key="checkin:test:other",
        exposure_start=at(30), exposure_end=at(60),
    )  # fmt: skip
    again = Contact.objects.get(person=other)
    assert (again.level, again.first_exposure_at, again.last_exposure_at) == (1, at(30), at(60))


def test_a_trace_finding_an_f1_as_an_f2_leaves_its_span_and_quarantine(world, settings):
    """An F1 in quarantine met by another case's F1 (the trace's F2): its span and quarantine stay those of its
    meetings with the F0; the F2 link is kept."""
    settings.TRACING_MAX_LEVEL = 2
    f0, go_between, person = world.person("F0"), world.person("F1 trung gian"), world.person("Khách")
    first_case = world.case(world.person("F0 trước"))
    contact_link_add(
        person=person, case=first_case, level=1, source="interview", setting="household",
        evidence_key="interview:1", exposure_start=at(0), exposure_end=at(10),
    )  # fmt: skip
    Contact.objects.filter(person=person).update(
        status="quarantined", quarantine_start=NOW.date(), quarantine_end=NOW.date() + dt.timedelta(days=7),
        quarantine_days=7,
    )  # fmt: skip
    world.visit(f0, world.market, 0, 60)
    world.visit(go_between, world.market, 30, 60)
    world.visit(go_between, world.school, 600, 700)
    world.visit(person, world.school, 620, 680)
    case = world.case(f0)

    case_trace_checkins(case=case, now=NOW)

    contact = Contact.objects.get(person=person)
    assert ContactLink.objects.filter(contact=contact, case=case, level=2).exists()
    assert (contact.level, contact.first_exposure_at, contact.last_exposure_at) == (1, at(0), at(10))
    assert contact.quarantine_end == NOW.date() + dt.timedelta(days=7)


def test_a_contact_another_trace_left_unchanged_still_gets_its_link(world):
    """The write takes the ids of the contacts it inserted or changed; one it left as it was is looked up."""
    first_f0, second_f0, person = world.person("F0 thứ nhất"), world.person("F0 thứ hai"), world.person("Khách")
    world.visit(first_f0, world.market, 0, 120)
    world.visit(second_f0, world.market, 40, 60)
    world.visit(person, world.market, 30, 90)
    first_case, second_case = world.case(first_f0), world.case(second_f0)
    case_trace_checkins(case=first_case, now=NOW)
    contact = Contact.objects.get(person=person)
    before = (contact.level, contact.first_exposure_at, contact.last_exposure_at)

    outcome = case_trace_checkins(case=second_case, now=NOW)  # F1 again, within the span it has

    contact.refresh_from_db()
    assert (contact.level, contact.first_exposure_at, contact.last_exposure_at) == before
    link = ContactLink.objects.get(case=second_case, contact__person=person)
    assert (link.contact_id, link.exposure_start, link.exposure_end) == (contact.pk, at(40), at(60))
    assert outcome.links_added == ContactLink.objects.filter(case=second_case).count()


# --- Exposure notices ---------------------------------------------------------------------------------


def test_exposure_notices_are_published_or_held_back_by_the_setting(world, settings):
    f0 = world.person("F0")
    world.visit(f0, world.market, 0, 90)
    world.visit(f0, world.school, 120)
    case = world.case(f0)

    outcome = case_trace_checkins(case=case, now=NOW)

    assert outcome.notices_added == 2
    notices = {n.venue: n for n in ExposureNotice.objects.filter(case=case)}
    market, school = notices[world.market], notices[world.school]
    assert (market.start, market.end, market.end_assumed, market.published_at) == (at(0), at(90), False, NOW)
    assert (school.start, school.end, school.end_assumed) == (at(120), at(120 + 480), True)
    assert market.area_path == world.market.area_path

    settings.EXPOSURE_NOTICES_AUTO_PUBLISH = False
    other = world.person("F0 khác")
    world.visit(other, world.market, 0, 30)
    held = world.case(other)
    case_trace_checkins(case=held, now=NOW)
    assert ExposureNotice.objects.get(case=held).published_at is None


# --- The batch task -----------------------------------------------------------------------------------


def test_a_tracing_run_traces_every_case_with_progress(world, settings, django_capture_on_commit_callbacks):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    f0a, f0b, a, b = (world.person(n) for n in ("F0 a", "F0 b", "A", "B"))
    world.visit(f0a, world.market, 0, 60)
    world.visit(a, world.market, 0, 60)
    world.visit(f0b, world.school, 0, 60)
    world.visit(b, world.school, 0, 60)
    world.visit(a, world.school, 30, 60)
    cases = [world.case(f0a), world.case(f0b)]
    actor = make_user("dieutra")

    with django_capture_on_commit_callbacks(execute=True):
        run = tracing_run_start(actor=actor, cases=cases)

    run.refresh_from_db()
    # Case a: A (F1), then B and F0 b at the school with A (F2). Case b: B and A (F1), then F0 a, met by A at
    # the market after A's exposure began (F2).
    assert (run.status, run.total, run.done, run.contacts_found, run.links_added) == ("done", 2, 2, 6, 6)
    assert run.started_at and run.finished_at and run.created_by == actor
    assert all(c.traced_at for c in Case.objects.all())

    # Run again (as after a worker's crash): nothing added, the same contacts found.
    TracingRun.objects.filter(pk=run.pk).update(status=TracingRun.Status.RUNNING)
    tasks.tracing_run_task(run.pk)
    run.refresh_from_db()
    assert (run.status, run.done, run.contacts_found, run.links_added) == ("done", 2, 6, 6)
    assert ContactLink.objects.count() == 6


def _cases_with_a_neighbour(world, n: int) -> list:
    """n cases at the market one after another, each with the same neighbour beside them: case i has the
    neighbour as F1 and the persons of the later cases, whom the neighbour met afterwards, as F2."""
    persons = [world.person(f"F0 {i}") for i in range(n)]
    neighbour = world.person("Hàng xóm")
    for i, person in enumerate(persons):
        world.visit(person, world.market, 100 * i, 100 * i + 60)
        world.visit(neighbour, world.market, 100 * i, 100 * i + 60)
    return [world.case(person) for person in persons]


def test_a_part_got_again_after_a_crash_goes_on_where_it_stopped(world, settings, monkeypatch):
    """acks_late: a killed worker's part is delivered again. The cases it traced before stay traced and
    counted once; the run's own task, got again too, queues only the parts not finished."""
    settings.TRACING_BATCH_PARTS = 1
    cases = _cases_with_a_neighbour(world, 3)
    run = TracingRun.objects.create(total=3)
    run.cases.set(cases)
    traced = []

    def crash_on_the_third(**kwargs):
        if len(traced) == 2:
            raise SystemExit("worker killed")  # not an Exception: the part does not record a failure
        traced.append(kwargs["case"].pk)
        return case_trace_checkins(**kwargs)

    monkeypatch.setattr(tasks, "case_trace_checkins", crash_on_the_third)
    with pytest.raises(SystemExit):
        tasks.tracing_run_task(run.pk)
    run.refresh_from_db()
    assert (run.status, run.done, run.parts_finished) == ("running", 2, [])
    found_before = run.contacts_found

    def trace(**kwargs):
        traced.append(kwargs["case"].pk)
        return case_trace_checkins(**kwargs)

    monkeypatch.setattr(tasks, "case_trace_checkins", trace)
    tasks.tracing_run_task(run.pk)  # got again
    run.refresh_from_db()
    assert traced == [cases[0].pk, cases[1].pk, cases[2].pk]  # the third only, the second time
    assert (run.status, run.done, run.parts_finished) == ("done", 3, [0])
    assert run.contacts_found == found_before + 1 + 0  # the third case: the neighbour, nobody after
    assert run.links_added == ContactLink.objects.count()

    tasks.tracing_run_part_task(run.pk, [c.pk for c in cases], part=0)  # a late twin of the part: nothing
    run.refresh_from_db()
    assert traced == [cases[0].pk, cases[1].pk, cases[2].pk] and run.parts_finished == [0]


def _sweep() -> dict:
    """The beat entry's task, as the worker runs it."""
    from phongdich.config.celery import app

    name = "phongdich.cases.tasks.tracing_runs_sweep_task"
    assert name in {entry["task"] for entry in app.conf.beat_schedule.values()}
    app.loader.import_default_modules()
    return app.tasks[name].apply().get()


def _left_running(cases, *, attempts: int, minutes: int, **fields) -> TracingRun:
    """A run whose worker died `minutes` after it started (its `attempts`-th start), one of its cases traced."""
    then = timezone.now() - dt.timedelta(minutes=minutes)
    run = TracingRun.objects.create(
        total=len(cases), status="running", parts=1, done=1, attempts=attempts, started_at=then, **fields
    )
    run.cases.set(cases)
    return run


def test_a_tracing_run_whose_worker_died_does_not_stay_running_for_ever(world, settings):
    """Its message gone (acknowledged as the worker died, or deleted by the file-system broker when fetched), the
    run's page said "running, 1 of 2" for ever and its cases' tracing never happened. The sweep queues it again."""
    settings.TASK_STALE_MINUTES, settings.TRACING_BATCH_PARTS = 30, 1
    cases = _cases_with_a_neighbour(world, 2)
    run = _left_running(cases, attempts=1, minutes=12 * 60)
    assert _sweep() == {"requeued": [run.pk], "failed": []}
    run.refresh_from_db()
    assert (run.status, run.done, run.attempts) == ("done", 2, 2)
    assert all(case.traced_at for case in Case.objects.all())


def test_a_tracing_run_whose_every_start_died_fails_saying_so(world, settings):
    settings.TASK_STALE_MINUTES, settings.TASK_MAX_ATTEMPTS = 30, 3
    cases = _cases_with_a_neighbour(world, 2)
    run = _left_running(cases, attempts=3, minutes=40)
    assert _sweep() == {"requeued": [], "failed": [run.pk]}
    run.refresh_from_db()
    assert run.status == "failed" and "stopped 3 times" in run.error and run.finished_at
    # The broker delivering its task once more (task_reject_on_worker_lost) does not start it again, nor its part.
    tasks.tracing_run_task(run.pk)
    assert tasks.tracing_run_part_task(run.pk, [case.pk for case in cases]) is None
    run.refresh_from_db()
    assert run.status == "failed" and not any(case.traced_at for case in Case.objects.all())


def test_a_run_no_worker_picks_up_is_queued_again_a_bounded_number_of_times_and_waits(world, settings, monkeypatch):
    """A run whose task never starts was queued again at every sweep, a copy on the broker every TASK_STALE_MINUTES."""
    settings.TASK_STALE_MINUTES, settings.TASK_MAX_REQUEUES, settings.TRACING_BATCH_PARTS = 30, 2, 1
    published = []
    monkeypatch.setattr(tasks, "enqueue", lambda task, run_id, *args, **kwargs: published.append(run_id))
    cases = _cases_with_a_neighbour(world, 1)
    run = TracingRun.objects.create(total=1)
    run.cases.set(cases)
    now = timezone.now()
    for hours in range(1, 13):
        tasks.tracing_runs_sweep(now=now + dt.timedelta(hours=hours))
    assert published == [run.pk, run.pk]
    run.refresh_from_db()
    assert (run.status, run.requeues, run.attempts, run.error) == ("queued", 2, 0, "")
    # A worker picks a copy up at last: the run is traced, and its start counts the copies afresh.
    tasks.tracing_run_task(run.pk)
    run.refresh_from_db()
    assert (run.status, run.requeues, run.attempts) == ("done", 0, 1)


def test_the_sweep_leaves_a_run_tracing_its_cases_alone(world, settings):
    """A run's start may be long ago: what counts is its last case traced."""
    settings.TASK_STALE_MINUTES = 30
    cases = _cases_with_a_neighbour(world, 2)
    run = _left_running(cases, attempts=1, minutes=120, progress_at=timezone.now() - dt.timedelta(minutes=29))
    queued = TracingRun.objects.create(total=0)  # waits for a worker, since now
    assert _sweep() == {"requeued": [], "failed": []}
    assert list(TracingRun.objects.order_by("pk").values_list("status", flat=True)) == ["running", "queued"]
    assert (run.pk, queued.pk) == tuple(TracingRun.objects.order_by("pk").values_list("pk", flat=True))


def test_a_run_in_parts_traces_each_case_once_and_is_done_when_every_part_is(
    world, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.TRACING_BATCH_PARTS = 2
    cases = _cases_with_a_neighbour(world, 5)

    with django_capture_on_commit_callbacks(execute=True):
        run = tracing_run_start(actor=None, cases=cases)

    run.refresh_from_db()
    # Case i: the neighbour (F1), and the persons of the later cases, whom the neighbour met afterwards (F2).
    assert (run.status, run.parts, sorted(run.parts_finished), run.done, run.total) == ("done", 2, [0, 1], 5, 5)
    assert run.links_added == ContactLink.objects.count() == 5 + (4 + 3 + 2 + 1 + 0)
    assert all(c.traced_at for c in Case.objects.all())


def test_a_part_stops_before_its_next_case_when_another_part_has_failed(world, monkeypatch):
    first, second = world.case(world.person("F0 a")), world.case(world.person("F0 b"))
    run = TracingRun.objects.create(total=2, parts=2, status=TracingRun.Status.RUNNING)
    run.cases.set([first, second])

    def trace_while_the_other_part_fails(**kwargs):
        outcome = case_trace_checkins(**kwargs)
        TracingRun.objects.filter(pk=run.pk).update(status=TracingRun.Status.FAILED, error="RuntimeError: other part")
        return outcome

    monkeypatch.setattr(tasks, "case_trace_checkins", trace_while_the_other_part_fails)

    assert tasks.tracing_run_part_task(run.pk, [first.pk, second.pk]) == {"status": "failed"}
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.traced_at and second.traced_at is None
    run.refresh_from_db()
    assert (run.status, run.done, run.parts_finished, run.error) == ("failed", 1, [], "RuntimeError: other part")


def test_a_tracing_run_that_fails_says_why(world, settings, monkeypatch, django_capture_on_commit_callbacks):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    case = world.case(world.person("F0"))

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(tasks, "case_trace_checkins", broken)
    with django_capture_on_commit_callbacks(execute=True):
        run = tracing_run_start(actor=None, cases=[case])

    run.refresh_from_db()
    assert (run.status, run.done) == ("failed", 0)
    assert "database went away" in run.error


def test_a_run_is_queued_only_after_the_commit(world, settings, django_capture_on_commit_callbacks):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    case = world.case(world.person("F0"))

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = tracing_run_start(actor=None, cases=[case])

    assert len(callbacks) == 1
    run.refresh_from_db()
    assert (run.status, run.done, run.total) == ("queued", 0, 1)


# --- A person who is a case already -------------------------------------------------------------------------


def test_a_case_under_treatment_met_is_kept_as_evidence_but_not_as_a_contact_to_call(world):
    """Two cases at the market together: the meeting is evidence (maybe how one infected the other), but the
    other case is under treatment, not someone for the commune to call or quarantine."""
    f0, other_case_person, visitor = world.person("F0"), world.person("Ca Khác"), world.person("Khách")
    for who in (f0, other_case_person, visitor):
        world.visit(who, world.market, 0, 60)
    world.case(other_case_person)
    recovered = world.person("Đã Khỏi")
    world.visit(recovered, world.market, 0, 60)
    Case.objects.filter(pk=world.case(recovered).pk).update(status=Case.Status.RECOVERED)
    case = world.case(f0)

    case_trace_checkins(case=case, now=NOW)
    case_trace_checkins(case=case, now=NOW)  # again: nothing moves back

    statuses = dict(ContactLink.objects.filter(case=case).values_list("contact__person__full_name", "contact__status"))
    assert statuses == {"Ca Khác": "became_case", "Khách": "candidate", "Đã Khỏi": "candidate"}
    # Closed by the trace's bulk write, audited once as entering a case would (the second trace closed nothing).
    [entry] = AuditLog.objects.filter(action="cases.contact.became_case")
    assert entry.object_id == str(Contact.objects.get(person=other_case_person).pk)
    assert entry.extra == {"from": "candidate", "reason": "met_while_case", "case": case.number}
    assert entry.area_path == other_case_person.area_path


def test_a_candidate_whose_person_is_a_case_since_is_closed_when_the_case_that_met_them_is_traced_again(world):
    """A candidate whose own case was entered without closing them (the tracer's own ms race, docs/cases.md): the
    next trace of the case that met them closes them on both databases, though it changes nothing else of theirs
    (PostgreSQL's upsert leaves such a row untouched, so its own rows alone would not find them)."""
    f0, visitor = world.person("F0"), world.person("Khách")
    for who in (f0, visitor):
        world.visit(who, world.market, 0, 60)
    case = world.case(f0)
    case_trace_checkins(case=case, now=NOW)
    assert Contact.objects.get(person=visitor).status == "candidate"
    world.case(visitor)  # entered while the trace wrote: no service closed the contact

    case_trace_checkins(case=case, now=NOW)

    assert Contact.objects.get(person=visitor).status == "became_case"
    [entry] = AuditLog.objects.filter(action="cases.contact.became_case")
    assert entry.extra["reason"] == "met_while_case"


# --- Closed contacts met again -----------------------------------------------------------------------------------

DAY = 24 * 60


def test_a_released_f1_and_a_recovered_case_met_by_a_new_case_are_candidates_again_and_pass_it_on(world):
    """One contact per person: an F1 quarantined and released in the spring, and a former F1 who became a case and
    recovered, both met by a new case in the autumn. The trace's bulk writes reopen them as candidates, their old
    quarantine dates cleared, and its F2 step traces on through them; tracing the old case again reopens nothing."""
    old_f0, released, recovered = world.person("Ca Mùa Xuân"), world.person("Đã Ra Cách Ly"), world.person("Đã Khỏi")
    for who in (old_f0, released, recovered):
        world.visit(who, world.market, -40 * DAY, -40 * DAY + 60)
    old_case = world.case(old_f0, start=-41 * DAY, end=-39 * DAY)
    case_trace_checkins(case=old_case, now=NOW)
    Contact.objects.filter(person=released).update(
        status=Contact.Status.RELEASED,
        quarantine_start=at(-39 * DAY).date(),
        quarantine_end=at(-25 * DAY).date(),
        status_changed_at=at(-25 * DAY),
    )
    own = world.case(recovered, start=-39 * DAY, end=-38 * DAY)
    Case.objects.filter(pk=own.pk).update(status=Case.Status.RECOVERED, status_changed_at=at(-30 * DAY))
    Contact.objects.filter(person=recovered).update(status=Contact.Status.BECAME_CASE, status_changed_at=at(-38 * DAY))
    case_trace_checkins(case=old_case, now=NOW)  # the old case again: its exposures came before the closures
    assert dict(Contact.objects.values_list("person__full_name", "status")) == {
        "Đã Ra Cách Ly": "released",
        "Đã Khỏi": "became_case",
    }

    new_f0, company = world.person("Ca Mùa Thu"), world.person("Bạn Của F1")
    for who in (new_f0, released, recovered):
        world.visit(who, world.school, 0, 60)
    world.visit(released, world.market, 120, 180)
    world.visit(company, world.market, 120, 180)
    new_case = world.case(new_f0)
    traced = case_trace_checkins(case=new_case, now=NOW)

    for who in (released, recovered):
        contact = Contact.objects.get(person=who)
        assert (contact.status, contact.quarantine_start, contact.quarantine_end) == ("candidate", None, None)
        assert contact.status_changed_by is None
    assert traced.f2 == 1  # not stopped by the spring's quarantine
    assert ContactLink.objects.get(case=new_case, contact__person=company).via.person == released
    moves = AuditLog.objects.filter(action="cases.contact.candidate", extra__reason="met_again")
    assert moves.count() == 2
    case_trace_checkins(case=new_case, now=NOW)
    case_trace_checkins(case=old_case, now=NOW)
    assert moves.count() == 2 and set(Contact.objects.values_list("status", flat=True)) == {"candidate"}


def test_a_contact_met_during_its_quarantine_or_its_own_illness_stays_as_it_was(world):
    """Met while still in quarantine (released since), or while ill with a case since recovered: no new exposure."""
    f0, released, ill = world.person("F0"), world.person("Trong Cách Ly"), world.person("Đang Ốm")
    for who in (f0, released, ill):
        world.visit(who, world.market, 0, 60)
    Contact.objects.create(
        person=released,
        level=1,
        status=Contact.Status.RELEASED,
        quarantine_start=at(-5 * DAY).date(),
        quarantine_end=at(9 * DAY).date(),
        status_changed_at=at(2 * DAY),
    )
    own = world.case(ill, start=-3 * DAY, end=-2 * DAY)
    Case.objects.filter(pk=own.pk).update(status=Case.Status.RECOVERED, status_changed_at=at(2 * DAY))
    Contact.objects.create(person=ill, level=1, status=Contact.Status.BECAME_CASE, status_changed_at=at(-2 * DAY))
    case_trace_checkins(case=world.case(f0), now=NOW)
    assert dict(Contact.objects.values_list("person__full_name", "status")) == {
        "Trong Cách Ly": "released",
        "Đang Ốm": "became_case",
    }


# --- The case as it is when traced --------------------------------------------------------------------------------


def test_tracing_a_case_with_onset_after_its_sample_finds_who_it_met_the_day_before_the_sample(tree, kim_tan_official):
    sample = timezone.localdate() - dt.timedelta(days=6)
    f0 = builders.person(tree["kim_tan"], "Sàng Lọc Dương Tính")
    neighbour = builders.person(tree["kim_tan"], "Người Cùng Chợ")
    market = builders.venue(tree["kim_tan"])
    day_before = builders.local(sample - dt.timedelta(days=1), 8)
    builders.checkin(f0, market, day_before, 60)
    builders.checkin(neighbour, market, day_before, 60)
    entered = services.case_create(
        actor=kim_tan_official,
        person=f0,
        sample_date=sample,
        test_type=Case.TestType.PCR,
        onset_date=sample + dt.timedelta(days=2),  # alone, the window would start on the sample day
        isolated_at=builders.local(sample, 18),
    )
    outcome = case_trace_checkins(case=entered, actor=kim_tan_official)
    assert outcome.f1 == 1
    assert Contact.objects.filter(person=neighbour).exists()


def test_a_batch_run_traces_a_case_by_its_window_as_corrected_while_the_run_was_going(
    tree, kim_tan_official, settings, monkeypatch
):
    """A part reads its cases once, then traces each under its lock: an investigator who corrects the onset of a
    later case while the run goes (a province's run takes minutes) got a trace of the old window, stamped traced_at
    after the correction, so nothing said it must be traced again."""
    settings.TRACING_BATCH_PARTS = 1
    market = builders.venue(tree["kim_tan"])
    first = builders.case(kim_tan_official, builders.person(tree["kim_tan"], "Ca Thứ Nhất"))
    f0 = builders.person(tree["kim_tan"], "Ca Thứ Hai")
    neighbour = builders.person(tree["kim_tan"], "Người Cùng Chợ")
    nine_days_ago = builders.local(timezone.localdate() - dt.timedelta(days=9), 8)
    builders.checkin(f0, market, nine_days_ago, 60)
    builders.checkin(neighbour, market, nine_days_ago, 60)
    second = builders.case(kim_tan_official, f0, days_ago=1, onset_days_ago=3)  # window from 5 days ago: not the market
    run = TracingRun.objects.create(total=2, created_by=kim_tan_official)
    run.cases.set([first, second])
    real_trace = tasks.case_trace_checkins

    def trace_while_the_investigator_corrects(**kwargs):
        if kwargs["case"].pk == first.pk:  # meanwhile, on the second case's page: onset 10 days ago
            services.case_update(
                actor=kim_tan_official, case=second, onset_date=timezone.localdate() - dt.timedelta(days=10)
            )
        return real_trace(**kwargs)

    monkeypatch.setattr(tasks, "case_trace_checkins", trace_while_the_investigator_corrects)
    tasks.tracing_run_task(run.pk)
    second.refresh_from_db()
    assert second.window_start <= nine_days_ago and second.traced_at is not None
    assert Contact.objects.filter(person=neighbour).exists()


def test_a_late_copy_past_the_bound_leaves_a_tracing_run_making_progress_alone(db, settings):
    """A copy delivered once the run has used its TASK_MAX_ATTEMPTS steps aside while the run traced a case a minute
    ago: it failed the run while its parts went on (review of 2026-12-06)."""
    from .. import tasks
    from ..models import TracingRun

    settings.TASK_MAX_ATTEMPTS, settings.TRACING_BATCH_PARTS = 3, 1
    recent = timezone.now() - dt.timedelta(minutes=1)
    run = TracingRun.objects.create(
        total=0, status="running", parts=1, attempts=3, started_at=recent, progress_at=recent
    )
    tasks.tracing_run_task(run.pk)
    run.refresh_from_db()
    assert run.status != "failed", run.error
