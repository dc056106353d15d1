"""Builders for testing-app tests: each makes only what it is asked for."""

import datetime as dt
import itertools

from django.utils import timezone

from phongdich.core.text import fold
from phongdich.people.models import Person

from ..models import TestingSession, TestingSite, TestType
from ..services import barcodes_reserve

_seq = itertools.count(1)

# A valid CCCD for a man born in 1990 (Thanh Hóa 038, century/gender digit 0, year 90) and a date of birth.
CCCD_1990 = "038090001234"
BIRTH_1990 = dt.date(1990, 5, 17)


def make_site(area, *, code: str | None = None, pool_max_size: int = 3, name: str | None = None) -> TestingSite:
    number = next(_seq)
    return TestingSite.objects.create(
        code=code or f"T{number:02d}"[:4],
        name=name or f"Trạm Y tế số {number}",
        area=area,
        address="1 Đường Lê Lợi",
        pool_max_size=pool_max_size,
    )


def make_session(
    site,
    *,
    capacity: int = 10,
    day: dt.date | None = None,
    test_type=TestType.PCR,
    start: dt.time = dt.time(0, 0),
    end: dt.time = dt.time(23, 59, 59),
) -> TestingSession:
    # Tomorrow and all day by default: open for booking whenever the tests run. Today's all-day session was over
    # from 23:59:59, and closed (a past day) for a test that ran past midnight: testing_session_ended or
    # testing_session_closed (PHONGDICH_TEST_CLOCK=23:59:59).
    return TestingSession.objects.create(
        site=site,
        date=day or timezone.localdate() + dt.timedelta(days=1),
        start_time=start,
        end_time=end,
        capacity=capacity,
        test_type=test_type,
    )


def make_person(area, *, name="Nguyễn Văn An", phone="+84912345678", citizen_id=CCCD_1990, birth_date=BIRTH_1990):
    return Person.objects.create(
        full_name=name,
        name_folded=fold(name),
        phone=phone,
        birth_date=birth_date,
        birth_year=birth_date.year if birth_date else None,
        citizen_id=citizen_id,
        area_path=area.path,
        address_area=area,
        created_via=Person.CreatedVia.OFFICIAL,
    )


def make_sample(site, person, *, test_type=TestType.PCR, collected_at=None, status="awaiting"):
    """A sample bypassing the collection service (for result and import tests)."""
    from ..models import Sample

    (barcode,) = barcodes_reserve(site=site)
    return Sample.objects.create(
        barcode=barcode,
        person=person,
        site=site,
        test_type=test_type,
        collected_at=collected_at or timezone.now() - dt.timedelta(hours=3),
        status=status,
        site_path=site.area_path,
        person_path=person.area_path,
    )
