"""The switchboard's signed result: signature, replay window, idempotency, and what key 1 and key 2 lead to (the
SMS once, the contact page; never a contact's status)."""

import json
import time

import pytest
from django.test import Client

from phongdich.cases.models import Contact
from phongdich.notifications.models import Message

from .. import services
from ..models import Call
from .scene import build

URL = "/api/v1/calls/result/"


@pytest.fixture
def dialing(tree, kim_tan_official, calls_settings):
    scene = build(tree, kim_tan_official)
    campaign = services.call_campaign_create(actor=kim_tan_official, case_id=scene["case"].pk, f1_candidates=True)
    services.call_campaign_action(actor=kim_tan_official, campaign_id=campaign.pk, action="start")
    call = campaign.calls.get()
    Call.objects.filter(pk=call.pk).update(
        status=Call.Status.DIALING, attempts=1, next_attempt_at=None, placed_via="http", provider_id="sb-7"
    )
    call.refresh_from_db()
    return {**scene, "call": call, "campaign": campaign}


def post(body, *, secret="s3cret-for-tests", timestamp=None, signature=None):
    raw = json.dumps(body).encode() if not isinstance(body, bytes) else body
    timestamp = str(int(time.time())) if timestamp is None else timestamp
    if signature is None:
        signature = services.call_result_signature(timestamp=timestamp, body=raw, secret=secret)
    headers = {"HTTP_X_TIMESTAMP": timestamp, "HTTP_X_SIGNATURE": signature}
    return Client().post(URL, data=raw, content_type="application/json", **headers)


def test_key_1_is_present_and_sends_one_sms_and_a_repeat_changes_nothing(dialing, django_capture_on_commit_callbacks):
    body = {"id": str(dialing["call"].pk), "status": "answered", "key": "1", "provider_id": "sb-7"}
    with django_capture_on_commit_callbacks(execute=True):
        first = post(body)
    assert first.status_code == 200 and first.json() == {
        "id": dialing["call"].pk,
        "status": "answered",
        "outcome": "present",
        "changed": True,
    }
    call = Call.objects.get(pk=dialing["call"].pk)
    assert call.outcome == Call.Outcome.PRESENT and call.key == "1" and call.sms_id
    sms = Message.objects.get()
    assert sms.phone == "+84912000001" and sms.kind == "robot_call" and sms.status == Message.Status.SENT
    assert "http://127.0.0.1:8000/declarations/" in sms.text and len(sms.text) <= 160 and sms.text.isascii()
    # Replayed within the window, or sent again by the switchboard: 200, nothing changes, no second SMS.
    again = post({**body, "key": "2"})
    assert again.status_code == 200 and again.json()["changed"] is False and again.json()["outcome"] == "present"
    assert Message.objects.count() == 1
    # The contact's status is not changed by a robot; the contact page says what they answered.
    contact = Contact.objects.get(pk=dialing["f1_candidate"].pk)
    assert contact.status == Contact.Status.CANDIDATE
    dialing["campaign"].refresh_from_db()
    assert dialing["campaign"].status == "finished"


def test_the_contact_page_shows_the_robot_calls_answer(dialing, client, kim_tan_official):
    post({"id": dialing["call"].pk, "status": "answered", "key": "1"})
    client.force_login(kim_tan_official)
    html = client.get(f"/cases/contacts/{dialing['f1_candidate'].pk}/").content.decode()
    assert "Gọi tự động: xác nhận có mặt" in html


def test_key_2_is_not_present_and_sends_nothing(dialing):
    response = post({"id": dialing["call"].pk, "status": "answered", "key": "2"})
    assert response.json()["outcome"] == "not_present"
    assert not Message.objects.exists()


def test_a_wrong_missing_or_old_signature_is_refused(dialing):
    body = {"id": dialing["call"].pk, "status": "answered", "key": "1"}
    assert post(body, secret="not-the-secret").status_code == 403
    assert post(body, signature="").status_code == 403
    assert post(body, signature="sha256=" + "0" * 64).status_code == 403
    old = str(int(time.time()) - 301)
    response = post(body, timestamp=old)  # signed right, but too long ago: a replay
    assert response.status_code == 403 and response.json()["code"] == "calls_bad_signature"
    assert post(body, timestamp="yesterday").status_code == 403
    assert Call.objects.get(pk=dialing["call"].pk).status == Call.Status.DIALING
    # Signed over the body: the same signature on another body fails.
    timestamp = str(int(time.time()))
    signature = services.call_result_signature(
        timestamp=timestamp, body=json.dumps(body).encode(), secret="s3cret-for-tests"
    )
    assert post({**body, "key": "2"}, timestamp=timestamp, signature=signature).status_code == 403


def test_no_secret_configured_accepts_nothing(dialing, calls_settings):
    calls_settings.CALLS_CALLBACK_SECRET = ""
    assert post({"id": dialing["call"].pk, "status": "answered"}, secret="").status_code == 403


def test_unknown_call_is_404_and_a_bad_body_400(dialing):
    assert post({"id": 999999, "status": "answered", "key": "1"}).status_code == 404
    for body in (b"not json", [1, 2], {"id": dialing["call"].pk, "status": "exploded"}, {"status": "answered"}):
        response = post(body)
        assert response.status_code in (400, 404), body
    assert post({"id": dialing["call"].pk, "status": "answered", "key": "12"}).status_code == 400
    assert post({"id": dialing["call"].pk, "status": "exploded"}).json()["code"] == "calls_bad_result"


def test_no_answer_from_the_switchboard_is_retried(dialing):
    response = post({"id": dialing["call"].pk, "status": "no_answer"})
    assert response.status_code == 200 and response.json()["changed"]
    call = Call.objects.get(pk=dialing["call"].pk)
    assert call.status == Call.Status.NO_ANSWER and call.next_attempt_at and not call.is_final
