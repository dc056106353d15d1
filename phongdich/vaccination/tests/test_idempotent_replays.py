"""Writes repeated with their Idempotency-Key whose answer shows a person (a registration with the person's name, a
dose, a reaction) are read again, not answered from the store (core.api.read_again): the store keeps ids, the repeat
writes nothing, is an audited read through the scoped selector, and answers 404 to an official moved to another area
since. A citizen's receipt names no one and is kept as it was."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from phongdich.accounts.models import Official
from phongdich.core.models import AuditLog, IdempotencyKey

from ..models import Dose, Reaction, TimeSlot, VaccinationRegistration
from .builders import make_person, make_registration, make_session

TOMORROW = timezone.localdate() + dt.timedelta(days=1)


def _post(client, path, body, key):
    return client.post(path, json.dumps(body), content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)


def _stored(key) -> str:
    return json.dumps(IdempotencyKey.objects.get(key=key).response_body, ensure_ascii=False)


def _repeat_is_read_again(client, user, path, body, *, reads: str, rows, personal, moved_to):
    """The write once, its repeat (same answer, nothing written, one audited read, nothing personal stored), then
    the repeat again after `user` moved to the area `moved_to` (404, nothing shown)."""
    first = _post(client, path, body, "key-1")
    assert first.status_code < 300, first.json()
    count = rows()
    audited = AuditLog.objects.filter(actor=user, action=reads)
    before = audited.count()
    again = _post(client, path, body, "key-1")
    assert again.status_code == first.status_code and again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert rows() == count
    assert audited.count() == before + 1
    stored = _stored("key-1")
    for value in personal:
        assert value in first.content.decode() and value not in stored, stored
    Official.objects.filter(user=user).update(area=moved_to)
    moved = _post(client, path, body, "key-1")
    assert moved.status_code == 404 and moved.json()["code"] == "not_found"
    for value in personal:
        assert value not in moved.content.decode()
    assert rows() == count
    return first


def test_an_officials_registration_names_the_person_only_while_they_see_it(client, areas, official):
    client.force_login(official)
    body = {
        "full_name": "Phạm Thị Lan",
        "birth_date": "1958-02-03",
        "phone": "0987654321",
        "area": areas["commune_a"].pk,
        "priority_group": "nq21-5",
    }
    first = _repeat_is_read_again(
        client,
        official,
        "/api/v1/vaccination/registrations/",
        body,
        reads="vaccination.registration.viewed",
        rows=VaccinationRegistration.objects.count,
        personal=["Phạm Thị Lan"],
        moved_to=areas["commune_b"],
    )
    assert first.status_code == 201 and first.json()["registration"]["person_name"] == "Phạm Thị Lan"
    assert "987654321" not in _stored("key-1")
    assert AuditLog.objects.filter(action="vaccination.registration.created").count() == 1


def test_a_citizens_receipt_names_no_one_and_is_answered_again(client, areas, site):
    slot = make_session(site, date=TOMORROW, slots=((7, 5),)).slots.get()
    body = {
        "full_name": "Phạm Thị Lan",
        "birth_date": "1958-02-03",
        "phone": "0987654321",
        "area": areas["commune_a"].pk,
        "priority_group": "nq21-5",
        "slot": slot.pk,
    }
    first = _post(client, "/api/v1/vaccination/registrations/", body, "self-1")
    again = _post(client, "/api/v1/vaccination/registrations/", body, "self-1")
    assert first.status_code == again.status_code == 202 and again.json() == first.json()
    assert first.json()["registration"] is None and again["Idempotent-Replayed"] == "true"
    assert VaccinationRegistration.objects.count() == 1 and TimeSlot.objects.get().booked_count == 1
    stored = _stored("self-1")
    assert "Phạm Thị Lan" not in stored and "987654321" not in stored


WRITTEN = {"book": "vaccination.registration.booked", "cancel": "vaccination.registration.cancelled"}


@pytest.mark.parametrize("action", ["book", "cancel"])
def test_a_booking_or_a_cancellation_names_the_person_only_while_they_see_it(client, areas, site, official, action):
    slot = make_session(site, date=TOMORROW, slots=((7, 5),)).slots.get()
    registration = make_registration(make_person(areas["commune_a"], name="Đỗ Văn Bình"))
    client.force_login(official)
    first = _repeat_is_read_again(
        client,
        official,
        f"/api/v1/vaccination/registrations/{registration.pk}/{action}/",
        {"slot": slot.pk} if action == "book" else {},
        reads="vaccination.registration.viewed",
        # Nothing written again: no second place taken, no second audit entry of the change.
        rows=lambda: (
            TimeSlot.objects.get().booked_count,
            AuditLog.objects.filter(action=WRITTEN[action]).count(),
        ),
        personal=["Đỗ Văn Bình"],
        moved_to=areas["commune_b"],
    )
    assert first.json()["status"] == {"book": "booked", "cancel": "cancelled"}[action]


def test_a_dose_is_shown_again_only_while_the_staff_see_it(client, areas, site, staff):
    person = make_person(areas["commune_a"], name="Hoàng Thị Cúc")
    client.force_login(staff)
    body = {
        "person": person.pk,
        "site": site.pk,
        "product": "astrazeneca",
        "lot": "ABV5921",
        "dose_number": 1,
        "given_on": timezone.localdate().isoformat(),
    }
    first = _repeat_is_read_again(
        client,
        staff,
        "/api/v1/vaccination/doses/",
        body,
        reads="vaccination.dose.viewed",
        rows=Dose.objects.count,
        personal=["ABV5921"],
        moved_to=areas["commune_b"],
    )
    assert first.status_code == 201 and first.json()["warnings"] == []
    assert Dose.objects.count() == 1


def test_a_mixed_dose_repeated_keeps_its_warning(client, areas, site, staff):
    person = make_person(areas["commune_a"])
    Dose.objects.create(
        person=person,
        product_id=1,
        lot="L1",
        dose_number=1,
        given_on=timezone.localdate() - dt.timedelta(days=90),
        area_path=person.area_path,
    )
    client.force_login(staff)
    body = {
        "person": person.pk,
        "site": site.pk,
        "product": "pfizer",
        "lot": "FK1234",
        "dose_number": 2,
        "given_on": timezone.localdate().isoformat(),
    }
    first = _post(client, "/api/v1/vaccination/doses/", body, "mixed-1")
    again = _post(client, "/api/v1/vaccination/doses/", body, "mixed-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and first.json()["warnings"] == ["mixed_products"]
    assert "mixed" not in _stored("mixed-1")


def test_a_reaction_is_shown_again_only_while_the_staff_see_it(client, areas, staff):
    person = make_person(areas["commune_a"])
    dose = Dose.objects.create(
        person=person,
        product_id=1,
        lot="L1",
        dose_number=1,
        given_on=timezone.localdate() - dt.timedelta(days=1),
        area_path=person.area_path,
    )
    client.force_login(staff)
    body = {"severity": "mild", "symptoms": "Sốt nhẹ, đau chỗ tiêm", "onset_at": timezone.now().isoformat()}
    _repeat_is_read_again(
        client,
        staff,
        f"/api/v1/vaccination/doses/{dose.pk}/reactions/",
        body,
        reads="vaccination.reaction.viewed",
        rows=Reaction.objects.count,
        personal=["Sốt nhẹ, đau chỗ tiêm"],
        moved_to=areas["commune_b"],
    )
    assert Reaction.objects.count() == 1


def test_answers_kept_whole_before_are_reduced_to_markers_and_still_replayed(client, areas, staff, site):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("phongdich.vaccination.migrations.0006_idempotent_answers_kept_as_markers")
    person = make_person(areas["commune_a"], name="Hoàng Thị Cúc")
    client.force_login(staff)
    dose = {
        "person": person.pk,
        "site": site.pk,
        "product": "astrazeneca",
        "lot": "ABV5921",
        "dose_number": 1,
        "given_on": timezone.localdate().isoformat(),
    }
    registration = {
        "full_name": "Phạm Thị Lan",
        "birth_date": "1958-02-03",
        "phone": "0987654321",
        "area": areas["commune_a"].pk,
        "priority_group": "nq21-5",
    }
    answers = {
        "dose": _post(client, "/api/v1/vaccination/doses/", dose, "old-dose"),
        "registration": _post(client, "/api/v1/vaccination/registrations/", registration, "old-registration"),
    }
    for name, answer in answers.items():
        assert answer.status_code == 201, answer.json()
        IdempotencyKey.objects.filter(key=f"old-{name}").update(response_body=answer.json())  # as stored before

    migration.answers_to_markers(apps, None)
    assert "ABV5921" not in _stored("old-dose") and "Phạm Thị Lan" not in _stored("old-registration")
    assert _post(client, "/api/v1/vaccination/doses/", dose, "old-dose").json() == answers["dose"].json()
    again = _post(client, "/api/v1/vaccination/registrations/", registration, "old-registration")
    assert again.status_code == 201 and again.json() == answers["registration"].json()
