"""Builders for follow-up tests: an area tree, people, and declarations submitted through the real service
(declarations.services.declaration_submit), so that triage runs from the real signal."""

import datetime as dt

from django.utils import timezone

from phongdich.accounts.models import Official
from phongdich.core.testing import make_area, make_official
from phongdich.core.text import fold
from phongdich.declarations.services import declaration_submit
from phongdich.people.models import Person

ROLE = Official.Role


def make_tree() -> dict:
    """Thanh Hóa → Thạch Thành district → two communes (one with a village under it); Hạc Thành commune
    directly under the province; and Hà Nội with one commune."""
    province = make_area("38", "Tỉnh Thanh Hóa", "province")
    district = make_area("391", "Huyện Thạch Thành", "district", province)
    kim_tan = make_area("15187", "Thị trấn Kim Tân", "commune", district)
    hanoi = make_area("01", "Thành phố Hà Nội", "province")
    return {
        "province": province,
        "district": district,
        "kim_tan": kim_tan,
        "thach_lam": make_area("15196", "Xã Thạch Lâm", "commune", district),
        "village": make_area("15187-01", "Thôn Ngọc Bồ", "other", kim_tan),
        "hac_thanh": make_area("16000", "Phường Hạc Thành", "commune", province),
        "hanoi": hanoi,
        "hoan_kiem": make_area("00070", "Phường Hoàn Kiếm", "commune", hanoi),
    }


def make_person(area=None, *, name: str = "Nguyễn Văn An", recorded_in=None, phone: str = "+84912345678") -> Person:
    """A person living in `area` (their address); `recorded_in` is where the record is filed when it differs
    (a person first recorded at a venue of another commune)."""
    return Person.objects.create(
        full_name=name,
        name_folded=fold(name),
        phone=phone,
        birth_year=1985,
        address_area=area,
        address_street="Số 5, thôn Đông" if area else "",
        area_path=(recorded_in or area).path,
        created_via=Person.CreatedVia.OFFICIAL,
    )


def local(year, month, day, hour=9, minute=0) -> dt.datetime:
    return timezone.make_aware(dt.datetime(year, month, day, hour, minute), timezone.get_current_timezone())


def declare(person, *, area=None, symptoms=(), exposures=(), kind="domestic", now=None, source="online", **extra):
    """Submit a declaration through the real service; `area` defaults to the person's address."""
    area = area if area is not None else person.address_area
    data = {
        "area": area.pk if area is not None else None,
        "address_street": "Số 5, thôn Đông",
        "symptoms": list(symptoms),
        "exposures": list(exposures),
        **extra,
    }
    return declaration_submit(person=person, kind=kind, data=data, source=source, now=now)


def commune_official(area, username=None):
    return make_official(ROLE.AREA_OFFICIAL, area, username)
