"""Undoing a release from quarantine made by mistake (services.contact_release_undo): within RELEASE_UNDO_HOURS, with
a reason, the contact is in quarantine again with the start, rule, days and protection it had and the end an early
release cut; refused once the hours are over, once another case reopened the contact, or once the person became a
case. Through the service, the contact page and the API, for officials of the contact's area only."""

import datetime as dt
import json
import re

import pytest
from django.utils import timezone

from phongdich.core.errors import ApplicationError
from phongdich.core.models import AuditLog, IdempotencyKey

from .. import errors, services
from ..models import Contact
from .builders import case, link, local, person

RELEASE_REASON = "Kết quả RT-PCR ngày 1 âm tính"
REASON = "Đánh dấu nhầm người trong danh sách F1: người này vẫn đang cách ly"


def _today():
    return timezone.localdate()


def _released_early(contact: Contact, actor) -> Contact:
    services.contact_status_set(actor=actor, contact=contact, status="released", reason=RELEASE_REASON)
    return Contact.objects.get(pk=contact.pk)


def _quarantined(tree, actor, *, days_ago: int) -> Contact:
    """A household F1 of a case, met `days_ago` days ago and quarantined from then: 7 days by CV 762/BYT-DP counted
    from the last exposure."""
    entered = case(actor, person(tree["kim_tan"], "Ca Bệnh"), days_ago=days_ago, onset_days_ago=days_ago + 1)
    met = _today() - dt.timedelta(days=days_ago)
    contact = link(
        person(tree["kim_tan"], "Trần Văn Ánh"),
        entered,
        source="interview",
        setting="household",
        exposure_start=local(met, 8),
        exposure_end=local(met, 20),
    )[0].contact
    services.contact_status_set(actor=actor, contact=contact, status="quarantined", quarantine_start=met)
    contact = Contact.objects.get(pk=contact.pk)
    assert contact.quarantine_end == met + dt.timedelta(days=7) and contact.quarantine_days == 7
    return contact


@pytest.fixture
def quarantined(tree, kim_tan_official):
    """Met three days ago: the quarantine's last day is three days ahead."""
    return _quarantined(tree, kim_tan_official, days_ago=3)


# --- The service ---------------------------------------------------------------------------------------------------


def test_an_early_release_undone_puts_the_quarantine_back_as_it_was(
    quarantined, kim_tan_official, django_capture_on_commit_callbacks
):
    from phongdich.healthcards.selectors import status_card_of

    start, end = quarantined.quarantine_start, quarantined.quarantine_end
    days, protected = quarantined.quarantine_days, quarantined.quarantine_protected
    with django_capture_on_commit_callbacks(execute=True):
        released = _released_early(quarantined, kim_tan_official)
    assert released.quarantine_end == _today() and released.quarantine_end_before_release == end
    assert "in_quarantine" not in status_card_of(person=released.person).reasons
    with django_capture_on_commit_callbacks(execute=True):
        undone = services.contact_release_undo(actor=kim_tan_official, contact=released, reason=f"  {REASON} ")
    contact = Contact.objects.get(pk=quarantined.pk)
    assert undone.status == contact.status == Contact.Status.QUARANTINED
    assert (contact.quarantine_start, contact.quarantine_end) == (start, end)
    assert (contact.quarantine_days, contact.quarantine_protected) == (days, protected)
    assert services.quarantine_rule_of(contact).code == services.quarantine_rule_for(start).code
    assert contact.release_reason == "" and contact.quarantine_end_before_release is None
    assert contact.status_changed_by_id == kim_tan_official.pk
    entry = AuditLog.objects.get(action="cases.contact.release_undone", object_id=str(contact.pk))
    assert entry.actor_id == kim_tan_official.pk
    assert entry.extra["reason"] == REASON and entry.extra["release_reason"] == RELEASE_REASON
    assert entry.extra["end"] == end.isoformat() and entry.extra["released_end"] == _today().isoformat()
    # The status card, computed again after the commit, says the person is in quarantine again.
    card = status_card_of(person=contact.person)
    assert card.colour == "red" and card.reasons == ["in_quarantine"]


def test_an_on_time_release_undone_is_a_quarantine_over_awaiting_release(tree, kim_tan_official):
    served = _quarantined(tree, kim_tan_official, days_ago=7)  # its seven days ended yesterday
    services.contact_status_set(actor=kim_tan_official, contact=served, status="released")  # no reason asked
    services.contact_release_undo(actor=kim_tan_official, contact=served, reason=REASON)
    contact = Contact.objects.get(pk=served.pk)
    assert contact.status == Contact.Status.QUARANTINED and contact.quarantine_end == _today()


def test_evidence_added_while_released_moves_the_end_as_it_would_have_in_quarantine(quarantined, kim_tan_official):
    """The end kept at the release, not one computed again: evidence since (a meeting before the release day, which
    reopens nothing) moves it on as quarantine_ends_extend moves a quarantine's end, and says so in the audit."""
    end = quarantined.quarantine_end
    released = _released_early(quarantined, kim_tan_official)
    later = _today() - dt.timedelta(days=2)
    link(
        released.person,
        released.links.get().case,
        source="interview",
        setting="household",
        exposure_start=local(later, 8),
        exposure_end=local(later, 20),
        key="i:later",
    )
    assert Contact.objects.get(pk=released.pk).status == Contact.Status.RELEASED  # met before its release: no reopening
    services.contact_release_undo(actor=kim_tan_official, contact=released, reason=REASON)
    contact = Contact.objects.get(pk=released.pk)
    assert contact.quarantine_end == end + dt.timedelta(days=1) == later + dt.timedelta(days=7)
    assert AuditLog.objects.filter(action="cases.contact.quarantine_extended", object_id=str(contact.pk)).exists()


def test_a_release_is_undone_only_with_a_reason_and_only_once(quarantined, kim_tan_official):
    released = _released_early(quarantined, kim_tan_official)
    for reason in ("", "   "):
        with pytest.raises(ApplicationError) as caught:
            services.contact_release_undo(actor=kim_tan_official, contact=released, reason=reason)
        assert caught.value.code == "contact_release_undo_reason_required" and caught.value.status == 400
    assert Contact.objects.get(pk=released.pk).status == Contact.Status.RELEASED
    services.contact_release_undo(actor=kim_tan_official, contact=released, reason=REASON)
    with pytest.raises(ApplicationError) as caught:
        services.contact_release_undo(actor=kim_tan_official, contact=released, reason=REASON)
    assert caught.value.code == "contact_status_transition" and caught.value.status == 409
    assert "not released" in caught.value.as_dict("en")["message"]
    assert AuditLog.objects.filter(action="cases.contact.release_undone").count() == 1


def test_a_release_is_undone_only_for_a_while_after_it(quarantined, kim_tan_official):
    released = _released_early(quarantined, kim_tan_official)
    Contact.objects.filter(pk=released.pk).update(
        status_changed_at=timezone.now() - dt.timedelta(hours=services.RELEASE_UNDO_HOURS, minutes=1)
    )
    released.refresh_from_db()
    assert services.contact_release_undo_until(released) is None
    with pytest.raises(ApplicationError) as caught:
        services.contact_release_undo(actor=kim_tan_official, contact=released, reason=REASON)
    assert caught.value.code == "contact_release_undo_closed" and caught.value.status == 409
    assert caught.value.extra == {"reason": "too_late", "hours": services.RELEASE_UNDO_HOURS}
    # A release made before the platform kept the quarantine's end stays as it is, whenever it was.
    Contact.objects.filter(pk=released.pk).update(status_changed_at=timezone.now(), quarantine_end_before_release=None)
    with pytest.raises(ApplicationError) as caught:
        services.contact_release_undo(actor=kim_tan_official, contact=released, reason=REASON)
    assert caught.value.extra["reason"] == "too_late"
    assert Contact.objects.get(pk=released.pk).status == Contact.Status.RELEASED


def test_no_undo_once_another_case_reopened_the_contact(tree, quarantined, kim_tan_official):
    released = _released_early(quarantined, kim_tan_official)
    other = case(kim_tan_official, person(tree["kim_tan"], "Ca Khác"), days_ago=0, onset_days_ago=None)
    link(released.person, other, exposure_start=local(_today(), 0, 30), exposure_end=local(_today(), 1), key="c:after")
    reopened = Contact.objects.get(pk=released.pk)
    assert reopened.status == Contact.Status.CANDIDATE  # met after the (cut) end: a new episode
    with pytest.raises(ApplicationError) as caught:
        services.contact_release_undo(actor=kim_tan_official, contact=reopened, reason=REASON)
    assert caught.value.code == "contact_release_undo_closed"
    assert caught.value.extra == {"reason": "reopened", "status": "candidate"}
    assert "another case" in caught.value.as_dict("en")["message"]
    assert Contact.objects.get(pk=released.pk).status == Contact.Status.CANDIDATE


def test_no_undo_once_the_person_became_a_case(quarantined, kim_tan_official):
    released = _released_early(quarantined, kim_tan_official)
    own = case(kim_tan_official, released.person, days_ago=0, onset_days_ago=None)
    assert Contact.objects.get(pk=released.pk).status == Contact.Status.RELEASED  # entering a case closes open ones
    with pytest.raises(ApplicationError) as caught:
        services.contact_release_undo(actor=kim_tan_official, contact=released, reason=REASON)
    assert caught.value.code == "contact_release_undo_closed"
    assert caught.value.extra == {"reason": "became_case", "case": own.number}
    assert own.number in caught.value.as_dict("vi")["message"]
    # Withdrawn (not a case after all): the release may be undone again.
    services.case_withdraw(actor=kim_tan_official, case=own, reason="RT-PCR âm tính")
    services.contact_release_undo(actor=kim_tan_official, contact=released, reason=REASON)
    assert Contact.objects.get(pk=released.pk).status == Contact.Status.QUARANTINED


def test_no_undo_when_only_withdrawn_cases_link_the_contact(quarantined, kim_tan_official):
    released = _released_early(quarantined, kim_tan_official)
    services.case_withdraw(actor=kim_tan_official, case=released.links.get().case, reason="RT-PCR âm tính")
    with pytest.raises(ApplicationError) as caught:
        services.contact_release_undo(actor=kim_tan_official, contact=released, reason=REASON)
    assert caught.value.code == "contact_no_standing_case"
    assert Contact.objects.get(pk=released.pk).status == Contact.Status.RELEASED


# --- The contact page ----------------------------------------------------------------------------------------------


def _undo_form(html: str) -> str:
    return html.split('id="release-undo"', 1)[1].split("</details>", 1)[0]


def _ticked(form: str) -> list[str]:
    """The names of the checkboxes shown ticked in `form`."""
    return re.findall(r'<input type="checkbox" name="(\w+)"[^>]*\bchecked\b', form)


def test_the_contact_page_undoes_a_release_with_a_reason_and_a_tick(client, quarantined, kim_tan_official):
    client.force_login(kim_tan_official)
    page = f"/cases/contacts/{quarantined.pk}/"
    assert 'id="release-undo"' not in client.get(page).content.decode()  # nothing to undo while in quarantine
    released = _released_early(quarantined, kim_tan_official)
    html = client.get(page).content.decode()
    assert "Nếu kết thúc cách ly nhầm, huỷ ở phần bên dưới." in html
    form = _undo_form(html)
    assert 'name="reason"' in form and 'name="confirm"' in form
    assert (quarantined.quarantine_end - dt.timedelta(days=1)).strftime("%d/%m/%Y") in form  # the last day again
    url = f"/cases/contacts/{released.pk}/release-undo/"
    for body in ({"reason": REASON}, {"confirm": "on"}, {"reason": "  ", "confirm": "on"}):
        response = client.post(url, body)
        assert response.status_code == 400 and 'id="release-undo"' in response.content.decode()
        assert _ticked(_undo_form(response.content.decode())) == []  # ticked again, knowingly
        if "reason" not in body or not body["reason"].strip():  # the service's words, not "This field is required."
            assert errors.CONTACT_RELEASE_UNDO_REASON_REQUIRED.vi in _undo_form(response.content.decode())
        assert Contact.objects.get(pk=released.pk).status == Contact.Status.RELEASED
    response = client.post(url, {"reason": REASON, "confirm": "on"}, follow=True)
    html = response.content.decode()
    assert response.status_code == 200 and "Đã huỷ việc kết thúc cách ly" in html
    assert 'id="release-undo"' not in html
    assert Contact.objects.get(pk=released.pk).status == Contact.Status.QUARANTINED


def test_a_refused_undo_comes_back_with_the_reason_and_unticked(client, quarantined, kim_tan_official):
    released = _released_early(quarantined, kim_tan_official)
    case(kim_tan_official, released.person, days_ago=0, onset_days_ago=None)
    client.force_login(kim_tan_official)
    response = client.post(f"/en/cases/contacts/{released.pk}/release-undo/", {"reason": REASON, "confirm": "on"})
    form = _undo_form(response.content.decode())
    assert response.status_code == 409 and "became case" in form and REASON in form
    assert 'name="confirm"' in form and _ticked(form) == []


def test_another_communes_official_cannot_undo_a_release(client, quarantined, kim_tan_official, thach_lam_official):
    released = _released_early(quarantined, kim_tan_official)
    client.force_login(thach_lam_official)
    response = client.post(f"/cases/contacts/{released.pk}/release-undo/", {"reason": REASON, "confirm": "on"})
    assert response.status_code == 404
    response = client.post(
        f"/api/v1/contacts/{released.pk}/release-undo/", {"reason": REASON}, content_type="application/json"
    )
    assert response.status_code == 404
    assert Contact.objects.get(pk=released.pk).status == Contact.Status.RELEASED
    assert not AuditLog.objects.filter(action="cases.contact.release_undone").exists()


# --- The API -------------------------------------------------------------------------------------------------------


def test_the_api_undoes_a_release(client, quarantined, kim_tan_official):
    released = _released_early(quarantined, kim_tan_official)
    client.force_login(kim_tan_official)
    url = f"/api/v1/contacts/{released.pk}/release-undo/"
    refused = client.post(url, {}, content_type="application/json")
    assert refused.status_code == 400 and refused.json()["code"] == "contact_release_undo_reason_required"
    done = client.post(url, {"reason": REASON}, content_type="application/json")
    answer = done.json()
    assert done.status_code == 200 and answer["status"] == "quarantined"
    assert answer["quarantine_end"] == quarantined.quarantine_end.isoformat() and answer["release_reason"] == ""
    again = client.post(url, {"reason": REASON}, content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "contact_status_transition"


def test_the_api_repeated_with_its_idempotency_key_reads_the_contact_again(client, quarantined, kim_tan_official):
    released = _released_early(quarantined, kim_tan_official)
    client.force_login(kim_tan_official)
    url, body = f"/api/v1/contacts/{released.pk}/release-undo/", json.dumps({"reason": REASON})
    first = client.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="undo-0001")
    assert first.status_code == 200
    reads = AuditLog.objects.filter(actor=kim_tan_official, action="cases.contact.viewed")
    before = reads.count()
    again = client.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="undo-0001")
    assert again.status_code == 200 and again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert reads.count() == before + 1  # read again, audited
    assert AuditLog.objects.filter(action="cases.contact.release_undone").count() == 1
    stored = json.dumps(IdempotencyKey.objects.get(key="undo-0001").response_body, ensure_ascii=False)
    assert "Trần Văn Ánh" not in stored and released.person.phone not in stored


def test_the_api_schema_lists_the_undo_with_its_idempotency_key(client, kim_tan_official):
    client.force_login(kim_tan_official)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/v1/contacts/{contact_id}/release-undo/"]["post"]
    assert operation["operationId"] == "contacts_release_undo"
    assert "Idempotency-Key" in [p["name"] for p in operation.get("parameters", []) if p.get("in") == "header"]
    assert {"400", "404", "409"} <= set(operation["responses"])
