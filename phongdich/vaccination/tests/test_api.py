"""The API: thin over the services; error shapes and status codes; scoping answers 404."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from phongdich.core.models import AuditLog
from phongdich.people.personal_qr import personal_qr_issue

from ..models import Dose, VaccinationRegistration
from .builders import make_person, make_registration, make_session

# Booked sessions are tomorrow: a slot of today that has already ended takes no booking (slot_over).
TOMORROW = timezone.localdate() + dt.timedelta(days=1)

Status = VaccinationRegistration.Status


@pytest.fixture
def client_for():
    def make(user=None):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


def _register(client, area, slot=None, name="Phạm Thị Lan"):
    body = {
        "full_name": name,
        "birth_date": "1958-02-03",
        "phone": "0987654321",
        "area": area.pk,
        "priority_group": "nq21-5",
        "slot": slot.pk if slot else None,
    }
    return client.post("/api/v1/vaccination/registrations/", body, format="json")


def test_public_registration_answers_the_same_for_a_new_and_a_known_person(client_for, areas, site):
    slot = make_session(site, date=TOMORROW, slots=((7, 5),)).slots.get()
    first = _register(client_for(), areas["commune_a"], slot)
    second = _register(client_for(), areas["commune_a"], slot)
    assert first.status_code == second.status_code == 202
    assert first.json() == second.json()
    assert first.json()["registration"] is None and "Trạm Y tế xã Thạch Lập" in first.json()["slot"]
    assert VaccinationRegistration.objects.count() == 1


def test_public_registration_for_a_full_slot_is_409_in_both_languages(client_for, areas, site):
    slot = make_session(site, date=TOMORROW, slots=((7, 1),)).slots.get()
    make_registration(make_person(areas["commune_a"]), status=Status.BOOKED, slot=slot)
    answer = _register(client_for(), areas["commune_a"], slot)
    assert answer.status_code == 409
    body = answer.json()
    assert body["code"] == "slot_full" and body["message_vi"] and body["message_en"]


def test_registration_input_errors_are_400(client_for, areas):
    answer = client_for().post("/api/v1/vaccination/registrations/", {"full_name": "A"}, format="json")
    assert answer.status_code == 400 and answer.json()["code"] == "invalid_input"


def test_checkin_and_dose_through_the_api(client_for, areas, site, staff):
    person = make_person(areas["commune_a"])
    session = make_session(site)
    registration = make_registration(person, status=Status.INVITED, slot=session.slots.first())
    client = client_for(staff)
    checkin = client.post(
        "/api/v1/vaccination/checkins/",
        {"site": site.pk, "personal_qr": personal_qr_issue(person=person)},
        format="json",
    )
    assert checkin.status_code == 200 and checkin.json()["registration"]["status"] == "checked_in"
    skipped = client.post(
        "/api/v1/vaccination/doses/",
        {"person": person.pk, "registration": registration.pk, "product": "astrazeneca", "lot": "A1",
         "dose_number": 2, "given_on": timezone.localdate().isoformat()},
        format="json",
    )  # fmt: skip
    assert skipped.status_code == 400 and skipped.json()["code"] == "dose_number_skips"
    assert not Dose.objects.exists()
    dose = client.post(
        "/api/v1/vaccination/doses/",
        {"person": person.pk, "registration": registration.pk, "product": "astrazeneca", "lot": "A1",
         "dose_number": 1, "given_on": timezone.localdate().isoformat()},
        format="json",
    )  # fmt: skip
    assert dose.status_code == 201 and dose.json()["dose"]["dose_number"] == 1


def test_record_is_audited_and_other_communes_get_404(client_for, areas, staff, other_official):
    person = make_person(areas["commune_a"])
    Dose.objects.create(
        person=person, product_id=1, lot="L", dose_number=1, given_on=dt.date(2021, 9, 1), area_path=person.area_path
    )
    assert client_for(other_official).get(f"/api/v1/vaccination/people/{person.pk}/").status_code == 404
    answer = client_for(staff).get(f"/api/v1/vaccination/people/{person.pk}/")
    assert answer.status_code == 200 and len(answer.json()["doses"]) == 1
    assert AuditLog.objects.filter(action="vaccination.record.viewed", actor=staff).count() == 1


def test_coverage_api_scoping_and_bad_dates(client_for, areas, official, other_official):
    ok = client_for(official).get(f"/api/v1/vaccination/coverage/?area={areas['commune_a'].pk}&at=2021-11-01")
    assert ok.status_code == 200 and [b["band"] for b in ok.json()["rows"][0]["bands"]] == [18, 50, 65]
    assert (
        client_for(other_official).get(f"/api/v1/vaccination/coverage/?area={areas['commune_a'].pk}").status_code == 404
    )
    bad = client_for(official).get("/api/v1/vaccination/coverage/?at=2021-13-01")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_coverage_query"


def test_anonymous_cannot_record_doses(client_for):
    assert client_for().post("/api/v1/vaccination/doses/", {}, format="json").status_code in (401, 403)


def test_public_reference_lists(client_for, db):
    groups = client_for().get("/api/v1/vaccination/priority-groups/").json()
    assert groups[0]["code"] == "nq21-1" and len(groups) == 10
    products = {p["code"]: p for p in client_for().get("/api/v1/vaccination/products/").json()}
    assert products["janssen"]["series_doses"] == 1 and products["pfizer"]["medicinal_product"] == "EU/1/20/1528"


def test_open_sessions_leave_out_the_slots_and_sessions_that_have_ended_today(areas, site):
    """Booking refuses a slot that ended earlier today; the public list offered it all the same."""
    from .. import selectors

    ten = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(10)))
    today = make_session(site, slots=((7, 2), (11, 2)))
    over = make_session(site, slots=((7, 2), (8, 2)))
    later = make_session(site, date=TOMORROW, slots=((7, 2),))

    offered = {
        session.pk: [slot.starts_at.hour for slot in session.slots.all()]
        for session in selectors.sessions_open(now=ten)
    }

    assert offered == {today.pk: [11], later.pk: [7]} and over.pk not in offered


def test_a_checkin_repeated_with_its_key_is_read_again_and_an_unknown_field_is_refused(client_for, areas, site, staff):
    """The check-in's answer names the person (initials): the store keeps the registration's id, and the repeat
    reads it again (audited), once, 404 once the official no longer sees it. A field the check-in does not take is
    invalid_input naming it, before anything is written."""
    from phongdich.accounts.models import Official
    from phongdich.core.models import IdempotencyKey

    person = make_person(areas["commune_a"])
    session = make_session(site)
    registration = make_registration(person, status=Status.INVITED, slot=session.slots.first())
    client = client_for(staff)
    body = {"site": site.pk, "personal_qr": personal_qr_issue(person=person)}
    typo = client.post("/api/v1/vaccination/checkins/", {**body, "sites": site.pk}, format="json")
    assert typo.status_code == 400 and list(typo.json()["extra"]["fields"]) == ["sites"]
    registration.refresh_from_db()
    assert registration.status == Status.INVITED

    first = client.post("/api/v1/vaccination/checkins/", body, format="json", HTTP_IDEMPOTENCY_KEY="in-1")
    assert first.status_code == 200 and first.json()["registration"]["status"] == "checked_in"
    reads = AuditLog.objects.filter(action="vaccination.registration.viewed")
    before = reads.count()
    again = client.post("/api/v1/vaccination/checkins/", body, format="json", HTTP_IDEMPOTENCY_KEY="in-1")
    assert again.status_code == 200 and again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert reads.count() == before + 1
    assert IdempotencyKey.objects.get(key="in-1").response_body == {"id": registration.pk, "status": 200}

    Official.objects.filter(user=staff).update(area=areas["commune_b"])
    client.force_authenticate(type(staff).objects.get(pk=staff.pk))  # not the instance with its old area cached
    moved = client.post("/api/v1/vaccination/checkins/", body, format="json", HTTP_IDEMPOTENCY_KEY="in-1")
    assert moved.status_code == 404 and person.initials not in moved.content.decode()
