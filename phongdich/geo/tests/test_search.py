import pytest

from phongdich.geo.selectors import area_children, area_search
from phongdich.geo.services import area_upsert

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    province = area_upsert(code="38", name="Tỉnh Thanh Hóa", kind="province")
    district = area_upsert(code="391", name="Huyện Thạch Thành", kind="district", parent=province)
    return {
        "province": province,
        "district": district,
        "kim_tan": area_upsert(code="15187", name="Thị trấn Kim Tân", kind="commune", parent=district),
        "thach_lam": area_upsert(code="15196", name="Xã Thạch Lâm", kind="commune", parent=district),
        "dong_son": area_upsert(code="16000", name="Phường Đông Sơn", kind="commune", parent=province),
        "hanoi": area_upsert(code="01", name="Thành phố Hà Nội", kind="province"),
    }


def test_search_without_diacritics_finds_the_district(tree):
    assert area_search(q="thach thanh")[0] == tree["district"]
    assert area_search(q="THẠCH THÀNH")[0] == tree["district"]


def test_search_matches_every_word_and_the_letter_d(tree):
    assert area_search(q="xa thach") == [tree["thach_lam"]]
    assert area_search(q="dong son") == [tree["dong_son"]]


def test_search_by_code_and_filters(tree):
    assert area_search(q="15187") == [tree["kim_tan"]]
    assert set(area_search(q="thanh", kinds=["province"])) == {tree["province"], tree["hanoi"]}
    assert tree["hanoi"] not in area_search(q="thanh", within=tree["province"])
    assert area_search(q="  ") == []


def test_children_are_the_direct_ones(tree):
    assert list(area_children(area=tree["district"])) == [tree["kim_tan"], tree["thach_lam"]]
    assert set(area_children(area=None)) == {tree["province"], tree["hanoi"]}


def test_areas_api_is_public_and_returns_full_names(client, tree):
    response = client.get("/api/v1/areas/", {"q": "thach lam"})
    assert response.status_code == 200
    (row,) = response.json()["results"]
    assert row == {
        "id": tree["thach_lam"].pk,
        "code": "15196",
        "name": "Xã Thạch Lâm",
        "kind": "commune",
        "path": "38/391/15196/",
        "parent_name": "Huyện Thạch Thành",
        "full_name": "Xã Thạch Lâm, Huyện Thạch Thành, Tỉnh Thanh Hóa",
    }


def test_areas_api_browses_children_and_filters_by_kind(client, tree):
    rows = client.get("/api/v1/areas/", {"parent": tree["province"].pk}).json()["results"]
    assert [row["code"] for row in rows] == ["391", "16000"]
    rows = client.get("/api/v1/areas/", {"parent": tree["province"].pk, "kind": "district"}).json()["results"]
    assert [row["code"] for row in rows] == ["391"]


@pytest.mark.parametrize("params", [{"parent": "x"}, {"parent": 999999}, {"kind": "planet"}, {"limit": 1000}])
def test_areas_api_bad_parameters_are_400(client, tree, params):
    response = client.get("/api/v1/areas/", params)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_input"


def test_areas_api_is_rate_limited(client, tree, monkeypatch):
    from rest_framework.throttling import ScopedRateThrottle

    # The class keeps the rates it read at import; patch a copy, so other scopes stay as they are.
    rates = {**ScopedRateThrottle.THROTTLE_RATES, "area_search": "3/min"}
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", rates)
    codes = [client.get("/api/v1/areas/", {"q": "thach"}).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


def test_area_picker_renders_with_its_field_name(tree):
    from django.template.loader import render_to_string

    html = render_to_string("geo/area_picker.html", {"field_name": "address_area", "area": tree["kim_tan"]})
    assert 'name="address_area"' in html and f'value="{tree["kim_tan"].pk}"' in html
    assert 'role="combobox"' in html and "/api/v1/areas/" in html and "geo/area_picker.js" in html
