"""Withdrawing an import of location records (an operator's wrong file): its records stop feeding traces and are
deleted, the links made from them go, their contacts are settled on what evidence still stands."""

import datetime as dt
import random

import pytest

from phongdich.cases.models import Contact, ContactLink
from phongdich.cases.services import contact_link_add
from phongdich.core.errors import ApplicationError
from phongdich.core.models import AuditLog
from phongdich.telecom import services
from phongdich.telecom.models import SubscriberLocation, TelecomImport
from phongdich.telecom.samples import make_samples as samples
from phongdich.telecom.services import telecom_import_withdraw, telecom_prune, telecom_trace_case

from .conftest import import_bytes, local, make_case, make_person

WRONG = "Nhà mạng gửi nhầm ngày / the operator sent the wrong day"


def _stays_csv(**phones) -> str:
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
    record = import_bytes(health, _stays_csv(), name="story.csv")
    assert record.status == "done", record.errors
    return record


@pytest.fixture
def traced(health, story, areas):
    """The case traced: one F1 candidate (the contact phone, 40 minutes in TTH-KT-01) from the story's records."""
    kim_tan = areas["kim_tan"]
    case = make_case(health, make_person(kim_tan, "Lê Văn Ca", samples.CASE_PHONE))
    contact_person = make_person(kim_tan, "Bùi Thị Hoa", samples.CONTACT_PHONE)
    telecom_trace_case(case=case, actor=health)
    link = ContactLink.objects.get(case=case, source="telecom")
    assert link.contact.person == contact_person and link.contact.status == "candidate"
    return case, link.contact


def test_withdrawing_removes_the_links_made_from_it_closes_their_contacts_and_deletes_its_records(
    health, story, traced, django_capture_on_commit_callbacks
):
    case, contact = traced
    with django_capture_on_commit_callbacks(execute=True):
        outcome = telecom_import_withdraw(actor=health, import_id=story.pk, reason=WRONG)
    assert (outcome.links_removed, outcome.contacts_closed, outcome.contacts_quarantined) == (1, 1, 0)
    story.refresh_from_db()
    assert (story.status, story.withdrawn_by, story.withdrawn_reason, story.links_removed) == (
        "withdrawn",
        health,
        WRONG,
        1,
    )
    assert story.rows_imported > 0  # the import's row stays as the record of what happened
    assert not ContactLink.objects.filter(case=case).exists()
    contact.refresh_from_db()
    assert contact.status == "case_withdrawn"
    assert not SubscriberLocation.objects.filter(source_import=story).exists()  # personal data: deleted
    entry = AuditLog.objects.get(action="telecom.import.withdrawn")
    assert entry.extra["reason"] == WRONG and entry.extra["contacts_closed"] == [contact.pk]
    closed = AuditLog.objects.get(action="cases.contact.case_withdrawn")
    assert closed.extra["reason"] == "telecom_import_withdrawn" and closed.extra["case"] == case.number
    # Traced again: nothing of it is found.
    again = telecom_trace_case(case=case, actor=health).trace
    assert (again.case_records, again.links_added, again.unknown) == (0, 0, [])


def test_a_withdrawn_imports_records_feed_no_trace_even_before_they_are_deleted(health, story, areas):
    kim_tan = areas["kim_tan"]
    case = make_case(health, make_person(kim_tan, "Lê Văn Ca", samples.CASE_PHONE))
    make_person(kim_tan, "Bùi Thị Hoa", samples.CONTACT_PHONE)
    telecom_import_withdraw(actor=health, import_id=story.pk, reason=WRONG)  # the purge not run (no commit)
    assert SubscriberLocation.objects.filter(source_import=story).exists()
    trace = telecom_trace_case(case=case, actor=health).trace
    assert (trace.case_records, trace.links_added) == (0, 0)
    assert not ContactLink.objects.exists()
    # The hourly prune deletes what a purge left behind.
    assert telecom_prune()["locations"] > 0
    assert not SubscriberLocation.objects.filter(source_import=story).exists()


def test_a_contact_with_other_evidence_stays_with_its_level_and_span_from_what_stands(health, traced, story):
    case, contact = traced
    # The interview named the same person, at the case's home on 17/09.
    contact_link_add(
        person=contact.person,
        case=case,
        level=1,
        source=ContactLink.Source.INTERVIEW,
        setting=ContactLink.Setting.HOUSEHOLD,
        evidence_key="interview:1",
        exposure_start=local(2021, 9, 17, 18),
        exposure_end=local(2021, 9, 17, 20),
    )
    contact.refresh_from_db()
    assert contact.first_exposure_at == local(2021, 9, 15, 9, 30)  # the shared cell's
    outcome = telecom_import_withdraw(actor=health, import_id=story.pk, reason=WRONG)
    assert (outcome.links_removed, outcome.contacts_closed) == (1, 0)
    contact.refresh_from_db()
    assert contact.status == "candidate"
    assert (contact.first_exposure_at, contact.last_exposure_at) == (local(2021, 9, 17, 18), local(2021, 9, 17, 20))
    assert list(ContactLink.objects.values_list("source", flat=True)) == ["interview"]


def test_withdrawing_twice_is_refused_and_changes_nothing(health, story, traced):
    telecom_import_withdraw(actor=health, import_id=story.pk, reason=WRONG)
    entries = AuditLog.objects.count()
    with pytest.raises(ApplicationError) as caught:
        telecom_import_withdraw(actor=health, import_id=story.pk, reason="again")
    assert caught.value.code == "telecom_import_withdrawn" and caught.value.status == 409
    story.refresh_from_db()
    assert story.withdrawn_reason == WRONG and AuditLog.objects.count() == entries


def test_a_withdrawal_needs_a_reason_and_a_done_import_of_location_records(health, cells, story):
    with pytest.raises(ApplicationError) as caught:
        telecom_import_withdraw(actor=health, import_id=story.pk, reason="  ")
    assert (caught.value.code, caught.value.status) == ("telecom_withdraw_reason_required", 400)
    assert TelecomImport.objects.get(pk=story.pk).status == "done"
    with pytest.raises(ApplicationError) as caught:
        telecom_import_withdraw(actor=health, import_id=cells.pk, reason=WRONG)
    assert caught.value.code == "telecom_import_not_withdrawable" and caught.value.extra["kind"] == "cells"
    failed = import_bytes(health, "so_thue_bao,ma_tram,bat_dau,ket_thuc\n0123,X,1,2\n", name="bad.csv")
    with pytest.raises(ApplicationError) as caught:
        telecom_import_withdraw(actor=health, import_id=failed.pk, reason=WRONG)
    assert caught.value.code == "telecom_import_not_withdrawable" and caught.value.extra["status"] == "failed"


def test_the_service_refuses_a_reason_longer_than_is_stored_for_any_caller(health, story):
    """A management command or another app calls the service, not the page or the API: it was cut to 500 characters
    and the irreversible withdrawal done."""
    entries = AuditLog.objects.count()
    with pytest.raises(ApplicationError) as caught:
        telecom_import_withdraw(actor=health, import_id=story.pk, reason="x" * 501)
    assert (caught.value.code, caught.value.status) == ("invalid_input", 400)
    assert caught.value.as_dict("en")["extra"]["fields"] == {
        "reason": ["Ensure this value has at most 500 characters (it has 501)."]
    }
    assert caught.value.as_dict("vi")["message"] == "Giá trị này chỉ có tối đa 500 kí tự (hiện có 501)"
    assert TelecomImport.objects.get(pk=story.pk).status == "done" and AuditLog.objects.count() == entries
    # The length is the stored one: spaces collapsed, as the reason is kept.
    spaced = "y" * 250 + " " * 600 + "z" * 249
    telecom_import_withdraw(actor=health, import_id=story.pk, reason=spaced)
    assert TelecomImport.objects.get(pk=story.pk).withdrawn_reason == "y" * 250 + " " + "z" * 249


def test_only_officials_who_may_see_the_import_may_withdraw_it(story, hanoi_health, area_official, province_admin):
    with pytest.raises(ApplicationError) as caught:
        telecom_import_withdraw(actor=hanoi_health, import_id=story.pk, reason=WRONG)
    assert caught.value.code == "not_found"  # another province's import: not theirs to know of
    with pytest.raises(ApplicationError) as caught:
        telecom_import_withdraw(actor=area_official, import_id=story.pk, reason=WRONG)
    assert caught.value.code == "permission_denied"
    assert TelecomImport.objects.get(pk=story.pk).status == "done"
    telecom_import_withdraw(actor=province_admin, import_id=story.pk, reason=WRONG)  # the same area, a role that may
    assert TelecomImport.objects.get(pk=story.pk).status == "withdrawn"


def test_the_same_file_may_be_imported_again_once_withdrawn(health, story):
    telecom_import_withdraw(actor=health, import_id=story.pk, reason="imported under the wrong area by mistake")
    again = import_bytes(health, _stays_csv(), name="story.csv")
    assert again.status == "done" and again.rows_imported == story.rows_imported


def test_a_withdrawal_between_a_traces_reads_and_its_writes_leaves_no_link_to_its_records(
    health, story, areas, monkeypatch
):
    """The trace read the records, then the import was withdrawn before the trace wrote its links: it must not link
    anyone from records that are withdrawn (on PostgreSQL the trace holds the imports FOR SHARE, so the withdrawal
    waits for it instead: test_withdraw_locks)."""
    kim_tan = areas["kim_tan"]
    case = make_case(health, make_person(kim_tan, "Lê Văn Ca", samples.CASE_PHONE))
    make_person(kim_tan, "Bùi Thị Hoa", samples.CONTACT_PHONE)
    real_hold = services._imports_hold

    def withdrawn_meanwhile(import_ids):
        telecom_import_withdraw(actor=health, import_id=story.pk, reason=WRONG)
        return real_hold(import_ids)

    monkeypatch.setattr(services, "_imports_hold", withdrawn_meanwhile)
    trace = telecom_trace_case(case=case, actor=health).trace
    assert (trace.links_added, trace.case_records, trace.unknown) == (0, 0, [])
    assert not ContactLink.objects.exists() and not Contact.objects.exists()


def test_withdrawing_via_the_api(client, health, story, traced):
    client.force_login(health)
    url = f"/api/v1/telecom/imports/{story.pk}/withdraw/"
    answer = client.post(url, {"reason": WRONG}, content_type="application/json")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert (body["links_removed"], body["contacts_closed"]) == (1, 1)
    assert body["telecom_import"]["status"] == "withdrawn" and body["telecom_import"]["withdrawn_reason"] == WRONG
    again = client.post(url, {"reason": WRONG}, content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "telecom_import_withdrawn"
    missing = client.post(
        url.replace(str(story.pk), str(story.pk + 100)), {"reason": WRONG}, content_type="application/json"
    )
    assert missing.status_code == 404
    schema = client.get("/api/schema/").content.decode()
    assert "telecom_imports_withdraw" in schema


def test_the_api_refuses_a_reason_longer_than_is_stored(client, health, story):
    client.force_login(health)
    url = f"/api/v1/telecom/imports/{story.pk}/withdraw/"
    answer = client.post(url, {"reason": "x" * 501}, content_type="application/json")
    body = answer.json()
    assert answer.status_code == 400 and body["code"] == "invalid_input"
    assert body["extra"]["fields"] == {"reason": ["Giá trị này chỉ có tối đa 500 kí tự (hiện có 501)"]}
    assert TelecomImport.objects.get(pk=story.pk).status == "done"
    just_right = client.post(url, {"reason": "y" * 500}, content_type="application/json")
    assert just_right.status_code == 200 and just_right.json()["telecom_import"]["withdrawn_reason"] == "y" * 500


def test_the_import_page_withdraws_with_a_reason(client, health, story, traced):
    client.force_login(health)
    page = client.get(f"/telecom/imports/{story.pk}/").content.decode()
    assert 'id="withdraw-button"' in page and 'name="reason"' in page and "Rút lại lần nhập" in page
    refused = client.post(f"/telecom/imports/{story.pk}/withdraw/", {"reason": ""})
    assert refused.status_code == 400 and "lý do" in refused.content.decode()
    assert TelecomImport.objects.get(pk=story.pk).status == "done"
    done = client.post(f"/telecom/imports/{story.pk}/withdraw/", {"reason": WRONG}, follow=True)
    html = done.content.decode()
    assert done.status_code == 200 and 'id="import-withdrawn"' in html and WRONG in html
    assert 'id="withdraw-button"' not in html
    again = client.post(f"/telecom/imports/{story.pk}/withdraw/", {"reason": WRONG})
    assert again.status_code == 409 and 'id="withdraw-error"' in again.content.decode()
    english = client.get(f"/en/telecom/imports/{story.pk}/").content.decode()
    assert "Withdrawn on" in english and "1 contact link made from them was removed" in english


def test_a_withdrawal_repeated_with_its_idempotency_key_answers_the_first_time(client, health, story, traced):
    client.force_login(health)
    url, key = f"/api/v1/telecom/imports/{story.pk}/withdraw/", {"HTTP_IDEMPOTENCY_KEY": "withdraw-0001"}
    first = client.post(url, {"reason": WRONG}, content_type="application/json", **key)
    again = client.post(url, {"reason": WRONG}, content_type="application/json", **key)
    # Without the key a second withdrawal is 409 telecom_import_withdrawn: with it, the first answer.
    assert first.status_code == again.status_code == 200 and again.json() == first.json()
    reused = client.post(url, {"reason": "Another reason"}, content_type="application/json", **key)
    assert reused.status_code == 422 and reused.json()["code"] == "idempotency_key_reused"
