"""What a status rule can read about a person: StatusInputs, gathered from input providers.

Each domain that knows something about a person's health status registers a provider once (in its
AppConfig.ready): `register_input_provider("vaccination", fn)`. A provider is called as
`fn(person=person, at=at)` and returns a dict of StatusInputs fields it knows (missing fields: nothing
known); it reads its own tables through its own selectors and must not return facts dated after `at`.
`status_inputs_gather` merges what every provider returns:

- tuples (symptoms_declared_at, doses, tests) are concatenated;
- active_case is true if any provider says so;
- recovered_at and in_quarantine_until take the latest value given.

Today only declarations exist (this app registers the "declarations" provider in apps.py); the testing,
vaccination, quarantine and cases apps of later issues plug in the same way without editing this app.
"""

from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from datetime import date, datetime

from phongdich.core.registry import Registry

# How far back the declarations provider looks for symptoms: longer than any symptoms_within_days a
# rule set may sensibly use (the default uses 14 days, docs/healthcards.md).
SYMPTOMS_LOOKBACK_DAYS = 60


@dataclass(frozen=True)
class VaccineDose:
    given_on: date
    vaccine: str
    dose_number: int  # 1, 2, 3 (booster) ...
    single_dose_vaccine: bool = False  # e.g. Janssen: one dose completes the course
    # Doses of the product's primary series when the provider knows it (Abdala: 3); None: two, or one when
    # single_dose_vaccine.
    series_doses: int | None = None


@dataclass(frozen=True)
class TestResult:
    __test__ = False  # not a pytest test class

    sampled_at: datetime
    kind: str  # "pcr" or "antigen"
    result: str  # "negative" or "positive"


@dataclass(frozen=True)
class StatusInputs:
    at: datetime
    symptoms_declared_at: tuple[datetime, ...] = ()  # declarations reporting a symptom, in the look-back
    doses: tuple[VaccineDose, ...] = ()
    tests: tuple[TestResult, ...] = ()
    recovered_at: datetime | None = None  # date of the recovery certificate of a former F0
    active_case: bool = False  # a confirmed case (F0) not yet recovered
    # The moment the current medical quarantine ends: local midnight at the start of its first day out (cases'
    # quarantine_end, exclusive), i.e. the end of its last day.
    in_quarantine_until: datetime | None = None
    providers: tuple[str, ...] = ()  # which providers answered (for the reasons shown to officials)


Provider = Callable[..., dict]
# `fn(person=, at=)` returns a dict of StatusInputs fields.
_PROVIDERS: Registry[Provider] = Registry()
register_input_provider = _PROVIDERS.register
unregister_input_provider = _PROVIDERS.unregister
input_providers = _PROVIDERS.copy
_FIELDS = {field.name for field in fields(StatusInputs)} - {"at", "providers"}
_TUPLES = {"symptoms_declared_at", "doses", "tests"}
_LATEST = {"recovered_at", "in_quarantine_until"}


def status_inputs_gather(*, person, at: datetime) -> StatusInputs:
    """Everything the registered providers know about `person` at `at`, merged (see the module docstring)."""
    inputs = StatusInputs(at=at)
    for name, provider in _PROVIDERS.items():
        given = provider(person=person, at=at) or {}
        unknown = set(given) - _FIELDS
        if unknown:
            raise ValueError(f"input provider {name!r} returned unknown fields: {sorted(unknown)}")
        changes = {}
        for key, value in given.items():
            current = getattr(inputs, key)
            if key in _TUPLES:
                changes[key] = current + tuple(value)
            elif key in _LATEST:
                changes[key] = value if current is None or (value is not None and value > current) else current
            else:  # active_case
                changes[key] = current or bool(value)
        inputs = replace(inputs, **changes, providers=inputs.providers + (name,))
    return inputs
