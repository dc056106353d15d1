"""The work list and the cases list on a commune health station's phone (390 px). Each commune's table was 875–938 px
wide in a 343 px box that scrolled sideways with nothing to show it: the tick box, level, name and phone were on
screen; status, cases, quarantine end and test were not (found walking the demo, 2026-12-07). Like the case page's
contacts, each row is now a card. Also: an area typed in the filter and not chosen from the suggestions is taken.
Screenshots go to $PHONGDICH_SCREENSHOTS (or the test's temporary folder)."""

import datetime as dt
import os
from pathlib import Path

import pytest
from django.utils import timezone

from .. import services
from .builders import case, ensure_rules, link, login, make_tree, official, person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def quarantined():
    """Kim Tân's F1 in quarantine (with a long name and address), and one to call; the case of Kim Tân."""
    ensure_rules()
    tree = make_tree()
    actor = official(tree["kim_tan"], "yte_kimtan")
    official(tree["district"], "huyen")
    entered = case(actor, person(tree["kim_tan"], "Nguyễn Thị Phương Thảo"))
    second = case(actor, person(tree["kim_tan"], "Trần Văn Hùng"))
    met = timezone.now() - dt.timedelta(hours=20)
    held, _ = link(
        person(tree["kim_tan"], "Hoàng Thị Ngọc Bích Phượng"),
        entered,
        place="Trường THCS Kim Tân",
        exposure_start=met,
        exposure_end=met + dt.timedelta(minutes=45),
    )
    link(held.contact.person, second, key="interview:second")  # the F1 of two cases, as in the demo
    link(person(tree["kim_tan"], "Bùi Văn Dũng"), entered)
    link(person(tree["thach_lam"], "Lê Văn Lâm"), entered)
    services.contact_status_set(
        actor=actor, contact=held.contact, status="quarantined", quarantine_start=timezone.localdate()
    )
    return {"case": entered, "held": held.contact, "tree": tree}


def _phone(chromium):
    context = chromium.new_context(viewport=PHONE, locale="vi-VN", is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def _on_screen(locator) -> dict:
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    return box


def _named(locator) -> str:
    """The column's name a card's cell shows before its value (its ::before, which inner_text leaves out)."""
    return locator.evaluate("cell => getComputedStyle(cell, '::before').content")


def _shots(tmp_path) -> Path:
    folder = Path(os.environ.get("PHONGDICH_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_on_a_phone_each_work_list_row_is_a_card_with_its_status_and_quarantine_end_on_screen(
    live_server, chromium, quarantined, tmp_path
):
    context, page = _phone(chromium)
    try:
        login(page, live_server.url, "/cases/worklist/")
        page.wait_for_load_state()
        row = page.locator("table.worklist tr.worklist-row", has_text="Hoàng Thị Ngọc Bích Phượng")
        page.screenshot(path=str(_shots(tmp_path) / "worklist-phone.png"), full_page=True)
        # Nothing to scroll sideways: not the page, not a table's box.
        widths = page.evaluate(
            "[document.documentElement.scrollWidth, window.innerWidth, Math.max(...[...document.querySelectorAll("
            "'.table-scroll')].map(box => box.scrollWidth - box.clientWidth))]"
        )
        assert widths[0] <= widths[1] == PHONE["width"] and widths[2] <= 0, widths

        status = _on_screen(row.locator("td.contact-status"))
        through = row.locator("td.quarantine-through")
        _on_screen(through)
        quarantined["held"].refresh_from_db()
        assert quarantined["held"].quarantine_last_day.strftime("%d/%m/%Y") in through.inner_text()
        assert _named(through) == '"Cách ly đến hết ngày: "'  # the column's name, the header being hidden
        assert "Đang cách ly" in row.locator("td.contact-status").inner_text()
        _on_screen(row.locator("td.phone a"))
        assert status["y"] < through.bounding_box()["y"]  # one above the other in the card, not side by side

        # A candidate's card has no test nor self-monitoring: no "Test, self-monitoring: –" line on it.
        candidate = page.locator("table.worklist tr.worklist-row", has_text="Bùi Văn Dũng")
        assert candidate.locator("td.follow-up-cell").is_hidden()
        assert row.locator("td.follow-up-cell").is_visible()  # the quarantined one's test day is still said

        # Ticking every contact of the commune is still there, with its words.
        tick_all = page.locator("section.worklist-group", has_text="Thị trấn Kim Tân").locator(".contacts-all")
        _on_screen(page.locator("section.worklist-group", has_text="Thị trấn Kim Tân").locator(".tick-all-label"))
        tick_all.check()
        assert (
            page.locator("section.worklist-group", has_text="Thị trấn Kim Tân")
            .locator("input[name=contact]:checked")
            .count()
            == 2
        )
    finally:
        context.close()


def test_on_a_phone_the_cases_list_shows_each_cases_status(live_server, chromium, quarantined, tmp_path):
    context, page = _phone(chromium)
    try:
        login(page, live_server.url, "/cases/")
        page.wait_for_load_state()
        row = page.locator("table.cases-list tbody tr", has_text=quarantined["case"].number)
        page.screenshot(path=str(_shots(tmp_path) / "cases-list-phone.png"), full_page=True)
        overflow = page.evaluate("(box => box.scrollWidth - box.clientWidth)(document.querySelector('.table-scroll'))")
        assert overflow <= 0, overflow
        _on_screen(row.locator("td.case-status"))
        assert "Đang điều trị" in row.locator("td.case-status").inner_text()
        _on_screen(row.locator("td.case-contacts"))
        assert _named(row.locator("td.case-contacts")) == '"Người tiếp xúc: "'
        assert row.locator("td.case-contacts").inner_text() == "3"
        widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert widths[0] <= widths[1], widths
    finally:
        context.close()


def test_at_1280_px_the_work_list_is_still_a_table(live_server, chromium, quarantined):
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        login(page, live_server.url, "/cases/worklist/")
        page.wait_for_load_state()
        row = page.locator("table.worklist tr.worklist-row", has_text="Hoàng Thị Ngọc Bích Phượng")
        status, through = row.locator("td.contact-status").bounding_box(), row.locator("td.quarantine-through")
        assert abs(status["y"] - through.bounding_box()["y"]) < 2  # side by side, in one row
        assert page.locator("table.worklist thead th").first.is_visible()
        assert _named(through) == "none"  # the header says it
    finally:
        context.close()


def test_a_typed_area_not_chosen_from_the_suggestions_filters_the_work_list(live_server, chromium, quarantined):
    """ "thach lam" typed, "Lọc" clicked without choosing: the page got `area=` and listed the whole district."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        login(page, live_server.url, "/cases/worklist/", username="huyen")
        page.wait_for_load_state()
        page.fill("#id_area_search", "thach lam")
        page.locator("#id_area_options li").first.wait_for()  # the suggestions are open, none chosen
        page.get_by_role("button", name="Lọc").click()
        page.wait_for_load_state()
        assert "area_text=thach+lam" in page.url
        assert page.locator("#id_area_search").input_value() == "Xã Thạch Lâm, Huyện Thạch Thành"
        assert page.locator("table.worklist tr.worklist-row").count() == 1
        assert "Lê Văn Lâm" in page.locator("table.worklist").inner_text()

        page.fill("#id_area_search", "thach")
        page.get_by_role("button", name="Lọc").click()
        page.wait_for_load_state()
        assert "Chọn địa bàn trong danh sách" in page.locator(".area-picker .errorlist").inner_text()
        assert page.locator("#id_area_search").input_value() == "thach"
        assert page.locator("table.worklist").count() == 0
    finally:
        context.close()
