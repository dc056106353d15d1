"""Reactions of the status card to other domains (signals documented where they are sent)."""

from django.dispatch import receiver

from phongdich.cases.signals import person_case_facts_changed
from phongdich.core.queue import enqueue
from phongdich.declarations.signals import declaration_submitted

from .services import status_cards_refresh

CARDS_PER_TASK = 500


@receiver(declaration_submitted, dispatch_uid="healthcards.declaration_submitted")
def refresh_status_on_declaration(sender, declaration, **kwargs):
    """A new declaration may change the colour (symptoms): recompute the person's card (after commit; a card that
    cannot be computed never turns the committed declaration's answer into a 500: status_cards_refresh)."""
    status_cards_refresh([declaration.person_id])


@receiver(person_case_facts_changed, dispatch_uid="healthcards.person_case_facts_changed")
def refresh_status_on_case_facts(sender, person_ids, **kwargs):
    """A case entered, ended or withdrawn, a quarantine begun or ended: recompute the persons' cards (after commit),
    so that the QR code shown at an entrance has the colour of now, not of the card's last computation. One person
    (a case, a contact's page) at once; a move of many in the background, in parts (a card takes ~7 ms: 200 cards
    held a bulk quarantine's answer 1.4-1.9 s)."""
    from .tasks import status_cards_refresh_task

    if len(person_ids) == 1:
        status_cards_refresh(person_ids)
        return
    for start in range(0, len(person_ids), CARDS_PER_TASK):
        enqueue(status_cards_refresh_task, list(person_ids[start : start + CARDS_PER_TASK]))
