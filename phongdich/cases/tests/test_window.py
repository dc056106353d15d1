"""The infectious window under each rule in force (RULES.md §1.2), and the rule chosen by the sample date."""

import datetime as dt

import pytest
from django.utils import timezone

from .. import services
from ..models import Case, InfectiousWindowRule
from ..services import case_window, window_rule_for
from .builders import local, person

pytestmark = pytest.mark.django_db

D = dt.date


def midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), timezone.get_default_timezone())


ISOLATED = timezone.make_aware(dt.datetime(2021, 9, 20, 15, 0), timezone.get_default_timezone())


def window(sample, onset=None, source=None, isolated=ISOLATED):
    rule = window_rule_for(sample)
    return rule.code, case_window(
        rule=rule, sample_date=sample, onset_date=onset, source_exposure_date=source, isolated_at=isolated
    )


def test_qd3638_symptomatic_case_is_infectious_from_three_days_before_onset_until_isolation():
    code, (start, end) = window(D(2021, 9, 18), onset=D(2021, 9, 15))
    assert code == "qd3638_2021"
    assert start == midnight(D(2021, 9, 12)) and end == ISOLATED


def test_qd3638_asymptomatic_case_without_known_source_goes_back_fourteen_days_before_the_sample():
    code, (start, _end) = window(D(2021, 9, 18))
    assert code == "qd3638_2021"
    assert start == midnight(D(2021, 9, 4))


def test_qd3638_asymptomatic_case_with_known_source_starts_at_the_first_contact_with_it():
    _code, (start, _end) = window(D(2021, 9, 18), source=D(2021, 9, 10))
    assert start == midnight(D(2021, 9, 10))


def test_qd3638_symptomatic_case_ignores_the_known_source_date():
    _code, (start, _end) = window(D(2021, 9, 18), onset=D(2021, 9, 16), source=D(2021, 9, 1))
    assert start == midnight(D(2021, 9, 13))


def test_cv11042_counts_two_days_before_onset_or_sample_and_ignores_a_known_source():
    isolated = timezone.make_aware(dt.datetime(2022, 1, 12, 8, 0), timezone.get_default_timezone())
    code, (start, end) = window(D(2022, 1, 10), onset=D(2022, 1, 9), isolated=isolated)
    assert code == "cv11042_2021" and start == midnight(D(2022, 1, 7)) and end == isolated
    _code, (start, _end) = window(D(2022, 1, 10), source=D(2022, 1, 1), isolated=isolated)
    assert start == midnight(D(2022, 1, 8))


def test_the_rule_changes_on_its_effective_date():
    assert window_rule_for(D(2021, 12, 28)).code == "qd3638_2021"
    assert window_rule_for(D(2021, 12, 29)).code == "cv11042_2021"
    assert window_rule_for(D(2022, 4, 15)).code == "cv1909_2022"


def test_isolation_before_the_window_start_gives_an_empty_window_not_a_negative_one():
    early = timezone.make_aware(dt.datetime(2021, 9, 1, 8, 0), timezone.get_default_timezone())
    _code, (start, end) = window(D(2021, 9, 18), isolated=early)
    assert start == end == midnight(D(2021, 9, 4))


def _local_rule_2023(*, days_before_sample: int) -> dt.datetime:
    """A province's own rule from 01/01/2023 (4 days before onset); returns an isolation time under it."""
    InfectiousWindowRule.objects.create(
        code="local_2023",
        name="Local",
        source="test",
        effective_from=D(2023, 1, 1),
        days_before_onset=4,
        days_before_sample=days_before_sample,
    )
    return timezone.make_aware(dt.datetime(2023, 3, 3, 8, 0), timezone.get_default_timezone())


def test_a_rule_added_as_data_applies_from_its_date():
    isolated = _local_rule_2023(days_before_sample=5)
    code, (start, _end) = window(D(2023, 3, 1), isolated=isolated)
    assert code == "local_2023" and start == midnight(D(2023, 2, 24))


# --- Symptoms that began after the positive sample ----------------------------------------------------------------


def test_cv11042_onset_after_the_sample_is_infectious_from_two_days_before_the_sample():
    """Positive at screening on 10/01, symptoms on 14/01: on its sample day an F0 without symptoms, infectious from
    two days before the sample (RULES.md §1.2, CV 11042), not only from two days before the onset."""
    isolated = timezone.make_aware(dt.datetime(2022, 1, 10, 18, 0), timezone.get_default_timezone())
    code, (start, end) = window(D(2022, 1, 10), onset=D(2022, 1, 14), isolated=isolated)
    assert code == "cv11042_2021" and start == midnight(D(2022, 1, 8)) and end == isolated


def test_qd3638_onset_after_the_sample_goes_back_as_without_symptoms():
    # Source unknown: 14 days before the sample; known: from the first contact with it (RULES.md §1.2, QĐ 3638).
    _code, (start, _end) = window(D(2021, 9, 18), onset=D(2021, 9, 21))
    assert start == midnight(D(2021, 9, 4))
    _code, (start, _end) = window(D(2021, 9, 18), onset=D(2021, 9, 21), source=D(2021, 9, 10))
    assert start == midnight(D(2021, 9, 10))


def test_onset_after_the_sample_keeps_the_onsets_start_when_that_is_earlier():
    isolated = _local_rule_2023(days_before_sample=1)
    _code, (start, _end) = window(D(2023, 3, 1), onset=D(2023, 3, 2), isolated=isolated)
    assert start == midnight(D(2023, 2, 26))  # onset - 4, before sample - 1


def test_a_case_whose_symptoms_began_after_its_positive_sample_is_infectious_from_before_the_sample(
    tree, kim_tan_official
):
    """Found positive at screening on day S, symptoms on S+4, isolated on S: the window counted from the onset alone
    started at S+2, after the isolation, and was empty: nobody it met was traced, no place published."""
    sample = timezone.localdate() - dt.timedelta(days=6)
    entered = services.case_create(
        actor=kim_tan_official,
        person=person(tree["kim_tan"], "Sàng Lọc Dương Tính"),
        sample_date=sample,
        test_type=Case.TestType.PCR,
        onset_date=sample + dt.timedelta(days=4),
        isolated_at=local(sample, 18),
    )
    assert entered.window_start == midnight(sample - dt.timedelta(days=2))
    assert entered.window_end == local(sample, 18)
