"""A submission repeated with its Idempotency-Key answers its declarations read again, not the stored answer
(api.DeclarationApi's stored=/replayed=): the answer says whether each person's answers were flagged and gives a new
person's public id (their one-tap check-in), so the store keeps each declaration's id, whose it is and whether the
public id was given. A citizen's repeat is answered while each declaration is still that person's; an official's
paper entry repeated is an audited read, refused once they no longer see the area."""

import json

import pytest

from phongdich.accounts.models import Official
from phongdich.core.models import AuditLog, IdempotencyKey
from phongdich.core.testing import make_official, make_province_with_communes
from phongdich.declarations.models import Declaration
from phongdich.people.models import Person

pytestmark = pytest.mark.django_db
URL = "/api/v1/declarations/"


@pytest.fixture
def areas():
    return make_province_with_communes()


def _family(areas) -> dict:
    return {
        "kind": "domestic",
        "phone": "0912345678",
        "members": [
            {"full_name": "Nguyễn Thị Lan", "birth_year": 1990, "gender": "female", "data": {"symptoms": ["fever"]}},
            {"full_name": "Trần Văn Nam", "birth_year": 2012},
        ],
        "data": {"area": areas["commune_a"].pk, "address_street": "12 Lê Lợi"},
    }


def _post(client, body, key):
    return client.post(URL, json.dumps(body), content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)


def _stored(key) -> str:
    return json.dumps(IdempotencyKey.objects.get(key=key).response_body, ensure_ascii=False)


def _written():
    return Declaration.objects.count(), Person.objects.count()


def test_a_citizens_repeated_submission_is_read_again_while_each_declaration_is_still_that_persons(client, areas):
    first = _post(client, _family(areas), "decl-1")
    assert first.status_code == 201
    rows = first.json()["declarations"]
    assert [row["flagged"] for row in rows] == [True, False] and all(row["person_public_id"] for row in rows)
    written = _written()

    again = _post(client, _family(areas), "decl-1")
    assert again.status_code == 201 and again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert _written() == written
    stored = _stored("decl-1")
    for personal in ("Nguyễn Thị Lan", "912345678", "flagged", *(row["person_public_id"] for row in rows)):
        assert personal not in stored, stored

    # The second declaration now belongs to another record (two records of one person merged the other way).
    other = Person.objects.create(full_name="Lê Văn Khác", phone="+84987654321", area_path=areas["commune_a"].path)
    Declaration.objects.filter(pk=rows[1]["id"]).update(person=other)
    changed = _post(client, _family(areas), "decl-1")
    assert changed.status_code == 404
    assert not any(row["person_public_id"] in changed.content.decode() for row in rows)


def test_an_officials_repeated_paper_entry_is_audited_and_refused_once_they_moved(client, areas):
    official = make_official("area_official", areas["commune_a"])
    client.force_login(official)
    first = _post(client, _family(areas), "paper-1")
    assert first.status_code == 201
    assert Declaration.objects.filter(source="paper").count() == 2
    written = _written()
    reads = AuditLog.objects.filter(actor=official, action="declarations.declaration.viewed")
    assert reads.count() == 0

    again = _post(client, _family(areas), "paper-1")
    assert again.status_code == 201 and again.json() == first.json()
    assert _written() == written
    assert reads.count() == 2
    assert AuditLog.objects.filter(action="declarations.declaration.submitted").count() == 2

    Official.objects.filter(user=official).update(area=areas["commune_b"])
    moved = _post(client, _family(areas), "paper-1")
    assert moved.status_code == 404 and "person_public_id" not in moved.content.decode()
    assert reads.count() == 2


def test_answers_kept_whole_before_are_reduced_to_markers_and_still_replayed(client, areas):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("phongdich.declarations.migrations.0007_idempotent_answers_kept_as_markers")
    first = _post(client, _family(areas), "old-decl")
    IdempotencyKey.objects.filter(key="old-decl").update(response_body=first.json())  # as stored before

    migration.answers_to_markers(apps, None)
    assert "flagged" not in _stored("old-decl")
    again = _post(client, _family(areas), "old-decl")
    assert again.status_code == 201 and again.json() == first.json()


def test_an_answer_kept_whole_whose_declaration_was_purged_before_the_migration_replays_as_not_found(client, areas):
    """Migration 0007 keeps no person for a declaration already purged (retention): the repeat answered 500 on
    int(None) instead of the not_found a purge answers."""
    from importlib import import_module

    from django.apps import apps

    migration = import_module("phongdich.declarations.migrations.0007_idempotent_answers_kept_as_markers")
    first = _post(client, _family(areas), "purged-decl")
    IdempotencyKey.objects.filter(key="purged-decl").update(response_body=first.json())  # as stored before
    Declaration.objects.all().delete()  # retention, before the upgrade

    migration.answers_to_markers(apps, None)
    again = _post(client, _family(areas), "purged-decl")
    assert again.status_code == 404 and again.json()["code"] == "not_found"
