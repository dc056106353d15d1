"""Check-in by the personal QR code, dose numbering and intervals, full vaccination, next dose, reactions."""

import datetime as dt

import pytest
from django.utils import timezone

from phongdich.core.errors import ApplicationError
from phongdich.core.models import AuditLog
from phongdich.people.personal_qr import personal_qr_issue

from .. import services
from ..models import Dose, Reaction, VaccinationRegistration, VaccineProduct
from ..selectors import doses_of, vaccination_state
from .builders import make_person, make_registration, make_session, make_site, product

Status = VaccinationRegistration.Status
TODAY = dt.date(2021, 11, 20)


def _record(staff, person, *, number, on, code="astrazeneca", lot="NJ0123", now=None, **extra):
    return services.dose_record(
        actor=staff,
        person_id=person.pk,
        product=product(code),
        lot=lot,
        dose_number=number,
        given_on=on,
        now=now or timezone.make_aware(dt.datetime.combine(TODAY, dt.time(10))),
        **extra,
    )


# --- check-in ------------------------------------------------------------------------------------------------


def test_checkin_by_a_real_personal_qr_marks_todays_booking(areas, site, staff):
    person = make_person(areas["commune_a"])
    session = make_session(site)
    registration = make_registration(person, status=Status.INVITED, slot=session.slots.first())
    token = personal_qr_issue(person=person)
    checked = services.vaccination_checkin(actor=staff, site_id=site.pk, token=token)
    assert checked.pk == registration.pk and checked.status == Status.CHECKED_IN
    again = services.vaccination_checkin(actor=staff, site_id=site.pk, token=token)
    assert again.pk == registration.pk
    assert AuditLog.objects.filter(action="vaccination.registration.checked_in").count() == 1


def test_checkin_at_another_site_or_another_day_is_refused(areas, site, staff):
    person = make_person(areas["commune_a"])
    other_site = make_site(areas["commune_a"], name="Trung tâm Y tế")
    tomorrow = make_session(site, date=timezone.localdate() + dt.timedelta(days=1))
    make_registration(person, status=Status.BOOKED, slot=tomorrow.slots.first())
    token = personal_qr_issue(person=person)
    for site_id in (site.pk, other_site.pk):
        with pytest.raises(ApplicationError) as caught:
            services.vaccination_checkin(actor=staff, site_id=site_id, token=token)
        assert caught.value.code == "no_booking_here_today" and caught.value.status == 409


def test_checkin_with_a_forged_code_is_refused(areas, site, staff):
    with pytest.raises(ApplicationError) as caught:
        services.vaccination_checkin(actor=staff, site_id=site.pk, token="PD1:NOTACODE")
    assert caught.value.code.startswith("personal_qr_")


def test_checkin_at_a_site_outside_the_staffs_area_is_not_found(areas, staff):
    far = make_site(areas["commune_b"], name="Trạm Y tế xã Cẩm Thạch")
    person = make_person(areas["commune_b"])
    with pytest.raises(ApplicationError) as caught:
        services.vaccination_checkin(actor=staff, site_id=far.pk, token=personal_qr_issue(person=person))
    assert caught.value.code == "not_found"


def test_manual_checkin_of_a_session_registration_works_without_a_personal_qr(areas, site, staff):
    """Walk 2 (#1): online registrants have no personal QR code; staff tick them in the session list."""
    person = make_person(areas["commune_a"])
    session = make_session(site)
    registration = make_registration(person, status=Status.BOOKED, slot=session.slots.first())
    checked = services.registration_checkin(actor=staff, session_id=session.pk, registration_id=registration.pk)
    assert checked.pk == registration.pk and checked.status == Status.CHECKED_IN and checked.checked_in_at
    again = services.registration_checkin(actor=staff, session_id=session.pk, registration_id=registration.pk)
    assert again.status == Status.CHECKED_IN
    audit = AuditLog.objects.get(action="vaccination.registration.checked_in")
    assert audit.extra == {"site": site.pk, "via": "manual"}


def test_manual_checkin_is_refused_like_the_qr_scan(areas, site, staff):
    person = make_person(areas["commune_a"])
    tomorrow = make_session(site, date=timezone.localdate() + dt.timedelta(days=1))
    today = make_session(site)
    later = make_registration(person, status=Status.BOOKED, slot=tomorrow.slots.first())
    cancelled = make_registration(make_person(areas["commune_a"]), status=Status.CANCELLED, slot=today.slots.first())
    for session, registration in ((tomorrow, later), (today, cancelled)):
        with pytest.raises(ApplicationError) as caught:
            services.registration_checkin(actor=staff, session_id=session.pk, registration_id=registration.pk)
        assert caught.value.code == "no_booking_here_today" and caught.value.status == 409
    with pytest.raises(ApplicationError) as caught:  # a registration of another session
        services.registration_checkin(actor=staff, session_id=today.pk, registration_id=later.pk)
    assert caught.value.code == "not_found"
    assert not AuditLog.objects.filter(action="vaccination.registration.checked_in").exists()


def test_manual_checkin_outside_the_staffs_area_is_not_found(areas, staff):
    far = make_site(areas["commune_b"], name="Trạm Y tế xã Cẩm Thạch")
    session = make_session(far)
    registration = make_registration(make_person(areas["commune_b"]), status=Status.BOOKED, slot=session.slots.first())
    with pytest.raises(ApplicationError) as caught:
        services.registration_checkin(actor=staff, session_id=session.pk, registration_id=registration.pk)
    assert caught.value.code == "not_found"
    registration.refresh_from_db()
    assert registration.status == Status.BOOKED


# --- doses ---------------------------------------------------------------------------------------------------


def test_two_doses_complete_the_series_and_a_booster_is_due(areas, staff):
    person = make_person(areas["commune_a"])
    _record(staff, person, number=1, on=dt.date(2021, 8, 2))
    state = vaccination_state(doses_of(person))
    assert not state.fully_vaccinated
    assert state.next_earliest_on == dt.date(2021, 8, 30)  # 28 days (AstraZeneca minimum)
    assert state.next_due_on == dt.date(2021, 9, 27)  # 56 days (recommended)
    follow = VaccinationRegistration.objects.get(person=person, status=Status.REGISTERED)
    assert follow.dose_number == 2 and follow.registered_via == "follow_on"
    _record(staff, person, number=2, on=dt.date(2021, 9, 27))
    state = vaccination_state(doses_of(person))
    assert state.fully_vaccinated and state.completed_on == dt.date(2021, 9, 27)
    assert state.next_is_booster and state.next_due_on == dt.date(2022, 3, 26)  # + VACCINATION_BOOSTER_DAYS
    follow.refresh_from_db()
    assert follow.status == Status.VACCINATED
    assert not VaccinationRegistration.objects.filter(person=person, status=Status.REGISTERED).exists()


def test_a_single_dose_vaccine_completes_at_once(areas, staff):
    person = make_person(areas["commune_a"])
    result = _record(staff, person, number=1, on=dt.date(2021, 10, 1), code="janssen")
    assert result.dose.completes_series
    assert vaccination_state(doses_of(person)).fully_vaccinated
    assert not VaccinationRegistration.objects.filter(person=person, status=Status.REGISTERED).exists()


@pytest.mark.parametrize("number", [2, 3, 0])
def test_a_dose_number_that_skips_is_refused_and_nothing_written(areas, staff, number):
    person = make_person(areas["commune_a"])
    with pytest.raises(ApplicationError) as caught:
        _record(staff, person, number=number, on=dt.date(2021, 8, 2))
    assert caught.value.code == "dose_number_skips" and caught.value.status == 400
    assert caught.value.extra["expected"] == 1
    assert not Dose.objects.exists() and not VaccinationRegistration.objects.exists()


def test_a_repeated_dose_number_is_refused(areas, staff):
    person = make_person(areas["commune_a"])
    _record(staff, person, number=1, on=dt.date(2021, 8, 2))
    with pytest.raises(ApplicationError) as caught:
        _record(staff, person, number=1, on=dt.date(2021, 9, 2))
    assert caught.value.code == "dose_number_skips"
    assert Dose.objects.count() == 1


def test_minimum_interval_is_enforced_per_product(areas, staff):
    person = make_person(areas["commune_a"])
    _record(staff, person, number=1, on=dt.date(2021, 8, 2), code="pfizer")
    with pytest.raises(ApplicationError) as caught:
        _record(staff, person, number=2, on=dt.date(2021, 8, 22), code="pfizer")  # 20 days
    assert caught.value.code == "dose_interval_too_short"
    assert caught.value.extra == {"earliest": "2021-08-23", "min_days": 21, "product": "pfizer"}
    assert Dose.objects.count() == 1
    assert _record(staff, person, number=2, on=dt.date(2021, 8, 23), code="pfizer").dose.completes_series


def test_a_dose_in_the_future_or_before_the_previous_one_is_refused(areas, staff):
    person = make_person(areas["commune_a"])
    with pytest.raises(ApplicationError) as caught:
        _record(staff, person, number=1, on=TODAY + dt.timedelta(days=1))
    assert caught.value.code == "dose_date_invalid"
    _record(staff, person, number=1, on=dt.date(2021, 9, 1))
    with pytest.raises(ApplicationError) as caught:
        _record(staff, person, number=2, on=dt.date(2021, 8, 1))
    assert caught.value.code == "dose_date_invalid"


def test_mixing_products_is_allowed_and_noted(areas, staff):
    person = make_person(areas["commune_a"])
    _record(staff, person, number=1, on=dt.date(2021, 7, 1))
    result = _record(staff, person, number=2, on=dt.date(2021, 9, 1), code="pfizer")
    assert result.warnings == ["mixed_products"] and result.dose.mixed_schedule
    assert vaccination_state(doses_of(person)).fully_vaccinated


def test_a_product_whose_codes_are_not_in_the_eu_dcc_value_sets_is_refused(areas, staff):
    person = make_person(areas["commune_a"])
    fake = VaccineProduct.objects.create(
        code="fake", name="Fake", medicinal_product="EU/9/99/9999", manufacturer="ORG-100001699",
        prophylaxis="J07BX03", series_doses=2, min_interval_days=21,
    )  # fmt: skip
    with pytest.raises(ApplicationError) as caught:
        services.dose_record(
            actor=staff, person_id=person.pk, product=fake, lot="A1", dose_number=1, given_on=dt.date(2021, 8, 1)
        )
    assert caught.value.code == "unknown_product"


def test_every_loaded_product_is_in_the_eu_dcc_value_sets(db):
    for loaded in VaccineProduct.objects.all():
        services.product_check(loaded)  # raises for a code missing from certificates/valuesets


@pytest.mark.parametrize("lot", ["", "  ", "=cmd|' /C calc'!A0", "x" * 41])
def test_a_bad_lot_is_refused(areas, staff, lot):
    with pytest.raises(ApplicationError) as caught:
        _record(staff, make_person(areas["commune_a"]), number=1, on=dt.date(2021, 8, 2), lot=lot)
    assert caught.value.code == "invalid_lot"


def test_only_vaccination_staff_and_the_health_department_record_doses(areas, official):
    with pytest.raises(ApplicationError) as caught:
        _record(official, make_person(areas["commune_a"]), number=1, on=dt.date(2021, 8, 2))
    assert caught.value.code == "permission_denied"


def test_a_dose_after_checkin_closes_the_registration(areas, site, staff):
    person = make_person(areas["commune_a"])
    session = make_session(site, date=TODAY)
    registration = make_registration(person, status=Status.CHECKED_IN, slot=session.slots.first())
    result = _record(staff, person, number=1, on=TODAY, registration_id=registration.pk)
    registration.refresh_from_db()
    assert registration.status == Status.VACCINATED
    assert result.dose.session == session and result.dose.site == site


def test_a_dose_for_a_registration_not_checked_in_is_refused(areas, site, staff):
    person = make_person(areas["commune_a"])
    session = make_session(site, date=TODAY)
    registration = make_registration(person, status=Status.BOOKED, slot=session.slots.first())
    with pytest.raises(ApplicationError) as caught:
        _record(staff, person, number=1, on=TODAY, registration_id=registration.pk)
    assert caught.value.code == "not_checked_in"
    assert not Dose.objects.exists()


# --- reactions -----------------------------------------------------------------------------------------------


def test_reactions_by_staff_and_by_the_citizen(areas, staff):
    person = make_person(areas["commune_a"])
    dose = _record(staff, person, number=1, on=timezone.localdate() - dt.timedelta(days=1), now=timezone.now()).dose
    onset = timezone.now() - dt.timedelta(hours=20)
    services.reaction_record(
        actor=staff, dose_id=dose.pk, severity="mild", symptoms="Sốt nhẹ, đau chỗ tiêm", onset_at=onset
    )
    services.reaction_record(
        citizen_person=person, dose_id=dose.pk, severity="moderate", symptoms="Mệt", onset_at=onset
    )
    assert list(Reaction.objects.values_list("reported_via", flat=True)) == ["staff", "citizen"]
    stranger = make_person(areas["commune_a"], name="Người Khác")
    with pytest.raises(ApplicationError) as caught:
        services.reaction_record(
            citizen_person=stranger, dose_id=dose.pk, severity="mild", symptoms="x", onset_at=onset
        )
    assert caught.value.code == "not_found"


@pytest.mark.parametrize(
    "severity,symptoms,onset_days,field",
    [("fatal", "Sốt", 0, "severity"), ("mild", "", 0, "symptoms"), ("mild", "Sốt", -2, "onset_at")],
)
def test_an_invalid_reaction_is_refused(areas, staff, severity, symptoms, onset_days, field):
    person = make_person(areas["commune_a"])
    dose = _record(staff, person, number=1, on=timezone.localdate() - dt.timedelta(days=1), now=timezone.now()).dose
    onset = timezone.make_aware(dt.datetime.combine(dose.given_on + dt.timedelta(days=onset_days), dt.time(9)))
    with pytest.raises(ApplicationError) as caught:
        services.reaction_record(actor=staff, dose_id=dose.pk, severity=severity, symptoms=symptoms, onset_at=onset)
    assert caught.value.code == "invalid_reaction" and caught.value.extra["field"] == field
    assert not Reaction.objects.exists()
