"""A name typed in the area picker and not chosen from its list (geo.selectors.area_from_text): taken when it names
one of the viewer's areas, refused (area_not_chosen) when it names none or several, so that a filter is not dropped
silently."""

import pytest

from phongdich.core.errors import ApplicationError
from phongdich.geo.selectors import area_from_text, areas_named
from phongdich.geo.services import area_upsert

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    province = area_upsert(code="38", name="Tỉnh Thanh Hóa", kind="province", division_type="tỉnh")
    district = area_upsert(code="391", name="Huyện Thạch Thành", kind="district", parent=province)
    other = area_upsert(code="392", name="Huyện Hà Trung", kind="district", parent=province)
    return {
        "province": province,
        "district": district,
        "thach_binh": area_upsert(code="15211", name="Xã Thạch Bình", kind="commune", parent=district),
        "thach_binh_dong": area_upsert(code="15299", name="Xã Thạch Bình Đông", kind="commune", parent=district),
        "kim_tan": area_upsert(
            code="15187", name="Thị trấn Kim Tân", kind="commune", parent=district, division_type="thị trấn"
        ),
        "thach_lam": area_upsert(code="15196", name="Xã Thạch Lâm", kind="commune", parent=district),
        "ha_trung_lam": area_upsert(code="16001", name="Xã Thạch Lâm", kind="commune", parent=other),
        "hanoi": area_upsert(code="01", name="Thành phố Hà Nội", kind="province"),
    }


def test_a_name_with_or_without_its_division_word_names_the_area_before_longer_names(tree):
    """ "thach binh" is the whole name of Xã Thạch Bình (its division word left out) and only part of Xã Thạch Bình
    Đông's: it names the first."""
    district = tree["district"].path
    assert areas_named(text="thach binh", within_path=district) == [tree["thach_binh"]]
    assert areas_named(text="Xã Thạch Bình", within_path=district) == [tree["thach_binh"]]
    assert areas_named(text="kim tan", within_path=district) == [tree["kim_tan"]]
    assert areas_named(text="binh dong", within_path=district) == [tree["thach_binh_dong"]]
    assert areas_named(text="15187", within_path=district) == [tree["kim_tan"]]


def test_the_pickers_label_names_its_area_among_namesakes(tree):
    province = tree["province"].path
    assert len(areas_named(text="Xã Thạch Lâm", within_path=province)) == 2
    assert areas_named(text="Xã Thạch Lâm, Huyện Thạch Thành", within_path=province) == [tree["thach_lam"]]
    assert areas_named(text="thach lam, ha trung", within_path=province) == [tree["ha_trung_lam"]]


def test_only_the_viewers_areas_are_named(tree):
    assert areas_named(text="ha noi", within_path=tree["province"].path) == []
    assert areas_named(text="ha noi", within_path="") == [tree["hanoi"]]  # a superuser's
    assert areas_named(text="kim tan", within_path=None) == []  # no area at all


def test_area_from_text(tree):
    district = tree["district"].path
    kim_tan = tree["kim_tan"]
    assert area_from_text(text=None, chosen=kim_tan, within_path=district) == kim_tan  # not sent: the id
    assert area_from_text(text="  ", chosen=kim_tan, within_path=district) is None  # emptied
    label = "Thị trấn Kim Tân, Huyện Thạch Thành"
    assert area_from_text(text=label, chosen=kim_tan, within_path=district) == kim_tan
    assert area_from_text(text="thach lam", chosen=kim_tan, within_path=district) == tree["thach_lam"]  # retyped
    for typed, found in (("thach", "several"), ("ha trung", "none"), ("Xã Thạch Lâm", "one")):
        if found == "one":
            assert area_from_text(text=typed, chosen=None, within_path=district) == tree["thach_lam"]
            with pytest.raises(ApplicationError) as refused:  # the province has two of that name
                area_from_text(text=typed, chosen=None, within_path=tree["province"].path)
            assert refused.value.extra == {"text": typed, "found": "several"}
            continue
        with pytest.raises(ApplicationError) as refused:
            area_from_text(text=typed, chosen=None, within_path=district)
        assert refused.value.code == "area_not_chosen" and refused.value.extra == {"text": typed, "found": found}
        assert refused.value.as_dict("vi")["message"] == "Chọn địa bàn trong danh sách."
