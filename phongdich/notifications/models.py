"""Messages sent to people (SMS): one-time codes, test results, vaccination invitations.

Each message is stored before it is sent (the outbox), so nothing acknowledged to a user is lost if the
gateway is down: the sending task retries, and officials see every message and its state in the admin.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Message(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to be sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Sending failed")

    # "otp", "test_result", "vaccination_invite", ...
    kind = models.CharField(max_length=40, db_index=True, verbose_name=_("kind"))
    phone = models.CharField(max_length=16, verbose_name=_("phone number"))  # E.164
    person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("person"),
    )
    # One-time codes are secrets: the outbox keeps them only until sent (then `text` is masked).
    text = models.TextField(verbose_name=_("text"))
    secret = models.BooleanField(default=False, verbose_name=_("secret (one-time code)"))
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True, verbose_name=_("status")
    )
    attempts = models.PositiveSmallIntegerField(default=0, verbose_name=_("sending attempts"))
    last_error = models.CharField(max_length=500, blank=True, verbose_name=_("last error"))
    gateway_id = models.CharField(max_length=100, blank=True, verbose_name=_("gateway message ID"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("sent at"))

    class Meta:
        indexes = [
            models.Index(fields=["phone", "created_at"]),
            # The sweep of messages left unsent (services.messages_unsent_requeue).
            models.Index(fields=["status", "created_at"], name="notify_status_created_idx"),
        ]
        verbose_name = _("message")
        verbose_name_plural = _("messages")

    def __str__(self):
        return f"{self.kind} → {self.phone} ({self.status})"
