"""Signals of the cases domain: reactions across domains only (the main flow is in services).

`person_case_facts_changed` is sent AFTER the transaction that changed them commits (transaction.on_commit), once
per change, for the persons whose case facts (cases.selectors.case_facts_for_person) changed: a case entered, its
outcome recorded or the case withdrawn; contacts put in quarantine or released (one signal for a move of many).
One keyword argument:

    person_ids: list[int] — the persons' ids.

Who listens: healthcards, which computes the persons' status cards again (a case under treatment or a quarantine
makes it red), so that the QR code a person shows does not keep a stale colour until the card's validity ends: one
person at once, many in a background task.
Receivers run in the request's thread after the commit: keep them short or queue a task.
"""

from django.db import transaction
from django.dispatch import Signal

person_case_facts_changed = Signal()


def send_person_case_facts_changed(person_ids: list[int]) -> None:
    """Send the signal for `person_ids` once the current transaction commits (at once outside one)."""
    if person_ids:
        ids = list(person_ids)
        transaction.on_commit(lambda: person_case_facts_changed.send(sender=None, person_ids=ids))
