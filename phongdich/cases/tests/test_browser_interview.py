"""An official adds a contact named in the interview in a real headless Chromium: a person already on record is
found, told apart from a namesake by the commune, ticked and added as F1. The new-person block, closed, must not
stop the form (it once did: its name field was `required`, so the browser refused the submit without a word). What
was typed before the search (the setting, place, time and note) is still there after it (the search was a form of
its own, and the page came back with them empty)."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ..models import ContactLink
from .builders import case, ensure_rules, login, make_tree, official, person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def met() -> str:
    """A meeting within the case's window (sampled yesterday, onset two days ago), as the datetime-local field takes
    it: 10:00 Vietnam time yesterday, read when the test runs (a module constant was read at import, on the real
    clock under PHONGDICH_TEST_CLOCK, and hours before the test in a long run)."""
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    return f"{yesterday:%Y-%m-%d}T10:00"


@pytest.fixture
def scene():
    ensure_rules()
    tree = make_tree()
    actor = official(tree["district"], "huyen")
    entered = case(actor, person(tree["kim_tan"], "Cao Thị Oanh"))
    person(tree["kim_tan"], "Cao Thị Dung", birth_year=1970)
    colleague = person(tree["thach_lam"], "Cao Thị Dung", birth_year=1970)  # same name and year, another commune
    return {"case": entered, "colleague": colleague}


def test_official_adds_a_person_on_record_from_the_interview(live_server, chromium, scene):
    context = chromium.new_context(viewport={"width": 1366, "height": 900}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    invalid = []
    met_at = met()
    page.on("console", lambda message: "invalid form control" in message.text and invalid.append(message.text))
    try:
        login(page, live_server.url, f"/cases/{scene['case'].pk}/", username="huyen")
        section = page.locator("#interview")
        # The meeting first, then the search: what was typed stays.
        section.get_by_label("Nơi làm việc, học tập").check()
        section.get_by_label("Địa điểm", exact=True).fill("Xưởng may Kim Tân")
        section.locator("#id_exposure_start").fill(met_at)
        section.locator("#id_note").fill("Cùng tổ may")
        section.get_by_label("Tìm người (họ tên, số điện thoại hoặc số giấy tờ)").fill("cao thi dung")
        section.get_by_role("button", name="Tìm", exact=True).click()
        found = page.locator("#interview fieldset").filter(has_text="Người tìm thấy")
        # The namesakes are told apart by their commune.
        expect(found.get_by_text("Cao Thị Dung (1970)", exact=False)).to_have_count(2)
        expect(section.get_by_label("Nơi làm việc, học tập")).to_be_checked()
        expect(section.get_by_label("Địa điểm", exact=True)).to_have_value("Xưởng may Kim Tân")
        expect(section.locator("#id_exposure_start")).to_have_value(met_at)
        expect(section.locator("#id_note")).to_have_value("Cùng tổ may")
        found.get_by_label("Xã Thạch Lâm", exact=False).check()
        section.get_by_role("button", name="Thêm là F1").click()

        expect(page.locator(".messages")).to_contain_text("Đã thêm Cao Thị Dung là F1.")
        expect(page.locator("#contacts-form-f1").get_by_role("link", name="Cao Thị Dung")).to_have_count(1)
        added = ContactLink.objects.get(source="interview")
        assert added.contact.person_id == scene["colleague"].pk and added.setting == "workplace"
        assert (added.place, added.note) == ("Xưởng may Kim Tân", "Cùng tổ may")
        assert timezone.localtime(added.exposure_start).strftime("%Y-%m-%dT%H:%M") == met_at
        assert invalid == []
    finally:
        context.close()
