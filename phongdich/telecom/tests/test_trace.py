"""Tracing a case through location records: who shared a cell long enough, idempotence, what stays apart."""

import datetime as dt
import random

import pytest

from phongdich.accounts.models import Official
from phongdich.cases.models import Contact, ContactLink
from phongdich.cases.services import contact_link_add
from phongdich.core.errors import ApplicationError
from phongdich.core.models import AuditLog
from phongdich.core.testing import make_official
from phongdich.telecom import selectors
from phongdich.telecom.models import SubscriberLocation
from phongdich.telecom.samples import make_samples as samples
from phongdich.telecom.services import telecom_trace_case

from .conftest import import_bytes, local, make_case, make_person

STORY_PHONES = {
    samples.CASE_PHONE,
    samples.CONTACT_PHONE,
    samples.SHORT_PHONE,
    samples.LATER_PHONE,
    samples.NEIGHBOUR_PHONE,
    samples.UNKNOWN_PHONE,
}


def _story_csv() -> str:
    stays = samples.scenario_stays(
        case_phone=samples.CASE_PHONE,
        contact_phone=samples.CONTACT_PHONE,
        short_phone=samples.SHORT_PHONE,
        later_phone=samples.LATER_PHONE,
        neighbour_phone=samples.NEIGHBOUR_PHONE,
        unknown_phone=samples.UNKNOWN_PHONE,
        at=dt.datetime(2021, 9, 15, 9, 0),
    )
    return samples.locations_csv(stays, random.Random(1))


@pytest.fixture
def story(health, cells):
    """The samples' story on 15/09/2021 from 09:00 (case in TTH-KT-01 09:00–10:30, then TTH-VD-01 11:00–12:20),
    imported by Thanh Hóa's health department."""
    record = import_bytes(health, _story_csv(), name="story.csv")
    assert record.status == "done", record.errors
    return record


@pytest.fixture
def people(areas):
    kim_tan = areas["kim_tan"]
    return {
        "case": make_person(kim_tan, "Lê Văn Ca", samples.CASE_PHONE),
        "contact": make_person(kim_tan, "Bùi Thị Hoa", samples.CONTACT_PHONE),
        "short": make_person(kim_tan, "Quách Văn Ngắn", samples.SHORT_PHONE),
        "later": make_person(kim_tan, "Đinh Thị Sau", samples.LATER_PHONE),
        "neighbour": make_person(kim_tan, "Hà Văn Bên", samples.NEIGHBOUR_PHONE),
    }


def _stay(phone, cell_id):
    return SubscriberLocation.objects.get(phone=phone, cell__cell_id=cell_id)


def test_tracing_links_only_the_phones_that_shared_a_cell_long_enough(health, story, people):
    case = make_case(health, people["case"])
    outcome = telecom_trace_case(case=case, actor=health)
    link = ContactLink.objects.get(case=case)
    assert link.contact.person == people["contact"]
    assert (link.level, link.source, link.setting) == (1, "telecom", "cell")
    assert link.place == "Viettel TTH-KT-01"
    assert (link.exposure_start, link.exposure_end, link.overlap_minutes) == (
        local(2021, 9, 15, 9, 30),
        local(2021, 9, 15, 10, 10),
        40,
    )
    mine, theirs = _stay(samples.CASE_PHONE, "TTH-KT-01"), _stay(samples.CONTACT_PHONE, "TTH-KT-01")
    assert link.evidence_key == f"telecom:{mine.pk}:{theirs.pk}"
    trace = outcome.trace
    assert (trace.case_records, trace.candidate_records, trace.people_found, trace.links_added) == (2, 2, 1, 1)
    # 10 minutes (SHORT), after the case left (LATER) and another cell (NEIGHBOUR): nothing. The unknown number
    # shared 30 minutes of TTH-VD-01 and matches nobody: listed, not a contact.
    assert [(u["phone"], u["overlap_minutes"], u["cells"]) for u in trace.unknown] == [
        (samples.UNKNOWN_PHONE, 30, ["Viettel TTH-VD-01"])
    ]
    assert Contact.objects.count() == 1


def test_tracing_again_adds_nothing(health, story, people):
    case = make_case(health, people["case"])
    telecom_trace_case(case=case, actor=health)
    again = telecom_trace_case(case=case, actor=health).trace
    assert (again.links_added, again.links_existing, again.people_found) == (0, 1, 1)
    assert ContactLink.objects.count() == 1 and Contact.objects.count() == 1


def test_the_minimum_overlap_is_a_setting(health, story, people, settings):
    settings.TELECOM_MIN_OVERLAP_MINUTES = 10
    case = make_case(health, people["case"])
    telecom_trace_case(case=case, actor=health)
    found = {link.contact.person.full_name: link.overlap_minutes for link in ContactLink.objects.filter(case=case)}
    assert found == {"Bùi Thị Hoa": 40, "Quách Văn Ngắn": 10}


def test_neighbouring_cells_count_only_when_the_setting_allows(health, story, people, settings):
    settings.TELECOM_NEIGHBOUR_CELL_M = 700  # KT-02 is 780 m from KT-01
    case = make_case(health, people["case"])
    telecom_trace_case(case=case, actor=health)
    assert ContactLink.objects.filter(contact__person=people["neighbour"]).count() == 0
    settings.TELECOM_NEIGHBOUR_CELL_M = 1000
    telecom_trace_case(case=case, actor=health)
    link = ContactLink.objects.get(contact__person=people["neighbour"])
    assert (link.place, link.overlap_minutes) == ("Viettel TTH-KT-02", 50)


def test_only_the_infectious_window_counts(health, story, people):
    # Isolated at 09:50: the contact's stay from 09:30 overlaps the window by 20 minutes only.
    case = make_case(health, people["case"], isolated=local(2021, 9, 15, 9, 50))
    telecom_trace_case(case=case, actor=health)
    link = ContactLink.objects.get(case=case)
    assert (link.exposure_end, link.overlap_minutes) == (local(2021, 9, 15, 9, 50), 20)


def test_records_outside_the_window_are_ignored(health, story, people):
    case = make_case(health, people["case"], onset=dt.date(2021, 9, 19), sample=dt.date(2021, 9, 19))  # from 16/09
    trace = telecom_trace_case(case=case, actor=health).trace
    assert trace.case_records == 0 and not ContactLink.objects.exists() and trace.unknown == []


def test_telecom_links_stay_apart_from_check_in_evidence(health, story, people):
    case = make_case(health, people["case"])
    contact_link_add(
        person=people["contact"],
        case=case,
        level=1,
        source="checkin",
        setting="venue",
        evidence_key="checkin:1:2:3",
        place="Chợ Kim Tân",
    )
    telecom_trace_case(case=case, actor=health)
    links = ContactLink.objects.filter(case=case).order_by("pk")
    assert [(link.source, link.place) for link in links] == [
        ("checkin", "Chợ Kim Tân"),
        ("telecom", "Viettel TTH-KT-01"),
    ]
    assert Contact.objects.count() == 1
    assert list(selectors.telecom_links(case=case)) == [links[1]]


def test_every_person_sharing_the_number_is_a_candidate(health, story, people, areas):
    relative = make_person(areas["kim_tan"], "Bùi Văn Chung", samples.CONTACT_PHONE)
    case = make_case(health, people["case"])
    telecom_trace_case(case=case, actor=health)
    linked = set(ContactLink.objects.values_list("contact__person", flat=True))
    assert linked == {people["contact"].pk, relative.pk}
    # Worded when read: test_evidence_notes.
    assert ContactLink.objects.first().note == "telecom:cell;shared=2"


def test_a_case_without_a_phone_cannot_be_traced(health, story, areas):
    case = make_case(health, make_person(areas["kim_tan"], "Không Số", ""))
    with pytest.raises(ApplicationError) as caught:
        telecom_trace_case(case=case, actor=health)
    assert caught.value.code == "telecom_case_no_phone" and caught.value.status == 409


def test_tracing_is_audited(health, story, people):
    case = make_case(health, people["case"])
    trace = telecom_trace_case(case=case, actor=health, ip="10.0.0.7").trace
    entry = AuditLog.objects.get(action="telecom.case.traced")
    assert (entry.actor, entry.object_id, entry.ip) == (health, str(case.pk), "10.0.0.7")
    assert entry.extra["trace"] == trace.pk and entry.extra["links_added"] == 1 and entry.extra["unknown"] == 1
    # What it read: the records of the imports of its area it used, and that area.
    assert (entry.extra["area_read"], entry.extra["imports_read"]) == ("38/", [story.pk])
    assert (entry.extra["case_records"], entry.extra["candidates"]) == (2, 2)


def test_unknown_numbers_are_masked_until_asked_then_in_full_to_whoever_may_trace(
    health, province_admin, area_official, story, people
):
    case = make_case(health, people["case"])
    trace = telecom_trace_case(case=case, actor=province_admin).trace
    for official in (health, province_admin):
        assert selectors.unknown_for(official, trace)[0]["phone"] == "+8439•••••66"
        assert selectors.unknown_for(official, trace, reveal=True)[0]["phone"] == samples.UNKNOWN_PHONE
    # Someone who may not trace never gets them, even asking.
    assert selectors.unknown_for(area_official, trace, reveal=True)[0]["phone"] == "+8439•••••66"
    reads = AuditLog.objects.filter(action="telecom.trace.numbers_viewed", object_id=str(case.pk))
    assert sorted(entry.actor.username for entry in reads) == ["soyte", "tinh"]
    assert reads.first().extra == {"trace": trace.pk, "numbers": 1}


def test_cells_are_worded_in_the_page_language_whatever_way_they_were_stored():
    from django.utils import translation

    with translation.override("vi"):
        assert selectors.cell_label("viettel cell TTH-KT-01") == "Trạm TTH-KT-01 (Viettel)"  # links before
        assert selectors.cell_label("Viettel TTH-KT-01") == "Trạm TTH-KT-01 (Viettel)"
        assert selectors.cell_label("mobifone M 7") == "Trạm M 7 (MobiFone)"
    with translation.override("en"):
        assert selectors.cell_label("viettel TTH-VD-01") == "Cell TTH-VD-01 (Viettel)"
    assert selectors.cell_label("Chợ Kim Tân") == "Chợ Kim Tân"  # not a cell: as it is


@pytest.mark.parametrize("role", ["area_official", "venue_staff"])
def test_officials_outside_the_health_department_cannot_trace(request, role, health, story, people):
    case = make_case(health, people["case"])
    with pytest.raises(ApplicationError) as caught:
        telecom_trace_case(case=case, actor=request.getfixturevalue(role))
    assert caught.value.code == "permission_denied"
    assert not ContactLink.objects.exists()


def test_a_case_of_another_province_is_not_found(health, hanoi_health, story, people):
    case = make_case(health, people["case"])
    with pytest.raises(ApplicationError) as caught:
        telecom_trace_case(case=case, actor=hanoi_health)
    assert caught.value.code == "not_found"


# --- Whose records a trace reads (security review of 2026-12-07) -------------------------------------------------


def test_another_province_cannot_read_our_subscribers_through_a_trace_of_its_own(areas, story, hanoi_health):
    """Hà Nội's health department enters a case of its own (phone +84988000999), imports one record of that phone: a
    whole day in Viettel's cell TTH-KT-01 of Thạch Thành (cells are the operator's, every area uses them), and
    traces it. Its upload is checked against Hà Nội's records only, so nothing stops it; the trace read every area's
    records and listed Thanh Hóa's subscribers of that cell and day, numbers in full, to Hà Nội. It reads Hà Nội's
    imports only."""
    probe = "so_thue_bao,ma_tram,bat_dau,ket_thuc\n84988000999,TTH-KT-01,15/09/2021 00:00:00,15/09/2021 23:59:00\n"
    mine = import_bytes(hanoi_health, probe, name="hanoi.csv")
    assert mine.status == "done", mine.errors
    case = make_case(hanoi_health, make_person(areas["hoan_kiem"], "Người Dò", "+84988000999"))

    trace = telecom_trace_case(case=case, actor=hanoi_health).trace

    seen = {item["phone"] for item in trace.unknown}
    assert not seen & STORY_PHONES, sorted(seen)
    assert not ContactLink.objects.filter(case=case).exists()
    assert (trace.case_records, trace.candidate_records) == (1, 0)
    entry = AuditLog.objects.get(action="telecom.case.traced", object_id=str(case.pk))
    assert (entry.extra["area_read"], entry.extra["imports_read"]) == ("01/", [mine.pk])


def test_a_case_whose_phone_was_in_another_provinces_records_is_traced_by_that_province(
    areas, story, hanoi_health, superuser, people
):
    """Hà Nội's case whose phone was in Thạch Thành's cells: Thanh Hóa's import holds those records and Hà Nội's trace
    does not read them (nothing found, nothing listed). Thanh Hóa traces with them (a case of its own:
    test_tracing_links_only_the_phones_that_shared_a_cell_long_enough), and so may a superuser (national level),
    whose traces read every area's imports."""
    case = make_case(hanoi_health, make_person(areas["hoan_kiem"], "Lê Văn Ca", samples.CASE_PHONE))
    trace = telecom_trace_case(case=case, actor=hanoi_health).trace
    assert (trace.case_records, trace.candidate_records, trace.unknown) == (0, 0, [])
    assert not ContactLink.objects.filter(case=case).exists()

    national = telecom_trace_case(case=case, actor=superuser).trace
    assert (national.case_records, national.links_added) == (2, 1)
    assert ContactLink.objects.get(case=case).contact.person == people["contact"]


def test_another_province_traces_with_its_own_copy_of_the_same_file(areas, story, hanoi_health, people):
    """The operator sent both provinces the same file: Hà Nội imports its own copy (a records file is once per area,
    not once in the platform) and traces with it."""
    copy = import_bytes(hanoi_health, _story_csv(), name="story.csv")
    assert (copy.status, copy.sha256) == ("done", story.sha256)
    case = make_case(hanoi_health, make_person(areas["hoan_kiem"], "Lê Văn Ca", samples.CASE_PHONE))
    trace = telecom_trace_case(case=case, actor=hanoi_health).trace
    assert (trace.case_records, trace.links_added) == (2, 1)
    link = ContactLink.objects.get(case=case)
    assert link.contact.person == people["contact"]
    assert link.evidence_key.split(":")[1] in {
        str(pk) for pk in SubscriberLocation.objects.filter(source_import=copy).values_list("pk", flat=True)
    }


def test_a_province_traces_with_its_districts_imports_and_a_district_not_with_the_provinces(
    health, areas, cells, people
):
    """Inside the official's area means the subtree, as for every scoped read: the province reads its districts'
    imports; a district's health office reads its own, not the province's."""
    district_health = make_official(Official.Role.HEALTH_DEPT, areas["district"], "yte_huyen")
    case = make_case(health, people["case"])
    record = import_bytes(district_health, _story_csv(), name="story.csv")
    assert record.status == "done", record.errors
    assert telecom_trace_case(case=case, actor=health).trace.links_added == 1

    other = make_case(health, make_person(areas["kim_tan"], "Lê Thị Hai", "+84912000999"))
    province_only = "so_thue_bao,ma_tram,bat_dau,ket_thuc\n84912000999,TTH-KT-01,15/09/2021 09:00,15/09/2021 10:00\n"
    assert import_bytes(health, province_only, name="province.csv").status == "done"
    assert telecom_trace_case(case=other, actor=health).trace.case_records == 1
    assert telecom_trace_case(case=other, actor=district_health).trace.case_records == 0


def test_contacts_are_written_in_person_order_as_the_check_in_tracer_locks_them(health, cells, areas):
    """A telecom trace and a check-in trace meeting the same people must lock their contacts in one order (the
    check-in tracer's upsert goes by person), or each may hold one the other waits for: a deadlock on PostgreSQL.
    Here the first record found belongs to the person created last."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    kim_tan = areas["kim_tan"]
    second = make_person(kim_tan, "Người Tạo Trước", "+84912000202")
    first = make_person(kim_tan, "Người Tạo Sau", "+84912000201")
    case = make_case(health, make_person(kim_tan, "Lê Văn Ca", samples.CASE_PHONE))
    at = dt.datetime(2021, 9, 15, 9, 0)
    stays = [
        f"{samples.CASE_PHONE},TTH-KT-01,{at:%Y-%m-%d %H:%M},{at + dt.timedelta(hours=2):%Y-%m-%d %H:%M}",
        f"+84912000201,TTH-KT-01,{at:%Y-%m-%d %H:%M},{at + dt.timedelta(minutes=90):%Y-%m-%d %H:%M}",
        f"+84912000202,TTH-KT-01,{at + dt.timedelta(minutes=20):%Y-%m-%d %H:%M},"
        f"{at + dt.timedelta(minutes=80):%Y-%m-%d %H:%M}",
    ]
    record = import_bytes(health, "phone,cell_id,start,end\n" + "\n".join(stays) + "\n", name="order.csv")
    assert record.status == "done", record.errors
    assert second.pk < first.pk

    with CaptureQueriesContext(connection) as queries:
        outcome = telecom_trace_case(case=case, actor=health)
    looked_up = [
        int(q["sql"].split('"person_id" = ')[1].split()[0])
        for q in queries.captured_queries
        if q["sql"].startswith('SELECT "cases_contact"') and '"person_id" = ' in q["sql"]
    ]
    assert looked_up == [second.pk, first.pk]
    assert outcome.trace.people_found == 2
