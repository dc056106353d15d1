"""The registration form in a real headless Chromium, its commune typed and not chosen from the suggestions: the
required picker's script refused to send the form ("No area found."), though the text named one commune; now it sends
the text and the server takes the commune (geo.forms.AreaPickerFormMixin), or answers with the text kept."""

import pytest

from phongdich.core.testing import make_province_with_communes

from ..models import VaccinationRegistration

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fill(phone, url: str, typed: str) -> None:
    phone.goto(f"{url}/vaccination/register/")
    phone.fill("#id_full_name", "Quách Văn Hùng")
    phone.fill("#id_birth_date", "1950-04-04")
    phone.fill("#id_phone", "0912000111")
    phone.fill("#id_area_search", typed)
    phone.locator("#id_area_options li").first.wait_for()  # the suggestions are open, none chosen
    phone.get_by_role("button", name="Đăng ký").click()
    phone.wait_for_load_state()


def test_a_commune_typed_and_not_chosen_registers_or_comes_back_as_typed(reference_data, live_server, phone):
    areas = make_province_with_communes()

    _fill(phone, live_server.url, "thach")  # Xã Thạch Lập and Xã Cẩm Thạch
    assert "Chọn địa bàn trong danh sách" in phone.locator(".area-picker .errorlist").inner_text()
    assert phone.locator("#id_area_search").input_value() == "thach"
    assert not VaccinationRegistration.objects.exists()

    _fill(phone, live_server.url, "cam thach")
    phone.get_by_text("Quách Văn Hùng").wait_for()  # the page that says what was sent
    assert VaccinationRegistration.objects.get().person.address_area == areas["commune_b"]
