"""A reason an official types is refused by the service when longer than is kept (services.REASON_MAX), for every
caller, writing nothing: until 2026-12-07 a management command or another app, which no form or serializer checks,
had it cut to 500 characters and the decision made."""

import datetime as dt

import pytest
from django.utils import timezone

from phongdich.core.errors import ApplicationError
from phongdich.core.models import AuditLog

from .. import services
from ..models import Case, Contact
from .builders import case, link, local, person

TOO_LONG = "x" * (services.REASON_MAX + 1)
SHORT = "Nhập nhầm"


@pytest.fixture
def world(tree, kim_tan_official):
    """A case entered three days ago with a household F1 met then and quarantined from then, and a candidate."""
    kim_tan = tree["kim_tan"]
    day = timezone.localdate() - dt.timedelta(days=3)
    entered = case(kim_tan_official, person(kim_tan, "Ca Bệnh"), days_ago=3, onset_days_ago=4)
    f1_link = link(
        person(kim_tan, "Trần Văn Ánh"),
        entered,
        source="interview",
        setting="household",
        exposure_start=local(day, 8),
        exposure_end=local(day, 20),
    )[0]
    f1 = f1_link.contact
    services.contact_status_set(actor=kim_tan_official, contact=f1, status="quarantined", quarantine_start=day)
    candidate = link(person(kim_tan, "Lê Thị Bình"), entered, exposure_start=local(day, 9), exposure_end=local(day, 10))
    return {
        "case": entered,
        "f1": Contact.objects.get(pk=f1.pk),
        "f1_link": f1_link,
        "candidate": candidate[0].contact,
        "day": day,
    }


def _withdrawn(actor, world):
    services.case_withdraw(actor=actor, case=world["case"], reason=SHORT)


def _recovered(actor, world):
    services.case_status_set(actor=actor, case=world["case"], status="recovered", date_confirmed=True)


def _released(actor, world):
    services.contact_status_set(actor=actor, contact=world["f1"], status="released", reason=SHORT)


def _as_is(actor, world):
    pass


# What is set up, then the call: each where it is otherwise taken, so that, the reason cut, it was done.
CALLS = {
    "case_withdraw": (
        _as_is,
        lambda actor, world, reason: services.case_withdraw(actor=actor, case=world["case"], reason=reason),
    ),
    "case_restore": (
        _withdrawn,
        lambda actor, world, reason: services.case_restore(actor=actor, case=_case(world), reason=reason),
    ),
    "case_outcome_undo": (
        _recovered,
        lambda actor, world, reason: services.case_outcome_undo(actor=actor, case=_case(world), reason=reason),
    ),
    "contact_status_set": (
        _as_is,
        lambda actor, world, reason: services.contact_status_set(
            actor=actor, contact=world["candidate"], status="dismissed", reason=reason
        ),
    ),
    "contacts_status_set": (
        _as_is,
        lambda actor, world, reason: services.contacts_status_set(
            actor=actor, contacts=[world["candidate"]], status="dismissed", reason=reason
        ),
    ),
    "early_release": (
        _as_is,
        lambda actor, world, reason: services.contact_status_set(
            actor=actor, contact=world["f1"], status="released", reason=reason
        ),
    ),
    "contact_quarantine_start_move": (
        _as_is,
        lambda actor, world, reason: services.contact_quarantine_start_move(
            actor=actor, contact=world["f1"], quarantine_start=world["day"] + dt.timedelta(days=1), reason=reason
        ),
    ),
    "contact_release_undo": (
        _released,
        lambda actor, world, reason: services.contact_release_undo(actor=actor, contact=_f1(world), reason=reason),
    ),
    # Refused before the link is read: this link, no interview's F2, would otherwise be refused as such.
    "contact_link_breach_set": (
        _as_is,
        lambda actor, world, reason: services.contact_link_breach_set(
            actor=actor, link_id=world["f1_link"].pk, contact=world["f1"], quarantine_breach=True, reason=reason
        ),
    ),
}


def _case(world) -> Case:
    return Case.objects.get(pk=world["case"].pk)


def _f1(world) -> Contact:
    return Contact.objects.get(pk=world["f1"].pk)


def _rows():
    return list(Case.objects.order_by("pk").values()), list(Contact.objects.order_by("pk").values())


@pytest.mark.parametrize(("setup", "call"), CALLS.values(), ids=CALLS.keys())
def test_the_service_refuses_a_reason_longer_than_is_kept_writing_nothing(world, kim_tan_official, setup, call):
    assert services.REASON_MAX == 500  # the columns' max_length, read from the models
    setup(kim_tan_official, world)
    rows, entries = _rows(), AuditLog.objects.count()
    with pytest.raises(ApplicationError) as caught:
        call(kim_tan_official, world, TOO_LONG)
    assert (caught.value.code, caught.value.status) == ("invalid_input", 400)
    assert caught.value.as_dict("en")["extra"]["fields"] == {
        "reason": ["Ensure this value has at most 500 characters (it has 501)."]
    }
    assert caught.value.as_dict("vi")["message"] == "Giá trị này chỉ có tối đa 500 kí tự (hiện có 501)"
    assert _rows() == rows and AuditLog.objects.count() == entries


def test_the_length_is_the_kept_one_spaces_collapsed(world, kim_tan_official):
    spaced = "y" * 250 + " " * 600 + "z" * 249
    services.contact_status_set(actor=kim_tan_official, contact=world["candidate"], status="dismissed", reason=spaced)
    assert Contact.objects.get(pk=world["candidate"].pk).dismissed_reason == "y" * 250 + " " + "z" * 249
    services.case_withdraw(actor=kim_tan_official, case=world["case"], reason="w" * 500)
    assert _case(world).withdrawn_reason == "w" * 500
