"""What other domains read from testing, without reading its tables: the status-card input provider, the
certificate source and the cases app's sample source (a quarantine's tests done) and origin source (whether the result
that opened a case still holds it up), registered in TestingConfig.ready."""

from django.utils import translation

from phongdich.cases.origins import OriginLapsed
from phongdich.certificates.sources import TestFacts
from phongdich.healthcards.inputs import TestResult as StatusTestResult

from .models import TestResult, TestType
from .selectors import person_results, sample_times_of_persons
from .services import _outcome_vi, _positives_held_by, sample_origin

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


def case_origin_source(*, case, key: str) -> str | OriginLapsed:
    """cases origin source "testing.sample" (cases.origins): whether the sample that opened `case` still holds it up,
    asked when the withdrawn case is restored. Its result reads positive: it does. Otherwise another positive of the
    person entered since the case was opened, opening no case of its own, does, as a correction judges it
    (services._positives_held_by): that sample is the case's origin then. Otherwise nothing does: the official is told
    which sample and what it reads, and that the lab corrects it first.

    The result row is read FOR UPDATE, the lock result_correct takes: a correction at the same moment either commits
    first and is seen here, or waits for the restore and finds the case under treatment, to withdraw it."""
    try:
        sample_id = int(key)
    except ValueError:
        return case.origin
    result = TestResult.objects.select_for_update(of=("self",)).select_related("sample").filter(sample_id=sample_id)
    result = result.first()
    if result is None or result.outcome == TestResult.Outcome.POSITIVE:
        return case.origin
    support = _positives_held_by(case, besides=result.sample)
    if support is not None:
        return sample_origin(support.sample)
    barcode = result.sample.barcode
    with translation.override("en"):
        outcome_en = str(TestResult.Outcome(result.outcome).label).lower()
    return OriginLapsed(
        vi=f"kết quả xét nghiệm mẫu {barcode} đã mở ca bệnh này nay là {_outcome_vi(result.outcome)}, và không có kết "
        "quả dương tính nào khác của người này giữ ca. Nếu kết quả đó sai, đề nghị phòng xét nghiệm sửa lại trước "
        "(trang nhập kết quả, “Sửa kết quả đã nhập”); kết quả được sửa lại thành dương tính sẽ mở một ca bệnh mới cho "
        "người này, ca này vẫn bị huỷ.",
        en=f"the test result of sample {barcode} that opened this case now reads {outcome_en}, and no other positive "
        "result of the person holds the case up. If that result is wrong, have the lab correct it first (the result "
        "entry page, “Correct a result already entered”); a result corrected back to positive opens a new case for "
        "the person, and this one stays withdrawn.",
        extra={"barcode": barcode, "result": result.outcome},
    )
