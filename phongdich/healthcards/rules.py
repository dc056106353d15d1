"""The grammar of a status rule set, its validation and its evaluation (docs/healthcards.md).

A rule set is an ordered list of rules; the first rule whose condition holds gives the colour:

    [{"colour": "red", "when": {"any": [{"input": "active_case"}, ...]}, "note": "..."},
     ...,
     {"colour": "red", "when": {"always": true}}]

A condition is a combinator ({"any": [...]}, {"all": [...]}, {"not": {...}}, {"always": true}) or a test
of one input ({"input": "<name>", ...parameters}). The inputs and their parameters are INPUTS below; they
read a StatusInputs (healthcards.inputs). The last rule must be {"always": true} so that everyone gets a
colour. Times are counted from the moment of evaluation `at`; day counts on vaccination dates are calendar
days in the project's time zone (a dose is given on a date, not at an instant).
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils import timezone

from .inputs import StatusInputs

COLOURS = ("green", "yellow", "red")
TEST_KINDS = ("pcr", "antigen")
MAX_RULES = 50
MAX_DEPTH = 8
MAX_DAYS = 3650

# input name -> {parameter: (required, kind)}; kind "days"/"hours" is a whole number 0..limit.
INPUTS: dict[str, dict[str, tuple[bool, str]]] = {
    "active_case": {},
    "in_quarantine": {},
    "symptoms_within_days": {"days": (True, "days")},
    "full_vaccination": {"min_days": (True, "days"), "max_days": (False, "days")},
    "first_dose": {"min_days": (True, "days")},
    "negative_test": {"max_hours": (True, "hours"), "kinds": (False, "kinds")},
    "recovered": {"max_days": (True, "days")},
}
_RULE_KEYS = {"colour", "when", "note"}


class RuleSetError(ValueError):
    """A rule set that does not follow the grammar; `errors` lists each problem with its JSON path."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


def _check_condition(condition, path: str, depth: int, errors: list[str]) -> None:
    if depth > MAX_DEPTH:
        errors.append(f"{path}: conditions are nested more than {MAX_DEPTH} deep")
        return
    if not isinstance(condition, dict) or len(condition) == 0:
        errors.append(f"{path}: a condition must be an object")
        return
    if "input" not in condition:
        if len(condition) != 1:
            errors.append(f"{path}: a combinator has exactly one of any, all, not, always")
            return
        ((key, value),) = condition.items()
        if key in ("any", "all"):
            if not isinstance(value, list) or not value:
                errors.append(f"{path}.{key}: must be a non-empty list of conditions")
                return
            for index, item in enumerate(value):
                _check_condition(item, f"{path}.{key}[{index}]", depth + 1, errors)
        elif key == "not":
            _check_condition(value, f"{path}.not", depth + 1, errors)
        elif key == "always":
            if value is not True:
                errors.append(f"{path}.always: must be true")
        else:
            errors.append(f"{path}: unknown combinator {key!r} (any, all, not, always, or input)")
        return
    name = condition["input"]
    if name not in INPUTS:
        errors.append(f"{path}.input: unknown input {name!r} (known: {', '.join(INPUTS)})")
        return
    parameters = INPUTS[name]
    for key in condition:
        if key != "input" and key not in parameters:
            errors.append(f"{path}.{key}: {name} takes no parameter {key!r}")
    for key, (required, kind) in parameters.items():
        if key not in condition:
            if required:
                errors.append(f"{path}.{key}: {name} needs {key}")
            continue
        value = condition[key]
        if kind == "kinds":
            if not isinstance(value, list) or not value or any(item not in TEST_KINDS for item in value):
                errors.append(f"{path}.{key}: a non-empty list of test kinds among {', '.join(TEST_KINDS)}")
            continue
        limit = MAX_DAYS if kind == "days" else MAX_DAYS * 24
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= limit:
            errors.append(f"{path}.{key}: a whole number of {kind} from 0 to {limit}")
    if "min_days" in condition and "max_days" in condition:
        if isinstance(condition["min_days"], int) and isinstance(condition["max_days"], int):
            if condition["min_days"] > condition["max_days"]:
                errors.append(f"{path}: min_days is greater than max_days")


def rules_validate(rules) -> None:
    """Raise RuleSetError listing every problem; return None when the rule set follows the grammar."""
    errors: list[str] = []
    if not isinstance(rules, list) or not rules:
        raise RuleSetError(["rules: must be a non-empty list of rules"])
    if len(rules) > MAX_RULES:
        raise RuleSetError([f"rules: at most {MAX_RULES} rules"])
    for index, rule in enumerate(rules):
        path = f"rules[{index}]"
        if not isinstance(rule, dict):
            errors.append(f"{path}: a rule must be an object with colour and when")
            continue
        for key in rule.keys() - _RULE_KEYS:
            errors.append(f"{path}.{key}: unknown key (colour, when, note)")
        if rule.get("colour") not in COLOURS:
            errors.append(f"{path}.colour: one of {', '.join(COLOURS)}")
        if "note" in rule and not isinstance(rule["note"], str):
            errors.append(f"{path}.note: must be text")
        if "when" not in rule:
            errors.append(f"{path}.when: missing")
        else:
            _check_condition(rule["when"], f"{path}.when", 1, errors)
    if isinstance(rules[-1], dict) and rules[-1].get("when") != {"always": True}:
        errors.append(
            f'rules[{len(rules) - 1}]: the last rule must have when {{"always": true}} so everyone gets a colour'
        )
    if errors:
        raise RuleSetError(errors)


# --- Evaluation ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Outcome:
    holds: bool
    until: datetime | None  # when it holds: the moment it may stop holding as time passes (None: not by time)
    reasons: tuple[str, ...] = ()


def _earliest(*moments):
    known = [moment for moment in moments if moment is not None]
    return min(known) if known else None


def _start_of_day(day) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=timezone.get_current_timezone())


def _completing_doses(doses):
    def completes(dose) -> bool:
        if dose.series_doses:
            return dose.dose_number >= dose.series_doses
        return dose.dose_number >= 2 or dose.single_dose_vaccine

    return [dose for dose in doses if completes(dose)]


def doses_in_range(doses, day: date, *, min_days: int, max_days: int | None = None, full: bool = True) -> list:
    """The doses (VaccineDose) given `min_days` to `max_days` (None: no limit) calendar days before `day`; with
    `full`, only those that complete the primary series or come after it (the "full_vaccination" input: the
    product's series, two doses, or one of a single-dose vaccine). The card's one definition of "fully vaccinated",
    read by the cases app too (a quarantine rule's protected days, docs/cases.md)."""
    found = []
    for dose in _completing_doses(doses) if full else doses:
        age = (day - dose.given_on).days
        if age >= min_days and (max_days is None or age <= max_days):
            found.append(dose)
    return found


def recovered_within(recovered_at: datetime | None, at: datetime, *, days: int) -> bool:
    """The "recovered" input: recovered (the recovery's moment, cases.selectors) at or before `at`, less than `days`
    days before it."""
    return recovered_at is not None and recovered_at <= at < recovered_at + timedelta(days=days)


def _evaluate_input(condition: dict, inputs: StatusInputs, at: datetime) -> _Outcome:
    name = condition["input"]
    today = timezone.localdate(at)
    if name == "active_case":
        return _Outcome(inputs.active_case, None, (name,))
    if name == "in_quarantine":
        until = inputs.in_quarantine_until
        return _Outcome(until is not None and at < until, until, (name,))
    if name == "symptoms_within_days":
        window = timedelta(days=condition["days"])
        recent = [moment for moment in inputs.symptoms_declared_at if at - window <= moment <= at]
        return _Outcome(bool(recent), max(recent) + window if recent else None, (name,))
    if name in ("full_vaccination", "first_dose"):
        maximum = condition.get("max_days")
        found = doses_in_range(
            inputs.doses, today, min_days=condition["min_days"], max_days=maximum, full=name == "full_vaccination"
        )
        if not found:
            return _Outcome(False, None)
        if maximum is None:
            return _Outcome(True, None, (name,))
        latest_end = max(_start_of_day(dose.given_on + timedelta(days=maximum + 1)) for dose in found)
        return _Outcome(True, latest_end, (name,))
    if name == "negative_test":
        window = timedelta(hours=condition["max_hours"])
        kinds = condition.get("kinds", list(TEST_KINDS))
        recent = [
            test.sampled_at
            for test in inputs.tests
            if test.kind in kinds and test.result == "negative" and at - window <= test.sampled_at <= at
        ]
        return _Outcome(bool(recent), max(recent) + window if recent else None, (name,))
    if name == "recovered":
        holds = recovered_within(inputs.recovered_at, at, days=condition["max_days"])
        return _Outcome(holds, inputs.recovered_at + timedelta(days=condition["max_days"]) if holds else None, (name,))
    raise RuleSetError([f"unknown input {name!r}"])  # rules_validate refuses it first


def _evaluate(condition: dict, inputs: StatusInputs, at: datetime) -> _Outcome:
    if "input" in condition:
        return _evaluate_input(condition, inputs, at)
    ((key, value),) = condition.items()
    if key == "always":
        return _Outcome(True, None)
    if key == "not":
        inner = _evaluate(value, inputs, at)
        return _Outcome(not inner.holds, None, ())
    outcomes = [_evaluate(item, inputs, at) for item in value]
    if key == "any":
        true = [outcome for outcome in outcomes if outcome.holds]
        if not true:
            return _Outcome(False, None)
        # Holds as long as one of its true branches does.
        until = None if any(outcome.until is None for outcome in true) else max(outcome.until for outcome in true)
        return _Outcome(True, until, tuple(reason for outcome in true for reason in outcome.reasons))
    if all(outcome.holds for outcome in outcomes):  # "all"
        return _Outcome(
            True,
            _earliest(*(outcome.until for outcome in outcomes)),
            tuple(reason for outcome in outcomes for reason in outcome.reasons),
        )
    return _Outcome(False, None)


@dataclass(frozen=True)
class Decision:
    colour: str
    reasons: tuple[str, ...]
    until: datetime | None  # when the deciding condition may stop holding (None: not by time alone)
    rule_index: int


def rules_evaluate(rules: list, inputs: StatusInputs, at: datetime) -> Decision:
    """The colour given by the first rule whose condition holds at `at` (rules already validated)."""
    for index, rule in enumerate(rules):
        outcome = _evaluate(rule["when"], inputs, at)
        if outcome.holds:
            reasons = tuple(dict.fromkeys(outcome.reasons)) or ("no_other_rule",)
            return Decision(rule["colour"], reasons, outcome.until, index)
    raise RuleSetError(["no rule applies: the last rule must be always true"])
