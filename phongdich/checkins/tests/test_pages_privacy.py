"""Name, phone and year of birth are no secret: typing someone else's must not yield their signed identity."""

import pytest
from django.core.cache import cache
from django.test import Client

from phongdich.checkins.models import CheckIn
from phongdich.core.testing import make_province_with_communes

from .builders import clear_caches, make_code, make_venue

DECLARATION = {
    "action": "declare",
    "full_name": "Nguyễn Thị Lan",
    "phone": "0912 345 678",
    "birth_year": "1990",
    "citizen_id": "",
    "has_symptoms": "no",
    "had_contact": "no",
    "travelled": "no",
}


@pytest.fixture(autouse=True)
def _fresh_caches():
    clear_caches()
    cache.clear()
    yield
    clear_caches()


@pytest.fixture
def code(db):
    areas = make_province_with_communes()
    return make_code(make_venue(areas["commune_a"], name="Chợ Thạch Lập"), label="Cổng chính")


def test_a_phone_that_matches_an_existing_record_checks_in_but_gets_no_personal_qr(code):
    owner, other = Client(), Client()
    owner.post(f"/c/{code.token}", {**DECLARATION, "nonce": "owner-1"})
    assert "<svg" in owner.get("/c/me/").content.decode()

    response = other.post(f"/c/{code.token}", {**DECLARATION, "nonce": "other-1"})
    assert response.status_code == 200
    # Both visits are recorded for the one person (tracing needs that) ...
    assert CheckIn.objects.count() == 2 and CheckIn.objects.values("person").distinct().count() == 1
    # ... but the second phone is not handed the person's signed QR code.
    page = other.get("/c/me/").content.decode()
    assert "<svg" not in page
    assert "already had a record" in page or "đã có hồ sơ" in page


def test_the_public_api_hands_out_a_public_id_only_for_a_record_it_created(code):
    body = {
        "code_token": code.token,
        "full_name": "Trần Văn Bình",
        "phone": "0987654321",
        "birth_year": 1985,
        "has_symptoms": False,
        "had_contact": False,
        "travelled": False,
    }
    first = Client().post("/api/v1/checkins/self/", body, content_type="application/json")
    assert first.status_code == 201 and first.json()["person_public_id"]
    second = Client().post("/api/v1/checkins/self/", body, content_type="application/json")
    assert second.status_code == 201
    assert "person_public_id" not in second.json()
