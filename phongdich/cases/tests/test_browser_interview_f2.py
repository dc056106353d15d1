"""An official adds an F2 named in an F1's interview in a real headless Chromium: on the F1's page, a person on record
is found (told apart from a namesake by the commune), ticked and added as F2; the case's page then lists them at
level 2, through that F1. The closed new-person block must not stop the form (as on the case's page)."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from .. import services
from ..models import ContactLink
from .builders import case, ensure_rules, login, make_tree, official, person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def scene():
    ensure_rules()
    tree = make_tree()
    actor = official(tree["district"], "huyen")
    entered = case(actor, person(tree["kim_tan"], "Cao Văn Nguồn"))
    now = timezone.now()
    f1, _ = services.contact_interview_add(
        actor=actor,
        case=entered,
        person=person(tree["kim_tan"], "Cao Thị Vợ"),
        setting="household",
        nonce="f1-interview-browser",
        exposure_start=now - dt.timedelta(hours=40),
    )
    person(tree["kim_tan"], "Lê Thị Dung", birth_year=1990)
    colleague = person(tree["thach_lam"], "Lê Thị Dung", birth_year=1990)  # same name and year, another commune
    return {"case": entered, "f1": f1.contact, "colleague": colleague}


def test_official_adds_an_f2_named_by_an_f1(live_server, chromium, scene):
    context = chromium.new_context(viewport={"width": 1366, "height": 900}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    invalid = []
    page.on("console", lambda message: "invalid form control" in message.text and invalid.append(message.text))
    try:
        login(page, live_server.url, f"/cases/contacts/{scene['f1'].pk}/", username="huyen")
        section = page.locator("#interview")
        expect(section.get_by_role("heading")).to_have_text("Thêm người tiếp xúc của F1 này (F2)")
        section.get_by_label("Tìm người (họ tên, số điện thoại hoặc số giấy tờ)").fill("le thi dung")
        section.get_by_role("button", name="Tìm", exact=True).click()
        found = page.locator("#interview fieldset").filter(has_text="Người tìm thấy")
        expect(found.get_by_text("Lê Thị Dung (1990)", exact=False)).to_have_count(2)
        found.get_by_label("Xã Thạch Lâm", exact=False).check()
        section.get_by_label("Phương tiện giao thông").check()
        section.get_by_label("Địa điểm", exact=True).fill("Xe khách Thạch Thành")
        section.get_by_role("button", name="Thêm là F2").click()

        expect(page.locator(".messages")).to_contain_text(f"Đã thêm Lê Thị Dung là F2 của {scene['case'].number}.")
        added = ContactLink.objects.get(level=2)
        assert (added.contact.person_id, added.via_id, added.setting) == (
            scene["colleague"].pk,
            scene["f1"].pk,
            "transport",
        )
        assert invalid == []

        page.goto(f"{live_server.url}/cases/{scene['case'].pk}/")
        level_two = page.locator("#contacts-form-f2")
        expect(level_two.get_by_role("link", name="Lê Thị Dung")).to_have_count(1)
        expect(level_two).to_contain_text("Cao Thị Vợ")  # via F1
    finally:
        context.close()
