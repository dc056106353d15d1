"""EU Digital COVID Certificate (DCC) codec and verifier, with no Django model in sight.

The format (eHealth Network, "Electronic Health Certificates, technical specification" v1.0.5, 2021, "hcert";
https://github.com/ehn-dcc-development/hcert-spec), from the QR text inwards:

    "HC1:" + base45 (RFC 9285) of zlib (RFC 1950) of a COSE_Sign1 message (RFC 9052, tag 18 optional)
    whose payload is a CBOR Web Token (RFC 8392): {1: iss, 4: exp, 6: iat, -260: {1: <the DCC payload>}}.

The payload follows the EU DCC JSON schema 1.3.0 (valuesets/DCC.combined-schema.json). Signatures: ES256
(ECDSA P-256 with SHA-256, COSE alg -7, raw r||s, RFC 9053 §2.1) or PS256 (RSASSA-PSS with SHA-256, MGF1
SHA-256, salt length 32, COSE alg -37, RFC 8230 §2). The key id (kid, COSE header 4) is the first 8 bytes of
the SHA-256 of the signer certificate's DER (hcert spec §3.3.1).

`dcc_verify` checks in a fixed order and stops at the first refusal, with a stable reason code
(REASONS below); `dcc_encode` builds the QR text from a payload and a private key. Crypto comes from
`cryptography`, CBOR from cbor2, base45 from the base45 package: nothing here is home-made crypto.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

import base45
import cbor2
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

PREFIX = "HC1:"
COSE_SIGN1_TAG = 18
CWT_TAG = 61
HEADER_ALG, HEADER_KID = 1, 4
ALG_ES256, ALG_PS256 = -7, -37
ALG_NAMES = {ALG_ES256: "ES256", ALG_PS256: "PS256"}
CLAIM_ISS, CLAIM_EXP, CLAIM_IAT, CLAIM_HCERT = 1, 4, 6, -260
HCERT_EU_DCC = 1
KID_BYTES = 8
# Extended key usage OIDs a DSC may carry to limit the certificate types it signs (hcert spec §5.1.1). The
# first versions of the spec printed them with an extra ".0" after the enterprise arc (1.3.6.1.4.1.0.1847...);
# DSCs carrying that form exist (the common/CO6-CO11 test cases), so both are honoured.
OID_FOR_TYPE = {"t": "1.3.6.1.4.1.1847.2021.1.1", "v": "1.3.6.1.4.1.1847.2021.1.2", "r": "1.3.6.1.4.1.1847.2021.1.3"}
EKU_TYPES = {oid: kind for kind, oid in OID_FOR_TYPE.items()} | {
    oid.replace("1.3.6.1.4.1.1847.", "1.3.6.1.4.1.0.1847."): kind for kind, oid in OID_FOR_TYPE.items()
}

# Defaults when no Django settings are passed in. 4296: the most alphanumeric characters a QR code holds
# (version 40, error correction L; ISO/IEC 18004:2015, table 7), so longer text cannot come from a QR code.
MAX_QR_CHARS = 4296
# A DCC is a few hundred bytes once inflated; 32 KiB stops a zlib bomb long before it costs memory.
MAX_DECOMPRESSED_BYTES = 32 * 1024

# Stable reason codes, in the order the checks run, with the sentence a checker reads.
REASONS: dict[str, tuple[str, str]] = {
    "ok": ("Chứng nhận hợp lệ.", "The certificate is valid."),
    "empty_input": ("Không có nội dung mã QR.", "The QR text is empty."),
    "input_too_large": ("Nội dung quá dài để là một mã QR.", "The text is too long to come from a QR code."),
    "bad_prefix": (
        "Không phải chứng nhận EU DCC (thiếu tiền tố HC1:).",
        "Not an EU DCC (the HC1: prefix is missing).",
    ),
    "bad_base45": ("Mã bị hỏng: phần base45 không đọc được.", "The code is damaged: the base45 text cannot be read."),
    "bad_zlib": ("Mã bị hỏng: không giải nén được.", "The code is damaged: it cannot be decompressed."),
    "bad_cbor": ("Mã bị hỏng: dữ liệu CBOR không đọc được.", "The code is damaged: its CBOR data cannot be read."),
    "bad_cose": (
        "Mã không có cấu trúc chữ ký COSE hợp lệ.",
        "The code does not have a valid COSE signature structure.",
    ),
    "unsupported_algorithm": (
        "Thuật toán chữ ký không được hỗ trợ (chỉ ES256, PS256).",
        "Unsupported signature algorithm (only ES256 and PS256).",
    ),
    "unknown_key": (
        "Chữ ký bằng khóa không có trong danh sách tin cậy.",
        "Signed with a key that is not in the trust list.",
    ),
    "bad_signature": (
        "Chữ ký không khớp: mã đã bị sửa hoặc giả mạo.",
        "The signature does not match: the code was altered or forged.",
    ),
    "expired": ("Chứng nhận đã hết hạn.", "The certificate has expired."),
    "not_yet_valid": ("Chứng nhận chưa có hiệu lực.", "The certificate is not valid yet."),
    "wrong_certificate_type": (
        "Khóa ký không được phép ký loại chứng nhận này.",
        "The signing key may not sign this type of certificate.",
    ),
    "revoked": ("Chứng nhận đã bị thu hồi.", "The certificate has been revoked."),
    "schema_error": (
        "Nội dung chứng nhận không đúng lược đồ EU DCC.",
        "The certificate's content does not follow the EU DCC schema.",
    ),
}
# The checks in order; `stages` of an outcome holds True for each one passed, False for the one that failed.
STAGES = ("unprefix", "base45", "zlib", "cose", "cbor", "signature", "expiry", "key_usage", "revocation", "schema")


@dataclass
class VerifyOutcome:
    valid: bool
    reason: str
    payload: dict | None = None  # the hcert (DCC) payload, once decoded (also when a later check refused it)
    kid: bytes | None = None
    alg: str | None = None
    issuer: str | None = None  # CWT iss (a country code)
    issued_at: dt.datetime | None = None
    expires_at: dt.datetime | None = None
    certificate_type: str | None = None  # "v", "t" or "r"
    signer: str | None = None  # subject of the certificate whose key verified the signature
    detail: str = ""
    schema_errors: list[str] = field(default_factory=list)
    stages: dict[str, bool] = field(default_factory=dict)

    @property
    def reason_vi(self) -> str:
        return REASONS[self.reason][0]

    @property
    def reason_en(self) -> str:
        return REASONS[self.reason][1]

    @property
    def signature_verified(self) -> bool:
        return self.stages.get("signature", False)

    @property
    def uci(self) -> str | None:
        return uci_of(self.payload)

    def as_json(self) -> dict:
        """A JSON-ready dictionary (the command-line tool prints it)."""
        return {
            "valid": self.valid,
            "reason": self.reason,
            "reason_vi": self.reason_vi,
            "reason_en": self.reason_en,
            "detail": self.detail,
            "kid": self.kid.hex() if self.kid else None,
            "alg": self.alg,
            "issuer": self.issuer,
            "issued_at": self.issued_at.isoformat() if self.issued_at else None,
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
            "certificate_type": self.certificate_type,
            "signer": self.signer,
            "schema_errors": self.schema_errors,
            "stages": self.stages,
            "payload": self.payload,
        }


class _Refused(Exception):
    def __init__(self, reason: str, detail: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


# --- Trust list ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrustedKey:
    public_key: object
    not_before: dt.datetime | None
    not_after: dt.datetime | None
    types: frozenset[str] | None  # certificate types its EKU allows; None: no DCC EKU (all types)
    subject: str
    # Decided once when the certificate is read, not at every verification.
    is_p256: bool = False
    is_rsa: bool = False


def kid_of(der: bytes) -> bytes:
    """hcert spec §3.3.1: the first 8 bytes of the SHA-256 of the signer certificate (DER)."""
    return hashlib.sha256(der).digest()[:KID_BYTES]


def _der_of(item) -> bytes:
    if isinstance(item, x509.Certificate):
        from cryptography.hazmat.primitives.serialization import Encoding

        return item.public_bytes(Encoding.DER)
    if isinstance(item, bytes | bytearray | memoryview):
        return bytes(item)
    raise TypeError("trust list entries are x509.Certificate objects or DER bytes")


@lru_cache(maxsize=256)
def trusted_key_from_der(der: bytes) -> TrustedKey:
    """Parse one signer certificate. Extensions that cryptography cannot parse (some published FI DSCs) make
    the EKU unknown, not the key unusable."""
    cert = x509.load_der_x509_certificate(der)
    try:
        eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        types = frozenset(EKU_TYPES[oid.dotted_string] for oid in eku if oid.dotted_string in EKU_TYPES) or None
    except x509.ExtensionNotFound:
        types = None
    except ValueError:
        types = None
    try:
        subject = cert.subject.rfc4514_string()
    except ValueError:
        subject = ""
    public_key = cert.public_key()
    return TrustedKey(
        public_key=public_key,
        is_p256=isinstance(public_key, ec.EllipticCurvePublicKey) and public_key.curve.name == "secp256r1",
        is_rsa=isinstance(public_key, rsa.RSAPublicKey),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        types=types,
        subject=subject,
    )


class TrustList:
    """Signer certificates by kid (several may share one: each is tried). Build once, reuse: parsing
    certificates costs more than verifying a signature."""

    def __init__(self, certificates: Iterable = ()):
        self.by_kid: dict[bytes, list[TrustedKey]] = {}
        for item in certificates:
            self.add(item)

    def add(self, item) -> None:
        der = _der_of(item)
        self.by_kid.setdefault(kid_of(der), []).append(trusted_key_from_der(der))

    def keys_for(self, kid: bytes) -> list[TrustedKey]:
        return self.by_kid.get(kid, [])

    def __len__(self) -> int:
        return sum(len(keys) for keys in self.by_kid.values())


@lru_cache(maxsize=32)
def _trust_list_of(items: tuple) -> TrustList:
    return TrustList(items)


def as_trust_list(trust) -> TrustList:
    if isinstance(trust, TrustList):
        return trust
    return _trust_list_of(tuple(_der_of(item) for item in trust))


# --- Decoding stages -------------------------------------------------------------------------------


def unprefix(text: str) -> str:
    if not text.startswith(PREFIX):
        raise _Refused("bad_prefix", "the text does not start with HC1:")
    return text[len(PREFIX) :]


# Base45 (RFC 9285) decoding without a Python loop: the `base45` package decodes one character at a time and took
# as long as the signature check itself (docs/certificates.md "Speed"). Each group of three characters c, d, e is
# the 16-bit number c + 45·d + 2025·e. The products 45·d and 2025·e are looked up by bytes.translate, one byte of
# the product per table, and laid out in 4-byte little-endian slots of three big integers; adding the integers
# adds every group at once (a slot's sum is at most 91,124, so nothing carries into the next slot). Issuing still
# encodes with the package, and a test checks this decoder against it on random data and on malformed input.
_B45_ALPHABET = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_B45_VALUES = bytes.maketrans(_B45_ALPHABET, bytes(range(45)))


def _b45_byte_table(product, shift: int) -> bytes:
    return bytes((product(value) >> shift) & 0xFF if value < 45 else 0 for value in range(256))


_B45_D = [_b45_byte_table(lambda value: value * 45, shift) for shift in (0, 8)]
_B45_E = [_b45_byte_table(lambda value: value * 2025, shift) for shift in (0, 8, 16)]


def b45decode(text: str) -> bytes:
    try:
        raw = text.encode("ascii")
    except UnicodeError as exc:
        raise _Refused("bad_base45", "a character outside the base45 alphabet") from exc
    if raw.translate(None, _B45_ALPHABET):  # deleting the alphabet must leave nothing
        raise _Refused("bad_base45", "a character outside the base45 alphabet")
    if len(raw) % 3 == 1:
        raise _Refused("bad_base45", "the length leaves a single character")
    values = raw.translate(_B45_VALUES)
    whole = len(values) - len(values) % 3
    groups = whole // 3
    firsts, seconds, thirds = values[0:whole:3], values[1:whole:3], values[2:whole:3]
    slots = [bytearray(4 * groups) for _ in range(3)]
    slots[0][0::4] = firsts
    for index, table in enumerate(_B45_D):
        slots[1][index::4] = seconds.translate(table)
    for index, table in enumerate(_B45_E):
        slots[2][index::4] = thirds.translate(table)
    total = sum(int.from_bytes(slot, "little") for slot in slots).to_bytes(4 * groups, "little")
    if total[2::4].count(0) != groups:
        raise _Refused("bad_base45", "a group of three characters is above 65535")
    decoded = bytearray(2 * groups)
    decoded[0::2], decoded[1::2] = total[1::4], total[0::4]  # each group is two bytes, high byte first
    if whole < len(values):
        last = values[whole] + values[whole + 1] * 45
        if last > 0xFF:
            raise _Refused("bad_base45", "the last two characters are above 255")
        decoded.append(last)
    return bytes(decoded)


def decompress(data: bytes, *, max_bytes: int = MAX_DECOMPRESSED_BYTES) -> bytes:
    """zlib (RFC 1950) inflate, refusing output over max_bytes (a zlib bomb) and truncated streams."""
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(data, max_bytes)
    except zlib.error as exc:
        raise _Refused("bad_zlib", str(exc)) from exc
    if inflater.unconsumed_tail:
        raise _Refused("bad_zlib", f"more than {max_bytes} bytes once decompressed")
    if not inflater.eof:
        raise _Refused("bad_zlib", "truncated zlib stream")
    return out


@dataclass
class CoseSign1:
    protected_bytes: bytes
    protected: dict
    unprotected: dict
    payload: bytes
    signature: bytes


def cose_decode(data: bytes) -> CoseSign1:
    """A COSE_Sign1 message (RFC 9052 §4.2): [protected bstr, unprotected map, payload bstr, signature bstr],
    optionally tagged 18 (and, as some issuers do, wrapped in the CWT tag 61)."""
    try:
        message = cbor2.loads(data)
    except (cbor2.CBORDecodeError, ValueError, TypeError, OverflowError, RecursionError, IndexError) as exc:
        raise _Refused("bad_cbor", f"the COSE message is not CBOR: {exc}") from exc
    if isinstance(message, cbor2.CBORTag) and message.tag == CWT_TAG:
        message = message.value
    if isinstance(message, cbor2.CBORTag):
        if message.tag != COSE_SIGN1_TAG:
            raise _Refused("bad_cose", f"CBOR tag {message.tag} is not COSE_Sign1 (18)")
        message = message.value
    if not isinstance(message, list | tuple) or len(message) != 4:
        raise _Refused("bad_cose", "a COSE_Sign1 message is an array of 4 items")
    protected_bytes, unprotected, payload, signature = message
    if not isinstance(protected_bytes, bytes) or not isinstance(unprotected, Mapping):
        raise _Refused("bad_cose", "the headers are not a byte string and a map")
    if not isinstance(payload, bytes) or not isinstance(signature, bytes):
        raise _Refused("bad_cose", "the payload or the signature is not a byte string")
    if protected_bytes:
        try:
            protected = cbor2.loads(protected_bytes)
        except (cbor2.CBORDecodeError, ValueError, TypeError, OverflowError, RecursionError, IndexError) as exc:
            raise _Refused("bad_cose", "the protected header is not CBOR") from exc
        if not isinstance(protected, Mapping):
            raise _Refused("bad_cose", "the protected header is not a map")
    else:
        protected = {}
    return CoseSign1(protected_bytes, protected, unprotected, payload, signature)


def sig_structure(protected_bytes: bytes, payload: bytes, external_aad: bytes = b"") -> bytes:
    """The bytes that are signed (RFC 9052 §4.4): ["Signature1", body_protected, external_aad, payload]."""
    return cbor2.dumps(["Signature1", protected_bytes, external_aad, payload])


def _header(cose: CoseSign1, label: int):
    # RFC 9052 §3: a label appears in one bucket only; the protected one wins (hcert spec §3.3.1 allows the
    # kid in the unprotected header for older issuers).
    if label in cose.protected:
        return cose.protected[label]
    return cose.unprotected.get(label)


# Made once: they are the same for every verification.
_ECDSA_SHA256 = ec.ECDSA(hashes.SHA256())
_PSS_SHA256 = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
_SHA256 = hashes.SHA256()


def _verify_with(key: TrustedKey, alg: int, signature: bytes, message: bytes) -> bool:
    public = key.public_key
    try:
        if alg == ALG_ES256:
            if not key.is_p256:
                return False
            if len(signature) != 64:
                return False
            der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
            public.verify(der, message, _ECDSA_SHA256)
            return True
        if alg == ALG_PS256:
            if not key.is_rsa:
                return False
            public.verify(signature, message, _PSS_SHA256, _SHA256)
            return True
    except InvalidSignature:
        return False
    return False


def _moment(value) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, cbor2.CBORTag) and value.tag == 1:
        value = value.value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Refused("bad_cbor", "a CWT time claim is not a number")
    try:
        return dt.datetime.fromtimestamp(value, tz=dt.UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise _Refused("bad_cbor", "a CWT time claim is out of range") from exc


def _decode_claims(payload: bytes) -> dict:
    try:
        claims = cbor2.loads(payload)
    except (cbor2.CBORDecodeError, ValueError, TypeError, OverflowError, RecursionError, IndexError) as exc:
        raise _Refused("bad_cbor", f"the CWT payload is not CBOR: {exc}") from exc
    if not isinstance(claims, Mapping):
        raise _Refused("bad_cbor", "the CWT payload is not a map")
    return claims


def _hcert_of(claims: dict) -> dict:
    hcert = claims.get(CLAIM_HCERT)
    if not isinstance(hcert, Mapping) or not isinstance(hcert.get(HCERT_EU_DCC), Mapping):
        raise _Refused("bad_cbor", "the CWT has no EU DCC (claim -260, key 1)")
    return _jsonable(hcert[HCERT_EU_DCC])


_PLAIN_TYPES = frozenset({str, int, bool, float, type(None)})


def _jsonable(value):
    """CBOR may carry tagged dates, bytes or non-string keys: the payload is handed on as plain JSON values."""
    kind = type(value)
    # The usual payload is plain dicts, lists, strings and numbers: exact type checks first (no ABC checks).
    if kind in _PLAIN_TYPES:
        return value
    if kind is dict:
        return {
            (key if type(key) is str else str(key)): (item if type(item) in _PLAIN_TYPES else _jsonable(item))
            for key, item in value.items()
        }
    if kind is list:
        return [item if type(item) in _PLAIN_TYPES else _jsonable(item) for item in value]
    if isinstance(value, Mapping):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if isinstance(value, cbor2.CBORTag):
        return _jsonable(value.value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, float | int | str | bool) or value is None:
        return value
    return str(value)


def certificate_type_of(payload: dict | None) -> str | None:
    if not payload:
        return None
    kinds = [kind for kind in ("v", "t", "r") if payload.get(kind)]
    return kinds[0] if len(kinds) == 1 else None


def uci_of(payload: dict | None) -> str | None:
    kind = certificate_type_of(payload)
    if kind is None:
        return None
    entries = payload[kind]
    if isinstance(entries, list) and entries and isinstance(entries[0], dict):
        ci = entries[0].get("ci")
        return ci if isinstance(ci, str) else None
    return None


def uci_hash(uci: str) -> str:
    """SHA-256 (hex) of the UCI as written in `ci`: the "UCI" hash type of the EU DCC revocation lists
    (eHealth Network, "Technical specifications for EU DCC revocation", 2022, §2.3)."""
    return hashlib.sha256(uci.encode("utf-8")).hexdigest()


# --- Schema ----------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _schema_validator():
    import jsonschema

    from .valuesets import dcc_schema

    schema = dcc_schema()
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def schema_errors(payload: dict) -> list[str]:
    """Problems of the payload against the EU DCC schema 1.3.0, as short sentences (empty: none)."""
    errors = []
    for error in _schema_validator().iter_errors(payload):
        where = "/".join(str(part) for part in error.absolute_path) or "(root)"
        errors.append(f"{where}: {error.message}"[:300])
    return errors[:20]


# --- The verifier ----------------------------------------------------------------------------------


def dcc_verify(
    qr_text: str,
    *,
    trust,
    at: dt.datetime,
    revoked: Callable[[VerifyOutcome], bool] | None = None,
    strict_schema: bool | Iterable[bytes] = False,
    prevalidated_kids: Iterable[bytes] = (),
    max_chars: int = MAX_QR_CHARS,
    max_decompressed: int = MAX_DECOMPRESSED_BYTES,
) -> VerifyOutcome:
    """Verify an EU DCC QR text against `trust` (signer certificates: x509 objects, DER bytes or a TrustList)
    at the moment `at` (aware). Never raises on bad input: the outcome says why it refused.

    Order: input size, prefix, base45, zlib, COSE structure, algorithm, key, signature, CWT payload, expiry
    (CWT iat/exp and the signer certificate's validity), the signer's EKU, revocation (`revoked(outcome)`),
    schema. Schema problems are always listed in `schema_errors`; they refuse the certificate only when
    `strict_schema` is True or is a collection of kids that holds this certificate's kid (the province
    checks its own certificates strictly, and reports other issuers' deviations without refusing them, as
    other verifier apps do). `prevalidated_kids`: keys whose certificates were validated against the schema
    before they were signed (the province's own: certificate_issue does it); once such a signature verifies, the
    payload is what was validated, and checking it again would only cost time (it is most of a verification).
    """
    outcome = VerifyOutcome(valid=False, reason="ok")
    try:
        _run(outcome, qr_text, trust, at, revoked, strict_schema, prevalidated_kids, max_chars, max_decompressed)
    except _Refused as refusal:
        outcome.reason = refusal.reason
        outcome.detail = refusal.detail
        for stage in STAGES:
            if stage not in outcome.stages:
                outcome.stages[stage] = False
                break
        return outcome
    outcome.valid = True
    return outcome


def dcc_verify_cose(cose_bytes: bytes, *, trust, at: dt.datetime, **options) -> VerifyOutcome:
    """The same checks starting from the COSE message (for callers that hold it already, such as tests)."""
    outcome = VerifyOutcome(valid=False, reason="ok")
    outcome.stages.update(unprefix=True, base45=True, zlib=True)
    try:
        _run_cose(outcome, cose_bytes, as_trust_list(trust), at, None, False)
    except _Refused as refusal:
        outcome.reason, outcome.detail = refusal.reason, refusal.detail
        for stage in STAGES:
            if stage not in outcome.stages:
                outcome.stages[stage] = False
                break
        return outcome
    outcome.valid = True
    return outcome


def _run(outcome, qr_text, trust, at, revoked, strict_schema, prevalidated_kids, max_chars, max_decompressed):
    if not isinstance(qr_text, str) or not qr_text.strip():
        raise _Refused("empty_input")
    if len(qr_text) > max_chars:
        raise _Refused("input_too_large", f"{len(qr_text)} characters, at most {max_chars}")
    if at.tzinfo is None:
        raise ValueError("`at` must be an aware datetime")
    # Scanners and copy-paste add line ends; nothing else is forgiven.
    body = unprefix(qr_text.strip())
    outcome.stages["unprefix"] = True
    compressed = b45decode(body)
    outcome.stages["base45"] = True
    cose_bytes = decompress(compressed, max_bytes=max_decompressed)
    outcome.stages["zlib"] = True
    _run_cose(outcome, cose_bytes, as_trust_list(trust), at, revoked, strict_schema, prevalidated_kids)


def _run_cose(outcome, cose_bytes, trust: TrustList, at, revoked, strict_schema, prevalidated_kids=()):
    cose = cose_decode(cose_bytes)
    outcome.stages["cose"] = True
    # The payload is decoded before the signature is checked so that a refused code can still be shown for
    # what it claims (the outcome's payload; callers show it only when signature_verified).
    claims = _decode_claims(cose.payload)
    outcome.issuer = claims.get(CLAIM_ISS) if isinstance(claims.get(CLAIM_ISS), str) else None
    outcome.issued_at = _moment(claims.get(CLAIM_IAT))
    outcome.expires_at = _moment(claims.get(CLAIM_EXP))
    outcome.payload = _hcert_of(claims)
    outcome.certificate_type = certificate_type_of(outcome.payload)
    outcome.stages["cbor"] = True

    alg = _header(cose, HEADER_ALG)
    kid = _header(cose, HEADER_KID)
    if alg not in ALG_NAMES:
        raise _Refused("unsupported_algorithm", f"COSE alg {alg!r}")
    outcome.alg = ALG_NAMES[alg]
    if not isinstance(kid, bytes) or not kid:
        raise _Refused("unknown_key", "no key id (kid) in the COSE headers")
    outcome.kid = kid
    candidates = trust.keys_for(kid)
    if not candidates:
        raise _Refused("unknown_key", f"kid {kid.hex()} is not in the trust list")
    message = sig_structure(cose.protected_bytes, cose.payload)
    signer = next((key for key in candidates if _verify_with(key, alg, cose.signature, message)), None)
    if signer is None:
        raise _Refused("bad_signature", f"no certificate with kid {kid.hex()} verifies the {outcome.alg} signature")
    outcome.stages["signature"] = True
    outcome.signer = signer.subject

    if outcome.issued_at is not None and at < outcome.issued_at:
        raise _Refused("not_yet_valid", f"issued at {outcome.issued_at.isoformat()}")
    # "at > exp", not ">=": the DK and ES test cases validate exactly at exp and expect "not expired".
    if outcome.expires_at is not None and at > outcome.expires_at:
        raise _Refused("expired", f"expired at {outcome.expires_at.isoformat()}")
    if signer.not_before is not None and at < signer.not_before:
        raise _Refused("not_yet_valid", f"the signer certificate is valid from {signer.not_before.isoformat()}")
    if signer.not_after is not None and at > signer.not_after:
        raise _Refused("expired", f"the signer certificate expired at {signer.not_after.isoformat()}")
    outcome.stages["expiry"] = True

    if signer.types is not None and outcome.certificate_type not in signer.types:
        raise _Refused(
            "wrong_certificate_type",
            f"the signer's EKU allows {''.join(sorted(signer.types))}, not {outcome.certificate_type}",
        )
    outcome.stages["key_usage"] = True

    if revoked is not None and revoked(outcome):
        raise _Refused("revoked")
    outcome.stages["revocation"] = True

    if kid in prevalidated_kids:
        outcome.stages["schema"] = True
        return
    outcome.schema_errors = schema_errors(outcome.payload)
    strict = strict_schema if isinstance(strict_schema, bool) else kid in set(strict_schema)
    if outcome.schema_errors and strict:
        raise _Refused("schema_error", outcome.schema_errors[0])
    outcome.stages["schema"] = not outcome.schema_errors


# --- Encoding (the issuing side) ------------------------------------------------------------------


def cwt_claims(*, payload: dict, issuer_country: str, issued_at: dt.datetime, expires_at: dt.datetime) -> dict:
    return {
        CLAIM_ISS: issuer_country,
        CLAIM_EXP: int(expires_at.timestamp()),
        CLAIM_IAT: int(issued_at.timestamp()),
        CLAIM_HCERT: {HCERT_EU_DCC: payload},
    }


def cose_sign1_es256(*, claims: dict, private_key: ec.EllipticCurvePrivateKey, kid: bytes) -> bytes:
    """A tagged COSE_Sign1 with the ES256 signature as raw r||s (RFC 9053 §2.1), the kid protected."""
    protected_bytes = cbor2.dumps({HEADER_ALG: ALG_ES256, HEADER_KID: kid})
    payload = cbor2.dumps(claims)
    der = private_key.sign(sig_structure(protected_bytes, payload), ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return cbor2.dumps(cbor2.CBORTag(COSE_SIGN1_TAG, [protected_bytes, {}, payload, signature]))


def qr_text_of(cose_bytes: bytes) -> str:
    """COSE bytes -> "HC1:" + base45(zlib(cose)) (compression level 9: the smallest QR code)."""
    return PREFIX + base45.b45encode(zlib.compress(cose_bytes, 9)).decode("ascii")


def dcc_encode(
    *,
    payload: dict,
    private_key: ec.EllipticCurvePrivateKey,
    kid: bytes,
    issuer_country: str,
    issued_at: dt.datetime,
    expires_at: dt.datetime,
) -> str:
    claims = cwt_claims(payload=payload, issuer_country=issuer_country, issued_at=issued_at, expires_at=expires_at)
    return qr_text_of(cose_sign1_es256(claims=claims, private_key=private_key, kid=kid))
