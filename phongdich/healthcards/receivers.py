"""Reactions of the status card to other domains (signals documented where they are sent)."""

import logging

from django.dispatch import receiver

from phongdich.cases.signals import person_case_facts_changed
from phongdich.core.errors import ApplicationError
from phongdich.declarations.signals import declaration_submitted

from .services import status_card_refresh, status_cards_refresh

logger = logging.getLogger(__name__)

CARDS_PER_TASK = 500


@receiver(declaration_submitted, dispatch_uid="healthcards.declaration_submitted")
def refresh_status_on_declaration(sender, declaration, **kwargs):
    """A new declaration may change the colour (symptoms): recompute the person's card (after commit)."""
    try:
        status_card_refresh(person=declaration.person)
    except ApplicationError as exc:  # no rule set in force: the card is computed once there is one
        logger.warning("status card of person %s not computed: %s", declaration.person_id, exc)
    except Exception:
        # The declaration is committed already: a failing card (a later app's provider, say) must not turn its
        # answer into a 500. The card is computed again on demand (status_card_current).
        logger.exception("status card of person %s not computed", declaration.person_id)


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
        status_cards_refresh_task.delay(list(person_ids[start : start + CARDS_PER_TASK]))
