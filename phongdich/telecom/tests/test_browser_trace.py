"""A province official in a real headless Chromium traces a case by telecom records, shows the unknown number in
full to give it to the operator, downloads the list, and opens the F1 found. Screenshots go to
$PHONGDICH_SCREENSHOTS (or the test's temporary folder)."""

import io
import os
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from phongdich.cases.tests.builders import ensure_rules
from phongdich.core.models import AuditLog
from phongdich.telecom.samples import make_samples as samples

from .conftest import import_sample, make_case, make_person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(page, url: str, next_path: str, username: str) -> None:
    page.goto(f"{url}/accounts/login/?next={next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", "pass-for-tests-1")
    page.keyboard.press("Enter")
    page.wait_for_url(lambda u: next_path in u and "login" not in u)


def test_province_official_gives_the_operator_the_unknown_numbers(
    live_server, chromium, health, province_admin, cells, areas, tmp_path
):
    ensure_rules()  # a transactional test's flush emptied the window rules the migrations loaded
    import_sample(health, "viettel-locations.csv")
    case = make_case(health, make_person(areas["kim_tan"], "Lê Văn Ca", samples.CASE_PHONE))
    make_person(areas["kim_tan"], "Bùi Thị Hoa", samples.CONTACT_PHONE)
    folder = Path(os.environ.get("PHONGDICH_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    context = chromium.new_context(viewport={"width": 1366, "height": 900}, locale="vi-VN", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        _login(page, live_server.url, f"/telecom/trace/{case.pk}/", "tinh")
        page.get_by_role("button", name="Truy vết bằng dữ liệu nhà mạng").click()
        unknown = page.locator("#unknown + p + p + div table")
        expect(unknown.locator("thead th").first).to_have_text("Số thuê bao")
        expect(unknown.locator("td.phone", has_text="+8439•••••66")).to_be_visible()
        expect(unknown.locator("td.phone", has_text=samples.UNKNOWN_PHONE)).to_have_count(0)
        expect(page.get_by_role("cell", name="Trạm TTH-KT-01 (Viettel)").first).to_be_visible()
        page.get_by_role("link", name="Hiện đầy đủ số thuê bao").click()
        expect(page.locator("td.phone", has_text=samples.UNKNOWN_PHONE)).to_be_visible()
        page.screenshot(path=str(folder / "telecom_trace_numbers.png"), full_page=True)
        with page.expect_download() as download:
            page.get_by_role("link", name="Tải danh sách gửi nhà mạng (Excel)").click()
        sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
        assert "0394000666" in [row[0] for row in sheet.iter_rows(values_only=True)]
        page.get_by_role("link", name="Bùi Thị Hoa").click()
        page.wait_for_url(lambda u: "/cases/contacts/" in u)
        expect(page.locator("h1")).to_contain_text("Bùi Thị Hoa")
    finally:
        context.close()
    actions = set(AuditLog.objects.values_list("action", flat=True))
    assert {"telecom.trace.numbers_viewed", "telecom.trace.numbers_exported"} <= actions
