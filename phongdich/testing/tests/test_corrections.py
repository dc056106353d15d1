"""Correcting a result after it was entered (services.result_correct): the history is kept, and what the wrong
result set off follows the corrected one: the case it opened, a case to open, test certificates, the SMS."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from phongdich.cases.models import Case, Contact
from phongdich.cases.services import contact_link_add
from phongdich.certificates import keys
from phongdich.certificates.services import certificates_for_citizen
from phongdich.core.audit import AuditLog
from phongdich.core.errors import ApplicationError
from phongdich.core.testing import make_official
from phongdich.notifications.models import Message

from ..models import ResultCorrection, TestResult
from ..services import pool_add_sample, pool_create, result_correct, result_enter
from .builders import make_person, make_sample

REASON = "Nhập nhầm dòng của phiếu xét nghiệm"


@pytest.fixture
def dcc_keys(settings, tmp_path):
    settings.DCC_KEY_DIR = tmp_path / "dcc"
    settings.DCC_TRUST_DIR = tmp_path / "dcc" / "trust"
    keys._cache.clear()
    yield
    keys._cache.clear()


def test_a_positive_corrected_to_negative_withdraws_the_case_it_opened(
    site, lab, person, areas, django_capture_on_commit_callbacks
):
    sample = make_sample(site, person)
    with django_capture_on_commit_callbacks(execute=True):
        entered = result_enter(actor=lab, barcode=sample.barcode, outcome="positive", ct_value="18.2")
    case = Case.objects.get(person=person)
    assert case.origin == f"testing.sample:{sample.pk}"
    neighbour = make_person(areas["commune_a"], name="Lê Thị Hoa", phone="+84987654321", citizen_id="038190001111")
    contact_link_add(
        person=neighbour, case=case, level=1, source="interview", setting="household", evidence_key="interview:1"
    )

    with django_capture_on_commit_callbacks(execute=True):
        outcome = result_correct(actor=lab, barcode=sample.barcode, outcome="negative", reason=f" {REASON} ")

    result = TestResult.objects.get(pk=entered.pk)
    assert result.outcome == "negative" and result.ct_value is None
    correction = ResultCorrection.objects.get(result=result)
    assert (correction.previous_outcome, correction.previous_ct_value) == ("positive", Decimal("18.2"))
    assert correction.outcome == "negative" and correction.reason == REASON and correction.corrected_by == lab
    case.refresh_from_db()
    assert case.status == Case.Status.WITHDRAWN and outcome.case_withdrawn == case.number
    assert sample.barcode in case.withdrawn_reason and "âm tính" in case.withdrawn_reason
    assert Contact.objects.get(person=neighbour).status == Contact.Status.CASE_WITHDRAWN
    # Told again (twice in all), never with the result in the text.
    texts = list(Message.objects.filter(kind="test_result", person=person).values_list("text", flat=True))
    assert len(texts) == 2 and all("/testing/lookup/" in text for text in texts)
    assert TestResult.objects.get(pk=entered.pk).notified_at is not None
    entry = AuditLog.objects.get(action="testing.result.corrected")
    assert entry.extra["from"] == "positive" and entry.extra["case_withdrawn"] == case.number


def test_a_negative_corrected_to_positive_opens_a_case_and_revokes_its_certificate(site, lab, person, dcc_keys):
    sample = make_sample(site, person, collected_at=timezone.now() - dt.timedelta(hours=5))
    entered = result_enter(actor=lab, barcode=sample.barcode, outcome="negative")
    (certificate,) = certificates_for_citizen(person=person)
    assert certificate.source_key == f"testing.result:{entered.pk}"

    outcome = result_correct(actor=lab, barcode=sample.barcode, outcome="positive", ct_value="21", reason=REASON)

    case = Case.objects.get(person=person)
    assert outcome.case_opened == case.number and case.status == Case.Status.UNDER_TREATMENT
    assert case.origin == f"testing.sample:{sample.pk}"
    assert outcome.certificates_revoked == 1
    certificate.refresh_from_db()
    assert certificate.revoked_at is not None and REASON in certificate.revoked_reason
    assert certificates_for_citizen(person=person) == []  # a positive gives no test certificate


def test_a_case_the_person_already_had_is_left_alone(site, lab, person):
    first = make_sample(site, person)
    result_enter(actor=lab, barcode=first.barcode, outcome="positive", ct_value=20)
    second = make_sample(site, person)
    result_enter(actor=lab, barcode=second.barcode, outcome="positive", ct_value=25)  # keeps the open case
    outcome = result_correct(actor=lab, barcode=second.barcode, outcome="negative", reason=REASON)
    assert outcome.case_withdrawn == ""
    assert Case.objects.get(person=person).status == Case.Status.UNDER_TREATMENT


def test_a_later_positive_keeps_the_case_when_the_first_is_corrected(site, lab, person):
    first = make_sample(site, person, collected_at=timezone.now() - dt.timedelta(days=2))
    result_enter(actor=lab, barcode=first.barcode, outcome="positive", ct_value=20)
    second = make_sample(site, person, collected_at=timezone.now() - dt.timedelta(days=1))
    result_enter(actor=lab, barcode=second.barcode, outcome="positive", ct_value=25)
    outcome = result_correct(actor=lab, barcode=first.barcode, outcome="negative", reason=REASON)
    case = Case.objects.get(person=person)
    assert case.status == Case.Status.UNDER_TREATMENT and case.origin == f"testing.sample:{second.pk}"
    assert outcome.case_withdrawn == "" and outcome.case_kept_by == second.barcode


def test_an_earlier_sample_resulted_late_keeps_the_case_too(site, lab, person):
    """R0 sampled first but resulted after R1 (a slow lab): it opened no case, the case R1 opened was open."""
    early = make_sample(site, person, collected_at=timezone.now() - dt.timedelta(days=3))
    late = make_sample(site, person, collected_at=timezone.now() - dt.timedelta(days=2))
    result_enter(actor=lab, barcode=late.barcode, outcome="positive", ct_value=25)
    result_enter(actor=lab, barcode=early.barcode, outcome="positive", ct_value=22)
    outcome = result_correct(actor=lab, barcode=late.barcode, outcome="negative", reason=REASON)
    case = Case.objects.get(person=person)
    assert case.status == Case.Status.UNDER_TREATMENT and outcome.case_kept_by == early.barcode


def test_no_case_kept_is_claimed_when_the_result_had_opened_none_still_open(site, lab, person):
    first = make_sample(site, person, collected_at=timezone.now() - dt.timedelta(days=40))
    result_enter(actor=lab, barcode=first.barcode, outcome="positive", ct_value=20)
    Case.objects.filter(person=person).update(status=Case.Status.RECOVERED)
    second = make_sample(site, person, collected_at=timezone.now() - dt.timedelta(days=1))
    result_enter(actor=lab, barcode=second.barcode, outcome="positive", ct_value=24)  # a new case (reinfection)
    outcome = result_correct(actor=lab, barcode=first.barcode, outcome="negative", reason=REASON)
    assert outcome.case_kept_by == "" and outcome.case_withdrawn == ""
    assert Case.objects.filter(person=person, status=Case.Status.UNDER_TREATMENT).count() == 1


def test_a_ct_only_correction_of_a_negative_keeps_its_certificate(site, lab, person, dcc_keys):
    sample = make_sample(site, person, collected_at=timezone.now() - dt.timedelta(hours=5))
    result_enter(actor=lab, barcode=sample.barcode, outcome="negative")
    (certificate,) = certificates_for_citizen(person=person)
    outcome = result_correct(actor=lab, barcode=sample.barcode, outcome="negative", ct_value="38", reason=REASON)
    certificate.refresh_from_db()
    assert outcome.certificates_revoked == 0 and certificate.revoked_at is None


@pytest.mark.parametrize(
    ("values", "code"),
    [
        ({"outcome": "negative", "reason": "  "}, "testing_correction_reason_required"),
        ({"outcome": "positive", "ct_value": "18.2"}, "testing_result_unchanged"),
        ({"outcome": "positive"}, "testing_invalid_result"),  # a positive RT-PCR needs its Ct
        ({"outcome": "positive", "ct_value": "60"}, "testing_ct_out_of_range"),
        ({"outcome": "maybe"}, "testing_invalid_result"),
        ({"outcome": "positive", "ct_value": "1e30"}, "testing_ct_out_of_range"),  # a 500 once (quantize)
        ({"outcome": "positive", "ct_value": Decimal("18.24")}, "testing_result_unchanged"),  # 18.2 as stored
    ],
)
def test_bad_corrections_are_refused_and_change_nothing(site, lab, person, values, code):
    sample = make_sample(site, person)
    result_enter(actor=lab, barcode=sample.barcode, outcome="positive", ct_value="18.2")
    with pytest.raises(ApplicationError) as caught:
        result_correct(actor=lab, barcode=sample.barcode, **{"reason": REASON, **values})
    assert caught.value.code == code and 400 <= caught.value.status < 500
    assert TestResult.objects.get(sample=sample).outcome == "positive"
    assert not ResultCorrection.objects.exists()
    assert Case.objects.get(person=person).status == Case.Status.UNDER_TREATMENT


def test_only_results_there_are_and_only_of_the_labs_own_sites(site, lab, other_lab, person):
    waiting = make_sample(site, person)
    with pytest.raises(ApplicationError) as caught:
        result_correct(actor=lab, barcode=waiting.barcode, outcome="negative", reason=REASON)
    assert caught.value.code == "testing_result_not_entered"
    result_enter(actor=lab, barcode=waiting.barcode, outcome="negative")
    with pytest.raises(ApplicationError) as caught:
        result_correct(actor=other_lab, barcode=waiting.barcode, outcome="positive", ct_value=20, reason=REASON)
    assert caught.value.code == "testing_unknown_barcode"
    pool = pool_create(actor=lab, site=site)
    pool_add_sample(actor=lab, pool_barcode=pool.barcode, sample_barcode=make_sample(site, person).barcode)
    result_enter(actor=lab, barcode=pool.barcode, outcome="negative")
    with pytest.raises(ApplicationError) as caught:
        result_correct(actor=lab, barcode=pool.barcode, outcome="positive", ct_value=20, reason=REASON)
    assert caught.value.code == "testing_pool_result_not_correctable"
    collector = make_official("area_official", site.area, username="canbo.xa")
    with pytest.raises(ApplicationError) as caught:
        result_correct(actor=collector, barcode=waiting.barcode, outcome="positive", ct_value=20, reason=REASON)
    assert caught.value.status == 403


def test_the_lab_page_corrects_with_a_reason_and_a_tick(client, site, lab, person):
    sample = make_sample(site, person)
    result_enter(actor=lab, barcode=sample.barcode, outcome="positive", ct_value="18.2")
    client.force_login(lab)
    page = client.get("/testing/results/enter/").content.decode()
    assert 'action="/testing/results/correct/"' in page
    body = {"fix-barcode": sample.barcode, "fix-outcome": "negative", "fix-reason": REASON}
    refused = client.post("/testing/results/correct/", body)  # not ticked
    assert refused.status_code == 400 and 'id="correct" open' in refused.content.decode()
    assert TestResult.objects.get(sample=sample).outcome == "positive"
    done = client.post("/testing/results/correct/", {**body, "fix-confirm": "on"}, follow=True)
    html = done.content.decode()
    number = Case.objects.get(person=person).number
    assert done.status_code == 200 and number in html and "đã bị huỷ" in html
    listed = client.get("/testing/results/").content.decode()
    assert "đã sửa" in listed


def test_the_api_corrects_and_refuses_in_both_languages(client, site, lab, person):
    sample = make_sample(site, person)
    result_enter(actor=lab, barcode=sample.barcode, outcome="negative")
    client.force_login(lab)
    url = "/api/v1/testing/results/corrections/"
    refused = client.post(url, {"barcode": sample.barcode, "result": "negative", "reason": REASON}, "application/json")
    assert refused.status_code == 400 and refused.json()["code"] == "testing_result_unchanged"
    assert refused.json()["message_vi"] and refused.json()["message_en"]
    body = {"barcode": sample.barcode, "result": "positive", "ct_value": "22.5", "reason": REASON}
    done = client.post(url, body, "application/json")
    assert done.status_code == 200, done.json()
    answer = done.json()
    assert answer["result"]["result"] == "positive" and answer["case_opened"] == Case.objects.get(person=person).number


def test_a_negative_corrected_to_invalid_computes_the_card_again(site, lab, person, django_capture_on_commit_callbacks):
    """No case moves, and the result keeps its first entry time: the card computed after the negative must still
    be computed again (a recent negative PCR gives yellow under the default rule set; without it, red)."""
    from phongdich.healthcards.services import status_card_current

    sample = make_sample(site, person, collected_at=timezone.now() - dt.timedelta(hours=5))
    with django_capture_on_commit_callbacks(execute=True):
        result_enter(actor=lab, barcode=sample.barcode, outcome="negative")
    assert status_card_current(person=person).colour == "yellow"
    with django_capture_on_commit_callbacks(execute=True):
        result_correct(actor=lab, barcode=sample.barcode, outcome="invalid", reason=REASON)
    assert status_card_current(person=person).colour == "red"


def test_a_correction_with_a_long_reason_withdraws_the_case_with_it_cut_to_what_the_case_keeps(site, lab, person):
    """The withdrawal's reason is ours, the correction's reason after our words: cut to fit here, as case_withdraw
    refuses a longer one (2026-12-07); the correction keeps the whole reason."""
    sample = make_sample(site, person)
    result_enter(actor=lab, barcode=sample.barcode, outcome="positive", ct_value="18.2")
    reason = "r" * 500
    outcome = result_correct(actor=lab, barcode=sample.barcode, outcome="negative", reason=reason)
    case = Case.objects.get(person=person)
    assert case.status == Case.Status.WITHDRAWN and outcome.case_withdrawn == case.number
    assert len(case.withdrawn_reason) == 500 and case.withdrawn_reason.startswith(
        f"Kết quả xét nghiệm {sample.barcode}"
    )
    assert ResultCorrection.objects.get(result__sample=sample).reason == reason
