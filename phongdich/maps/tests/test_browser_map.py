"""The epidemic map in a real headless Chromium: a citizen sees the places a case visited drawn and opens one,
with the place without a position listed under the map; an official of the district also gets the layer of
counts per commune."""

import datetime as dt
import os
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from phongdich.cases.models import ExposureNotice
from phongdich.cases.tests.builders import case, ensure_rules, link, login, make_tree, official, person, venue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def outbreak(settings):
    settings.MAP_TILE_URL = ""  # no tiles from the internet in a test
    ensure_rules()
    tree = make_tree()
    kim_tan_official = official(tree["kim_tan"], "yte_kimtan")
    official(tree["district"], "huyen")
    entered = case(kim_tan_official, person(tree["kim_tan"], "Hoàng Văn Bệnh"))
    link(person(tree["kim_tan"], "Trần Thị Một"), entered)
    market = venue(tree["kim_tan"], "Chợ Kim Tân")
    market.latitude, market.longitude = Decimal("20.128"), Decimal("105.647")
    market.save()
    shop = venue(tree["thach_lam"], "Cửa hàng Thạch Lâm")  # no position
    now = timezone.now()
    for place, hours in [(market, 5), (shop, 8)]:
        ExposureNotice.objects.create(
            case=entered,
            venue=place,
            area_path=place.area_path,
            start=now - dt.timedelta(hours=hours + 1),
            end=now - dt.timedelta(hours=hours),
            published_at=now,
        )
    return tree


def _wait_ready(page):
    page.wait_for_function("document.getElementById('epidemic-map').dataset.ready === 'true'")


def test_citizen_sees_the_places_and_an_official_the_communes(live_server, chromium, outbreak, tmp_path):
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    folder = Path(os.environ.get("PHONGDICH_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        page.goto(f"{live_server.url}/map/")
        _wait_ready(page)
        assert page.evaluate("window.epidemicMapLayers") == {"places": 1, "checkpoints": 0}
        expect(page.locator("#map-unplaced")).to_contain_text("Cửa hàng Thạch Lâm")
        # The summary counts every place, saying how many are listed below for want of a position, in the layer
        # control's order (places, then checkpoints), whichever answered first.
        expect(page.locator("#map-summary")).to_have_text(
            "Địa điểm ca bệnh từng đến: 2 (trong đó 1 không có trên bản đồ: chưa biết vị trí) · Chốt kiểm soát dịch: 0"
        )
        # Click the market's marker (drawn on the canvas at its position) and read its popup.
        point = page.evaluate(
            "(() => { const p = window.epidemicMap.latLngToContainerPoint([20.128, 105.647]); return [p.x, p.y]; })()"
        )
        page.locator("#epidemic-map").click(position={"x": point[0], "y": point[1]})
        popup = page.locator(".leaflet-popup-content")
        expect(popup).to_contain_text("Chợ Kim Tân")
        expect(popup).to_contain_text("1 Đường Lê Lợi")
        assert "Hoàng Văn Bệnh" not in page.content()
        page.screenshot(path=str(folder / "map-public.png"), full_page=True)

        login(page, live_server.url, "/map/", username="huyen")
        _wait_ready(page)
        layers = page.evaluate("window.epidemicMapLayers")
        assert layers["places"] == 1
        # Kim Tân has the case and its F1 but no position (its only placed venue is the market: the average).
        assert layers["communes"] == 1
        expect(page.locator(".leaflet-control-layers-overlays")).to_contain_text("Ca bệnh và tiếp xúc theo xã")
        page.screenshot(path=str(folder / "map-official.png"), full_page=True)
    finally:
        context.close()
