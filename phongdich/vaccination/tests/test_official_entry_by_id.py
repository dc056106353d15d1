"""A vaccination team's registration of a person whose CCCD is on record (people.services.person_for_staff_entry):
before, another phone made a second person with the same number. Now the number finds the record wherever it is; a
name that differs goes to the record too, with a warning naming the record by initials, year of birth and commune.
The citizen's own form is unchanged (docs/people.md says why). The team has no registration page: API only."""

import datetime as dt

from rest_framework.test import APIClient

from phongdich.core.models import AuditLog
from phongdich.core.text import fold
from phongdich.people.models import Person

from ..models import VaccinationRegistration

CCCD_1958 = "038158001234"  # a woman born in 1958, Thanh Hóa


def _on_record(area, name="Phạm Thị Lan") -> Person:
    return Person.objects.create(
        full_name=name,
        name_folded=fold(name),
        phone="+84912000111",
        birth_year=1958,
        citizen_id=CCCD_1958,
        area_path=area.path,
        address_area=area,
        created_via=Person.CreatedVia.OFFICIAL,
    )


def _register(user, area, name="Phạm Thị Lan"):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    body = {
        "full_name": name,
        "citizen_id": CCCD_1958,
        "birth_date": "1958-02-03",
        "phone": "0987654321",  # not the phone on record
        "area": area.pk,
        "priority_group": "nq21-5",
    }
    return client.post("/api/v1/vaccination/registrations/", body, format="json")


def test_a_teams_registration_goes_to_the_record_with_that_cccd(areas, staff):
    on_record = _on_record(areas["commune_b"])

    answer = _register(staff, areas["commune_a"])

    assert answer.status_code == 201, answer.content
    assert answer.json()["warnings"] == []
    assert Person.objects.count() == 1 and VaccinationRegistration.objects.get().person == on_record
    on_record.refresh_from_db()
    assert on_record.birth_date == dt.date(1958, 2, 3)  # a missing date of birth filled in, as before
    entry = AuditLog.objects.get(action="people.person.identifier_searched", object_id=str(on_record.pk))
    assert entry.extra["purpose"] == "vaccination.registration" and entry.area_path == on_record.area_path
    # Another commune's person: named by initials, not by the record's name.
    assert answer.json()["registration"]["person_name"] == on_record.initials


def test_a_name_that_differs_is_a_warning_and_the_record_is_unchanged(areas, staff):
    on_record = _on_record(areas["commune_b"], name="Lê Thị Hồng")

    answer = _register(staff, areas["commune_a"])

    assert answer.status_code == 201, answer.content
    [warning] = answer.json()["warnings"]
    assert warning["code"] == "person_identity_differs"
    assert warning["extra"] == {
        "field": "citizen_id",
        "initials": on_record.initials,
        "birth_year": 1958,
        "commune": "Xã Cẩm Thạch",
    }
    assert "Lê Thị Hồng" not in answer.content.decode() and "912000111" not in answer.content.decode()
    on_record.refresh_from_db()
    assert on_record.full_name == "Lê Thị Hồng" and on_record.birth_date is None and on_record.phone == "+84912000111"
    assert Person.objects.count() == 1 and VaccinationRegistration.objects.get().person == on_record


def test_a_citizens_own_registration_still_makes_a_second_record(areas):
    _on_record(areas["commune_b"])

    answer = _register(None, areas["commune_a"])

    assert answer.status_code == 202 and "warnings" not in answer.json()
    assert Person.objects.count() == 2
    assert not AuditLog.objects.filter(action="people.person.identifier_searched").exists()


def test_a_repeated_request_gives_the_same_answer_with_initials_and_the_warning(areas, staff):
    on_record = _on_record(areas["commune_b"], name="Lê Thị Hồng")
    client = APIClient()
    client.force_authenticate(staff)
    body = {
        "full_name": "Phạm Thị Lan",
        "citizen_id": CCCD_1958,
        "birth_date": "1958-02-03",
        "phone": "0987654321",
        "area": areas["commune_a"].pk,
        "priority_group": "nq21-5",
    }
    url = "/api/v1/vaccination/registrations/"

    first = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    again = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="k1")

    assert first.status_code == again.status_code == 201 and again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["registration"]["person_name"] == on_record.initials
    assert again.json()["warnings"][0]["code"] == "person_identity_differs"
