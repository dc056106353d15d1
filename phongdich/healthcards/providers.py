"""The input providers this app registers itself (see inputs.py): what exists today is declarations."""

from datetime import datetime, timedelta

from .inputs import SYMPTOMS_LOOKBACK_DAYS

_PRECISION = timedelta(minutes=1)


def declarations_provider(*, person, at: datetime) -> dict:
    """The moment of the person's latest declaration reporting a symptom, within the look-back.

    declarations.selectors.declaration_symptoms_since(person=, since=) answers yes or no; being monotone
    in `since`, a bisection finds the latest such declaration to the minute in about 17 indexed queries
    over one person's declarations (run once per declaration or per day, not per scan).
    """
    from phongdich.declarations.selectors import declaration_symptoms_since

    low = at - timedelta(days=SYMPTOMS_LOOKBACK_DAYS)
    if not declaration_symptoms_since(person=person, since=low):
        return {}
    # Invariant: a symptomatic declaration at or after `low`, none at or after `high`. The selector has no
    # upper bound: evaluating a past moment, a later declaration counts as made at `at` (status_compute is
    # run for the present; the tests of the past feed their inputs through providers of their own).
    high = at + _PRECISION
    if declaration_symptoms_since(person=person, since=high):
        return {"symptoms_declared_at": (at,)}
    while high - low > _PRECISION:
        middle = low + (high - low) / 2
        if declaration_symptoms_since(person=person, since=middle):
            low = middle
        else:
            high = middle
    return {"symptoms_declared_at": (min(low, at),)}
