"""The declaration forms in a real headless Chromium, as a phone: the domestic and the entry (VHD) forms, each in
Vietnamese and in English, filled and sent to the success screen, then checked in the database.

Screenshots are written to /tmp (SCREENSHOT_DIR to change) so that a person can look at them.
"""

import os
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from phongdich.core.testing import make_province_with_communes
from phongdich.declarations.models import Declaration
from phongdich.people.models import Person

from .builders import make_port

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp"))


@pytest.fixture
def areas():
    return make_province_with_communes()


def _pick_area(page, field, text):
    search = page.locator(f"#id_{field}_search")
    search.focus()
    page.keyboard.type(text)
    page.locator(f"#id_{field}_options li").first.wait_for()
    page.keyboard.press("Enter")  # chooses the first match, does not submit


def test_domestic_form_in_vietnamese_to_the_success_screen(live_server, phone, areas):
    phone.goto(f"{live_server.url}/declarations/")
    assert phone.locator("h1").inner_text() == "Khai báo y tế"
    phone.screenshot(path=str(SCREENSHOTS / "declarations-index.png"), full_page=True)
    phone.get_by_text("Khai báo y tế toàn dân").first.tap()
    phone.wait_for_url("**/declarations/domestic/")
    assert phone.locator("h1").inner_text() == "Khai báo y tế toàn dân"
    assert phone.get_by_text("Khai báo thông tin sai là vi phạm pháp luật Việt Nam").is_visible()
    phone.fill("input[name=full_name]", "NGUYỄN THỊ LAN")
    phone.fill("input[name=birth_year]", "1990")
    phone.locator("label[for=id_gender_1]").tap()  # Nữ
    phone.fill("input[name=phone]", "0912 345 678")
    _pick_area(phone, "area", "thach lap")
    phone.fill("input[name=address_street]", "Thôn 3")
    phone.get_by_label("Sốt", exact=True).check()
    phone.get_by_label("Người bệnh hoặc nghi ngờ mắc bệnh COVID-19").check()
    phone.screenshot(path=str(SCREENSHOTS / "declarations-domestic-vi.png"), full_page=True)
    phone.locator("form.declaration-form button[type=submit]").tap()

    success = phone.locator(".success")
    success.wait_for()
    assert "Đã gửi tờ khai" in success.inner_text() and "NGUYỄN THỊ LAN" in success.inner_text()
    assert "trạm y tế" in success.inner_text()  # flagged: the commune's health station may call
    phone.screenshot(path=str(SCREENSHOTS / "declarations-domestic-success.png"), full_page=True)
    declaration = Declaration.objects.get()
    assert declaration.kind == "domestic" and declaration.area == areas["commune_a"]
    assert declaration.symptoms == ["fever"] and declaration.exposures == ["contact_case"] and declaration.flagged
    assert declaration.person.gender == "female" and declaration.person.phone == "+84912345678"

    # The same phone: the index lists her declaration and offers to start from it.
    phone.goto(f"{live_server.url}/declarations/")
    assert "NGUYỄN THỊ LAN" in phone.locator(".person-card").inner_text()
    phone.get_by_text("Bắt đầu từ lần khai trước").tap()
    phone.wait_for_url("**/declarations/domestic/?from=*")
    assert phone.locator("input[name=address_street]").input_value() == "Thôn 3"
    assert not phone.get_by_label("Sốt", exact=True).is_checked()  # health answers are asked afresh


def test_entry_form_in_english_to_the_success_screen(live_server, phone, areas):
    make_port("HAN", province=areas["province"])
    phone.goto(f"{live_server.url}/en/declarations/entry/")
    assert phone.locator("h1").inner_text() == "Health declaration for entry into Vietnam"
    assert phone.locator("html").get_attribute("lang") == "en"
    phone.fill("input[name=full_name]", "JOHN SMITH")
    phone.fill("input[name=passport_number]", "123456789")
    phone.fill("input[name=birth_year]", "1980")
    phone.locator("label[for=id_gender_0]").tap()  # Male
    phone.select_option("select[name=nationality]", "GB")
    phone.fill("input[name=phone]", "0987 654 321")
    phone.select_option("select[name=vehicle_type]", "plane")
    phone.fill("input[name=vehicle_number]", "VN 54")
    phone.fill("input[name=seat]", "12A")
    phone.select_option("select[name=port_of_entry]", "HAN")
    phone.fill("input[name=arrival_date]", timezone.localdate().isoformat())
    phone.select_option("select[name=countries_visited]", ["GB", "SG"])
    phone.select_option("select[name=vaccine_doses]", "2")
    phone.fill("input[name=vaccine]", "Comirnaty")
    _pick_area(phone, "area", "cam thach")
    phone.fill("input[name=address_street]", "Hotel 5")
    phone.locator("label[for=id_travelled_14d_1]").tap()  # Yes
    phone.fill("textarea[name=travel_places]", "London, Singapore")
    phone.get_by_label("Skin rash", exact=True).check()
    phone.screenshot(path=str(SCREENSHOTS / "declarations-entry-en.png"), full_page=True)
    phone.locator("form.declaration-form button[type=submit]").tap()

    success = phone.locator(".success")
    success.wait_for()
    assert "Declaration sent" in success.inner_text()
    phone.screenshot(path=str(SCREENSHOTS / "declarations-entry-success.png"), full_page=True)
    declaration = Declaration.objects.get()
    assert declaration.kind == "entry" and declaration.passport_number == "123456789"
    assert declaration.nationality == "GB" and sorted(declaration.countries_visited) == ["GB", "SG"]
    assert declaration.port_of_entry.code == "HAN" and declaration.vaccination_declared["doses"] == 2
    assert declaration.area == areas["commune_b"] and declaration.symptoms == ["rash"]
    assert declaration.travel_places == "London, Singapore"
    person = Person.objects.get()
    assert person.nationality == "GB" and person.passport_number == "123456789"


def test_refused_entry_shows_the_reason_in_english_and_keeps_the_answers(live_server, phone, areas):
    make_port("HAN", province=areas["province"])
    phone.goto(f"{live_server.url}/en/declarations/entry/")
    phone.fill("input[name=full_name]", "JANE DOE")
    phone.fill("input[name=passport_number]", "X1234567")
    phone.fill("input[name=birth_year]", "1985")
    phone.locator("label[for=id_gender_1]").tap()
    phone.select_option("select[name=nationality]", "US")
    phone.fill("input[name=phone]", "0987 654 321")
    phone.select_option("select[name=port_of_entry]", "HAN")
    phone.fill("input[name=arrival_date]", "2099-01-01")
    phone.locator("form.declaration-form button[type=submit]").tap()
    error = phone.locator(".has-error .errorlist").first
    error.wait_for()
    assert "within 30 days" in error.inner_text()
    assert phone.locator("input[name=full_name]").input_value() == "JANE DOE"
    phone.screenshot(path=str(SCREENSHOTS / "declarations-entry-refused.png"), full_page=True)
    assert not Declaration.objects.exists() and not Person.objects.exists()


def test_staff_enter_paper_declarations_with_the_keyboard_only(live_server, chromium, areas):
    from phongdich.core.testing import make_official

    user = make_official("area_official", areas["commune_a"], username="tramyte")
    user.set_password("pass-for-tests-1")
    user.save()
    page = chromium.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"{live_server.url}/accounts/login/?next=/declarations/enter/")
        page.fill("input[name=username]", "tramyte")
        page.fill("input[name=password]", "pass-for-tests-1")
        page.press("input[name=password]", "Enter")
        page.wait_for_url(lambda url: url.endswith("/declarations/enter/") and "/accounts/login/" not in url)
        for name, year in (("LÊ VĂN TÁM", "1961"), ("LÊ THỊ CHÍN", "1965")):
            # The name field takes the focus (autofocus lands a moment after load, hence expect, which waits):
            # type, Tab from field to field, Enter sends.
            expect(page.locator("input[name=full_name]")).to_be_focused()
            page.keyboard.type(name)
            page.keyboard.press("Tab")  # id number
            page.keyboard.press("Tab")  # year of birth
            page.keyboard.type(year)
            page.locator("#id_phone").focus()
            page.keyboard.type("0912 345 678")
            page.locator("#id_area_search").focus()
            page.keyboard.type("thach lap")
            page.locator("#id_area_options li").first.wait_for()
            page.keyboard.press("Enter")  # chooses the area
            page.keyboard.press("Tab")  # house number, street
            page.keyboard.type("Thôn 1")
            page.keyboard.press("Enter")  # sends
            # Wait for this name: from the second person on, the old page's #last-entry names the one before.
            expect(page.locator("#last-entry")).to_contain_text(name)
            expect(page.locator("input[name=full_name]")).to_have_value("")  # cleared for the next person
        page.screenshot(path=str(SCREENSHOTS / "declarations-enter.png"), full_page=True)
    finally:
        page.close()
    declarations = list(Declaration.objects.order_by("id"))
    assert [d.person.full_name for d in declarations] == ["LÊ VĂN TÁM", "LÊ THỊ CHÍN"]
    assert {d.source for d in declarations} == {"paper"} and {d.recorded_by_id for d in declarations} == {user.pk}
    assert declarations[0].address_street == "Thôn 1" and declarations[0].area == areas["commune_a"]


def test_domestic_form_in_english_to_the_success_screen(live_server, phone, areas):
    phone.goto(f"{live_server.url}/en/declarations/domestic/")
    assert phone.locator("html").get_attribute("lang") == "en"
    assert "Khai báo" not in phone.locator("h1").inner_text()
    phone.fill("input[name=full_name]", "TRAN VAN BINH")
    phone.fill("input[name=birth_year]", "1975")
    phone.locator("label[for=id_gender_0]").tap()
    phone.fill("input[name=phone]", "0987 654 321")
    _pick_area(phone, "area", "cam thach")
    phone.fill("input[name=address_street]", "Village 2")
    phone.locator("input[name=symptoms][value=cough]").check()
    phone.locator("form.declaration-form button[type=submit]").tap()
    phone.locator(".success").wait_for()
    assert "Declaration sent" in phone.locator(".success").inner_text()
    declaration = Declaration.objects.get()
    assert declaration.kind == "domestic" and declaration.symptoms == ["cough"] and declaration.flagged
    assert declaration.area == areas["commune_b"]


def test_entry_form_in_vietnamese_to_the_success_screen(live_server, phone, areas):
    make_port("HAN", province=areas["province"])
    phone.goto(f"{live_server.url}/declarations/entry/")
    assert phone.locator("html").get_attribute("lang") == "vi"
    assert "Khai báo" in phone.locator("h1").inner_text()
    phone.fill("input[name=full_name]", "NGUYEN VAN AN")
    phone.fill("input[name=passport_number]", "C1234567")
    phone.fill("input[name=birth_year]", "1988")
    phone.locator("label[for=id_gender_0]").tap()
    phone.select_option("select[name=nationality]", "VN")
    phone.fill("input[name=phone]", "0912 345 678")
    phone.select_option("select[name=vehicle_type]", "plane")
    phone.fill("input[name=vehicle_number]", "VN 18")
    phone.select_option("select[name=port_of_entry]", "HAN")
    phone.fill("input[name=arrival_date]", timezone.localdate().isoformat())
    phone.select_option("select[name=countries_visited]", ["JP"])
    _pick_area(phone, "area", "thach lap")
    phone.fill("input[name=address_street]", "Thôn 1")
    phone.locator("form.declaration-form button[type=submit]").tap()
    phone.locator(".success").wait_for()
    assert "Đã gửi tờ khai" in phone.locator(".success").inner_text()
    declaration = Declaration.objects.get()
    assert declaration.kind == "entry" and declaration.passport_number == "C1234567"
    assert declaration.countries_visited == ["JP"] and not declaration.flagged
