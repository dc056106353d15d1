"""Reactions of the status card to other domains (signals documented where they are sent)."""

import logging

from django.dispatch import receiver

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
