"""What other domains read from testing, without reading its tables: the status-card input provider, the
certificate source and the cases app's sample source (a quarantine's tests done), registered in TestingConfig.ready."""

from phongdich.certificates.sources import TestFacts
from phongdich.healthcards.inputs import TestResult as StatusTestResult

from .models import TestResult, TestType
from .selectors import person_results, sample_times_of_persons

# EU DCC value sets (ehn-dcc-development/ehn-dcc-valuesets): test-type and test-result.
DCC_TEST_TYPE = {TestType.PCR: "LP6464-4", TestType.ANTIGEN: "LP217198-3"}  # NAAT (RT-PCR); rapid antigen
DCC_NOT_DETECTED = "260415000"
_STATUS_RESULTS = {TestResult.Outcome.NEGATIVE: "negative", TestResult.Outcome.POSITIVE: "positive"}


def status_inputs_provider(*, person, at) -> dict:
    """healthcards provider "testing": the person's negative and positive results known at `at`, dated by the
    sample's time (an invalid result says nothing about the person)."""
    return {
        "tests": tuple(
            StatusTestResult(
                sampled_at=result.sample.collected_at, kind=result.test_type, result=_STATUS_RESULTS[result.outcome]
            )
            for result in person_results(person=person, before=at)
            if result.outcome in _STATUS_RESULTS
        )
    }


def _device_id(device: str) -> str:
    """The RAT device as the EU DCC "test-manf" id when the certificates app bundles the value set and knows it;
    otherwise the text the lab gave."""
    try:
        from phongdich.certificates import valuesets
    except ImportError:
        return device
    lookup = getattr(valuesets, "test_manufacturer", None) or getattr(valuesets, "rat_device", None)
    if callable(lookup):
        try:
            found = lookup(device)
        except (KeyError, ValueError):
            return device
        return getattr(found, "id", None) or (found if isinstance(found, str) else device)
    return device


def certificate_source(*, person) -> list[tuple[str, TestFacts]]:
    """certificates source "testing": one EU DCC test entry per NEGATIVE result (test certificates are issued
    for negative tests only); the key "testing.result:<id>" keeps re-issuing idempotent."""
    found = []
    for result in person_results(person=person).filter(outcome=TestResult.Outcome.NEGATIVE):
        found.append(
            (
                f"testing.result:{result.pk}",
                TestFacts(
                    test_type=DCC_TEST_TYPE[result.test_type],
                    sampled_at=result.sample.collected_at,
                    result=DCC_NOT_DETECTED,
                    facility=result.lab.name,
                    test_name="RT-PCR" if result.test_type == TestType.PCR else "",
                    device=_device_id(result.device) if result.test_type == TestType.ANTIGEN else "",
                ),
            )
        )
    return found


def quarantine_sample_source(*, person_ids, since, until) -> list[tuple]:
    """cases sample source "testing" (cases.samples): when each of these persons gave a sample that stands for a
    test taken, from `since` to `until` (excluded); the quarantine schedules mark a test day done with it."""
    return sample_times_of_persons(person_ids, since=since, until=until)
