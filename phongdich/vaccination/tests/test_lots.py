"""Vaccine lot numbers are one lot however a desk typed them: "ab1234", "AB1234" and " AB 1234 " are AB1234, on every
way in (the service, the API, the dose page) and in the rows recorded before (migration 0005)."""

import datetime as dt
from importlib import import_module

import pytest
from django.apps import apps
from django.utils import timezone
from rest_framework.test import APIClient

from phongdich.core.errors import ApplicationError

from .. import services
from ..models import Dose
from ..selectors import reactions_by_lot
from .builders import make_person, product

pytestmark = pytest.mark.django_db

GIVEN = dt.date(2021, 8, 2)


def _dose(staff, person, lot):
    return services.dose_record(
        actor=staff, person_id=person.pk, product=product(), lot=lot, dose_number=1, given_on=GIVEN
    ).dose


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("ab1234", "AB1234"),
        (" AB 1234 ", "AB1234"),
        ("ff\t2588", "FF2588"),
        ("a-12 34", "A-1234"),
        ("ABV5811", "ABV5811"),
    ],
)
def test_a_lot_is_kept_as_printed_on_the_vial(areas, staff, typed, kept):
    assert _dose(staff, make_person(areas["commune_a"]), typed).lot == kept


def test_one_lot_typed_three_ways_is_one_lot_in_the_rates(areas, staff, official):
    typed = ["ab1234", "AB1234", " AB 1234 "]
    doses = [_dose(staff, make_person(areas["commune_a"], name=f"Người {n}"), lot) for n, lot in enumerate(typed)]
    services.reaction_record(
        actor=staff,
        dose_id=doses[2].pk,
        severity="serious",
        symptoms="Sốc phản vệ",
        onset_at=timezone.make_aware(dt.datetime.combine(GIVEN, dt.time(15))),
    )
    (lot,) = reactions_by_lot(viewer=official)
    assert (lot.lot, lot.doses, lot.grave) == ("AB1234", 3, 1)


@pytest.mark.parametrize("lot", ["AB_1234", "AB 12;34", "Ａ１２３４", "ß1"])
def test_what_is_no_lot_number_is_still_refused(areas, staff, lot):
    with pytest.raises(ApplicationError) as caught:
        _dose(staff, make_person(areas["commune_a"]), lot)
    assert caught.value.code == "invalid_lot"


def test_the_api_keeps_the_same_lot(areas, staff, site, client):
    api = APIClient()
    api.force_authenticate(staff)
    answer = api.post(
        "/api/v1/vaccination/doses/",
        {"person": make_person(areas["commune_a"]).pk, "site": site.pk, "product": "astrazeneca", "lot": " ab 1234",
         "dose_number": 1, "given_on": GIVEN.isoformat()},
        format="json",
    )  # fmt: skip
    assert answer.status_code == 201 and answer.json()["dose"]["lot"] == "AB1234"


def test_the_migration_normalises_the_lots_recorded_before(areas):
    rows = {}
    for index, typed in enumerate(["ab1234", " AB 1234 ", "AB1234", "abv-58 11", "L.7/2"]):
        person = make_person(areas["commune_a"], name=f"Cũ {index}")
        rows[typed] = Dose.objects.create(
            person=person, product=product(), lot=typed, dose_number=1, given_on=GIVEN, area_path=person.area_path
        )
    import_module("phongdich.vaccination.migrations.0005_normalise_lots").normalise_lots(apps, None)
    kept = {typed: Dose.objects.get(pk=dose.pk).lot for typed, dose in rows.items()}
    assert kept == {
        "ab1234": "AB1234",
        " AB 1234 ": "AB1234",
        "AB1234": "AB1234",
        "abv-58 11": "ABV-5811",
        "L.7/2": "L.7/2",
    }
