"""Issuing, revoking and verifying EU DCC certificates (docs/certificates.md).

Payload: EU DCC JSON schema 1.3.0 (valuesets/DCC.combined-schema.json). Names: `fn`/`gn` as written,
`fnt`/`gnt` transliterated per ICAO Doc 9303 part 3 §6 (Latin letters without diacritics, upper case, "<"
between words); Vietnamese names are written family name first, so the first word is `fn`. Identifiers: UVCI
per the eHealth Network "Guidelines on verifiable vaccination certificates – basic interoperability
elements" v2 (2021), annex 2: "URN:UVCI:01:VN:" + an opaque id + "#" + a Luhn mod N check character computed
over everything before it, with the code points A–Z, 0–9, "/", ":" (N = 38).
"""

import datetime as dt
import hashlib
import json
import secrets
from dataclasses import asdict
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from phongdich.accounts.permissions import PEOPLE_ROLES, has_role
from phongdich.core import errors as core_errors
from phongdich.core.audit import audit_record
from phongdich.core.dates import local_iso
from phongdich.core.errors import ApplicationError
from phongdich.core.scoping import area_visible
from phongdich.core.text import fold
from phongdich.people.models import Person

from . import dcc, errors, keys
from .models import Certificate
from .sources import Facts, RecoveryFacts, TestFacts, VaccinationFacts, certificate_facts_for

SCHEMA_VERSION = "1.3.0"
LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

# --- Names and identifiers -------------------------------------------------------------------------


def icao_transliterate(text: str) -> str:
    """'Nguyễn Thị Ánh' -> 'NGUYEN<THI<ANH' (ICAO 9303-3 §6: diacritics dropped, Đ -> D, separators -> '<')."""
    folded = fold(text).upper()
    out = []
    for char in folded:
        if "A" <= char <= "Z":
            out.append(char)
        elif char in " -,":
            out.append("<")
        # Apostrophes and other marks are left out (ICAO 9303-3 §6.A, "punctuation ... omitted").
    return "<".join(part for part in "".join(out).split("<") if part)[:80]


def split_name(full_name: str) -> tuple[str, str]:
    """Vietnamese order: family name first. 'Nguyễn Văn An' -> ('Nguyễn', 'Văn An')."""
    parts = full_name.split()
    if not parts:
        return "", ""
    return parts[0], " ".join(parts[1:])


LUHN_CODE_POINTS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/:"


def luhn_mod_n_check(text: str) -> str:
    """The Luhn mod N check character of `text` (the UVCI before '#'), N = 38 code points."""
    n = len(LUHN_CODE_POINTS)
    total, factor = 0, 2
    for char in reversed(text):
        addend = factor * LUHN_CODE_POINTS.index(char)
        total += addend // n + addend % n
        factor = 1 if factor == 2 else 2
    return LUHN_CODE_POINTS[(n - total % n) % n]


def luhn_mod_n_valid(text_with_check: str) -> bool:
    n = len(LUHN_CODE_POINTS)
    total, factor = 0, 1
    for char in reversed(text_with_check):
        addend = factor * LUHN_CODE_POINTS.index(char)
        total += addend // n + addend % n
        factor = 1 if factor == 2 else 2
    return total % n == 0


_OPAQUE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: people read these aloud


def new_uvci(country: str | None = None) -> str:
    """'URN:UVCI:01:VN:<16 random characters, 80 bits>#<check>'."""
    country = country or settings.DCC_ISSUER_COUNTRY
    body = f"URN:UVCI:01:{country}:" + "".join(secrets.choice(_OPAQUE_ALPHABET) for _ in range(16))
    return f"{body}#{luhn_mod_n_check(body)}"


def uvci_valid(uvci: str) -> bool:
    body, _, check = uvci.partition("#")
    if len(check) != 1 or any(char not in LUHN_CODE_POINTS for char in body + check):
        return False
    return luhn_mod_n_valid(body + check)


# --- Payload ---------------------------------------------------------------------------------------


def _dob(person) -> str:
    if person.birth_date:
        return person.birth_date.isoformat()
    if person.birth_year:
        return f"{person.birth_year:04d}"
    return ""  # the schema allows an empty dob when it is not known


def _name(person) -> dict:
    family, given = split_name(person.full_name)
    name = {"fn": family, "fnt": icao_transliterate(family)}
    if given:
        name |= {"gn": given, "gnt": icao_transliterate(given)}
    return name


def _entry(facts: Facts, uvci: str) -> tuple[str, dict]:
    issuer = (facts.issuer or settings.DCC_ISSUER)[:80]
    common = {"tg": facts.disease, "co": facts.country, "is": issuer, "ci": uvci}
    if isinstance(facts, VaccinationFacts):
        return "v", {
            **common,
            "vp": facts.vaccine_prophylaxis,
            "mp": facts.medicinal_product,
            "ma": facts.manufacturer,
            "dn": facts.dose_number,
            "sd": facts.total_doses,
            "dt": facts.given_on.isoformat(),
        }
    if isinstance(facts, TestFacts):
        entry = {
            **common,
            "tt": facts.test_type,
            "sc": facts.sampled_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "tr": facts.result,
            "tc": facts.facility[:80],
        }
        if facts.test_name:
            entry["nm"] = facts.test_name[:80]
        if facts.device:
            entry["ma"] = facts.device
        return "t", entry
    if isinstance(facts, RecoveryFacts):
        return "r", {
            **common,
            "fr": facts.first_positive_on.isoformat(),
            "df": facts.valid_from.isoformat(),
            "du": facts.valid_until.isoformat(),
        }
    raise TypeError(f"not certificate facts: {facts!r}")


def dcc_payload(*, person, facts: Facts, uvci: str) -> dict:
    kind, entry = _entry(facts, uvci)
    return {"ver": SCHEMA_VERSION, "nam": _name(person), "dob": _dob(person), kind: [entry]}


def _expiry(facts: Facts, issued_at: dt.datetime) -> dt.datetime:
    if isinstance(facts, VaccinationFacts):
        # QĐ 5772/QĐ-BYT: the vaccination certificate is valid 12 months (RULES.md §5), counted from issue.
        return issued_at + dt.timedelta(days=settings.DCC_VACCINATION_VALIDITY_DAYS)
    if isinstance(facts, TestFacts):
        # A test result vouches for a window after the sample was taken (72 h: RULES.md §5, yellow card).
        return facts.sampled_at + dt.timedelta(hours=settings.DCC_TEST_VALIDITY_HOURS)
    # Recovery: valid until the end of `du` (an inclusive date), Vietnam time.
    return dt.datetime.combine(facts.valid_until + dt.timedelta(days=1), dt.time(), tzinfo=LOCAL_TZ)


def _valid_from(facts: Facts) -> dt.datetime | None:
    # Recovery: from the start of `df` (an inclusive date), Vietnam time, as its expiry.
    if isinstance(facts, RecoveryFacts):
        return dt.datetime.combine(facts.valid_from, dt.time(), tzinfo=LOCAL_TZ)
    return None


def facts_hash(facts: Facts, person) -> str:
    """Changes when anything printed on the certificate changes (the record's facts or the person's name/DOB)."""
    data = {"type": type(facts).__name__, "facts": asdict(facts), "nam": _name(person), "dob": _dob(person)}
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


# --- Issuing ---------------------------------------------------------------------------------------


def certificate_issue(*, person, source_key: str, facts: Facts, now: dt.datetime | None = None) -> Certificate:
    """The current certificate for (person, source_key), issuing it when there is none or when the facts
    changed (the old one is then revoked with reason "superseded"). A certificate an official revoked stays
    revoked: it is returned, not replaced, until the facts change. Validates the payload against the schema
    before signing: invalid facts raise certificate_facts_invalid and write nothing."""
    now = now or timezone.now()
    digest = facts_hash(facts, person)
    current = Certificate.objects.filter(person=person, source_key=source_key, is_current=True).first()
    if current is not None and current.facts_hash == digest:
        return current
    issued_at = now.replace(microsecond=0)
    expires_at = _expiry(facts, issued_at)
    if expires_at <= issued_at:
        # A test sampled more than DCC_TEST_VALIDITY_HOURS ago (or a recovery past `du`): never sign exp <= iat.
        raise ApplicationError(
            errors.CERTIFICATE_VALIDITY_ENDED, extra={"source_key": source_key, "expired_at": local_iso(expires_at)}
        )
    uvci = new_uvci()
    payload = dcc_payload(person=person, facts=facts, uvci=uvci)
    problems = dcc.schema_errors(payload)
    if problems:
        raise ApplicationError(errors.CERTIFICATE_FACTS_INVALID, extra={"source_key": source_key, "errors": problems})
    signer = keys.signer()
    qr_text = dcc.dcc_encode(
        payload=payload,
        private_key=signer.private_key,
        kid=signer.kid,
        issuer_country=settings.DCC_ISSUER_COUNTRY,
        issued_at=issued_at,
        expires_at=expires_at,
    )
    try:
        with transaction.atomic():
            if current is not None:
                updated = Certificate.objects.filter(pk=current.pk, is_current=True).update(
                    is_current=False,
                    revoked_at=current.revoked_at or now,
                    revoked_reason=current.revoked_reason or "superseded",
                )
                if not updated:
                    raise IntegrityError("superseded concurrently")
            certificate = Certificate.objects.create(
                person=person,
                kind=dcc.certificate_type_of(payload),
                source_key=source_key,
                facts_hash=digest,
                uvci=uvci,
                uci_hash=dcc.uci_hash(uvci),
                payload=payload,
                qr_text=qr_text,
                kid=signer.kid.hex(),
                issued_at=issued_at,
                expires_at=expires_at,
                valid_from=_valid_from(facts),
                area_path=person.area_path,
            )
            audit_record(
                actor=None,
                action="certificates.certificate.issued",
                obj=certificate,
                area_path=person.area_path,
                extra={"source_key": source_key, "kind": certificate.kind},
            )
    except IntegrityError:
        # Another request issued it at the same moment: theirs is the current one.
        return Certificate.objects.get(person=person, source_key=source_key, is_current=True)
    return certificate


def _current_certificates(person, now) -> list[Certificate]:
    """A current certificate for every record the sources list (issued now if needed), newest first. A record
    whose validity has already ended (a test sampled more than DCC_TEST_VALIDITY_HOURS ago) gets no new
    certificate: it could only be refused at every check; one issued while it was valid stays listed.

    The facts are read and signed under the person's row lock, which a change that a certificate would contradict
    takes first (cases.services.case_outcome_undo): read before that change committed, a recovery would be signed for
    a case under treatment again."""
    issued = []
    with transaction.atomic():
        list(Person.objects.select_for_update(no_key=True).filter(pk=person.pk).values_list("pk", flat=True))
        for source_key, facts in certificate_facts_for(person):
            try:
                issued.append(certificate_issue(person=person, source_key=source_key, facts=facts, now=now))
            except ApplicationError as error:
                if error.error is not errors.CERTIFICATE_VALIDITY_ENDED:
                    raise
    return sorted(issued, key=lambda certificate: (certificate.issued_at, certificate.pk), reverse=True)


def certificates_for_citizen(*, person, ip: str | None = None, now: dt.datetime | None = None) -> list[Certificate]:
    """What a verified citizen sees: their current certificates (_current_certificates), marked expired where
    they are. The look-up is audited like any read of a person's record."""
    issued = _current_certificates(person, now)
    audit_record(
        actor=None,
        action="certificates.certificate.listed_by_citizen",
        obj=person,
        area_path=person.area_path,
        reason="citizen look-up (one-time code)",
        ip=ip,
        extra={"certificates": [certificate.pk for certificate in issued]},
    )
    return issued


def certificates_for_person_by_official(
    *, actor, person, ip: str | None = None, now: dt.datetime | None = None
) -> list[Certificate]:
    """The same certificates, issued at the desk by an official of the person's area for a person without a
    smartphone, to print (the paper certificate handed over at the commune health station). Officials who see
    people, of the person's area only (others: not_found, as if the person did not exist); audited as
    `certificates.certificate.issued_at_desk` with the official."""
    if not has_role(actor, *PEOPLE_ROLES):
        raise ApplicationError(core_errors.PERMISSION_DENIED)
    if not area_visible(actor, person.area_path):
        raise ApplicationError(core_errors.NOT_FOUND)
    issued = _current_certificates(person, now)
    audit_record(
        actor=actor,
        action="certificates.certificate.issued_at_desk",
        obj=person,
        area_path=person.area_path,
        reason="printed for the person at the desk",
        ip=ip,
        extra={"certificates": [certificate.pk for certificate in issued]},
    )
    return issued


def certificate_revoke(*, actor, certificate: Certificate, reason: str, ip: str | None = None) -> Certificate:
    """Revoke a certificate of the actor's area (others answer not_found). Its UCI hash joins the public
    revocation list at once; the local verifier refuses it as `revoked`."""
    if not area_visible(actor, certificate.area_path):
        raise ApplicationError(core_errors.NOT_FOUND)
    reason = (reason or "").strip()
    if not 1 <= len(reason) <= 255:
        raise ApplicationError(errors.CERTIFICATE_REVOKE_REASON_REQUIRED)
    now = timezone.now()
    with transaction.atomic():
        updated = Certificate.objects.filter(pk=certificate.pk, revoked_at__isnull=True).update(
            revoked_at=now, revoked_reason=reason, revoked_by=actor
        )
        if not updated:
            raise ApplicationError(errors.CERTIFICATE_ALREADY_REVOKED)
        audit_record(
            actor=actor,
            action="certificates.certificate.revoked",
            obj=certificate,
            area_path=certificate.area_path,
            reason=reason,
            ip=ip,
        )
    certificate.refresh_from_db()
    return certificate


def certificates_revoke_for_source(*, actor, source_key: str, reason: str) -> int:
    """Revoke every certificate not yet revoked that was issued from `source_key` (its record has changed: a
    negative result corrected to positive), whoever's area: the caller changed the record itself. The UCI
    hashes join the revocation list at once. Audited per certificate. Returns how many were revoked."""
    reason = " ".join((reason or "").split())[:255] or "source changed"
    now = timezone.now()
    revoked = 0
    with transaction.atomic():
        for certificate in Certificate.objects.select_for_update().filter(
            source_key=source_key, revoked_at__isnull=True
        ):
            Certificate.objects.filter(pk=certificate.pk).update(
                revoked_at=now,
                revoked_reason=reason,
                revoked_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
            audit_record(
                actor=actor,
                action="certificates.certificate.revoked",
                obj=certificate,
                area_path=certificate.area_path,
                reason=reason,
                extra={"source_key": source_key},
            )
            revoked += 1
    return revoked


# --- Verifying with the province's trust list ----------------------------------------------------


def _locally_revoked(own: frozenset[bytes]):
    def revoked(outcome: dcc.VerifyOutcome) -> bool:
        uci = outcome.uci
        if outcome.kid not in own or not uci:
            return False  # another issuer's certificate: its revocation list is not ours to know
        return Certificate.objects.filter(uci_hash=dcc.uci_hash(uci), revoked_at__isnull=False).exists()

    return revoked


def dcc_verify_local(qr_text: str, *, at: dt.datetime | None = None, trust=None) -> dcc.VerifyOutcome:
    """dcc_verify with the province's trust list (or `trust`) and the local revocation list for this province's
    own certificates. Their payloads were validated against the schema before signing (certificate_issue), so a
    verified signature by our key stands for that check; any other issuer's is checked and reported (lenient)."""
    own = keys.own_kids()
    return dcc.dcc_verify(
        qr_text,
        trust=trust if trust is not None else keys.province_trust_list(),
        at=at or timezone.now(),
        revoked=_locally_revoked(own),
        prevalidated_kids=own,
        max_chars=settings.DCC_MAX_QR_CHARS,
        max_decompressed=settings.DCC_MAX_DECOMPRESSED_BYTES,
    )
