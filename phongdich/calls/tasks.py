"""Periodic work of robot calls (scheduled in config/celery.py)."""

import dataclasses

from celery import shared_task

from .services import calls_dispatch, calls_telecom_prune


@shared_task
def calls_dispatch_task() -> dict:
    """Every minute: place the due calls of running campaigns (services.calls_dispatch)."""
    return dataclasses.asdict(calls_dispatch())


@shared_task
def calls_telecom_prune_task() -> int:
    """Hourly: forget unknown subscribers' numbers past the telecom retention (services.calls_telecom_prune)."""
    return calls_telecom_prune()
