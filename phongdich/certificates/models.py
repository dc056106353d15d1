"""EU DCC certificates issued by the province. Data only: certificates.services issues and revokes them."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Certificate(models.Model):
    """One signed EU DCC (vaccination, test or recovery) for one record of another app.

    `source_key` names that record ("vaccination.dose:42", certificates.sources): issuing it again returns the
    current certificate; when the record's facts change, the current one is revoked ("superseded") and a new
    one becomes current. Revoked certificates are kept: their UCI hashes make the revocation list.
    """

    class Kind(models.TextChoices):
        VACCINATION = "v", _("Vaccination")
        TEST = "t", _("Test")
        RECOVERY = "r", _("Recovery")

    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="dcc_certificates", verbose_name=_("person")
    )
    kind = models.CharField(max_length=1, choices=Kind.choices, verbose_name=_("certificate type"))
    source_key = models.CharField(max_length=100, verbose_name=_("source record"))
    # SHA-256 of the facts it was issued from.
    facts_hash = models.CharField(max_length=64, verbose_name=_("hash of the facts"))
    is_current = models.BooleanField(default=True, verbose_name=_("current"))
    uvci = models.CharField(max_length=80, unique=True, verbose_name=_("UVCI"))
    # SHA-256 hex of uvci: the revocation list entry.
    uci_hash = models.CharField(max_length=64, db_index=True, verbose_name=_("UCI hash"))
    payload = models.JSONField(verbose_name=_("certificate content"))
    qr_text = models.TextField(verbose_name=_("QR code text"))
    # Hex of the signer certificate's kid.
    kid = models.CharField(max_length=16, verbose_name=_("signing key ID"))
    issued_at = models.DateTimeField(verbose_name=_("issued at"))
    expires_at = models.DateTimeField(verbose_name=_("expires at"))
    # When a recovery certificate begins to count (its `df`, at 00:00 Vietnam time): a verifier refuses it before.
    # Null for the others, valid from issue.
    valid_from = models.DateTimeField(null=True, blank=True, verbose_name=_("valid from"))
    revoked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("revoked at"))
    revoked_reason = models.CharField(max_length=255, blank=True, verbose_name=_("reason for revoking"))
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("revoked by"),
    )
    # The person's, for scoping.
    area_path = models.CharField(max_length=255, db_index=True, verbose_name=_("area path"))

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
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

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_not_yet_valid(self) -> bool:
        return self.valid_from is not None and self.valid_from > timezone.now()

    @property
    def last_valid_at(self):
        """The last moment it counts, to show: a recovery certificate counts through its `du` day, inclusive (its
        expiry is the next day's 00:00); the others to their expiry."""
        if self.kind == self.Kind.RECOVERY:
            return self.expires_at - dt.timedelta(microseconds=1)
        return self.expires_at

    @property
    def dose_of_series(self) -> str:
        """ "2/2" for a vaccination certificate (the EU DCC's dn/sd), "" for a test or recovery certificate."""
        entries = (self.payload or {}).get("v") or []
        if not entries:
            return ""
        return f"{entries[0].get('dn', '?')}/{entries[0].get('sd', '?')}"
