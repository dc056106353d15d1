from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .text import english_active


class NamedInBothLanguages:
    """Reference data kept with `name_vi` and `name_en` (venue types, ports of entry, priority groups): `name`,
    and so the admin's and forms' labels, follow the active language."""

    @property
    def name(self) -> str:
        return self.name_en if english_active() and self.name_en else self.name_vi

    def __str__(self):
        return self.name


class AuditLog(models.Model):
    """Who did or saw what, when and why. Written by services, never by views.

    `area_path` is the area of the record concerned, so that an official's view of the log can be
    scoped like everything else.
    """

    at = models.DateTimeField(auto_now_add=True, db_index=True, verbose_name=_("time"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("actor"),
    )
    # Kept when the user is deleted; devices too.
    actor_label = models.CharField(max_length=200, blank=True, verbose_name=_("actor name"))
    action = models.CharField(max_length=100, db_index=True, verbose_name=_("action"))  # dotted: people.person.viewed
    object_type = models.CharField(max_length=100, blank=True, verbose_name=_("record type"))
    object_id = models.CharField(max_length=64, blank=True, verbose_name=_("record ID"))
    area_path = models.CharField(max_length=255, blank=True, verbose_name=_("area path"))
    reason = models.CharField(max_length=255, blank=True, verbose_name=_("reason"))
    ip = models.GenericIPAddressField(null=True, blank=True, verbose_name=_("IP address"))
    extra = models.JSONField(default=dict, blank=True, verbose_name=_("details"))

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["object_type", "object_id"])]
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log entries")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_type}:{self.object_id}"


class IdempotencyKey(models.Model):
    """A write already answered, so that a client repeating it with the same key gets the same answer.

    Stored in the same transaction as the write itself: either both are there or neither.
    """

    principal = models.CharField(max_length=100, verbose_name=_("requester"))  # user:<id>, device:<id> or anon
    key = models.CharField(max_length=255, verbose_name=_("key"))
    method = models.CharField(max_length=10, verbose_name=_("HTTP method"))
    path = models.CharField(max_length=255, verbose_name=_("URL path"))
    request_hash = models.CharField(max_length=64, verbose_name=_("request hash"))
    status_code = models.PositiveSmallIntegerField(verbose_name=_("response status code"))
    response_body = models.JSONField(null=True, verbose_name=_("response body"))
    created_at = models.DateTimeField(auto_now_add=True, db_index=True, verbose_name=_("created at"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["principal", "key"], name="idempotency_key_unique")]
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")


class ExportJob(models.Model):
    """A spreadsheet an official asked for, built by a background task (core.exports) and kept for a while
    (EXPORT_KEEP_HOURS) for them alone to download. Its rows are read with the requester's own scope when the
    task runs."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(max_length=50, verbose_name=_("kind"))  # a registered builder: "cases.worklist"
    params = models.JSONField(default=dict, blank=True, verbose_name=_("filters"))  # the page's filters
    # The requester's: the file's words are in it.
    language = models.CharField(max_length=10, blank=True, verbose_name=_("language"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("requested by")
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED, verbose_name=_("status"))
    rows_total = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("total rows"))
    rows_done = models.PositiveIntegerField(default=0, verbose_name=_("rows done"))
    filename = models.CharField(max_length=200, blank=True, verbose_name=_("file name"))  # what the browser saves it as
    # The file's name in EXPORT_DIR, once written.
    stored_as = models.CharField(max_length=100, blank=True, verbose_name=_("stored as"))
    error = models.CharField(max_length=500, blank=True, verbose_name=_("error"))
    created_at = models.DateTimeField(auto_now_add=True, db_index=True, verbose_name=_("created at"))
    started_at = models.DateTimeField(null=True, blank=True, verbose_name=_("started at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))
    # Starts of its task (past TASK_MAX_ATTEMPTS the job fails instead) and its last sign of life (its start, its
    # progress, its queueing again by exports.exports_sweep).
    attempts = models.PositiveSmallIntegerField(default=0, verbose_name=_("attempts"))
    progress_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last progress"))
    # Copies of its task the sweep queued since it last started (a start sets it back to 0): past TASK_MAX_REQUEUES
    # the job waits, queued, without more (core.queue.stale_work_requeue).
    requeues = models.PositiveSmallIntegerField(default=0, verbose_name=_("copies queued again"))
    # What the file was built for, recorded when it is asked for (core.exports.export_allowed): the requester's area
    # and role, when the role is one the export reads an area's records under ("" and "": a superuser, everything;
    # NULL: no area), and the venues whose records a member of them gets. The file is served only while the
    # requester still holds that role in an area containing that one, and those venues. A job from before these were
    # recorded has neither: only a superuser may download it.
    area_path = models.CharField(max_length=255, null=True, blank=True, verbose_name=_("area path"))
    role = models.CharField(max_length=30, blank=True, verbose_name=_("role"))
    venue_ids = models.JSONField(default=list, blank=True, verbose_name=_("venues"))

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("export job")
        verbose_name_plural = _("export jobs")

    def __str__(self):
        return f"{self.kind} #{self.pk} ({self.status})"


class UnpublishedTask(models.Model):
    """A background task whose message the broker refused after its transaction had committed (Redis down, say).

    The work it stands for (a message to send, an import, an export, a card to recompute) is committed already
    and was acknowledged to the user; so the task is kept here instead of being lost, and
    `core.tasks.unpublished_tasks_publish` hands it to Celery again once the broker answers (core.queue)."""

    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("time"))
    name = models.CharField(max_length=200, verbose_name=_("task"))  # Celery's registered name
    args = models.JSONField(default=list, verbose_name=_("arguments"))
    kwargs = models.JSONField(default=dict, verbose_name=_("keyword arguments"))
    attempts = models.PositiveIntegerField(default=1, verbose_name=_("attempts"))
    last_error = models.CharField(max_length=500, blank=True, verbose_name=_("last error"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("unpublished task")
        verbose_name_plural = _("unpublished tasks")

    def __str__(self):
        return f"{self.name} {self.args}"


class OneTimeCode(models.Model):
    """A one-time code sent by SMS (core.otp); only its keyed hash is stored. Each app that sends codes owns a
    subclass with the person it proves and its own constraints (testing.LookupCode, checkins.ClaimCode)."""

    # The random id kept in the browser's session that asked for this code (the form never carries it).
    challenge = models.CharField(max_length=64, db_index=True, verbose_name=_("challenge"))
    code_hash = models.CharField(max_length=128, verbose_name=_("code hash"))
    created_at = models.DateTimeField(verbose_name=_("created at"))
    expires_at = models.DateTimeField(verbose_name=_("expires at"))
    # Wrong tries, counted in the database: a new session or a cleared cookie does not reset them.
    attempts = models.PositiveSmallIntegerField(default=0, verbose_name=_("attempts"))
    used_at = models.DateTimeField(null=True, blank=True, verbose_name=_("used at"))

    class Meta:
        abstract = True

    def usable(self, *, now, max_attempts: int) -> bool:
        return self.used_at is None and self.expires_at > now and self.attempts < max_attempts
