from celery import shared_task

from .services import message_deliver, messages_unsent_requeue


@shared_task(bind=True, max_retries=8, acks_late=True)
def message_send_task(self, message_id: int):
    """Send one queued message; on a gateway failure retry with backoff (30 s, 60 s, ... up to ~1 h)."""
    if not message_deliver(message_id):
        raise self.retry(countdown=min(30 * 2**self.request.retries, 3600))


@shared_task
def messages_unsent_requeue_task() -> int:
    """Messages left unsent past their time, queued again (services.messages_unsent_requeue)."""
    return messages_unsent_requeue()
