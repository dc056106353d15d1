"""Status cards: computed under the rule set in force, recomputed when a declaration arrives, stored."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from phongdich.checkins.tests.builders import make_person
from phongdich.core.errors import ApplicationError
from phongdich.core.models import AuditLog
from phongdich.core.testing import make_province_with_communes, make_user
from phongdich.declarations.services import declaration_submit
from phongdich.healthcards.inputs import VaccineDose, status_inputs_gather
from phongdich.healthcards.models import StatusCard, StatusRuleSet
from phongdich.healthcards.selectors import status_rule_set_in_force
from phongdich.healthcards.services import (
    status_card_current,
    status_card_refresh,
    status_compute,
    status_rule_set_create,
)

from .conftest import DEFAULT

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")
ALWAYS_RED = [{"colour": "red", "when": {"always": True}}]
ALWAYS_GREEN = [{"colour": "green", "when": {"always": True}}]


@pytest.fixture
def areas():
    return make_province_with_communes()


def declare(person, area, *, symptoms=(), now=None):
    return declaration_submit(
        person=person,
        kind="domestic",
        data={
            "area": area.pk,
            "address_street": "Thôn 1",
            "travelled_14d": False,
            "symptoms": list(symptoms),
            "exposures": [],
        },
        now=now,
    )


def test_the_default_rule_set_is_seeded_with_its_source_and_date():
    rule_set = StatusRuleSet.objects.get(area__isnull=True)
    assert rule_set.effective_from == datetime(2021, 10, 6, tzinfo=VN)
    assert "vnexpress.net/the-thong-tin-tren-pc-covid-da-doi-mau-theo-dia-phuong-4368747.html" in rule_set.source
    assert "issue 3" in rule_set.source
    assert rule_set.rules == DEFAULT.RULES


def test_card_turns_red_on_symptoms_then_green_when_doses_count_and_symptoms_are_old(
    areas, default_rule_set, provide, django_capture_on_commit_callbacks
):
    """Issue 3, done when: a status card turns red, then green, as its inputs change, under a dated rule set."""
    person = make_person(areas["commune_a"])
    doses = []
    provide("vaccination", lambda *, person, at: {"doses": tuple(doses)})

    with django_capture_on_commit_callbacks(execute=True):
        declare(person, areas["commune_a"], symptoms=["fever"])
    card = StatusCard.objects.get(person=person)  # made by the receiver of declaration_submitted
    assert (card.colour, card.reasons, card.rule_set) == ("red", ["symptoms_within_days"], default_rule_set)

    # Inputs change: two doses, the second 15 days before `later`, when the symptoms are 15 days old.
    later = timezone.now() + timedelta(days=15)
    second = timezone.localdate(later) - timedelta(days=15)
    doses.extend([VaccineDose(date(2021, 8, 1), "AstraZeneca", 1), VaccineDose(second, "AstraZeneca", 2)])
    assert status_card_refresh(person=person, at=later - timedelta(days=2)).colour == "red"  # symptoms 13 days old
    card = status_card_refresh(person=person, at=later)
    assert (card.colour, card.reasons) == ("green", ["full_vaccination"])
    changes = AuditLog.objects.filter(action="healthcards.status_card.changed", object_id=str(card.pk))
    assert [entry.extra["to"] for entry in changes.order_by("id")] == ["red", "green"]

    # A new declaration with symptoms turns it red again, through the signal.
    with django_capture_on_commit_callbacks(execute=True):
        declare(person, areas["commune_a"], symptoms=["cough"])
    assert StatusCard.objects.get(person=person).colour == "red"


def test_a_declaration_without_symptoms_leaves_an_unvaccinated_person_red_for_no_evidence(
    areas, default_rule_set, django_capture_on_commit_callbacks
):
    person = make_person(areas["commune_a"])
    with django_capture_on_commit_callbacks(execute=True):
        declare(person, areas["commune_a"])
    assert StatusCard.objects.get(person=person).reasons == ["no_other_rule"]


def test_the_declarations_provider_finds_the_latest_symptomatic_declaration_to_the_minute(areas, default_rule_set):
    person = make_person(areas["commune_a"])
    now = timezone.now()
    declare(person, areas["commune_a"], symptoms=["fever"], now=now - timedelta(days=10, hours=3))
    declare(person, areas["commune_a"], symptoms=["cough"], now=now - timedelta(days=2, hours=5))
    declare(person, areas["commune_a"], now=now - timedelta(days=1))  # no symptom: does not count
    found = status_inputs_gather(person=person, at=now).symptoms_declared_at
    assert len(found) == 1
    assert abs(found[0] - (now - timedelta(days=2, hours=5))) <= timedelta(minutes=1)
    assert status_compute(person=person, at=now).valid_until <= now + timedelta(hours=24)


def test_a_newer_province_rule_set_applies_from_its_date_not_before(areas, default_rule_set):
    person = make_person(areas["commune_a"])
    official = make_user()
    takes_effect = timezone.now() + timedelta(days=3)
    province_set = status_rule_set_create(
        name="Thanh Hóa: everyone green (test)",
        area=areas["province"],
        effective_from=takes_effect,
        rules=ALWAYS_GREEN,
        source="Test decision",
        created_by=official,
    )
    assert AuditLog.objects.filter(action="healthcards.rule_set.created", object_id=str(province_set.pk)).exists()

    before = status_compute(person=person, at=takes_effect - timedelta(seconds=1))
    after = status_compute(person=person, at=takes_effect)
    assert (before.colour, before.rule_set) == ("red", default_rule_set)
    assert (after.colour, after.rule_set) == ("green", province_set)
    # Another province keeps the default.
    elsewhere = make_person(areas["other_commune"], phone="+84912345679")
    assert status_compute(person=elsewhere, at=takes_effect + timedelta(days=1)).rule_set == default_rule_set


def test_the_latest_effective_default_wins_and_a_future_one_waits(default_rule_set, areas):
    person = make_person(areas["commune_a"])
    later = status_rule_set_create(
        name="Default 2",
        area=None,
        effective_from=timezone.now() - timedelta(days=1),
        rules=ALWAYS_GREEN,
        source="Test",
    )
    status_rule_set_create(
        name="Default 3", area=None, effective_from=timezone.now() + timedelta(days=1), rules=ALWAYS_RED, source="Test"
    )
    assert status_rule_set_in_force(area_path=person.area_path, at=timezone.now()) == later


def test_no_rule_set_in_force_is_a_clear_error(areas, default_rule_set):
    person = make_person(areas["commune_a"])
    with pytest.raises(ApplicationError) as error:
        status_compute(person=person, at=datetime(2021, 10, 5, tzinfo=VN))
    assert error.value.code == "status_rule_set_missing"
    assert error.value.status == 409


@pytest.mark.parametrize(
    ("rules", "source"),
    [([{"colour": "purple", "when": {"always": True}}], "Test"), (ALWAYS_RED, "  "), ("not a list", "Test")],
)
def test_a_bad_rule_set_is_refused_and_nothing_is_written(rules, source):
    count = StatusRuleSet.objects.count()
    with pytest.raises(ApplicationError) as error:
        status_rule_set_create(name="Bad", area=None, effective_from=timezone.now(), rules=rules, source=source)
    assert error.value.code == "status_rule_set_invalid"
    assert error.value.status == 400
    assert error.value.extra["errors"]
    assert StatusRuleSet.objects.count() == count


def test_the_stored_card_is_reused_while_valid_and_recomputed_after(areas, default_rule_set):
    person = make_person(areas["commune_a"])
    now = timezone.now()
    card = status_card_current(person=person, at=now)
    assert card.valid_until == now + timedelta(hours=24)
    assert status_card_current(person=person, at=now + timedelta(hours=23)).computed_at == now
    assert status_card_current(person=person, at=now + timedelta(hours=25)).computed_at == now + timedelta(hours=25)


def test_a_provider_returning_unknown_fields_is_a_programming_error(areas, provide, default_rule_set):
    person = make_person(areas["commune_a"])
    provide("broken", lambda *, person, at: {"colour": "green"})
    with pytest.raises(ValueError, match="unknown fields"):
        status_inputs_gather(person=person, at=timezone.now())


def test_providers_merge_tuples_and_keep_the_latest_dates(areas, provide, default_rule_set):
    person = make_person(areas["commune_a"])
    now = timezone.now()
    provide(
        "a", lambda *, person, at: {"doses": (VaccineDose(date(2021, 9, 1), "Pfizer", 1),), "in_quarantine_until": now}
    )
    provide(
        "b",
        lambda *, person, at: {
            "doses": (VaccineDose(date(2021, 9, 22), "Pfizer", 2),),
            "in_quarantine_until": now - timedelta(days=1),
            "active_case": False,
        },
    )
    inputs = status_inputs_gather(person=person, at=now)
    assert [dose.dose_number for dose in inputs.doses] == [1, 2]
    assert inputs.in_quarantine_until == now
    # Other apps (vaccination, testing, cases) register theirs too; the two of this test come last, in order.
    assert inputs.providers[0] == "declarations" and inputs.providers[-2:] == ("a", "b")


def test_a_failing_provider_does_not_fail_the_declaration_and_the_card_follows_later(
    areas, default_rule_set, provide, django_capture_on_commit_callbacks
):
    person = make_person(areas["commune_a"])
    broken = {"on": True}

    def flaky(*, person, at):
        if broken["on"]:
            raise RuntimeError("the vaccination registry is down")
        return {}

    provide("vaccination", flaky)
    with django_capture_on_commit_callbacks(execute=True):
        declaration = declare(person, areas["commune_a"], symptoms=["fever"])
    assert declaration.pk is not None
    assert not StatusCard.objects.filter(person=person).exists()
    broken["on"] = False
    assert status_card_current(person=person).colour == "red"
