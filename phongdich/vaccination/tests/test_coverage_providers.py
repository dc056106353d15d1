"""Coverage on a small hand-made population; the status-card provider and the certificate source."""

import datetime as dt

import pytest
from django.utils import timezone

from phongdich.certificates.sources import VaccinationFacts, certificate_facts_for
from phongdich.core.errors import ApplicationError
from phongdich.core.models import AuditLog
from phongdich.core.testing import make_area
from phongdich.healthcards.inputs import VaccineDose, status_inputs_gather

from ..models import AreaPopulation, Dose
from ..selectors import coverage_by_area, coverage_total, vaccination_record
from .builders import make_person, product

AT = dt.date(2021, 11, 1)


def _dose(person, number, on, code="astrazeneca", completes=False):
    return Dose.objects.create(
        person=person, product=product(code), lot="L1", dose_number=number, given_on=on,
        completes_series=completes, area_path=person.area_path,
    )  # fmt: skip


@pytest.fixture
def population(areas, district):
    """Two communes of a district. Commune A: 5 people, commune B: 2. Ages at AT in the comments."""
    a = make_area("15187", "Thị trấn Kim Tân", "commune", district)
    b = make_area("15190", "Xã Thành Vân", "commune", district)
    p = {
        "a70": make_person(a, name="A Bảy Mươi", birth_date=dt.date(1951, 3, 1)),  # 70
        "a65": make_person(a, name="A Sáu Lăm", birth_date=dt.date(1956, 11, 1)),  # 65 on AT itself
        "a64": make_person(a, name="A Sáu Tư", birth_date=dt.date(1956, 11, 2)),  # 64 (birthday tomorrow)
        "a18y": make_person(a, name="A Năm Sinh", birth_year=2003),  # year only: 18 in 2021
        "a17": make_person(a, name="A Mười Bảy", birth_date=dt.date(2004, 1, 1)),  # 17
        "b52": make_person(b, name="B Năm Hai", birth_date=dt.date(1969, 5, 5)),  # 52
        "b30": make_person(b, name="B Ba Mươi", birth_date=dt.date(1991, 5, 5)),  # 30
    }
    _dose(p["a70"], 1, dt.date(2021, 8, 1))
    _dose(p["a70"], 2, dt.date(2021, 10, 1), completes=True)
    _dose(p["a65"], 1, dt.date(2021, 9, 1))
    _dose(p["a64"], 1, dt.date(2021, 10, 1), code="janssen", completes=True)
    _dose(p["a18y"], 1, dt.date(2021, 11, 2))  # after AT: not counted
    _dose(p["b52"], 1, dt.date(2021, 9, 1), code="pfizer")
    _dose(p["b52"], 2, dt.date(2021, 9, 22), code="pfizer", completes=True)
    return {"a": a, "b": b, "people": p}


def _band(row, band):
    b = row.bands[band]
    return (b.people, b.at_least_one, b.fully, b.share_one, b.share_full)


def test_coverage_per_commune_and_band(population, district, province_official):
    rows = coverage_by_area(user=province_official, parent_area=district, at=AT)
    by_area = {row.area.code: row for row in rows}
    a, b = by_area["15187"], by_area["15190"]
    assert _band(a, 18) == (4, 3, 2, 75.0, 50.0)  # a70, a65, a64, a18y (the year-only dose is after AT)
    assert _band(a, 50) == (3, 3, 2, 100.0, 66.7)
    assert _band(a, 65) == (2, 2, 1, 100.0, 50.0)  # a70 and a65; a64 is not 65 yet
    assert _band(b, 18) == (2, 1, 1, 50.0, 50.0)
    assert _band(b, 65) == (0, 0, 0, None, None)
    total = coverage_total(rows)
    assert (total[18].people, total[18].at_least_one, total[18].fully) == (6, 4, 3)


def test_the_reference_date_moves_the_numbers(population, district, province_official):
    later = {
        row.area.code: row
        for row in coverage_by_area(user=province_official, parent_area=district, at=AT + dt.timedelta(days=1))
    }
    assert _band(later["15187"], 18)[1] == 4


def test_official_population_replaces_the_known_people_as_denominator(population, district, province_official):
    AreaPopulation.objects.create(area=population["a"], band="18", population=8, as_of=AT, source="Chi cục Thống kê")
    row = next(
        r for r in coverage_by_area(user=province_official, parent_area=district, at=AT) if r.area.code == "15187"
    )
    assert row.bands[18].people == 8 and row.bands[18].known_people == 4 and row.bands[18].official_population
    assert row.bands[18].share_one == 37.5


def test_coverage_outside_the_viewers_area_is_not_found(population, district, areas, other_official):
    with pytest.raises(ApplicationError) as caught:
        coverage_by_area(user=other_official, parent_area=district, at=AT)
    assert caught.value.code == "not_found"


def test_a_commune_official_gets_their_commune(population, areas):
    from phongdich.accounts.models import Official
    from phongdich.core.testing import make_official

    commune_official = make_official(Official.Role.AREA_OFFICIAL, population["b"], username="xa.thanhvan")
    rows = coverage_by_area(user=commune_official, parent_area=population["b"], at=AT)
    assert [row.area for row in rows] == [population["b"]] and rows[0].bands[50].fully == 1


# --- a person's record: scoping and audit ---------------------------------------------------------------------


def test_record_read_is_audited_and_scoped(population, areas, province_official, other_official):
    person = population["people"]["a70"]
    record = vaccination_record(viewer=province_official, person_id=person.pk)
    assert record["state"].fully_vaccinated
    assert AuditLog.objects.filter(action="vaccination.record.viewed", object_id=str(person.pk)).count() == 1
    with pytest.raises(ApplicationError) as caught:
        vaccination_record(viewer=other_official, person_id=person.pk)
    assert caught.value.code == "not_found"


# --- providers ------------------------------------------------------------------------------------------------


def test_status_card_provider_gives_doses_before_at(population):
    person = population["people"]["a70"]
    at = timezone.make_aware(dt.datetime(2021, 9, 15, 12))
    inputs = status_inputs_gather(person=person, at=at)
    assert "vaccination" in inputs.providers
    assert inputs.doses == (VaccineDose(dt.date(2021, 8, 1), "astrazeneca", 1, False, series_doses=2),)
    janssen = status_inputs_gather(person=population["people"]["a64"], at=at + dt.timedelta(days=60))
    assert janssen.doses == (VaccineDose(dt.date(2021, 10, 1), "janssen", 1, True, series_doses=1),)


def test_certificate_source_gives_one_entry_per_dose_with_eu_dcc_codes(population):
    person = population["people"]["b52"]
    facts = dict(certificate_facts_for(person))
    doses = list(Dose.objects.filter(person=person).order_by("dose_number"))
    assert list(facts) == [f"vaccination.dose:{dose.pk}" for dose in doses]
    assert facts[f"vaccination.dose:{doses[1].pk}"] == VaccinationFacts(
        vaccine_prophylaxis="1119349007",
        medicinal_product="EU/1/20/1528",
        manufacturer="ORG-100030215",
        dose_number=2,
        total_doses=2,
        given_on=dt.date(2021, 9, 22),
    )
    single = dict(certificate_facts_for(population["people"]["a64"]))
    assert [(f.dose_number, f.total_doses) for f in single.values()] == [(1, 1)]
