"""Withdrawing a case that is not one (services.case_withdraw): what it set off is undone, the rest is kept, and a
withdrawn case is not traced, changed or given contacts; through the service, the case page and the API."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from phongdich.core.errors import ApplicationError
from phongdich.core.models import AuditLog

from .. import errors, services
from ..exports import _worklist_rows
from ..models import Case, Contact, ContactLink, ExposureNotice, TracingRun
from ..providers import cases_status_inputs
from ..selectors import area_counts_by_commune, cluster_list, worklist_case_levels
from ..tasks import tracing_run_part_task, tracing_run_start
from ..tracing import case_trace_checkins
from .builders import case, checkin, local, person, venue

REASON = "RT-PCR khẳng định âm tính ngày 16/09"


@pytest.fixture
def outbreak(tree, kim_tan_official, settings):
    """Case A (Ánh) at the market with Bình (F1 of A only) and Cường; Cường also at the school with case B (Bảo),
    so a contact of both; Dũng met Bình later (F2 of A only); Em, at the market too, is in quarantine."""
    settings.EXPOSURE_NOTICES_AUTO_PUBLISH = True
    settings.TRACING_MAX_LEVEL = 2
    kim_tan = tree["kim_tan"]
    market, school, shop = venue(kim_tan, "Chợ Kim Tân"), venue(kim_tan, "Trường Kim Tân"), venue(kim_tan, "Quán Tư")
    people = {name: person(kim_tan, name) for name in ("Ánh", "Bình", "Cường", "Dũng", "Em", "Bảo")}
    day = timezone.localdate() - dt.timedelta(days=2)
    for name in ("Ánh", "Bình", "Cường", "Em"):
        checkin(people[name], market, local(day, 9))
    for name in ("Bảo", "Cường"):
        checkin(people[name], school, local(day, 14))
    for name in ("Bình", "Dũng"):
        checkin(people[name], shop, local(day, 18))
    case_a = case(kim_tan_official, people["Ánh"])
    case_b = case(kim_tan_official, people["Bảo"])
    case_trace_checkins(case=case_a, actor=kim_tan_official)
    case_trace_checkins(case=case_b, actor=kim_tan_official)
    em = Contact.objects.get(person=people["Em"])
    services.contact_status_set(actor=kim_tan_official, contact=em, status=Contact.Status.QUARANTINED)
    return {"a": case_a, "b": case_b, "people": people, "market": market, "school": school}


def _contact(outbreak, name) -> Contact:
    return Contact.objects.get(person=outbreak["people"][name])


def test_withdrawing_a_case_undoes_what_it_set_off_and_keeps_the_rest(outbreak, kim_tan_official, client):
    case_a, case_b = outbreak["a"], outbreak["b"]
    assert _contact(outbreak, "Cường").level == 1
    assert ExposureNotice.objects.filter(case=case_a, published_at__isnull=False).exists()
    counts_before = {row.area.code: (row.f0, row.f1, row.f2) for row in area_counts_by_commune(viewer=kim_tan_official)}
    assert counts_before["15187"][0] == 2

    outcome = services.case_withdraw(actor=kim_tan_official, case=case_a, reason=f"  {REASON} ")

    case_a.refresh_from_db()
    assert case_a.status == Case.Status.WITHDRAWN and case_a.withdrawn_reason == REASON
    # Contacts of A alone: off the lists by the system's hand; in quarantine: left for an official, and counted.
    closed = [_contact(outbreak, name) for name in ("Bình", "Dũng")]
    assert [contact.status for contact in closed] == [Contact.Status.CASE_WITHDRAWN] * 2
    assert _contact(outbreak, "Em").status == Contact.Status.QUARANTINED
    assert outcome.contacts_closed == 2 and outcome.contacts_quarantined == 1
    # Cường, an F1 of B too, stays a candidate of B, its evidence from A kept but no reason to call.
    cuong = _contact(outbreak, "Cường")
    assert cuong.status == Contact.Status.CANDIDATE and cuong.links.filter(case=case_a).exists()
    assert worklist_case_levels([cuong])[cuong.pk] == [(case_b.number, 1)]
    # A's notices leave the public list; B's stay.
    assert outcome.notices_withdrawn >= 1
    assert not ExposureNotice.objects.filter(case=case_a, published_at__isnull=False).exists()
    assert ExposureNotice.objects.filter(case=case_b, published_at__isnull=False).exists()
    public = client.get("/cases/exposures/").content.decode()
    assert "Trường Kim Tân" in public and "Chợ Kim Tân" not in public
    # The counts: one case under treatment, and neither Bình nor Dũng any longer.
    f0, f1, f2 = {row.area.code: (row.f0, row.f1, row.f2) for row in area_counts_by_commune(viewer=kim_tan_official)}[
        "15187"
    ]
    assert f0 == 1 and f1 == counts_before["15187"][1] - 1 and f2 == counts_before["15187"][2] - 1
    entry = AuditLog.objects.get(action="cases.case.withdrawn")
    assert entry.extra["reason"] == REASON and sorted(entry.extra["contacts_closed"]) == sorted(c.pk for c in closed)
    assert entry.extra["contacts_quarantined"] == 1


def test_a_case_that_stands_meeting_them_later_lists_them_again_and_traces_on_through_them(
    outbreak, kim_tan_official, tree
):
    """Bình, closed with case A, meets case C at the shop the next day: an F1 of C again, a candidate at C's level,
    and the trace goes on through Bình to Dũng (an official's dismissal would end it there)."""
    services.case_withdraw(actor=kim_tan_official, case=outbreak["a"], reason=REASON)
    people = outbreak["people"]
    day = timezone.localdate() - dt.timedelta(days=1)
    shop = venue(tree["kim_tan"], "Quán Năm")
    carrier = person(tree["kim_tan"], "Giang")
    checkin(carrier, shop, local(day, 8))
    checkin(people["Bình"], shop, local(day, 8, 30))
    checkin(people["Dũng"], shop, local(day, 15))
    checkin(people["Bình"], shop, local(day, 15, 10))
    standing = case(kim_tan_official, carrier, days_ago=0, onset_days_ago=1)
    traced = case_trace_checkins(case=standing, actor=kim_tan_official)
    binh, dung = _contact(outbreak, "Bình"), _contact(outbreak, "Dũng")
    assert (binh.status, binh.level, binh.status_changed_by) == (Contact.Status.CANDIDATE, 1, None)
    assert binh.first_exposure_at == local(day, 8, 30)  # the new evidence's, not the withdrawn case's
    assert (dung.status, dung.level) == (Contact.Status.CANDIDATE, 2) and traced.f2 >= 1
    assert dung.links.filter(case=standing, via=binh).exists()
    # Interview evidence reopens too.
    services.case_withdraw(actor=kim_tan_official, case=standing, reason=REASON)
    assert _contact(outbreak, "Bình").status == Contact.Status.CASE_WITHDRAWN
    other = case(kim_tan_official, person(tree["kim_tan"], "Hà"))
    services.contact_link_add(
        person=people["Bình"], case=other, level=1, source="interview", setting="household", evidence_key="i:1"
    )
    assert _contact(outbreak, "Bình").status == Contact.Status.CANDIDATE


def test_a_contact_of_two_cases_takes_its_level_from_the_one_left(tree, kim_tan_official):
    kim_tan = tree["kim_tan"]
    first, second, both = (person(kim_tan, name) for name in ("Một", "Hai", "Chung"))
    case_one, case_two = case(kim_tan_official, first), case(kim_tan_official, second)
    services.contact_link_add(
        person=both, case=case_one, level=1, source="interview", setting="household", evidence_key="interview:1"
    )
    services.contact_link_add(
        person=both, case=case_two, level=2, source="interview", setting="other", evidence_key="interview:2"
    )
    assert Contact.objects.get(person=both).level == 1

    outcome = services.case_withdraw(actor=kim_tan_official, case=case_one, reason="Nhập nhầm người")

    contact = Contact.objects.get(person=both)
    assert contact.level == 2 and contact.status == Contact.Status.CANDIDATE
    assert outcome.contacts_relevelled == 1 and outcome.contacts_closed == 0


def test_the_persons_own_contact_closed_by_the_case_is_a_candidate_again(tree, kim_tan_official):
    kim_tan = tree["kim_tan"]
    source_person, neighbour = person(kim_tan, "Nguồn"), person(kim_tan, "Hàng Xóm")
    source = case(kim_tan_official, source_person)
    services.contact_link_add(
        person=neighbour, case=source, level=1, source="interview", setting="household", evidence_key="interview:1"
    )
    mistaken = case(kim_tan_official, neighbour)
    assert Contact.objects.get(person=neighbour).status == Contact.Status.BECAME_CASE

    services.case_withdraw(actor=kim_tan_official, case=mistaken, reason="Test nhanh dương tính giả")

    assert Contact.objects.get(person=neighbour).status == Contact.Status.CANDIDATE
    assert AuditLog.objects.filter(action="cases.contact.candidate", extra__reason="case_withdrawn").exists()
    # And the person may be entered again as a case, should a later test be positive.
    assert case(kim_tan_official, neighbour).status == Case.Status.UNDER_TREATMENT


def test_an_f1_in_quarantine_whose_rapid_test_rt_pcr_overturned_goes_on_serving_it(tree, kim_tan_official):
    """In quarantine, a positive rapid test makes the F1 a case (became_case); RT-PCR overturns it. The exposure and
    the quarantine it was serving still stand: back in quarantine, on the status card, not a candidate again."""
    kim_tan = tree["kim_tan"]
    source = case(kim_tan_official, person(kim_tan, "Ca Nguồn"))
    wife = person(kim_tan, "Vợ Ca Nguồn")
    start = local(timezone.localdate() - dt.timedelta(days=3), 8)
    contact = services.contact_link_add(
        person=wife,
        case=source,
        level=1,
        source="interview",
        setting="household",
        evidence_key="interview:wife",
        exposure_start=start,
        exposure_end=start + dt.timedelta(hours=12),
    )[0].contact
    services.contact_status_set(
        actor=kim_tan_official,
        contact=contact,
        status=Contact.Status.QUARANTINED,
        quarantine_start=timezone.localdate() - dt.timedelta(days=1),
    )
    false_positive = case(kim_tan_official, wife, days_ago=0, onset_days_ago=None, test_type=Case.TestType.ANTIGEN)
    assert Contact.objects.get(pk=contact.pk).status == Contact.Status.BECAME_CASE

    services.case_withdraw(actor=kim_tan_official, case=false_positive, reason=REASON)

    contact.refresh_from_db()
    assert contact.status == Contact.Status.QUARANTINED
    assert "in_quarantine_until" in cases_status_inputs(person=wife, at=timezone.now())


def _two_cases_one_contact(tree, kim_tan_official):
    """A contact of case A (met on day -5) and of case B (met on day -2), by interview."""
    kim_tan = tree["kim_tan"]
    today = timezone.localdate()
    case_a = case(kim_tan_official, person(kim_tan, "Ca A"), days_ago=1, onset_days_ago=2)
    case_b = case(kim_tan_official, person(kim_tan, "Ca B"), days_ago=1, onset_days_ago=2)
    both = person(kim_tan, "Chung")
    for of, key, day, hour in ((case_a, "interview:a", 5, 9), (case_b, "interview:b", 2, 15)):
        start = local(today - dt.timedelta(days=day), hour)
        services.contact_link_add(
            person=both,
            case=of,
            level=1,
            source="interview",
            setting="household",
            evidence_key=key,
            exposure_start=start,
            exposure_end=start + dt.timedelta(hours=1),
        )
    return case_a, case_b, both


def test_a_contact_of_two_cases_takes_its_exposure_span_from_the_one_left(tree, kim_tan_official):
    """The work list's "first exposure" and the earliest a quarantine may start read the span: after A's withdrawal
    it is B's alone (it kept A's day -5)."""
    case_a, case_b, both = _two_cases_one_contact(tree, kim_tan_official)
    b_link = ContactLink.objects.get(case=case_b)

    services.case_withdraw(actor=kim_tan_official, case=case_a, reason=REASON)

    contact = Contact.objects.get(person=both)
    assert (contact.first_exposure_at, contact.last_exposure_at) == (b_link.exposure_start, b_link.exposure_end)
    [row] = list(
        _worklist_rows(Contact.objects.filter(pk=contact.pk).select_related("person"), viewer=kim_tan_official)
    )
    assert row[9] == b_link.exposure_start
    with pytest.raises(ApplicationError) as refused:
        services.contact_status_set(
            actor=kim_tan_official,
            contact=contact,
            status=Contact.Status.QUARANTINED,
            quarantine_start=timezone.localdate() - dt.timedelta(days=4),  # before B's only evidence (day -2)
        )
    assert refused.value.error.code == "quarantine_date_invalid"


def test_the_persons_contact_stays_closed_when_they_had_a_real_case_before(tree, kim_tan_official):
    kim_tan = tree["kim_tan"]
    source, patient = person(kim_tan, "Nguồn"), person(kim_tan, "Bệnh Nhân")
    services.contact_link_add(
        person=patient,
        case=case(kim_tan_official, source),
        level=1,
        source="interview",
        setting="household",
        evidence_key="i:1",
    )
    real = case(kim_tan_official, patient, days_ago=30, onset_days_ago=31)
    services.case_status_set(actor=kim_tan_official, case=real, status=Case.Status.RECOVERED)
    mistaken = case(kim_tan_official, patient)
    services.case_withdraw(actor=kim_tan_official, case=mistaken, reason="Nhập nhầm")
    assert Contact.objects.get(person=patient).status == Contact.Status.BECAME_CASE


def test_a_withdrawn_case_cannot_be_named_as_a_source(tree, kim_tan_official, client):
    mistaken = case(kim_tan_official, person(tree["kim_tan"], "Nhầm"))
    services.case_withdraw(actor=kim_tan_official, case=mistaken, reason="Nhập nhầm")
    client.force_login(kim_tan_official)
    body = {
        "person": person(tree["kim_tan"], "Mới").pk,
        "sample_date": str(timezone.localdate()),
        "test_type": "pcr",
        "infected_by": mistaken.number,
    }
    answer = client.post("/api/v1/cases/", body, content_type="application/json")
    assert answer.status_code == 400 and answer.json()["extra"]["reason"] == "withdrawn"
    assert mistaken.number in answer.json()["message_vi"]


def test_a_case_that_named_a_source_since_withdrawn_is_still_edited(tree, kim_tan_official, client):
    source = case(kim_tan_official, person(tree["kim_tan"], "Nguồn"))
    infected = case(kim_tan_official, person(tree["kim_tan"], "Lây"), infected_by=source)
    services.case_withdraw(actor=kim_tan_official, case=source, reason="Nhập nhầm")
    client.force_login(kim_tan_official)
    answer = client.patch(
        f"/api/v1/cases/{infected.pk}/", {"notes": "Gọi lại", "infected_by": source.number}, "application/json"
    )
    assert answer.status_code == 200, answer.json()
    infected.refresh_from_db()
    assert infected.notes == "Gọi lại" and infected.infected_by_id == source.pk
    page = client.get(f"/cases/{infected.pk}/").content.decode()
    assert 'id="source-withdrawn"' in page  # the page says the named source is not a case
    assert 'id="source-withdrawn"' not in client.get(f"/cases/{source.pk}/").content.decode()
    other = case(kim_tan_official, person(tree["kim_tan"], "Khác"))
    refused = client.patch(f"/api/v1/cases/{other.pk}/", {"infected_by": source.number}, "application/json")
    assert refused.status_code == 400 and refused.json()["extra"]["reason"] == "withdrawn"


def test_a_reopened_contact_is_the_systems_move_and_audited(outbreak, kim_tan_official, tree):
    services.case_withdraw(actor=kim_tan_official, case=outbreak["a"], reason=REASON)
    binh = _contact(outbreak, "Bình")
    assert binh.status_changed_by == kim_tan_official
    services.contact_link_add(
        person=outbreak["people"]["Bình"],
        case=outbreak["b"],
        level=1,
        source="interview",
        setting="household",
        evidence_key="i:9",
        actor=kim_tan_official,
    )
    binh.refresh_from_db()
    assert binh.status == Contact.Status.CANDIDATE and binh.status_changed_by is None
    assert AuditLog.objects.filter(action="cases.contact.candidate", extra__reason="met_again").exists()


def test_the_persons_card_is_computed_again_when_the_case_is_entered_and_withdrawn(
    tree, kim_tan_official, django_capture_on_commit_callbacks
):
    from phongdich.healthcards.selectors import status_card_of

    who = person(tree["kim_tan"], "Thẻ")
    with django_capture_on_commit_callbacks(execute=True):
        entered = case(kim_tan_official, who)
    card = status_card_of(person=who)
    assert card.colour == "red" and "active_case" in card.reasons
    with django_capture_on_commit_callbacks(execute=True):
        services.case_withdraw(actor=kim_tan_official, case=entered, reason=REASON)
    card = status_card_of(person=who)
    assert "active_case" not in card.reasons


def test_a_withdrawn_case_is_not_traced_changed_or_given_contacts(outbreak, kim_tan_official):
    case_a = outbreak["a"]
    services.case_withdraw(actor=kim_tan_official, case=case_a, reason=REASON)
    links_before = case_a.links.count()
    for attempt in (
        lambda: case_trace_checkins(case=case_a, actor=kim_tan_official),
        lambda: services.case_update(actor=kim_tan_official, case=case_a, notes="x"),
        lambda: services.contact_link_add(
            person=outbreak["people"]["Bảo"],
            case=case_a,
            level=1,
            source="interview",
            setting="other",
            evidence_key="interview:9",
        ),
    ):
        with pytest.raises(ApplicationError) as refused:
            attempt()
        assert refused.value.code == "case_withdrawn" and refused.value.status == 409
    assert case_a.links.count() == links_before
    for attempt in (
        lambda: services.case_withdraw(actor=kim_tan_official, case=case_a, reason=REASON),
        lambda: services.case_status_set(actor=kim_tan_official, case=case_a, status=Case.Status.RECOVERED),
    ):
        with pytest.raises(ApplicationError) as refused:
            attempt()
        assert refused.value.code == "case_status_transition"


def test_only_a_case_under_treatment_is_withdrawn_and_only_with_a_reason(tree, kim_tan_official):
    entered = case(kim_tan_official, person(tree["kim_tan"]))
    with pytest.raises(ApplicationError) as refused:
        services.case_withdraw(actor=kim_tan_official, case=entered, reason="   ")
    assert refused.value.code == "case_withdraw_reason_required"
    services.case_status_set(actor=kim_tan_official, case=entered, status=Case.Status.RECOVERED, date_confirmed=True)
    with pytest.raises(ApplicationError) as refused:
        services.case_withdraw(actor=kim_tan_official, case=entered, reason=REASON)
    assert refused.value.code == "case_status_transition"
    entered.refresh_from_db()
    assert entered.status == Case.Status.RECOVERED and entered.withdrawn_reason == ""


def test_a_batch_run_leaves_out_withdrawn_cases_and_skips_one_withdrawn_meanwhile(outbreak, kim_tan_official):
    case_a, case_b = outbreak["a"], outbreak["b"]
    Case.objects.update(traced_at=None)
    run = tracing_run_start(actor=kim_tan_official, cases=[case_a, case_b])
    assert run.total == 2
    services.case_withdraw(actor=kim_tan_official, case=case_a, reason=REASON)  # before the worker gets to it
    TracingRun.objects.filter(pk=run.pk).update(status=TracingRun.Status.RUNNING, started_at=timezone.now())
    result = tracing_run_part_task(run.pk, [case_a.pk, case_b.pk])
    run.refresh_from_db()
    assert result["status"] == TracingRun.Status.DONE and run.done == 2
    case_a.refresh_from_db()
    case_b.refresh_from_db()
    assert case_a.traced_at is None and case_b.traced_at is not None
    later = tracing_run_start(actor=kim_tan_official, cases=[case_a, case_b])
    assert later.total == 1 and list(later.cases.all()) == [case_b]


# --- The case page --------------------------------------------------------------------------------------------


def test_the_case_page_withdraws_with_a_reason_and_a_tick_and_then_says_so(outbreak, kim_tan_official, client):
    client.force_login(kim_tan_official)
    case_a = outbreak["a"]
    # The form posts to the page itself, naming itself (views.case_detail); until 2026-12-07 to /withdraw/.
    url, form = f"/cases/{case_a.pk}/", 'name="case_form" value="withdraw"'
    page = client.get(url).content.decode()
    assert f'action="{url}#withdraw"' in page and form in page and 'id="trace-button"' in page
    for body in ({"reason": REASON}, {"confirm": "on"}, {"reason": "  ", "confirm": "on"}):
        response = client.post(url, {"case_form": "withdraw", **body})
        assert response.status_code == 400 and 'id="withdraw"' in response.content.decode()
        if "reason" not in body or not body["reason"].strip():  # the service's words, not "This field is required."
            assert errors.CASE_WITHDRAW_REASON_REQUIRED.vi in response.content.decode()
        case_a.refresh_from_db()
        assert case_a.status == Case.Status.UNDER_TREATMENT
    response = client.post(url, {"case_form": "withdraw", "reason": REASON, "confirm": "on"}, follow=True)
    html = response.content.decode()
    assert response.status_code == 200 and 'id="case-withdrawn"' in html and REASON in html
    assert 'id="trace-button"' not in html and 'id="interview"' not in html and form not in html
    assert "Đã huỷ" in html or "không phải ca bệnh" in html
    # Forms sent from a tab opened before: refused in words on the page (the forms are gone from it), nothing done.
    response = client.post(f"/cases/{case_a.pk}/trace/", follow=True)
    assert "đã bị huỷ" in response.content.decode()
    for action, body in (("edit", {"notes": "x"}), ("status", {"status": "recovered"}), ("interview", {})):
        response = client.post(f"/cases/{case_a.pk}/{action}/", body, follow=True)
        assert response.status_code == 200 and "đã bị huỷ" in response.content.decode(), action
    case_a.refresh_from_db()
    assert case_a.status == Case.Status.WITHDRAWN and case_a.notes == ""


def test_another_communes_official_cannot_withdraw(outbreak, thach_lam_official, client):
    client.force_login(thach_lam_official)
    response = client.post(f"/cases/{outbreak['a'].pk}/withdraw/", {"reason": REASON, "confirm": "on"})
    assert response.status_code == 404
    assert Case.objects.get(pk=outbreak["a"].pk).status == Case.Status.UNDER_TREATMENT


# --- The API --------------------------------------------------------------------------------------------------


def test_the_api_withdraws_and_refuses_plainly(outbreak, kim_tan_official, client):
    client.force_login(kim_tan_official)
    url = f"/api/v1/cases/{outbreak['a'].pk}/withdraw/"
    refused = client.post(url, {}, content_type="application/json")
    assert refused.status_code == 400
    answer = refused.json()
    assert answer["code"] == "case_withdraw_reason_required" and answer["message_vi"] and answer["message_en"]
    done = client.post(url, {"reason": REASON}, content_type="application/json")
    assert done.status_code == 200
    body = done.json()
    assert body["case"]["status"] == "withdrawn" and body["case"]["withdrawn_reason"] == REASON
    assert body["contacts_closed"] == 2 and body["contacts_quarantined"] == 1
    again = client.post(url, {"reason": REASON}, content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "case_status_transition"


def test_a_withdrawn_case_leaves_its_clusters_graph_and_count(tree, kim_tan_official, client):
    cluster = services.cluster_create(actor=kim_tan_official, name="Chợ Kim Tân", area_path=tree["kim_tan"].path)
    kept = case(kim_tan_official, person(tree["kim_tan"], "Thật"), cluster=cluster)
    mistaken = case(kim_tan_official, person(tree["kim_tan"], "Nhầm"), cluster=cluster, infected_by=kept)
    services.case_withdraw(actor=kim_tan_official, case=mistaken, reason="Nhập nhầm người")
    client.force_login(kim_tan_official)
    graph = client.get(f"/api/v1/clusters/{cluster.pk}/graph/").json()
    assert [node["data"]["label"] for node in graph["nodes"]] == [kept.number] and graph["cases"] == 1
    assert cluster_list(viewer=kim_tan_official).get().cases_count == 1  # the clusters page's count


def test_a_quarantine_of_many_computes_their_cards_again_in_the_background(
    tree, kim_tan_official, django_capture_on_commit_callbacks
):
    from phongdich.healthcards.selectors import status_card_of

    source = case(kim_tan_official, person(tree["kim_tan"], "Nguồn"))
    household = [person(tree["kim_tan"], name) for name in ("Một", "Hai")]
    for index, who in enumerate(household):
        services.contact_link_add(
            person=who, case=source, level=1, source="interview", setting="household", evidence_key=f"i:{index}"
        )
    contacts = list(Contact.objects.filter(person__in=household))
    with django_capture_on_commit_callbacks(execute=True):  # the task runs eagerly in the tests
        services.contacts_status_set(actor=kim_tan_official, contacts=contacts, status=Contact.Status.QUARANTINED)
    for who in household:
        card = status_card_of(person=who)
        assert card.colour == "red" and card.reasons == ["in_quarantine"]


def _withdraw_form(html: str) -> str:
    return html.split('id="withdraw"', 1)[1].split("</details>", 1)[0]


def _ticked(form: str) -> list[str]:
    """The names of the checkboxes shown ticked in `form`."""
    return re.findall(r'<input type="checkbox" name="(\w+)"[^>]*\bchecked\b', form)


def test_a_refused_withdrawal_comes_back_with_its_reason_and_unticked(tree, kim_tan_official, client):
    """The official confirms again what they send next: until 2026-12-07 the form came back with its tick ticked, and
    a reason typed after the refusal was sent on the tick given to the one refused."""
    sick = case(kim_tan_official, person(tree["kim_tan"], "Lê Văn Rút"), days_ago=21, onset_days_ago=22)
    client.force_login(kim_tan_official)
    url = f"/cases/{sick.pk}/withdraw/"
    # Refused by the form (a reason of spaces only): the reason field and the tick are there, the tick unticked.
    response = client.post(url, {"reason": "  ", "confirm": "on"})
    form = _withdraw_form(response.content.decode())
    assert response.status_code == 400 and 'name="confirm"' in form and 'name="reason"' in form
    assert _ticked(form) == []
    # Refused by the service: the outcome was recorded from another tab since this page was opened.
    services.case_status_set(actor=kim_tan_official, case=sick, status="recovered")
    response = client.post(url, {"reason": REASON, "confirm": "on"})
    assert response.status_code == 409
    form = _withdraw_form(response.content.decode())
    assert 'role="alert"' in form and REASON in form and 'name="confirm"' in form and _ticked(form) == []
    sick.refresh_from_db()
    assert sick.status == Case.Status.RECOVERED
