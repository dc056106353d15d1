"""declarations.services and selectors: each kind end to end, validation (nothing written), family, prefill,
the signal after commit, scoping and audit."""

from datetime import timedelta

import pytest
from django.utils import timezone

from phongdich.core.errors import ApplicationError
from phongdich.core.models import AuditLog
from phongdich.core.testing import make_official, make_province_with_communes
from phongdich.declarations import selectors
from phongdich.declarations.models import Declaration
from phongdich.declarations.services import (
    declaration_prefill,
    declaration_submit,
    declaration_submit_for_family,
)
from phongdich.declarations.signals import declaration_submitted
from phongdich.people.models import Person

from .builders import make_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def areas():
    return make_province_with_communes()


@pytest.fixture
def person(areas):
    from phongdich.people.services import person_create

    return person_create(
        actor=None,
        full_name="Nguyễn Văn An",
        phone="0912345678",
        birth_year=1990,
        address_area=areas["commune_a"],
        created_via=Person.CreatedVia.SELF_REGISTRATION,
    )


def _entry(**overrides):
    data = {
        "passport_number": "B7654321",
        "nationality": "fr",
        "port_of_entry": "HAN",
        "arrival_date": timezone.localdate(),
        "countries_visited": ["FR", "DE", "FR"],
        "vehicle_type": "plane",
        "vehicle_number": "AF 258",
        "seat": "23C",
        "vaccination_declared": {"doses": 2, "vaccine": "Comirnaty", "last_dose_date": "2021-08-01"},
        "symptoms": ["rash"],
    }
    data.update(overrides)
    return data


def test_domestic_declaration_is_recorded_audited_and_unflagged_without_answers(person, areas):
    declaration = declaration_submit(
        person=person, kind="domestic", data={"area": areas["commune_a"], "address_street": " 1  Lê Lợi "}
    )
    assert declaration.kind == "domestic" and declaration.source == "online"
    assert not declaration.flagged and declaration.address_street == "1 Lê Lợi"
    assert declaration.area_path == areas["commune_a"].path
    assert AuditLog.objects.filter(action="declarations.declaration.submitted", object_id=str(declaration.pk)).exists()


def test_any_symptom_or_exposure_flags_the_declaration(person, areas):
    with_symptom = declaration_submit(
        person=person, kind="domestic", data={"area": areas["commune_a"], "symptoms": ["cough"]}
    )
    with_exposure = declaration_submit(
        person=person, kind="domestic", data={"area": areas["commune_a"], "exposures": ["contact_case"]}
    )
    travel_only = declaration_submit(
        person=person,
        kind="domestic",
        data={"area": areas["commune_a"], "travelled_14d": True, "travel_places": "Hà Nội"},
    )
    assert with_symptom.flagged and with_exposure.flagged and not travel_only.flagged
    assert travel_only.travel_places == "Hà Nội"
    assert selectors.declaration_reasons(with_exposure) == ["exposure:contact_case"]


def test_movement_declaration_requires_its_travel_block(person, areas):
    data = {
        "area": areas["commune_a"],
        "vehicle_type": "coach",
        "vehicle_number": "36B-123.45",
        "origin_area": areas["other_province"].pk,
        "origin_point": "Bến xe Giáp Bát",
        "destination_area": areas["province"].pk,
        "destination_point": "Bến xe phía Bắc",
        "departure_date": timezone.localdate().isoformat(),
    }
    declaration = declaration_submit(person=person, kind="movement", data=data)
    assert declaration.origin_area == areas["other_province"] and declaration.vehicle_type == "coach"
    for missing in ("vehicle_number", "origin_point", "destination_area", "departure_date"):
        with pytest.raises(ApplicationError) as error:
            declaration_submit(person=person, kind="movement", data={**data, missing: ""})
        assert error.value.code == "invalid_declaration" and error.value.extra["field"] == missing
    with pytest.raises(ApplicationError) as error:
        declaration_submit(person=person, kind="movement", data={**data, "vehicle_type": "car"})
    assert error.value.extra["field"] == "vehicle_type"
    assert Declaration.objects.count() == 1


def test_entry_declaration_end_to_end(person, areas):
    make_port("HAN", province=areas["province"])
    declaration = declaration_submit(person=person, kind="entry", data=_entry())
    assert declaration.nationality == "FR" and declaration.countries_visited == ["FR", "DE"]
    assert declaration.port_of_entry.code == "HAN" and declaration.flagged
    assert declaration.vaccination_declared == {"doses": 2, "vaccine": "Comirnaty", "last_dose_date": "2021-08-01"}
    # No address in Vietnam yet: the declaration belongs to the port's province.
    assert declaration.area is None and declaration.area_path == areas["province"].path


def test_an_entrant_without_an_address_is_scoped_by_the_ports_seeded_province_code(person, areas):
    """The ports are seeded before the areas are loaded, so none was linked to its province, and a foreigner who
    left the address empty (as the form allows) was refused "An address in Vietnam is required" (walk-through of
    2026-12-06): the seeded code finds the province."""
    from phongdich.declarations.models import PortOfEntry

    port = make_port("HAN")
    assert port.province_id is None and PortOfEntry.objects.get(code="HAN").province_code == "01"  # migration 0006
    from phongdich.core.testing import make_area
    from phongdich.geo.models import Area

    hanoi = Area.objects.filter(parent__isnull=True, code="01").first() or make_area("01", "Thành phố Hà Nội")
    declaration = declaration_submit(person=person, kind="entry", data=_entry())
    assert declaration.area is None and declaration.area_path == hanoi.path


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"passport_number": "12"}, "invalid_passport"),
        ({"passport_number": ""}, "invalid_declaration"),
        ({"nationality": "XX"}, "unknown_country"),
        ({"countries_visited": ["FR", "ZZ"]}, "unknown_country"),
        ({"port_of_entry": "NOPE"}, "unknown_port"),
        ({"arrival_date": "2099-01-01"}, "arrival_date_out_of_range"),
        ({"arrival_date": "2001-01-01"}, "arrival_date_out_of_range"),
        ({"arrival_date": "31/12/2021"}, "invalid_declaration"),
        ({"symptoms": ["pneumonia"]}, "unknown_symptom"),  # on the domestic list only
        ({"exposures": ["contact_case"]}, "unknown_symptom"),
        ({"vaccination_declared": {"doses": 1, "last_dose_date": "2019-01-01"}}, "date_out_of_range"),
        ({"vaccination_declared": {"doses": 99}}, "invalid_declaration"),
        ({"symptom_notes": "x" * 501}, "text_too_long"),
        ({"vehicle_number": "x" * 31}, "text_too_long"),
        ({"origin_point": "Hà Nội"}, "invalid_declaration"),  # a movement field on the entry form
        ({"favourite_colour": "red"}, "invalid_declaration"),
    ],
)
def test_bad_entry_input_is_refused_with_its_code_and_writes_nothing(person, areas, overrides, code):
    make_port("HAN", province=areas["province"])
    audits = AuditLog.objects.count()
    with pytest.raises(ApplicationError) as error:
        declaration_submit(person=person, kind="entry", data=_entry(**overrides))
    assert error.value.code == code and 400 <= error.value.status < 500
    assert not Declaration.objects.exists() and AuditLog.objects.count() == audits


def test_inactive_port_is_unknown(person, areas):
    make_port("HAN", province=areas["province"], active=False)
    with pytest.raises(ApplicationError) as error:
        declaration_submit(person=person, kind="entry", data=_entry())
    assert error.value.code == "unknown_port"


def test_unknown_kind_and_area_are_refused(person):
    with pytest.raises(ApplicationError) as error:
        declaration_submit(person=person, kind="vaccination", data={})
    assert error.value.code == "unknown_declaration_kind"
    with pytest.raises(ApplicationError) as error:
        declaration_submit(person=person, kind="domestic", data={"area": 999999})
    assert error.value.code == "unknown_area"
    with pytest.raises(ApplicationError) as error:
        declaration_submit(person=person, kind="domestic", data={})
    assert error.value.extra["field"] == "area"


def test_staff_may_not_declare_for_an_area_they_cannot_see(person, areas):
    official = make_official("area_official", areas["commune_b"])
    with pytest.raises(ApplicationError) as error:
        declaration_submit(person=person, kind="domestic", data={"area": areas["commune_a"]}, actor=official)
    assert error.value.code == "area_not_visible" and error.value.status == 403
    with pytest.raises(ApplicationError):
        declaration_submit_for_family(
            declarer_phone="0987654321",
            members=[{"full_name": "Lê Thị Hoa", "birth_year": 1970}],
            kind="domestic",
            data={"area": areas["other_commune"]},
            actor=official,
            source="paper",
        )
    assert not Declaration.objects.exists() and Person.objects.count() == 1


def test_family_declaration_makes_a_person_for_each_member(areas):
    declarations = declaration_submit_for_family(
        declarer_phone="0912 000 111",
        members=[
            {"full_name": "Phạm Văn Hùng", "birth_year": 1975, "gender": "male"},
            {"full_name": "Phạm Thị Mai", "birth_year": 1978, "data": {"symptoms": ["fever"]}},
            {"full_name": "Phạm Minh Khôi", "birth_year": 2012, "phone": "0987 654 321"},
        ],
        kind="domestic",
        data={"area": areas["commune_a"].pk, "address_street": "Thôn 3"},
    )
    people = [declaration.person for declaration in declarations]
    assert len({person.pk for person in people}) == 3
    assert [person.phone for person in people] == ["+84912000111", "+84912000111", "+84987654321"]
    assert people[0].gender == "male" and people[0].address_area == areas["commune_a"]
    assert [declaration.flagged for declaration in declarations] == [False, True, False]


def test_family_declaration_is_all_or_nothing(areas):
    with pytest.raises(ApplicationError) as error:
        declaration_submit_for_family(
            declarer_phone="0912000111",
            members=[
                {"full_name": "Phạm Văn Hùng", "birth_year": 1975},
                {"full_name": "Phạm Thị Mai", "birth_year": 1978, "data": {"symptoms": ["hiccups"]}},
            ],
            kind="domestic",
            data={"area": areas["commune_a"]},
        )
    assert error.value.code == "unknown_symptom"
    assert not Person.objects.exists() and not Declaration.objects.exists()
    with pytest.raises(ApplicationError) as error:
        declaration_submit_for_family(
            declarer_phone="0912000111",
            members=[{"full_name": "Phạm Văn Hùng", "birth_year": 1975, "citizen_id": "038080000001"}],
            kind="domestic",
            data={"area": areas["commune_a"]},
        )
    assert error.value.code == "invalid_citizen_id"
    assert not Person.objects.exists()
    with pytest.raises(ApplicationError) as error:
        declaration_submit_for_family(
            declarer_phone="0912000111",
            members=[{"full_name": f"Người {i}", "birth_year": 1990} for i in range(9)],
            kind="domestic",
            data={"area": areas["commune_a"]},
        )
    assert error.value.code == "family_too_large"


def test_same_nonce_records_one_declaration(person, areas):
    first = declaration_submit(person=person, kind="domestic", data={"area": areas["commune_a"]}, nonce="k1")
    again = declaration_submit(person=person, kind="domestic", data={"area": areas["commune_a"]}, nonce="k1")
    assert again.pk == first.pk and again.replayed and not first.replayed
    assert Declaration.objects.count() == 1


def test_signal_is_sent_after_commit_with_the_declaration(person, areas, django_capture_on_commit_callbacks):
    received = []

    def receiver(sender, declaration, **kwargs):
        received.append(declaration)

    declaration_submitted.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            declaration = declaration_submit(person=person, kind="domestic", data={"area": areas["commune_a"]})
        assert received == []  # not before the commit
        for callback in callbacks:
            callback()
        assert received == [declaration]
    finally:
        declaration_submitted.disconnect(receiver)


def test_prefill_starts_from_the_last_declaration_without_its_health_answers(person, areas):
    assert declaration_prefill(person=person) == {}
    make_port("HAN")
    declaration_submit(person=person, kind="domestic", data={"area": areas["commune_a"], "address_street": "Cũ"})
    declaration_submit(
        person=person,
        kind="entry",
        data=_entry(area=areas["commune_b"], address_street="Mới", travelled_14d=True, travel_places="Paris"),
    )
    prefill = declaration_prefill(person=person)
    assert prefill["kind"] == "entry" and prefill["area"] == areas["commune_b"] and prefill["address_street"] == "Mới"
    assert prefill["port_of_entry"] == "HAN" and prefill["countries_visited"] == ["FR", "DE"]
    assert "symptoms" not in prefill and "travel_places" not in prefill
    assert declaration_prefill(person=person, kind="domestic")["address_street"] == "Cũ"
    # The prefill is accepted as it is by the service.
    again = declaration_submit(person=person, kind="entry", data={k: v for k, v in prefill.items() if k != "kind"})
    assert again.address_street == "Mới"


def test_recent_exists_and_symptoms_since(person, areas):
    now = timezone.now()
    assert not selectors.declaration_recent_exists(person=person, hours=24, now=now)
    declaration_submit(
        person=person,
        kind="domestic",
        data={"area": areas["commune_a"], "symptoms": ["fever"]},
        now=now - timedelta(hours=30),
    )
    assert not selectors.declaration_recent_exists(person=person, hours=24, now=now)
    assert selectors.declaration_recent_exists(person=person, hours=48, now=now)
    assert selectors.declaration_symptoms_since(person=person, since=now - timedelta(days=14))
    assert not selectors.declaration_symptoms_since(person=person, since=now - timedelta(hours=1))
    latest = selectors.declaration_latest(person=person)
    assert latest.symptoms == ["fever"] and selectors.declaration_latest(person=person, kind="entry") is None


def test_history_is_scoped_and_audited(person, areas):
    declaration_submit(person=person, kind="domestic", data={"area": areas["commune_a"]})
    official = make_official("area_official", areas["commune_a"])
    assert selectors.declaration_history(viewer=official, person=person).count() == 1
    assert AuditLog.objects.filter(action="declarations.declaration.listed", actor=official).count() == 1
    for outsider in (
        make_official("area_official", areas["commune_b"]),
        make_official("venue_staff", areas["commune_a"]),
    ):
        with pytest.raises(ApplicationError) as error:
            selectors.declaration_history(viewer=outsider, person=person)
        assert error.value.code == "not_found"


def test_declarations_in_area_are_scoped_by_the_viewer(person, areas):
    now = timezone.now()
    declaration_submit(person=person, kind="domestic", data={"area": areas["commune_a"]}, now=now)
    declaration_submit(person=person, kind="domestic", data={"area": areas["other_commune"]}, now=now)
    official = make_official("health_dept", areas["province"])
    window = {"start": now - timedelta(hours=1), "end": now + timedelta(hours=1)}
    assert selectors.declarations_in_area(viewer=official, area_path=areas["province"].path, **window).count() == 1
    assert selectors.declarations_in_area(viewer=official, area_path="", **window).count() == 1
    other = areas["other_province"].path
    assert selectors.declarations_in_area(viewer=official, area_path=other, **window).count() == 0
