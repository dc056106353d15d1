from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from phongdich.core.models import OneTimeCode


class ScannerDevice(models.Model):
    """A phone or scanner used by control staff. Authenticates to the API with a bearer token.

    Only a hash of the token is stored; the token is shown once when the device is registered.
    """

    is_device = True  # lets services and the audit log tell a device from a user

    name = models.CharField(verbose_name=_("name"), max_length=100)
    venue = models.ForeignKey("venues.Venue", verbose_name=_("venue"), on_delete=models.CASCADE, related_name="devices")
    token_hash = models.CharField(verbose_name=_("token hash"), max_length=64, unique=True)
    # shown in lists so staff can tell devices apart
    token_prefix = models.CharField(verbose_name=_("token prefix"), max_length=8)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)
    revoked_at = models.DateTimeField(verbose_name=_("revoked at"), null=True, blank=True)

    # DRF's IsAuthenticated asks request.user.is_authenticated; a device answers for itself.
    is_authenticated = True
    is_anonymous = False
    is_superuser = False

    class Meta:
        verbose_name = _("scanner device")
        verbose_name_plural = _("scanner devices")

    def __str__(self):
        return f"{self.name} ({self.token_prefix}…)"


class CheckIn(models.Model):
    """One visit of a person to a venue: time in, time out, and how it was recorded.

    `checked_in_at` is when the scan happened (the device's clock for offline batches);
    `received_at` is when the server stored it. Both are kept.
    """

    class Source(models.TextChoices):
        SELF_SCAN = "self_scan", _("Citizen scanned the venue's code")
        STAFF_SCAN = "staff_scan", _("Staff scanned the personal code")
        PAPER = "paper", pgettext_lazy("check-in source", "Paper form")
        OFFLINE_BATCH = "offline_batch", _("Sent by a device once back online")
        ID_CARD = "id_card", _("Staff scanned a citizen ID card")

    class CheckoutKind(models.TextChoices):
        PERSON = "person", _("Citizen tapped check-out")
        STAFF = "staff", pgettext_lazy("check-out kind", "Recorded by staff")
        AUTO = "auto", _("Automatic, after the usual stay")

    # Every index costs each check-in a write, and this is the hottest table. person and venue are covered
    # by the composite indexes below; code, device and recorded_by are only followed from a check-in, and
    # their rows are revoked rather than deleted, so they get no index of their own.
    person = models.ForeignKey(
        "people.Person", verbose_name=_("person"), on_delete=models.CASCADE, related_name="checkins", db_index=False
    )
    venue = models.ForeignKey(
        "venues.Venue", verbose_name=_("venue"), on_delete=models.PROTECT, related_name="checkins", db_index=False
    )
    code = models.ForeignKey(
        "venues.VenueCode",
        verbose_name=_("venue code"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="checkins",
        db_index=False,
    )
    # the venue's area path at check-in time, for scoping
    area_path = models.CharField(verbose_name=_("area path"), max_length=255)
    checked_in_at = models.DateTimeField(verbose_name=_("time in"))
    checked_out_at = models.DateTimeField(verbose_name=_("time out"), null=True, blank=True)
    checkout_kind = models.CharField(
        verbose_name=_("how checked out"), max_length=10, choices=CheckoutKind.choices, blank=True
    )
    received_at = models.DateTimeField(verbose_name=_("received by the server at"))
    source = models.CharField(verbose_name=_("how recorded"), max_length=20, choices=Source.choices)
    device = models.ForeignKey(
        ScannerDevice,
        verbose_name=_("scanner device"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    # Client-generated id (or Idempotency-Key) with the sender it belongs to: a repeat records nothing.
    nonce_scope = models.CharField(verbose_name=_("nonce scope"), max_length=40, blank=True)
    nonce = models.CharField(verbose_name=_("nonce"), max_length=64, null=True, blank=True)
    # The three questions asked at the door (symptoms, contact with a case, travel in the last 14 days).
    has_symptoms = models.BooleanField(verbose_name=_("symptoms"), null=True)
    had_contact = models.BooleanField(verbose_name=_("contact with a case"), null=True)
    travelled = models.BooleanField(verbose_name=_("travel in the last 14 days"), null=True)

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        constraints = [
            models.UniqueConstraint(fields=["nonce_scope", "nonce"], name="checkin_nonce_unique"),
            models.CheckConstraint(
                condition=Q(checked_out_at__isnull=True) | Q(checked_out_at__gte=F("checked_in_at")),
                name="checkin_out_after_in",
            ),
        ]
        indexes = [
            # Venue history, "active venues in the last 7 days", and tracing's reads of who was at a venue. The
            # INCLUDE columns are what tracing reads of a visit (PostgreSQL only; SQLite ignores them): it then
            # reads the index alone, where fetching each row from the table cost one page per row (a factory's
            # fortnight is scattered over tens of thousands of pages). docs/cases.md, "Query plan".
            models.Index(
                fields=["venue", "checked_in_at"],
                include=["id", "person", "checked_out_at", "checkout_kind"],
                name="checkin_venue_time",
            ),
            # A person's movements (tracing), the same way.
            models.Index(
                fields=["person", "checked_in_at"],
                include=["id", "venue", "checked_out_at", "checkout_kind"],
                name="checkin_person_time",
            ),
            # Area lists and statistics over a period, and the retention purge (oldest first).
            models.Index(fields=["checked_in_at", "area_path"]),
            # An area's check-ins of any time: the officials' list counts them (checkins 0006).
            models.Index(fields=["area_path"], name="checkin_area", opclasses=["varchar_pattern_ops"]),
            # The auto check-out sweep looks only at open visits.
            models.Index(fields=["checked_in_at"], condition=Q(checked_out_at__isnull=True), name="checkin_open"),
        ]

    def __str__(self):
        return f"{self.person_id} @ {self.venue_id} {self.checked_in_at:%Y-%m-%d %H:%M}"


class VenueDailyCount(models.Model):
    """Anonymous check-in counts per venue and local day. They outlive the check-ins (retention)."""

    venue = models.ForeignKey(
        "venues.Venue", verbose_name=_("venue"), on_delete=models.CASCADE, related_name="daily_counts"
    )
    area_path = models.CharField(verbose_name=_("area path"), max_length=255)
    day = models.DateField(verbose_name=_("day"))
    checkins = models.PositiveIntegerField(verbose_name=_("number of check-ins"), default=0)

    class Meta:
        verbose_name = _("daily check-in count")
        verbose_name_plural = _("daily check-in counts")
        constraints = [models.UniqueConstraint(fields=["venue", "day"], name="venue_daily_count_unique")]
        indexes = [models.Index(fields=["day", "area_path"])]


class RollupState(models.Model):
    """Single row: every local day up to and including `rolled_through` is in VenueDailyCount.

    Statistics read counts for those days and raw check-ins for later days, so nothing is counted
    twice and nothing is lost when old check-ins are deleted.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    rolled_through = models.DateField(verbose_name=_("rolled up through"), null=True)

    class Meta:
        verbose_name = _("check-in rollup state")
        verbose_name_plural = _("check-in rollup states")


class ClaimCode(OneTimeCode):
    """A one-time code sent to the phone on a person's record, so that its owner can show their personal QR code
    on a phone that holds the record only as LINKED (checkins.views.LINKED_MARK; services.claim_code_send).

    In a table rather than in the session alone: the wrong tries must survive a new session (a cleared cookie
    would otherwise give a fresh 5 tries at the same code), and a used code must stay used."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+", verbose_name=_("person"))

    class Meta:
        verbose_name = _("device claim code")
        verbose_name_plural = _("device claim codes")
        # For the prune (services.claim_codes_prune); a code is found by its challenge (indexed, 256 random bits).
        indexes = [models.Index(fields=["expires_at"], name="checkins_claim_expiry_idx")]
