"""Periodic work of the check-in domain, scheduled in config/celery.py. Each task is repeatable (acks_late)."""

from celery import shared_task

from . import services


@shared_task(name="phongdich.checkins.tasks.checkins_auto_checkout")
def checkins_auto_checkout() -> int:
    """Close visits past their venue type's auto_checkout_minutes (services.checkin_auto_checkout)."""
    return services.checkin_auto_checkout()


@shared_task(name="phongdich.checkins.tasks.checkins_rollup_and_prune")
def checkins_rollup_and_prune() -> dict:
    """Roll finished days into anonymous counts, then delete check-ins past retention (rolled days only), and the
    claim codes expired a day ago (hourly is often enough for those, and needs no schedule of its own)."""
    rolled = services.checkin_rollup()
    deleted = services.checkin_prune()
    codes = services.claim_codes_prune()
    return {"rolled": [day.isoformat() for day in rolled], "deleted": deleted, "claim_codes_deleted": codes}
