"""geo.forms.AreaPickerFormMixin: a form's area typed in the picker and not chosen from its suggestions is resolved
among the areas the picker offers (geo.selectors.area_from_text), not dropped; and the filters' helpers."""

import pytest
from django import forms
from django.http import QueryDict

from phongdich.core.errors import ApplicationError
from phongdich.geo.errors import AREA_NOT_CHOSEN
from phongdich.geo.forms import AreaPickerFormMixin, area_not_chosen_context, typed_area_text
from phongdich.geo.models import Area
from phongdich.geo.selectors import areas_named
from phongdich.geo.services import area_upsert

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    """Thanh Hóa with two districts, each with a Xã Thạch Lâm; Thạch Thành's Kim Tân."""
    province = area_upsert(code="38", name="Tỉnh Thanh Hóa", kind="province", division_type="tỉnh")
    district = area_upsert(code="391", name="Huyện Thạch Thành", kind="district", parent=province)
    other = area_upsert(code="392", name="Huyện Hà Trung", kind="district", parent=province)
    return {
        "province": province,
        "district": district,
        "kim_tan": area_upsert(
            code="15187", name="Thị trấn Kim Tân", kind="commune", parent=district, division_type="thị trấn"
        ),
        "thach_lam": area_upsert(code="15196", name="Xã Thạch Lâm", kind="commune", parent=district),
        "ha_trung_lam": area_upsert(code="16001", name="Xã Thạch Lâm", kind="commune", parent=other),
    }


class AddressForm(AreaPickerFormMixin, forms.Form):
    area = forms.ModelChoiceField(queryset=Area.objects.all(), widget=forms.HiddenInput, required=False)
    origin = forms.IntegerField(widget=forms.HiddenInput, error_messages={"required": "Choose where from."})

    def __init__(self, *args, within_path="", kind=Area.Kind.COMMUNE, among=None, **kwargs):
        super().__init__(*args, **kwargs)
        if among is not None:
            self.fields["area"].queryset = among
        self.area_picker_setup("area", within_path=within_path, kind=kind)
        self.area_picker_setup("origin", kind=Area.Kind.PROVINCE)


def _form(data, **options):
    return AddressForm(data, **options)


def test_a_name_typed_and_not_chosen_is_taken_when_it_names_one_area_offered(tree):
    form = _form({"area": "", "area_text": "thach lam, thach thanh", "origin": "", "origin_text": "thanh hoa"})

    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"area": tree["thach_lam"], "origin": tree["province"].pk}
    assert form.picked_area() == tree["thach_lam"] and form.typed_areas == {}


def test_a_name_naming_several_or_none_is_the_fields_error_with_the_text_kept(tree):
    for typed in ("Xã Thạch Lâm", "hoan kiem"):  # two communes of that name in the country; none of this name
        form = _form({"area": str(tree["kim_tan"].pk), "area_text": typed, "origin": str(tree["province"].pk)})

        assert not form.is_valid()
        assert form.errors["area"] == ["Chọn địa bàn trong danh sách."]
        assert "area" not in form.cleaned_data and form.typed_areas == {"area": typed}
        assert form.picked_area() is None  # the id sent is not what the text says: neither is kept


def test_a_required_fields_refused_text_says_to_choose_not_that_it_is_missing(tree):
    form = _form({"origin": "", "origin_text": "thach"})

    assert not form.is_valid() and form.errors["origin"] == ["Chọn địa bàn trong danh sách."]


def test_the_text_names_only_areas_the_picker_offers(tree):
    # The district's name, in a commune's picker: no commune has it.
    assert not _form({"area_text": "thach thanh", "origin": "1"}).is_valid()
    assert _form({"area_text": "thach thanh", "origin": "1"}, kind=None).is_valid()
    # Under the official's area only (the picker's `within`), and among the field's queryset.
    other_district = tree["ha_trung_lam"].parent.path
    assert _form({"area_text": "Xã Thạch Lâm", "origin": "1"}, within_path=other_district).is_valid()
    among = Area.objects.filter(pk=tree["thach_lam"].pk)
    form = _form({"area_text": "Xã Thạch Lâm", "origin": "1"}, among=among)
    assert form.is_valid() and form.cleaned_data["area"] == tree["thach_lam"]


def test_without_the_text_the_id_decides_and_an_emptied_text_is_no_area(tree):
    def area(data):
        form = _form({**data, "origin": "1"})
        assert form.is_valid(), form.errors
        return form.cleaned_data["area"]

    kim_tan = str(tree["kim_tan"].pk)
    assert area({"area": kim_tan}) == tree["kim_tan"]  # the API, a page without the picker's text
    assert area({"area": kim_tan, "area_text": "Thị trấn Kim Tân, Huyện Thạch Thành"}) == tree["kim_tan"]
    assert area({"area": kim_tan, "area_text": " "}) is None  # emptied without the script, which leaves the id


def test_a_prefixed_forms_text_is_its_fields_name_with_the_prefix(tree):
    form = AddressForm({"new-area": "", "new-area_text": "kim tan", "new-origin": "1"}, prefix="new")

    assert form.is_valid() and form.cleaned_data["area"] == tree["kim_tan"]


def test_kind_narrows_the_areas_named(tree):
    assert areas_named(text="thach thanh", within_path="") == [tree["district"]]
    assert areas_named(text="thach thanh", within_path="", kind=Area.Kind.COMMUNE) == []
    assert areas_named(text="thanh hoa", within_path="", kind=Area.Kind.PROVINCE) == [tree["province"]]


def test_the_filters_helpers_read_the_text_only_when_sent():
    assert typed_area_text(QueryDict("area=3"), {"area_text": ""}) is None  # a link: the id decides
    assert typed_area_text(QueryDict("area=&area_text=kim"), {"area_text": "kim"}) == "kim"
    refused = ApplicationError(AREA_NOT_CHOSEN, extra={"text": "x", "found": "none"})
    context = area_not_chosen_context(QueryDict("area_text=" + "x" * 300), refused)
    assert context == {"area_errors": ["Chọn địa bàn trong danh sách."], "typed_area": "x" * 200}
