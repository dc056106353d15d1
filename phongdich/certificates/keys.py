"""The province's EU DCC document signer: an EC P-256 key and its X.509 Document Signer Certificate (DSC).

Files in settings.DCC_KEY_DIR (default var/dcc/): `dsc-key.pem` (PKCS#8, mode 0600, never served, never
copied) and `dsc-cert.pem` (public). Created by `phongdich dcc_keys`, or on the first issue when missing (a
warning is logged). The trust list is the province's DSC plus every PEM/DER certificate in
settings.DCC_TRUST_DIR (where a rotation leaves the previous DSC, so certificates it signed still verify).

The DSC follows the hcert spec §5 (eHealth Network, "Electronic Health Certificates" v1.0.5): EC P-256,
subject C (country) and O, extended key usage for the certificate types it signs
(1.3.6.1.4.1.1847.2021.1.1 test, .2 vaccination, .3 recovery). Self-signed here: a province that joins a
national PKI replaces dsc-cert.pem with the certificate its CSCA signs (the key stays).
"""

import datetime as dt
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings

from .dcc import OID_FOR_TYPE, TrustList, kid_of

logger = logging.getLogger(__name__)

KEY_FILE = "dsc-key.pem"
CERT_FILE = "dsc-cert.pem"


@dataclass(frozen=True)
class Signer:
    private_key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate
    der: bytes
    kid: bytes


def key_path() -> Path:
    return Path(settings.DCC_KEY_DIR) / KEY_FILE


def cert_path() -> Path:
    return Path(settings.DCC_KEY_DIR) / CERT_FILE


class KeysExist(Exception):
    pass


def _write_private(path: Path, data: bytes) -> None:
    # O_EXCL: two processes creating at once do not overwrite each other's key; 0600: owner only.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def dcc_keys_create(*, force: bool = False, now: dt.datetime | None = None) -> Signer:
    """Create the signer key and its self-signed DSC. Refuses (KeysExist) when a key is there, unless `force`:
    then the previous certificate is kept in DCC_TRUST_DIR (what it signed still verifies) and the previous
    key is deleted."""
    directory = Path(settings.DCC_KEY_DIR)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    if key_path().exists() or cert_path().exists():
        if not force:
            raise KeysExist(str(key_path()))
        if cert_path().exists():
            old = x509.load_pem_x509_certificate(cert_path().read_bytes())
            trust_dir = Path(settings.DCC_TRUST_DIR)
            trust_dir.mkdir(parents=True, exist_ok=True)
            kid = kid_of(old.public_bytes(serialization.Encoding.DER)).hex()
            (trust_dir / f"previous-dsc-{kid}.pem").write_bytes(old.public_bytes(serialization.Encoding.PEM))
            cert_path().unlink()
        key_path().unlink(missing_ok=True)
    now = now or dt.datetime.now(dt.UTC)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, settings.DCC_ISSUER_COUNTRY),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, settings.DCC_ISSUER[:64]),
            x509.NameAttribute(NameOID.COMMON_NAME, f"DSC {settings.DCC_ISSUER_COUNTRY} {now:%Y%m%d}"),
        ]
    )
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=settings.DCC_SIGNER_VALIDITY_DAYS))
        .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([x509.ObjectIdentifier(OID_FOR_TYPE[kind]) for kind in ("t", "v", "r")]),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    pem_key = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    _write_private(key_path(), pem_key)
    cert_path().write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    _cache.clear()
    return signer()


_lock = threading.RLock()  # re-entered: signer() creates the files through dcc_keys_create()
_cache: dict = {}


def signer(*, create: bool = True) -> Signer:
    """The province's signer, read once per process from DCC_KEY_DIR (created with a warning when missing)."""
    directory = str(settings.DCC_KEY_DIR)
    found = _cache.get(directory)
    if found is not None:
        return found
    with _lock:
        if not key_path().exists() or not cert_path().exists():
            if not create:
                raise FileNotFoundError(str(key_path()))
            logger.warning("No EU DCC signer key in %s: creating one (`phongdich dcc_keys` does it by hand)", directory)
            try:
                dcc_keys_create()
            except (KeysExist, FileExistsError):
                pass  # another process created it meanwhile, or only one of the two files exists: read below
        key = serialization.load_pem_private_key(key_path().read_bytes(), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
            raise ValueError("the EU DCC signer key must be an EC P-256 key")
        certificate = x509.load_pem_x509_certificate(cert_path().read_bytes())
        der = certificate.public_bytes(serialization.Encoding.DER)
        found = Signer(private_key=key, certificate=certificate, der=der, kid=kid_of(der))
        _cache[directory] = found
    return found


def _load_certificate_file(path: Path) -> list[bytes]:
    data = path.read_bytes()
    if b"-----BEGIN CERTIFICATE-----" in data:
        return [cert.public_bytes(serialization.Encoding.DER) for cert in x509.load_pem_x509_certificates(data)]
    return [x509.load_der_x509_certificate(data).public_bytes(serialization.Encoding.DER)]


def load_certificates(paths) -> list[bytes]:
    """DER bytes of every certificate in the given PEM or DER files (a PEM file may hold several)."""
    found = []
    for path in paths:
        found.extend(_load_certificate_file(Path(path)))
    return found


_trust_cache: dict = {}


def province_trust_list() -> TrustList:
    """The province's DSC plus the certificates in DCC_TRUST_DIR; rebuilt when a file there changes."""
    own = signer()
    trust_dir = Path(settings.DCC_TRUST_DIR)
    files = sorted(p for p in trust_dir.glob("*") if p.suffix.lower() in (".pem", ".der", ".crt", ".cer"))
    stamp = (own.kid, str(trust_dir), tuple((str(p), p.stat().st_mtime_ns) for p in files))
    cached = _trust_cache.get("trust")
    if cached is not None and cached[0] == stamp:
        return cached[1]
    items = [own.der]
    for path in files:
        try:
            items.extend(_load_certificate_file(path))
        except ValueError:
            logger.warning("Not a certificate, left out of the EU DCC trust list: %s", path)
    trust = TrustList(items)
    _trust_cache["trust"] = (stamp, trust)
    return trust


def own_kids() -> frozenset[bytes]:
    """Kids of the province's signer certificates (current and previous ones in DCC_TRUST_DIR)."""
    own = signer()
    kids = {own.kid}
    for path in Path(settings.DCC_TRUST_DIR).glob("previous-dsc-*.pem"):
        kids.update(kid_of(der) for der in _load_certificate_file(path))
    return frozenset(kids)
