"""The infectious window under each rule in force (RULES.md §1.2), and the rule chosen by the sample date."""

import datetime as dt

import pytest
from django.utils import timezone

from ..models import InfectiousWindowRule
from ..services import case_window, window_rule_for

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


def test_a_rule_added_as_data_applies_from_its_date():
    InfectiousWindowRule.objects.create(
        code="local_2023",
        name="Local",
        source="test",
        effective_from=D(2023, 1, 1),
        days_before_onset=4,
        days_before_sample=5,
    )
    isolated = timezone.make_aware(dt.datetime(2023, 3, 3, 8, 0), timezone.get_default_timezone())
    code, (start, _end) = window(D(2023, 3, 1), isolated=isolated)
    assert code == "local_2023" and start == midnight(D(2023, 2, 24))
