"""Signals of the declarations domain: reactions across domains only (the main flow is in services).

`declaration_submitted` is sent once per new declaration, AFTER the transaction that wrote it commits
(transaction.on_commit), with one keyword argument:

    declaration: declarations.models.Declaration — the saved, complete declaration (person loaded).

A declaration re-sent with the same nonce is not new and sends nothing. Receivers run in the request's
thread after the commit: keep them short or queue a task. Who listens:
- followups (issue 3, item 4): a flagged declaration creates a follow-up task for the commune where the
  person lives;
- healthcards (issue 3, item 5): symptoms declared change the person's status colour.
"""

from django.dispatch import Signal

declaration_submitted = Signal()
