"""Periodic work of the follow-up queue (scheduled in config/celery.py)."""

import datetime as dt

from celery import shared_task
from django.utils import timezone

from .services import followup_backfill

# Looks back further than the schedule's interval, so a few missed runs lose nothing.
BACKFILL_LOOKBACK = dt.timedelta(days=2)


@shared_task
def followups_backfill():
    """A flagged declaration whose task was not created after its commit (a crash, a failed receiver) gets it
    here: nothing acknowledged is lost, it is late at most by the schedule's interval."""
    created, unplaced = followup_backfill(since=timezone.now() - BACKFILL_LOOKBACK)
    return {"created": created, "unplaced": unplaced}
