"""The imports list and "My exports" on a province official's phone (390 px): both fit the screen. At 390 px the
imports list hid status, imported and rejected behind sideways scrolling, and /exports/ scrolled to 414–421 px
(walk-through of 2026-12-07)."""

import os
from pathlib import Path

import pytest

from phongdich.core.models import ExportJob

from .conftest import import_sample

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The page's own width and the widest sideways scroll of any box inside it.
OVERFLOW = (
    "[document.documentElement.scrollWidth, window.innerWidth, Math.max(0, ...[...document.querySelectorAll("
    "'.table-scroll, table')].map(box => box.scrollWidth - box.clientWidth))]"
)


def test_the_imports_list_and_my_exports_fit_a_phone(live_server, chromium, health, cells, tmp_path):
    import_sample(health, "viettel-locations.csv")
    import_sample(health, "broken-locations.csv")
    for _ in range(2):
        ExportJob.objects.create(
            kind="cases.contacts",
            requested_by=health,
            status=ExportJob.Status.DONE,
            rows_done=82,
            filename="danh-sach-tiep-xuc-20261207.xlsx",
        )
    folder = Path(os.environ.get("PHONGDICH_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    context = chromium.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"{live_server.url}/accounts/login/?next=/telecom/")
        page.fill("#id_username", "soyte")
        page.fill("#id_password", "pass-for-tests-1")
        page.keyboard.press("Enter")
        page.wait_for_url(lambda u: "/telecom/" in u and "login" not in u)
        for path, name in (("/telecom/", "telecom-imports-390.png"), ("/exports/", "exports-390.png")):
            page.goto(f"{live_server.url}{path}")
            page.wait_for_load_state()
            page.screenshot(path=str(folder / name), full_page=True)
            width, screen, inner = page.evaluate(OVERFLOW)
            assert screen == 390 and width <= screen and inner <= 0, (path, width, inner)
        page.goto(f"{live_server.url}/telecom/")
        status = page.locator("table.telecom-imports tbody tr").first.locator("td").last
        box = status.bounding_box()
        assert box["x"] + box["width"] <= 390  # status and counts in sight, not behind a scroll
    finally:
        context.close()
