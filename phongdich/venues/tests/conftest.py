import pytest
from django.core.cache import cache
from django.utils import translation
from rest_framework.test import APIClient

from phongdich.core.testing import make_official, make_province_with_communes
from phongdich.venues.selectors import venue_code_cache_clear
from phongdich.venues.services import venue_register_public

PASSWORD = "Kiem-dich-2021!"


@pytest.fixture(autouse=True)
def _fresh_caches(settings):
    # Rate-limit counters, the per-process code cache and the active language must not leak between tests.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed: every venue has a user
    cache.clear()
    venue_code_cache_clear()
    yield
    cache.clear()
    venue_code_cache_clear()
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def areas(db):
    return make_province_with_communes()


@pytest.fixture
def official_a(areas):
    """An area official of commune A (seed 002: commune officials check registrations)."""
    return make_official("area_official", areas["commune_a"], username="canbo_a")


@pytest.fixture
def official_b(areas):
    return make_official("area_official", areas["commune_b"], username="canbo_b")


def registration(area_, **overrides) -> dict:
    data = {
        "name": "Chợ Đồng Tâm",
        "venue_type": "market",
        "area": area_.pk,
        "street_address": "Thôn Quyết Thắng",
        "latitude": "20.1234",
        "longitude": "105.6789",
        "contact_name": "Nguyễn Thị Hường",
        "contact_phone": "0912 345 678",
        "tax_code": "",
        "username": "cho_dong_tam",
        "password": PASSWORD,
        "email": "",
        "entrances": ["Cổng chính", "Cổng phụ"],
    }
    data.update(overrides)
    return data


@pytest.fixture
def venue_a(areas):
    """A pending venue in commune A, registered on the public form, with two entrances."""
    return venue_register_public(**registration(areas["commune_a"]))


@pytest.fixture
def venue_b(areas):
    return venue_register_public(
        **registration(areas["commune_b"], name="Nhà máy May Cẩm Thạch", username="maycamthach")
    )


@pytest.fixture
def api():
    return APIClient()
