"""An official's or a lab's registration of a person whose CCCD is on record (people.services.person_for_staff_entry):
before, a phone or a birth date other than the record's made a second person with the same number. Now the number
finds the record wherever it is; a name that differs goes to the record too and is shown as a warning to check, with
only initials, year of birth and commune. A citizen's own form is unchanged (docs/people.md says why)."""

from phongdich.core.audit import AuditLog
from phongdich.core.testing import make_official
from phongdich.people.models import Person

from ..models import TestRegistration
from .builders import BIRTH_1990, CCCD_1990, make_person


def _body(session, area, **changes) -> dict:
    return {
        "session": session.pk,
        "full_name": "Nguyễn Văn An",
        "id_number": CCCD_1990,
        "birth_date": BIRTH_1990.isoformat(),
        "phone": "0987000111",  # not the phone on record
        "area": area.pk,
        "reason": "screening",
        **changes,
    }


def _searched(person) -> AuditLog:
    return AuditLog.objects.get(action="people.person.identifier_searched", object_id=str(person.pk))


def test_an_officials_page_registration_goes_to_the_record_with_that_cccd(client, session, areas):
    on_record = make_person(areas["commune_b"])  # another commune's, another phone
    client.force_login(make_official("area_official", areas["commune_a"], username="xa.a"))

    response = client.post(f"/testing/sessions/{session.pk}/register/", _body(session, areas["commune_a"]))

    assert response.status_code == 302
    assert Person.objects.count() == 1 and TestRegistration.objects.get().person == on_record
    entry = _searched(on_record)
    assert entry.extra["purpose"] == f"testing.session:{session.pk}" and entry.area_path == on_record.area_path
    assert "warning" not in client.get(response["Location"]).content.decode()


def test_a_name_that_differs_is_a_warning_with_initials_and_the_record_unchanged(client, session, areas):
    on_record = make_person(areas["commune_b"], name="Trần Thị Bích")
    client.force_login(make_official("area_official", areas["commune_a"], username="xa.a"))

    response = client.post(f"/testing/sessions/{session.pk}/register/", _body(session, areas["commune_a"]), follow=True)

    html = response.content.decode()
    assert response.status_code == 200 and 'class="warning"' in html
    assert "TTB" in html, html[:3000]
    assert "Xã Cẩm Thạch" in html and "Trần Thị Bích" not in html
    assert Person.objects.count() == 1 and TestRegistration.objects.get().person == on_record
    on_record.refresh_from_db()
    assert on_record.full_name == "Trần Thị Bích" and on_record.phone == "+84912345678"
    assert _searched(on_record).extra["identity_differs"] is True


def test_the_api_names_the_record_by_initials_in_a_warning(client, session, areas):
    on_record = make_person(areas["commune_b"], name="Trần Thị Bích")
    client.force_login(make_official("lab_staff", areas["commune_a"], username="lab.a"))

    response = client.post(
        "/api/v1/testing/registrations/", _body(session, areas["commune_a"]), content_type="application/json"
    )

    assert response.status_code == 201, response.content
    [warning] = response.json()["warnings"]
    assert warning["code"] == "person_identity_differs"
    assert warning["extra"] == {
        "field": "citizen_id",
        "initials": on_record.initials,
        "birth_year": 1990,
        "commune": "Xã Cẩm Thạch",
    }
    assert "Trần Thị Bích" not in response.content.decode() and "912345678" not in response.content.decode()
    assert Person.objects.count() == 1 and TestRegistration.objects.get().person == on_record


def test_the_api_with_the_same_name_attaches_without_a_warning(client, session, areas):
    on_record = make_person(areas["commune_b"], birth_date=None)  # no date of birth on record: filled in
    client.force_login(make_official("lab_staff", areas["commune_a"], username="lab.a"))

    response = client.post(
        "/api/v1/testing/registrations/", _body(session, areas["commune_a"]), content_type="application/json"
    )

    assert response.status_code == 201 and response.json()["warnings"] == []
    assert Person.objects.count() == 1 and TestRegistration.objects.get().person == on_record
    on_record.refresh_from_db()
    assert on_record.birth_date == BIRTH_1990


def test_a_citizens_own_registration_still_makes_a_second_record(client, session, areas):
    make_person(areas["commune_b"])

    response = client.post(
        "/api/v1/testing/registrations/", _body(session, areas["commune_a"]), content_type="application/json"
    )

    assert response.status_code == 201 and "warnings" not in response.json()
    assert Person.objects.count() == 2
    assert not AuditLog.objects.filter(action="people.person.identifier_searched").exists()


def test_a_repeated_request_gives_the_warning_again_and_stores_no_initials(client, session, areas):
    from phongdich.core.models import IdempotencyKey

    make_person(areas["commune_b"], name="Trần Thị Bích")
    client.force_login(make_official("lab_staff", areas["commune_a"], username="lab.a"))
    url, body = "/api/v1/testing/registrations/", _body(session, areas["commune_a"])

    first = client.post(url, body, content_type="application/json", headers={"Idempotency-Key": "k1"})
    again = client.post(url, body, content_type="application/json", headers={"Idempotency-Key": "k1"})

    assert first.status_code == again.status_code == 201 and again.json() == first.json()
    assert first.json()["warnings"][0]["code"] == "person_identity_differs"
    assert "TTB" not in str(IdempotencyKey.objects.get(key="k1").response_body)
