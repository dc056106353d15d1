"""Follow-up of flagged health declarations: one task per declaration, and the calls made about it.

Data only: tasks are created by followups.services.followup_task_create_for_declaration (from the
`declaration_submitted` signal or the `followups_backfill` command) and changed only by its services.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class FollowUpTask(models.Model):
    """A flagged declaration waiting for the health station of the commune where the person lives.

    `area` is that commune (docs/followups.md "Which commune"); when the address is known only above
    commune level, the lowest known area, with `area_is_commune` False so that the queue says so.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Not contacted yet")
        REACHED = "reached", _("Reached")
        REFERRED_TEST = "referred_test", _("Referred for a test")
        CLEARED = "cleared", _("Closed, no risk found")
        UNREACHABLE = "unreachable", _("Could not be reached")

    # A task in these statuses is in the queue; the others are closed (closed_at is set).
    OPEN_STATUSES = (Status.OPEN, Status.REACHED)
    CLOSED_STATUSES = (Status.REFERRED_TEST, Status.CLEARED, Status.UNREACHABLE)

    declaration = models.OneToOneField(
        "declarations.Declaration",
        on_delete=models.CASCADE,
        related_name="followup_task",
        verbose_name=_("health declaration"),
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="followup_tasks", verbose_name=_("person")
    )
    area = models.ForeignKey(
        "geo.Area", on_delete=models.PROTECT, related_name="followup_tasks", verbose_name=_("area")
    )
    area_path = models.CharField(max_length=255, verbose_name=_("area path"))
    area_is_commune = models.BooleanField(default=True, verbose_name=_("area is a commune"))
    # Why the declaration was flagged, written at triage in both languages (the answers are in the declaration).
    reason_vi = models.TextField(verbose_name=_("reason (Vietnamese)"))
    reason_en = models.TextField(verbose_name=_("reason (English)"))
    has_symptoms = models.BooleanField(default=False, verbose_name=_("has symptoms"))
    has_exposure = models.BooleanField(default=False, verbose_name=_("has exposure"))
    # The declaration's own time: the queue's age is counted from it (a paper form typed in later is not newer).
    declared_at = models.DateTimeField(verbose_name=_("declared at"))
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN, verbose_name=_("status"))
    created_at = models.DateTimeField(db_index=True, verbose_name=_("created at"))
    closed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("closed at"))
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="followup_tasks",
        verbose_name=_("assigned to"),
    )
    calls_count = models.PositiveIntegerField(default=0, verbose_name=_("number of calls"))
    last_call_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last call at"))

    class Meta:
        ordering = ["declared_at", "id"]
        verbose_name = _("follow-up task")
        verbose_name_plural = _("follow-up tasks")
        indexes = [
            # The queue page: open tasks in an official's subtree, oldest first.
            models.Index(fields=["status", "area_path", "declared_at"], name="followup_queue_idx"),
            # Declaration statistics: tasks of a subtree that were open at some time.
            models.Index(fields=["area_path", "declared_at"], name="followup_area_time_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(status__in=["open", "reached"]) & Q(closed_at__isnull=True))
                | (Q(status__in=["referred_test", "cleared", "unreachable"]) & Q(closed_at__isnull=False)),
                name="followup_closed_at_iff_closed",
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.get_status_display()} ({self.area})"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class FollowUpCall(models.Model):
    """One call (or visit) an official made about a task, with its outcome."""

    class Outcome(models.TextChoices):
        REACHED = "reached", _("Reached")
        REFERRED_TEST = "referred_test", pgettext_lazy("call outcome", "Referred for a test")
        CLEARED = "cleared", _("No risk found, closed")
        COULD_NOT_REACH = "could_not_reach", _("Could not reach")

    task = models.ForeignKey(
        FollowUpTask, on_delete=models.CASCADE, related_name="calls", verbose_name=_("follow-up task")
    )
    official = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="followup_calls", verbose_name=_("official")
    )
    at = models.DateTimeField(verbose_name=_("time of the call"))
    outcome = models.CharField(max_length=20, choices=Outcome.choices, verbose_name=_("outcome"))
    notes = models.TextField(blank=True, max_length=2000, verbose_name=_("notes"))
    # True when this call closed the task (the outcome, or "stop trying" after could_not_reach).
    closed_task = models.BooleanField(default=False, verbose_name=_("closed the task"))
    recorded_at = models.DateTimeField(verbose_name=_("recorded at"))
    # The page form's nonce: a double submission records one call.
    nonce = models.CharField(max_length=64, null=True, blank=True, unique=True, verbose_name=_("form nonce"))

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("follow-up call")
        verbose_name_plural = _("follow-up calls")

    def __str__(self):
        return f"{self.task_id}: {self.outcome} at {self.at:%Y-%m-%d %H:%M}"


class FollowUpHandover(models.Model):
    """A task handed from one area to another: the person's commune found at last (the address was known only
    to the district or province), or the person lives in another commune than the one that got the task."""

    task = models.ForeignKey(
        FollowUpTask, on_delete=models.CASCADE, related_name="handovers", verbose_name=_("follow-up task")
    )
    from_area = models.ForeignKey(
        "geo.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("handed over from")
    )
    to_area = models.ForeignKey("geo.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("handed to"))
    official = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("official")
    )
    at = models.DateTimeField(verbose_name=_("time"))
    note = models.TextField(blank=True, max_length=500, verbose_name=_("note"))

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("follow-up hand-over")
        verbose_name_plural = _("follow-up hand-overs")

    def __str__(self):
        return f"{self.task_id}: {self.from_area_id} → {self.to_area_id}"
