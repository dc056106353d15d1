"""The offline verifier in a real headless Chromium: the signature is checked in the browser (WebCrypto Ed25519,
or the vendored @noble/ed25519 when WebCrypto lacks it), with the keys kept on the device, network cut."""

import base64
import os
from datetime import date, timedelta
from pathlib import Path

import cbor2
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.utils import timezone

from phongdich.accounts.models import Official
from phongdich.checkins.tests.builders import make_person
from phongdich.core.testing import make_official, make_province_with_communes
from phongdich.healthcards.inputs import VaccineDose
from phongdich.healthcards.services import status_qr_issue
from phongdich.people import personal_qr

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    # The page checks a code's expiry with Chromium's own clock, which time-machine does not move: a code issued at a
    # fake moment a day or more from the real one is expired (or not yet issued) there.
    pytest.mark.real_clock("the page checks expiry on Chromium's clock, which PHONGDICH_TEST_CLOCK does not move"),
]

SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp"))
PASSWORD = "pass-for-tests-1"  # core.testing.make_user's

# Chromium without Ed25519 in WebCrypto, to prove the fallback: importKey refuses the algorithm as old browsers do.
NO_WEBCRYPTO_ED25519 = """
(() => {
  const original = crypto.subtle.importKey.bind(crypto.subtle);
  crypto.subtle.importKey = (format, data, algorithm, ...rest) => {
    const name = typeof algorithm === "string" ? algorithm : algorithm.name;
    if (name === "Ed25519") return Promise.reject(new DOMException("Unrecognized name.", "NotSupportedError"));
    return original(format, data, algorithm, ...rest);
  };
})();
"""


@pytest.fixture
def checker(default_rule_set, provide):
    areas = make_province_with_communes()
    make_official(Official.Role.VENUE_STAFF, areas["commune_a"], username="kiemsoat")
    vaccinated = make_person(areas["commune_a"], name="Lê Văn Cường")
    second_dose = timezone.localdate() - timedelta(days=30)
    provide(
        "vaccination",
        lambda *, person, at: {
            "doses": (VaccineDose(date(2021, 8, 1), "Pfizer", 1), VaccineDose(second_dose, "Pfizer", 2))
            if person.pk == vaccinated.pk
            else ()
        },
    )
    return {"areas": areas, "vaccinated": vaccinated}


def unpack(token):
    text = token[4:]
    return cbor2.loads(base64.b32decode(text + "=" * (-len(text) % 8)))


def pack(kid, claims_bytes, signature):
    return "PD1:" + base64.b32encode(cbor2.dumps([kid, claims_bytes, signature])).decode().rstrip("=")


def open_verifier(page, live_server):
    page.goto(f"{live_server.url}/accounts/login/?next=/health/verify/")
    page.fill("input[name=username]", "kiemsoat")
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(lambda url: url.endswith("/health/verify/") and "/accounts/login/" not in url)
    page.locator("#keys-note").wait_for()


def check(page, token, state):
    page.fill("#verify-token", token)
    page.press("#verify-token", "Enter")
    page.locator(f"#verdict.{state}").wait_for()
    return page.locator("#verdict").inner_text()


@pytest.mark.parametrize("engine", ["webcrypto", "noble"])
def test_offline_verifier_shows_green_and_refuses_tampered_expired_and_foreign_codes(
    live_server, chromium, checker, engine
):
    context = chromium.new_context(viewport={"width": 412, "height": 900}, is_mobile=True, has_touch=True)
    if engine == "noble":
        context.add_init_script(NO_WEBCRYPTO_ED25519)
    page = context.new_page()
    page.set_default_timeout(20_000)
    green, card = status_qr_issue(person=checker["vaccinated"])
    assert card.colour == "green"
    open_verifier(page, live_server)
    # The keys are on the device now: from here on the page works with the network cut.
    context.set_offline(True)

    text = check(page, green, "green")
    assert "LVC" in text
    assert "Lê Văn Cường" not in text
    page.screenshot(path=str(SCREENSHOTS / f"health-verify-green-{engine}.png"), full_page=True)

    # Tampered colour: a red card's claims edited to say green, signature kept.
    red_person = make_person(checker["areas"]["commune_a"], name="Phạm Thị Dung", phone="+84912345670")
    red, red_card = status_qr_issue(person=red_person)
    assert red_card.colour == "red"
    assert "DUNG" not in check(page, red, "red").upper()  # initials only: PTD
    kid, claims_bytes, signature = unpack(red)
    claims = cbor2.loads(claims_bytes)
    claims["c"] = "green"
    tampered = pack(kid, cbor2.dumps(claims, canonical=True), signature)
    assert "Chữ ký không khớp" in check(page, tampered, "invalid")  # the bad-signature reason, in Vietnamese

    # Expired: issued two days ago, its colour was vouched for 24 hours.
    expired, _ = status_qr_issue(person=checker["vaccinated"], now=timezone.now() - timedelta(days=2))
    assert "Mã đã hết hạn" in check(page, expired, "invalid")

    # Signed with a key the province does not publish.
    other = Ed25519PrivateKey.generate()
    other_kid = personal_qr._kid_of(other.public_key())
    forged = pack(other_kid, claims_bytes, other.sign(b"PD1" + other_kid + claims_bytes))
    assert "khóa mà tỉnh không công bố" in check(page, forged, "invalid")
    page.screenshot(path=str(SCREENSHOTS / f"health-verify-invalid-{engine}.png"), full_page=True)

    # Not a personal QR code at all.
    assert "không phải mã QR cá nhân" in check(page, "https://example.com/", "invalid")
    # And the good code is still good.
    check(page, green, "green")
    context.close()


def test_the_camera_reads_a_yellow_code_and_verifies_it_offline(
    live_server, chromium_with_camera, checker, provide, tmp_path
):
    from phongdich.checkins.tests.test_browser_scan import qr_video
    from phongdich.healthcards.inputs import TestResult

    holder = make_person(checker["areas"]["commune_a"], name="Võ Thị Em", phone="+84912345671")
    pcr = TestResult(timezone.now() - timedelta(hours=10), "pcr", "negative")
    provide("testing", lambda *, person, at: {"tests": (pcr,)} if person.pk == holder.pk else {})
    person = holder
    token, card = status_qr_issue(person=person)
    assert card.colour == "yellow"  # a negative PCR test within 72 hours
    browser = chromium_with_camera(qr_video(token, tmp_path / "camera.y4m"))
    context = browser.new_context(viewport={"width": 412, "height": 900}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    open_verifier(page, live_server)
    context.set_offline(True)

    page.click("#camera-toggle")

    page.locator("#verdict.yellow").wait_for()
    assert page.locator("#verdict .verdict-initials").inner_text() == "VTE"
    page.screenshot(path=str(SCREENSHOTS / "health-verify-camera-yellow.png"), full_page=True)
    context.close()


def test_the_verifier_page_opens_again_with_no_network(live_server, chromium, checker):
    context = chromium.new_context(viewport={"width": 412, "height": 900}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    green, _ = status_qr_issue(person=checker["vaccinated"])
    open_verifier(page, live_server)
    # The service worker has stored the page and its scripts.
    page.wait_for_function(
        "navigator.serviceWorker.ready.then(() => caches.keys())"
        ".then(names => Promise.all(names.map(n => caches.open(n).then(c => c.match('/health/verify/')))))"
        ".then(found => found.some(Boolean))",
        polling=200,
    )
    context.set_offline(True)

    page.reload()

    assert page.locator("#verifier").count() == 1
    assert "LVC" in check(page, green, "green")
    context.close()
