"""The officials' menu on an ordinary office screen (1280 px): one row, and the "Tools" drop-down inside the screen.
A superuser's menu is the longest (every entry and the drop-down). Found walking the demo as a province official:
"Log out" wrapped to a second row and the open drop-down ran 30 px past the screen's edge, which then scrolled
sideways."""

import pytest

from phongdich.core.testing import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", ["", "/en"])
def test_the_longest_menu_fits_one_row_and_its_drop_down_the_screen(live_server, chromium, language):
    make_user("quantri", is_superuser=True, is_staff=True)
    context = chromium.new_context(viewport={"width": 1280, "height": 800}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"{live_server.url}/accounts/login/?next={language}/cases/")
        page.fill("#id_username", "quantri")
        page.fill("#id_password", "pass-for-tests-1")
        page.keyboard.press("Enter")
        page.wait_for_url(lambda url: "/cases/" in url and "login" not in url)

        brand = page.locator("header.topbar .brand").bounding_box()
        log_out = page.locator("#site-nav form button").bounding_box()
        # The same row as the brand: its bottom no lower than the brand's (a second row is 25 px lower).
        assert log_out["y"] + log_out["height"] <= brand["y"] + brand["height"] + 4, (brand, log_out)

        page.locator("details.menu summary").click()
        items = page.locator("details.menu .menu-items")
        assert items.is_visible()
        box = items.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 1280, box
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    finally:
        context.close()
