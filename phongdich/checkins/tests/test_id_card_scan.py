"""Staff scan a citizen's chip-based ID card (CCCD) instead of a personal QR code: a person without a smartphone is
checked in by their card; the record is found by its number or made from the card; a refusal creates nobody."""

import json

import pytest
from django.test import Client

from phongdich.accounts.models import Official
from phongdich.core.testing import make_official, make_province_with_communes, make_user
from phongdich.people.cccd import cccd_qr_parse, looks_like_cccd_qr
from phongdich.people.models import Person

from ..models import CheckIn
from . import builders as b

pytestmark = pytest.mark.django_db

SCAN = "/api/v1/checkins/scan/"
# A woman born 1990, registered in Thanh Hóa (038): the number agrees with both (RULES.md §7).
CARD = "038190012345|172345678|Lê Thị Hồng Nhung|14031990|Nữ|Thôn 3, Xã Thạch Lâm, Thạch Thành, Thanh Hóa|10052021"


@pytest.fixture(autouse=True)
def _fresh_caches():
    b.clear_caches()
    yield
    b.clear_caches()


@pytest.fixture
def world():
    areas = make_province_with_communes()
    venue = b.make_venue(areas["commune_a"])
    device, token = b.make_device(venue)
    return {"areas": areas, "venue": venue, "code": b.make_code(venue), "device": device, "token": token}


def scan(token, text, **headers):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client.post(SCAN, json.dumps({"personal_qr": text}), content_type="application/json", headers=headers)


def test_the_card_is_read_field_by_field():
    card = cccd_qr_parse(CARD)
    assert (card.citizen_id, card.old_id_number, card.full_name, card.gender) == (
        "038190012345",
        "172345678",
        "Lê Thị Hồng Nhung",
        "female",
    )
    assert card.birth_date.isoformat() == "1990-03-14" and card.issued_on.isoformat() == "2021-05-10"
    assert card.address.startswith("Thôn 3, Xã Thạch Lâm")
    assert cccd_qr_parse("038190012345||Lê Thị Hồng Nhung|14/03/1990|Nữ||").old_id_number == ""
    assert looks_like_cccd_qr(CARD) and not looks_like_cccd_qr("PD1:ABCDEF") and not looks_like_cccd_qr("12|3")


def test_a_first_scan_makes_the_person_from_the_card_and_the_next_finds_them(world):
    first = scan(world["token"], CARD)
    assert first.status_code == 201, first.content
    assert first.json()["person_initials"] == "LTHN" and first.json()["source"] == "id_card"
    person = Person.objects.get()
    assert (person.citizen_id, person.old_id_number, person.birth_date.isoformat(), person.gender) == (
        "038190012345",
        "172345678",
        "1990-03-14",
        "female",
    )
    assert person.created_via == "id_card" and person.area_path == world["venue"].area_path and person.phone == ""
    assert scan(world["token"], CARD).status_code == 201
    assert Person.objects.count() == 1 and CheckIn.objects.filter(person=person).count() == 2


def test_a_card_of_a_person_on_record_checks_in_that_record(world):
    known = b.make_person(world["areas"]["commune_a"], name="Lê Thị Hồng Nhung")
    Person.objects.filter(pk=known.pk).update(citizen_id="038190012345", birth_year=1990)
    assert scan(world["token"], CARD).status_code == 201
    assert CheckIn.objects.get().person_id == known.pk and Person.objects.count() == 1


def test_a_number_alone_neither_attaches_a_checkin_nor_tells_who_is_on_record(world):
    """A made-up card with a real number but another name: a new record beside the known one (the duplicates page
    shows both), and the answer names the card typed, not the record."""
    known = b.make_person(world["areas"]["commune_a"], name="Lê Thị Hồng Nhung")
    Person.objects.filter(pk=known.pk).update(citizen_id="038190012345", birth_year=1990)
    forged = CARD.replace("Lê Thị Hồng Nhung", "Ai Đó")
    response = scan(world["token"], forged)
    assert response.status_code == 201 and response.json()["person_initials"] == "AĐ"
    assert CheckIn.objects.get().person_id != known.pk and Person.objects.count() == 2


def test_the_same_idempotency_key_records_one_checkin(world):
    assert scan(world["token"], CARD, **{"Idempotency-Key": "k-1"}).status_code == 201
    again = scan(world["token"], CARD, **{"Idempotency-Key": "k-1"})
    assert again.status_code == 200 and CheckIn.objects.count() == 1 and Person.objects.count() == 1


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("038190012345|", "citizen_id"),  # too few fields
        ("038190012345|12345|Lê Thị Nhung|14031990|Nữ|x|", "old_id_number"),
        ("038190012345||L|14031990|Nữ|x|", "full_name"),
        ("038190012345||Lê Thị Nhung|31021990|Nữ|x|", "birth_date"),  # 31 February
        ("038190012345||Lê Thị Nhung|14031990|F|x|", "gender"),
    ],
)
def test_an_unreadable_card_is_a_clear_400_and_writes_nothing(world, text, field):
    response = scan(world["token"], text)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "cccd_qr_invalid" and body["extra"]["field"] == field and body["message_en"]
    assert not Person.objects.exists() and not CheckIn.objects.exists()


def test_a_number_that_disagrees_with_the_card_is_refused(world):
    male_number = CARD.replace("038190012345", "038090012345")  # century-and-sex digit 0: a man
    response = scan(world["token"], male_number)
    assert response.status_code == 400 and response.json()["code"] == "invalid_citizen_id"
    assert not Person.objects.exists() and not CheckIn.objects.exists()


def test_someone_not_of_the_venue_creates_nobody(world):
    client = Client()
    client.force_login(make_user())
    body = json.dumps({"personal_qr": CARD, "code_token": world["code"].token})
    response = client.post(SCAN, body, content_type="application/json")
    assert response.status_code == 403 and not Person.objects.exists()
    official = make_official(Official.Role.AREA_OFFICIAL, world["areas"]["commune_a"], "yte_quet")
    client.force_login(official)
    assert client.post(SCAN, body, content_type="application/json").status_code == 201


@pytest.mark.parametrize(
    ("text", "field"),
    [
        (CARD.replace("Lê Thị", "Lê\x00Thị"), "full_name"),  # the database refuses a NUL: it was a 500
        (CARD.replace("Lê Thị", "\u202eLê Thị"), "full_name"),  # a right-to-left override
        (CARD.replace("Thôn 3", "Thôn\x073"), "address"),
    ],
)
def test_control_characters_are_refused(world, text, field):
    response = scan(world["token"], text)
    assert response.status_code == 400 and response.json()["extra"]["field"] == field
    assert not Person.objects.exists()


def test_the_answer_does_not_depend_on_whether_the_number_is_on_record(world):
    """A number that disagrees with the card's year of birth is refused before it is looked up: the same 400 for a
    number on record and for one that is not."""
    known = b.make_person(world["areas"]["commune_a"], name="Lê Thị Hồng Nhung")
    Person.objects.filter(pk=known.pk).update(citizen_id="038190012345", birth_year=1990)
    wrong_year = CARD.replace("14031990", "14031991")
    on_record = scan(world["token"], wrong_year)
    not_on_record = scan(world["token"], wrong_year.replace("038190012345", "038190099999"))
    assert on_record.status_code == not_on_record.status_code == 400
    assert on_record.json()["code"] == not_on_record.json()["code"] == "invalid_citizen_id"
    assert not CheckIn.objects.exists()
