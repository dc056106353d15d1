from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditLog(models.Model):
    """Who did or saw what, when and why. Written by services, never by views.

    `area_path` is the area of the record concerned, so that an official's view of the log can be
    scoped like everything else.
    """

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=200, blank=True)  # kept when the user is deleted; devices too
    action = models.CharField(max_length=100, db_index=True)  # dotted: people.person.viewed
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    area_path = models.CharField(max_length=255, blank=True)
    reason = models.CharField(max_length=255, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    extra = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_type}:{self.object_id}"


class IdempotencyKey(models.Model):
    """A write already answered, so that a client repeating it with the same key gets the same answer.

    Stored in the same transaction as the write itself: either both are there or neither.
    """

    principal = models.CharField(max_length=100)  # user:<id>, device:<id> or anon
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response_body = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["principal", "key"], name="idempotency_key_unique")]


class ExportJob(models.Model):
    """A spreadsheet an official asked for, built by a background task (core.exports) and kept for a while
    (EXPORT_KEEP_HOURS) for them alone to download. Its rows are read with the requester's own scope when the
    task runs."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(max_length=50)  # a registered builder: "cases.worklist"
    params = models.JSONField(default=dict, blank=True)  # the page's filters
    language = models.CharField(max_length=10, blank=True)  # the requester's: the file's words are in it
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    rows_total = models.PositiveIntegerField(null=True, blank=True)
    rows_done = models.PositiveIntegerField(default=0)
    filename = models.CharField(max_length=200, blank=True)  # what the browser saves it as
    stored_as = models.CharField(max_length=100, blank=True)  # the file's name in EXPORT_DIR, once written
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.kind} #{self.pk} ({self.status})"
