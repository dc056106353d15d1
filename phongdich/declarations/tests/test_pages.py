"""The public declaration pages, the device's history, the paper PDFs and the staff entry form."""

import io

import pytest
from pypdf import PdfReader

from phongdich.checkins.views import DEVICE_COOKIE, LINKED_MARK
from phongdich.core.models import AuditLog
from phongdich.core.testing import make_official, make_province_with_communes
from phongdich.declarations.models import Declaration
from phongdich.people.models import Person

from .builders import domestic_post, make_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def areas():
    return make_province_with_communes()


def test_index_offers_the_three_forms_in_vietnamese_and_english(client):
    page = client.get("/declarations/").content.decode()
    assert "Khai báo y tế" in page and "/declarations/entry/" in page
    english = client.get("/en/declarations/").content.decode()
    assert "Health declaration for entry into Vietnam" in english


def test_domestic_form_records_a_declaration_and_remembers_the_person(client, areas):
    response = client.post("/declarations/domestic/", domestic_post(areas["commune_a"], symptoms=["fever"]))
    assert response.status_code == 200, response.content.decode()[:2000]
    declaration = Declaration.objects.get()
    assert declaration.kind == "domestic" and declaration.symptoms == ["fever"] and declaration.flagged
    assert declaration.person.full_name == "Nguyễn Thị Lan" and declaration.person.gender == "female"
    assert declaration.area_path == areas["commune_a"].path
    assert "Đã gửi tờ khai" in response.content.decode()
    cookie = response.cookies[DEVICE_COOKIE]
    assert cookie["path"] == "/" and declaration.person.public_id in cookie.value


def test_same_form_posted_twice_records_one_declaration(client, areas):
    body = domestic_post(areas["commune_a"])
    client.post("/declarations/domestic/", body)
    client.post("/declarations/domestic/", body)
    assert Declaration.objects.count() == 1


def test_invalid_citizen_id_is_shown_on_its_field_and_writes_nothing(client, areas):
    response = client.post("/declarations/domestic/", domestic_post(areas["commune_a"], id_number="123"))
    assert response.status_code == 400
    assert "CCCD" in response.content.decode()
    assert not Declaration.objects.exists() and not Person.objects.exists()


def test_history_and_start_from_the_last_one_on_the_same_device(client, areas):
    client.post("/declarations/domestic/", domestic_post(areas["commune_a"], address_street="5 Trần Phú"))
    person = Person.objects.get()
    index = client.get("/declarations/").content.decode()
    assert "Nguyễn Thị Lan" in index and "Bắt đầu từ lần khai trước" in index
    form = client.get(f"/declarations/domestic/?from={person.public_id}").content.decode()
    assert 'value="5 Trần Phú"' in form and 'value="Nguyễn Thị Lan"' in form


def test_another_family_member_on_the_same_phone_is_a_person_of_their_own(client, areas):
    client.post("/declarations/domestic/", domestic_post(areas["commune_a"]))
    mother = Person.objects.get()
    form = client.get(f"/declarations/domestic/?family={mother.public_id}").content.decode()
    assert 'value="12 Lê Lợi"' in form and 'value="Nguyễn Thị Lan"' not in form
    body = domestic_post(areas["commune_a"], full_name="Trần Văn Minh", birth_year="2015", gender="male", nonce="n-2")
    response = client.post("/declarations/domestic/", body)
    assert response.status_code == 200
    child = Person.objects.exclude(pk=mother.pk).get()
    assert child.phone == mother.phone and child.full_name == "Trần Văn Minh"
    ids = response.cookies[DEVICE_COOKIE].value
    assert mother.public_id in ids and child.public_id in ids


def test_a_matched_record_is_linked_and_its_history_is_not_shown(client, areas):
    # Someone else declared this name, phone and year of birth before, on another phone.
    other = client.__class__()
    other.post("/declarations/domestic/", domestic_post(areas["commune_a"], address_street="Nhà riêng 99"))
    response = client.post("/declarations/domestic/", domestic_post(areas["commune_a"], nonce="n-9"))
    person = Person.objects.get()
    assert LINKED_MARK + person.public_id in response.cookies[DEVICE_COOKIE].value
    index = client.get("/declarations/").content.decode()
    assert "Nhà riêng 99" not in index
    form = client.get(f"/declarations/domestic/?from={person.public_id}").content.decode()
    assert "Nhà riêng 99" not in form


def test_entry_form_in_english_records_the_vhd_fields(client, areas):
    make_port("HAN", province=areas["province"])
    body = {
        "full_name": "JOHN SMITH",
        "passport_number": "C1234567",
        "birth_year": "1980",
        "gender": "male",
        "nationality": "GB",
        "phone": "0912345678",
        "area": "",
        "address_street": "",
        "vehicle_type": "plane",
        "vehicle_number": "VN54",
        "seat": "12A",
        "port_of_entry": "HAN",
        "arrival_date": "2026-01-01",
        "countries_visited": ["GB", "FR"],
        "vaccine_doses": "2",
        "vaccine": "Comirnaty",
        "last_dose_date": "2021-09-01",
        "travelled_14d": "yes",
        "travel_places": "London, Paris",
        "exposures": ["close_contact_respiratory"],
        "nonce": "e-1",
    }
    from django.utils import timezone

    body["arrival_date"] = timezone.localdate().isoformat()
    response = client.post("/en/declarations/entry/", body)
    assert response.status_code == 200, response.content.decode()[:3000]
    assert "Declaration sent" in response.content.decode()
    declaration = Declaration.objects.get()
    assert declaration.passport_number == "C1234567" and declaration.nationality == "GB"
    assert declaration.countries_visited == ["GB", "FR"] and declaration.port_of_entry.code == "HAN"
    assert declaration.vaccination_declared == {"doses": 2, "vaccine": "Comirnaty", "last_dose_date": "2021-09-01"}
    assert declaration.area is None and declaration.area_path == areas["province"].path
    assert declaration.person.nationality == "GB" and declaration.person.passport_number == "C1234567"


def test_entry_form_lists_countries_in_the_page_language(client):
    vietnamese = client.get("/declarations/entry/").content.decode()
    assert "Vương quốc Anh" in vietnamese and "Hàn Quốc" in vietnamese and "Campuchia" in vietnamese
    # The iso-codes catalogue's names of decades ago (walk-through of 2026-12-06).
    assert "Nam Hàn" not in vietnamese and "Căm Bốt" not in vietnamese and "Tỉnh Trung Quốc" not in vietnamese
    assert "United Kingdom" in client.get("/en/declarations/entry/").content.decode()


@pytest.mark.parametrize(
    ("kind", "title"),
    [
        ("domestic", "TỜ KHAI Y TẾ TOÀN DÂN"),
        ("movement", "TỜ KHAI Y TẾ DI CHUYỂN NỘI ĐỊA"),
        ("entry", "TỜ KHAI Y TẾ NHẬP CẢNH"),
    ],
)
def test_paper_pdf_contains_the_form_title_and_its_questions(client, kind, title):
    response = client.get(f"/declarations/{kind}/paper.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert title in text
    assert "Khai báo thông tin sai là vi phạm pháp luật Việt Nam" in text
    if kind == "entry":
        assert "Xuất huyết ngoài da" in text and "Cửa khẩu nhập cảnh" in text
    else:
        assert "Viêm phổi" in text


def test_unknown_kind_is_404(client):
    assert client.get("/declarations/other/").status_code == 404
    assert client.get("/declarations/other/paper.pdf").status_code == 404


def test_staff_entry_needs_a_role(client, areas):
    from phongdich.core.testing import make_user

    assert client.get("/declarations/enter/").status_code == 302  # to the login page
    client.force_login(make_user())
    assert client.get("/declarations/enter/").status_code == 403


def test_staff_entry_records_a_paper_declaration_and_clears_for_the_next(client, areas):
    user = make_official("area_official", areas["commune_a"])
    client.force_login(user)
    page = client.get("/declarations/enter/?kind=domestic").content.decode()
    assert "autofocus" in page
    body = domestic_post(areas["commune_a"], full_name="LÊ VĂN TÁM", nonce="p-1")
    response = client.post("/declarations/enter/", {**body, "kind": "domestic", "submit": "save"})
    assert response.status_code == 302
    declaration = Declaration.objects.get()
    assert declaration.source == "paper" and declaration.recorded_by == user
    assert declaration.person.created_via == Person.CreatedVia.PAPER
    page = client.get(response["Location"]).content.decode()
    assert "LÊ VĂN TÁM" in page  # the "last recorded" line
    assert 'value="LÊ VĂN TÁM"' not in page  # the form itself is empty again
    assert AuditLog.objects.filter(action="declarations.declaration.submitted", actor=user).exists()


def test_staff_cannot_enter_a_declaration_for_an_area_they_cannot_see(client, areas):
    client.force_login(make_official("area_official", areas["commune_a"]))
    body = domestic_post(areas["commune_b"], nonce="p-2")
    response = client.post("/declarations/enter/", {**body, "kind": "domestic", "submit": "save"})
    assert response.status_code == 400
    assert not Declaration.objects.exists() and not Person.objects.exists()


def test_movement_form_records_the_trip(client, areas):
    from django.utils import timezone

    body = domestic_post(
        areas["commune_a"],
        vehicle_type="coach",
        vehicle_number="36B-123.45",
        seat="",
        origin_area=str(areas["other_province"].pk),
        origin_point="Bến xe Giáp Bát",
        destination_area=str(areas["province"].pk),
        destination_point="Bến xe phía Bắc",
        departure_date=timezone.localdate().isoformat(),
        nonce="m-1",
    )
    page = client.get("/declarations/movement/").content.decode()
    assert 'name="origin_area"' in page and 'data-kind="province"' in page
    response = client.post("/declarations/movement/", body)
    assert response.status_code == 200, response.content.decode()[:2000]
    declaration = Declaration.objects.get()
    assert declaration.kind == "movement" and declaration.origin_point == "Bến xe Giáp Bát"
    assert declaration.destination_area == areas["province"]


def test_movement_form_without_its_travel_block_is_refused(client, areas):
    response = client.post("/declarations/movement/", domestic_post(areas["commune_a"], nonce="m-2"))
    assert response.status_code == 400 and not Declaration.objects.exists()


@pytest.mark.parametrize("kind", ["domestic", "movement", "entry"])
def test_staff_entry_form_renders_each_kind(client, areas, kind):
    client.force_login(make_official("area_official", areas["province"]))
    page = client.get(f"/declarations/enter/?kind={kind}")
    assert page.status_code == 200 and f'value="{kind}" checked' in page.content.decode()
