"""An F2's meeting is marked as met while the F1 broke quarantine on the F2's page, on a commune health station's phone
(390 px), in a real headless Chromium: the official opens the form under the meeting, sends it without a reason and
is shown it again open with why, gives the reason and is told the meeting is marked and the contact is back on the
work list. The form had never been opened at 390 px: nothing of it may run past the screen's edge."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from .. import services
from ..models import Contact, ContactLink
from .builders import case, ensure_rules, local, login, make_tree, official, person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _day(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


@pytest.fixture
def colleague_link():
    """A Kim Tân F1 met three days ago named a colleague met two days ago at 10:00, then was quarantined from three days
    ago: the meeting no longer counts (met after the quarantine's first day) until marked a breach."""
    ensure_rules()
    tree = make_tree()
    actor = official(tree["kim_tan"], "yte_kimtan")
    entered = case(actor, person(tree["kim_tan"], "Cao Văn Nguồn"))
    f1, _ = services.contact_interview_add(
        actor=actor,
        case=entered,
        person=person(tree["kim_tan"], "Cao Thị Vợ"),
        setting="household",
        nonce="f1-breach-phone-01",
        exposure_start=local(_day(3), 9),
        exposure_end=local(_day(3), 10),
    )
    services.contact_interview_f2_add(
        actor=actor,
        f1=f1.contact,
        person=person(tree["kim_tan"], "Lê Thị Đồng Nghiệp Phương Thảo"),
        setting="workplace",
        place="Xưởng may Thạch Thành, dây chuyền số 3",
        nonce="f2-breach-phone-01",
        exposure_start=local(_day(2), 10),
        exposure_end=local(_day(2), 11),
    )
    services.contact_status_set(
        actor=actor, contact=Contact.objects.get(pk=f1.contact.pk), status="quarantined", quarantine_start=_day(3)
    )
    link = ContactLink.objects.get(level=2)
    assert link.after_f1_quarantine and link.contact.status == Contact.Status.CASE_WITHDRAWN
    return link


def _fits(page, form) -> None:
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1] == PHONE["width"], widths
    for part in ("summary", "[name=reason]", "button[type=submit]"):
        box = form.locator(part).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (part, box)


def test_a_meeting_is_marked_a_breach_on_the_f2s_page_on_a_phone(live_server, chromium, colleague_link):
    context = chromium.new_context(viewport=PHONE, locale="vi-VN", is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        login(page, live_server.url, f"/cases/contacts/{colleague_link.contact_id}/")
        form = page.locator(f"#breach-{colleague_link.pk}")
        form.locator("summary").click()
        expect(form.get_by_label("Lý do (bắt buộc)")).to_be_visible()
        _fits(page, form)

        form.get_by_role("button", name="Đánh dấu là vi phạm cách ly").click()  # no reason
        form = page.locator(f"#breach-{colleague_link.pk}")
        expect(form.locator(".field.has-error")).to_contain_text("Nhập lý do")
        _fits(page, form)
        assert not ContactLink.objects.get(pk=colleague_link.pk).quarantine_breach

        form.get_by_label("Lý do (bắt buộc)").fill("F1 khai lại: đã ra khỏi nhà đến xưởng may trong thời gian cách ly")
        form.get_by_role("button", name="Đánh dấu là vi phạm cách ly").click()

        expect(page.locator(".messages")).to_contain_text("Đã đánh dấu lần gặp là gặp khi F1 vi phạm cách ly.")
        expect(page.locator(".messages")).to_contain_text("Người tiếp xúc trở lại danh sách cần xử lý")
        expect(page.locator(".quarantine-breach")).to_be_visible()
        widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert widths[0] <= widths[1] == PHONE["width"], widths
        assert ContactLink.objects.get(pk=colleague_link.pk).quarantine_breach
        assert Contact.objects.get(pk=colleague_link.contact_id).status == Contact.Status.CANDIDATE
    finally:
        context.close()
