"""The pages: citizen registration and 'my vaccination', the staff's check-in, dose, session, coverage pages."""

import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from phongdich.people.citizen import SESSION_AT_KEY, SESSION_KEY
from phongdich.people.personal_qr import personal_qr_issue

from ..models import Dose, VaccinationRegistration, VaccinationSession
from .builders import make_person, make_registration, make_session, make_site, product

# Booked sessions are tomorrow: a slot of today that has already ended takes no booking (slot_over).
TOMORROW = timezone.localdate() + dt.timedelta(days=1)

Status = VaccinationRegistration.Status


def verify_citizen(client, person):
    session = client.session
    session[SESSION_KEY] = person.pk
    session[SESSION_AT_KEY] = timezone.now().timestamp()
    session.save()


def test_register_page_shows_only_what_was_typed(client, areas, site):
    slot = make_session(site, date=TOMORROW, slots=((8, 3),)).slots.get()
    assert client.get("/vaccination/register/").status_code == 200
    body = {
        "full_name": "Quách Văn Hùng", "citizen_id": "", "birth_date": "1950-04-04", "phone": "0912000111",
        "area": areas["commune_a"].pk, "address_street": "Thôn 3", "priority_group": "nq21-5", "slot": slot.pk,
    }  # fmt: skip
    answer = client.post("/vaccination/register/", body)
    assert answer.status_code == 202
    text = answer.content.decode()
    assert "Quách Văn Hùng" in text and "Trạm Y tế xã Thạch Lập" in text
    assert answer["Cache-Control"] == "no-store, private"
    assert VaccinationRegistration.objects.get().status == Status.BOOKED


def test_register_page_shows_a_full_slot_next_to_the_field(client, areas, site):
    slot = make_session(site, slots=((8, 1),)).slots.get()
    body = {
        "full_name": "A", "birth_date": "1950-04-04", "phone": "0912000111", "area": areas["commune_a"].pk,
        "priority_group": "nq21-5", "slot": slot.pk,
    }  # fmt: skip
    make_registration(make_person(areas["commune_a"]), status=Status.BOOKED, slot=slot)
    answer = client.post("/vaccination/register/", body)
    # The full slot is no longer offered: the form refuses the choice before the service is asked.
    assert answer.status_code == 400


def test_me_redirects_to_the_lookup_when_not_verified(client, db):
    answer = client.get("/vaccination/me/")
    assert answer.status_code == 302 and answer["Location"].endswith("?next=/vaccination/me/")


def test_me_shows_doses_and_next_dose(client, areas, staff):
    person = make_person(areas["commune_a"], name="Bùi Thị Hằng")
    Dose.objects.create(
        person=person, product=product("pfizer"), lot="FF1234", dose_number=1, given_on=dt.date(2021, 9, 1),
        area_path=person.area_path,
    )  # fmt: skip
    verify_citizen(client, person)
    text = client.get("/vaccination/me/").content.decode()
    assert "FF1234" in text and "22/09/2021" in text and "/certificates/me/" in text


def test_checkin_page_by_manual_entry_then_the_dose_form(client, areas, site, staff):
    person = make_person(areas["commune_a"], name="Trương Văn Long")
    registration = make_registration(person, status=Status.INVITED, slot=make_session(site).slots.first())
    client.force_login(staff)
    answer = client.post("/vaccination/checkin/", {"site": site.pk, "token": personal_qr_issue(person=person)})
    assert answer.status_code == 200 and "Trương Văn Long" in answer.content.decode()
    form = client.get(f"/vaccination/registrations/{registration.pk}/dose/")
    assert form.status_code == 200 and "Vaxzevria" in form.content.decode()
    skipped = client.post(
        f"/vaccination/registrations/{registration.pk}/dose/",
        {"product": "astrazeneca", "lot": "A12", "dose_number": 2, "given_on": timezone.localdate().isoformat()},
    )
    assert skipped.status_code == 400 and "dose" in skipped.content.decode().lower()
    done = client.post(
        f"/vaccination/registrations/{registration.pk}/dose/",
        {"product": "astrazeneca", "lot": "A12", "dose_number": 1, "given_on": timezone.localdate().isoformat()},
    )
    assert done.status_code == 302 and Dose.objects.get().lot == "A12"


def test_checkin_page_refusal_is_shown_in_both_languages(client, areas, site, staff):
    client.force_login(staff)
    person = make_person(areas["commune_a"])
    answer = client.post("/vaccination/checkin/", {"site": site.pk, "token": personal_qr_issue(person=person)})
    assert answer.status_code == 409
    assert "Người này không có lịch tiêm hôm nay tại điểm tiêm này." in answer.content.decode()
    english = client.post("/en/vaccination/checkin/", {"site": site.pk, "token": personal_qr_issue(person=person)})
    assert english.status_code == 409 and "This person has no booking at this site today." in english.content.decode()
    assert "Người này" not in english.content.decode()


def test_session_page_checks_in_by_hand_then_offers_the_dose(client, areas, site, staff):
    """Walk 2 (#1): a person who registered online (no personal QR code, maybe no phone) can be vaccinated."""
    person = make_person(areas["commune_a"], name="Đỗ Thị Tiêm Thử")
    session = make_session(site)
    registration = make_registration(person, status=Status.BOOKED, slot=session.slots.first())
    client.force_login(staff)
    url = f"/vaccination/sessions/{session.pk}/registrations/{registration.pk}/checkin/"
    page = client.get(f"/vaccination/sessions/{session.pk}/").content.decode()
    assert f'action="{url}"' in page and "csrfmiddlewaretoken" in page
    assert client.get(url).status_code == 405
    answer = client.post(url, follow=True)
    registration.refresh_from_db()
    assert registration.status == Status.CHECKED_IN
    text = answer.content.decode()
    assert "Đỗ Thị Tiêm Thử" in text and f"/vaccination/registrations/{registration.pk}/dose/" in text
    again = client.post(url, follow=True)
    assert again.status_code == 200


def test_session_page_manual_checkin_refusal_is_a_message_in_the_page_language(client, areas, site, staff):
    session = make_session(site)
    person = make_person(areas["commune_a"])
    registration = make_registration(person, status=Status.CANCELLED, slot=session.slots.first())
    client.force_login(staff)
    url = f"/vaccination/sessions/{session.pk}/registrations/{registration.pk}/checkin/"
    vi = client.post(url, follow=True).content.decode()
    assert "Người này không có lịch tiêm hôm nay tại điểm tiêm này." in vi and "no_booking_here_today" not in vi
    en = client.post(f"/en{url}", follow=True).content.decode()
    assert "This person has no booking at this site today." in en
    assert client.post(f"/vaccination/sessions/{session.pk}/registrations/999999/checkin/").status_code == 404


def test_vaccination_labels_are_their_own_in_both_languages(client, areas, site, staff):
    """Walk 2 (#6, #12): the testing catalogue's "Site" (Điểm xét nghiệm) won on vaccination pages, and the slot's
    "places left" was English on the Vietnamese form."""
    make_session(site, date=TOMORROW, slots=((8, 40),))
    register = client.get("/vaccination/register/").content.decode()
    assert "còn 40 chỗ" in register and "places left" not in register
    assert "40 places left" in client.get("/en/vaccination/register/").content.decode()
    client.force_login(staff)
    sessions = client.get("/vaccination/sessions/").content.decode()
    assert "Điểm tiêm" in sessions and "Điểm xét nghiệm" not in sessions
    assert "Vaccination site" in client.get("/en/vaccination/sessions/").content.decode()


def test_sessions_page_creates_a_session_with_slots(client, site, staff):
    client.force_login(staff)
    answer = client.post(
        "/vaccination/sessions/",
        {"site": site.pk, "date": timezone.localdate().isoformat(), "product": "pfizer",
         "slots": "07:30-09:00 x 20\n09:00-10:30 x 25", "notes": ""},
    )  # fmt: skip
    assert answer.status_code == 302
    session = VaccinationSession.objects.get()
    assert session.capacity == 45 and session.slots.count() == 2
    assert client.get(f"/vaccination/sessions/{session.pk}/").status_code == 200


def test_a_session_dated_past_the_planning_horizon_is_refused(client, site, staff):
    """9999-12-31 was accepted (fuzzing, 2026-12-06): a year ahead at most."""
    client.force_login(staff)
    for date in ("9999-12-31", (timezone.localdate() + dt.timedelta(days=367)).isoformat()):
        answer = client.post(
            "/vaccination/sessions/",
            {"site": site.pk, "date": date, "product": "pfizer", "slots": "07:30-09:00 x 20", "notes": ""},
        )
        assert answer.status_code == 400 and "366" in answer.content.decode()
    assert not VaccinationSession.objects.exists()


def test_session_of_another_commune_is_404(client, areas, other_official):
    from .builders import make_site

    far = make_session(make_site(areas["commune_a"]))
    client.force_login(other_official)
    assert client.get(f"/vaccination/sessions/{far.pk}/").status_code == 404


def test_coverage_page_and_excel_export(client, areas, official):
    person = make_person(areas["commune_a"], name="Cao Văn Tâm", birth_year=1950)
    Dose.objects.create(
        person=person, product=product("janssen"), lot="J1", dose_number=1, given_on=dt.date(2021, 9, 1),
        completes_series=True, area_path=person.area_path,
    )  # fmt: skip
    client.force_login(official)
    page = client.get(f"/vaccination/coverage/?area={areas['commune_a'].pk}&at=2021-11-01")
    assert page.status_code == 200 and "100,0%" in page.content.decode()
    export = client.get(f"/vaccination/coverage/?area={areas['commune_a'].pk}&at=2021-11-01&format=xlsx")
    sheet = load_workbook(io.BytesIO(export.content)).active
    assert sheet.cell(2, 1).value == areas["commune_a"].name and sheet.cell(2, 3).value == 1


@pytest.mark.parametrize("url", ["/vaccination/sessions/", "/vaccination/checkin/", "/vaccination/coverage/"])
def test_staff_pages_need_a_vaccination_role(client, areas, url):
    from phongdich.accounts.models import Official
    from phongdich.core.testing import make_official

    client.force_login(make_official(Official.Role.VENUE_STAFF, areas["commune_a"]))
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("value", ["[]", "", "abc", "0", "99999999999999999999", "²"])
def test_checkin_page_refuses_a_site_that_is_not_one_of_the_list_instead_of_taking_the_first(
    client, areas, site, staff, value
):
    """?site=[] answered 200 with the first site chosen, and a form sent without a site checked in at the first."""
    other = make_site(areas["commune_b"], name="Trạm Y tế xã khác")
    person = make_person(areas["commune_a"], name="Trương Văn Long")
    registration = make_registration(person, status=Status.INVITED, slot=make_session(site).slots.first())
    client.force_login(staff)

    for asked in (value, other.pk):
        page = client.get("/vaccination/checkin/", {"site": asked})
        assert page.status_code == 400 and 'data-code="unknown_site"' in page.content.decode()
        assert f'<option value="{site.pk}" selected>' not in page.content.decode()
        sent = client.post("/vaccination/checkin/", {"site": asked, "token": personal_qr_issue(person=person)})
        assert sent.status_code == 400 and "Hãy chọn một điểm tiêm trong danh sách." in sent.content.decode()
    registration.refresh_from_db()
    assert registration.status == Status.INVITED
    english = client.post("/en/vaccination/checkin/", {"token": personal_qr_issue(person=person)})
    assert english.status_code == 400 and "Choose a vaccination site from the list." in english.content.decode()
    # Nothing asked: the first site, as before.
    assert f'<option value="{site.pk}" selected>' in client.get("/vaccination/checkin/").content.decode()


def test_the_registrations_list_that_names_people_is_an_audited_read(client, areas, site, staff):
    """The staff's list of registrations names each person (page) and gives name, birth date and phone (API): it left
    no audit entry."""
    from phongdich.core.models import AuditLog

    registration = make_registration(make_person(areas["commune_a"], name="Phan Văn Đăng Ký"))
    client.force_login(staff)
    assert "Phan Văn Đăng Ký" in client.get("/vaccination/registrations/").content.decode()
    answer = client.get("/api/v1/vaccination/registrations/list/")
    assert answer.status_code == 200 and answer.json()["count"] == 1, answer.json()
    listed = AuditLog.objects.filter(actor=staff, action="vaccination.registration.listed").order_by("id")
    assert [(entry.extra["via"], entry.extra["registrations"]) for entry in listed] == [
        ("page", [registration.pk]),
        ("api", [registration.pk]),
    ]
