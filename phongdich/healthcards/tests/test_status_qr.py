"""The personal QR code carries the colour, its validity and the initials, signed; forgeries are refused."""

import base64
from datetime import timedelta

import cbor2
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.utils import timezone

from phongdich.checkins.tests.builders import make_person
from phongdich.core.errors import ApplicationError
from phongdich.core.testing import make_area, make_official, make_province_with_communes, make_user
from phongdich.healthcards.services import status_qr_issue
from phongdich.people import personal_qr
from phongdich.people.personal_qr import personal_qr_public_keys, personal_qr_verify

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(default_rule_set):
    areas = make_province_with_communes()
    return make_person(areas["commune_a"], name="Trần Thị Bích")


def unpack(token):
    text = token[4:]
    kid, claims, signature = cbor2.loads(base64.b32decode(text + "=" * (-len(text) % 8)))
    return kid, cbor2.loads(claims), signature


def pack(kid, claims, signature):
    body = cbor2.dumps([kid, cbor2.dumps(claims, canonical=True), signature])
    return "PD1:" + base64.b32encode(body).decode().rstrip("=")


def refused(token, **kwargs) -> str:
    with pytest.raises(ApplicationError) as error:
        personal_qr_verify(token, **kwargs)
    return error.value.code


def test_the_code_carries_colour_validity_and_initials_and_nothing_else_personal(person):
    now = timezone.now().replace(microsecond=0)
    token, card = status_qr_issue(person=person, now=now)
    claims = personal_qr_verify(token, keys=personal_qr_public_keys())
    assert (claims.colour, claims.initials) == ("red", "TTB")
    assert claims.colour_valid_until == card.valid_until.replace(microsecond=0) == now + timedelta(hours=24)
    assert claims.expires_at == now + timedelta(hours=24)  # the earlier of the code's 36 h and the colour's
    raw = base64.b32decode(token[4:] + "=" * (-len(token[4:]) % 8))
    for secret in ("Trần".encode(), b"912345678", person.full_name.encode()):
        assert secret not in raw
    assert len(token) < 260  # still a small QR code (alphanumeric mode)


def test_a_tampered_colour_is_refused(person):
    token, _ = status_qr_issue(person=person)
    kid, claims, signature = unpack(token)
    assert claims["c"] == "red"
    claims["c"] = "green"
    assert refused(pack(kid, claims, signature)) == "personal_qr_bad_signature"


def test_a_tampered_validity_is_refused(person):
    token, _ = status_qr_issue(person=person)
    kid, claims, signature = unpack(token)
    claims["u"] += 86400 * 30
    assert refused(pack(kid, claims, signature)) == "personal_qr_bad_signature"


def test_a_code_past_its_colour_validity_is_expired(person):
    now = timezone.now()
    token, card = status_qr_issue(person=person, now=now)
    personal_qr_verify(token, now=card.valid_until - timedelta(seconds=1))
    assert refused(token, now=card.valid_until) == "personal_qr_expired"


def test_a_code_signed_with_another_key_is_refused(person):
    token, _ = status_qr_issue(person=person)
    other = Ed25519PrivateKey.generate()
    kid, claims, _ = unpack(token)
    claims_bytes = cbor2.dumps(claims, canonical=True)
    forged_same_kid = pack(kid, claims, other.sign(b"PD1" + kid + claims_bytes))
    assert refused(forged_same_kid) == "personal_qr_bad_signature"
    other_kid = personal_qr._kid_of(other.public_key())
    forged = "PD1:" + base64.b32encode(
        cbor2.dumps([other_kid, claims_bytes, other.sign(b"PD1" + other_kid + claims_bytes)])
    ).decode().rstrip("=")
    assert refused(forged) == "personal_qr_unknown_key"


def test_a_validly_signed_code_with_a_colour_outside_the_list_is_malformed(person):
    token = personal_qr.personal_qr_issue(person=person, extra_claims={"c": "purple"})
    assert refused(token) == "personal_qr_malformed"


def test_my_qr_page_shows_the_card_in_its_colour_with_initials(client, person):
    from django.http import HttpResponse

    from phongdich.checkins.views import DEVICE_COOKIE, remember

    carrier = HttpResponse()
    remember(carrier, [person.public_id])  # this phone remembers the person (as after a first declaration)
    client.cookies[DEVICE_COOKIE] = carrier.cookies[DEVICE_COOKIE].value
    page = client.get("/c/me/").content.decode()
    assert 'class="card personal-qr status-card red"' in page
    assert 'data-colour="red"' in page
    assert "<title>TTB</title>" in page  # the QR code's title: initials only
    # Why red, in both languages, and what to do when it is only for want of a record (walk-through, 2026-12-06).
    assert "Chưa đáp ứng điều kiện nào để có màu tốt hơn" in page
    assert "No condition for a better colour is met yet" in page
    assert "hãy liên hệ trạm y tế xã, phường" in page


def test_the_reasons_of_a_card_read_as_words(person):
    from phongdich.healthcards.models import StatusCard
    from phongdich.healthcards.selectors import status_reason_texts

    green = StatusCard(colour="green", reasons=["full_vaccination", "negative_test"])
    assert [str(text) for text in status_reason_texts(green)] == [
        "Đã tiêm đủ liều vắc xin.",
        "Có kết quả xét nghiệm âm tính gần đây.",
    ]
    quarantined = StatusCard(colour="red", reasons=["in_quarantine"])
    assert [str(text) for text in status_reason_texts(quarantined)] == ["Đang cách ly."]  # no "ask the station"
    assert status_reason_texts(None) == []
    from phongdich.healthcards.rules import INPUTS
    from phongdich.healthcards.selectors import _REASON_TEXTS

    assert set(INPUTS) | {"no_other_rule"} == set(_REASON_TEXTS)  # a new input needs its words


def test_verify_page_is_for_staff_and_carries_the_public_keys(client, person):
    assert client.get("/health/verify/").status_code == 302  # to the login page
    client.force_login(make_user())
    assert client.get("/health/verify/").status_code == 403
    client.force_login(make_official("area_official", make_area("15086", "Xã Thạch Định")))
    response = client.get("/health/verify/")
    assert response.status_code == 200
    assert personal_qr_public_keys()[0]["x"] in response.content.decode()


def test_the_verifier_service_worker_is_served_with_the_files_it_keeps(client):
    response = client.get("/health/verify/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    body = response.content.decode()
    for path in ("/health/verify/", "healthcards/verify.js", "cbor-js/cbor.js", "noble-ed25519/index.js", "jsQR.js"):
        assert path in body
    assert client.post("/health/verify/sw.js").status_code == 405


def test_a_quarantined_card_names_the_last_day_of_the_quarantine_in_both_languages(client, person, provide):
    """ "Thẻ đỏ – Đang cách ly" said nothing of when it ends. The input is the first day out (cases' quarantine_end,
    exclusive: docs/cases.md "Which day is which"); the card says the day before it, "until the end of"."""
    from datetime import datetime, time

    from django.http import HttpResponse

    from phongdich.checkins.views import DEVICE_COOKIE, remember

    first_day_out = timezone.localdate() + timedelta(days=5)
    until = timezone.make_aware(datetime.combine(first_day_out, time.min), timezone.get_default_timezone())
    provide("cases", lambda *, person, at: {"in_quarantine_until": until})
    carrier = HttpResponse()
    remember(carrier, [person.public_id])
    client.cookies[DEVICE_COOKIE] = carrier.cookies[DEVICE_COOKIE].value
    last_day = (first_day_out - timedelta(days=1)).strftime("%d/%m/%Y")
    page = client.get("/c/me/").content.decode()
    assert 'data-colour="red"' in page
    assert f"Đang cách ly đến hết ngày {last_day}." in page and f"In quarantine until the end of {last_day}." in page
    english = client.get("/en/c/me/").content.decode()
    assert f"In quarantine until the end of {last_day}." in english and "Đang cách ly" not in english
