"""Fixtures of the telecom tests: a small area tree, officials of each role, and helpers that import files
through the real service (telecom_import_create + telecom_import_run), as the task does."""

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from phongdich.accounts.models import Official
from phongdich.cases.services import case_create
from phongdich.core.testing import make_area, make_official, make_user
from phongdich.core.text import fold
from phongdich.people.models import Person
from phongdich.telecom.services import telecom_import_create, telecom_import_run

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
ROLE = Official.Role


@pytest.fixture(autouse=True)
def _var_dir(settings, tmp_path):
    # Uploads are written under VAR_DIR/telecom-uploads: each test gets its own.
    settings.VAR_DIR = tmp_path / "var"


@pytest.fixture(autouse=True)
def _samples_within_retention(settings):
    # The samples are of September 2021: an import counts rows past TELECOM_RETENTION_DAYS as expired (rows_expired)
    # and a prune deletes them, so the tests that are not about retention count it in decades. Those about it set it
    # back (test_retention_demo, test_import_outcomes, test_walkthrough_pages).
    settings.TELECOM_RETENTION_DAYS = 365 * 30


@pytest.fixture
def areas(db):
    province = make_area("38", "Tỉnh Thanh Hóa", "province")
    district = make_area("391", "Huyện Thạch Thành", "district", province)
    hanoi = make_area("01", "Thành phố Hà Nội", "province")
    return {
        "province": province,
        "district": district,
        "kim_tan": make_area("15187", "Thị trấn Kim Tân", "commune", district),
        "van_du": make_area("15190", "Thị trấn Vân Du", "commune", district),
        "hanoi": hanoi,
        "hoan_kiem": make_area("00070", "Phường Hoàn Kiếm", "commune", hanoi),
    }


@pytest.fixture
def health(areas):
    """The province's health department: may import, trace, and see unknown numbers in full."""
    return make_official(ROLE.HEALTH_DEPT, areas["province"], "soyte")


@pytest.fixture
def province_admin(areas):
    return make_official(ROLE.PROVINCE_ADMIN, areas["province"], "tinh")


@pytest.fixture
def area_official(areas):
    return make_official(ROLE.AREA_OFFICIAL, areas["kim_tan"], "xa")


@pytest.fixture
def venue_staff(areas):
    return make_official(ROLE.VENUE_STAFF, areas["kim_tan"], "kiemsoat")


@pytest.fixture
def hanoi_health(areas):
    return make_official(ROLE.HEALTH_DEPT, areas["hanoi"], "soyte_hanoi")


@pytest.fixture
def superuser(db):
    return make_user("root", is_superuser=True, is_staff=True)


def import_bytes(
    actor, data: bytes | str, *, kind="locations", operator="viettel", policy="all_or_nothing", name=None, now=None
):
    """Upload and run at once (the command's path); returns the finished import (run at `now`, if given)."""
    if isinstance(data, str):
        data = data.encode()
    record = telecom_import_create(
        actor=actor,
        operator=operator,
        kind=kind,
        policy=policy,
        file_name=name or f"{kind}.csv",
        chunks=[data],
        size=len(data),
        enqueue=False,
    )
    return telecom_import_run(import_id=record.pk, now=now)


def import_sample(actor, name: str, *, kind="locations", policy="all_or_nothing"):
    return import_bytes(actor, (SAMPLES / name).read_bytes(), kind=kind, policy=policy, name=name)


@pytest.fixture
def cells(health):
    """Viettel's sample cell list (12 cells around Thạch Thành)."""
    record = import_sample(health, "viettel-cells.csv", kind="cells")
    assert record.status == "done", record.errors
    return record


def make_person(area, name="Nguyễn Văn An", phone="+84912000111") -> Person:
    return Person.objects.create(
        full_name=name,
        name_folded=fold(name),
        phone=phone,
        birth_year=1985,
        address_area=area,
        area_path=area.path,
        created_via=Person.CreatedVia.OFFICIAL,
    )


def local(year, month, day, hour=0, minute=0) -> dt.datetime:
    return timezone.make_aware(dt.datetime(year, month, day, hour, minute), timezone.get_default_timezone())


def make_case(actor, person, *, onset=dt.date(2021, 9, 16), sample=dt.date(2021, 9, 17), isolated=None):
    """A symptomatic case of September 2021: QĐ 3638's window runs from 3 days before onset (13/09 00:00)
    to isolation (20/09 12:00 unless told)."""
    return case_create(
        actor=actor,
        person=person,
        sample_date=sample,
        test_type="pcr",
        onset_date=onset,
        isolated_at=isolated or local(2021, 9, 20, 12),
    )
