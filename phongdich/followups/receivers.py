"""Reactions of the follow-up domain to other domains' signals. Connected in FollowupsConfig.ready.

`declarations.signals.declaration_submitted` (sent after the declaration's transaction commits, with
`declaration=`): a flagged declaration (any symptom or exposure answered) gets a follow-up task for the
health station of the commune where the person lives (followups.services.followup_task_create_for_declaration).
The receiver runs in the submitting request's thread; creating a task is one short transaction. If it
fails, the declaration stands (it is already committed) and `followups_backfill` creates the task later.
"""

import logging

from .services import followup_task_create_for_declaration

logger = logging.getLogger(__name__)


def on_declaration_submitted(sender, *, declaration, **kwargs):
    if not declaration.flagged:
        return
    try:
        followup_task_create_for_declaration(declaration=declaration)
    except Exception:  # the citizen's declaration must not fail for the queue; the backfill catches up
        logger.exception("follow-up task for declaration %s not created; run followups_backfill", declaration.pk)
