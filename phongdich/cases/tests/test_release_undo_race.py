"""Undoing a release (services.contact_release_undo) at the moment the same person becomes a case under treatment
(PostgreSQL only: SQLite serialises writers). Both lock the person's row first, so one waits for the other: the undo
sees the case and is refused, or the case sees the contact in quarantine and closes it as `became_case`. Without the
undo's lock, it asked "is the person a case?" before the case was committed and did not wait: against an entry
(case_create), the entry's own lock on the person's contact then still closed it as `became_case`, after the
contact was put back in quarantine; against an outcome undone (case_outcome_undo, which looks only for an open
contact), the person ended a case under treatment and an F1 in quarantine at once. Both tests fail without it."""

import datetime as dt
import threading
import time

import pytest
from django.db import connection, connections
from django.utils import timezone

from phongdich.core.errors import ApplicationError

from .. import errors, services
from ..models import Case, Contact
from .builders import case, ensure_rules, link, local, make_tree, official, person

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks between connections need PostgreSQL"),
]


def _waiting_for_a_lock(pid: int) -> bool:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return row is not None and row[0] == "Lock"


def _released_f1(actor, tree, who):
    """`who`, a household F1 of another case met three days ago, quarantined from then and released early (the
    release to undo)."""
    source = case(actor, person(tree["kim_tan"], "Ca Nguồn"), days_ago=3, onset_days_ago=4)
    met = timezone.localdate() - dt.timedelta(days=3)
    contact = link(
        who, source, source="interview", setting="household", exposure_start=local(met, 8), exposure_end=local(met, 20)
    )[0].contact
    services.contact_status_set(actor=actor, contact=contact, status="quarantined", quarantine_start=met)
    services.contact_status_set(actor=actor, contact=contact, status="released", reason="RT-PCR ngày 1 âm tính")
    contact = Contact.objects.get(pk=contact.pk)
    assert contact.status == Contact.Status.RELEASED and services.contact_release_undo_until(contact)
    return contact


class _Held:
    """services.audit_record held in one thread at one action: that thread's transaction waits there, its writes
    made and not committed, until `go` is set."""

    def __init__(self, monkeypatch, *, thread: str, action: str):
        self.inside, self.go = threading.Event(), threading.Event()
        real = services.audit_record

        def held(**kwargs):
            if kwargs.get("action") == action and threading.current_thread().name == thread:
                self.inside.set()
                self.go.wait(15)
            return real(**kwargs)

        monkeypatch.setattr(services, "audit_record", held)


def _run(name: str, work, results: dict) -> threading.Thread:
    def target():
        try:
            with connections["default"].cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                results[f"{name}_pid"] = cursor.fetchone()[0]
            results[name] = work()
        except Exception as exc:  # noqa: BLE001 (asserted below)
            results[name] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=target, name=name)
    thread.start()
    return thread


def _waits_or_ends(results: dict, name: str, thread: threading.Thread, seconds: float = 5) -> bool:
    """True once `name` waits for a row lock; False if it ended without waiting."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if f"{name}_pid" in results and _waiting_for_a_lock(results[f"{name}_pid"]):
            return True
        if not thread.is_alive():
            return False
        time.sleep(0.01)
    return False


def test_an_undo_while_the_person_is_entered_as_a_case_waits_and_sees_the_case(transactional_db, monkeypatch):
    """The lab's positive for a released F1 is entered (its case written, the transaction still open) as an official
    undoes the release: the undo waits for the entry's lock on the person, then is refused as `became_case`."""
    ensure_rules()
    tree = make_tree()
    actor = official(tree["kim_tan"], "yte_kimtan")
    who = person(tree["kim_tan"], "F1 Dương Tính")
    released = _released_f1(actor, tree, who)
    entry_held = _Held(monkeypatch, thread="entry", action="cases.case.created")
    results: dict = {}

    entry = _run("entry", lambda: case(actor, who), results)
    assert entry_held.inside.wait(10)  # the case is written, the person locked, nothing committed
    undo = _run("undo", lambda: services.contact_release_undo(actor=actor, contact=released, reason="Nhầm"), results)
    waited = _waits_or_ends(results, "undo", undo)
    entry_held.go.set()
    entry.join(20)
    undo.join(20)

    assert waited, f"the undo should wait for the person's row, not answer {results.get('undo')!r}"
    assert isinstance(results["entry"], Case) and results["entry"].status == Case.Status.UNDER_TREATMENT
    refused = results["undo"]
    assert isinstance(refused, ApplicationError) and refused.error is errors.CONTACT_RELEASE_UNDO_CLOSED
    assert refused.extra["reason"] == "became_case" and refused.extra["case"] == results["entry"].number
    assert Contact.objects.get(pk=released.pk).status == Contact.Status.RELEASED


def test_an_outcome_undone_while_the_release_is_undone_closes_the_contact_as_became_case(transactional_db, monkeypatch):
    """The person is a case under treatment again (an outcome recorded by mistake undone) as their release is undone.
    The undo, its contact back in quarantine and not committed, holds the person: the outcome's undoing waits, then
    finds the contact in quarantine and closes it as `became_case`. Without that lock it did not wait, and looking for
    an open contact it skipped the row the undo was changing (still `released` to it): a case under treatment and an
    F1 in quarantine at once."""
    ensure_rules()
    tree = make_tree()
    actor = official(tree["kim_tan"], "yte_kimtan")
    other_official = official(tree["kim_tan"], "yte_kimtan_2")
    who = person(tree["kim_tan"], "Khỏi Rồi Gặp Lại")
    earlier = case(actor, who, days_ago=40, onset_days_ago=41)
    services.case_status_set(
        actor=actor, case=earlier, status=Case.Status.RECOVERED, on=timezone.localdate() - dt.timedelta(days=25)
    )
    released = _released_f1(actor, tree, who)
    undo_held = _Held(monkeypatch, thread="undo", action="cases.contact.release_undone")
    results: dict = {}

    undo = _run("undo", lambda: services.contact_release_undo(actor=actor, contact=released, reason="Nhầm"), results)
    assert undo_held.inside.wait(10)  # in quarantine again, not committed
    outcome = _run(
        "outcome",
        lambda: services.case_outcome_undo(actor=other_official, case=earlier, reason="Ghi nhầm ca"),
        results,
    )
    waited = _waits_or_ends(results, "outcome", outcome)
    undo_held.go.set()
    undo.join(20)
    outcome.join(20)

    assert waited, "the outcome's undoing should wait for the person's row held by the release's undoing"
    assert isinstance(results["undo"], Contact) and isinstance(results["outcome"], Case)
    assert Case.objects.get(pk=earlier.pk).status == Case.Status.UNDER_TREATMENT
    assert Contact.objects.get(pk=released.pk).status == Contact.Status.BECAME_CASE
