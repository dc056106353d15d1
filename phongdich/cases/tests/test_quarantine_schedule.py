"""A quarantine's test days and the health self-monitoring after it, as rule data (RULES.md §2, migration 0025):
each regime's schedule dated for a contact, the edges of the selector (the start, the last day, an early release,
the monitoring's end), the samples the testing app reports, and the work list's two follow-up filters on the page,
the API and the export."""

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from phongdich.core.dates import local_midnight
from phongdich.core.models import AuditLog
from phongdich.core.testing import download_export, make_user
from phongdich.testing.tests.builders import make_sample, make_site

from .. import services
from ..models import Contact, QuarantineRule
from ..selectors import (
    TEST_DONE,
    TEST_DUE,
    TEST_MISSED,
    TEST_NOT_NEEDED,
    TEST_UPCOMING,
    contact_quarantine_schedule,
    contact_worklist,
    worklist_follow_up,
)
from .builders import case, link, local, person

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def quarantined(tree, *, start, last=None, days_: int, protected=False, name="Trần Thị Một", **fields) -> Contact:
    """A contact in quarantine from `start`, its last exposure on `last` (default: the start), for `days_` days
    counted from it, as services._contact_status_apply stores it."""
    last = last or start
    values = {
        "status": Contact.Status.QUARANTINED,
        "first_exposure_at": local(last, 9),
        "last_exposure_at": local(last, 9),
        "quarantine_start": start,
        "quarantine_end": last + days(days_),
        "quarantine_days": days_,
        "quarantine_protected": protected,
        **fields,
    }
    return Contact.objects.create(person=person(tree["kim_tan"], name), level=1, **values)


@pytest.fixture
def site(tree):
    return make_site(tree["kim_tan"], code="KT")


def sampled(site, contact: Contact, day: dt.date, hour: int = 9):
    return make_sample(site, contact.person, collected_at=local_midnight(day) + dt.timedelta(hours=hour))


def dated(tests) -> list[tuple[tuple[int, ...], dt.date]]:
    return [(test.days, test.on) for test in tests]


# --- The rule data --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code, start, protected, quarantine_days, tests, monitoring_days, monitoring_tests",
    [
        # CĐ 600/CĐ-BCĐ: tests on day 1, 14 and 20 of 21; 7 days of monitoring with a test on its day 7.
        ("cd600_2021", dt.date(2021, 6, 1), False, 21, [((1,), 0), ((14,), 13), ((20,), 19)], 7, [((7,), 6)]),
        # CV 5599/BYT-MT: day 1, 7 and 14; 14 days of monitoring at home.
        ("cv5599_2021", dt.date(2021, 8, 2), False, 14, [((1,), 0), ((7,), 6), ((14,), 13)], 14, []),
        # CV 10696/BYT-MT: the fully vaccinated or recovered, 7 days, day 1 and 7, then 7 days; the others: nothing.
        ("cv10696_2021", dt.date(2022, 1, 3), True, 7, [((1,), 0), ((7,), 6)], 7, []),
        ("cv10696_2021", dt.date(2022, 1, 3), False, 14, [], None, []),
        # CV 762/BYT-DP: 5 days with a test on day 5, then 5 days; the others 7 days, no test given, then 3 days.
        ("cv762_2022", dt.date(2022, 3, 1), True, 5, [((5,), 4)], 5, []),
        ("cv762_2022", dt.date(2022, 3, 1), False, 7, [], 3, []),
    ],
)
def test_each_regime_dates_its_tests_and_monitoring_from_the_start(
    tree, code, start, protected, quarantine_days, tests, monitoring_days, monitoring_tests
):
    contact = quarantined(tree, start=start, days_=quarantine_days, protected=protected)

    schedule = contact_quarantine_schedule(contact=contact, today=start)

    assert schedule.rule.code == code and schedule.protected is protected and schedule.day_one == start
    assert dated(schedule.tests) == [(numbers, start + days(offset)) for numbers, offset in tests]
    assert schedule.monitoring_days == monitoring_days
    end = start + days(quarantine_days)
    assert dated(schedule.monitoring_tests) == [(numbers, end + days(offset)) for numbers, offset in monitoring_tests]
    if monitoring_days:
        assert schedule.monitoring_until == end + days(monitoring_days - 1)
    if not tests:  # what no source gives is said, not invented
        assert "not given" in schedule.rule.unconfirmed + schedule.rule.unconfirmed_unprotected


def test_the_rules_carry_the_schedule_the_migration_loaded():
    rules = {rule.code: rule for rule in QuarantineRule.objects.all()}
    assert (rules["cd600_2021"].test_days, rules["cd600_2021"].monitoring_test_days) == ("1,14,20", "7")
    assert rules["cv5599_2021"].test_days == "1,7,14" and "home" in rules["cv5599_2021"].unconfirmed
    assert (rules["cv10696_2021"].test_days, rules["cv10696_2021"].test_days_protected) == ("", "1,7")
    # The sentence on the 14 days that 0024 wrote is kept; 0025's is added (both the unprotected's since 0029).
    assert rules["cv10696_2021"].unconfirmed_unprotected.startswith("14 days for an F1 not fully vaccinated")
    assert (rules["cv762_2022"].monitoring_days, rules["cv762_2022"].monitoring_days_protected) == (3, 5)


def test_what_no_source_confirms_is_said_in_the_pages_language(client, tree, kim_tan_official):
    """The rules' `unconfirmed` sentences were English only, on the Vietnamese page too (migration 0026)."""
    rules = {rule.code: rule for rule in QuarantineRule.objects.all()}
    for rule in rules.values():
        assert bool(rule.unconfirmed_vi) == bool(rule.unconfirmed), rule.code
        assert bool(rule.unconfirmed_unprotected_vi) == bool(rule.unconfirmed_unprotected), rule.code
    assert rules["cv10696_2021"].unconfirmed_unprotected_vi.startswith("14 ngày với F1 chưa tiêm đủ liều")
    contact = quarantined(tree, start=dt.date(2022, 3, 1), days_=7)  # under CV 762, not protected
    client.force_login(kim_tan_official)
    # The precise note is the API's (and the admin's); the page says it plainly (test_official_wording).
    api = f"/api/v1/contacts/{contact.pk}/"
    vietnamese = client.get(api, HTTP_ACCEPT_LANGUAGE="vi").json()["schedule"]["unconfirmed"]
    assert "Ngày xét nghiệm của F1 chưa tiêm đủ liều (7 ngày): phần đã đọc của CV 762/BYT-DP không nêu" in vietnamese
    assert "not given in what was read" not in vietnamese
    english = client.get(api, HTTP_ACCEPT_LANGUAGE="en").json()["schedule"]["unconfirmed"]
    assert "Test days of an F1 not fully vaccinated (7 days): not given in what was read of CV 762/BYT-DP" in english
    assert "phần đã đọc" not in english
    page = client.get(f"/en/cases/contacts/{contact.pk}/").content.decode()
    assert "a setting of the province, not a national rule" in page and "phần đã đọc" not in page


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("test_days", "7,1", "ascending"),
        ("test_days", "1,7,7", "ascending"),
        ("test_days", "0,7", "start at 1"),
        ("test_days", "1;7", "commas"),
        ("test_days", "1,²", "commas"),
        ("test_days", "1,22", "after the last"),  # 21 days
        ("monitoring_test_days", "8", "after the last"),  # 7 days of monitoring
        ("test_days_protected", "1", "need"),  # CĐ 600 has no protected days
        ("monitoring_days_protected", 5, "Only a rule with protected days"),
    ],
)
def test_a_schedule_outside_its_period_or_out_of_order_is_refused(field, value, message):
    rule = QuarantineRule.objects.get(code="cd600_2021")
    setattr(rule, field, value)
    with translation.override("en"):
        with pytest.raises(ValidationError) as refused:
            rule.full_clean()
        assert message in str(refused.value.message_dict[field])


def test_day_lists_are_stored_in_one_form():
    rule = QuarantineRule.objects.get(code="cv5599_2021")
    rule.test_days = " 1, 7 ,14 "
    rule.full_clean()
    assert rule.test_days == "1,7,14"


def test_the_database_refuses_a_protected_schedule_on_a_rule_without_protected_days():
    with pytest.raises(IntegrityError), transaction.atomic():
        QuarantineRule.objects.filter(code="cd600_2021").update(test_days_protected="1")


def test_the_admin_edits_the_schedule_and_refuses_a_day_past_the_quarantine(client):
    client.force_login(make_user(is_superuser=True, is_staff=True))
    rule = QuarantineRule.objects.get(code="cv762_2022")
    url = f"/admin/cases/quarantinerule/{rule.pk}/change/"
    assert 'name="test_days_protected"' in client.get(url).content.decode()
    fields = {
        name: "" if value is None else value
        for name, value in QuarantineRule.objects.filter(pk=rule.pk).values()[0].items()
        if name != "id"
    }
    refused = client.post(url, {**fields, "test_days_protected": "5,6"})  # 5 days for the protected
    assert refused.status_code == 200 and "errorlist" in refused.content.decode()
    assert client.post(url, {**fields, "test_days": "1, 7"}).status_code == 302
    rule.refresh_from_db()
    assert (rule.test_days, rule.test_days_protected) == ("1,7", "5")


# --- The selector at the edges --------------------------------------------------------------------------------

START = dt.date(2021, 8, 2)  # CV 5599: 14 days, tests on day 1, 7 and 14, then 14 days of monitoring


def test_on_the_start_day_the_first_test_is_due_and_a_sample_that_day_does_it(tree, site):
    contact = quarantined(tree, start=START, days_=14)
    before = contact_quarantine_schedule(contact=contact, today=START)
    assert [test.state for test in before.tests] == [TEST_DUE, TEST_UPCOMING, TEST_UPCOMING]
    assert before.test_needed and before.current is before.tests[0]

    sampled(site, contact, START, hour=23)  # late in the evening, still the day in Việt Nam
    after = contact_quarantine_schedule(contact=contact, today=START)
    assert after.tests[0].state == TEST_DONE and after.tests[0].sampled_on == START and not after.test_needed


def test_a_quarantine_over_shows_its_missed_last_test_until_the_release(tree, site):
    """A row under "quarantine over: to release" showed nothing of a day-14 test never taken."""
    contact = quarantined(tree, start=START, days_=14)
    for day in (0, 6):
        sampled(site, contact, START + days(day))
    over = contact_quarantine_schedule(contact=contact, today=START + days(15))
    assert over.quarantine_over and not over.test_needed
    assert over.shown is not None and over.shown.days == (14,) and over.shown.state == TEST_MISSED

    Contact.objects.filter(pk=contact.pk).update(status=Contact.Status.RELEASED)  # released: the row moves on
    contact.refresh_from_db()
    assert contact_quarantine_schedule(contact=contact, today=START + days(15)).shown is None

    taken = quarantined(tree, start=START, days_=14, name="Lê Văn Hai")
    for day in (0, 6, 13):
        sampled(site, taken, START + days(day))
    assert contact_quarantine_schedule(contact=taken, today=START + days(15)).shown is None


def test_a_test_made_late_counts_until_the_next_test_day_and_one_made_early_does_not(tree, site):
    contact = quarantined(tree, start=START, days_=14)
    sampled(site, contact, START)
    sampled(site, contact, START + days(5))  # day 6: before day 7, counted for day 1 (already done)
    on_day_8 = contact_quarantine_schedule(contact=contact, today=START + days(7))
    assert on_day_8.tests[1].state == TEST_MISSED and on_day_8.test_needed

    sampled(site, contact, START + days(7))  # day 8
    made_up = contact_quarantine_schedule(contact=contact, today=START + days(7))
    assert made_up.tests[1].state == TEST_DONE and made_up.tests[1].late
    assert made_up.tests[1].sampled_on == START + days(7) and not made_up.test_needed


def test_the_last_day_is_day_14_and_on_the_release_day_no_test_is_asked(tree, site):
    contact = quarantined(tree, start=START, days_=14)
    last_day = contact_quarantine_schedule(contact=contact, today=START + days(13))
    assert last_day.tests[2].on == START + days(13) == contact.quarantine_end - days(1)
    assert last_day.tests[2].state == TEST_DUE and last_day.test_needed

    release_day = contact_quarantine_schedule(contact=contact, today=contact.quarantine_end)
    assert release_day.quarantine_over and release_day.tests[2].state == TEST_MISSED
    assert not release_day.test_needed  # over: to release (quarantine_over), not a test to take


def test_an_early_release_leaves_the_later_tests_unneeded_and_starts_the_monitoring(tree, site):
    contact = quarantined(tree, start=START, days_=14)
    sampled(site, contact, START)
    # Released on day 4: the release cuts the end to that day (services._contact_status_apply).
    Contact.objects.filter(pk=contact.pk).update(status=Contact.Status.RELEASED, quarantine_end=START + days(3))
    contact.refresh_from_db()

    schedule = contact_quarantine_schedule(contact=contact, today=START + days(3))

    assert schedule.day_one == START  # still counted from the last exposure
    assert [test.state for test in schedule.tests] == [TEST_DONE, TEST_NOT_NEEDED, TEST_NOT_NEEDED]
    assert (schedule.end, schedule.monitoring_until) == (START + days(3), START + days(16))
    assert schedule.in_monitoring and not schedule.test_needed


def test_the_monitoring_ends_on_its_last_day(tree):
    contact = quarantined(tree, start=START, days_=14, status=Contact.Status.RELEASED)
    end = contact.quarantine_end
    assert not contact_quarantine_schedule(contact=contact, today=end - days(1)).in_monitoring
    assert contact_quarantine_schedule(contact=contact, today=end).in_monitoring
    assert contact_quarantine_schedule(contact=contact, today=end + days(13)).in_monitoring
    assert not contact_quarantine_schedule(contact=contact, today=end + days(14)).in_monitoring


def test_a_monitoring_test_is_dated_from_the_quarantines_end(tree, site):
    start = dt.date(2021, 6, 1)  # CĐ 600: a test on day 7 after the release
    contact = quarantined(tree, start=start, days_=21, status=Contact.Status.RELEASED)
    end = contact.quarantine_end
    (test,) = contact_quarantine_schedule(contact=contact, today=end + days(6)).monitoring_tests
    assert (test.days, test.on, test.state, test.during_monitoring) == ((7,), end + days(6), TEST_DUE, True)
    sampled(site, contact, end + days(6))
    (test,) = contact_quarantine_schedule(contact=contact, today=end + days(6)).monitoring_tests
    assert test.state == TEST_DONE


def test_a_contact_reached_late_takes_the_tests_already_past_on_its_first_day(tree):
    """Exposed 8 days before the quarantine began: day 1 and day 7 are behind; one test on the start stands for
    both, and day 14 stays the quarantine's last day."""
    contact = quarantined(tree, start=START, last=START - days(8), days_=14)
    schedule = contact_quarantine_schedule(contact=contact, today=START)
    assert dated(schedule.tests) == [((1, 7), START), ((14,), START + days(5))]
    assert schedule.tests[0].state == TEST_DUE


def test_no_schedule_without_a_quarantine_or_once_the_contact_is_closed(tree):
    contact = quarantined(tree, start=START, days_=14)
    Contact.objects.filter(pk=contact.pk).update(status=Contact.Status.BECAME_CASE)
    contact.refresh_from_db()
    assert contact_quarantine_schedule(contact=contact) is None
    never = Contact.objects.create(person=person(tree["kim_tan"], "Lê Văn Hai"), level=1)
    assert contact_quarantine_schedule(contact=never) is None


# --- The work list: page, API, export --------------------------------------------------------------------------


@pytest.fixture
def regime_now():
    """A regime in force today with test days (as a province on a later regime adds one in the admin): today's
    loaded rule, CV 762, gives an F1 not fully vaccinated no test day."""
    return QuarantineRule.objects.create(
        code="test_now",
        name="Quy định thử",
        source="test",
        effective_from=TODAY() - days(40),
        days=14,
        test_days="1,7,14",
        monitoring_days=14,
    )


@pytest.fixture
def follow_ups(tree, kim_tan_official, regime_now):
    """Kim Tân: one F1 quarantined today (day 1 of 14 on the day of its last exposure: a test due), one released
    today (its monitoring begins), one quarantined whose day-1 test is done; Thạch Lâm: one with a test due."""
    entered = case(kim_tan_official, person(tree["kim_tan"], "Hoàng Văn Bệnh"))
    found = {}
    people = [("Người Chờ", "kim_tan"), ("Người Về", "kim_tan"), ("Người Xong", "kim_tan"), ("Người Ở Xa", "thach_lam")]
    for name, area in people:
        contact = link(person(tree[area], name), entered, exposure_start=local(TODAY(), 0, 5))[0].contact
        services.contact_status_set(actor=kim_tan_official, contact=contact, status="quarantined")
        found[name] = contact
    services.contact_status_set(
        actor=kim_tan_official, contact=found["Người Về"], status="released", reason="Kết quả âm tính, cho về sớm"
    )
    site = make_site(tree["kim_tan"], code="KT")
    make_sample(site, found["Người Xong"].person, collected_at=timezone.now())
    return found


def test_the_follow_up_is_scoped_and_counted(tree, kim_tan_official, thach_lam_official, district_official, follow_ups):
    mine = worklist_follow_up(viewer=kim_tan_official)
    assert mine.tests == {follow_ups["Người Chờ"].pk} and mine.monitoring == {follow_ups["Người Về"].pk}
    assert worklist_follow_up(viewer=thach_lam_official).tests == {follow_ups["Người Ở Xa"].pk}
    district = worklist_follow_up(viewer=district_official, area=tree["kim_tan"])
    assert district.tests == {follow_ups["Người Chờ"].pk}
    assert list(contact_worklist(viewer=kim_tan_official, status="tests_due")) == [follow_ups["Người Chờ"]]
    assert list(contact_worklist(viewer=kim_tan_official, status="monitoring")) == [follow_ups["Người Về"]]


def test_the_work_list_page_counts_and_filters_the_follow_up_in_both_languages(client, kim_tan_official, follow_ups):
    client.force_login(kim_tan_official)
    page = client.get("/cases/worklist/").content.decode()
    assert "1 người đang cách ly đến hạn xét nghiệm hôm nay hoặc quá hạn" in page
    assert "1 người đã kết thúc cách ly, đang tự theo dõi sức khỏe" in page
    assert f"Ngày 1 · {TODAY():%d/%m/%Y} · đến hạn hôm nay" in page

    due = client.get("/cases/worklist/", {"status": "tests_due"}).content.decode()
    assert "Người Chờ" in due and "Người Xong" not in due and "Người Về" not in due and "Người Ở Xa" not in due
    watched = client.get("/en/cases/worklist/", {"status": "monitoring"}).content.decode()
    assert "Người Về" in watched and "Người Chờ" not in watched
    until = TODAY() + days(13)
    assert f"Self-monitoring through {until:%d/%m/%Y}" in watched and "1 released, under self-monitoring" in watched
    assert AuditLog.objects.filter(action="cases.contact.listed", actor=kim_tan_official).count() == 3


def test_the_contact_page_shows_the_schedule_and_after_the_release_the_monitoring(client, kim_tan_official, follow_ups):
    client.force_login(kim_tan_official)
    waiting = client.get(f"/cases/contacts/{follow_ups['Người Chờ'].pk}/").content.decode()
    assert 'id="quarantine-schedule"' in waiting and "đến hạn hôm nay" in waiting and "chưa đến ngày" in waiting
    assert 'id="schedule-monitoring"' not in waiting  # not over yet
    released = client.get(f"/en/cases/contacts/{follow_ups['Người Về'].pk}/").content.decode()
    assert "not needed: released before" in released
    assert f"14 days, {TODAY():%d/%m/%Y} through {TODAY() + days(13):%d/%m/%Y}" in released
    assert "Under self-monitoring today." in released


def test_the_api_filters_the_follow_up_and_gives_each_row_its_schedule(client, kim_tan_official, follow_ups):
    client.force_login(kim_tan_official)
    due = client.get("/api/v1/contacts/worklist/", {"status": "tests_due"}).json()
    assert due["count"] == 1 and due["results"][0]["id"] == follow_ups["Người Chờ"].pk
    first = due["results"][0]["schedule"]["tests"][0]
    assert first == {"days": [1], "date": TODAY().isoformat(), "state": "due", "sampled_on": None}
    assert due["results"][0]["schedule"]["test_needed"] is True
    watched = client.get("/api/v1/contacts/worklist/", {"status": "monitoring"}).json()
    assert [row["id"] for row in watched["results"]] == [follow_ups["Người Về"].pk]
    assert watched["results"][0]["schedule"]["monitoring_until"] == (TODAY() + days(13)).isoformat()
    done = client.get(f"/api/v1/contacts/{follow_ups['Người Xong'].pk}/").json()["schedule"]["tests"][0]
    assert (done["state"], done["sampled_on"]) == ("done", TODAY().isoformat())
    assert client.get("/api/v1/contacts/worklist/", {"status": "tests_due?"}).status_code == 400


def test_the_export_says_the_test_and_the_monitoring_end_formula_safe(
    client, tree, kim_tan_official, follow_ups, django_capture_on_commit_callbacks
):
    client.force_login(kim_tan_official)
    _job, workbook = download_export(
        client, "/cases/worklist/export/?status=tests_due", capture=django_capture_on_commit_callbacks
    )
    sheet = workbook.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    (row,) = [dict(zip(header, values, strict=True)) for values in sheet.iter_rows(min_row=2, values_only=True)]
    assert row["Họ tên (Name)"] == "Người Chờ"
    assert row["Xét nghiệm (Test)"] == f"Ngày 1 ({TODAY():%d/%m/%Y}): đến hạn hôm nay"
    _job, workbook = download_export(
        client, "/cases/worklist/export/?status=monitoring", capture=django_capture_on_commit_callbacks
    )
    sheet = workbook.worksheets[0]
    (row,) = [dict(zip(header, values, strict=True)) for values in sheet.iter_rows(min_row=2, values_only=True)]
    assert row["Tự theo dõi sức khỏe đến hết ngày (Self-monitoring through)"].date() == TODAY() + days(13)
    assert all(cell.data_type != "f" for line in sheet.iter_rows() for cell in line)


# --- The quarantine's last day, the release, an F2 (review of 2026-12-07's new features) ------------------------


def quarantined_f1(tree, official, name, *, exposed_days_ago=0, level=1):
    """An F1 of a new case, exposed (and quarantined from) `exposed_days_ago` days ago, through the services."""
    entered = case(official, person(tree["kim_tan"], f"Ca của {name}"))
    exposure = local(TODAY() - days(exposed_days_ago), 0, 5)
    contact = link(person(tree["kim_tan"], name), entered, exposure_start=exposure, level=level)[0].contact
    services.contact_status_set(
        actor=official, contact=contact, status="quarantined", quarantine_start=TODAY() - days(exposed_days_ago)
    )
    contact.refresh_from_db()
    return contact


def test_a_sample_on_the_day_of_a_quarantine_begun_and_released_that_day_does_its_test(
    tree, kim_tan_official, regime_now, site
):
    """Released on the day the quarantine began (end = start): day 1 falls on the end, which made it "not needed"
    though the person was swabbed that day."""
    contact = quarantined_f1(tree, kim_tan_official, "Người Nhầm")
    sampled(site, contact, TODAY())
    services.contact_status_set(actor=kim_tan_official, contact=contact, status="released", reason="Nhầm người")
    contact.refresh_from_db()
    assert contact.quarantine_end == contact.quarantine_start == TODAY()

    schedule = contact_quarantine_schedule(contact=contact)

    assert (schedule.tests[0].state, schedule.tests[0].sampled_on) == (TEST_DONE, TODAY())
    assert [test.state for test in schedule.tests[1:]] == [TEST_NOT_NEEDED, TEST_NOT_NEEDED]
    assert schedule.last_day is None and contact.quarantine_last_day is None  # no whole day spent in quarantine


def test_an_early_release_on_a_test_day_with_its_sample_counts_it_done_and_without_one_not_needed(tree, site):
    contact = quarantined(tree, start=START, days_=14)
    sampled(site, contact, START)
    Contact.objects.filter(pk=contact.pk).update(status=Contact.Status.RELEASED, quarantine_end=START + days(6))
    contact.refresh_from_db()
    unswabbed = contact_quarantine_schedule(contact=contact, today=START + days(6))
    assert [test.state for test in unswabbed.tests] == [TEST_DONE, TEST_NOT_NEEDED, TEST_NOT_NEEDED]

    sampled(site, contact, START + days(6))  # day 7, the release day: swabbed before leaving
    swabbed = contact_quarantine_schedule(contact=contact, today=START + days(6))
    assert [test.state for test in swabbed.tests] == [TEST_DONE, TEST_DONE, TEST_NOT_NEEDED]
    assert swabbed.tests[1].sampled_on == START + days(6)


def test_the_work_list_and_the_export_give_the_last_day_of_quarantine_not_the_first_day_out(
    client, tree, kim_tan_official, regime_now, django_capture_on_commit_callbacks
):
    """A released F1 (14 days from 20 days ago): "Quarantine until" showed quarantine_end, the first day of the
    monitoring, beside "Self-monitoring until" its last day: one day too many at home, two "until"s that meant
    different things."""
    contact = quarantined_f1(tree, kim_tan_official, "Người Về", exposed_days_ago=20)
    services.contact_status_set(actor=kim_tan_official, contact=contact, status="released")
    contact.refresh_from_db()
    schedule = contact_quarantine_schedule(contact=contact)
    last_day = contact.quarantine_end - days(1)
    assert schedule.tests[-1].on == last_day == schedule.last_day == contact.quarantine_last_day  # day 14

    client.force_login(kim_tan_official)
    page = client.get("/en/cases/worklist/", {"status": "monitoring"}).content.decode()
    assert re.search(r'<th class="col-through"[^>]*>Quarantine through</th>', page)
    row = re.search(r"Người Về.*?</tr>", page, re.S).group(0)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    assert cells[-2] == f"{last_day:%d/%m/%Y}", cells[-2]
    assert f"Self-monitoring through {schedule.monitoring_until:%d/%m/%Y}" in cells[-1]
    vietnamese = client.get("/cases/worklist/", {"status": "monitoring"}).content.decode()
    assert re.search(r'<th class="col-through"[^>]*>Cách ly đến hết ngày</th>', vietnamese)

    _job, workbook = download_export(
        client, "/cases/worklist/export/?status=monitoring", capture=django_capture_on_commit_callbacks
    )
    sheet = workbook.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    (row,) = [dict(zip(header, values, strict=True)) for values in sheet.iter_rows(min_row=2, values_only=True)]
    assert row["Cách ly đến hết ngày (Quarantine through)"].date() == last_day

    detail = client.get(f"/api/v1/contacts/{contact.pk}/").json()
    assert detail["quarantine_end"] == contact.quarantine_end.isoformat()  # the first day out, as stored
    assert detail["quarantine_last_day"] == last_day.isoformat()
    assert detail["schedule"]["monitoring_from"] == contact.quarantine_end.isoformat()


def test_the_case_page_says_through_which_day_a_contact_is_quarantined(client, tree, kim_tan_official, regime_now):
    contact = quarantined_f1(tree, kim_tan_official, "Người Ở Nhà", exposed_days_ago=2)
    (entered,) = {link.case for link in contact.links.all()}
    client.force_login(kim_tan_official)
    page = client.get(f"/cases/{entered.pk}/").content.decode()
    assert f"đến hết ngày {contact.quarantine_end - days(1):%d/%m/%Y}" in page
    assert f"{contact.quarantine_end:%d/%m/%Y}" not in page


def test_the_contact_page_ends_the_quarantine_the_day_before_the_self_monitoring_starts(
    client, tree, kim_tan_official, regime_now
):
    contact = quarantined_f1(tree, kim_tan_official, "Người Về", exposed_days_ago=20)
    services.contact_status_set(actor=kim_tan_official, contact=contact, status="released")
    contact.refresh_from_db()
    start, end = contact.quarantine_start, contact.quarantine_end
    client.force_login(kim_tan_official)
    page = client.get(f"/cases/contacts/{contact.pk}/").content.decode()
    period = re.search(r'id="quarantine-period">(.*?)</td>', page, re.S).group(1)
    # It read "Cách ly 17/11 – 01/12" beside "Tự theo dõi sức khỏe ... từ 01/12": 01/12 in both.
    assert f"{start:%d/%m/%Y} – {end - days(1):%d/%m/%Y}" in period
    assert f"hết cách ly từ ngày {end:%d/%m/%Y}" in period
    assert f"từ {end:%d/%m/%Y} đến hết" in page  # the monitoring's first day is the first day out

    same_day = quarantined_f1(tree, kim_tan_official, "Người Nhầm")
    services.contact_status_set(actor=kim_tan_official, contact=same_day, status="released", reason="Nhầm người")
    english = client.get(f"/en/cases/contacts/{same_day.pk}/").content.decode()
    period = re.search(r'id="quarantine-period">(.*?)</td>', english, re.S).group(1)
    assert period.startswith(f"{TODAY():%d/%m/%Y}, released the same day"), period


def test_a_quarantine_over_but_not_released_is_to_release_not_under_monitoring_everywhere(
    client, tree, kim_tan_official, regime_now
):
    """Quarantine over yesterday, not released: the API said `in_monitoring` and the page "under self-monitoring
    today", while the work list's `monitoring` filter and count (released contacts) left them out. Now they are
    under "quarantine over: to release" everywhere, and the page says what applies to them."""
    contact = quarantined_f1(tree, kim_tan_official, "Người Hết", exposed_days_ago=15)
    schedule = contact_quarantine_schedule(contact=contact)
    assert schedule.quarantine_over and schedule.awaiting_release and not schedule.in_monitoring
    client.force_login(kim_tan_official)

    detail = client.get(f"/api/v1/contacts/{contact.pk}/").json()
    assert detail["status"] == "quarantined"
    assert (detail["schedule"]["in_monitoring"], detail["schedule"]["awaiting_release"]) == (False, True)
    watched = client.get("/api/v1/contacts/worklist/", {"status": "monitoring"}).json()
    assert watched["count"] == 0
    over = client.get("/api/v1/contacts/worklist/", {"status": "quarantine_over"}).json()
    assert [row["id"] for row in over["results"]] == [contact.pk]
    assert worklist_follow_up(viewer=kim_tan_official).monitoring == set()

    page = client.get(f"/en/cases/contacts/{contact.pk}/").content.decode()
    assert "Under self-monitoring today." not in page
    assert "The quarantine is over and the contact is not released yet: release them" in page
    vietnamese = client.get(f"/cases/contacts/{contact.pk}/").content.decode()
    assert "chưa được kết thúc cách ly: hãy kết thúc cách ly cho họ" in vietnamese
    listed = client.get("/en/cases/worklist/", {"status": "quarantine_over"}).content.decode()
    row = re.search(r"Người Hết.*?</tr>", listed, re.S).group(0)
    assert f"Self-monitoring through {schedule.monitoring_until:%d/%m/%Y}" in row  # going on, not "ended"

    services.contact_status_set(actor=kim_tan_official, contact=contact, status="released")
    released = client.get(f"/api/v1/contacts/{contact.pk}/").json()["schedule"]
    assert (released["in_monitoring"], released["awaiting_release"]) == (True, False)
    assert worklist_follow_up(viewer=kim_tan_official).monitoring == {contact.pk}


def test_an_f2s_schedule_says_in_both_languages_that_an_f2s_quarantine_is_unconfirmed(
    client, tree, kim_tan_official, regime_now
):
    """RULES.md §2: F2 in 2021 is in home quarantine per the QĐ 5053 handbook, its length unconfirmed; an F2 takes
    the F1's rule (docs/cases.md), and the API's `unconfirmed` said only the rule's own text."""
    f2 = quarantined_f1(tree, kim_tan_official, "Đồng Nghiệp", level=2)
    f1 = quarantined_f1(tree, kim_tan_official, "Cao Thị Vợ")
    client.force_login(kim_tan_official)
    english = client.get(f"/api/v1/contacts/{f2.pk}/", HTTP_ACCEPT_LANGUAGE="en").json()["schedule"]["unconfirmed"]
    assert "F2:" in english and "QĐ 5053/QĐ-BYT" in english and "confirm no length" in english
    vietnamese = client.get(f"/api/v1/contacts/{f2.pk}/", HTTP_ACCEPT_LANGUAGE="vi").json()["schedule"]
    assert "chưa xác nhận số ngày" in vietnamese["unconfirmed"] and "QĐ 5053/QĐ-BYT" in vietnamese["unconfirmed"]
    assert client.get(f"/api/v1/contacts/{f1.pk}/").json()["schedule"]["unconfirmed"] == ""  # the test rule's none


def _worklist_queries(client, official) -> int:
    client.force_login(official)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/cases/worklist/").status_code == 200
    return len(ctx.captured_queries)


def test_work_list_queries_do_not_grow_with_quarantined_rows(client, tree, kim_tan_official, regime_now, site):
    for n in range(3):
        contact = quarantined_f1(tree, kim_tan_official, f"Người {n}")
        make_sample(site, contact.person, collected_at=timezone.now())
    few = _worklist_queries(client, kim_tan_official)
    for n in range(3, 15):
        contact = quarantined_f1(tree, kim_tan_official, f"Người {n}")
        make_sample(site, contact.person, collected_at=timezone.now())
    assert _worklist_queries(client, kim_tan_official) == few
