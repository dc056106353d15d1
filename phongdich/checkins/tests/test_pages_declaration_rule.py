"""The venue rule of issue 3 (item 3): a venue may require a health declaration made within the last N hours
before check-in; the check-in page then records its three answers as the short declaration, in the check-in's
transaction."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from phongdich.checkins.models import CheckIn
from phongdich.core.errors import ApplicationError
from phongdich.core.models import AuditLog
from phongdich.core.testing import make_official, make_province_with_communes, make_user
from phongdich.declarations import errors as declaration_errors
from phongdich.declarations.models import Declaration
from phongdich.declarations.services import declaration_submit
from phongdich.people.models import Person
from phongdich.venues.models import Venue, VenueMembership
from phongdich.venues.services import venue_declaration_rule_set

from .builders import clear_caches, make_code, make_venue

DECLARATION = {
    "action": "declare",
    "full_name": "Nguyễn Thị Lan",
    "phone": "0912 345 678",
    "birth_year": "1990",
    "citizen_id": "",
    "has_symptoms": "yes",
    "had_contact": "no",
    "travelled": "yes",
    "nonce": "nonce-first-visit",
}


@pytest.fixture(autouse=True)
def _fresh_caches():
    clear_caches()
    cache.clear()
    yield
    clear_caches()


@pytest.fixture
def areas(db):
    return make_province_with_communes()


@pytest.fixture
def venue(areas):
    venue = make_venue(areas["commune_a"], name="Chợ Thạch Lập")
    Venue.objects.filter(pk=venue.pk).update(declaration_required_hours=24)
    venue.refresh_from_db()
    return venue


@pytest.fixture
def code(venue):
    return make_code(venue)


def _quick(client, code, person, **answers):
    body = {"action": "checkin", "person": person.public_id, "nonce": answers.pop("nonce", "quick-1")}
    body.update({"has_symptoms": "no", "had_contact": "no", "travelled": "no", **answers})
    return client.post(f"/c/{code.token}", body)


def test_page_says_the_venue_requires_a_declaration(client, code):
    page = client.get(f"/c/{code.token}").content.decode()
    assert "declaration-required" in page and "(24 h)" in page


def test_first_visit_records_the_short_declaration_with_the_checkin(client, code):
    response = client.post(f"/c/{code.token}", DECLARATION)
    assert response.status_code == 200
    checkin = CheckIn.objects.get()
    declaration = Declaration.objects.get()
    assert declaration.person == checkin.person and declaration.source == "venue_inline"
    assert declaration.kind == "domestic" and declaration.symptoms == ["any_listed"] and declaration.flagged
    assert declaration.travelled_14d and declaration.exposures == []
    assert declaration.area_path == checkin.person.area_path


def test_remembered_person_without_a_recent_declaration_declares_inline(client, code):
    client.post(f"/c/{code.token}", DECLARATION)
    person = Person.objects.get()
    Declaration.objects.update(submitted_at=timezone.now() - timedelta(hours=25))
    page = client.get(f"/c/{code.token}").content.decode()
    assert "declaration-required" in page
    _quick(client, code, person, had_contact="yes", nonce="quick-2")
    latest = Declaration.objects.order_by("-submitted_at").first()
    assert latest.source == "venue_inline" and latest.exposures == ["contact_case"]
    assert CheckIn.objects.count() == 2 and Declaration.objects.count() == 2


def test_a_recent_declaration_means_no_new_one(client, code, areas):
    client.post(f"/c/{code.token}", DECLARATION)
    person = Person.objects.get()
    page = client.get(f"/c/{code.token}").content.decode()
    assert "declaration-required" not in page
    _quick(client, code, person, nonce="quick-3")
    assert CheckIn.objects.count() == 2 and Declaration.objects.count() == 1


def test_a_full_declaration_made_online_counts(client, code, areas):
    client.post(f"/c/{code.token}", DECLARATION)
    person = Person.objects.get()
    Declaration.objects.all().delete()
    declaration_submit(person=person, kind="domestic", data={"area": areas["commune_a"]})
    _quick(client, code, person, nonce="quick-4")
    assert Declaration.objects.count() == 1 and Declaration.objects.get().source == "online"


def test_venue_without_the_rule_records_no_declaration_for_all_no(client, areas):
    code = make_code(make_venue(areas["commune_a"]))
    assert "declaration-required" not in client.get(f"/c/{code.token}").content.decode()
    client.post(f"/c/{code.token}", {**DECLARATION, "has_symptoms": "no", "travelled": "no"})
    assert CheckIn.objects.count() == 1 and not Declaration.objects.exists()


def test_a_yes_to_symptoms_anywhere_reaches_the_health_station_once_a_day(
    client, areas, django_capture_on_commit_callbacks
):
    """A "yes" kept on the check-in alone reached no health station (walk-through of 2026-12-06): it is the short
    declaration, flagged, a follow-up task; the next venue of the day adds no second task."""
    from phongdich.followups.models import FollowUpTask

    first, second = make_code(make_venue(areas["commune_a"])), make_code(make_venue(areas["commune_a"], name="Quán"))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/c/{first.token}", DECLARATION)
    declaration = Declaration.objects.get()
    assert declaration.flagged and declaration.source == "venue_inline" and declaration.symptoms == ["any_listed"]
    assert FollowUpTask.objects.filter(declaration=declaration).count() == 1
    person = Person.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        _quick(client, second, person, nonce="next-venue", has_symptoms="yes")
    assert CheckIn.objects.count() == 2 and Declaration.objects.count() == 1 and FollowUpTask.objects.count() == 1


def test_refused_checkin_writes_no_declaration(client, code, venue):
    Venue.objects.filter(pk=venue.pk).update(status=Venue.Status.SUSPENDED)
    clear_caches()
    response = client.post(f"/c/{code.token}", DECLARATION)
    assert response.status_code >= 400
    assert not CheckIn.objects.exists() and not Declaration.objects.exists() and not Person.objects.exists()


def test_failed_declaration_rolls_the_checkin_back(client, code, monkeypatch):
    client.post(f"/c/{code.token}", DECLARATION)
    person = Person.objects.get()
    Declaration.objects.all().delete()

    def refuse(**kwargs):
        raise ApplicationError(declaration_errors.INVALID_DECLARATION)

    monkeypatch.setattr("phongdich.declarations.services.declaration_submit_venue_inline", refuse)
    response = _quick(client, code, person, nonce="quick-5")
    assert response.status_code == 400
    assert CheckIn.objects.count() == 1 and not Declaration.objects.exists()


def test_manager_and_official_set_the_rule_others_cannot(client, areas, venue):
    manager = make_user()
    VenueMembership.objects.create(venue=venue, user=manager, role=VenueMembership.Role.MANAGER)
    client.force_login(manager)
    response = client.post(f"/venues/{venue.pk}/declaration-rule/", {"declaration_required_hours": "72"})
    assert response.status_code == 302
    venue.refresh_from_db()
    assert venue.declaration_required_hours == 72
    assert AuditLog.objects.filter(action="venues.venue.declaration_rule_set", actor=manager).exists()
    client.post(f"/venues/{venue.pk}/declaration-rule/", {"declaration_required_hours": ""})
    venue.refresh_from_db()
    assert venue.declaration_required_hours is None
    client.post(f"/venues/{venue.pk}/declaration-rule/", {"declaration_required_hours": "9999"})
    venue.refresh_from_db()
    assert venue.declaration_required_hours is None
    official = make_official("area_official", areas["commune_a"])
    venue_declaration_rule_set(actor=official, venue=venue, hours=12)
    assert Venue.objects.get(pk=venue.pk).declaration_required_hours == 12
    with pytest.raises(ApplicationError) as error:
        venue_declaration_rule_set(actor=make_official("area_official", areas["commune_b"]), venue=venue, hours=1)
    assert error.value.code == "permission_denied"
    with pytest.raises(ApplicationError):
        venue_declaration_rule_set(actor=official, venue=venue, hours=0)


def test_rule_is_editable_in_the_admin(client, venue):
    client.force_login(make_user(is_staff=True, is_superuser=True))
    page = client.get(f"/admin/venues/venue/{venue.pk}/change/").content.decode()
    assert 'name="declaration_required_hours"' in page


def test_the_public_api_applies_the_venue_rule_too(client, code):
    body = {
        "code_token": code.token,
        "full_name": "Trần Văn Bình",
        "phone": "0987654321",
        "birth_year": 1985,
        "has_symptoms": True,
        "had_contact": False,
        "travelled": False,
    }
    response = client.post("/api/v1/checkins/self/", body, content_type="application/json")
    assert response.status_code == 201
    declaration = Declaration.objects.get()
    assert declaration.source == Declaration.Source.VENUE_INLINE and declaration.flagged
    # A second check-in within the venue's hours needs no new declaration.
    public_id = response.json()["person_public_id"]
    again = {
        "code_token": code.token,
        "person_public_id": public_id,
        **{k: False for k in ("has_symptoms", "had_contact", "travelled")},
    }
    assert client.post("/api/v1/checkins/self/", again, content_type="application/json").status_code == 201
    assert Declaration.objects.count() == 1 and CheckIn.objects.count() == 2
