"""The declarations API: public submission of each kind, idempotency, bad input (4xx, nothing written), officials'
scoped and audited reads, reference lists."""

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from phongdich.core.models import AuditLog
from phongdich.core.testing import make_official, make_province_with_communes
from phongdich.declarations.models import Declaration
from phongdich.people.models import Person

from .builders import make_port

pytestmark = pytest.mark.django_db
URL = "/api/v1/declarations/"


@pytest.fixture
def areas():
    return make_province_with_communes()


@pytest.fixture
def api():
    return APIClient()


def _domestic(areas, **data):
    return {
        "kind": "domestic",
        "phone": "0912345678",
        "members": [{"full_name": "Nguyễn Thị Lan", "birth_year": 1990, "gender": "female"}],
        "data": {"area": areas["commune_a"].pk, "address_street": "12 Lê Lợi", **data},
    }


def test_domestic_declaration_through_the_api(api, areas):
    response = api.post(URL, _domestic(areas, symptoms=["fever", "cough"]), format="json")
    assert response.status_code == 201, response.json()
    row = response.json()["declarations"][0]
    declaration = Declaration.objects.get(pk=row["id"])
    assert row["flagged"] and declaration.symptoms == ["fever", "cough"] and declaration.source == "online"
    assert row["person_public_id"] == declaration.person.public_id


def test_movement_declaration_through_the_api(api, areas):
    body = _domestic(
        areas,
        vehicle_type="train",
        vehicle_number="SE1",
        seat="B12",
        origin_area=areas["other_province"].pk,
        origin_point="Ga Hà Nội",
        destination_area=areas["province"].pk,
        destination_point="Ga Thanh Hóa",
        departure_date=timezone.localdate().isoformat(),
    )
    body["kind"] = "movement"
    response = api.post(URL, body, format="json")
    assert response.status_code == 201, response.json()
    declaration = Declaration.objects.get()
    assert declaration.kind == "movement" and declaration.vehicle_number == "SE1"


def test_entry_declaration_for_a_family_through_the_api(api, areas):
    make_port("SGN", province=areas["province"])
    body = {
        "kind": "entry",
        "phone": "0912345678",
        "members": [
            {
                "full_name": "ANNA MÜLLER",
                "birth_year": 1985,
                "gender": "female",
                "data": {"passport_number": "C01X00T47"},
            },
            {"full_name": "JONAS MÜLLER", "birth_year": 2015, "data": {"passport_number": "C01X00T48"}},
        ],
        "data": {
            "nationality": "DE",
            "port_of_entry": "SGN",
            "arrival_date": timezone.localdate().isoformat(),
            "countries_visited": ["DE", "TH"],
            "vaccination_declared": {"doses": 3, "vaccine": "Spikevax", "last_dose_date": "2021-12-01"},
        },
    }
    response = api.post(URL, body, format="json")
    assert response.status_code == 201, response.json()
    declarations = list(Declaration.objects.order_by("id"))
    assert [d.passport_number for d in declarations] == ["C01X00T47", "C01X00T48"]
    assert declarations[0].person_id != declarations[1].person_id
    assert {p.nationality for p in Person.objects.all()} == {"DE"}


def test_same_idempotency_key_records_once(api, areas):
    body = _domestic(areas)
    first = api.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    again = api.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert Declaration.objects.count() == 1


@pytest.mark.parametrize(
    ("member", "data", "kind", "code", "status"),
    [
        ({"citizen_id": "12345"}, {}, "domestic", "invalid_citizen_id", 400),
        ({}, {"passport_number": "!!"}, "entry", "invalid_passport", 400),
        ({}, {"passport_number": "C1234567", "nationality": "QQ"}, "entry", "unknown_country", 400),
        (
            {},
            {"passport_number": "C1234567", "nationality": "FR", "port_of_entry": "ZZZ"},
            "entry",
            "unknown_port",
            400,
        ),
        (
            {},
            {"passport_number": "C1234567", "nationality": "FR", "port_of_entry": "HAN", "arrival_date": "2090-05-01"},
            "entry",
            "arrival_date_out_of_range",
            400,
        ),
        ({}, {"address_street": "x" * 300}, "domestic", "text_too_long", 400),
        ({}, {"symptoms": ["sneezing"]}, "domestic", "unknown_symptom", 400),
        ({}, {"area": 10**9}, "domestic", "unknown_area", 400),
        ({}, {"symptoms": "fever"}, "domestic", "invalid_input", 400),
        ({}, {}, "quarantine", "invalid_input", 400),
    ],
)
def test_bad_input_is_4xx_and_writes_nothing(api, areas, member, data, kind, code, status):
    make_port("HAN")
    body = _domestic(areas, **data)
    body["kind"] = kind
    body["members"][0].update(member)
    if kind == "entry":
        body["data"].pop("area")
        body["data"].pop("address_street")
        body["data"].setdefault("arrival_date", timezone.localdate().isoformat())
    response = api.post(URL, body, format="json")
    assert response.status_code == status, response.json()
    assert response.json()["code"] == code and response.json()["message_vi"] and response.json()["message_en"]
    assert not Declaration.objects.exists() and not Person.objects.exists()


def test_junk_bodies_never_give_a_500(api):
    for body in (b"", b"[]", b"null", b'{"members": "x"}', b'{"kind": "domestic", "members": [null]}', b"\xff"):
        response = api.post(URL, body, content_type="application/json")
        assert 400 <= response.status_code < 500


def test_staff_posting_for_an_area_they_cannot_see_is_refused(api, areas):
    api.force_authenticate(make_official("area_official", areas["commune_b"]))
    response = api.post(URL, _domestic(areas), format="json")
    assert response.status_code == 403 and response.json()["code"] == "area_not_visible"
    assert not Declaration.objects.exists() and not Person.objects.exists()


def test_staff_posting_in_their_area_records_a_paper_declaration(api, areas):
    user = make_official("area_official", areas["commune_a"])
    api.force_authenticate(user)
    assert api.post(URL, _domestic(areas), format="json").status_code == 201
    declaration = Declaration.objects.get()
    assert declaration.source == "paper" and declaration.recorded_by == user


def test_officials_read_a_persons_declarations_in_their_area_only(api, areas):
    api.post(URL, _domestic(areas, exposures=["contact_case"]), format="json")
    person = Person.objects.get()
    assert api.get(URL, {"person": person.pk}).status_code in (401, 403)
    official = make_official("area_official", areas["commune_a"])
    api.force_authenticate(official)
    response = api.get(URL, {"person": person.pk})
    assert response.status_code == 200
    result = response.json()["results"][0]
    assert result["exposures"] == ["contact_case"] and result["person"] == person.pk
    assert AuditLog.objects.filter(action="declarations.declaration.listed", actor=official).exists()
    api.force_authenticate(make_official("area_official", areas["commune_b"]))
    assert api.get(URL, {"person": person.pk}).json()["code"] == "not_found"
    assert api.get(URL, {"person": "x"}).status_code == 400


def test_ports_and_countries_lists(api, areas):
    make_port("HAN", province=areas["province"])
    make_port("OLD", active=False)
    ports = api.get("/api/v1/ports-of-entry/").json()
    codes = [port["code"] for port in ports]
    assert "HAN" in codes and "OLD" not in codes
    countries = api.get("/api/v1/countries/", HTTP_ACCEPT_LANGUAGE="en").json()
    viet_nam = next(country for country in countries if country["code"] == "VN")
    assert viet_nam["name_vi"] == "Việt Nam" and len(countries) >= 249
    questions = api.get("/api/v1/declarations/questions/").json()
    assert [item["code"] for item in questions["domestic"]["symptoms"]][:2] == ["fever", "cough"]
    assert "skin_bleeding" in [item["code"] for item in questions["entry"]["symptoms"]]


def test_seeded_ports_include_airports_land_gates_and_sea_ports():
    from phongdich.declarations.models import PortOfEntry

    kinds = {port.kind for port in PortOfEntry.objects.all()}
    assert kinds == {"airport", "land", "sea"}
    assert PortOfEntry.objects.filter(code__in=["HAN", "SGN", "L-HUUNGHI", "S-HAIPHONG"]).count() == 4


def test_a_field_the_declaration_does_not_take_is_refused_naming_it(api, areas):
    """Also inside a member and the answers: a misspelt `symtoms` would otherwise be dropped, and the declaration
    filed as without symptoms."""
    body = _domestic(areas, symtoms=["fever"])
    body["members"][0]["nick_name"] = "Lan"
    response = api.post(URL, body, format="json")
    assert response.status_code == 400 and response.json()["code"] == "invalid_input"
    fields = response.json()["extra"]["fields"]
    assert list(fields["data"]) == ["symtoms"] and "nick_name" in str(fields["members"]), fields
    assert not Declaration.objects.exists()
