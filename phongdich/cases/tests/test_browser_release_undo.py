"""A release clicked by mistake on the work list is undone on the contact page, in a real headless Chromium: the
official ticks two F1 to release early, one of them by mistake, then opens that one's page, gives the reason, ticks
the confirmation and is told the person is in quarantine again, through the same last day as before."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from .. import services
from ..models import Contact
from .builders import case, ensure_rules, link, local, login, make_tree, official, person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def household():
    """Two household F1 met yesterday, in quarantine from then (7 days by CV 762/BYT-DP)."""
    ensure_rules()
    tree = make_tree()
    actor = official(tree["kim_tan"], "yte_kimtan")
    entered = case(actor, person(tree["kim_tan"], "Hoàng Văn Bệnh"))
    met = timezone.localdate() - dt.timedelta(days=1)
    contacts = []
    for name in ("Trần Thị Một", "Lê Văn Hai"):
        contact = link(
            person(tree["kim_tan"], name),
            entered,
            source="interview",
            setting="household",
            exposure_start=local(met, 8),
            exposure_end=local(met, 20),
        )[0].contact
        services.contact_status_set(actor=actor, contact=contact, status="quarantined", quarantine_start=met)
        contacts.append(Contact.objects.get(pk=contact.pk))
    return contacts


def test_a_release_ticked_by_mistake_is_undone_on_the_contact_page(live_server, chromium, household):
    meant, mistaken = household
    last_day = mistaken.quarantine_last_day
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        login(page, live_server.url, "/cases/worklist/")
        form = page.locator("#worklist-form")
        form.get_by_role("checkbox", name="Trần Thị Một").check()
        form.get_by_role("checkbox", name="Lê Văn Hai").check()  # the slip
        form.locator("input[name=reason]").fill("RT-PCR ngày 1 âm tính")
        form.get_by_role("button", name="Kết thúc cách ly những người đã đánh dấu").click()
        expect(page.locator(".messages")).to_contain_text("2 người tiếp xúc")
        assert Contact.objects.get(pk=mistaken.pk).status == Contact.Status.RELEASED

        page.goto(f"{live_server.url}/cases/contacts/{mistaken.pk}/")
        undo = page.locator("#release-undo")
        undo.locator("summary").click()
        expect(undo).to_contain_text(f"đến hết ngày {last_day:%d/%m/%Y}")
        undo.get_by_label("Lý do huỷ việc kết thúc cách ly").fill("Đánh dấu nhầm: người này vẫn đang cách ly")
        undo.get_by_label("Tôi xác nhận: người này trở lại cách ly đến hết thời gian cách ly.").check()
        undo.get_by_role("button", name="Huỷ việc kết thúc cách ly").click()
        expect(page.locator(".messages")).to_contain_text("Đã huỷ việc kết thúc cách ly")
        expect(page.locator("#contact-status")).to_have_text("Đang cách ly")
        expect(page.locator("#quarantine-period")).to_contain_text(f"{last_day:%d/%m/%Y}")
        expect(page.locator("#release-undo")).to_have_count(0)
        assert Contact.objects.get(pk=mistaken.pk).status == Contact.Status.QUARANTINED
        assert Contact.objects.get(pk=meant.pk).status == Contact.Status.RELEASED
    finally:
        context.close()
