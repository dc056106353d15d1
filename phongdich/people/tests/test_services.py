import pytest

from phongdich.accounts.models import Official
from phongdich.core.errors import ApplicationError
from phongdich.core.models import AuditLog
from phongdich.core.testing import make_official, make_province_with_communes
from phongdich.people.models import Person
from phongdich.people.services import person_create, person_find_or_create, person_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def areas():
    return make_province_with_communes()


def test_person_create_normalises_and_audits(areas):
    official = make_official(Official.Role.AREA_OFFICIAL, areas["commune_a"])
    person = person_create(
        actor=official,
        full_name="  Nguyễn   Văn An ",
        phone="0912 345 678",
        birth_year=1990,
        gender="male",
        citizen_id="038 090 001 234",
        passport_number="c1234567",
        address_area=areas["commune_a"],
        created_via=Person.CreatedVia.OFFICIAL,
    )
    assert person.full_name == "Nguyễn Văn An"
    assert person.name_folded == "nguyen van an"
    assert person.phone == "+84912345678"
    assert person.citizen_id == "038090001234"
    assert person.passport_number == "C1234567"
    assert person.area_path == areas["commune_a"].path
    entry = AuditLog.objects.get(action="people.person.created")
    assert entry.actor == official and entry.object_id == str(person.pk)


def test_person_create_without_address_uses_the_given_area_path(areas):
    person = person_create(
        actor=None, full_name="Lê Thị Bình", area_path=areas["commune_b"].path, created_via=Person.CreatedVia.PAPER
    )
    assert person.area_path == areas["commune_b"].path


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"phone": "0241234567"}, "invalid_phone"),
        ({"citizen_id": "038090001234", "birth_year": 1985}, "invalid_citizen_id"),
        ({"old_id_number": "12345"}, "invalid_id_number"),
        ({"full_name": "   "}, "invalid_person"),
        ({"birth_year": 1850}, "invalid_person"),
        ({"gender": "x"}, "invalid_person"),
        ({"nationality": "Việt"}, "invalid_person"),
    ],
)
def test_person_create_refuses_invalid_input_and_writes_nothing(areas, fields, code):
    data = {"full_name": "Trần Văn C", "area_path": areas["commune_a"].path, "created_via": "official", **fields}
    with pytest.raises(ApplicationError) as exc:
        person_create(actor=None, **data)
    assert exc.value.code == code
    assert not Person.objects.exists()
    assert not AuditLog.objects.exists()


def _citizen(**overrides):
    data = {
        "full_name": "Nguyễn Văn An",
        "phone": "0912345678",
        "birth_year": 1990,
        "area_path": "38/15085/",
        "created_via": Person.CreatedVia.SELF_CHECKIN,
    }
    data.update(overrides)
    return person_find_or_create(**data)


def test_same_phone_name_and_birth_year_is_the_same_person(areas):
    first = _citizen()
    again = _citizen(full_name="NGUYEN VAN AN", phone="+84 912 345 678")
    assert again.pk == first.pk
    assert Person.objects.count() == 1


def test_missing_citizen_id_is_filled_in_on_a_match(areas):
    first = _citizen()
    again = _citizen(citizen_id="038090001234")
    assert again.pk == first.pk
    first.refresh_from_db()
    assert first.citizen_id == "038090001234"


@pytest.mark.parametrize(
    "overrides",
    [
        {"full_name": "Nguyễn Thị Hoa"},  # a family member on the same phone
        {"birth_year": 1991},
        {"phone": "0987654321"},
    ],
)
def test_any_difference_makes_a_new_person(areas, overrides):
    first = _citizen()
    other = _citizen(**overrides)
    assert other.pk != first.pk
    assert Person.objects.count() == 2


def test_a_different_citizen_id_on_record_is_not_merged(areas):
    first = _citizen(citizen_id="038090001234")
    other = _citizen(citizen_id="038090009999")
    assert other.pk != first.pk
    first.refresh_from_db()
    assert first.citizen_id == "038090001234"


def test_find_or_create_refuses_a_missing_or_invalid_phone(areas):
    for phone in ("", "12"):
        with pytest.raises(ApplicationError) as exc:
            _citizen(phone=phone)
        assert exc.value.code == "invalid_phone"
    assert not Person.objects.exists()


def test_person_update_validates_audits_and_moves_scope_with_the_address(areas):
    official = make_official(Official.Role.PROVINCE_ADMIN, areas["province"])
    person = _citizen()
    person_update(actor=official, person=person, phone="0387 654 321", address_area=areas["commune_b"])
    person.refresh_from_db()
    assert person.phone == "+84387654321"
    assert person.area_path == areas["commune_b"].path
    entry = AuditLog.objects.filter(action="people.person.updated").latest("at")
    assert set(entry.extra["fields"]) == {"phone", "address_area", "area_path"}
    with pytest.raises(ApplicationError) as exc:
        person_update(actor=official, person=person, phone="123")
    assert exc.value.code == "invalid_phone"


def test_person_update_keeps_the_cccd_consistent(areas):
    official = make_official(Official.Role.PROVINCE_ADMIN, areas["province"])
    person = _citizen(citizen_id="038090001234")
    with pytest.raises(ApplicationError) as exc:
        person_update(actor=official, person=person, birth_year=1991)
    assert exc.value.code == "invalid_citizen_id"


def test_person_update_by_an_official_of_another_commune_is_not_found(areas):
    person = _citizen(area_path=areas["commune_a"].path)
    outsider = make_official(Official.Role.AREA_OFFICIAL, areas["commune_b"])
    with pytest.raises(ApplicationError) as exc:
        person_update(actor=outsider, person=person, full_name="X")
    assert exc.value.code == "not_found"


def test_a_birth_date_is_judged_by_the_date_in_vietnam_not_the_servers(areas, monkeypatch):
    # 18:00 UTC on 6 December is 01:00 on 7 December in Vietnam (UTC+7): a child born that night is not
    # "born in the future", though the server's own calendar (UTC) still says the 6th.
    import datetime as dt

    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2026, 12, 6, 18, 0, tzinfo=dt.UTC))
    official = make_official(Official.Role.AREA_OFFICIAL, areas["commune_a"])
    newborn = person_create(
        actor=official,
        full_name="Trần Bé Na",
        phone="0912 345 679",
        birth_date=dt.date(2026, 12, 7),
        address_area=areas["commune_a"],
        created_via=Person.CreatedVia.OFFICIAL,
    )
    assert newborn.birth_year == 2026
    with pytest.raises(ApplicationError) as error:
        person_create(
            actor=official,
            full_name="Trần Bé Nhi",
            phone="0912 345 680",
            birth_date=dt.date(2026, 12, 8),
            address_area=areas["commune_a"],
            created_via=Person.CreatedVia.OFFICIAL,
        )
    assert error.value.extra == {"field": "birth_date"}


def test_an_official_entering_a_new_person_with_an_id_on_record_anywhere_is_refused(areas):
    elsewhere = make_official(Official.Role.AREA_OFFICIAL, areas["commune_b"])
    official = make_official(Official.Role.AREA_OFFICIAL, areas["commune_a"])
    person_create(
        actor=elsewhere,
        full_name="Lê Thị Hoa",
        citizen_id="038185004321",
        old_id_number="172345678",
        address_area=areas["commune_b"],
        created_via=Person.CreatedVia.OFFICIAL,
    )
    for field, value in (("citizen_id", "038185004321"), ("old_id_number", "172345678")):
        with pytest.raises(ApplicationError) as refused:
            person_create(
                actor=official,
                full_name="Lê Thị Hoa",
                address_area=areas["commune_a"],
                created_via=Person.CreatedVia.OFFICIAL,
                refuse_id_on_record=True,
                **{field: value},
            )
        assert refused.value.error.code == "person_id_on_record" and refused.value.status == 409
        assert refused.value.extra == {"field": field}  # nobody named
    assert Person.objects.count() == 1
    # A shared phone is no refusal (families share them), nor a new number.
    person_create(
        actor=official,
        full_name="Lê Văn Con",
        phone="0912 345 678",
        citizen_id="038210004322",
        address_area=areas["commune_a"],
        created_via=Person.CreatedVia.OFFICIAL,
        refuse_id_on_record=True,
    )


def test_a_self_check_in_with_anothers_cccd_still_makes_a_second_record(areas):
    person_create(
        actor=None,
        full_name="Lê Thị Hoa",
        phone="0912345678",
        birth_year=1985,
        citizen_id="038185004321",
        address_area=areas["commune_b"],
        created_via=Person.CreatedVia.OFFICIAL,
    )
    second = person_find_or_create(
        full_name="Trần Văn Khác",
        phone="0987654321",
        birth_year=1985,
        citizen_id="038185004321",
        area_path=areas["commune_a"].path,
        created_via=Person.CreatedVia.SELF_CHECKIN,
    )
    assert Person.objects.filter(citizen_id="038185004321").count() == 2 and second.full_name == "Trần Văn Khác"
