"""The citizen's pages: /c/<token> (scan a venue's QR code) and /c/me/ (my personal QR code)."""

import re

import pytest
from django.core.cache import cache
from django.test import RequestFactory
from django.utils import timezone

from phongdich.checkins import errors
from phongdich.checkins.models import CheckIn
from phongdich.checkins.views import DEVICE_COOKIE, CitizenPostThrottle, remembered_ids
from phongdich.core import errors as core_errors
from phongdich.core.testing import make_province_with_communes
from phongdich.people import errors as people_errors
from phongdich.people.models import Person
from phongdich.venues.models import Venue

from .builders import clear_caches, make_code, make_person, make_venue

DECLARATION = {
    "action": "declare",
    "full_name": "Nguyễn Thị Lan",
    "phone": "0912 345 678",
    "birth_year": "1990",
    "citizen_id": "",
    "has_symptoms": "no",
    "had_contact": "no",
    "travelled": "no",
    "nonce": "nonce-first-visit",
}


@pytest.fixture(autouse=True)
def _fresh_caches():
    clear_caches()
    cache.clear()  # the per-address limit of citizen posts
    yield
    clear_caches()


@pytest.fixture
def areas(db):
    return make_province_with_communes()


@pytest.fixture
def venue(areas):
    return make_venue(areas["commune_a"], name="Chợ Thạch Lập")


@pytest.fixture
def code(venue):
    return make_code(venue, label="Cổng phía Đông")


def url(code):
    return f"/c/{code.token}"


def declare(client, code, **changes):
    return client.post(url(code), {**DECLARATION, **changes})


def quick_form(person, **answers):
    data = {"action": "checkin", "person": person.public_id, "nonce": f"quick-{timezone.now().timestamp()}"}
    data.update({"has_symptoms": "no", "had_contact": "no", "travelled": "no"}, **answers)
    return data


def test_first_visit_shows_venue_entrance_and_the_declaration_form(client, code):
    response = client.get(url(code))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Chợ Thạch Lập" in html and "Cổng phía Đông" in html
    for field in ("full_name", "phone", "birth_year", "citizen_id", "has_symptoms", "had_contact", "travelled"):
        assert f'name="{field}"' in html
    # The three questions default to "No"; the legal warning of the official form is shown (RULES.md §6).
    for question in ("has_symptoms", "had_contact", "travelled"):
        assert re.search(rf'<input type="radio" name="{question}" value="no"[^>]*checked', html)
        assert not re.search(rf'<input type="radio" name="{question}" value="yes"[^>]*checked', html)
    assert "Khai báo thông tin sai là vi phạm pháp luật" in html
    assert 'class="mobile citizen"' in html
    assert "no-store" in response["Cache-Control"]


def test_declaring_records_a_checkin_and_remembers_the_person_on_the_device(client, code, venue):
    response = declare(client, code)

    assert response.status_code == 200
    assert 'class="card success"' in response.content.decode()
    checkin = CheckIn.objects.get()
    assert checkin.venue == venue and checkin.code == code
    assert checkin.source == CheckIn.Source.SELF_SCAN
    assert (checkin.has_symptoms, checkin.had_contact, checkin.travelled) == (False, False, False)
    person = checkin.person
    assert person.full_name == "Nguyễn Thị Lan" and person.phone == "+84912345678" and person.birth_year == 1990
    cookie = response.cookies[DEVICE_COOKIE]
    assert cookie["httponly"] and cookie["path"] == "/" and int(cookie["max-age"]) > 300 * 24 * 3600
    # Signed, and holding only the random public id, never the name or the phone.
    assert person.full_name not in cookie.value and "912345678" not in cookie.value
    request = RequestFactory().get(url(code))
    request.COOKIES[DEVICE_COOKIE] = cookie.value
    assert remembered_ids(request) == [person.public_id]
    request.COOKIES[DEVICE_COOKIE] = cookie.value.replace(person.public_id, "someone-else-entirely")
    assert remembered_ids(request) == []


def test_second_visit_checks_in_with_one_tap(client, code):
    declare(client, code)
    person = Person.objects.get()

    page = client.get(url(code)).content.decode()
    assert "Nguyễn Thị Lan" in page
    assert 'name="full_name"' not in page  # no form to fill again
    assert f'value="{person.public_id}"' in page

    response = client.post(url(code), quick_form(person, has_symptoms="yes"))

    assert response.status_code == 200
    assert CheckIn.objects.filter(person=person).count() == 2
    latest = CheckIn.objects.latest("id")
    assert latest.has_symptoms is True and latest.had_contact is False
    assert 'class="notice"' in response.content.decode()  # told to speak to the control staff


def test_a_family_shares_a_phone(client, code):
    declare(client, code)
    page = client.get(url(code) + "?add=1").content.decode()
    assert 'name="full_name"' in page  # "Add another person" shows the form beside the remembered person

    declare(client, code, full_name="Nguyễn Văn Bình", birth_year="2012", nonce="nonce-child")

    page = client.get(url(code)).content.decode()
    assert "Nguyễn Thị Lan" in page and "Nguyễn Văn Bình" in page
    assert page.count('name="action" value="checkin"') == 2


def test_the_same_form_sent_twice_records_one_checkin(client, code):
    declare(client, code)
    declare(client, code)
    assert CheckIn.objects.count() == 1


def test_a_person_not_remembered_on_the_device_cannot_be_checked_in_from_it(client, code, areas):
    stranger = make_person(areas["commune_a"])
    response = client.post(url(code), quick_form(stranger))
    assert response.status_code == 200
    assert CheckIn.objects.count() == 0


def test_a_forged_device_cookie_is_ignored(client, code, areas):
    stranger = make_person(areas["commune_a"])
    client.cookies[DEVICE_COOKIE] = stranger.public_id  # not signed
    page = client.get(url(code)).content.decode()
    assert stranger.full_name not in page
    assert 'name="full_name"' in page


def test_bad_phone_is_a_form_error_and_writes_nothing(client, code):
    response = declare(client, code, phone="12345")

    assert response.status_code == 400
    assert people_errors.INVALID_PHONE.vi in response.content.decode()
    assert Person.objects.count() == 0 and CheckIn.objects.count() == 0
    assert DEVICE_COOKIE not in response.cookies


def test_bad_citizen_id_is_a_form_error_and_writes_nothing(client, code):
    response = declare(client, code, citizen_id="038095012345")  # encodes born 1995, not 1990

    assert response.status_code == 400
    assert people_errors.INVALID_CITIZEN_ID.vi in response.content.decode()
    assert Person.objects.count() == 0 and CheckIn.objects.count() == 0


def test_missing_answers_are_form_errors(client, code):
    response = declare(client, code, full_name="", birth_year="3000")
    assert response.status_code == 400
    assert Person.objects.count() == 0


def test_unknown_code_shows_a_404_page(client, db):
    response = client.get("/c/AAAAAAAAAAAAAAAAAAAAAA")
    assert response.status_code == 404
    assert errors.UNKNOWN_CODE.vi in response.content.decode()
    assert errors.UNKNOWN_CODE.en in response.content.decode()


def test_malformed_code_shows_a_404_page_never_a_500(client, db):
    for token in ["x" * 500, "'; DROP TABLE x;--", "ê"]:
        response = client.get(f"/c/{token}")
        assert response.status_code == 404
    # A NUL byte is refused before any view (core.middleware, `nul_character`).
    assert client.get("/c/%00").status_code == 400


def test_revoked_code_shows_a_410_page_and_records_nothing(client, code):
    code.revoked_at = timezone.now()
    code.save()
    assert client.get(url(code)).status_code == 410
    response = declare(client, code)
    assert response.status_code == 410
    assert errors.CODE_REVOKED.vi in response.content.decode()
    assert Person.objects.count() == 0 and CheckIn.objects.count() == 0


@pytest.mark.parametrize("status", [Venue.Status.PENDING, Venue.Status.REJECTED, Venue.Status.SUSPENDED])
def test_unverified_venue_shows_an_error_page(client, code, venue, status):
    Venue.objects.filter(pk=venue.pk).update(status=status)
    response = client.get(url(code))
    assert response.status_code == 409
    assert errors.VENUE_NOT_VERIFIED.vi in response.content.decode()
    assert declare(client, code).status_code == 409
    assert CheckIn.objects.count() == 0


def test_checkout_from_the_success_screen(client, code):
    declare(client, code)
    checkin = CheckIn.objects.get()

    response = client.post(f"{url(code)}/checkout/", {"person": checkin.person.public_id, "checkin": checkin.pk})

    assert response.status_code == 200
    checkin.refresh_from_db()
    assert checkin.checked_out_at is not None
    assert checkin.checkout_kind == CheckIn.CheckoutKind.PERSON


def test_the_venue_page_offers_checkout_of_an_open_visit(client, code):
    declare(client, code)
    checkin = CheckIn.objects.get()
    page = client.get(url(code)).content.decode()
    assert f'name="checkin" value="{checkin.pk}"' in page

    client.post(f"{url(code)}/checkout/", {"person": checkin.person.public_id, "checkin": checkin.pk})

    page = client.get(url(code)).content.decode()
    assert f'name="checkin" value="{checkin.pk}"' not in page


def test_nobody_can_check_out_a_visit_of_someone_not_on_their_device(client, code, areas, venue):
    declare(client, code)
    other = make_person(areas["commune_a"], name="Trần Văn Cường", phone="+84987654321")
    other_visit = CheckIn.objects.create(
        person=other,
        venue=venue,
        code=code,
        area_path=venue.area_path,
        checked_in_at=timezone.now(),
        received_at=timezone.now(),
        source=CheckIn.Source.SELF_SCAN,
    )
    mine = Person.objects.get(full_name="Nguyễn Thị Lan")

    # My person with someone else's visit: not found. Someone else's person: not remembered here.
    response = client.post(f"{url(code)}/checkout/", {"person": mine.public_id, "checkin": other_visit.pk})
    assert response.status_code == 404
    client.post(f"{url(code)}/checkout/", {"person": other.public_id, "checkin": other_visit.pk})
    other_visit.refresh_from_db()
    assert other_visit.checked_out_at is None


def test_my_qr_page_shows_an_svg_code_for_each_remembered_person(client, code):
    declare(client, code)
    declare(client, code, full_name="Lê Minh", birth_year="1970", phone="0987654321", nonce="n2")

    response = client.get("/c/me/")

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<svg") == 2
    assert "NTL" in html and "LM" in html
    assert "no-store" in response["Cache-Control"]


def test_my_qr_page_without_a_remembered_person_shows_no_code(client, db):
    response = client.get("/c/me/")
    assert response.status_code == 200
    assert "<svg" not in response.content.decode()


def test_forget_this_device(client, code):
    declare(client, code)
    response = client.post("/c/me/forget/")
    assert response.status_code == 302
    assert response.cookies[DEVICE_COOKIE].value == ""
    assert "<svg" not in client.get("/c/me/").content.decode()
    assert 'name="full_name"' in client.get(url(code)).content.decode()


def test_citizen_posts_need_the_csrf_token(code):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post(url(code), DECLARATION).status_code == 403
    assert CheckIn.objects.count() == 0


def test_citizen_posts_are_limited_per_address(client, code, monkeypatch):
    monkeypatch.setattr(CitizenPostThrottle, "THROTTLE_RATES", {"public": "2/min"})
    declare(client, code, nonce="a")
    declare(client, code, nonce="b")

    response = declare(client, code, full_name="Người Thứ Ba", nonce="c")

    assert response.status_code == 429
    assert core_errors.RATE_LIMITED.vi in response.content.decode()
    assert CheckIn.objects.count() == 2
    assert client.get(url(code)).status_code == 200  # reading the page is not limited


def test_malformed_posts_get_4xx_or_the_page_never_a_500(client, code):
    declare(client, code)
    person = Person.objects.get()
    huge = "9" * 30
    posts = [
        {"action": "declare", "birth_year": "abc", "phone": "x" * 5000},
        {"action": "declare", **{k: "" for k in DECLARATION if k != "action"}},
        {"action": "checkin", "person": person.public_id, "has_symptoms": "maybe", "nonce": "n"},
        {"action": "checkin", "person": "x" * 500, "nonce": "n"},
        {"action": "nonsense"},
        {},
    ]
    for data in posts:
        assert client.post(url(code), data).status_code in (200, 400)
    for data in [{"person": person.public_id, "checkin": huge}, {"person": person.public_id, "checkin": "-1"}, {}]:
        assert client.post(f"{url(code)}/checkout/", data).status_code in (302, 404)
    assert CheckIn.objects.count() == 1


def test_citizen_page_is_vietnamese_first_even_on_an_english_phone(client, code):
    html = client.get(url(code), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="vi">' in html
    assert "Khai báo y tế" in html and '<span class="en" lang="en">Health declaration</span>' in html


def test_citizen_page_follows_a_language_chosen_with_the_switch(client, code):
    client.cookies["django_language"] = "en"
    html = client.get(url(code)).content.decode()
    assert '<html lang="en">' in html
    assert "Health declaration" in html and "Khai báo y tế" not in html
