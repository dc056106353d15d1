"""The area picker in a real headless Chromium, with the keyboard only."""

import pytest

from phongdich.geo.services import area_upsert

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def tree():
    province = area_upsert(code="38", name="Tỉnh Thanh Hóa", kind="province")
    district = area_upsert(code="391", name="Huyện Thạch Thành", kind="district", parent=province)
    return {
        "district": district,
        "thach_lam": area_upsert(code="15196", name="Xã Thạch Lâm", kind="commune", parent=district),
        "thach_quang": area_upsert(code="15199", name="Xã Thạch Quảng", kind="commune", parent=district),
    }


def test_type_without_diacritics_arrow_and_enter_choose_an_area(live_server, chromium, tree):
    page = chromium.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"{live_server.url}/areas/")
        search = page.locator("#id_area_search")
        search.focus()
        page.keyboard.type("xa thach")
        options = page.locator("#id_area_options li")
        options.nth(1).wait_for()
        assert options.count() == 2
        page.keyboard.press("ArrowDown")  # the first option is active; move to the second
        assert options.nth(1).get_attribute("aria-selected") == "true"
        page.keyboard.press("Enter")  # chooses, does not submit
        assert page.locator("#id_area_options").is_hidden()
        chosen = page.locator("#id_area").input_value()
        assert chosen in {str(tree["thach_lam"].pk), str(tree["thach_quang"].pk)}
        page.keyboard.press("Enter")  # now the list is closed: submits the form
        detail = page.locator(".area-detail")
        detail.wait_for()
        assert "Huyện Thạch Thành, Tỉnh Thanh Hóa" in detail.inner_text()
        assert page.url.endswith(f"?area={chosen}")
    finally:
        page.close()


def test_typing_again_clears_the_chosen_area(live_server, chromium, tree):
    page = chromium.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"{live_server.url}/areas/?area={tree['district'].pk}")
        assert page.locator("#id_area").input_value() == str(tree["district"].pk)
        page.locator("#id_area_search").focus()
        page.keyboard.type("x")
        assert page.locator("#id_area").input_value() == ""
    finally:
        page.close()
