"""A citizen looks up the places visited by cases in a real headless Chromium: chooses their commune in the
list, finds a place by a name typed without diacritics, and pages through a long list."""

import datetime as dt
import os
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ..models import ExposureNotice
from .builders import case, ensure_rules, make_tree, official, person, venue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def notices():
    ensure_rules()
    tree = make_tree()
    entered = case(official(tree["kim_tan"], "yte_kimtan"), person(tree["kim_tan"], "Hoàng Văn Bệnh"))
    now = timezone.now()
    places = [venue(tree["kim_tan"], "Chợ Kim Tân"), venue(tree["kim_tan"], "Quán Phở Bà Hạnh")]
    places += [venue(tree["thach_lam"], f"Cửa hàng số {i}") for i in range(60)]
    ExposureNotice.objects.bulk_create(
        ExposureNotice(
            case=entered,
            venue=place,
            area_path=place.area_path,
            start=now - dt.timedelta(hours=2 + i),
            end=now - dt.timedelta(hours=1 + i),
            published_at=now,
        )
        for i, place in enumerate(places)
    )
    return tree


def test_citizen_finds_the_places_of_their_commune_and_a_place_by_name(live_server, chromium, notices, tmp_path):
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"{live_server.url}/cases/exposures/")
        rows = page.locator("table.exposures tbody tr")
        expect(page.locator("#exposure-count")).to_have_text("62 địa điểm và thời gian")
        expect(rows).to_have_count(50)
        page.get_by_role("link", name="Cũ hơn →").click()
        expect(rows).to_have_count(12)

        page.get_by_label("Địa bàn").select_option(label="Thị trấn Kim Tân (2)")
        page.get_by_role("button", name="Lọc").click()
        expect(page.locator("#exposure-count")).to_have_text("2 địa điểm và thời gian")
        expect(rows).to_have_count(2)
        expect(rows.first).to_contain_text("Chợ Kim Tân")
        expect(page.get_by_label("Địa bàn")).to_have_value(str(notices["kim_tan"].pk))  # the choice stays

        page.get_by_label("Tên địa điểm").fill("pho ba hanh")
        page.get_by_role("button", name="Lọc").click()
        expect(rows).to_have_count(1)
        expect(rows.first).to_contain_text("Quán Phở Bà Hạnh")
        folder = Path(os.environ.get("PHONGDICH_SCREENSHOTS") or tmp_path)
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / "cases-exposures-filtered.png"), full_page=True)
    finally:
        context.close()
