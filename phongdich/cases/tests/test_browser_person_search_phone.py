"""The person search of "Enter a case" on a commune health station's phone (390 px). Its results table was 478 px wide
(491 px in English): the "Choose" button, the only way to pick the person, was past the screen's right edge (found
walking the demo, 2026-12-07). Each person found is now a card with the button on screen. Screenshots go to
$PHONGDICH_SCREENSHOTS (or the test's temporary folder)."""

import os
from pathlib import Path

import pytest

from .builders import ensure_rules, login, make_tree, official, person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def commune():
    """Kim Tân's official and two of its people named Trần, one with a long name (as the demo's)."""
    ensure_rules()
    tree = make_tree()
    official(tree["kim_tan"], "yte_kimtan")
    person(tree["kim_tan"], "Trần Thị Ngọc Bích Phượng", birth_year=1958)
    person(tree["kim_tan"], "Trần Văn Hùng")
    return tree


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_the_person_search_fits_a_phone_with_each_choose_button_on_screen(
    live_server, chromium, commune, prefix, tmp_path
):
    context = chromium.new_context(viewport=PHONE, locale="vi-VN", is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    folder = Path(os.environ.get("PHONGDICH_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        login(page, live_server.url, "/cases/")
        page.goto(f"{live_server.url}{prefix}/cases/new/?q=Trần")
        page.wait_for_load_state()
        language = prefix.strip("/") or "vi"
        assert page.locator("html").get_attribute("lang") == language
        page.screenshot(path=str(folder / f"cases-new-search-phone-{language}.png"), full_page=True)
        width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width[1] == PHONE["width"] and width[0] <= width[1], width
        buttons = page.locator("table.person-results tbody a.btn")
        assert buttons.count() == 2
        for n in range(2):
            buttons.nth(n).scroll_into_view_if_needed()
            box = buttons.nth(n).bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    finally:
        context.close()
