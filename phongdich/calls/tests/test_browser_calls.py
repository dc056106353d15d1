"""In a real headless Chromium: from a case's page an official builds a robot-call campaign, starts it, records
by hand what a person pressed (outbox switchboard) and sees the counts change."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from phongdich.cases.tests.builders import ensure_rules, login, make_tree, official

from .. import services
from ..models import Call
from .scene import build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_official_builds_starts_and_records_a_campaign(live_server, chromium, calls_settings):
    ensure_rules()
    tree = make_tree()
    actor = official(tree["kim_tan"], "yte_kimtan")
    scene = build(tree, actor)
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        login(page, live_server.url, f"/cases/{scene['case'].pk}/")
        page.click("#robot-call")
        expect(page.locator("#campaign-count")).to_contain_text("Sẽ gọi 2 số điện thoại.")
        expect(page.locator("#script-example")).to_contain_text("nhấn phím 1")
        page.click("#create-campaign")
        expect(page.locator("#campaign-status")).to_have_text("Nháp")
        page.click("#start")
        expect(page.locator("#campaign-status")).to_have_text("Đang gọi")
        expect(page.locator("#n-waiting")).to_have_text("2")
        # The beat's dispatcher, at 10:00 in Vietnam: both calls go to the staff.
        services.calls_dispatch(now=(timezone.now() + dt.timedelta(days=1)).replace(hour=3))
        page.reload()
        expect(page.locator("#n-dialing")).to_have_text("2")
        call = Call.objects.get(phone="+84912000001")
        row = page.locator(f"tr[data-call='{call.pk}']")
        row.locator("select[name=result]").select_option("present")
        row.get_by_role("button").click()
        expect(page.locator("#n-present")).to_have_text("1")
        expect(page.locator("#n-dialing")).to_have_text("1")
        expect(page.locator(f"tr[data-call='{call.pk}'] .outcome")).to_contain_text("Có mặt (phím 1)")
    finally:
        context.close()
    # On a phone each call is a card: the other call's result form is on the screen, not past its edge.
    context = chromium.new_context(viewport={"width": 375, "height": 812}, locale="vi-VN", is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        login(page, live_server.url, f"/calls/{call.campaign_id}/")
        other = Call.objects.exclude(pk=call.pk).get()
        row = page.locator(f"tr[data-call='{other.pk}']")
        row.scroll_into_view_if_needed()  # the row, not the button: that would scroll a wide table sideways to it
        box = row.get_by_role("button").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 375, box
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
    finally:
        context.close()
