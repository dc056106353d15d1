"""Reactions of the status card to other domains (signals documented where they are sent)."""

import logging

from django.dispatch import receiver

from phongdich.cases.signals import person_case_facts_changed
from phongdich.core.errors import ApplicationError
from phongdich.declarations.signals import declaration_submitted

from .services import status_card_refresh

logger = logging.getLogger(__name__)


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
def refresh_status_on_case_facts(sender, person_id, **kwargs):
    """A case entered, ended or withdrawn, a quarantine begun or ended: recompute the person's card (after commit),
    so that the QR code shown at an entrance has the colour of now, not of the card's last computation."""
    from phongdich.people.models import Person

    person = Person.objects.filter(pk=person_id).first()
    if person is None:
        return
    try:
        status_card_refresh(person=person)
    except ApplicationError as exc:  # no rule set in force: the card is computed once there is one
        logger.warning("status card of person %s not computed: %s", person_id, exc)
    except Exception:  # the change is committed already: never a 500 for the card
        logger.exception("status card of person %s not computed", person_id)
