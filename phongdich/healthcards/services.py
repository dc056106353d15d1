"""Writes and computations of the health status card (docs/healthcards.md)."""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from phongdich.core.audit import audit_record
from phongdich.core.errors import ApplicationError
from phongdich.people.personal_qr import CLAIM_COLOUR, CLAIM_INITIALS, CLAIM_VALID_UNTIL, personal_qr_issue

from . import errors
from .inputs import StatusInputs, status_inputs_gather
from .models import StatusCard, StatusRuleSet
from .rules import RuleSetError, rules_evaluate, rules_validate
from .selectors import status_rule_set_in_force

logger = logging.getLogger(__name__)

# A card is re-issued at least daily (issue 3 item 5: "the personal QR code ... is re-issued daily"):
# whatever the evidence, a colour is not vouched for longer than this after it was computed.
CARD_VALIDITY = timedelta(hours=24)


@dataclass(frozen=True)
class StatusResult:
    colour: str
    reasons: tuple[str, ...]
    rule_set: StatusRuleSet
    valid_until: datetime
    inputs: StatusInputs


def status_rule_set_create(
    *, name: str, area, effective_from: datetime, rules, source: str, created_by=None
) -> StatusRuleSet:
    """Store a new rule set after checking its grammar (status_rule_set_invalid lists every problem).

    Rule sets are never edited: a province changes its rules by adding a set with a later date.
    Audited as healthcards.rule_set.created.
    """
    status_rule_set_check(rules=rules, source=source)
    with transaction.atomic():
        rule_set = StatusRuleSet.objects.create(
            name=name, area=area, effective_from=effective_from, rules=rules, source=source, created_by=created_by
        )
        audit_record(
            actor=created_by,
            action="healthcards.rule_set.created",
            obj=rule_set,
            area_path=area.path if area is not None else "",
            extra={"effective_from": effective_from.isoformat()},
        )
    return rule_set


def status_rule_set_check(*, rules, source: str) -> None:
    """Raise status_rule_set_invalid unless `rules` follows the grammar and a source is cited."""
    problems = []
    try:
        rules_validate(rules)
    except RuleSetError as exc:
        problems = exc.errors
    if not (source or "").strip():
        problems.append("source: cite where the rules come from")
    if problems:
        raise ApplicationError(errors.STATUS_RULE_SET_INVALID, extra={"errors": problems})


def status_compute(*, person, at: datetime | None = None) -> StatusResult:
    """The person's colour at `at` (default now) under the rule set in force then; writes nothing.

    valid_until is the earlier of at + CARD_VALIDITY and the moment the deciding evidence stops holding
    (a PCR test's 72 hours, a recovery's 180 days, symptoms' 14 days). status_rule_set_missing when no
    rule set is in force at `at`.
    """
    at = at or timezone.now()
    rule_set = status_rule_set_in_force(area_path=person.area_path, at=at)
    if rule_set is None:
        raise ApplicationError(errors.STATUS_RULE_SET_MISSING, extra={"at": at.isoformat()})
    inputs = status_inputs_gather(person=person, at=at)
    decision = rules_evaluate(rule_set.rules, inputs, at)
    valid_until = at + CARD_VALIDITY
    if decision.until is not None:
        valid_until = min(valid_until, decision.until)
    return StatusResult(
        colour=decision.colour, reasons=decision.reasons, rule_set=rule_set, valid_until=valid_until, inputs=inputs
    )


def status_card_refresh(*, person, at: datetime | None = None, actor=None) -> StatusCard:
    """Compute the person's status now (or at `at`) and store it as their card.

    Called when a declaration arrives (receivers.py) and on demand. A change of colour is audited as
    healthcards.status_card.changed (the colour, the reasons and the rule set; no other personal data).
    """
    result = status_compute(person=person, at=at)
    computed_at = result.inputs.at
    with transaction.atomic():
        card = StatusCard.objects.select_for_update().filter(person=person).first()
        previous = card.colour if card is not None else None
        if card is None:
            card = StatusCard(person=person)
        card.colour = result.colour
        card.reasons = list(result.reasons)
        card.computed_at = computed_at
        card.valid_until = result.valid_until
        card.rule_set = result.rule_set
        card.save()
        if previous != result.colour:
            audit_record(
                actor=actor,
                action="healthcards.status_card.changed",
                obj=card,
                area_path=person.area_path,
                extra={
                    "from": previous,
                    "to": result.colour,
                    "reasons": list(result.reasons),
                    "rule_set": result.rule_set.pk,
                },
            )
    return card


def status_card_current(*, person, at: datetime | None = None) -> StatusCard:
    """The person's card, recomputed when the stored one is no longer valid at `at`."""
    at = at or timezone.now()
    card = StatusCard.objects.filter(person=person).select_related("rule_set").first()
    if card is not None and card.computed_at <= at < card.valid_until:
        return card
    return status_card_refresh(person=person, at=at)


def status_qr_issue(*, person, now: datetime | None = None) -> tuple[str, StatusCard | None]:
    """A personal QR token carrying the person's colour, its validity and initials (docs/personal-qr.md).

    The token's own expiry stays PERSONAL_QR_VALIDITY_HOURS; a verifier refuses it after the colour's
    validity too. Without a rule set in force the token carries no colour (and the card is None).
    """
    now = now or timezone.now()
    try:
        card = status_card_current(person=person, at=now)
    except ApplicationError as exc:
        if exc.error is not errors.STATUS_RULE_SET_MISSING:
            raise
        return personal_qr_issue(person=person, now=now), None
    claims = {
        CLAIM_COLOUR: card.colour,
        CLAIM_VALID_UNTIL: int(card.valid_until.timestamp()),
        CLAIM_INITIALS: person.initials[:6],
    }
    return personal_qr_issue(person=person, now=now, extra_claims=claims), card


def status_cards_refresh(person_ids) -> int:
    """Compute the cards of these persons again (those that exist); how many were. A card that cannot be computed
    (no rule set in force; a provider failing) is logged and skipped: the change that asked for it is committed
    already, and the card is computed again on demand (status_card_current)."""
    from phongdich.people.models import Person

    done = 0
    for person in Person.objects.filter(pk__in=list(person_ids)):
        try:
            status_card_refresh(person=person)
        except ApplicationError as exc:
            logger.warning("status card of person %s not computed: %s", person.pk, exc)
            continue
        except Exception:
            logger.exception("status card of person %s not computed", person.pk)
            continue
        done += 1
    return done
