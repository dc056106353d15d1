"""Issuing: what Phòng Dịch signs verifies with its own verifier, with an independent decoder written here from
the specs (RFC 9285 base45, zlib, COSE Sig_structure, cryptography), and against the EU DCC schema."""

import datetime as dt
import hashlib
import os
import stat
import zlib

import cbor2
import jsonschema
import pytest
import zxingcpp
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from django.core.management import call_command
from django.core.management.base import CommandError

from phongdich.certificates import dcc, keys, qr, services, valuesets
from phongdich.certificates.models import Certificate
from phongdich.checkins.tests.builders import make_person
from phongdich.core.errors import ApplicationError
from phongdich.core.models import AuditLog
from phongdich.core.testing import make_province_with_communes

from .conftest import NEGATIVE_PCR, RECOVERY, VACCINATION

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2021, 10, 2, 9, 0, tzinfo=dt.UTC)
B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


def b45decode_rfc9285(text: str) -> bytes:
    """RFC 9285 §4.2, written here independently of the base45 package the project uses."""
    values = [B45.index(char) for char in text]
    out = bytearray()
    for i in range(0, len(values), 3):
        chunk = values[i : i + 3]
        if len(chunk) == 3:
            number = chunk[0] + chunk[1] * 45 + chunk[2] * 45 * 45
            assert number <= 0xFFFF
            out += number.to_bytes(2, "big")
        else:
            assert len(chunk) == 2
            number = chunk[0] + chunk[1] * 45
            assert number <= 0xFF
            out.append(number)
    return bytes(out)


def independent_decode(text: str, certificate_der: bytes) -> dict:
    """HC1 -> base45 -> zlib -> COSE_Sign1 -> ES256 check on the Sig_structure -> CWT claims."""
    assert text.startswith("HC1:")
    message = cbor2.loads(zlib.decompress(b45decode_rfc9285(text[4:])))
    assert isinstance(message, cbor2.CBORTag) and message.tag == 18
    protected, unprotected, payload, signature = message.value
    header = cbor2.loads(protected)
    assert header[1] == -7  # ES256
    assert header[4] == hashlib.sha256(certificate_der).digest()[:8]
    from cryptography import x509

    public = x509.load_der_x509_certificate(certificate_der).public_key()
    to_be_signed = cbor2.dumps(["Signature1", protected, b"", payload])
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    public.verify(encode_dss_signature(r, s), to_be_signed, ec.ECDSA(hashes.SHA256()))  # raises if forged
    return cbor2.loads(payload)


@pytest.fixture(autouse=True)
def signer_of_2021(dcc_dirs):
    """The test dates are in 2021: a signer certificate valid then (the machine's clock is later)."""
    return keys.dcc_keys_create(now=dt.datetime(2021, 6, 1, tzinfo=dt.UTC))


@pytest.fixture
def person(db):
    areas = make_province_with_communes()
    someone = make_person(areas["commune_a"], name="Đặng Thị Ánh Nguyệt", phone="+84912000111")
    someone.birth_date = dt.date(1985, 3, 7)
    someone.save()
    return someone


@pytest.mark.parametrize("facts", [VACCINATION, NEGATIVE_PCR, RECOVERY], ids=["v", "t", "r"])
def test_issued_certificate_verifies_everywhere(person, facts):
    certificate = services.certificate_issue(person=person, source_key="test:1", facts=facts, now=NOW)
    signer = keys.signer()

    outcome = dcc.dcc_verify(certificate.qr_text, trust=[signer.der], at=NOW, strict_schema=True)
    assert outcome.valid and outcome.reason == "ok", outcome.detail
    assert outcome.payload == certificate.payload and outcome.alg == "ES256"

    claims = independent_decode(certificate.qr_text, signer.der)
    assert claims[1] == "VN" and claims[6] == int(NOW.timestamp()) and claims[4] > claims[6]
    payload = claims[-260][1]
    assert payload == certificate.payload
    jsonschema.validate(payload, valuesets.dcc_schema(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    assert payload["nam"] == {"fn": "Đặng", "fnt": "DANG", "gn": "Thị Ánh Nguyệt", "gnt": "THI<ANH<NGUYET"}
    assert payload["dob"] == "1985-03-07"
    entry = payload[certificate.kind][0]
    assert entry["ci"] == certificate.uvci and services.uvci_valid(entry["ci"])
    assert entry["co"] == "VN" and entry["is"]

    # The QR image reads back as the same text.
    import io

    from PIL import Image

    image = Image.open(io.BytesIO(qr.qr_png(certificate.qr_text)))
    # QR codes only: with every format on, the reader once also found a Codabar "A71B" in a QR's modules
    # (the signature, hence the image, differs on every run).
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    assert [item.text for item in found] == [certificate.qr_text]


def test_validity_follows_the_rules(person):
    vaccination = services.certificate_issue(person=person, source_key="v", facts=VACCINATION, now=NOW)
    assert vaccination.expires_at - vaccination.issued_at == dt.timedelta(days=365)  # QĐ 5772: 12 months
    test = services.certificate_issue(person=person, source_key="t", facts=NEGATIVE_PCR, now=NOW)
    assert test.expires_at == NEGATIVE_PCR.sampled_at + dt.timedelta(hours=72)
    recovery = services.certificate_issue(person=person, source_key="r", facts=RECOVERY, now=NOW)
    assert recovery.expires_at.date() in (dt.date(2022, 1, 28), dt.date(2022, 1, 29))
    assert dcc.dcc_verify(test.qr_text, trust=[keys.signer().der], at=NOW + dt.timedelta(days=5)).reason == "expired"
    early = NOW - dt.timedelta(hours=1)
    assert dcc.dcc_verify(test.qr_text, trust=[keys.signer().der], at=early).reason == "not_yet_valid"


def test_issuing_the_same_record_again_returns_the_same_certificate(person):
    first = services.certificate_issue(person=person, source_key="dose:1", facts=VACCINATION, now=NOW)
    again = services.certificate_issue(person=person, source_key="dose:1", facts=VACCINATION, now=NOW)
    assert again.pk == first.pk and Certificate.objects.count() == 1


def test_changed_facts_revoke_the_old_certificate_and_issue_a_new_one(person):
    from dataclasses import replace

    first = services.certificate_issue(person=person, source_key="dose:1", facts=VACCINATION, now=NOW)
    second = services.certificate_issue(
        person=person, source_key="dose:1", facts=replace(VACCINATION, given_on=dt.date(2021, 9, 21)), now=NOW
    )
    first.refresh_from_db()
    assert second.pk != first.pk and second.is_current
    assert first.revoked_reason == "superseded" and not first.is_current
    assert services.dcc_verify_local(first.qr_text, at=NOW).reason == "revoked"
    assert services.dcc_verify_local(second.qr_text, at=NOW).valid


def test_invalid_facts_issue_nothing(person):
    from dataclasses import replace

    with pytest.raises(ApplicationError) as raised:
        services.certificate_issue(person=person, source_key="x", facts=replace(VACCINATION, dose_number=0))
    assert raised.value.code == "certificate_facts_invalid"
    assert Certificate.objects.count() == 0


def test_uvci_has_a_valid_luhn_mod_n_check_character():
    uvci = services.new_uvci()
    assert uvci.startswith("URN:UVCI:01:VN:") and services.uvci_valid(uvci)
    # The example of the eHealth Network's reference (examples/Luhn-Mod-N/usage.py of eu-dcc-schema).
    body = "URN:UVCI:01:NL:187/37512422923"
    assert services.luhn_mod_n_valid(body + services.luhn_mod_n_check(body))
    tampered = uvci[:-3] + ("A" if uvci[-3] != "A" else "B") + uvci[-2:]
    assert not services.uvci_valid(tampered)


def test_transliteration_is_icao_9303():
    assert services.icao_transliterate("Nguyễn Thị Đào") == "NGUYEN<THI<DAO"
    assert services.icao_transliterate("Lê-Văn  Ơn") == "LE<VAN<ON"
    assert services.split_name("Trần Văn Bình") == ("Trần", "Văn Bình")


def test_dob_is_the_year_when_only_the_year_is_known(person):
    person.birth_date = None
    person.birth_year = 1962
    person.save()
    certificate = services.certificate_issue(person=person, source_key="dose:9", facts=VACCINATION, now=NOW)
    assert certificate.payload["dob"] == "1962"
    assert dcc.dcc_verify(certificate.qr_text, trust=[keys.signer().der], at=NOW, strict_schema=True).valid


# --- Refusals, one per reason -------------------------------------------------------------------------


def _recompose(cose_parts, *, tag=True) -> str:
    message = cbor2.CBORTag(18, list(cose_parts)) if tag else list(cose_parts)
    return dcc.qr_text_of(cbor2.dumps(message))


def _parts(text):
    return list(cbor2.loads(zlib.decompress(b45decode_rfc9285(text[4:]))).value)


@pytest.fixture
def issued(person):
    return services.certificate_issue(person=person, source_key="dose:1", facts=VACCINATION, now=NOW)


def test_each_refusal_has_its_reason(issued):
    trust = [keys.signer().der]
    text = issued.qr_text

    def reason(qr_text, **kw):
        return dcc.dcc_verify(qr_text, trust=trust, at=kw.pop("at", NOW), **kw).reason

    assert reason(text) == "ok"
    assert reason("") == "empty_input"
    assert reason("HC1:" + "A" * 5000) == "input_too_large"
    assert reason("HC2:" + text[4:]) == "bad_prefix"
    assert reason(text[:-1] + "a") == "bad_base45"  # lower case is not base45
    assert reason("HC1:" + dcc.base45.b45encode(b"not zlib at all").decode()) == "bad_zlib"
    assert reason("HC1:" + dcc.base45.b45encode(zlib.compress(b"\xff\xfe")).decode()) == "bad_cbor"
    assert reason("HC1:" + dcc.base45.b45encode(zlib.compress(cbor2.dumps([1, 2]))).decode()) == "bad_cose"
    protected, unprotected, payload, signature = _parts(text)
    # One byte of the payload changed, signature kept.
    forged_payload = payload.replace(b"2021-09-20", b"2021-09-21")
    assert forged_payload != payload
    assert reason(_recompose([protected, unprotected, forged_payload, signature])) == "bad_signature"
    flipped = bytes([signature[0] ^ 1]) + signature[1:]
    assert reason(_recompose([protected, unprotected, payload, flipped])) == "bad_signature"
    assert reason(text, at=NOW + dt.timedelta(days=400)) == "expired"
    assert reason(text, at=NOW - dt.timedelta(days=1)) == "not_yet_valid"
    other = keys.dcc_keys_create(force=True)  # a new key: the old DSC is not in this trust list
    assert dcc.dcc_verify(text, trust=[other.der], at=NOW).reason == "unknown_key"
    rs384 = cbor2.dumps({1: -35, 4: bytes.fromhex(issued.kid)})
    assert reason(_recompose([rs384, unprotected, payload, signature])) == "unsupported_algorithm"
    assert reason(text, revoked=lambda outcome: True) == "revoked"


def test_schema_errors_refuse_only_when_strict(person):
    signer = keys.signer()
    bad = {"ver": "1.3.0", "nam": {"fnt": "lower case"}, "dob": "1985-03-07", "v": [{"ci": "x"}]}
    text = dcc.dcc_encode(
        payload=bad,
        private_key=signer.private_key,
        kid=signer.kid,
        issuer_country="VN",
        issued_at=NOW,
        expires_at=NOW + dt.timedelta(days=1),
    )
    lenient = dcc.dcc_verify(text, trust=[signer.der], at=NOW)
    assert lenient.valid and lenient.schema_errors and lenient.stages["schema"] is False
    strict = dcc.dcc_verify(text, trust=[signer.der], at=NOW, strict_schema=True)
    assert not strict.valid and strict.reason == "schema_error"
    # The province's verifier trusts its own signature for the schema (validated before signing)...
    assert services.dcc_verify_local(text, at=NOW).valid
    # ...and checks everyone else's, reporting without refusing.
    foreign = dcc.dcc_verify(text, trust=[signer.der], at=NOW, prevalidated_kids={b"other"})
    assert foreign.valid and foreign.schema_errors


def test_ps256_signatures_verify(issued):
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import padding, rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "XX")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(NOW - dt.timedelta(days=1))
        .not_valid_after(NOW + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    der = cert.public_bytes(serialization.Encoding.DER)
    protected = cbor2.dumps({1: -37, 4: dcc.kid_of(der)})
    payload = cbor2.dumps({1: "XX", 6: int(NOW.timestamp()), 4: int(NOW.timestamp()) + 3600, -260: {1: issued.payload}})
    signature = key.sign(
        dcc.sig_structure(protected, payload),
        padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32),
        hashes.SHA256(),
    )
    text = _recompose([protected, {}, payload, signature])
    outcome = dcc.dcc_verify(text, trust=[cert], at=NOW)
    assert outcome.valid and outcome.alg == "PS256"


def test_zlib_bomb_is_refused():
    bomb = "HC1:" + dcc.base45.b45encode(zlib.compress(b"\0" * 2_000_000, 9)).decode()
    assert len(bomb) < dcc.MAX_QR_CHARS
    outcome = dcc.dcc_verify(bomb, trust=[], at=NOW)
    assert outcome.reason == "bad_zlib" and "bytes once decompressed" in outcome.detail


def test_revocation_by_an_official_is_audited_and_published(issued, client):
    from phongdich.accounts.models import Official
    from phongdich.core.testing import make_official
    from phongdich.geo.models import Area

    commune = Area.objects.get(code="15085")
    official = make_official(Official.Role.AREA_OFFICIAL, commune, username="yte_thachlap")
    services.certificate_revoke(actor=official, certificate=issued, reason="Nhập sai ngày tiêm")
    issued.refresh_from_db()
    assert issued.is_revoked and issued.revoked_by == official
    assert AuditLog.objects.filter(action="certificates.certificate.revoked", object_id=str(issued.pk)).exists()
    assert services.dcc_verify_local(issued.qr_text, at=NOW).reason == "revoked"
    answer = client.get("/api/v1/certificates/revoked").json()
    assert answer["entries"][0]["uci_sha256"] == hashlib.sha256(issued.uvci.encode()).hexdigest()
    assert "Nhập sai" not in str(answer) and issued.uvci not in str(answer)
    with pytest.raises(ApplicationError) as twice:
        services.certificate_revoke(actor=official, certificate=issued, reason="again")
    assert twice.value.code == "certificate_already_revoked"


def test_officials_of_another_area_cannot_revoke(issued):
    from phongdich.accounts.models import Official
    from phongdich.core.testing import make_official
    from phongdich.geo.models import Area

    elsewhere = make_official(Official.Role.AREA_OFFICIAL, Area.objects.get(code="00070"), username="hanoi")
    with pytest.raises(ApplicationError) as raised:
        services.certificate_revoke(actor=elsewhere, certificate=issued, reason="x")
    assert raised.value.code == "not_found"


def test_dcc_keys_command_creates_a_private_key_file_and_refuses_to_overwrite(settings, tmp_path):
    settings.DCC_KEY_DIR = tmp_path / "fresh"
    keys._cache.clear()
    call_command("dcc_keys")
    key_file = keys.key_path()
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    certificate = keys.signer().certificate
    assert certificate.subject.get_attributes_for_oid(x509_oid().COUNTRY_NAME)[0].value == "VN"
    from cryptography import x509

    ekus = {oid.dotted_string for oid in certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value}
    assert ekus == {"1.3.6.1.4.1.1847.2021.1.1", "1.3.6.1.4.1.1847.2021.1.2", "1.3.6.1.4.1.1847.2021.1.3"}
    assert (certificate.not_valid_after_utc - certificate.not_valid_before_utc).days >= 729
    with pytest.raises(CommandError):
        call_command("dcc_keys")
    old_kid = keys.signer().kid
    call_command("dcc_keys", "--force")
    assert keys.signer().kid != old_kid
    assert old_kid in keys.own_kids()  # the old DSC stays trusted for what it signed
    assert old_kid in keys.province_trust_list().by_kid


def x509_oid():
    from cryptography.x509.oid import NameOID

    return NameOID
