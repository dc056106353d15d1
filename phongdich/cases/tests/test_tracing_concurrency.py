"""Traces of several cases at once that find the same people (PostgreSQL only: SQLite serialises writers).

Each trace upserts the same contacts while the others do (ON CONFLICT, row locks taken in person order); none
fails, every contact exists once, and nothing is missing: tracing all cases again adds and changes nothing."""

import threading
from importlib import import_module

import pytest
from django.apps import apps
from django.db import connection, connections

from phongdich.cases.models import Contact, ContactLink
from phongdich.cases.tracing import case_trace_checkins

from .test_tracing import NOW, World

pytestmark = pytest.mark.django_db(transaction=True)

CASES = 6
CLASSMATES = 40


@pytest.fixture
def shared_world(transactional_db, settings):
    """A school where six pupils fall ill on the same day, and their classmates' evenings at the market."""
    # Transactional tests start from a flushed database: the rows the data migrations made are loaded again.
    import_module("phongdich.venues.migrations.0002_seed_venue_types").seed(apps, None)
    import_module("phongdich.cases.migrations.0002_window_rules").load(apps, None)
    settings.TRACING_MIN_OVERLAP_MINUTES = None
    settings.TRACING_OPEN_CHECKIN_BUFFER_MINUTES = {}
    settings.TRACING_MAX_LEVEL = 2
    world = World()
    pupils = [world.person(f"Học sinh {i}") for i in range(CASES + CLASSMATES)]
    shoppers = [world.person(f"Người đi chợ {i}") for i in range(CLASSMATES)]
    for day in range(2):
        start = day * 1440 - 1200
        for i, pupil in enumerate(pupils):
            world.visit(pupil, world.school, start + i % 7, start + 300 - i % 5)
        for i, (pupil, shopper) in enumerate(zip(pupils[CASES:], shoppers, strict=True)):
            world.visit(pupil, world.market, start + 420 + i, start + 480)
            world.visit(shopper, world.market, start + 430 + i % 3, start + 470)
    cases = [world.case(pupil) for pupil in pupils[:CASES]]
    return world, cases


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
def test_traces_finding_the_same_contacts_at_once_neither_deadlock_nor_lose_a_link(shared_world):
    _, cases = shared_world
    errors, outcomes, barrier = [], {}, threading.Barrier(CASES)

    def trace(case):
        try:
            barrier.wait()
            outcomes[case.pk] = case_trace_checkins(case=case, now=NOW)
        except Exception as exc:  # noqa: BLE001 (reported by the assertion below)
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=trace, args=(case,)) for case in cases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    # Every case: the other five pupils and the 40 classmates as F1 at the school, the shoppers as F2.
    assert {o.f1 for o in outcomes.values()} == {CASES - 1 + CLASSMATES}
    assert {o.f2 for o in outcomes.values()} == {CLASSMATES}
    assert Contact.objects.count() == CASES + 2 * CLASSMATES  # the cases' pupils are F1 of each other
    assert ContactLink.objects.count() == sum(o.links_added for o in outcomes.values())
    again = [case_trace_checkins(case=case, now=NOW) for case in cases]
    assert [(o.links_added, o.links_updated) for o in again] == [(0, 0)] * CASES
