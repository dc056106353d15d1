from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from phongdich.geo.models import Area

pytestmark = pytest.mark.django_db


def _load(*args) -> str:
    out = StringIO()
    call_command("geo_load", "--no-progress", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_loading_thanh_hoa_gives_166_communes_and_is_idempotent():
    _load("--province", "38")
    province = Area.objects.get(parent=None, code="38")
    assert province.name == "Tỉnh Thanh Hóa" and province.kind == "province" and province.path == "38/"
    communes = Area.objects.filter(parent=province)
    assert communes.count() == 166  # RULES.md §7: Thanh Hóa keeps code 38 with 166 communes after 1 July 2025
    commune = communes.get(code="15085")
    assert commune.path == "38/15085/" and commune.depth == 1 and commune.kind == "commune"
    assert commune.name_folded == "xa thach lap"
    assert all(len(code) == 5 for code in communes.values_list("code", flat=True))
    assert "0 created, 0 updated" in _load("--province", "38")
    assert Area.objects.count() == 167


def test_a_renamed_area_is_updated_in_place():
    _load("--province", "38")
    commune = Area.objects.get(code="15085")
    Area.objects.filter(pk=commune.pk).update(name="Old name", name_folded="old name")
    assert "0 created, 1 updated" in _load("--province", "38")
    commune.refresh_from_db()
    assert commune.name == "Xã Thạch Lập"


def test_unknown_province_is_an_error():
    with pytest.raises(CommandError):
        _load("--province", "99")


@pytest.mark.slow
def test_loading_everything_gives_34_provinces_and_3321_communes():
    _load()
    assert Area.objects.filter(kind="province").count() == 34
    assert Area.objects.filter(kind="commune").count() == 3321  # RULES.md §7
    assert Area.objects.filter(parent=None).count() == 34
