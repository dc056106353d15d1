"""The registration forms' commune typed and not chosen from the picker's suggestions (the citizen's and the
official's; geo.forms.AreaPickerFormMixin): it posted an empty id, and the form said the address was missing although
it had been typed. Now a text naming one commune the picker offers (the country's, the official's) is taken; one
naming none or several is the field's error, the text kept, and nothing is written."""

import pytest

from phongdich.core.testing import make_official
from phongdich.people.models import Person

from ..models import TestRegistration
from .builders import BIRTH_1990, CCCD_1990


def _body(session, area_text: str) -> dict:
    return {
        "session": session.pk,
        "full_name": "Nguyễn Văn An",
        "id_number": CCCD_1990,
        "birth_date": BIRTH_1990.isoformat(),
        "phone": "0912345678",
        "area": "",
        "area_text": area_text,
        "reason": "screening",
    }


def _nothing_written() -> bool:
    return not TestRegistration.objects.exists() and not Person.objects.exists()


def test_a_citizens_commune_typed_and_not_chosen_is_taken(client, session, areas):
    response = client.post("/testing/register/", _body(session, "Phuong Hoan Kiem"))

    assert response.status_code == 201, response.content.decode()[:2000]
    assert TestRegistration.objects.get().person.address_area == areas["other_commune"]


@pytest.mark.parametrize("typed", ["thach", "ba dinh"])  # two communes have "Thạch" in their name; none "Ba Đình"
def test_a_citizens_text_naming_several_communes_or_none_is_refused_with_the_text_kept(client, session, typed):
    response = client.post("/testing/register/", _body(session, typed))

    html = response.content.decode()
    assert response.status_code == 400 and "Chọn địa bàn trong danh sách" in html
    assert 'name="area_text"' in html and f'value="{typed}"' in html
    assert _nothing_written()


def test_an_official_registers_with_a_commune_typed_of_their_area_only(client, session, areas):
    client.force_login(make_official("area_official", areas["province"], username="soyte"))
    url = f"/testing/sessions/{session.pk}/register/"

    response = client.post(url, _body(session, "Phuong Hoan Kiem"))  # Hà Nội's: not offered to Thanh Hóa's official
    assert response.status_code == 400 and 'value="Phuong Hoan Kiem"' in response.content.decode()
    assert _nothing_written()
    response = client.post(url, _body(session, "cam thach"))
    assert response.status_code == 302
    assert TestRegistration.objects.get().person.address_area == areas["commune_b"]
