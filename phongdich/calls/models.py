"""Robot-call tracing campaigns: an automatic switchboard calls the phones of people who may have been exposed
around a case, reads them the place and time, and records the key they press.

Data only: campaigns are built by calls.services.call_campaign_create, calls are placed by the dispatcher
(services.calls_dispatch, beat every minute) and their results written by services.call_result_apply.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CallCampaign(models.Model):
    """One round of robot calls for one case: the targets it took and where it stands."""

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("campaign status", "Draft")
        RUNNING = "running", pgettext_lazy("campaign status", "Running")
        PAUSED = "paused", pgettext_lazy("campaign status", "Paused")
        FINISHED = "finished", pgettext_lazy("campaign status", "Finished")
        CANCELLED = "cancelled", pgettext_lazy("campaign status", "Cancelled")

    CLOSED_STATUSES = (Status.FINISHED, Status.CANCELLED)
    # A call's unanswered attempt is tried again only in these (services._after_attempt).
    CALLING_STATUSES = (Status.RUNNING, Status.PAUSED)

    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.PROTECT,
        related_name="call_campaigns",
        verbose_name=pgettext_lazy("model", "case"),
    )
    # The case's area when the campaign was made: scoping (an official sees the campaigns of their subtree).
    area_path = models.CharField(max_length=255, db_index=True, verbose_name=_("area path"))
    include_f1_candidates = models.BooleanField(default=False, verbose_name=_("F1 candidates"))
    include_f1_confirmed = models.BooleanField(default=False, verbose_name=_("F1 confirmed or in quarantine"))
    include_f2 = models.BooleanField(default=False, verbose_name=_("F2 and further"))
    include_telecom_unknown = models.BooleanField(default=False, verbose_name=_("unknown subscribers (telecom)"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT, verbose_name=_("status"))
    # The script as the switchboard reads it, with {place} and {time} for each target (services.DEFAULT_SCRIPT when
    # made): kept with the campaign so that what was read stays known if the default changes.
    script_template = models.TextField(verbose_name=_("script"))
    # What building it left out, shown to the official: numbers that are not Vietnamese phone numbers, phones an
    # earlier campaign of the case already took, people who live outside the official's area.
    skipped_invalid = models.PositiveIntegerField(default=0, verbose_name=_("invalid numbers skipped"))
    skipped_called = models.PositiveIntegerField(default=0, verbose_name=_("numbers already called"))
    skipped_outside = models.PositiveIntegerField(default=0, verbose_name=_("people outside the area"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(verbose_name=_("created at"))
    started_at = models.DateTimeField(null=True, blank=True, verbose_name=_("started at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))

    class Meta:
        verbose_name = _("robot-call campaign")
        verbose_name_plural = _("robot-call campaigns")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The dispatcher's first read, every minute: the running campaigns.
            models.Index(fields=["status"], name="calls_campaign_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["draft", "running", "paused", "finished", "cancelled"]),
                name="calls_campaign_status_valid",
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.get_status_display()}"

    @property
    def is_closed(self) -> bool:
        return self.status in self.CLOSED_STATUSES


class Call(models.Model):
    """One phone of a campaign: its attempts, the key pressed and what came of it.

    A call waits to be placed while `next_attempt_at` is set (queued, or a retry after no answer, busy or a
    failure); it is `dialing` from the moment it is placed until its result. It is over (final) when it was
    answered or cancelled, or when a retryable status has no next attempt left (CALLS_MAX_ATTEMPTS reached).
    """

    class Status(models.TextChoices):
        QUEUED = "queued", pgettext_lazy("call status", "Queued")
        DIALING = "dialing", pgettext_lazy("call status", "Dialing")
        ANSWERED = "answered", pgettext_lazy("call status", "Answered")
        NO_ANSWER = "no_answer", pgettext_lazy("call status", "No answer")
        BUSY = "busy", pgettext_lazy("call status", "Busy")
        FAILED = "failed", pgettext_lazy("call status", "Failed")
        CANCELLED = "cancelled", pgettext_lazy("call status", "Cancelled")

    RETRY_STATUSES = (Status.NO_ANSWER, Status.BUSY, Status.FAILED)

    class Outcome(models.TextChoices):
        NONE = "", "—"
        PRESENT = "present", _("Was there (key 1)")
        NOT_PRESENT = "not_present", _("Was not there (key 2)")
        NO_CHOICE = "no_choice", _("Answered, pressed no key")

    class StopReason(models.TextChoices):
        """Why nobody is to call this number (a cancelled call), or why no SMS followed a key 1 (an answered call):
        the campaign page shows it with the call."""

        NONE = "", "—"
        CAMPAIGN_CANCELLED = "campaign_cancelled", _("Campaign cancelled")
        CASE_WITHDRAWN = "case_withdrawn", _("Case withdrawn (not a case)")
        CONTACT_DISMISSED = "contact_dismissed", _("Contact dismissed")
        CONTACT_BECAME_CASE = "contact_became_case", _("Contact became a case (F0)")
        CONTACT_RELEASED = "contact_released", _("Contact released from quarantine")
        CONTACT_CASE_WITHDRAWN = "contact_case_withdrawn", _("Contact's cases withdrawn")
        CONTACT_CLOSED = "contact_closed", _("No longer a contact to call")
        RETENTION = "retention", _("Number forgotten (retention)")

    class Source(models.TextChoices):
        CONTACT = "contact", _("Contact")
        TELECOM = "telecom", _("Unknown subscriber (telecom)")

    class PlacedVia(models.TextChoices):
        NONE = "", "—"
        OUTBOX = "outbox", _("Call-centre staff")
        HTTP = "http", _("Automatic switchboard")

    campaign = models.ForeignKey(
        CallCampaign, on_delete=models.CASCADE, related_name="calls", verbose_name=_("campaign")
    )
    phone = models.CharField(max_length=16, verbose_name=_("phone number"))  # E.164
    source = models.CharField(max_length=10, choices=Source.choices, verbose_name=_("source"))
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("person")
    )
    contact = models.ForeignKey(
        "cases.Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="robot_calls",
        verbose_name=_("contact"),
    )
    level = models.PositiveSmallIntegerField(null=True, blank=True, verbose_name=_("level"))
    # What the script reads for this target: a place and a time, never a person (services.call_script).
    place = models.CharField(max_length=255, blank=True, verbose_name=_("place of exposure"))
    exposure_start = models.DateTimeField(null=True, blank=True, verbose_name=_("exposure start"))
    exposure_end = models.DateTimeField(null=True, blank=True, verbose_name=_("exposure end"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED, verbose_name=_("status"))
    attempts = models.PositiveSmallIntegerField(default=0, verbose_name=_("attempts"))
    next_attempt_at = models.DateTimeField(null=True, blank=True, verbose_name=_("next attempt at"))
    # While its campaign is paused, a waiting call's next attempt is kept here, out of the dispatcher's index
    # (services.call_campaign_action): a paused backlog costs the dispatcher nothing.
    parked_next_attempt_at = models.DateTimeField(null=True, blank=True, verbose_name=_("next attempt, paused"))
    # Placements the switchboard refused (down, overloaded): not attempts, the person was never called; retried
    # with a growing delay, up to services.PLACE_REFUSALS_MAX.
    refusals = models.PositiveSmallIntegerField(default=0, verbose_name=_("placements refused"))
    # For an unknown subscriber: when the telecom trace that listed the number was run. The number goes when that
    # trace does (TELECOM_RETENTION_DAYS, services.calls_telecom_prune); `pruned` marks a call already done so.
    telecom_trace_at = models.DateTimeField(null=True, blank=True, verbose_name=_("telecom trace run at"))
    pruned = models.BooleanField(default=False, verbose_name=_("number forgotten (retention)"))
    last_attempt_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last attempt at"))
    placed_via = models.CharField(
        max_length=10, choices=PlacedVia.choices, default="", blank=True, verbose_name=_("placed via")
    )
    key = models.CharField(max_length=1, blank=True, verbose_name=_("key pressed"))
    outcome = models.CharField(
        max_length=12, choices=Outcome.choices, default="", blank=True, verbose_name=_("outcome")
    )
    stop_reason = models.CharField(
        max_length=24, choices=StopReason.choices, default="", blank=True, verbose_name=_("reason stopped")
    )
    result_at = models.DateTimeField(null=True, blank=True, verbose_name=_("result at"))
    provider_id = models.CharField(max_length=100, blank=True, verbose_name=_("switchboard call ID"))
    last_error = models.CharField(max_length=500, blank=True, verbose_name=_("last error"))
    # Who recorded the outcome by hand (outbox switchboard); None: the switchboard.
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    # The SMS asking a person who pressed 1 to declare: at most one per call.
    sms = models.OneToOneField(
        "notifications.Message",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("SMS sent"),
    )

    class Meta:
        verbose_name = _("robot call")
        verbose_name_plural = _("robot calls")
        ordering = ["id"]
        indexes = [
            # The dispatcher, every minute: calls waiting to be placed, oldest first (only those rows).
            models.Index(
                fields=["next_attempt_at", "id"], condition=Q(next_attempt_at__isnull=False), name="calls_due_idx"
            ),
            # The dispatcher's timeout sweep: calls placed and waiting for their result.
            models.Index(fields=["last_attempt_at"], condition=Q(status="dialing"), name="calls_dialing_idx"),
            # The campaign page's counts and list.
            models.Index(fields=["campaign", "status"], name="calls_campaign_status_idx2"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "phone"], name="calls_one_per_phone"),
            models.CheckConstraint(
                condition=Q(status__in=["queued", "dialing", "answered", "no_answer", "busy", "failed", "cancelled"]),
                name="calls_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(outcome__in=["", "present", "not_present", "no_choice"]), name="calls_outcome_valid"
            ),
            models.CheckConstraint(
                condition=Q(
                    stop_reason__in=[
                        "",
                        "campaign_cancelled",
                        "case_withdrawn",
                        "contact_dismissed",
                        "contact_became_case",
                        "contact_released",
                        "contact_case_withdrawn",
                        "contact_closed",
                        "retention",
                    ]
                ),
                name="calls_stop_reason_valid",
            ),
            # An outcome only for an answered call.
            models.CheckConstraint(condition=Q(outcome="") | Q(status="answered"), name="calls_outcome_answered"),
            models.CheckConstraint(
                condition=Q(exposure_start__isnull=True)
                | Q(exposure_end__isnull=True)
                | Q(exposure_end__gte=F("exposure_start")),
                name="calls_exposure_ordered",
            ),
        ]

    def __str__(self):
        return f"{self.campaign_id}:{self.pk} {self.status}"

    @staticmethod
    def waiting_q() -> Q:
        """Calls still to be placed: due (next_attempt_at) or kept while their campaign is paused."""
        return Q(next_attempt_at__isnull=False) | Q(parked_next_attempt_at__isnull=False)

    @property
    def is_final(self) -> bool:
        if self.status in (self.Status.ANSWERED, self.Status.CANCELLED):
            return True
        return (
            self.status in self.RETRY_STATUSES and self.next_attempt_at is None and self.parked_next_attempt_at is None
        )
