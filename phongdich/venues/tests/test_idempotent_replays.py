"""Venue writes repeated with their Idempotency-Key answer the venue read again, not the stored answer
(core.api.read_again): the venue's answer names its contact person and phone (a venue manager's own, often) and
carries its codes' live tokens, so the store keeps the venue's id; the repeat writes nothing and reads the venue
through venue_get, as scoped as the first answer (404 for an official moved to another area since). The public
form's repeat reads it as the account the request registered sees it."""

import json

import pytest
from django.contrib.auth import get_user_model

from phongdich.accounts.models import Official
from phongdich.core.models import AuditLog, IdempotencyKey
from phongdich.venues.models import Venue, VenueCode, VenueMembership
from phongdich.venues.services import venue_verify

from .conftest import registration

pytestmark = pytest.mark.django_db

CONTACT = ("Nguyễn Thị Hường", "912345678")


def _post(client, path, body, key):
    return client.post(path, json.dumps(body), content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)


def _written() -> tuple[int, int, int, int]:
    return (
        Venue.objects.count(),
        VenueCode.objects.count(),
        get_user_model().objects.count(),
        AuditLog.objects.filter(action__startswith="venues.").count(),
    )


def _nothing_personal_stored(key, first) -> None:
    stored = json.dumps(IdempotencyKey.objects.get(key=key).response_body, ensure_ascii=False)
    for value in (*CONTACT, *(code["token"] for code in first.json().get("codes", []))):
        assert value not in stored, stored


def test_an_officials_new_venue_is_read_again_and_refused_once_they_moved(client, areas, official_a):
    client.force_login(official_a)
    account = ("username", "password", "email")
    body = {key: value for key, value in registration(areas["commune_a"]).items() if key not in account}
    first = _post(client, "/api/v1/venues/", body, "new-1")
    assert first.status_code == 201 and first.json()["contact_name"] == CONTACT[0]
    written = _written()
    again = _post(client, "/api/v1/venues/", body, "new-1")
    assert again.status_code == 201 and again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert _written() == written
    _nothing_personal_stored("new-1", first)

    Official.objects.filter(user=official_a).update(area=areas["commune_b"])
    moved = _post(client, "/api/v1/venues/", body, "new-1")
    assert moved.status_code == 404 and CONTACT[0] not in moved.content.decode()
    assert _written() == written


def test_a_public_registration_is_read_again_as_its_managers_venue(client, areas):
    body = registration(areas["commune_a"])
    first = _post(client, "/api/v1/venues/register/", body, "reg-1")
    assert first.status_code == 201
    written = _written()
    again = _post(client, "/api/v1/venues/register/", body, "reg-1")
    assert again.status_code == 201 and again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert _written() == written
    _nothing_personal_stored("reg-1", first)

    # The account no longer manages the venue (taken off it): the repeat shows it no more.
    VenueMembership.objects.filter(venue_id=first.json()["id"]).delete()
    gone = _post(client, "/api/v1/venues/register/", body, "reg-1")
    assert gone.status_code == 404 and CONTACT[0] not in gone.content.decode()


def test_a_public_registration_is_not_shown_again_once_its_account_is_disabled(client, areas):
    body = registration(areas["commune_a"])
    assert _post(client, "/api/v1/venues/register/", body, "reg-2").status_code == 201
    get_user_model().objects.filter(username=body["username"]).update(is_active=False)
    again = _post(client, "/api/v1/venues/register/", body, "reg-2")
    assert again.status_code == 404 and CONTACT[0] not in again.content.decode()


@pytest.mark.parametrize("decision", ["verify", "reject", "suspend"])
def test_a_decision_is_read_again_and_refused_once_the_official_moved(client, areas, official_a, venue_a, decision):
    if decision == "suspend":
        venue_verify(actor=official_a, venue=venue_a)
    client.force_login(official_a)
    path = f"/api/v1/venues/{venue_a.pk}/{decision}/"
    body = {} if decision == "verify" else {"reason": "Sai địa chỉ"}
    first = _post(client, path, body, "decide-1")
    assert first.status_code == 200 and first.json()["contact_phone"] == "+84912345678"
    written = _written()
    again = _post(client, path, body, "decide-1")
    assert again.status_code == 200 and again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert _written() == written
    _nothing_personal_stored("decide-1", first)

    Official.objects.filter(user=official_a).update(area=areas["commune_b"])
    moved = _post(client, path, body, "decide-1")
    assert moved.status_code == 404 and CONTACT[1] not in moved.content.decode()


def test_answers_kept_whole_before_are_reduced_to_markers_and_still_replayed(client, areas, official_a, venue_a):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("phongdich.venues.migrations.0006_idempotent_answers_kept_as_markers")
    body = registration(areas["commune_a"], username="cho_moi", name="Chợ Mới")
    registered = _post(client, "/api/v1/venues/register/", body, "old-reg")
    client.force_login(official_a)
    verified = _post(client, f"/api/v1/venues/{venue_a.pk}/verify/", {}, "old-verify")
    for key, answer in (("old-reg", registered), ("old-verify", verified)):
        IdempotencyKey.objects.filter(key=key).update(response_body=answer.json())  # as stored before

    migration.answers_to_markers(apps, None)
    _nothing_personal_stored("old-reg", registered)
    _nothing_personal_stored("old-verify", verified)
    assert _post(client, f"/api/v1/venues/{venue_a.pk}/verify/", {}, "old-verify").json() == verified.json()
    client.logout()
    again = _post(client, "/api/v1/venues/register/", body, "old-reg")
    assert again.status_code == 201 and again.json() == registered.json()


def test_a_field_the_venue_does_not_take_is_refused_naming_it(client, areas, official_a):
    """`status` is the answer's, changed only by a decision: sent with a new venue it is invalid_input, not ignored."""
    client.force_login(official_a)
    account = ("username", "password", "email")
    body = {key: value for key, value in registration(areas["commune_a"]).items() if key not in account}
    refused = client.post("/api/v1/venues/", {**body, "status": "verified"}, content_type="application/json")
    assert refused.status_code == 400 and list(refused.json()["extra"]["fields"]) == ["status"]
    assert not Venue.objects.exists()
