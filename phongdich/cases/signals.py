"""Signals of the cases domain: reactions across domains only (the main flow is in services).

`person_case_facts_changed` is sent AFTER the transaction that changed them commits (transaction.on_commit), once
per person whose case facts (cases.selectors.case_facts_for_person) changed: a case entered, its outcome recorded or
the case withdrawn; a contact put in quarantine or released. One keyword argument:

    person_id: int — the person's id.

Who listens: healthcards, which computes the person's status card again (a case under treatment or a quarantine
makes it red), so that the QR code a person shows does not keep a stale colour until the card's validity ends.
Receivers run in the request's thread after the commit: keep them short or queue a task.
"""

from django.db import transaction
from django.dispatch import Signal

person_case_facts_changed = Signal()


def send_person_case_facts_changed(person_id: int) -> None:
    """Send the signal for `person_id` once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: person_case_facts_changed.send(sender=None, person_id=person_id))
