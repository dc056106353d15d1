"""A paper entry or a check-out repeated with its Idempotency-Key answers the check-in read again, not the stored
answer (core.api.read_again): the answer says where and when a person (by their initials) was, so the store keeps
the check-in's id; the repeat writes nothing and reads the check-in for whoever may still record at its venue
(audited for a user; 404 for an official moved to another area or staff taken off the venue since)."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from phongdich.accounts.models import Official
from phongdich.core.models import AuditLog, IdempotencyKey
from phongdich.core.testing import make_official, make_province_with_communes, make_user
from phongdich.people.models import Person
from phongdich.venues.models import VenueMembership

from ..models import CheckIn
from . import builders as b

pytestmark = pytest.mark.django_db

PAPER = "/api/v1/checkins/paper/"


@pytest.fixture(autouse=True)
def _fresh_caches():
    b.clear_caches()
    yield
    b.clear_caches()


@pytest.fixture
def world():
    areas = make_province_with_communes()
    venue = b.make_venue(areas["commune_a"])
    return {"areas": areas, "venue": venue, "code": b.make_code(venue), "person": b.make_person(areas["commune_a"])}


def _post(client, path, body, key):
    return client.post(path, json.dumps(body), content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)


def _paper(world) -> dict:
    return {
        "venue": world["venue"].pk,
        "code": world["code"].pk,
        "full_name": "Đỗ Thị Lan",
        "phone": "0983 123 456",
        "birth_year": 1948,
        "has_symptoms": False,
        "had_contact": False,
        "travelled": False,
    }


def _written() -> tuple[int, int, int]:
    """Check-ins, people, and audit entries of writes (paper_recorded, checked_out): not the reads."""
    writes = AuditLog.objects.exclude(action__endswith="viewed").exclude(action__endswith="listed")
    return CheckIn.objects.count(), Person.objects.count(), writes.count()


def _repeated(client, user, path, body, key):
    """The write, then its repeat: the same answer, nothing written, one audited read; the store keeps no initials,
    name or phone. Returns the first answer."""
    first = _post(client, path, body, key)
    assert first.status_code in (200, 201), first.content
    written, reads = _written(), AuditLog.objects.filter(actor=user, action="checkins.checkin.viewed")
    before = reads.count()
    again = _post(client, path, body, key)
    assert again.status_code == first.status_code and again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert _written() == written
    assert reads.count() == before + 1
    stored = json.dumps(IdempotencyKey.objects.get(key=key).response_body, ensure_ascii=False)
    initials = first.json()["person_initials"]
    for value in (initials, "Đỗ Thị Lan", "983123456", "983 123 456", first.json()["venue"]["name"]):
        assert value not in stored, stored
    return first


def test_an_officials_paper_entry_is_read_again_and_refused_once_they_moved(world):
    official = make_official(Official.Role.AREA_OFFICIAL, world["areas"]["commune_a"])
    client = Client()
    client.force_login(official)
    first = _repeated(client, official, PAPER, _paper(world), "paper-1")
    assert first.status_code == 201 and first.json()["person_initials"] == "ĐTL"

    Official.objects.filter(user=official).update(area=world["areas"]["commune_b"])
    moved = _post(client, PAPER, _paper(world), "paper-1")
    assert moved.status_code == 404 and "ĐTL" not in moved.content.decode()
    assert CheckIn.objects.count() == 1


def test_a_paper_entry_is_not_shown_again_to_staff_taken_off_the_venue(world):
    staff = make_user()
    b.add_member(world["venue"], staff)
    client = Client()
    client.force_login(staff)
    _repeated(client, staff, PAPER, _paper(world), "paper-2")
    VenueMembership.objects.filter(user=staff).delete()
    gone = _post(client, PAPER, _paper(world), "paper-2")
    assert gone.status_code == 404 and "ĐTL" not in gone.content.decode()


def _visit(world) -> CheckIn:
    return CheckIn.objects.create(
        person=world["person"],
        venue=world["venue"],
        area_path=world["venue"].area_path,
        checked_in_at=timezone.now() - timedelta(minutes=10),
        received_at=timezone.now(),
        source="self_scan",
    )


def test_an_officials_checkout_is_read_again_and_refused_once_they_moved(world):
    checkin = _visit(world)
    official = make_official(Official.Role.AREA_OFFICIAL, world["areas"]["commune_a"])
    client = Client()
    client.force_login(official)
    path = f"/api/v1/checkins/{checkin.pk}/checkout/"
    first = _repeated(client, official, path, {}, "out-1")
    assert first.status_code == 200 and first.json()["checkout_kind"] == "staff"

    Official.objects.filter(user=official).update(area=world["areas"]["commune_b"])
    moved = _post(client, path, {}, "out-1")
    assert moved.status_code == 404 and "NVA" not in moved.content.decode()


def test_a_devices_checkout_is_read_again_at_its_own_venue(world):
    checkin = _visit(world)
    _, token = b.make_device(world["venue"])
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    path = f"/api/v1/checkins/{checkin.pk}/checkout/"
    first = _post(client, path, {}, "dev-out-1")
    again = _post(client, path, {}, "dev-out-1")
    assert first.status_code == again.status_code == 200 and again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    stored = json.dumps(IdempotencyKey.objects.get(key="dev-out-1").response_body, ensure_ascii=False)
    assert "NVA" not in stored and world["venue"].name not in stored


def test_answers_kept_whole_before_are_reduced_to_markers_and_still_replayed(world):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("phongdich.checkins.migrations.0011_idempotent_answers_kept_as_markers")
    official = make_official(Official.Role.AREA_OFFICIAL, world["areas"]["commune_a"])
    client = Client()
    client.force_login(official)
    path = f"/api/v1/checkins/{_visit(world).pk}/checkout/"
    answers = {"paper": _post(client, PAPER, _paper(world), "old-paper"), "out": _post(client, path, {}, "old-out")}
    for name, answer in answers.items():
        IdempotencyKey.objects.filter(key=f"old-{name}").update(response_body=answer.json())  # as stored before

    migration.answers_to_markers(apps, None)
    for name in answers:
        assert "person_initials" not in json.dumps(IdempotencyKey.objects.get(key=f"old-{name}").response_body)
    assert _post(client, PAPER, _paper(world), "old-paper").json() == answers["paper"].json()
    assert _post(client, path, {}, "old-out").json() == answers["out"].json()
