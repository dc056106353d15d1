"""A province official in a real headless Chromium traces a case whose window a file with a day cut out covers: the
trace names the hours missing inside that file with its operator and import, and the import's page lists the hole
(docs/telecom.md "Holes inside a file"). Screenshots go to $PHONGDICH_SCREENSHOTS (or the test's temporary folder)."""

import os
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from phongdich.cases.tests.builders import ensure_rules
from phongdich.telecom.samples import make_samples as samples

from .conftest import import_bytes, make_case, make_person
from .test_browser_trace import _login
from .test_import_holes import _csv, _cut_day_rows, _expected_hole

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _shown(value) -> str:
    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M")


@pytest.mark.parametrize("width", [1366, 390])
def test_the_trace_names_the_hole_and_its_import_page_lists_it(
    live_server, chromium, health, province_admin, cells, areas, tmp_path, width
):
    ensure_rules()  # a transactional test's flush emptied the window rules the migrations loaded
    rows = _cut_day_rows()
    record = import_bytes(health, _csv(rows), name="viettel-thieu-ngay.csv")
    first, last = _expected_hole(rows)
    case = make_case(health, make_person(areas["kim_tan"], "Lê Văn Ca", samples.CASE_PHONE))
    folder = Path(os.environ.get("PHONGDICH_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    context = chromium.new_context(viewport={"width": width, "height": 900}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        _login(page, live_server.url, f"/telecom/trace/{case.pk}/", "tinh")
        page.get_by_role("button", name="Truy vết bằng dữ liệu nhà mạng").click()
        holes = page.locator("#window-holes")
        # The operator named beside the hole: whom to ask for the missing hours.
        expect(holes.locator(".window-hole")).to_have_count(1)
        expect(holes.locator(".window-hole")).to_contain_text(
            f"không có bản ghi của Viettel từ {_shown(first)} đến {_shown(last)}"
        )
        expect(page.locator("#window-gaps")).to_contain_text(f"{_shown(first)} – {_shown(last)}")
        assert page.evaluate("document.documentElement.scrollWidth") <= width  # the trace too fits the screen
        page.screenshot(path=str(folder / f"telecom_trace_hole_{width}.png"), full_page=True)
        holes.get_by_role("link", name=f"lần nhập #{record.pk}, viettel-thieu-ngay.csv").click()
        page.wait_for_url(lambda u: f"/telecom/imports/{record.pk}/" in u)
        notice = page.locator("#records-holes")
        expect(notice).to_contain_text("Tệp không có bản ghi nào trong 1 khoảng thời gian")
        expect(notice.locator("li")).to_have_text(f"không có bản ghi từ {_shown(first)} đến {_shown(last)}")
        assert page.evaluate("document.documentElement.scrollWidth") <= width  # nothing wider than the screen
        page.screenshot(path=str(folder / f"telecom_import_hole_{width}.png"), full_page=True)
    finally:
        context.close()
