"""cases 0038: a contact with standing evidence of a further level than its own gets the span of its level's links
(an F1's meetings with the F0), the span the quarantine counts from; its quarantine's dates stay as they were set.
Reversed, the span covers every level again."""

import datetime as dt
import importlib

import pytest
from django.apps import apps

from ..models import Contact
from .builders import local, person
from .test_quarantine_level_span import _ago, _f1_of_a_f2_of_b, two_cases  # noqa: F401 (a fixture)

migration = importlib.import_module("phongdich.cases.migrations.0038_contact_span_of_its_level")

pytestmark = pytest.mark.django_db


def test_an_f1_spanning_its_f2_evidence_gets_its_own_and_back_when_reversed(tree, kim_tan_official, two_cases):  # noqa: F811
    who = person(tree["kim_tan"], "Lê Thị Hoa")
    contact = _f1_of_a_f2_of_b(two_cases, who, f1_day=_ago(6), f2_day=_ago(2))
    quarantine = (_ago(1), _ago(2) + dt.timedelta(days=7))
    # As the code before 0038 left it: the span of every level, and a quarantine counted from the F2 meeting.
    Contact.objects.filter(pk=contact.pk).update(
        last_exposure_at=local(_ago(2), 16), status="quarantined", quarantine_start=quarantine[0],
        quarantine_end=quarantine[1],
    )  # fmt: skip
    untouched = two_cases["xuan"]  # an F1 with no further evidence

    migration.span_of_the_level(apps, None)

    contact.refresh_from_db()
    assert (contact.first_exposure_at, contact.last_exposure_at) == (local(_ago(6), 10), local(_ago(6), 11))
    assert (contact.quarantine_start, contact.quarantine_end) == quarantine
    before = (untouched.first_exposure_at, untouched.last_exposure_at)
    untouched.refresh_from_db()
    assert (untouched.first_exposure_at, untouched.last_exposure_at) == before

    migration.span_of_every_level(apps, None)

    contact.refresh_from_db()
    assert (contact.first_exposure_at, contact.last_exposure_at) == (local(_ago(6), 10), local(_ago(2), 16))
