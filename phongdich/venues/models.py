import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from phongdich.core.models import NamedInBothLanguages

# The venue rule "a declaration made within the last N hours is required before check-in" (issue 3, item 3) is
# bounded by the 14 days the declaration's questions look back over (RULES.md §6: "Trong vòng 14 ngày qua").
DECLARATION_REQUIRED_MAX_HOURS = 14 * 24


def new_code_token() -> str:
    # 128 random bits in 22 URL-safe characters: unguessable, short enough for a sparse QR code.
    return secrets.token_urlsafe(16)


class VenueType(NamedInBothLanguages, models.Model):
    """Kinds of "Điểm kiểm dịch" (seeds 001, 002, 004) with the stay after which a visit is closed."""

    code = models.CharField(verbose_name=_("code"), max_length=30, primary_key=True)
    name_vi = models.CharField(verbose_name=_("name in Vietnamese"), max_length=100)
    name_en = models.CharField(verbose_name=_("name in English"), max_length=100)
    # A visit nobody checked out of is closed this long after check-in (see checkins.services).
    auto_checkout_minutes = models.PositiveIntegerField(
        verbose_name=_("automatic check-out after (minutes)"), default=120
    )
    order = models.PositiveSmallIntegerField(verbose_name=_("display order"), default=0)

    class Meta:
        verbose_name = _("venue type")
        verbose_name_plural = _("venue types")
        ordering = ["order", "code"]


class Venue(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("venue status", "Pending verification")
        VERIFIED = "verified", pgettext_lazy("venue status", "Verified")
        REJECTED = "rejected", pgettext_lazy("venue status", "Rejected")
        SUSPENDED = "suspended", pgettext_lazy("venue status", "Suspended")

    class RegisteredVia(models.TextChoices):
        PUBLIC_FORM = "public_form", _("Registered online")
        OFFICIAL = "official", _("Entered by an official")
        IMPORT = "import", _("Imported from a file")

    name = models.CharField(verbose_name=_("name"), max_length=200)
    name_folded = models.CharField(
        verbose_name=_("name without diacritics"), max_length=200, db_index=True, editable=False
    )
    venue_type = models.ForeignKey(
        VenueType, verbose_name=_("venue type"), on_delete=models.PROTECT, related_name="venues"
    )
    area = models.ForeignKey("geo.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="venues")
    # copy of area.path
    area_path = models.CharField(verbose_name=_("area path"), max_length=255, db_index=True, editable=False)
    street_address = models.CharField(verbose_name=_("street address"), max_length=255)
    latitude = models.DecimalField(verbose_name=_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(verbose_name=_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    contact_name = models.CharField(verbose_name=_("contact person"), max_length=150, blank=True)
    contact_phone = models.CharField(verbose_name=_("contact phone"), max_length=16, blank=True)  # E.164
    tax_code = models.CharField(verbose_name=_("tax code"), max_length=20, blank=True)
    status = models.CharField(
        verbose_name=_("status"), max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    status_reason = models.CharField(verbose_name=_("reason for rejection or suspension"), max_length=500, blank=True)
    status_changed_at = models.DateTimeField(verbose_name=_("status changed at"), null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("status changed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    registered_via = models.CharField(verbose_name=_("registered via"), max_length=20, choices=RegisteredVia.choices)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Null: no rule. N: a person without a health declaration made within the last N hours answers the short
    # declaration on the check-in page, recorded with the check-in (declarations.services).
    declaration_required_hours = models.PositiveSmallIntegerField(
        verbose_name=_("health declaration required within (hours)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(DECLARATION_REQUIRED_MAX_HOURS)],
        help_text=_("Leave empty for no requirement."),
    )
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("venue")
        verbose_name_plural = _("venues")
        ordering = ["name_folded", "id"]
        indexes = [models.Index(fields=["area_path", "status"])]

    def __str__(self):
        return self.name


class VenueMembership(models.Model):
    """Who manages a venue or works its entrances (control staff)."""

    class Role(models.TextChoices):
        MANAGER = "manager", pgettext_lazy("venue role", "Manager")
        STAFF = "staff", pgettext_lazy("venue role", "Control staff")

    venue = models.ForeignKey(Venue, verbose_name=_("venue"), on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="venue_memberships"
    )
    role = models.CharField(verbose_name=_("role"), max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("venue membership")
        verbose_name_plural = _("venue memberships")
        constraints = [models.UniqueConstraint(fields=["venue", "user"], name="venue_membership_unique")]


class VenueCode(models.Model):
    """One QR code of a venue, usually one per entrance (seed 004: spread people over several points)."""

    venue = models.ForeignKey(Venue, verbose_name=_("venue"), on_delete=models.CASCADE, related_name="codes")
    label = models.CharField(verbose_name=_("entrance"), max_length=100)  # entrance: "Cổng chính", "Cổng phụ"
    token = models.CharField(
        verbose_name=_("QR token"), max_length=32, unique=True, default=new_code_token, editable=False
    )
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)
    revoked_at = models.DateTimeField(verbose_name=_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("venue code")
        verbose_name_plural = _("venue codes")
        ordering = ["venue_id", "id"]

    def __str__(self):
        return f"{self.venue} – {self.label}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
