"""Issue 5's "done when", in a real headless Chromium and through the real pages: a new citizen registers for a
test; the lab takes the sample and enters a negative RT-PCR result; the citizen registers for vaccination; staff
invite, check the citizen in by the personal QR code and record two doses; the citizen looks the result up with
the one-time code sent by SMS, sees the doses and the certificates, and the certificate's QR code (downloaded as
PNG and inside the PDF) verifies against the province's trust list with the citizen's own details."""

import datetime as dt
import os
import re
from importlib import import_module
from pathlib import Path

import pypdfium2
import pytest
import zxingcpp
from django.apps import apps
from django.utils import timezone
from PIL import Image

from phongdich.accounts.models import Official
from phongdich.certificates import keys
from phongdich.certificates.dcc import dcc_verify
from phongdich.core.testing import make_official, make_province_with_communes, wait_out_local_midnight
from phongdich.people.models import Person
from phongdich.people.personal_qr import personal_qr_issue
from phongdich.testing import services as testing_services
from phongdich.testing.models import TestResult
from phongdich.vaccination import services as vaccination_services
from phongdich.vaccination.models import Dose, VaccinationRegistration

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp"))

# A new person: a woman born in 1988 (CCCD digit 4 is 1: 1900s, female), registered in Thanh Hóa (038).
NAME, FAMILY, GIVEN = "Phạm Thị Hồng", "Phạm", "Thị Hồng"
CCCD = "038188012345"
BIRTH = dt.date(1988, 7, 9)
PHONE_TYPED, PHONE = "0912 555 017", "+84912555017"
PASSWORD = "pass-for-tests-1"


@pytest.fixture
def inbox(monkeypatch):
    """The citizen's phone: every SMS the outbox gateway sends is kept here (the stored copy of a one-time code is
    masked once sent, so the code is read where a phone would read it)."""
    from phongdich.notifications import services as notifications

    received = []
    send = notifications.sms_send

    def sms_send(*, to, text, message_id):
        received.append((to, text))
        return send(to=to, text=text, message_id=message_id)

    monkeypatch.setattr(notifications, "sms_send", sms_send)
    return received


@pytest.fixture
def scene(settings, tmp_path):
    """Keys in tmp_path; one commune with a testing site and a vaccination site, each with a session today."""
    settings.DCC_KEY_DIR = tmp_path / "dcc"
    settings.DCC_TRUST_DIR = tmp_path / "dcc" / "trust"
    settings.SIGNING_KEY_PEM = ""
    settings.SIGNING_KEY_FILE = tmp_path / "keys" / "personal-qr.pem"
    keys._cache.clear()
    keys._trust_cache.clear()
    # A transactional test starts from flushed tables: load the priority groups and products as migration 0002 does.
    import_module("phongdich.vaccination.migrations.0002_reference_data").load(apps, None)
    wait_out_local_midnight()  # the sessions are for today, and the walk through the pages takes about a minute
    areas = make_province_with_communes()
    commune, today = areas["commune_a"], timezone.localdate()
    health = make_official(Official.Role.HEALTH_DEPT, areas["province"], username="soyte")
    lab = make_official(Official.Role.LAB_STAFF, commune, username="xetnghiem")
    staff = make_official(Official.Role.VACCINATION_STAFF, commune, username="tiemchung")
    # Sites and sessions are set up by staff in the admin or by code: no citizen page to walk through here. All day:
    # a session or slot that has ended today is no longer offered, and the suite runs at any hour.
    test_site = testing_services.site_create(actor=health, code="TL", name="Trạm Y tế xã Thạch Lập", area=commune)
    test_session = testing_services.session_create(
        actor=lab, site=test_site, date=today, start_time=dt.time(0, 0), end_time=dt.time(23, 59), capacity=20
    )
    vaccination_site = vaccination_services.site_create(actor=staff, name="Trung tâm Y tế Thạch Lập", area=commune)
    vaccination_session = vaccination_services.session_create(
        actor=staff,
        site=vaccination_site,
        date=today,
        product=vaccination_services.product_by_code("astrazeneca"),
        slots=[(dt.time(0, 0), dt.time(23, 59), 20)],
    )
    yield {
        "commune": commune,
        "test_session": test_session,
        "vaccination_site": vaccination_site,
        "vaccination_session": vaccination_session,
    }
    keys._cache.clear()
    keys._trust_cache.clear()


def choose_commune(page, commune):
    """The area picker, with the keyboard: type without diacritics, Enter chooses the first match."""
    page.locator("#id_area_search").press_sequentially("thach lap")
    page.locator("#id_area_options li").first.wait_for()
    page.keyboard.press("Enter")
    assert page.locator("#id_area").input_value() == str(commune.pk)


def staff_page(chromium, live_server, username, next_path):
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/accounts/login/?next={next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: next_path in url and "login" not in url)
    return page


def check_in_and_record(page, live_server, scene, person, *, dose_number, lot, given_on):
    """Staff scan the citizen's personal QR code (a keyboard scanner types it into the box) and record the dose."""
    site = scene["vaccination_site"]
    page.goto(f"{live_server.url}/vaccination/checkin/?site={site.pk}")
    page.fill("#token", personal_qr_issue(person=person))
    page.click("#checkin-form button[type=submit]")
    assert NAME in page.locator("#result.ok").inner_text()
    page.click("#record-dose")
    page.wait_for_url("**/dose/")
    assert page.locator("#id_product").input_value() == "astrazeneca"
    assert page.locator("#id_dose_number").input_value() == str(dose_number)
    page.fill("#id_lot", lot)
    page.fill("#id_given_on", given_on.isoformat())
    page.click("form button[type=submit]")
    page.wait_for_url("**/vaccination/checkin/**")
    assert f"Đã ghi nhận mũi {dose_number}." in page.locator(".messages").inner_text()


def read_qr(image) -> str:
    found = [code.text for code in zxingcpp.read_barcodes(image) if code.format == zxingcpp.BarcodeFormat.QRCode]
    assert len(found) == 1
    return found[0]


def download(page, link, folder: Path) -> Path:
    with page.expect_download() as started:
        link.click()
    path = folder / started.value.suggested_filename
    started.value.save_as(path)
    return path


def test_citizen_tested_vaccinated_twice_and_certified(live_server, chromium, phone, scene, inbox, tmp_path):
    today = timezone.localdate()

    # 1. The citizen registers for a test.
    phone.goto(f"{live_server.url}/testing/register/")
    phone.check(f"input[name=session][value='{scene['test_session'].pk}']")
    phone.fill("#id_full_name", NAME)
    phone.fill("#id_id_number", CCCD)
    phone.fill("#id_birth_date", BIRTH.isoformat())
    phone.fill("#id_phone", PHONE_TYPED)
    choose_commune(phone, scene["commune"])
    phone.select_option("#id_reason", "screening")
    phone.click("form.card button[type=submit]")
    assert NAME in phone.locator(".card.success").inner_text()
    person = Person.objects.get(citizen_id=CCCD)
    assert (person.full_name, person.birth_date, person.phone) == (NAME, BIRTH, PHONE)

    # 2. The lab takes the sample on the session's day list, then enters a negative RT-PCR result by its barcode.
    lab = staff_page(chromium, live_server, "xetnghiem", f"/testing/sessions/{scene['test_session'].pk}/")
    row = lab.locator("table.session-list tbody tr", has_text=NAME)
    row.locator("button[type=submit]").click()
    barcode = row.locator("code").inner_text()
    assert barcode.startswith("TL")
    lab.goto(f"{live_server.url}/testing/results/enter/")
    lab.fill("#id_barcode", barcode)
    lab.select_option("#id_outcome", "negative")
    lab.fill("#id_ct_value", "36.4")
    lab.click("form.card button[type=submit]")
    assert barcode in lab.locator(".messages").inner_text()
    lab.context.close()
    result = TestResult.objects.get(sample__barcode=barcode)
    assert (result.outcome, result.sample.person_id, result.sample.test_type) == ("negative", person.pk, "pcr")
    assert any(to == PHONE and "Ket qua xet nghiem" in text for to, text in inbox)  # the SMS that it is ready

    # 3. The same citizen registers for vaccination, without choosing a place: staff will invite.
    phone.goto(f"{live_server.url}/vaccination/register/")
    phone.fill("#id_full_name", NAME)
    phone.fill("#id_citizen_id", CCCD)
    phone.fill("#id_birth_date", BIRTH.isoformat())
    phone.fill("#id_phone", PHONE_TYPED)
    choose_commune(phone, scene["commune"])
    phone.select_option("#id_priority_group", "nq21-6")
    phone.click("form button[type=submit]")
    assert NAME in phone.locator(".card.success").inner_text()
    assert Person.objects.count() == 1  # found again, not a second record
    assert VaccinationRegistration.objects.get(person=person).status == "registered"

    # 4. Staff invite into today's session, check in, record dose 1 (dated 60 days ago: past dates are allowed, and
    # AstraZeneca needs at least 28 days between doses); the follow-on registration is invited again for dose 2.
    session = scene["vaccination_session"]
    staff = staff_page(chromium, live_server, "tiemchung", f"/vaccination/sessions/{session.pk}/")
    for dose_number, lot, given_on in ((1, "ABV5801", today - dt.timedelta(days=60)), (2, "ABV5802", today)):
        staff.goto(f"{live_server.url}/vaccination/sessions/{session.pk}/")
        staff.click("form button[type=submit]")  # "Send invitations": all groups, by priority
        assert "Đã mời 1 người." in staff.locator(".messages").inner_text()
        assert VaccinationRegistration.objects.get(person=person, dose_number=dose_number).status == "invited"
        check_in_and_record(staff, live_server, scene, person, dose_number=dose_number, lot=lot, given_on=given_on)
    staff.context.close()
    doses = Dose.objects.filter(person=person).order_by("dose_number").values_list("dose_number", "lot", "given_on")
    assert list(doses) == [(1, "ABV5801", today - dt.timedelta(days=60)), (2, "ABV5802", today)]
    assert sum("Moi ban tiem vac xin" in text for to, text in inbox if to == PHONE) == 2  # two invitations by SMS

    # 5. The citizen looks up with the ID number, the date of birth and the code the SMS brought.
    phone.goto(f"{live_server.url}/testing/lookup/")
    phone.fill("#id_id_number", CCCD)
    phone.fill("#id_birth_date", BIRTH.isoformat())
    phone.click("#lookup-start button[type=submit]")
    phone.locator("#lookup-code").wait_for()
    codes = [re.search(r"\b(\d{6})\b", text).group(1) for to, text in inbox if to == PHONE and "Ma tra cuu" in text]
    assert len(codes) == 1
    phone.fill("#id_code", codes[0])
    phone.click("#lookup-code button[type=submit]")
    phone.wait_for_url("**/testing/me/")
    card = phone.locator(".result-card", has_text=barcode)
    assert "Âm tính" in card.inner_text()

    phone.goto(f"{live_server.url}/vaccination/me/")
    assert f"Đã tiêm đủ liều từ {today:%d/%m/%Y}" in phone.locator("#vaccination-status").inner_text()
    assert phone.locator("#doses tbody tr").count() == 2
    phone.screenshot(path=str(SCREENSHOTS / "journey-vaccination-me.png"), full_page=True)

    phone.click("a[href='/certificates/me/']")
    phone.wait_for_url("**/certificates/me/")
    assert phone.locator(".certificate-v").count() == 2 and phone.locator(".certificate-t").count() == 1
    phone.screenshot(path=str(SCREENSHOTS / "journey-certificates-me.png"), full_page=True)
    # The second dose's certificate: its "number of doses" field reads 2/2 (the validity date may hold "2/2" too).
    second = phone.locator(".certificate-v").filter(has=phone.locator("dd", has_text=re.compile(r"^2/2$")))
    png = download(phone, second.locator("a[download]"), tmp_path)
    from_png = read_qr(Image.open(png))
    pdf = download(phone, second.locator("a.btn", has_text="PDF"), tmp_path)
    assert pdf.read_bytes()[:5] == b"%PDF-"
    document = pypdfium2.PdfDocument(str(pdf))
    from_pdf = read_qr(document[0].render(scale=3).to_pil())
    document.close()
    assert from_pdf == from_png
    test_png = download(phone, phone.locator(".certificate-t a[download]"), tmp_path)
    from_test_png = read_qr(Image.open(test_png))

    trust, now = keys.province_trust_list(), timezone.now()
    vaccination = dcc_verify(from_png, trust=trust, at=now)
    assert vaccination.valid, vaccination.reason
    payload = vaccination.payload
    assert (payload["nam"]["fn"], payload["nam"]["gn"], payload["dob"]) == (FAMILY, GIVEN, BIRTH.isoformat())
    entry = payload["v"][0]
    assert (entry["dn"], entry["sd"], entry["dt"], entry["mp"]) == (2, 2, today.isoformat(), "EU/1/21/1529")
    test = dcc_verify(from_test_png, trust=trust, at=now)
    assert test.valid, test.reason
    assert (test.payload["nam"]["fn"], test.payload["dob"]) == (FAMILY, BIRTH.isoformat())
    assert (test.payload["t"][0]["tt"], test.payload["t"][0]["tr"]) == ("LP6464-4", "260415000")
