"""A case withdrawn by mistake is restored through its page, on a commune health station's phone (390 px), in a real
headless Chromium: the official withdraws the case (its F1 leaves the work list), opens "Restore the case", gives the
reason, ticks the confirmation and is told what came back. The restore (services.case_restore) had no browser test
and its page had never been opened at 390 px: nothing of it may run past the screen's edge. The forms post to the case
page itself (views.case_detail): a withdrawal without its reason comes back there, open with the message, and the
browser stays on /cases/<id>/ throughout (it was left at /withdraw/ and /restore/ until 2026-12-07)."""

import pytest
from playwright.sync_api import expect

from ..models import Case, Contact
from .builders import case, ensure_rules, link, login, make_tree, official, person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def entered():
    """A case of Kim Tân with one F1 to follow."""
    ensure_rules()
    tree = make_tree()
    actor = official(tree["kim_tan"], "yte_kimtan")
    entered = case(actor, person(tree["kim_tan"], "Nguyễn Thị Phương Thảo"))
    contact = link(person(tree["kim_tan"], "Hoàng Thị Ngọc Bích Phượng"), entered)[0].contact
    return {"case": entered, "contact": contact}


def _fits(page) -> None:
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1] == PHONE["width"], widths


def test_a_case_withdrawn_then_restored_through_its_page_on_a_phone(live_server, chromium, entered):
    number, contact = entered["case"].number, entered["contact"]
    here = f"{live_server.url}/cases/{entered['case'].pk}/"
    context = chromium.new_context(viewport=PHONE, locale="vi-VN", is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        login(page, live_server.url, f"/cases/{entered['case'].pk}/")
        withdraw = page.locator("#withdraw")
        withdraw.locator("summary").click()
        withdraw.locator("[name=reason]").fill("   ")  # spaces: past the browser's `required`, refused by the page
        withdraw.locator("input[name=confirm]").check()
        page.locator("#withdraw-button").click()
        expect(withdraw.locator(".has-error")).to_contain_text("Cần ghi lý do huỷ ca bệnh")
        expect(withdraw).to_have_attribute("open", "")
        assert page.url == f"{here}#withdraw", page.url  # the page's own address, at the form
        _fits(page)
        assert Case.objects.get(pk=entered["case"].pk).status == Case.Status.UNDER_TREATMENT

        withdraw.locator("[name=reason]").fill("RT-PCR khẳng định âm tính ngày 16/09")
        withdraw.locator("input[name=confirm]").check()  # unticked by the refusal
        _fits(page)
        page.locator("#withdraw-button").click()
        expect(page.locator(".messages")).to_be_visible()
        assert page.url == f"{here}#messages", page.url
        assert Case.objects.get(pk=entered["case"].pk).status == Case.Status.WITHDRAWN
        assert Contact.objects.get(pk=contact.pk).status == Contact.Status.CASE_WITHDRAWN

        restore = page.locator("#restore")
        restore.locator("summary").click()
        restore.locator("[name=reason]").fill("Rút nhầm: mẫu âm tính là của người khác")
        _fits(page)
        for part in ("summary", "[name=reason]", "input[name=confirm]", "#restore-button"):
            box = page.locator(f"#restore {part}").bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (part, box)
        assert Case.objects.get(pk=entered["case"].pk).status == Case.Status.WITHDRAWN

        page.locator("#restore input[name=confirm]").check()
        page.locator("#restore-button").click()
        expect(page.locator(".messages")).to_contain_text("Đang điều trị")
        expect(page.locator("#restore")).to_have_count(0)
        assert page.url == f"{here}#messages", page.url
        _fits(page)
        assert Case.objects.get(pk=entered["case"].pk).status == Case.Status.UNDER_TREATMENT
        assert Contact.objects.get(pk=contact.pk).status == Contact.Status.CANDIDATE

        page.goto(f"{live_server.url}/cases/worklist/")
        expect(page.locator("table.worklist")).to_contain_text("Hoàng Thị Ngọc Bích Phượng")
        expect(page.locator("table.worklist")).to_contain_text(number)
    finally:
        context.close()
