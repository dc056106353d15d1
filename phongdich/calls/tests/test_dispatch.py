"""The dispatcher: calling hours with a fixed `now`, the rate, retries, the result timeout, campaigns finishing,
the http switchboard against a real local server, and (PostgreSQL) two dispatchers at once placing each call once."""

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from phongdich.cases import services as case_services
from phongdich.cases.models import Contact
from phongdich.cases.tests.builders import case as make_case
from phongdich.cases.tests.builders import person
from phongdich.core.models import AuditLog

from .. import services
from ..models import Call, CallCampaign
from .scene import at, build, contact_with


def test_nothing_is_placed_outside_calling_hours(running):
    for when in (at(7, 29), at(20, 30), at(23), at(3)):
        outcome = services.calls_dispatch(now=when)
        assert outcome.outside_hours and outcome.placed == 0
    assert running.calls.filter(status=Call.Status.DIALING).count() == 0
    assert services.calls_dispatch(now=at(7, 30)).placed == 3  # the first minute of the hours


def test_at_most_the_rate_per_run_oldest_first(running, calls_settings):
    calls_settings.CALLS_PER_MINUTE = 2
    first = services.calls_dispatch(now=at(9))
    assert first.placed == 2
    placed = list(running.calls.filter(status=Call.Status.DIALING).order_by("id").values_list("id", flat=True))
    assert placed == list(running.calls.order_by("id").values_list("id", flat=True)[:2])
    assert services.calls_dispatch(now=at(9, 1)).placed == 1
    assert services.calls_dispatch(now=at(9, 2)).placed == 0


def test_a_paused_campaign_places_nothing_and_resumes(running, kim_tan_official):
    services.call_campaign_action(actor=kim_tan_official, campaign_id=running.pk, action="pause")
    assert services.calls_dispatch(now=at(9)).placed == 0
    services.call_campaign_action(actor=kim_tan_official, campaign_id=running.pk, action="resume")
    assert services.calls_dispatch(now=at(9, 1)).placed == 3


def test_no_answer_is_tried_again_until_the_last_attempt_then_the_campaign_finishes(running, calls_settings):
    calls_settings.CALLS_PER_MINUTE = 1
    call = running.calls.order_by("id").first()
    running.calls.exclude(pk=call.pk).update(status=Call.Status.CANCELLED, next_attempt_at=None)
    now = at(9)
    for attempt in (1, 2, 3):
        assert services.calls_dispatch(now=now).placed == 1
        changed = services.call_result_apply(call_id=call.pk, status="no_answer", now=now + dt.timedelta(minutes=1))[1]
        assert changed
        call.refresh_from_db()
        assert call.attempts == attempt and call.status == Call.Status.NO_ANSWER
        if attempt < 3:
            assert call.next_attempt_at == now + dt.timedelta(minutes=61)
            assert services.calls_dispatch(now=now + dt.timedelta(minutes=30)).placed == 0  # not yet
            now = call.next_attempt_at
    assert call.next_attempt_at is None and call.is_final
    running.refresh_from_db()
    assert running.status == CallCampaign.Status.FINISHED and running.finished_at


def test_a_switchboard_that_refuses_costs_no_attempt_and_is_tried_again_sooner_and_sooner_not(running, calls_settings):
    """A switchboard down for hours: the person was never called, so no attempt is used up; tried again after 5
    minutes, doubling up to 4 hours, and given up after 10 refusals (about 21 hours)."""
    calls_settings.CALLS_BACKEND = "http"
    calls_settings.CALLS_HTTP_URL = "http://127.0.0.1:9/"  # nothing listens: every placement fails
    calls_settings.CALLS_HOURS = "00:00-23:59"  # the retries run through the night
    outcome = services.calls_dispatch(now=at(9))
    assert outcome.failed == 3 and outcome.placed == 0
    call = running.calls.order_by("id").first()
    assert (call.status, call.attempts, call.refusals) == (Call.Status.QUEUED, 0, 1)
    assert call.next_attempt_at == at(9, 5) and call.last_error.startswith("switchboard refused")
    delays = []
    for _ in range(20):
        if call.next_attempt_at is None:
            break
        before = call.next_attempt_at
        services.calls_dispatch(now=before)
        call.refresh_from_db()
        if call.next_attempt_at:
            delays.append(int((call.next_attempt_at - before).total_seconds() // 60))
    assert delays == [10, 20, 40, 80, 160, 240, 240, 240]
    assert (call.status, call.attempts, call.refusals) == (Call.Status.FAILED, 0, 10) and call.is_final


def test_a_call_without_result_in_time_is_a_failed_attempt(running, calls_settings):
    call = running.calls.order_by("id").first()
    # Placed through a switchboard that accepted it and never answered.
    Call.objects.filter(pk=call.pk).update(
        status=Call.Status.DIALING, placed_via="http", next_attempt_at=None, last_attempt_at=at(9), attempts=1
    )
    assert services.calls_dispatch(now=at(9, 29)).timed_out == 0
    assert services.calls_dispatch(now=at(9, 31)).timed_out == 1
    call.refresh_from_db()
    assert call.status == Call.Status.FAILED and call.next_attempt_at == at(10, 31)


def test_a_call_handed_to_staff_does_not_time_out(running):
    services.calls_dispatch(now=at(9))
    assert services.calls_dispatch(now=at(15)).timed_out == 0
    assert running.calls.filter(status=Call.Status.DIALING, placed_via="outbox").count() == 3


def _placed_phones(campaign) -> set[str]:
    return set(campaign.calls.filter(status=Call.Status.DIALING).values_list("phone", flat=True))


def test_a_contact_dismissed_after_the_start_is_not_called(running, scene, kim_tan_official):
    candidate = scene["f1_candidate"]
    case_services.contact_status_set(
        actor=kim_tan_official, contact=candidate, status="dismissed", reason="Không có mặt (camera xác nhận)"
    )
    with CaptureQueriesContext(connection) as queries:
        outcome = services.calls_dispatch(now=at(9))
    # The batch's contacts are read in one query, not one a call.
    assert sum('FROM "cases_contact"' in query["sql"] for query in queries.captured_queries) == 1
    # The official decided this person is not a contact: the switchboard must not ring them as one.
    assert candidate.person.phone not in _placed_phones(running)
    assert (outcome.placed, outcome.skipped) == (2, 1)
    call = running.calls.get(contact=candidate)
    assert call.status == Call.Status.CANCELLED and call.stop_reason == Call.StopReason.CONTACT_DISMISSED
    assert call.attempts == 0 and call.next_attempt_at is None
    assert AuditLog.objects.get(action="calls.call.skipped").extra["calls"] == {str(call.pk): "contact_dismissed"}


def test_a_contact_who_became_a_case_after_the_start_is_not_called(running, scene, kim_tan_official):
    confirmed = scene["f1_confirmed"]
    make_case(kim_tan_official, confirmed.person)
    assert Contact.objects.get(pk=confirmed.pk).status == Contact.Status.BECAME_CASE
    services.calls_dispatch(now=at(9))
    # "You may have been where a COVID-19 case was, press 1" to a person now under treatment as F0.
    assert confirmed.person.phone not in _placed_phones(running)
    call = running.calls.get(contact=confirmed)
    assert call.status == Call.Status.CANCELLED and call.stop_reason == Call.StopReason.CONTACT_BECAME_CASE


def test_a_call_handed_to_staff_is_taken_back_when_its_contact_is_dismissed(running, scene, kim_tan_official):
    services.calls_dispatch(now=at(9))  # outbox: all three with staff
    candidate = scene["f1_candidate"]
    case_services.contact_status_set(actor=kim_tan_official, contact=candidate, status="dismissed", reason="x")
    outcome = services.calls_dispatch(now=at(9, 1))
    assert outcome.taken_back == 1
    call = running.calls.get(contact=candidate)
    assert call.status == Call.Status.CANCELLED and call.stop_reason == Call.StopReason.CONTACT_DISMISSED
    assert running.calls.filter(status=Call.Status.DIALING).count() == 2


def test_withdrawing_the_case_cancels_its_running_campaign(running, scene, kim_tan_official):
    case_services.case_withdraw(
        actor=kim_tan_official, case=scene["case"], reason="RT-PCR khẳng định âm tính (test nhanh dương tính giả)"
    )
    outcome = services.calls_dispatch(now=at(9))
    running.refresh_from_db()
    # The case was not a case: nobody should now be told they were where "a person with COVID-19" was.
    assert outcome.placed == 0, f"{outcome.placed} calls placed for a withdrawn case"
    assert running.status == CallCampaign.Status.CANCELLED and running.finished_at
    assert set(running.calls.values_list("status", "stop_reason")) == {(Call.Status.CANCELLED, "case_withdrawn")}
    audit = AuditLog.objects.get(action="calls.campaign.cancel", object_id=str(running.pk))
    assert audit.extra["reason"] == "case_withdrawn" and audit.extra["calls"] == 3 and audit.extra["from"] == "running"


def test_campaigns_of_cases_withdrawn_before_the_fix_are_cancelled_by_the_migration(running, scene):
    import importlib

    from django.apps import apps

    from phongdich.cases.models import Case

    # A case withdrawn by the code of before, which left its campaign running.
    Case.objects.filter(pk=scene["case"].pk).update(status=Case.Status.WITHDRAWN, withdrawn_reason="x")
    migration = importlib.import_module("phongdich.calls.migrations.0003_call_stop_reason")
    migration.cancel_campaigns_of_withdrawn_cases(apps, None)
    running.refresh_from_db()
    assert running.status == CallCampaign.Status.CANCELLED
    assert set(running.calls.values_list("status", "stop_reason")) == {(Call.Status.CANCELLED, "case_withdrawn")}
    assert AuditLog.objects.get(action="calls.campaign.cancel").extra["reason"] == "case_withdrawn"
    assert services.calls_dispatch(now=at(9)).placed == 0


def test_calls_cancelled_before_the_column_existed_get_their_reason_from_the_migration(running, kim_tan_official):
    import importlib

    from django.apps import apps

    services.call_campaign_action(actor=kim_tan_official, campaign_id=running.pk, action="cancel", now=at(8))
    running.calls.update(stop_reason="")  # as the rows were before the column existed
    pruned = running.calls.order_by("pk").first()
    Call.objects.filter(pk=pruned.pk).update(pruned=True)
    migration = importlib.import_module("phongdich.calls.migrations.0003_call_stop_reason")
    migration.stop_reasons_of_calls_cancelled_before(apps, None)
    reasons = dict(running.calls.values_list("pk", "stop_reason"))
    assert reasons.pop(pruned.pk) == "retention"
    assert set(reasons.values()) == {"campaign_cancelled"}


class _Switchboard(BaseHTTPRequestHandler):
    received: list = []
    answer = (200, b'{"id": "sb-1"}')

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _Switchboard.received.append((self.headers["Authorization"], body))
        status, text = _Switchboard.answer
        self.send_response(status)
        self.end_headers()
        self.wfile.write(text)

    def log_message(self, *args):
        pass


@pytest.fixture
def switchboard(calls_settings):
    server = HTTPServer(("127.0.0.1", 0), _Switchboard)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Switchboard.received, _Switchboard.answer = [], (200, b'{"id": "sb-1"}')
    calls_settings.CALLS_BACKEND = "http"
    calls_settings.CALLS_HTTP_URL = f"http://127.0.0.1:{server.server_port}/calls"
    calls_settings.CALLS_HTTP_TOKEN = "t0ken"
    yield server
    server.shutdown()


def test_the_http_switchboard_gets_the_call_and_a_refusal_is_retried(running, switchboard, calls_settings):
    calls_settings.CALLS_PER_MINUTE = 1
    assert services.calls_dispatch(now=at(9)).placed == 1
    call = running.calls.get(status=Call.Status.DIALING)
    assert call.provider_id == "sb-1" and call.placed_via == "http"
    auth, body = _Switchboard.received[-1]
    assert auth == "Bearer t0ken"
    assert body["id"] == str(call.pk) and body["to"] == call.phone
    assert body["keys"] == {"1": "present", "2": "not_present"}
    assert body["callback_url"] == "http://127.0.0.1:8000/api/v1/calls/result/"
    assert "nhấn phím 1" in body["text_vi"] and call.phone not in body["text_vi"]

    _Switchboard.answer = (503, b"busy")
    assert services.calls_dispatch(now=at(9, 1)).failed == 1
    refused = running.calls.exclude(pk=call.pk).get(refusals=1)
    assert refused.status == Call.Status.QUEUED and refused.attempts == 0
    assert "503" in refused.last_error and refused.next_attempt_at == at(9, 6)

    _Switchboard.answer = (200, b"{}")  # a 2xx without an id is not accepted
    assert services.calls_dispatch(now=at(9, 2)).failed == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks that a concurrent run skips need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_at_once_place_each_call_once(transactional_db, calls_settings, monkeypatch):
    from phongdich.cases.tests.builders import ensure_rules, make_tree, official

    ensure_rules()
    tree = make_tree()
    actor = official(tree["kim_tan"], "yte_kimtan")
    scene = build(tree, actor)
    for number in range(40):
        contact_with(actor, scene["case"], person(tree["kim_tan"], f"Người {number}", phone=f"+849130{number:05d}"))
    campaign = services.call_campaign_create(actor=actor, case_id=scene["case"].pk, f1_candidates=True)
    services.call_campaign_action(actor=actor, campaign_id=campaign.pk, action="start", now=at(7))
    calls_settings.CALLS_PER_MINUTE = 30
    ids = list(campaign.calls.order_by("id").values_list("id", flat=True))
    assert len(ids) == 41

    # The overlap is forced, not left to the scheduler (a barrier alone let one run finish before the other began
    # on a busy machine, and then the locks were never tested): the first dispatcher stops inside its transaction,
    # its batch locked and not yet marked, and the second runs from start to end meanwhile.
    locked, second_done = threading.Event(), threading.Event()
    placed, errors = {}, []
    real_closed_contacts = services._closed_contacts

    def closed_contacts_then_hold(calls):
        if threading.current_thread().name == "first":
            locked.set()
            # Only a guard against hanging the suite: the second run skips the locked rows, it never waits on them.
            if not second_done.wait(timeout=120):
                errors.append("the second dispatcher waited on the first one's locks")
        return real_closed_contacts(calls)

    monkeypatch.setattr(services, "_closed_contacts", closed_contacts_then_hold)

    def dispatch():
        name = threading.current_thread().name
        try:
            if name == "second":
                assert locked.wait(timeout=120), "the first dispatcher never locked its batch"
            placed[name] = services.calls_dispatch(now=at(9)).placed
        except Exception as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)
        finally:
            if name == "second":
                second_done.set()
            connection.close()

    threads = [threading.Thread(target=dispatch, name=name) for name in ("first", "second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    # The first took the 30 longest waiting (the rate), the second skipped them and took the other 11.
    assert placed == {"first": 30, "second": 11}
    calls = list(campaign.calls.order_by("id").values_list("id", "status", "attempts"))
    assert calls == [(pk, Call.Status.DIALING, 1) for pk in ids]  # each placed once, none lost
