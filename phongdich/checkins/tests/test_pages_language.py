"""The citizen pages keep the language of the page the citizen came from (/en/c/me/ from /en/citizens/), and the
language switch moves between the two addresses of a page."""

import pytest
from django.http import HttpResponse

from phongdich.checkins.views import DEVICE_COOKIE, remember
from phongdich.core.testing import make_province_with_communes

from .builders import clear_caches, make_code, make_person, make_venue

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_caches():
    clear_caches()


@pytest.fixture
def areas():
    return make_province_with_communes()


def _on_phone(client, people):
    carrier = HttpResponse()
    remember(carrier, [p.public_id for p in people])
    client.cookies[DEVICE_COOKIE] = carrier.cookies[DEVICE_COOKIE].value


def test_from_the_english_citizens_page_my_page_stays_english(client, areas):
    """/c/ was outside the language prefixes: /en/citizens/ linked to /c/me/, which fell back to Vietnamese."""
    citizens = client.get("/en/citizens/").content.decode()
    assert 'href="/en/c/me/"' in citizens
    _on_phone(client, [make_person(areas["commune_a"])])
    english = client.get("/en/c/me/").content.decode()
    assert '<html lang="en">' in english and "My QR code" in english and "Mã QR của tôi" not in english
    assert 'action="/en/c/me/forget/"' in english  # its own links keep the prefix
    vietnamese = client.get("/c/me/").content.decode()
    assert '<html lang="vi">' in vietnamese and "Mã QR của tôi" in vietnamese
    assert 'href="/c/me/"' in client.get("/citizens/").content.decode()


def test_the_language_switch_moves_between_the_two_addresses_of_my_page(client, areas):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/c/me/"})
    assert response.status_code == 302 and response["Location"] == "/en/c/me/"
    response = client.post("/i18n/setlang/", {"language": "vi", "next": "/en/c/me/"})
    assert response.status_code == 302 and response["Location"] == "/c/me/"
    # Django read `next` in the switch's own language (Vietnamese): "VI" on any English page stayed in English.
    response = client.post("/i18n/setlang/", {"language": "vi", "next": "/en/citizens/"})
    assert response["Location"] == "/citizens/" and response.cookies["django_language"].value == "vi"


def test_the_venue_qr_address_stays_short_and_vietnamese_first(client, areas):
    code = make_code(make_venue(areas["commune_a"]))
    page = client.get(f"/c/{code.token}")
    assert page.status_code == 200 and '<html lang="vi">' in page.content.decode()
    # A language chosen earlier with the switch still holds on the unprefixed address a QR code opens.
    client.cookies["django_language"] = "en"
    assert '<html lang="en">' in client.get(f"/c/{code.token}").content.decode()
    assert client.get(f"/en/c/{code.token}").status_code == 200
