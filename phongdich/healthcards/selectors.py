"""Reads of the health status card app."""

from datetime import datetime

from django.db.models import Q

from .models import StatusCard, StatusRuleSet


def _prefixes(area_path: str) -> list[str]:
    """ "38/389/14950/" -> ["38/", "38/389/", "38/389/14950/"]: the paths of the areas that contain it."""
    parts = [part for part in area_path.split("/") if part]
    return ["/".join(parts[: index + 1]) + "/" for index in range(len(parts))]


def status_rule_set_in_force(*, area_path: str, at: datetime) -> StatusRuleSet | None:
    """The rule set in force at `at` for a person whose area is `area_path`.

    The latest effective_from ≤ at among the sets of the areas containing `area_path` (the province
    sets them); when there is none, the latest among the default sets (area null); else None.
    """
    in_force = StatusRuleSet.objects.filter(effective_from__lte=at).select_related("area")
    prefixes = _prefixes(area_path or "")
    if prefixes:
        local = in_force.filter(area__path__in=prefixes).order_by("-effective_from", "-id").first()
        if local is not None:
            return local
    return in_force.filter(Q(area__isnull=True)).order_by("-effective_from", "-id").first()


def status_card_of(*, person) -> StatusCard | None:
    """The stored card of `person` (no personal data beyond the colour: for the person's own page and
    for services; officials read it through people's audited selectors)."""
    return StatusCard.objects.filter(person=person).select_related("rule_set").first()
