"""EU DCC certificates issued by the province. Data only: certificates.services issues and revokes them."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Certificate(models.Model):
    """One signed EU DCC (vaccination, test or recovery) for one record of another app.

    `source_key` names that record ("vaccination.dose:42", certificates.sources): issuing it again returns the
    current certificate; when the record's facts change, the current one is revoked ("superseded") and a new
    one becomes current. Revoked certificates are kept: their UCI hashes make the revocation list.
    """

    class Kind(models.TextChoices):
        VACCINATION = "v", "Tiêm chủng"
        TEST = "t", "Xét nghiệm"
        RECOVERY = "r", "Khỏi bệnh"

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="dcc_certificates")
    kind = models.CharField(max_length=1, choices=Kind.choices)
    source_key = models.CharField(max_length=100)
    facts_hash = models.CharField(max_length=64)  # SHA-256 of the facts it was issued from
    is_current = models.BooleanField(default=True)
    uvci = models.CharField(max_length=80, unique=True)
    uci_hash = models.CharField(max_length=64, db_index=True)  # SHA-256 hex of uvci: the revocation list entry
    payload = models.JSONField()
    qr_text = models.TextField()
    kid = models.CharField(max_length=16)  # hex of the signer certificate's kid
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=255, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    area_path = models.CharField(max_length=255, db_index=True)  # the person's, for scoping

    class Meta:
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "source_key"], condition=Q(is_current=True), name="certificate_one_current_per_source"
            ),
            models.CheckConstraint(condition=Q(kind__in=["v", "t", "r"]), name="certificate_kind_valid"),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | ~Q(revoked_reason=""), name="certificate_revoked_has_reason"
            ),
        ]
        indexes = [
            # The revocation list: revoked certificates, newest first.
            models.Index(fields=["revoked_at"], name="certificate_revoked_idx", condition=Q(revoked_at__isnull=False)),
        ]

    def __str__(self):
        return self.uvci

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
