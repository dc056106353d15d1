"""The citizen's check-in in a real headless Chromium, as a phone: from the venue QR URL to the success screen.

Screenshots of the pages are written to /tmp (SCREENSHOT_DIR to change) so that a person can look at them.
"""

import os
from pathlib import Path

import pytest

from phongdich.checkins.models import CheckIn
from phongdich.core.testing import make_province_with_communes
from phongdich.notifications.models import Message
from phongdich.people.models import Person

from .builders import clear_caches, make_code, make_venue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp"))


@pytest.fixture
def code():
    clear_caches()
    areas = make_province_with_communes()
    venue = make_venue(areas["commune_a"], name="Chợ Thạch Lập")
    yield make_code(venue, label="Cổng phía Đông")
    clear_caches()


def test_citizen_checks_in_from_the_qr_url_then_with_one_tap(live_server, phone, code, settings):
    settings.SMS_ECHO_ON_PAGE = True  # the claim of her record at the end
    venue_url = f"{live_server.url}/c/{code.token}"

    # First visit on this phone: the declaration form.
    phone.goto(venue_url)
    assert phone.locator("h1").inner_text() == "Chợ Thạch Lập"
    assert phone.get_by_text("Cổng phía Đông").is_visible()
    phone.screenshot(path=str(SCREENSHOTS / "checkin-citizen-page.png"), full_page=True)
    phone.fill("input[name=full_name]", "Nguyễn Thị Lan")
    phone.fill("input[name=phone]", "0912 345 678")
    phone.fill("input[name=birth_year]", "1990")
    # The questions start on "No"; answer one "Yes" by tapping its label, as a thumb would.
    phone.locator("label[for=id_travelled_1]").tap()
    phone.locator("form.declaration button[type=submit]").tap()

    success = phone.locator(".success")
    success.wait_for()
    assert "Đã ghi nhận vào" in success.inner_text()
    assert "Chợ Thạch Lập" in success.inner_text()
    phone.screenshot(path=str(SCREENSHOTS / "checkin-success.png"), full_page=True)
    checkin = CheckIn.objects.get()
    assert checkin.person.full_name == "Nguyễn Thị Lan" and checkin.travelled is True
    assert checkin.source == CheckIn.Source.SELF_SCAN

    # Scanning the same code again: the phone remembers her, one tap checks in.
    phone.goto(venue_url)
    assert phone.locator("input[name=full_name]").count() == 0
    card = phone.locator(".person-card")
    assert "Nguyễn Thị Lan" in card.inner_text()
    phone.screenshot(path=str(SCREENSHOTS / "checkin-remembered.png"), full_page=True)
    card.locator("form.quick button[type=submit]").tap()
    phone.locator(".success").wait_for()

    assert CheckIn.objects.filter(person__full_name="Nguyễn Thị Lan").count() == 2
    assert Person.objects.count() == 1
    latest = CheckIn.objects.latest("id")
    assert (latest.has_symptoms, latest.had_contact, latest.travelled) == (False, False, False)

    # The personal QR code for control staff.
    phone.goto(f"{live_server.url}/c/me/")
    assert phone.locator(".personal-qr svg").count() == 1
    phone.screenshot(path=str(SCREENSHOTS / "checkin-my-qr.png"), full_page=True)

    # "Forget this device", then declaring again: the record is found, not created, so the phone holds it LINKED
    # and shows no QR code until she types the code sent by SMS to the phone on her record.
    with phone.expect_navigation():
        phone.locator("form[action$='/forget/'] button").tap()
    phone.goto(venue_url)
    phone.fill("input[name=full_name]", "Nguyễn Thị Lan")
    phone.fill("input[name=phone]", "0912 345 678")
    phone.fill("input[name=birth_year]", "1990")
    phone.locator("form.declaration button[type=submit]").tap()
    phone.locator(".success").wait_for()
    phone.goto(f"{live_server.url}/c/me/")
    assert phone.locator(".personal-qr svg").count() == 0
    send = phone.locator(".linked-person form.claim-send button")
    assert "09••••••78" in send.inner_text()
    send.tap()
    phone.locator("#claim-code").wait_for()
    phone.screenshot(path=str(SCREENSHOTS / "checkin-claim-code.png"), full_page=True)
    # The live server sends the SMS at once (and the outbox masks it): the demo's echo on the page gives the code.
    assert Message.objects.filter(kind="otp").latest("pk").secret
    phone.fill("#claim-code", phone.locator("#demo-echo strong").inner_text())
    phone.locator("form.claim-verify button[type=submit]").tap()
    phone.locator(".personal-qr svg").wait_for()
    assert phone.url.endswith("/c/me/") and phone.locator(".linked-person").count() == 0


def test_an_unknown_venue_code_shows_a_clear_error_page(live_server, phone, db):
    response = phone.goto(f"{live_server.url}/c/AAAAAAAAAAAAAAAAAAAAAA")

    assert response.status == 404
    text = phone.locator(".failure").inner_text()
    assert "Mã QR địa điểm không tồn tại." in text and "This venue QR code does not exist." in text
    phone.screenshot(path=str(SCREENSHOTS / "checkin-unknown-code.png"), full_page=True)
