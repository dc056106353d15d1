"""The citizen look-up in a real headless Chromium: ID number + date of birth → the code (shown by the demo echo,
as the outbox sends nothing) → the results page with the result and its PDF."""

import os
from pathlib import Path

import pytest

from phongdich.core.testing import make_official, make_province_with_communes

from ..services import result_enter
from .builders import BIRTH_1990, CCCD_1990, make_person, make_sample, make_site

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp"))


@pytest.fixture
def citizen():
    areas = make_province_with_communes()
    site = make_site(areas["commune_a"], code="TL", name="Trạm Y tế xã Thạch Lập")
    lab = make_official("lab_staff", areas["commune_a"])
    person = make_person(areas["commune_a"], name="Nguyễn Văn An")
    result_enter(actor=lab, barcode=make_sample(site, person).barcode, outcome="negative", ct_value="37.5")
    return person


def start(page, live_server, id_number=CCCD_1990):
    page.goto(f"{live_server.url}/testing/lookup/?restart=1")
    page.fill("#id_id_number", id_number)
    page.fill("#id_birth_date", BIRTH_1990.isoformat())
    page.click("#lookup-start button[type=submit]")
    page.locator("#lookup-code").wait_for()


def test_citizen_looks_up_a_result_with_the_code(phone, live_server, citizen, settings):
    settings.SMS_ECHO_ON_PAGE = True
    # Unknown details: the same "if the details match" answer, and the code it shows does not work.
    start(phone, live_server, id_number="038090009999")
    sent = phone.locator("#lookup-sent").inner_text()
    phone.fill("#id_code", phone.locator("#demo-echo strong").inner_text())
    phone.click("#lookup-code button[type=submit]")
    failure = phone.locator("#lookup-error").inner_text()
    assert "không đúng" in failure

    start(phone, live_server)
    assert phone.locator("#lookup-sent").inner_text() == sent
    code = phone.locator("#demo-echo strong").inner_text()
    assert len(code) == 6 and code.isdigit()
    phone.fill("#id_code", code)
    phone.click("#lookup-code button[type=submit]")
    phone.wait_for_url("**/testing/me/")
    card = phone.locator(".result-card").first
    assert "Âm tính" in card.inner_text() and "37,5" in card.inner_text()
    phone.screenshot(path=str(SCREENSHOTS / "testing-lookup-results.png"), full_page=True)
    href = card.locator("a.btn").get_attribute("href")
    pdf = phone.request.get(f"{live_server.url}{href}")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf" and pdf.body()[:4] == b"%PDF"
