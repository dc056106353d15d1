"""The registration form's commune typed and not chosen from the picker's suggestions (geo.forms.AreaPickerFormMixin):
it posted an empty id and the form said the commune was missing although it had been typed. Now a text naming one
commune is taken; one naming none or several is the field's error, the text kept, and nothing is written."""

import pytest

from phongdich.people.models import Person

from ..models import VaccinationRegistration


def _body(area_text: str) -> dict:
    return {
        "full_name": "Quách Văn Hùng", "citizen_id": "", "birth_date": "1950-04-04", "phone": "0912000111",
        "area": "", "area_text": area_text, "address_street": "Thôn 3", "priority_group": "nq21-5", "slot": "",
    }  # fmt: skip


def test_a_commune_typed_and_not_chosen_is_the_registrations(client, areas):
    answer = client.post("/vaccination/register/", _body("Cam Thach"))

    assert answer.status_code == 202, answer.content.decode()[:2000]
    registration = VaccinationRegistration.objects.get()
    assert registration.person.address_area == areas["commune_b"] and registration.area_path == areas["commune_b"].path


@pytest.mark.parametrize("typed", ["thach", "Phường Ba Đình"])  # two communes of Thanh Hóa; none of that name
def test_a_text_naming_several_communes_or_none_is_refused_with_the_text_kept(client, areas, typed):
    answer = client.post("/vaccination/register/", _body(typed))

    html = answer.content.decode()
    assert answer.status_code == 400 and "Chọn địa bàn trong danh sách" in html
    assert 'name="area_text"' in html and f'value="{typed}"' in html
    assert not VaccinationRegistration.objects.exists() and not Person.objects.exists()


def test_the_commune_the_text_named_stays_chosen_when_another_field_is_refused(client, areas):
    answer = client.post("/vaccination/register/", {**_body("thach lap"), "birth_date": "2999-01-01"})

    html = answer.content.decode()
    assert answer.status_code == 400 and f'class="area-picker-value" value="{areas["commune_a"].pk}"' in html
    assert 'value="Xã Thạch Lập, Tỉnh Thanh Hóa"' in html
    assert not VaccinationRegistration.objects.exists()
