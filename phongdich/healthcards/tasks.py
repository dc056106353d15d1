"""Background work of the status card."""

from celery import shared_task


@shared_task(acks_late=True)
def status_cards_refresh_task(person_ids: list[int]) -> int:
    """Compute these persons' cards again after a change of many at once (receivers.refresh_status_on_case_facts).
    Repeatable: a card computed twice is the same card."""
    from .services import status_cards_refresh

    return status_cards_refresh(person_ids)
