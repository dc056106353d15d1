"""The one way to send a person a message: `notify(...)` stores it, then a task sends it after commit."""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from phongdich.core.queue import enqueue
from phongdich.core.text import without_diacritics

from .backends import SmsSendError, sms_send
from .models import Message

MASK = "••••••"


def notify(*, phone: str, text: str, kind: str, person=None, secret: bool = False) -> Message | None:
    """Queue an SMS to `phone` (E.164). Returns the stored message, or None when there is no phone.

    The message is written in the caller's transaction and sent only once that commits, so a rolled-back
    result or registration never sends a message. `secret` messages (one-time codes) are masked once sent.
    """
    if not phone:
        return None
    if getattr(settings, "SMS_WITHOUT_DIACRITICS", True):
        text = without_diacritics(text)
    message = Message.objects.create(kind=kind, phone=phone, person=person, text=text, secret=secret)
    transaction.on_commit(lambda: _enqueue(message.pk))
    return message


def _enqueue(message_id: int) -> None:
    from .tasks import message_send_task

    enqueue(message_send_task, message_id)


def message_deliver(message_id: int) -> bool:
    """Send a stored message once. True when it is sent (or was already), False to retry later."""
    with transaction.atomic():
        message = Message.objects.select_for_update().filter(pk=message_id).first()
        if message is None or message.status == Message.Status.SENT:
            return True
        message.attempts += 1
        try:
            message.gateway_id = sms_send(to=message.phone, text=message.text, message_id=message.pk)
        except SmsSendError as exc:
            message.status = Message.Status.FAILED
            message.last_error = str(exc)[:500]
            message.save(update_fields=["attempts", "status", "last_error"])
            return False
        message.status = Message.Status.SENT
        message.sent_at = timezone.now()
        message.last_error = ""
        if message.secret:
            message.text = MASK
        message.save()
        return True


def messages_sent_to(phone: str, kind: str | None = None):
    """Messages stored for `phone`, newest first (the admin's outbox and tests read them here)."""
    qs = Message.objects.filter(phone=phone).order_by("-created_at", "-pk")
    return qs.filter(kind=kind) if kind else qs


# The sending task retries a failing gateway up to MAX_ATTEMPTS times (tasks.message_send_task: max_retries 8).
MAX_ATTEMPTS = 9
# A message still unsent this long after it was stored has lost its task: a retry the broker refused, a worker
# lost with its queue (Redis keeps nothing on disk), a publish kept and dropped. Long enough for the task's own
# retries to be under way (their backoff starts at 30 s).
UNSENT_AFTER = dt.timedelta(minutes=15)
# Older ones are no longer worth sending (a result's "look it up" SMS two days late is noise).
UNSENT_UNTIL = dt.timedelta(days=2)


def messages_unsent_requeue(*, now=None) -> int:
    """Queue again the messages that should have been sent by now and were not (beat, every 15 minutes); how many.

    Not one-time codes (secret): they are valid for minutes and the person asks for another. Safe with a retry
    that is still pending: message_deliver locks the message and sends it once (a SENT message is left alone)."""
    now = now or timezone.now()
    stale = Message.objects.filter(
        status__in=[Message.Status.QUEUED, Message.Status.FAILED],
        created_at__lt=now - UNSENT_AFTER,
        created_at__gte=now - UNSENT_UNTIL,
        attempts__lt=MAX_ATTEMPTS,
        secret=False,
    )
    ids = list(stale.order_by("created_at").values_list("pk", flat=True)[:5000])
    for message_id in ids:
        _enqueue(message_id)
    return len(ids)
