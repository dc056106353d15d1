"""The rule grammar: validation refuses bad sets with every problem named; evaluation follows the order."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from phongdich.healthcards.inputs import StatusInputs, TestResult, VaccineDose
from phongdich.healthcards.rules import RuleSetError, rules_evaluate, rules_validate

from .conftest import DEFAULT

AT = datetime(2021, 11, 20, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


def test_the_seeded_default_rules_follow_the_grammar():
    rules_validate(DEFAULT.RULES)


@pytest.mark.parametrize(
    ("rules", "problem"),
    [
        ([], "non-empty list"),
        ({"colour": "red"}, "non-empty list"),
        ([{"colour": "blue", "when": {"always": True}}], "rules[0].colour"),
        ([{"colour": "red"}], "rules[0].when: missing"),
        ([{"colour": "red", "when": {"always": True}, "extra": 1}], "rules[0].extra: unknown key"),
        ([{"colour": "green", "when": {"input": "active_case"}}], "the last rule must have when"),
        (
            [{"colour": "red", "when": {"input": "moon_phase"}}, {"colour": "red", "when": {"always": True}}],
            "unknown input 'moon_phase'",
        ),
        (
            [{"colour": "red", "when": {"input": "symptoms_within_days"}}, {"colour": "red", "when": {"always": True}}],
            "needs days",
        ),
        (
            [
                {"colour": "red", "when": {"input": "symptoms_within_days", "days": "14"}},
                {"colour": "red", "when": {"always": True}},
            ],
            "whole number",
        ),
        (
            [
                {"colour": "red", "when": {"input": "symptoms_within_days", "days": -1}},
                {"colour": "red", "when": {"always": True}},
            ],
            "whole number",
        ),
        (
            [
                {"colour": "red", "when": {"input": "symptoms_within_days", "days": True}},
                {"colour": "red", "when": {"always": True}},
            ],
            "whole number",
        ),
        (
            [
                {"colour": "red", "when": {"input": "active_case", "days": 3}},
                {"colour": "red", "when": {"always": True}},
            ],
            "takes no parameter 'days'",
        ),
        (
            [
                {"colour": "red", "when": {"input": "negative_test", "max_hours": 72, "kinds": ["blood"]}},
                {"colour": "red", "when": {"always": True}},
            ],
            "test kinds",
        ),
        (
            [
                {"colour": "red", "when": {"input": "full_vaccination", "min_days": 30, "max_days": 10}},
                {"colour": "red", "when": {"always": True}},
            ],
            "min_days is greater",
        ),
        (
            [{"colour": "red", "when": {"any": []}}, {"colour": "red", "when": {"always": True}}],
            "non-empty list of conditions",
        ),
        (
            [
                {"colour": "red", "when": {"any": [{"always": True}], "all": []}},
                {"colour": "red", "when": {"always": True}},
            ],
            "exactly one",
        ),
        (
            [{"colour": "red", "when": {"sometimes": True}}, {"colour": "red", "when": {"always": True}}],
            "unknown combinator",
        ),
        ([{"colour": "red", "when": {"always": False}}], "must be true"),
        (
            [
                {
                    "colour": "red",
                    "when": {"not": {"not": {"not": {"not": {"not": {"not": {"not": {"not": {"always": True}}}}}}}}},
                },
                {"colour": "red", "when": {"always": True}},
            ],
            "nested more than",
        ),
        (["red"], "a rule must be an object"),
    ],
)
def test_bad_rule_sets_are_refused_with_the_problem_named(rules, problem):
    with pytest.raises(RuleSetError) as error:
        rules_validate(rules)
    assert any(problem in line for line in error.value.errors), error.value.errors


def test_every_problem_is_listed_not_only_the_first():
    rules = [{"colour": "blue", "when": {"input": "moon_phase"}}, {"colour": "red", "when": {"always": True}}]
    with pytest.raises(RuleSetError) as error:
        rules_validate(rules)
    assert len(error.value.errors) == 2


def decide(**inputs):
    return rules_evaluate(DEFAULT.RULES, StatusInputs(at=AT, **inputs), AT)


def test_nobody_known_is_red_under_the_khanh_hoa_rules():
    decision = decide()
    assert decision.colour == "red"
    assert decision.reasons == ("no_other_rule",)


def test_two_doses_fourteen_days_ago_are_green_thirteen_are_yellow():
    first = VaccineDose(date(2021, 9, 1), "AstraZeneca", 1)
    assert decide(doses=(first, VaccineDose(date(2021, 11, 6), "AstraZeneca", 2))).colour == "green"
    yellow = decide(doses=(first, VaccineDose(date(2021, 11, 7), "AstraZeneca", 2)))
    assert (yellow.colour, yellow.reasons) == ("yellow", ("first_dose",))


def test_one_dose_of_a_single_dose_vaccine_counts_as_full():
    dose = VaccineDose(date(2021, 10, 1), "Janssen", 1, single_dose_vaccine=True)
    assert decide(doses=(dose,)).colour == "green"


def test_a_three_dose_series_is_full_only_at_its_third_dose():
    doses = [VaccineDose(date(2021, 9, day), "Abdala", number, series_doses=3) for number, day in ((1, 1), (2, 15))]
    assert decide(doses=tuple(doses)).colour == "yellow"
    doses.append(VaccineDose(date(2021, 10, 1), "Abdala", 3, series_doses=3))
    assert decide(doses=tuple(doses)).colour == "green"


def test_a_first_dose_less_than_two_weeks_ago_is_still_red():
    assert decide(doses=(VaccineDose(date(2021, 11, 10), "Pfizer", 1),)).colour == "red"


def test_recovery_counts_180_days():
    assert decide(recovered_at=AT - timedelta(days=179)).colour == "green"
    decision = decide(recovered_at=AT - timedelta(days=170))
    assert decision.until == AT - timedelta(days=170) + timedelta(days=180)
    assert decide(recovered_at=AT - timedelta(days=181)).colour == "red"


def test_a_negative_pcr_counts_72_hours_an_antigen_test_does_not():
    pcr = TestResult(AT - timedelta(hours=71), "pcr", "negative")
    decision = decide(tests=(pcr,))
    assert (decision.colour, decision.until) == ("yellow", pcr.sampled_at + timedelta(hours=72))
    assert decide(tests=(TestResult(AT - timedelta(hours=73), "pcr", "negative"),)).colour == "red"
    assert decide(tests=(TestResult(AT - timedelta(hours=1), "antigen", "negative"),)).colour == "red"
    assert decide(tests=(TestResult(AT - timedelta(hours=1), "pcr", "positive"),)).colour == "red"


def test_red_rules_come_first_whatever_the_vaccination():
    doses = (VaccineDose(date(2021, 6, 1), "Pfizer", 1), VaccineDose(date(2021, 7, 1), "Pfizer", 2))
    assert decide(doses=doses).colour == "green"
    symptoms = decide(doses=doses, symptoms_declared_at=(AT - timedelta(days=3),))
    assert (symptoms.colour, symptoms.reasons) == ("red", ("symptoms_within_days",))
    assert symptoms.until == AT - timedelta(days=3) + timedelta(days=14)
    assert decide(doses=doses, active_case=True).reasons == ("active_case",)
    quarantine = decide(doses=doses, in_quarantine_until=AT + timedelta(days=5))
    assert (quarantine.colour, quarantine.until) == ("red", AT + timedelta(days=5))
    assert decide(doses=doses, in_quarantine_until=AT - timedelta(seconds=1)).colour == "green"
    assert decide(doses=doses, symptoms_declared_at=(AT - timedelta(days=15),)).colour == "green"


def test_all_and_not_combine_conditions():
    rules = [
        {
            "colour": "green",
            "when": {"all": [{"input": "first_dose", "min_days": 0}, {"not": {"input": "active_case"}}]},
        },
        {"colour": "red", "when": {"always": True}},
    ]
    rules_validate(rules)
    dose = (VaccineDose(date(2021, 11, 19), "Pfizer", 1),)
    assert rules_evaluate(rules, StatusInputs(at=AT, doses=dose), AT).colour == "green"
    assert rules_evaluate(rules, StatusInputs(at=AT, doses=dose, active_case=True), AT).colour == "red"
    assert rules_evaluate(rules, StatusInputs(at=AT), AT).colour == "red"
