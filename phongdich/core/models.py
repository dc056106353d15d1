from django.conf import settings
from django.db import models


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
