"""Plain builders for tests: each makes only what it is asked for. Used by every app's tests."""

import itertools

from django.contrib.auth import get_user_model

from phongdich.geo.models import Area
from phongdich.geo.services import area_upsert

_seq = itertools.count(1)


def make_area(code: str, name: str, kind: str = "commune", parent: Area | None = None) -> Area:
    return area_upsert(code=code, name=name, kind=kind, parent=parent)


def make_province_with_communes() -> dict[str, Area]:
    """Thanh Hóa (38) with two communes, and a second province: enough to test scoping."""
    province = make_area("38", "Tỉnh Thanh Hóa", "province")
    other_province = make_area("01", "Thành phố Hà Nội", "province")
    return {
        "province": province,
        "commune_a": make_area("15085", "Xã Thạch Lập", "commune", province),
        "commune_b": make_area("15142", "Xã Cẩm Thạch", "commune", province),
        "other_province": other_province,
        "other_commune": make_area("00070", "Phường Hoàn Kiếm", "commune", other_province),
    }


def make_user(username: str | None = None, *, password: str = "pass-for-tests-1", **extra):
    username = username or f"user{next(_seq)}"
    return get_user_model().objects.create_user(username=username, password=password, **extra)


def make_official(role: str, area: Area, username: str | None = None):
    from phongdich.accounts.models import Official

    user = make_user(username)
    Official.objects.create(user=user, role=role, area=area)
    return user
