"""Messages sent to people (SMS): one-time codes, test results, vaccination invitations.

Each message is stored before it is sent (the outbox), so nothing acknowledged to a user is lost if the
gateway is down: the sending task retries, and officials see every message and its state in the admin.
"""

from django.db import models


class Message(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Chờ gửi"
        SENT = "sent", "Đã gửi"
        FAILED = "failed", "Gửi lỗi"

    kind = models.CharField(max_length=40, db_index=True)  # "otp", "test_result", "vaccination_invite", ...
    phone = models.CharField(max_length=16)  # E.164
    person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # One-time codes are secrets: the outbox keeps them only until sent (then `text` is masked).
    text = models.TextField()
    secret = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    gateway_id = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["phone", "created_at"])]

    def __str__(self):
        return f"{self.kind} → {self.phone} ({self.status})"
