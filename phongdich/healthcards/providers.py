"""The input providers this app registers itself (see inputs.py): what exists today is declarations."""

from datetime import datetime, timedelta

from .inputs import SYMPTOMS_LOOKBACK_DAYS

_PRECISION = timedelta(minutes=1)


def declarations_provider(*, person, at: datetime) -> dict:
    """The moment of the person's latest declaration reporting a symptom, within the look-back.

    Usually one query: the latest declaration (declarations.selectors.declaration_latest) is the one that
    reported the symptom, or there is no symptom in the look-back at all (a second query). Otherwise
    declaration_symptoms_since(person=, since=) answers yes or no and, being monotone in `since`, a bisection
    between the look-back and the latest declaration finds the moment to the minute (about 17 indexed queries
    over one person's declarations; run when a declaration arrives or once a day, not per scan).
    """
    from phongdich.declarations.selectors import declaration_latest, declaration_symptoms_since

    low = at - timedelta(days=SYMPTOMS_LOOKBACK_DAYS)
    latest = declaration_latest(person=person)
    if latest is None or latest.submitted_at < low:
        return {}
    if latest.submitted_at <= at and latest.symptoms:
        return {"symptoms_declared_at": (latest.submitted_at,)}
    if not declaration_symptoms_since(person=person, since=low):
        return {}
    # Invariant: a symptomatic declaration at or after `low`, none at or after `high`. The selector has no
    # upper bound: evaluating a past moment, a later declaration counts as made at `at` (status_compute is
    # run for the present; the tests of the past feed their inputs through providers of their own).
    high = min(latest.submitted_at, at + _PRECISION)
    if declaration_symptoms_since(person=person, since=high):
        return {"symptoms_declared_at": (min(high, at),)}
    while high - low > _PRECISION:
        middle = low + (high - low) / 2
        if declaration_symptoms_since(person=person, since=middle):
            low = middle
        else:
            high = middle
    return {"symptoms_declared_at": (min(low, at),)}
