import pytest

from phongdich.core.testing import make_official, make_province_with_communes

from .builders import make_person, make_session, make_site


@pytest.fixture
def areas(db):
    return make_province_with_communes()


@pytest.fixture
def site(areas):
    return make_site(areas["commune_a"], code="TL", pool_max_size=3, name="Trạm Y tế xã Thạch Lập")


@pytest.fixture
def session(site):
    return make_session(site, capacity=2)


@pytest.fixture
def lab(areas):
    """Lab staff of commune A (the site's commune)."""
    return make_official("lab_staff", areas["commune_a"], username="xetnghiem.a")


@pytest.fixture
def other_lab(areas):
    return make_official("lab_staff", areas["commune_b"], username="xetnghiem.b")


@pytest.fixture
def person(areas):
    return make_person(areas["commune_a"])
