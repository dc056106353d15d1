"""Reads of the health status card app."""

from datetime import date, datetime, timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from phongdich.accounts.selectors import official_of
from phongdich.geo.selectors import area_path_prefixes

from .models import StatusCard, StatusRuleSet


def verifies_cards(user) -> bool:
    """Who may open the card verifier (/health/verify/): officials and the staff of a venue, the people who scan
    at entrances, and the system administrator (a superuser) checking a province's setup: the page holds public
    keys only and reads nobody's data. The page and the menus ask the same question."""
    from phongdich.checkins.selectors import user_has_venue_membership

    if user is None or not getattr(user, "is_authenticated", False) or getattr(user, "is_device", False):
        return False
    return user.is_superuser or official_of(user) is not None or user_has_venue_membership(user)


def status_rule_set_in_force(*, area_path: str, at: datetime) -> StatusRuleSet | None:
    """The rule set in force at `at` for a person whose area is `area_path`.

    The latest effective_from ≤ at among the sets of the areas containing `area_path` (the province
    sets them); when there is none, the latest among the default sets (area null); else None.
    """
    # One query for both kinds of candidate (a province's sets and the defaults are few: tens at most).
    prefixes = area_path_prefixes(area_path or "")
    candidates = list(
        StatusRuleSet.objects.filter(Q(area__isnull=True) | Q(area__path__in=prefixes), effective_from__lte=at)
        .select_related("area")
        .order_by("-effective_from", "-id")
    )
    local = next((rule_set for rule_set in candidates if rule_set.area_id is not None), None)
    return local or next(iter(candidates), None)


def status_card_of(*, person) -> StatusCard | None:
    """The stored card of `person` (no personal data beyond the colour: for the person's own page and
    for services; officials read it through people's audited selectors)."""
    return StatusCard.objects.filter(person=person).select_related("rule_set").first()


# What each reason code of a card (rules.Decision.reasons: the inputs whose tests gave the colour) says to its
# holder. "no_other_rule": only the rule set's last, catch-all rule held.
_REASON_TEXTS = {
    "active_case": _("Under treatment as a COVID-19 case."),
    "in_quarantine": _("In quarantine."),
    "symptoms_within_days": _("Symptoms declared recently."),
    "full_vaccination": _("Fully vaccinated."),
    "first_dose": _("First vaccine dose given."),
    "negative_test": _("A recent negative test."),
    "recovered": _("Recovered from COVID-19."),
    # Only the catch-all held: which of the rules above did not is the rule set's business, so the words stay general
    # (a first dose under 14 days, an antigen test where RT-PCR is asked for, or no record at all).
    "no_other_rule": _(
        "No condition for a better colour is met yet (vaccination, recovery or a recent negative test, as the "
        "province's rules ask)."
    ),
}


# A quarantine whose end is known says its last day, as its holder counts days ("until the end of 11/12").
_IN_QUARANTINE_UNTIL = _("In quarantine until the end of %(day)s.")


def _lazy_percent(text, values: dict):
    """`text % values` in the language of the moment it is shown (the `bi` tag shows it in two)."""
    return lazy(lambda: str(text) % values, str)()


def status_quarantine_last_day(*, person, card: StatusCard | None, at: datetime | None = None) -> date | None:
    """The last day of the quarantine that gave `card` its colour, for its holder; None when the card does not name
    one. The inputs carry the moment the quarantine ends (in_quarantine_until: local midnight of the first day out,
    cases' quarantine_end, exclusive: docs/cases.md "Which day is which"), so the last day is the day before it."""
    if card is None or "in_quarantine" not in card.reasons:
        return None
    from .inputs import status_inputs_gather

    until = status_inputs_gather(person=person, at=at or timezone.now()).in_quarantine_until
    if until is None:
        return None
    return timezone.localdate(until) - timedelta(days=1)


def status_reason_texts(card: StatusCard | None, *, quarantine_last_day: date | None = None) -> list:
    """Why the card has its colour, in words for its holder (lazy texts); with what to do when the card is red only
    because no better rule held (the record may not have reached the system). A quarantine names its last day when
    it is given (status_quarantine_last_day)."""
    if card is None:
        return []
    catch_all = list(card.reasons) == ["no_other_rule"]
    if catch_all and card.colour == "green":  # a rule set whose last rule is green: nothing better to wish for
        return []
    texts = [
        _lazy_percent(_IN_QUARANTINE_UNTIL, {"day": quarantine_last_day.strftime("%d/%m/%Y")})
        if code == "in_quarantine" and quarantine_last_day is not None
        else _REASON_TEXTS[code]
        for code in card.reasons
        if code in _REASON_TEXTS
    ]
    if catch_all and card.colour == "red":
        texts.append(
            _(
                "Vaccinated or tested already? The record may not have reached the system yet: ask your commune "
                "health station."
            )
        )
    return texts
