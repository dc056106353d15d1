"""In a real headless Chromium: the citizen's certificate page shows the QR code (which decodes to a certificate
that verifies), the look-up redirect, and the verifier page with its paste box and its camera."""

import os
from dataclasses import replace
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from phongdich.certificates import services
from phongdich.certificates.models import Certificate
from phongdich.checkins.tests.builders import make_person
from phongdich.core.testing import make_province_with_communes
from phongdich.people.citizen import citizen_mark_verified

from .test_cli_api_pages import recent_dose

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp"))


def log_in_as_citizen(context, live_server, person):
    """The session a finished one-time-code look-up leaves (the testing app's flow is tested there)."""
    from importlib import import_module

    from django.conf import settings
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.session = import_module(settings.SESSION_ENGINE).SessionStore()
    citizen_mark_verified(request, person)
    request.session.save()
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": request.session.session_key, "url": live_server.url}]
    )


def test_citizen_page_shows_a_qr_code_that_verifies(live_server, chromium, source, tmp_path):
    areas = make_province_with_communes()
    person = make_person(areas["commune_a"], name="Hoàng Thị Mai", phone="+84912000444")
    source({person.pk: [("dose:1", recent_dose())]})
    context = chromium.new_context(viewport={"width": 412, "height": 1200}, is_mobile=True, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(20_000)

    page.goto(f"{live_server.url}/certificates/me/")
    assert "next=" in page.url  # no verified session: sent to the look-up

    log_in_as_citizen(context, live_server, person)
    page.goto(f"{live_server.url}/certificates/me/")
    qr = page.locator(".certificate-qr svg").first
    qr.wait_for()
    assert "Hoàng" in page.content()
    shot = tmp_path / "qr.png"
    qr.screenshot(path=str(shot))
    page.screenshot(path=str(SCREENSHOTS / "certificates-citizen.png"), full_page=True)
    certificate = Certificate.objects.get(person=person)
    decoded = [found.text for found in zxingcpp.read_barcodes(Image.open(shot), formats=zxingcpp.BarcodeFormat.QRCode)]
    assert decoded == [certificate.qr_text]
    assert services.dcc_verify_local(decoded[0]).valid
    with page.expect_download() as download:
        page.click("text=Tải PDF")
    assert download.value.suggested_filename.endswith(".pdf")
    context.close()


def test_citizen_page_fits_a_phone_screen(live_server, phone, source, tmp_path):
    # A QR code drawn at its full size and the unbroken UVCI used to widen the page beyond a 390-pixel phone.
    areas = make_province_with_communes()
    person = make_person(areas["commune_a"], name="Đỗ Thị Thanh", phone="+84912000777")
    source({person.pk: [("dose:1", replace(recent_dose(), dose_number=1)), ("dose:2", recent_dose())]})
    log_in_as_citizen(phone.context, live_server, person)
    phone.goto(f"{live_server.url}/certificates/me/")
    phone.locator(".certificate-qr svg").first.wait_for()
    widths = phone.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1]
    qr = phone.locator(".certificate-qr svg").first
    box = qr.bounding_box()
    assert box["width"] > 200 and box["width"] == pytest.approx(box["height"])
    qr.screenshot(path=str(tmp_path / "qr.png"))  # shrunk, it still reads
    decoded = [
        found.text
        for found in zxingcpp.read_barcodes(Image.open(tmp_path / "qr.png"), formats=zxingcpp.BarcodeFormat.QRCode)
    ]
    assert decoded == [Certificate.objects.get(person=person, source_key="dose:2").qr_text]
    # The last card's link is on screen and takes the click (the overflowing page covered it).
    with phone.expect_download() as download:
        phone.locator(".certificate a[download]").last.click()
    assert download.value.suggested_filename.endswith(".png")


def test_verify_page_paste_box(live_server, chromium):
    areas = make_province_with_communes()
    person = make_person(areas["commune_a"], name="Trịnh Văn Nam", phone="+84912000555")
    certificate = services.certificate_issue(person=person, source_key="dose:2", facts=recent_dose())
    context = chromium.new_context(viewport={"width": 412, "height": 900}, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(f"{live_server.url}/certificates/verify/")
    page.fill("#verify-qr", certificate.qr_text)
    page.click("#verify-form button[type=submit]")
    page.locator("#verdict.valid").wait_for()
    assert "Trịnh Văn Nam" in page.locator("#verdict").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "certificates-verify-valid.png"), full_page=True)
    page.fill("#verify-qr", certificate.qr_text[:-6] + "AAAAAA")
    page.click("#verify-form button[type=submit]")
    page.locator("#verdict.invalid").wait_for()
    context.close()


def test_verify_page_reads_the_camera(live_server, chromium_with_camera, tmp_path):
    from phongdich.checkins.tests.test_browser_scan import qr_video

    areas = make_province_with_communes()
    person = make_person(areas["commune_a"], name="Vũ Thị Lan", phone="+84912000666")
    certificate = services.certificate_issue(person=person, source_key="dose:3", facts=recent_dose())
    browser = chromium_with_camera(qr_video(certificate.qr_text, tmp_path / "camera.y4m", width=960, height=960))
    context = browser.new_context(viewport={"width": 412, "height": 900}, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(f"{live_server.url}/certificates/verify/")
    page.click("#camera-toggle")
    page.locator("#verdict.valid").wait_for()
    assert "Vũ Thị Lan" in page.locator("#verdict").inner_text()
    context.close()


def test_the_officials_certificate_lists_fit_a_phone(live_server, chromium):
    # A walk-through found /en/certificates/ 772 px wide at 390 px: the UVCI and "Not yet valid: from …" pushed it.
    import datetime as dt

    from django.utils import timezone

    from phongdich.accounts.models import Official
    from phongdich.certificates.sources import RecoveryFacts
    from phongdich.core.testing import make_official

    areas = make_province_with_communes()
    person = make_person(areas["commune_a"], name="Trần Thị Minh Thư", phone="+84912000445")
    today = timezone.localdate()
    facts = RecoveryFacts(
        first_positive_on=today - dt.timedelta(days=1),
        valid_from=today + dt.timedelta(days=10),
        valid_until=today + dt.timedelta(days=180),
    )
    certificate = services.certificate_issue(person=person, source_key="recovery:1", facts=facts)
    official = make_official(Official.Role.AREA_OFFICIAL, areas["commune_a"], username="yte_phone")
    official.set_password("phone-pass-2021")
    official.save()
    context = chromium.new_context(viewport={"width": 390, "height": 800})
    page = context.new_page()
    page.goto(f"{live_server.url}/en/accounts/login/")
    page.fill("input[name=username]", "yte_phone")
    page.fill("input[name=password]", "phone-pass-2021")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    try:
        for path in ("/en/certificates/", f"/en/certificates/{certificate.pk}/"):
            page.goto(f"{live_server.url}{path}")
            assert "Not yet valid: from" in page.content(), path
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, (path, width)
    finally:
        context.close()
