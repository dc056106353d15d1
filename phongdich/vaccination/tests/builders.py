"""Builders for vaccination tests: each makes only what it is asked for."""

import datetime as dt
import itertools

from django.utils import timezone

from phongdich.core.text import fold
from phongdich.people.models import Person

from ..models import (
    PriorityGroup,
    TimeSlot,
    VaccinationRegistration,
    VaccinationSession,
    VaccinationSite,
    VaccineProduct,
)

_seq = itertools.count(1)


def product(code: str = "astrazeneca") -> VaccineProduct:
    return VaccineProduct.objects.get(code=code)


def group(code: str = "nq21-1") -> PriorityGroup:
    return PriorityGroup.objects.get(code=code)


def make_person(area, *, name="Nguyễn Văn An", phone=None, birth_year=1980, birth_date=None) -> Person:
    return Person.objects.create(
        full_name=name,
        name_folded=fold(name),
        phone=phone or f"+8491{next(_seq):07d}",
        birth_year=birth_date.year if birth_date else birth_year,
        birth_date=birth_date,
        area_path=area.path,
        address_area=area,
        created_via=Person.CreatedVia.OFFICIAL,
    )


def make_site(area, name="Trạm Y tế xã") -> VaccinationSite:
    return VaccinationSite.objects.create(name=name, area=area, address="Thôn 1")


def make_session(site, *, date=None, product_code="astrazeneca", slots=((7, 2),)) -> VaccinationSession:
    """A session with slots of one hour starting at the given hours, each with its capacity."""
    date = date or timezone.localdate()
    session = VaccinationSession.objects.create(
        site=site, date=date, product=product(product_code), capacity=sum(cap for _, cap in slots)
    )
    for hour, capacity in slots:
        TimeSlot.objects.create(session=session, starts_at=dt.time(hour), ends_at=dt.time(hour + 1), capacity=capacity)
    return session


def make_registration(person, *, status="registered", slot=None, group_code="nq21-1", dose_number=1):
    registration = VaccinationRegistration.objects.create(
        person=person,
        priority_group=group(group_code),
        dose_number=dose_number,
        area_path=person.area_path,
        site_area_path=slot.session.site.area_path if slot else "",
        registered_via=VaccinationRegistration.Via.OFFICIAL,
        created_at=timezone.now(),
        status=status,
        slot=slot,
    )
    if slot is not None and status in VaccinationRegistration.HOLDING:
        TimeSlot.objects.filter(pk=slot.pk).update(booked_count=slot.booked_count + 1)
        VaccinationSession.objects.filter(pk=slot.session_id).update(booked_count=slot.session.booked_count + 1)
        slot.refresh_from_db()
        slot.session.refresh_from_db()
    return registration
