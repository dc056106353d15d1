"""Staff entering a paper declaration whose CCCD is on record (people.services.person_for_staff_entry): before,
another phone made a second person with the same number. Now the number finds the record wherever it is when the
name and year of birth are the record's; another name is refused (person_id_on_record, 409), never attached: a
declaration on the wrong record flags the wrong person. A citizen's own declaration is unchanged."""

import pytest
from rest_framework.test import APIClient

from phongdich.core.models import AuditLog
from phongdich.core.testing import make_official, make_province_with_communes
from phongdich.core.text import fold
from phongdich.declarations.models import Declaration
from phongdich.people.models import Person

from .builders import domestic_post

pytestmark = pytest.mark.django_db

CCCD = "038190001234"  # a woman born in 1990, Thanh Hóa


@pytest.fixture
def areas():
    return make_province_with_communes()


def _on_record(area, name="Nguyễn Thị Lan") -> Person:
    return Person.objects.create(
        full_name=name,
        name_folded=fold(name),
        phone="+84987000111",  # not the form's
        birth_year=1990,
        citizen_id=CCCD,
        area_path=area.path,
        address_area=area,
        created_via=Person.CreatedVia.OFFICIAL,
    )


def _api_body(areas) -> dict:
    return {
        "kind": "domestic",
        "phone": "0912345678",
        "members": [{"full_name": "Nguyễn Thị Lan", "birth_year": 1990, "gender": "female", "citizen_id": CCCD}],
        "data": {"area": areas["commune_a"].pk, "address_street": "12 Lê Lợi"},
    }


def _page(client, areas):
    body = domestic_post(areas["commune_a"], id_number=CCCD, nonce="p-1")
    return client.post("/declarations/enter/", {**body, "kind": "domestic", "submit": "save"})


def test_the_paper_page_records_the_declaration_on_the_record_with_that_cccd(client, areas):
    on_record = _on_record(areas["commune_b"])
    client.force_login(make_official("area_official", areas["commune_a"]))

    response = _page(client, areas)

    assert response.status_code == 302
    assert Person.objects.count() == 1 and Declaration.objects.get().person == on_record
    entry = AuditLog.objects.get(action="people.person.identifier_searched", object_id=str(on_record.pk))
    assert entry.extra["purpose"] == "declarations.paper"


def test_the_paper_page_refuses_a_cccd_on_record_under_another_name(client, areas):
    _on_record(areas["commune_b"], name="Trần Thị Bích")
    client.force_login(make_official("area_official", areas["commune_a"]))

    response = _page(client, areas)

    html = response.content.decode()
    assert response.status_code == 400 and "để trống ô số giấy tờ" in html and "Trần Thị Bích" not in html
    assert Person.objects.count() == 1 and not Declaration.objects.exists()


def test_the_api_for_staff_finds_the_record_or_refuses_another_name(areas):
    on_record = _on_record(areas["commune_b"])
    api = APIClient()
    api.force_authenticate(make_official("area_official", areas["commune_a"]))

    response = api.post("/api/v1/declarations/", _api_body(areas), format="json")
    assert response.status_code == 201, response.json()
    assert Person.objects.count() == 1 and Declaration.objects.get().person == on_record
    assert response.json()["declarations"][0].get("person_public_id") in (None, "")  # a matched record's: not given

    Person.objects.filter(pk=on_record.pk).update(full_name="Trần Thị Bích", name_folded=fold("Trần Thị Bích"))
    response = api.post("/api/v1/declarations/", _api_body(areas), format="json")
    assert response.status_code == 409 and response.json()["code"] == "person_id_on_record"
    assert Declaration.objects.count() == 1 and Person.objects.count() == 1


def test_a_citizens_own_declaration_still_makes_a_second_record(areas):
    _on_record(areas["commune_b"])

    response = APIClient().post("/api/v1/declarations/", _api_body(areas), format="json")

    assert response.status_code == 201
    assert Person.objects.count() == 2
