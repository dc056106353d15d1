"""Demo robot calls (called by core.demo inside its transaction, after the cases and telecom demos).

One campaign for the demo case with the most contacts, built by the district official as on the case's page,
started and run through the dispatcher once (the outbox switchboard: the calls wait for call-centre staff), then
three results recorded by hand: one person was there (an SMS goes to the outbox), one was not, one did not answer
(tried again later). The rest wait to be dialled on the campaign page.
"""

import datetime as dt

from django.db.models import Count
from django.utils import timezone

from phongdich.cases.models import Case
from phongdich.core.errors import ApplicationError

from . import services

OFFICIAL = "huyen.thachthanh"  # core.demo.DEMO_LOGIN: the campaign is on the pages the demo opens with


def _within_hours(now: dt.datetime) -> dt.datetime:
    """10:00 today, or yesterday when it has not come yet: a time within the default calling hours, in the past."""
    local = timezone.localtime(now)
    at = local.replace(hour=10, minute=0, second=0, microsecond=0)
    return at if at <= local else at - dt.timedelta(days=1)


def demo_extend(*, builder, log) -> None:
    official = builder.users.get(OFFICIAL)
    # The traced case with the most contacts (the testing demo's positive result opens a case with none).
    case = (
        Case.objects.exclude(status=Case.Status.WITHDRAWN)
        .annotate(contacts=Count("links__contact", distinct=True))
        .filter(contacts__gt=0)
        .order_by("-contacts", "pk")
        .first()
    )
    if official is None or case is None:
        log("  calls: no demo case; no campaign")
        return
    try:
        campaign = services.call_campaign_create(
            actor=official, case_id=case.pk, f1_candidates=True, f1_confirmed=True, f2=True
        )
    except ApplicationError as exc:
        log(f"  calls: no campaign ({exc.code})")
        return
    at = _within_hours(timezone.now())
    services.call_campaign_action(
        actor=official, campaign_id=campaign.pk, action="start", now=at - dt.timedelta(minutes=5)
    )
    services.calls_dispatch(now=at)
    placed = list(campaign.calls.filter(status="dialing").order_by("id").values_list("pk", flat=True)[:3])
    for call_id, result in zip(placed, ["present", "not_present", "no_answer"], strict=False):
        services.call_outcome_record(actor=official, call_id=call_id, result=result, now=at + dt.timedelta(minutes=10))
    log(f"  calls: campaign #{campaign.pk} for {case.number}, {campaign.calls.count()} calls, {len(placed)} results")
