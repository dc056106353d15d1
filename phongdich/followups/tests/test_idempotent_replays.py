"""A call recorded through the API and repeated with its Idempotency-Key answers the call and its task read again, not
the stored answer (core.api.read_again): the answer holds what the caller learnt (the notes), the person's initials
and whether they declared symptoms, so the store keeps the call's id; the repeat writes nothing, is audited
(`followups.call.viewed`) and answers 404 to an official moved to another commune since."""

import json

from phongdich.accounts.models import Official
from phongdich.core.models import AuditLog, IdempotencyKey

from ..models import FollowUpCall, FollowUpTask

NOTES = "Sốt 38,5 độ, ho khan; hẹn lấy mẫu tại trạm y tế"


def _call(client, task, key):
    body = json.dumps({"outcome": "reached", "notes": NOTES})
    url = f"/api/v1/followups/{task.pk}/calls/"
    return client.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)


def test_a_repeated_call_is_read_again_audited_and_refused_once_the_official_moved(
    client, flagged, kim_tan_official, tree
):
    client.force_login(kim_tan_official)
    first = _call(client, flagged, "call-1")
    assert first.status_code == 201 and first.json()["call"]["notes"] == NOTES
    assert first.json()["task"]["person_initials"] == "LTH" and first.json()["task"]["has_symptoms"] is True
    reads = AuditLog.objects.filter(actor=kim_tan_official, action="followups.call.viewed")
    assert reads.count() == 0

    again = _call(client, flagged, "call-1")
    assert again.status_code == 201 and again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert FollowUpCall.objects.count() == 1 and FollowUpTask.objects.get().calls_count == 1
    assert AuditLog.objects.filter(action="followups.call.recorded").count() == 1
    assert reads.count() == 1
    stored = json.dumps(IdempotencyKey.objects.get(key="call-1").response_body, ensure_ascii=False)
    for personal in (NOTES, "LTH", "Lê Thị Hoa", "has_symptoms"):
        assert personal not in stored, stored

    Official.objects.filter(user=kim_tan_official).update(area=tree["thach_lam"])
    moved = _call(client, flagged, "call-1")
    assert moved.status_code == 404 and moved.json()["code"] == "not_found"
    assert NOTES not in moved.content.decode() and "LTH" not in moved.content.decode()


def test_answers_kept_whole_before_are_reduced_to_markers_and_still_replayed(client, flagged, kim_tan_official):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("phongdich.followups.migrations.0005_idempotent_answers_kept_as_markers")
    client.force_login(kim_tan_official)
    first = _call(client, flagged, "old-call")
    IdempotencyKey.objects.filter(key="old-call").update(response_body=first.json())  # as stored before

    migration.answers_to_markers(apps, None)
    assert NOTES not in json.dumps(IdempotencyKey.objects.get(key="old-call").response_body, ensure_ascii=False)
    again = _call(client, flagged, "old-call")
    assert again.status_code == 201 and again.json() == first.json()
