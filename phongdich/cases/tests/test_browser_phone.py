"""A commune health station on a phone (390 px): the case page fits the screen (its tables scroll in their own
box, long words wrap) and the menu folds behind one button instead of taking a third of the screen.
Screenshots go to $PHONGDICH_SCREENSHOTS (or the test's temporary folder)."""

import datetime as dt
import os
from pathlib import Path

import pytest
from django.utils import timezone

from ..models import ExposureNotice
from .builders import case, checkin, ensure_rules, link, login, make_tree, official, person, venue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def busy_case():
    """A case with what widens a page: check-ins and an exposure notice at a long-named venue, F1 and F2 with their
    evidence, a long unbroken note."""
    ensure_rules()
    tree = make_tree()
    actor = official(tree["kim_tan"], "yte_kimtan")
    school = venue(tree["kim_tan"], "Trường Trung học cơ sở Thị trấn Kim Tân, khu nhà đa năng phía sau")
    patient = person(tree["kim_tan"], "Nguyễn Thị Phương Thảo")
    start = timezone.now() - dt.timedelta(days=1)
    checkin(patient, school, start, 90)
    the_case = case(actor, patient, days_ago=0, onset_days_ago=1, notes="Ghi-chú-" + "dài" * 40)
    ExposureNotice.objects.create(
        case=the_case, venue=school, area_path=school.area_path, start=start, end=start + dt.timedelta(minutes=90)
    )
    f1, _ = link(
        person(tree["kim_tan"], "Bùi Ngọc Dung"),
        the_case,
        venue=school,
        place=school.name,
        exposure_start=start,
        exposure_end=start + dt.timedelta(minutes=80),
        overlap_minutes=80,
        end_assumed=True,
    )
    for n in range(3):
        link(person(tree["kim_tan"], f"Hoàng Đức Long {n}"), the_case, level=2, via=f1.contact, place=school.name)
    return the_case


def test_the_case_page_fits_a_phone_and_the_menu_folds(live_server, chromium, busy_case, tmp_path):
    context = chromium.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    folder = Path(os.environ.get("PHONGDICH_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        login(page, live_server.url, f"/cases/{busy_case.pk}/")
        page.wait_for_load_state()
        assert page.locator("table.level-2-contacts tbody tr").count() == 3
        page.screenshot(path=str(folder / "cases-phone.png"), full_page=True)
        width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width[1] == 390 and width[0] <= width[1], width

        menu = page.locator("#site-nav")
        assert not menu.is_visible() and page.locator("header.topbar").bounding_box()["height"] < 80
        page.get_by_text("Danh mục").click()
        assert menu.is_visible() and menu.get_by_role("link", name="Ca bệnh").is_visible()
        page.screenshot(path=str(folder / "cases-phone-menu.png"))
    finally:
        context.close()


def test_on_a_phone_each_contact_is_a_card_with_its_own_button_on_screen(live_server, chromium, busy_case, tmp_path):
    """At 375 px each F1's "Confirm" button sat 64–180 px past the screen's edge, in a table scrolled inside its
    box with nothing to show the row went on (found walking the demo). Each contact is now a card: name, status,
    its button, then the evidence; ticking every contact is still there."""
    context = chromium.new_context(viewport={"width": 375, "height": 812}, locale="vi-VN", is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    folder = Path(os.environ.get("PHONGDICH_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        login(page, live_server.url, f"/cases/{busy_case.pk}/")
        page.wait_for_load_state()
        table = page.locator("table.level-1-contacts")
        table.scroll_into_view_if_needed()
        page.screenshot(path=str(folder / "cases-phone-contact-cards.png"))
        button = table.locator("tbody button.confirm-contact")
        assert button.count() == 1 and button.is_visible()
        box = button.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 375, box
        evidence = table.locator("tbody td.contact-evidence").first.bounding_box()
        assert evidence["x"] >= 0 and evidence["x"] + evidence["width"] <= 375, evidence
        tick_all = page.locator("table.level-2-contacts .contacts-all")
        tick_all.check()
        assert page.locator("table.level-2-contacts tbody input[name=contact]:checked").count() == 3
        button.click()
        page.wait_for_load_state()
        assert "Đã xác minh" in page.locator("table.level-1-contacts tbody").inner_text()
    finally:
        context.close()
