"""Control staff entering a paper form whose CCCD is on record (people.services.person_for_staff_entry): before,
another phone made a second person with the same number. Now the number finds the record wherever it is when the
name and year of birth are the record's; another name is refused (person_id_on_record, 409), never attached: a
check-in on the wrong record makes the wrong F1, and venue staff are not shown who is on record."""

import json

import pytest

from phongdich.checkins.models import CheckIn
from phongdich.core.models import AuditLog
from phongdich.core.testing import make_province_with_communes, make_user, without_random_tokens
from phongdich.core.text import fold
from phongdich.people.models import Person

from .builders import add_member, clear_caches, make_venue
from .test_pages_staff import paper_form

pytestmark = pytest.mark.django_db

CCCD = "038058001234"  # paper_form's: a man born in 1958


@pytest.fixture(autouse=True)
def _fresh_caches():
    clear_caches()
    yield
    clear_caches()


@pytest.fixture
def areas(db):
    return make_province_with_communes()


@pytest.fixture
def venue(areas):
    return make_venue(areas["commune_a"], name="Chợ Thạch Lập")


@pytest.fixture
def client_staff(client, venue):
    staff = make_user("staff-a")
    add_member(venue, staff)
    client.force_login(staff)
    return client


def _on_record(area, name="Phạm Văn Đức") -> Person:
    return Person.objects.create(
        full_name=name,
        name_folded=fold(name),
        phone="+84912000111",  # not the paper form's
        birth_year=1958,
        citizen_id=CCCD,
        area_path=area.path,
        address_area=area,
        created_via=Person.CreatedVia.OFFICIAL,
    )


def _api_body(venue) -> dict:
    form = paper_form(venue)
    return {
        "venue": venue.pk,
        "full_name": form["full_name"],
        "phone": form["phone"],
        "birth_year": 1958,
        "citizen_id": CCCD,
        "has_symptoms": False,
        "had_contact": False,
        "travelled": False,
    }


def _searched(person) -> AuditLog:
    return AuditLog.objects.get(action="people.person.identifier_searched", object_id=str(person.pk))


def test_the_paper_page_checks_in_the_record_with_that_cccd(client_staff, venue, areas):
    on_record = _on_record(areas["commune_b"])

    response = client_staff.post("/checkins/paper/", paper_form(venue))

    assert response.status_code == 302
    assert Person.objects.count() == 1 and CheckIn.objects.get().person == on_record
    assert _searched(on_record).extra["purpose"] == f"checkins.venue:{venue.pk}"


def test_the_paper_page_refuses_a_cccd_on_record_under_another_name(client_staff, venue, areas):
    on_record = _on_record(areas["commune_b"], name="Lê Văn Tám")

    response = client_staff.post("/checkins/paper/", paper_form(venue))

    html = response.content.decode()
    assert response.status_code == 400 and "để trống ô số giấy tờ" in html
    assert "Lê Văn Tám" not in html and "LVT" not in without_random_tokens(html)
    assert Person.objects.count() == 1 and not CheckIn.objects.exists()
    assert _searched(on_record).extra["identity_differs"] is True  # the look-up kept, though nothing was written


def test_the_paper_api_checks_in_the_record_or_refuses_another_name(client_staff, venue, areas):
    on_record = _on_record(areas["commune_b"])
    url = "/api/v1/checkins/paper/"

    response = client_staff.post(url, json.dumps(_api_body(venue)), content_type="application/json")
    assert response.status_code == 201, response.content
    assert Person.objects.count() == 1 and CheckIn.objects.get().person == on_record

    Person.objects.filter(pk=on_record.pk).update(full_name="Lê Văn Tám", name_folded=fold("Lê Văn Tám"))
    response = client_staff.post(
        url, json.dumps({**_api_body(venue), "full_name": "Phạm Văn Đức"}), content_type="application/json"
    )
    assert response.status_code == 409 and response.json()["code"] == "person_id_on_record"
    assert response.json()["extra"] == {"field": "citizen_id"}
    assert Person.objects.count() == 1 and CheckIn.objects.count() == 1
