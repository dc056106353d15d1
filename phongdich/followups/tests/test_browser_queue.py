"""The follow-up queue and the declaration statistics in a real headless Chromium: a commune official logs in,
sees their commune's queue (not the neighbour's), records a call with the keyboard, and opens the statistics.
Screenshots go to $PHONGDICH_SCREENSHOTS (or the test's temporary folder) to be looked at."""

import datetime as dt
import os
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from phongdich.accounts.models import Official
from phongdich.core.testing import make_official

from .builders import declare, make_person, make_tree

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def data():
    tree = make_tree()
    now = timezone.now()
    people = [
        ("Lê Thị Hoa", ["fever", "cough"], [], 80),
        ("Trần Văn Bình", [], ["contact_case"], 30),
        ("Phạm Thu Trang", ["sore_throat"], [], 2),
        ("Nguyễn Văn Dũng", [], [], 5),  # nothing declared: no task
    ]
    for name, symptoms, exposures, hours in people:
        declare(
            make_person(tree["kim_tan"], name=name),
            symptoms=symptoms,
            exposures=exposures,
            now=now - dt.timedelta(hours=hours),
        )
    declare(make_person(tree["thach_lam"], name="Hoàng Minh Tuấn"), symptoms=["fever"])
    make_official(Official.Role.AREA_OFFICIAL, tree["kim_tan"], "yte_kimtan")
    return tree


def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("PHONGDICH_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_commune_official_works_the_queue_and_reads_the_statistics(live_server, chromium, data, tmp_path):
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"{live_server.url}/accounts/login/?next=/followups/")
        page.fill("#id_username", "yte_kimtan")
        page.fill("#id_password", "pass-for-tests-1")
        page.keyboard.press("Enter")
        page.wait_for_url(lambda url: url.endswith("/followups/") and "login" not in url)
        rows = page.locator("table.followup-queue tbody tr")
        assert rows.count() == 3
        names = [rows.nth(index).locator("td").nth(2).inner_text() for index in range(3)]
        assert [name.split(" (")[0] for name in names] == ["Lê Thị Hoa", "Trần Văn Bình", "Phạm Thu Trang"]
        assert "Hoàng Minh Tuấn" not in page.content()
        card = page.locator(".followup-ageing")
        assert card.locator(".age-band.late .figure").inner_text() == "1"
        page.screenshot(path=str(shots(tmp_path) / "followups-queue.png"), full_page=True)

        page.get_by_role("link", name="Lê Thị Hoa").click()
        page.wait_for_url("**/followups/*/")
        assert "Triệu chứng: sốt, ho." in page.content()
        page.locator("#id_outcome_0").focus()
        page.keyboard.press("Space")  # reached
        page.locator("#id_notes").focus()
        page.keyboard.type("Đã gọi: sốt 38 độ, hẹn gọi lại ngày mai")
        page.screenshot(path=str(shots(tmp_path) / "followups-detail.png"), full_page=True)
        page.locator(".call-form button[type=submit]").press("Enter")
        page.locator(".messages li").wait_for()
        expect(page.locator("h1 .status")).to_contain_text("Đã liên hệ được")
        page.wait_for_load_state()  # the calls' table, further down the page that came back, is read once below
        assert "hẹn gọi lại ngày mai" in page.content()

        page.goto(
            f"{live_server.url}/stats/declarations/?date_from={timezone.localdate() - dt.timedelta(days=6)}"
            f"&date_to={timezone.localdate()}"
        )
        assert page.locator("svg.chart").count() == 2
        assert page.locator(".stats-figures .figure").first.inner_text() == "4"
        page.screenshot(path=str(shots(tmp_path) / "stats-declarations.png"), full_page=True)
    finally:
        context.close()
