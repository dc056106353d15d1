"""The personal QR code that control staff scan: a signed token that only identifies a person.

Format (docs/personal-qr.md): "PD1:" + base32 (RFC 4648, upper case, no padding) of the CBOR array
[kid, claims, signature], where
  kid       = 8 bytes: the start of the key's RFC 7638 JWK thumbprint (SHA-256);
  claims    = CBOR map bytes {1: public_id, 2: issued_at, 3: expires_at, ...extra string keys};
  signature = Ed25519 over b"PD1" + kid + claims.
Base32 keeps the whole text in the QR alphanumeric alphabet, which packs 5.5 bits per character instead of
8: the code is one QR version smaller than with base64url. It holds no personal data in clear: only the
person's random public_id (128 bits). Anyone holding the public key (GET /api/v1/keys/personal-qr/) can
verify it offline.
"""

import base64
import binascii
import functools
import hashlib
import json
import os
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import cbor2
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.utils import timezone

from phongdich.core.errors import ApplicationError

from . import errors

PREFIX = "PD1:"
_DOMAIN = b"PD1"  # signed with the claims, so a signature cannot be replayed in another format
_KID_BYTES = 8
_CLAIM_PUBLIC_ID, _CLAIM_ISSUED_AT, _CLAIM_EXPIRES_AT = 1, 2, 3
_MAX_TOKEN_CHARS = 1000
# Health status claims (issue 3; string keys, so tokens without them keep the same shape):
CLAIM_COLOUR = "c"  # "green", "yellow" or "red"
CLAIM_VALID_UNTIL = "u"  # Unix seconds: the colour is not vouched for after this (the token is then refused)
CLAIM_INITIALS = "n"  # the holder's initials, for the checker to compare; never the full name, ID or phone
COLOURS = ("green", "yellow", "red")


@dataclass(frozen=True)
class PersonalQrClaims:
    public_id: str
    issued_at: datetime
    expires_at: datetime
    key_id: str
    claims: dict = field(default_factory=dict)  # later additions, e.g. a health colour

    @property
    def colour(self) -> str | None:
        return self.claims.get(CLAIM_COLOUR)

    @property
    def colour_valid_until(self) -> datetime | None:
        value = self.claims.get(CLAIM_VALID_UNTIL)
        return datetime.fromtimestamp(value, tz=UTC) if value is not None else None

    @property
    def initials(self) -> str | None:
        return self.claims.get(CLAIM_INITIALS)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _jwk_thumbprint(raw_public: bytes) -> bytes:
    # RFC 7638: SHA-256 of the required members in lexicographic order, without spaces.
    canonical = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": _b64url(raw_public)}, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).digest()


def _raw_public(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _kid_of(public_key: Ed25519PublicKey) -> bytes:
    return _jwk_thumbprint(_raw_public(public_key))[:_KID_BYTES]


_key_lock = threading.Lock()
_key_cache: dict[tuple, Ed25519PrivateKey] = {}


def _create_key_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    try:
        # O_EXCL: two processes starting together do not overwrite each other's key; 0600: owner only.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
        handle.flush()
        os.fsync(handle.fileno())


def signing_key() -> Ed25519PrivateKey:
    """The province's signing key: SIGNING_KEY_PEM, else the file SIGNING_KEY_FILE (created on first use)."""
    pem_setting = settings.SIGNING_KEY_PEM
    key_file = Path(settings.SIGNING_KEY_FILE)
    cache_key = (pem_setting, str(key_file))
    key = _key_cache.get(cache_key)
    if key is not None:
        return key
    with _key_lock:
        if pem_setting:
            pem = pem_setting.encode()
        else:
            if not key_file.exists():
                _create_key_file(key_file)
            pem = key_file.read_bytes()
        key = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("the personal QR signing key must be an Ed25519 key")
        _key_cache[cache_key] = key
    return key


# (signing key, its JWKs): every verification asks for the keys, and deriving them costs a fifth of one.
_jwks_of_key: tuple[object, list[dict]] | None = None


def personal_qr_public_keys() -> list[dict]:
    """The public keys that verify personal QR codes, as JWKs (RFC 8037: kty OKP, crv Ed25519). Do not modify
    the answer: it is shared."""
    global _jwks_of_key
    key = signing_key()
    if _jwks_of_key is not None and _jwks_of_key[0] is key:
        return _jwks_of_key[1]
    public = key.public_key()
    jwks = [
        {
            "kty": "OKP",
            "crv": "Ed25519",
            "x": _b64url(_raw_public(public)),
            "kid": _b64url(_kid_of(public)),
            "use": "sig",
            "alg": "EdDSA",
        }
    ]
    _jwks_of_key = (key, jwks)
    return jwks


def _timestamp(moment: datetime) -> int:
    return int(moment.timestamp())


def personal_qr_issue(*, person, now: datetime | None = None, extra_claims: dict | None = None) -> str:
    """A signed token for this person, valid PERSONAL_QR_VALIDITY_HOURS from `now`.

    Only the person's random public_id goes in; `extra_claims` (string keys, CBOR-encodable values) are
    for later additions such as a health colour.
    """
    now = now or timezone.now()
    key = signing_key()
    kid = _kid_of(key.public_key())
    claims = {
        _CLAIM_PUBLIC_ID: person.public_id,
        _CLAIM_ISSUED_AT: _timestamp(now),
        _CLAIM_EXPIRES_AT: _timestamp(now + timedelta(hours=settings.PERSONAL_QR_VALIDITY_HOURS)),
    }
    for name, value in (extra_claims or {}).items():
        if not isinstance(name, str):
            raise ValueError("extra claim names must be strings")
        claims[name] = value
    claims_bytes = cbor2.dumps(claims, canonical=True)
    signature = key.sign(_DOMAIN + kid + claims_bytes)
    body = cbor2.dumps([kid, claims_bytes, signature])
    return PREFIX + base64.b32encode(body).decode("ascii").rstrip("=")


def _malformed() -> ApplicationError:
    return ApplicationError(errors.PERSONAL_QR_MALFORMED)


@functools.lru_cache(maxsize=64)
def _public_key_of(x: str) -> tuple[bytes, Ed25519PublicKey]:
    # Parsing a key and hashing its thumbprint costs a fifth of a verification: done once per key.
    public = Ed25519PublicKey.from_public_bytes(_b64url_decode(x))
    return _kid_of(public), public


def _public_keys_by_kid(jwks: list[dict]) -> dict[bytes, Ed25519PublicKey]:
    keys = {}
    for jwk in jwks:
        if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
            continue
        kid, public = _public_key_of(jwk["x"])
        keys[kid] = public
    return keys


# RFC 4648 base32 -> the "base32hex" digits that int(text, 32) reads: one C-level pass instead of the standard
# library's pure-Python decoder (a sixth of a verification on Python 3.11).
_TO_BASE32HEX = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", "0123456789ABCDEFGHIJKLMNOPQRSTUV")
_B32_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")


def _b32decode(text: str) -> bytes:
    """Unpadded RFC 4648 base32 (upper case) to bytes; ValueError on a character or length base32 cannot have."""
    length = len(text)
    if length % 8 in (1, 3, 6) or not _B32_ALPHABET.issuperset(text):
        raise ValueError("not base32")
    extra_bits = length * 5 % 8  # the last character's bits beyond the last whole byte: padding bits
    value = int(text.translate(_TO_BASE32HEX), 32) >> extra_bits if length else 0
    return value.to_bytes(length * 5 // 8, "big")


def _health_claims_well_formed(claims: dict) -> bool:
    colour = claims.get(CLAIM_COLOUR)
    valid_until = claims.get(CLAIM_VALID_UNTIL)
    initials = claims.get(CLAIM_INITIALS)
    return (
        (colour is None or colour in COLOURS)
        and (valid_until is None or (type(valid_until) is int and 0 <= valid_until < 2**37))
        and (initials is None or (isinstance(initials, str) and len(initials) <= 12))
    )


def personal_qr_verify(token: str, *, now: datetime | None = None, keys: list[dict] | None = None) -> PersonalQrClaims:
    """Check a personal QR token and return its claims; needs only public keys.

    `keys` is a list of JWKs (as published at /api/v1/keys/personal-qr/); by default this server's. Order of
    checks: format (personal_qr_malformed), key (personal_qr_unknown_key), signature
    (personal_qr_bad_signature), expiry (personal_qr_expired). Nothing is looked up in the database.
    """
    if not isinstance(token, str) or not token.startswith(PREFIX) or len(token) > _MAX_TOKEN_CHARS:
        raise _malformed()
    text = token[len(PREFIX) :].strip().upper()
    try:
        body = cbor2.loads(_b32decode(text))
    except (binascii.Error, ValueError, cbor2.CBORDecodeError, TypeError, OverflowError) as exc:
        raise _malformed() from exc
    if (
        not isinstance(body, list)
        or len(body) != 3
        or not all(isinstance(part, bytes) for part in body)
        or len(body[0]) != _KID_BYTES
    ):
        raise _malformed()
    kid, claims_bytes, signature = body
    public = _public_keys_by_kid(keys if keys is not None else personal_qr_public_keys()).get(kid)
    if public is None:
        raise ApplicationError(errors.PERSONAL_QR_UNKNOWN_KEY, extra={"key_id": _b64url(kid)})
    try:
        public.verify(signature, _DOMAIN + kid + claims_bytes)
    except InvalidSignature as exc:
        raise ApplicationError(errors.PERSONAL_QR_BAD_SIGNATURE) from exc
    try:
        claims = cbor2.loads(claims_bytes)
        public_id = claims.pop(_CLAIM_PUBLIC_ID)
        issued_at = datetime.fromtimestamp(claims.pop(_CLAIM_ISSUED_AT), tz=UTC)
        expires_at = datetime.fromtimestamp(claims.pop(_CLAIM_EXPIRES_AT), tz=UTC)
    except (cbor2.CBORDecodeError, AttributeError, KeyError, TypeError, ValueError, OverflowError) as exc:
        raise _malformed() from exc  # signed by us but not in our shape: a bug on the issuing side
    if not isinstance(public_id, str) or not _health_claims_well_formed(claims):
        raise _malformed()
    if CLAIM_VALID_UNTIL in claims:
        # The code is worth no more than the colour it shows: refused once either has expired.
        expires_at = min(expires_at, datetime.fromtimestamp(claims[CLAIM_VALID_UNTIL], tz=UTC))
    now = now or timezone.now()
    if now >= expires_at:
        raise ApplicationError(errors.PERSONAL_QR_EXPIRED, extra={"expired_at": expires_at.isoformat()})
    return PersonalQrClaims(
        public_id=public_id,
        issued_at=issued_at,
        expires_at=expires_at,
        key_id=_b64url(kid),
        claims={key: value for key, value in claims.items() if isinstance(key, str)},
    )


def personal_qr_svg(token: str, *, scale: int = 6) -> str:
    """The token as an inline SVG QR code (alphanumeric mode, error correction M) for the citizen's page."""
    import segno

    return segno.make(token, error="m", micro=False).svg_inline(scale=scale, border=2)
