"""The input providers this app registers itself (see inputs.py): what exists today is declarations."""

from datetime import datetime, timedelta

from .inputs import SYMPTOMS_LOOKBACK_DAYS


def declarations_provider(*, person, at: datetime) -> dict:
    """The moment of the person's latest declaration reporting a symptom within the look-back (one query)."""
    from phongdich.declarations.selectors import declaration_last_symptom_at

    moment = declaration_last_symptom_at(person=person, since=at - timedelta(days=SYMPTOMS_LOOKBACK_DAYS), until=at)
    return {"symptoms_declared_at": (moment,)} if moment is not None else {}
