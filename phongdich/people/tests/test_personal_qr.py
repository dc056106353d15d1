import base64
import os
import stat
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.utils import timezone

from phongdich.core.errors import ApplicationError
from phongdich.people import personal_qr
from phongdich.people.models import Person
from phongdich.people.personal_qr import (
    personal_qr_issue,
    personal_qr_public_keys,
    personal_qr_verify,
)


def _person() -> Person:
    # Not saved: issuing and verifying need no database, only the public id.
    return Person(full_name="Nguyễn Văn An", phone="+84912345678", citizen_id="038090001234")


def _code(error) -> str:
    return error.value.code


def test_round_trip_gives_back_the_public_id_and_validity(settings):
    person = _person()
    now = timezone.now().replace(microsecond=0)
    token = personal_qr_issue(person=person, now=now)
    claims = personal_qr_verify(token, now=now + timedelta(hours=1))
    assert claims.public_id == person.public_id
    assert claims.issued_at == now
    assert claims.expires_at == now + timedelta(hours=settings.PERSONAL_QR_VALIDITY_HOURS)
    assert claims.key_id == personal_qr_public_keys()[0]["kid"]
    assert claims.claims == {}


def test_token_is_short_alphanumeric_and_carries_no_personal_data():
    person = _person()
    token = personal_qr_issue(person=person)
    assert token.startswith("PD1:")
    assert len(token) < 200
    # Only the QR alphanumeric alphabet: the smallest QR for the length.
    assert set(token) <= set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
    raw = base64.b32decode(token[4:] + "=" * (-len(token[4:]) % 8))
    for secret in (b"Nguy", b"912345678", b"038090001234", "Nguyễn".encode()):
        assert secret not in raw


def test_extra_claims_survive_for_later_additions():
    token = personal_qr_issue(person=_person(), extra_claims={"colour": "green"})
    assert personal_qr_verify(token).claims == {"colour": "green"}


def test_tampered_token_has_a_bad_signature():
    token = personal_qr_issue(person=_person())
    body = bytearray(base64.b32decode(token[4:] + "=" * (-len(token[4:]) % 8)))
    body[20] ^= 0x01  # inside the signed claims
    tampered = "PD1:" + base64.b32encode(bytes(body)).decode().rstrip("=")
    with pytest.raises(ApplicationError) as exc:
        personal_qr_verify(tampered)
    assert _code(exc) == "personal_qr_bad_signature"


def test_expired_token_is_refused():
    now = timezone.now()
    token = personal_qr_issue(person=_person(), now=now - timedelta(hours=100))
    with pytest.raises(ApplicationError) as exc:
        personal_qr_verify(token, now=now)
    assert _code(exc) == "personal_qr_expired"


@pytest.mark.parametrize("token", ["", "hello", "PD1:", "PD1:!!!!", "PD1:AAAA", "PD2:" + "A" * 40, "PD1:" + "A" * 2000])
def test_malformed_tokens_are_refused(token):
    with pytest.raises(ApplicationError) as exc:
        personal_qr_verify(token)
    assert _code(exc) == "personal_qr_malformed"


def test_token_signed_by_another_key_is_unknown_key(settings, tmp_path):
    token = personal_qr_issue(person=_person())
    other = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    settings.SIGNING_KEY_PEM = other.decode()
    with pytest.raises(ApplicationError) as exc:
        personal_qr_verify(token)
    assert _code(exc) == "personal_qr_unknown_key"


def test_verification_needs_only_the_published_jwk(settings):
    token = personal_qr_issue(person=_person())
    jwks = personal_qr_public_keys()
    assert jwks[0]["kty"] == "OKP" and jwks[0]["crv"] == "Ed25519" and "d" not in jwks[0]
    # From here on the private key is out of reach: any use of it would fail.
    settings.SIGNING_KEY_PEM = "not a key"
    personal_qr._key_cache.clear()
    claims = personal_qr_verify(token, keys=jwks)
    assert claims.key_id == jwks[0]["kid"]
    with pytest.raises(ValueError):
        personal_qr_public_keys()


def test_key_file_is_created_once_with_owner_only_mode(settings):
    key_file = settings.SIGNING_KEY_FILE
    assert not key_file.exists()
    first = personal_qr_public_keys()
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    personal_qr._key_cache.clear()
    assert personal_qr_public_keys() == first  # read back, not replaced


@pytest.mark.django_db
def test_public_keys_endpoint_needs_no_login(client):
    response = client.get("/api/v1/keys/personal-qr/")
    assert response.status_code == 200
    keys = response.json()["keys"]
    assert keys == personal_qr_public_keys()
    token = personal_qr_issue(person=_person())
    assert personal_qr_verify(token, keys=keys).public_id


# --- Health status claims (issue 3: colour, validity, initials) ---------------------------------------


def _health_claims(now, hours=24, colour="green"):
    return {
        personal_qr.CLAIM_COLOUR: colour,
        personal_qr.CLAIM_VALID_UNTIL: int((now + timedelta(hours=hours)).timestamp()),
        personal_qr.CLAIM_INITIALS: "NVA",
    }


def _edit_claims(token, change):
    import cbor2

    body = base64.b32decode(token[4:] + "=" * (-len(token[4:]) % 8))
    kid, claims_bytes, signature = cbor2.loads(body)
    claims = cbor2.loads(claims_bytes)
    change(claims)
    edited = cbor2.dumps([kid, cbor2.dumps(claims, canonical=True), signature])
    return "PD1:" + base64.b32encode(edited).decode().rstrip("=")


def test_health_claims_are_read_back():
    now = timezone.now().replace(microsecond=0)
    claims = personal_qr_verify(personal_qr_issue(person=_person(), now=now, extra_claims=_health_claims(now)))
    assert (claims.colour, claims.initials) == ("green", "NVA")
    assert claims.colour_valid_until == now + timedelta(hours=24)
    assert claims.expires_at == now + timedelta(hours=24)


def test_a_tampered_colour_is_a_bad_signature():
    now = timezone.now()
    token = personal_qr_issue(person=_person(), now=now, extra_claims=_health_claims(now, colour="red"))
    tampered = _edit_claims(token, lambda claims: claims.update({personal_qr.CLAIM_COLOUR: "green"}))
    with pytest.raises(ApplicationError) as exc:
        personal_qr_verify(tampered)
    assert _code(exc) == "personal_qr_bad_signature"


def test_a_code_is_refused_once_its_colour_has_expired_even_if_the_code_has_not():
    now = timezone.now()
    token = personal_qr_issue(person=_person(), now=now, extra_claims=_health_claims(now, hours=2))
    personal_qr_verify(token, now=now + timedelta(hours=1))
    with pytest.raises(ApplicationError) as exc:
        personal_qr_verify(token, now=now + timedelta(hours=2))
    assert _code(exc) == "personal_qr_expired"


@pytest.mark.parametrize(
    "claims", [{"c": "blue"}, {"u": "tomorrow"}, {"u": 2**40}, {"u": True}, {"n": 5}, {"n": "X" * 13}]
)
def test_signed_health_claims_outside_their_shape_are_malformed(claims):
    token = personal_qr_issue(person=_person(), extra_claims=claims)
    with pytest.raises(ApplicationError) as exc:
        personal_qr_verify(token)
    assert _code(exc) == "personal_qr_malformed"


def test_the_fast_base32_decoder_agrees_with_the_standard_library():
    for size in range(0, 260):
        data = os.urandom(size)
        assert personal_qr._b32decode(base64.b32encode(data).decode().rstrip("=")) == data
    for bad in ["A", "ABC", "ABCDEF", "AB1", "AB=", "AB CD", "ab"]:
        with pytest.raises(ValueError):
            personal_qr._b32decode(bad)
