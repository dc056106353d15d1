"""Reads of certificates. Officials see only their area's (core.scoping); reading one is audited."""

from django.db.models import QuerySet
from django.utils import timezone

from phongdich.core import errors as core_errors
from phongdich.core.audit import audit_record
from phongdich.core.errors import ApplicationError
from phongdich.core.scoping import scope_q

from .models import Certificate

STATUSES = ("valid", "not_yet_valid", "expired", "revoked")


def certificate_list(*, viewer, kind: str = "", status: str = "") -> QuerySet[Certificate]:
    """Certificates of people in the viewer's area, newest first. `status`: "valid" (neither revoked nor
    expired, and begun: a recovery certificate counts from its `df`), "not_yet_valid" (a recovery certificate before
    its `df`), "expired" (not revoked, past its expiry), "revoked" or "" (all)."""
    certificates = Certificate.objects.filter(scope_q(viewer, "area_path")).select_related("person")
    if kind in Certificate.Kind.values:
        certificates = certificates.filter(kind=kind)
    if status == "revoked":
        certificates = certificates.filter(revoked_at__isnull=False)
    elif status == "valid":
        now = timezone.now()
        certificates = certificates.filter(revoked_at__isnull=True, expires_at__gt=now).exclude(valid_from__gt=now)
    elif status == "not_yet_valid":
        certificates = certificates.filter(revoked_at__isnull=True, valid_from__gt=timezone.now())
    elif status == "expired":
        certificates = certificates.filter(revoked_at__isnull=True, expires_at__lte=timezone.now())
    return certificates


def certificate_get(*, viewer, certificate_id: int, ip: str | None = None) -> Certificate:
    """One certificate of the viewer's area, where it was issued or where its person is filed now (a person who
    moved is printed for at the new commune's desk); others: not_found. Its read audited."""
    in_scope = scope_q(viewer, "area_path") | scope_q(viewer, "person__area_path")
    certificate = Certificate.objects.filter(in_scope, pk=certificate_id).select_related("person").first()
    if certificate is None:
        raise ApplicationError(core_errors.NOT_FOUND)
    audit_record(
        actor=viewer, action="certificates.certificate.viewed", obj=certificate, area_path=certificate.area_path, ip=ip
    )
    return certificate


def revoked_uci_hashes() -> list[dict]:
    """The public revocation list: SHA-256 (hex) of each revoked UVCI and when it was revoked. Nothing else
    (no names, no reasons): a hash cannot be turned back into an identifier."""
    rows = Certificate.objects.filter(revoked_at__isnull=False).order_by("revoked_at", "id")
    return [{"uci_sha256": uci_hash, "revoked_at": at} for uci_hash, at in rows.values_list("uci_hash", "revoked_at")]


def certificate_issued_for(*, person_id: int, source_key: str) -> bool:
    """Whether a certificate (current, superseded or revoked) was ever issued to the person from `source_key`: asked
    by the app that owns the record before it takes back what the certificate attests (cases.services.
    case_outcome_undo). A yes or no about a record the caller holds, not a read of the certificate (through the
    person's index)."""
    return Certificate.objects.filter(person_id=person_id, source_key=source_key).exists()
