"""A commune official names, in a real headless Chromium, a contact who lives in another commune: her whole CCCD in
the interview's search finds her by initials, year of birth and commune, she is ticked and added as F1, the page
names her by initials, and she is on her own commune's work list (one record, not a second one in the naming
official's commune)."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from phongdich.people.models import Person

from .. import selectors
from ..models import ContactLink
from .builders import case, ensure_rules, login, make_tree, official, person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
MET = (timezone.localtime() - dt.timedelta(hours=20)).strftime("%Y-%m-%dT%H:%M")
CCCD = "038185004321"


@pytest.fixture
def scene():
    ensure_rules()
    tree = make_tree()
    naming = official(tree["kim_tan"], "yte_kimtan")
    entered = case(naming, person(tree["kim_tan"], "Lê Văn Ca"))
    there = person(tree["thach_lam"], "Phạm Thị Hoa", birth_year=1985)
    Person.objects.filter(pk=there.pk).update(citizen_id=CCCD)
    return {"case": entered, "there": there, "her_commune": official(tree["thach_lam"], "yte_thachlam")}


def test_official_names_a_contact_of_another_commune_by_her_cccd(live_server, chromium, scene):
    context = chromium.new_context(viewport={"width": 1366, "height": 900}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        login(page, live_server.url, f"/cases/{scene['case'].pk}/")
        section = page.locator("#interview")
        section.get_by_label("Nơi làm việc, học tập").check()
        section.locator("#id_exposure_start").fill(MET)
        section.get_by_label("Tìm người (họ tên, số điện thoại hoặc số giấy tờ)").fill("038 185 004 321")
        section.get_by_role("button", name="Tìm", exact=True).click()
        found = page.locator("#interview fieldset").filter(has_text="Người tìm thấy")
        expect(found).to_contain_text("PTH (1985) · Xã Thạch Lâm")
        expect(found).not_to_contain_text("Phạm Thị Hoa")
        found.get_by_label("PTH (1985)", exact=False).check()
        section.get_by_role("button", name="Thêm là F1").click()

        expect(page.locator(".messages")).to_contain_text("Đã thêm PTH là F1.")
        expect(page.locator("#contacts-form-f1")).to_contain_text("PTH")
        expect(page.locator("body")).not_to_contain_text("Phạm Thị Hoa")
        added = ContactLink.objects.get(source="interview")
        assert added.contact.person_id == scene["there"].pk and added.setting == "workplace"
        assert Person.objects.filter(citizen_id=CCCD).count() == 1
        assert list(selectors.contact_worklist(viewer=scene["her_commune"])) == [added.contact]
    finally:
        context.close()
