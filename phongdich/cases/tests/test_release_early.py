"""Ending a quarantine before its last day takes a reason (stored on the contact and audited, as a dismissal's);
a quarantine that is over, or on its last day, is ended without one. The service decides, so the case page's and
the work list's bulk form, the contact page and the API all ask it."""

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from phongdich.core.errors import ApplicationError
from phongdich.core.models import AuditLog

from .. import services
from ..models import Contact
from .builders import case, link, local, person

REASON = "Kết quả RT-PCR ngày 1 âm tính, Trạm Y tế cho về theo chỉ đạo của huyện"


def _today():
    return timezone.localdate()


@pytest.fixture
def household(tree, kim_tan_official):
    """A case with two household F1 met yesterday, both quarantined today (day 2 of 7 under CV 762/BYT-DP): Ánh,
    and Bảo, whose quarantine is then made to be over (ended today)."""
    entered = case(kim_tan_official, person(tree["kim_tan"], "Ca Bệnh"))
    yesterday = _today() - dt.timedelta(days=1)
    found = {"case": entered}
    for name in ("Ánh", "Bảo"):
        contact = link(
            person(tree["kim_tan"], f"Trần Văn {name}"),
            entered,
            source="interview",
            setting="household",
            exposure_start=local(yesterday, 8),
            exposure_end=local(yesterday, 20),
        )[0].contact
        services.contact_status_set(actor=kim_tan_official, contact=contact, status="quarantined")
        found[name] = Contact.objects.get(pk=contact.pk)
    Contact.objects.filter(pk=found["Bảo"].pk).update(quarantine_end=_today())
    found["Bảo"].refresh_from_db()
    return found


def test_an_early_release_without_a_reason_is_refused_and_with_one_it_is_stored_and_audited(
    household, kim_tan_official
):
    early = household["Ánh"]
    last_day = early.quarantine_last_day
    assert last_day > _today()
    with pytest.raises(ApplicationError) as caught:
        services.contact_status_set(actor=kim_tan_official, contact=early, status="released")
    assert caught.value.code == "contact_release_reason_required" and caught.value.status == 400
    assert caught.value.extra == {"field": "reason", "last_day": last_day.isoformat()}
    assert "lý do" in caught.value.as_dict("vi")["message"] and "reason" in caught.value.as_dict("en")["message"]
    early.refresh_from_db()
    assert early.status == Contact.Status.QUARANTINED
    services.contact_status_set(actor=kim_tan_official, contact=early, status="released", reason=f"  {REASON} ")
    early.refresh_from_db()
    assert early.status == Contact.Status.RELEASED and early.release_reason == REASON
    assert early.quarantine_end == _today()  # the card's quarantine ends today, as before
    entry = AuditLog.objects.get(action="cases.contact.released", object_id=str(early.pk))
    assert entry.extra == {"reason": REASON, "early": True, "last_day": last_day.isoformat()}


def test_a_quarantine_that_is_over_or_on_its_last_day_is_ended_without_a_reason(household, kim_tan_official):
    over = household["Bảo"]
    services.contact_status_set(actor=kim_tan_official, contact=over, status="released")
    over.refresh_from_db()
    assert over.status == Contact.Status.RELEASED and over.release_reason == ""
    last_day = household["Ánh"]
    Contact.objects.filter(pk=last_day.pk).update(quarantine_end=_today() + dt.timedelta(days=1))
    services.contact_status_set(actor=kim_tan_official, contact=Contact.objects.get(pk=last_day.pk), status="released")
    assert Contact.objects.get(pk=last_day.pk).status == Contact.Status.RELEASED


def test_a_bulk_release_without_a_reason_ends_only_the_quarantines_that_are_over(household, kim_tan_official):
    outcome = services.contacts_status_set(
        actor=kim_tan_official, contacts=[household["Ánh"], household["Bảo"]], status="released"
    )
    assert [c.pk for c in outcome.changed] == [household["Bảo"].pk]
    assert [(c.pk, e.code) for c, e in outcome.skipped] == [(household["Ánh"].pk, "contact_release_reason_required")]
    outcome = services.contacts_status_set(
        actor=kim_tan_official, contacts=[household["Ánh"]], status="released", reason=REASON
    )
    assert [c.pk for c in outcome.changed] == [household["Ánh"].pk]
    assert Contact.objects.get(pk=household["Ánh"].pk).release_reason == REASON


def test_the_case_pages_release_button_names_who_needs_a_reason(client, household, kim_tan_official):
    client.force_login(kim_tan_official)
    entered = household["case"]
    page = client.get(f"/cases/{entered.pk}/").content.decode()
    assert "kết thúc cách ly trước ngày cuối" in page  # the reason field says it serves an early release too
    body = {
        "contact": [household["Ánh"].pk],
        "status": "released",
        "form": "contacts-form-f1",
        "next": f"/cases/{entered.pk}/#contacts-f1",
    }
    response = client.post("/cases/contacts/status/", body)
    told = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("Trần Văn Ánh" in text and "lý do" in text for text in told), told
    assert Contact.objects.get(pk=household["Ánh"].pk).status == Contact.Status.QUARANTINED
    response = client.post("/cases/contacts/status/", {**body, "reason": REASON})
    assert Contact.objects.get(pk=household["Ánh"].pk).status == Contact.Status.RELEASED


def test_the_contact_page_asks_for_the_reason_and_shows_it(client, household, kim_tan_official):
    client.force_login(kim_tan_official)
    early = household["Ánh"]
    url = f"/cases/contacts/{early.pk}/"
    page = client.get(url).content.decode()
    release = page.split("status-action status-released", 1)[1].split("</form>", 1)[0]
    assert 'name="reason"' in release and early.quarantine_last_day.strftime("%d/%m/%Y") in release
    response = client.post(f"/cases/contacts/{early.pk}/status/", {"status": "released"})
    assert response.status_code == 400 and "Cần ghi lý do" in response.content.decode()
    response = client.post(f"/cases/contacts/{early.pk}/status/", {"status": "released", "reason": REASON}, follow=True)
    html = response.content.decode()
    assert response.status_code == 200 and REASON in html and "Lý do kết thúc cách ly sớm" in html


def test_the_api_asks_for_the_reason(client, household, kim_tan_official):
    client.force_login(kim_tan_official)
    url = f"/api/v1/contacts/{household['Ánh'].pk}/status/"
    refused = client.post(url, {"status": "released"}, content_type="application/json")
    assert refused.status_code == 400 and refused.json()["code"] == "contact_release_reason_required"
    done = client.post(url, {"status": "released", "reason": REASON}, content_type="application/json")
    assert done.status_code == 200 and done.json()["release_reason"] == REASON


def test_an_on_time_release_keeps_no_reason_though_the_bulk_form_sent_one(household, kim_tan_official):
    """The work list's bulk form has one reason field for a dismissal and an early release: a reason sent with the
    release of a quarantine that is over was stored and shown as "why the release came early"."""
    over = household["Bảo"]
    services.contact_status_set(actor=kim_tan_official, contact=over, status="released", reason=REASON)
    over.refresh_from_db()
    assert over.status == Contact.Status.RELEASED and over.release_reason == ""
