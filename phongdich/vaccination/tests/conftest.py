import pytest

from phongdich.accounts.models import Official
from phongdich.core.testing import make_area, make_official, make_province_with_communes

from .builders import make_site


@pytest.fixture
def areas(db):
    return make_province_with_communes()


@pytest.fixture
def site(areas):
    return make_site(areas["commune_a"], name="Trạm Y tế xã Thạch Lập")


@pytest.fixture
def staff(areas):
    return make_official(Official.Role.VACCINATION_STAFF, areas["commune_a"], username="tiemchung")


@pytest.fixture
def official(areas):
    return make_official(Official.Role.AREA_OFFICIAL, areas["commune_a"], username="xa.thachlap")


@pytest.fixture
def other_official(areas):
    return make_official(Official.Role.AREA_OFFICIAL, areas["commune_b"], username="xa.camthach")


@pytest.fixture
def province_official(areas):
    return make_official(Official.Role.HEALTH_DEPT, areas["province"], username="soyte")


@pytest.fixture
def district(areas):
    return make_area("391", "Huyện Thạch Thành", "district", areas["province"])


@pytest.fixture
def reference_data(transactional_db):
    """Transactional tests start from a flushed database (a previous one emptied the tables the data migration
    filled): load the priority groups and products again, as migration 0002 does."""
    from importlib import import_module

    from django.apps import apps

    import_module("phongdich.vaccination.migrations.0002_reference_data").load(apps, None)
