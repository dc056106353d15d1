"""A withdrawal and a trace reading the same records at once (PostgreSQL only: SQLite writes one transaction at a
time). The trace holds the imports it read FOR SHARE before it locks any contact; the withdrawal takes the import
FOR UPDATE before its contacts: whichever comes second waits, and no link to a withdrawn record is left."""

import threading
import time

import pytest
from django.db import connection, connections

from phongdich.cases.models import Contact, ContactLink
from phongdich.cases.tests.builders import ensure_rules
from phongdich.telecom import services
from phongdich.telecom.models import TelecomImport
from phongdich.telecom.samples import make_samples as samples

from .conftest import import_bytes, make_case, make_person
from .test_withdraw import WRONG, _stays_csv

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks between connections need PostgreSQL"),
]


def _waiting_for_a_lock(pid: int) -> bool:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return row is not None and row[0] == "Lock"


def _in_thread(work):
    """Run `work` on a connection of its own; returns (thread, outcome) with outcome["pid"] set once it started."""
    outcome = {}

    def run():
        try:
            with connections["default"].cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                outcome["pid"] = cursor.fetchone()[0]
            outcome["result"] = work()
        except Exception as exc:  # noqa: BLE001 (reported by the assertions)
            outcome["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def _wait_until_blocked(outcome) -> None:
    deadline = time.monotonic() + 20
    while "pid" not in outcome and time.monotonic() < deadline:
        time.sleep(0.01)
    while "pid" in outcome and not _waiting_for_a_lock(outcome["pid"]) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert "pid" in outcome and _waiting_for_a_lock(outcome["pid"]), outcome


@pytest.fixture
def scene(health, cells, areas):
    ensure_rules()  # a transactional test's flush emptied the rules the migrations load
    record = import_bytes(health, _stays_csv(), name="story.csv")
    kim_tan = areas["kim_tan"]
    case = make_case(health, make_person(kim_tan, "Lê Văn Ca", samples.CASE_PHONE))
    make_person(kim_tan, "Bùi Thị Hoa", samples.CONTACT_PHONE)
    return record, case


def test_a_withdrawal_waits_for_a_trace_holding_the_import_then_removes_its_links(health, scene, monkeypatch):
    record, case = scene
    real_hold = services._imports_hold
    withdrawal = {}

    def held_then_withdrawn(import_ids):
        standing = real_hold(import_ids)  # the trace now holds the import FOR SHARE
        thread, outcome = _in_thread(
            lambda: services.telecom_import_withdraw(actor=health, import_id=record.pk, reason=WRONG)
        )
        _wait_until_blocked(outcome)  # the withdrawal waits for the trace
        withdrawal.update(thread=thread, outcome=outcome)
        return standing

    monkeypatch.setattr(services, "_imports_hold", held_then_withdrawn)
    trace = services.telecom_trace_case(case=case, actor=health).trace
    assert trace.links_added == 1  # written while the import was still done ...
    withdrawal["thread"].join(timeout=30)
    assert "error" not in withdrawal["outcome"], withdrawal["outcome"]
    assert withdrawal["outcome"]["result"].links_removed == 1  # ... and removed by the withdrawal that waited
    assert not ContactLink.objects.exists()
    assert Contact.objects.get().status == "case_withdrawn"


def test_a_trace_waits_for_a_withdrawal_in_progress_and_links_nothing_from_it(health, scene, monkeypatch):
    record, case = scene
    from phongdich.cases import services as cases_services

    real_remove = services.contact_links_remove
    tracing = {}

    def trace_arrives(**kwargs):
        thread, outcome = _in_thread(lambda: services.telecom_trace_case(case=case, actor=health))
        _wait_until_blocked(outcome)  # the trace read the records, and waits for the import's lock
        tracing.update(thread=thread, outcome=outcome)
        return real_remove(**kwargs)

    assert cases_services.contact_links_remove is real_remove
    monkeypatch.setattr(services, "contact_links_remove", trace_arrives)
    services.telecom_import_withdraw(actor=health, import_id=record.pk, reason=WRONG)
    tracing["thread"].join(timeout=30)
    assert "error" not in tracing["outcome"], tracing["outcome"]
    trace = tracing["outcome"]["result"].trace
    assert (trace.links_added, trace.case_records) == (0, 0)
    assert not ContactLink.objects.exists()
    assert TelecomImport.objects.get(pk=record.pk).status == "withdrawn"
