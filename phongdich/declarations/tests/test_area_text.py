"""An area typed in a declaration form's picker and not chosen from its suggestions (geo.forms.AreaPickerFormMixin):
the form posted an empty id, so a typed address was refused as missing (domestic, movement) or dropped silently (the
entry form's optional address). Now a text naming one commune (one province, for the trip) is taken; one naming none
or several is the field's error, the text kept, and nothing is written."""

import pytest
from django.utils import timezone

from phongdich.core.testing import make_official, make_province_with_communes
from phongdich.declarations.models import Declaration
from phongdich.people.models import Person

from .builders import domestic_post, make_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def areas():
    return make_province_with_communes()  # Xã Thạch Lập, Xã Cẩm Thạch (Thanh Hóa); Phường Hoàn Kiếm (Hà Nội)


def _typed(areas, area_text: str, **overrides) -> dict:
    """The domestic form as the page posts it when the address was typed and not chosen: no id, the text."""
    return {**domestic_post(areas["commune_a"], **overrides), "area": "", "area_text": area_text}


def _nothing_written():
    return not Declaration.objects.exists() and not Person.objects.exists()


def test_a_commune_typed_and_not_chosen_is_the_declarations_address(client, areas):
    response = client.post("/declarations/domestic/", _typed(areas, "thach lap"))

    assert response.status_code == 200, response.content.decode()[:2000]
    assert Declaration.objects.get().area_path == areas["commune_a"].path


@pytest.mark.parametrize("typed", ["thach", "ba dinh"])  # two communes have "Thạch" in their name; none "Ba Đình"
def test_a_text_naming_several_communes_or_none_is_refused_with_the_text_kept(client, areas, typed):
    response = client.post("/declarations/domestic/", _typed(areas, typed))

    html = response.content.decode()
    assert response.status_code == 400 and "Chọn địa bàn trong danh sách" in html
    assert 'name="area_text"' in html and f'value="{typed}"' in html
    assert _nothing_written()


def test_the_entry_forms_optional_address_is_not_dropped_when_it_names_no_commune(client, areas):
    make_port("HAN", province=areas["other_province"])
    body = _typed(
        areas,
        "quan 1",
        nationality="FR",
        passport_number="C1234567",
        vehicle_type="plane",
        vehicle_number="VN54",
        port_of_entry="HAN",
        arrival_date=timezone.localdate().isoformat(),
        nonce="e-1",
    )

    response = client.post("/en/declarations/entry/", body)

    assert response.status_code == 400 and "Choose an area from the list" in response.content.decode()
    assert _nothing_written()
    response = client.post("/en/declarations/entry/", {**body, "area_text": "Phuong Hoan Kiem"})
    assert response.status_code == 200, response.content.decode()[:2000]
    assert Declaration.objects.get().area_path == areas["other_commune"].path


def test_the_trips_provinces_typed_and_not_chosen_are_taken_and_only_provinces(client, areas):
    trip = {
        "vehicle_type": "coach",
        "vehicle_number": "36B-123.45",
        "origin_area": "",
        "origin_area_text": "ha noi",
        "origin_point": "Bến xe Giáp Bát",
        "destination_area": "",
        "destination_area_text": "Thạch Lập",  # a commune: the picker offers provinces only
        "destination_point": "Bến xe phía Bắc",
        "departure_date": timezone.localdate().isoformat(),
    }
    body = domestic_post(areas["commune_a"], nonce="m-1", **trip)

    response = client.post("/declarations/movement/", body)

    html = response.content.decode()
    assert response.status_code == 400 and 'name="destination_area_text"' in html and 'value="Thạch Lập"' in html
    assert 'value="Thành phố Hà Nội"' in html  # the origin it took is shown as chosen, for the next try
    assert _nothing_written()
    response = client.post("/declarations/movement/", {**body, "destination_area_text": "thanh hoa"})
    assert response.status_code == 200, response.content.decode()[:2000]
    declaration = Declaration.objects.get()
    assert declaration.origin_area == areas["other_province"] and declaration.destination_area == areas["province"]


def test_staff_entry_takes_a_typed_commune_and_refuses_an_ambiguous_one(client, areas):
    client.force_login(make_official("area_official", areas["province"]))
    body = {**_typed(areas, "cam thach", nonce="s-1"), "kind": "domestic"}

    assert client.post("/declarations/enter/", {**body, "area_text": "thach"}).status_code == 400
    assert _nothing_written()
    response = client.post("/declarations/enter/", body)
    assert response.status_code == 302
    assert Declaration.objects.get().area_path == areas["commune_b"].path
