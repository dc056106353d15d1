"""Signals of the cases domain: reactions across domains only (the main flow is in services).

`person_case_facts_changed` is sent AFTER the transaction that changed them commits (transaction.on_commit), once
per transaction (its changes are gathered: a lab sheet with 300 positives is one signal for 300 persons, not 300),
for the persons whose case facts (cases.selectors.case_facts_for_person) changed: a case entered, its outcome
recorded or the case withdrawn; contacts put in quarantine or released.
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
    """Send the signal for `person_ids` once the current transaction commits (at once outside one), together with
    the other persons the same transaction changed."""
    if not person_ids:
        return
    connection = transaction.get_connection()
    # The transaction is the outermost atomic block; in the tests, the outermost one not opened by the test case
    # around each test (Django marks those, as its own check of durable blocks reads them).
    blocks = [block for block in connection.atomic_blocks if not getattr(block, "_from_testcase", False)]
    if not blocks:
        ids = list(dict.fromkeys(person_ids))
        transaction.on_commit(lambda: person_case_facts_changed.send(sender=None, person_ids=ids))
        return
    gathered = getattr(connection, _GATHERED, None)
    # A gathering serves its transaction while its callback waits: not after it ran, nor once a rollback (of the
    # transaction or of the savepoint it was registered in) dropped it.
    if (
        gathered is None
        or gathered[0] is not blocks[0]
        or not any(entry[1] is gathered[1] for entry in connection.run_on_commit)
    ):
        ids: dict[int, None] = {}

        def send():
            setattr(connection, _GATHERED, None)
            person_case_facts_changed.send(sender=None, person_ids=list(ids))

        gathered = (blocks[0], send, ids)
        setattr(connection, _GATHERED, gathered)
        transaction.on_commit(send)
    gathered[2].update(dict.fromkeys(person_ids))


# (outermost atomic block, its callback, the ids gathered) of the open transaction, on its connection.
_GATHERED = "_phongdich_case_facts_changed"
