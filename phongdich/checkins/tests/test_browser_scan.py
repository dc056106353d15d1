"""Control staff in a real headless Chromium: the scanner page reads personal QR codes from the camera (a fake
capture device filming a QR code) and from the keyboard box, and posts them to the check-in API; the paper
form is driven with the keyboard alone."""

import os
from pathlib import Path

import pytest
import segno
from playwright.sync_api import expect

from phongdich.accounts.models import Official
from phongdich.checkins.models import CheckIn
from phongdich.core.testing import make_official, make_province_with_communes
from phongdich.people import errors as people_errors

from .builders import add_member, clear_caches, make_code, make_person, make_venue, personal_qr
from .test_venue_picker import make_many_venues

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp"))
PASSWORD = "pass-for-tests-1"  # core.testing.make_user's


@pytest.fixture
def place():
    clear_caches()
    areas = make_province_with_communes()
    venue = make_venue(areas["commune_a"], name="Chợ Thạch Lập")
    code = make_code(venue, label="Cổng chính")
    staff = make_official(Official.Role.VENUE_STAFF, areas["commune_a"], username="kiemsoat")
    add_member(venue, staff)
    yield {"areas": areas, "venue": venue, "code": code, "staff": staff}
    clear_caches()


def log_in(page, live_server, next_path):
    page.goto(f"{live_server.url}/accounts/login/?next={next_path}")
    page.fill("input[name=username]", "kiemsoat")
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(lambda url: next_path in url and "/accounts/login/" not in url)  # the login URL holds it too


def qr_video(text: str, path: Path, width: int = 640, height: int = 480, frames: int = 5) -> Path:
    """A Y4M video (YUV 4:2:0, the format of Chromium's fake camera) of a QR code on white paper."""
    matrix = [list(row) for row in segno.make(text, error="m").matrix_iter(scale=1, border=4)]
    scale = min(width, height) // len(matrix)
    left, top = (width - len(matrix) * scale) // 2, (height - len(matrix) * scale) // 2
    luma = bytearray(b"\xff" * width * height)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                for dy in range(scale):
                    start = (top + y * scale + dy) * width + left + x * scale
                    luma[start : start + scale] = b"\x00" * scale
    chroma = b"\x80" * ((width // 2) * (height // 2) * 2)
    with path.open("wb") as video:
        video.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            video.write(b"FRAME\n" + bytes(luma) + chroma)
    return path


def test_staff_scan_a_personal_qr_code_with_the_camera(live_server, chromium_with_camera, place, tmp_path):
    person = make_person(place["areas"]["commune_a"], name="Trần Thị Bích")
    browser = chromium_with_camera(qr_video(personal_qr(person), tmp_path / "camera.y4m"))
    context = browser.new_context(viewport={"width": 412, "height": 900}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    log_in(page, live_server, "/checkins/scan/")

    page.click("#camera-toggle")

    page.locator("#result.ok").wait_for()
    assert page.locator("#result .scan-initials").inner_text() == "TTB"
    assert "Chợ Thạch Lập – Cổng chính" in page.locator("#result").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "checkin-staff-scan.png"), full_page=True)
    # The camera keeps seeing the code: it is sent once, not once per frame.
    page.wait_for_timeout(1500)
    checkin = CheckIn.objects.get()
    assert checkin.person == person and checkin.source == CheckIn.Source.STAFF_SCAN
    assert checkin.code == place["code"] and checkin.recorded_by == place["staff"]
    context.close()


def test_staff_type_or_paste_a_code_and_see_refusals(live_server, phone, place):
    person = make_person(place["areas"]["commune_a"], name="Lê Văn Hùng")
    log_in(phone, live_server, "/checkins/scan/")

    # A keyboard scanner types into the focused box and presses Enter (autofocus lands a moment after load).
    expect(phone.locator("#manual-token")).to_be_focused()
    phone.keyboard.type(personal_qr(person))
    phone.keyboard.press("Enter")
    phone.locator("#result.ok").wait_for()
    assert phone.locator("#result .scan-initials").inner_text() == "LVH"
    assert CheckIn.objects.filter(person=person).count() == 1

    phone.fill("#manual-token", "PD1:NOT-A-REAL-CODE")
    phone.press("#manual-token", "Enter")
    phone.locator("#result.error").wait_for()
    text = phone.locator("#result").inner_text()
    assert people_errors.PERSONAL_QR_MALFORMED.vi in text and people_errors.PERSONAL_QR_MALFORMED.en in text
    phone.screenshot(path=str(SCREENSHOTS / "checkin-staff-refused.png"), full_page=True)
    assert CheckIn.objects.count() == 1


def test_paper_declarations_are_typed_with_the_keyboard_alone(live_server, chromium, place):
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, live_server, "/checkins/paper/")

    # The name has the focus; Tab walks the form in order; Enter records.
    expect(page.locator("input[name=full_name]")).to_be_focused()
    page.keyboard.type("HOÀNG VĂN NAM")
    page.keyboard.press("Tab")
    page.keyboard.type("0912345678")
    page.keyboard.press("Tab")
    page.keyboard.type("1949")
    page.keyboard.press("Enter")

    page.locator("#last-entry").wait_for()
    assert "HOÀNG VĂN NAM" in page.locator("#last-entry").inner_text()
    expect(page.locator("input[name=full_name]")).to_be_focused()
    assert page.input_value("input[name=full_name]") == ""
    page.screenshot(path=str(SCREENSHOTS / "checkin-paper.png"), full_page=True)
    checkin = CheckIn.objects.get()
    assert checkin.source == CheckIn.Source.PAPER and checkin.person.birth_year == 1949
    assert checkin.venue == place["venue"] and checkin.recorded_by == place["staff"]
    context.close()


def test_staff_scan_a_citizen_id_card_with_the_camera(live_server, chromium_with_camera, place, tmp_path):
    """A person without a smartphone shows their chip-based ID card: its QR code (UTF-8, the name with its marks)
    read by the camera checks them in, recorded from the card."""
    from phongdich.people.models import Person

    card = "038190012345|172345678|Lê Thị Hồng Nhung|14031990|Nữ|Thôn 3, Xã Thạch Lâm, Thạch Thành|10052021"
    browser = chromium_with_camera(qr_video(card, tmp_path / "card.y4m"))
    context = browser.new_context(viewport={"width": 412, "height": 900}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    log_in(page, live_server, "/checkins/scan/")
    assert "CCCD" in page.locator("#id-card-hint").inner_text()

    page.click("#camera-toggle")

    page.locator("#result.ok").wait_for()
    assert page.locator("#result .scan-initials").inner_text() == "LTHN"
    page.screenshot(path=str(SCREENSHOTS / "checkin-staff-id-card.png"), full_page=True)
    page.wait_for_timeout(1500)
    person = Person.objects.get()
    assert (person.full_name, person.citizen_id, person.created_via) == ("Lê Thị Hồng Nhung", "038190012345", "id_card")
    assert CheckIn.objects.get().person == person and CheckIn.objects.get().source == CheckIn.Source.ID_CARD
    context.close()


@pytest.fixture
def district_official():
    """An official whose commune has 520 venues: more than the 500 the pickers once listed."""
    clear_caches()
    areas = make_province_with_communes()
    venues = make_many_venues(areas["commune_a"])
    target = venues[509]  # "Điểm kiểm dịch 0510", the 510th by name
    code = make_code(target, label="Cổng sau")
    official = make_official(Official.Role.AREA_OFFICIAL, areas["commune_a"], username="kiemsoat")
    yield {"areas": areas, "target": target, "code": code, "official": official}
    clear_caches()


def test_an_official_picks_the_510th_venue_by_typing_its_name_and_scans_there(live_server, chromium, district_official):
    target, code = district_official["target"], district_official["code"]
    person = make_person(district_official["areas"]["commune_a"], name="Đỗ Văn Hải")
    context = chromium.new_context(viewport={"width": 412, "height": 900}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    log_in(page, live_server, "/checkins/scan/")
    expect(page.locator("#entrance option")).to_have_count(0)

    # Typed without diacritics; the matches come from the API as the official types.
    page.locator("#venue-q").press_sequentially("diem kiem dich 0510", delay=20)
    match = page.locator("#venue-matches a", has_text="Điểm kiểm dịch 0510")
    expect(match).to_have_count(1)
    match.click()

    page.wait_for_url(lambda url: f"venue={target.pk}" in url)
    expect(page.locator("#entrance option")).to_have_text(["Điểm kiểm dịch 0510 – Cổng sau"])
    page.fill("#manual-token", personal_qr(person))
    page.press("#manual-token", "Enter")
    page.locator("#result.ok").wait_for()
    page.screenshot(path=str(SCREENSHOTS / "checkin-staff-venue-search.png"), full_page=True)
    checkin = CheckIn.objects.get()
    assert (checkin.venue, checkin.code, checkin.person) == (target, code, person)
    context.close()


def test_the_paper_form_takes_a_searched_venue_without_losing_what_was_typed(live_server, chromium, district_official):
    target, code = district_official["target"], district_official["code"]
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    log_in(page, live_server, "/checkins/paper/")
    page.fill("input[name=full_name]", "HOÀNG VĂN NAM")
    page.fill("input[name=phone]", "0912345678")
    page.fill("input[name=birth_year]", "1949")

    page.locator("#venue-q").press_sequentially("0510", delay=20)
    page.locator("#venue-matches a", has_text="Điểm kiểm dịch 0510").click()

    expect(page.locator("#venue-chosen-name")).to_have_text("Điểm kiểm dịch 0510")
    assert page.input_value("input[name=full_name]") == "HOÀNG VĂN NAM"  # the page did not reload
    page.select_option("select[name=code]", label="Điểm kiểm dịch 0510 – Cổng sau")
    page.press("input[name=birth_year]", "Enter")
    page.locator("#last-entry").wait_for()
    checkin = CheckIn.objects.get()
    assert (checkin.venue, checkin.code, checkin.source) == (target, code, CheckIn.Source.PAPER)
    context.close()
