"""A registration or a result repeated with its Idempotency-Key is read again, not answered from the store
(core.api.idempotent's stored=/replayed=): the store keeps ids, the repeat writes nothing, an official's repeat is an
audited read through the scoped selector and answers 404 once they no longer see the record; a citizen's repeat is
answered while the registration is still that person's."""

import json

from phongdich.accounts.models import Official
from phongdich.core.audit import AuditLog
from phongdich.core.models import IdempotencyKey
from phongdich.core.testing import make_official

from ..models import TestRegistration, TestResult
from .builders import BIRTH_1990, CCCD_1990, make_person, make_sample


def _post(client, path, body, key):
    return client.post(path, json.dumps(body), content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)


def _stored(key) -> str:
    return json.dumps(IdempotencyKey.objects.get(key=key).response_body, ensure_ascii=False)


def _registration(session, areas, **overrides):
    return {
        "session": session.pk,
        "full_name": "Nguyễn Văn An",
        "id_number": CCCD_1990,
        "birth_date": BIRTH_1990.isoformat(),
        "phone": "0912345678",
        "area": areas["commune_a"].pk,
        "reason": "symptoms",
        **overrides,
    }


def test_an_officials_repeated_registration_is_read_again_audited_and_refused_once_they_moved(client, session, areas):
    official = make_official("area_official", areas["commune_a"], username="xa.a")
    client.force_login(official)
    body = _registration(session, areas)
    first = _post(client, "/api/v1/testing/registrations/", body, "reg-1")
    assert first.status_code == 201 and first.json()["reason"] == "symptoms"
    reads = AuditLog.objects.filter(actor=official, action="testing.registration.viewed")
    assert reads.count() == 0

    again = _post(client, "/api/v1/testing/registrations/", body, "reg-1")
    assert again.status_code == 201 and again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert TestRegistration.objects.count() == 1
    assert reads.count() == 1
    stored = _stored("reg-1")
    for personal in ("Nguyễn Văn An", "912345678", CCCD_1990, "symptoms"):
        assert personal not in stored, stored

    Official.objects.filter(user=official).update(area=areas["commune_b"])
    moved = _post(client, "/api/v1/testing/registrations/", body, "reg-1")
    assert moved.status_code == 404 and moved.json()["code"] == "not_found"
    assert "symptoms" not in moved.content.decode()
    assert TestRegistration.objects.count() == 1


def test_a_citizens_repeated_registration_is_answered_while_it_is_still_that_persons(client, session, areas):
    body = _registration(session, areas)
    first = _post(client, "/api/v1/testing/registrations/", body, "self-1")
    assert first.status_code == 201
    again = _post(client, "/api/v1/testing/registrations/", body, "self-1")
    assert again.status_code == 201 and again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert TestRegistration.objects.count() == 1
    stored = _stored("self-1")
    for personal in ("Nguyễn Văn An", "912345678", CCCD_1990, "symptoms"):
        assert personal not in stored, stored

    # The registration now belongs to another record (two records of one person merged the other way): the repeat
    # no longer shows it.
    other = make_person(areas["commune_a"], name="Lê Thị Hoa", phone="+84987654321", citizen_id="038190001111")
    TestRegistration.objects.update(person=other)
    changed = _post(client, "/api/v1/testing/registrations/", body, "self-1")
    assert changed.status_code == 404 and "symptoms" not in changed.content.decode()


def test_a_repeated_result_entry_is_read_again_audited_and_refused_once_the_lab_moved(client, lab, site, person, areas):
    sample = make_sample(site, person)
    client.force_login(lab)
    body = {"barcode": sample.barcode, "result": "negative"}
    first = _post(client, "/api/v1/testing/results/", body, "res-1")
    assert first.status_code == 201 and first.json()["result"] == "negative"
    reads = AuditLog.objects.filter(actor=lab, action="testing.result.viewed")
    assert reads.count() == 0

    again = _post(client, "/api/v1/testing/results/", body, "res-1")
    assert again.status_code == 201 and again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert TestResult.objects.count() == 1
    assert AuditLog.objects.filter(action="testing.result.entered").count() == 1
    assert reads.count() == 1
    stored = _stored("res-1")
    assert "negative" not in stored and sample.barcode not in stored, stored

    Official.objects.filter(user=lab).update(area=areas["commune_b"])
    moved = _post(client, "/api/v1/testing/results/", body, "res-1")
    assert moved.status_code == 404 and "negative" not in moved.content.decode()


def test_answers_kept_whole_before_are_reduced_to_markers_and_still_replayed(client, lab, site, person, session, areas):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("phongdich.testing.migrations.0008_idempotent_answers_kept_as_markers")
    client.force_login(lab)
    result = {"barcode": make_sample(site, person).barcode, "result": "negative"}
    entered = _post(client, "/api/v1/testing/results/", result, "old-res")
    registered = _post(client, "/api/v1/testing/registrations/", _registration(session, areas), "old-reg")
    for key, answer in (("old-res", entered), ("old-reg", registered)):
        IdempotencyKey.objects.filter(key=key).update(response_body=answer.json())  # as stored before

    migration.answers_to_markers(apps, None)
    assert "negative" not in _stored("old-res") and "symptoms" not in _stored("old-reg")
    assert _post(client, "/api/v1/testing/results/", result, "old-res").json() == entered.json()
    again = _post(client, "/api/v1/testing/registrations/", _registration(session, areas), "old-reg")
    assert again.status_code == 201 and again.json() == registered.json()
