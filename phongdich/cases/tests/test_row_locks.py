"""Row locks between the writers of contacts (PostgreSQL only: SQLite serialises writers). A trace's upsert locks
the contacts it meets in person order; a move of several contacts must lock them in that order too, or the two can
each hold a contact the other waits for, and PostgreSQL aborts one of them as a deadlock. (The telecom trace's
order is tested in telecom/tests/test_trace.py.)"""

import threading
import time

import psycopg
import pytest
from django.db import connection, connections

from .. import services
from ..models import Contact
from .builders import case, ensure_rules, link, make_tree, official, person

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks between connections need PostgreSQL"),
]


def _raw_connection():
    settings = connection.settings_dict
    return psycopg.connect(
        host=settings["HOST"], port=settings["PORT"] or 5432, user=settings["USER"], dbname=settings["NAME"]
    )


def _waiting_for_a_lock(pid: int) -> bool:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return row is not None and row[0] == "Lock"


def test_a_move_waits_for_a_trace_holding_its_contacts_instead_of_deadlocking(transactional_db):
    ensure_rules()
    tree = make_tree()
    actor = official(tree["kim_tan"], "yte_kimtan")
    entered = case(actor, person(tree["kim_tan"], "Ca Bệnh"))
    # Contacts made in the opposite order of their persons: id order and person order disagree.
    late_person, early_person = person(tree["kim_tan"], "Người B"), person(tree["kim_tan"], "Người A")
    assert early_person.pk > late_person.pk
    first_made = link(early_person, entered)[0].contact  # lower contact id, higher person id
    second_made = link(late_person, entered)[0].contact
    assert first_made.pk < second_made.pk and first_made.person_id > second_made.person_id

    # "The trace": its own connection, locking the contacts as its upsert does, person by person.
    trace = _raw_connection()
    trace.execute("SET deadlock_timeout = '100ms'")
    lock = f"SELECT 1 FROM {Contact._meta.db_table} WHERE person_id = %s FOR NO KEY UPDATE"
    trace.execute(lock, [second_made.person_id])

    outcome, failure = {}, []

    def move():
        try:
            with connections["default"].cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                outcome["pid"] = cursor.fetchone()[0]
            outcome["moved"] = services.contacts_status_set(
                actor=actor, contacts=[first_made, second_made], status="confirmed"
            )
        except Exception as exc:  # noqa: BLE001 (reported by the assertion below)
            failure.append(exc)
        finally:
            connections.close_all()

    mover = threading.Thread(target=move)
    mover.start()
    deadline = time.monotonic() + 10
    while "pid" not in outcome and time.monotonic() < deadline:
        time.sleep(0.01)
    while not _waiting_for_a_lock(outcome["pid"]) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert _waiting_for_a_lock(outcome["pid"]), "the move should wait for the first person's contact"
    # The trace goes on to the next person; a move that had locked by id would now hold it: a deadlock.
    trace.execute(lock, [first_made.person_id])
    trace.commit()
    trace.close()
    mover.join(timeout=20)

    assert failure == []
    assert sorted(c.pk for c in outcome["moved"].changed) == [first_made.pk, second_made.pk]
    assert set(Contact.objects.values_list("status", flat=True)) == {"confirmed"}


def test_a_case_infected_by_one_being_traced_is_entered_without_waiting_for_the_trace(transactional_db):
    """A factory's trace takes seconds; meanwhile an investigator enters a new case infected by it. Its foreign
    key to the source takes a KEY SHARE lock on the source's row at commit, which the trace's lock on its case
    must not block: the trace changes only traced_at (FOR NO KEY UPDATE)."""
    from django.test.utils import CaptureQueriesContext

    from ..tracing import case_trace_checkins

    ensure_rules()
    tree = make_tree()
    actor = official(tree["kim_tan"], "yte_kimtan")
    source = case(actor, person(tree["kim_tan"], "Ca Nguồn"))
    with CaptureQueriesContext(connection) as queries:
        case_trace_checkins(case=source, actor=actor)
    case_lock = next(q["sql"] for q in queries.captured_queries if "cases_case" in q["sql"] and " FOR " in q["sql"])

    trace = _raw_connection()
    trace.execute(case_lock)  # the trace of the source is under way
    try:
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '3s'")  # waiting for the trace fails the test instead of hanging it
        infected = case(actor, person(tree["kim_tan"], "Vợ Ca Nguồn"), infected_by=source)
        assert Contact.objects.count() == 0 and infected.infected_by_id == source.pk
    finally:
        trace.rollback()
        trace.close()
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")


def test_a_withdrawal_waits_for_a_trace_holding_the_persons_own_contact_instead_of_deadlocking(transactional_db):
    """Case A's person P was a contact of another case (now `became_case`); X met A. A trace of a third case meeting
    P and X locks P, then X; the withdrawal of A must take P's own contact in that same order, not after X's."""
    ensure_rules()
    tree = make_tree()
    actor = official(tree["kim_tan"], "yte_kimtan")
    own_person = person(tree["kim_tan"], "P")
    link(own_person, case(actor, person(tree["kim_tan"], "Nguồn")))
    withdrawn = case(actor, own_person)
    met = person(tree["kim_tan"], "X")
    link(met, withdrawn)
    assert own_person.pk < met.pk and Contact.objects.get(person=own_person).status == "became_case"

    trace = _raw_connection()
    trace.execute("SET deadlock_timeout = '100ms'")
    lock = f"SELECT 1 FROM {Contact._meta.db_table} WHERE person_id = %s FOR NO KEY UPDATE"
    trace.execute(lock, [own_person.pk])
    outcome, failure = {}, []

    def withdraw():
        try:
            with connections["default"].cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                outcome["pid"] = cursor.fetchone()[0]
            outcome["done"] = services.case_withdraw(actor=actor, case=withdrawn, reason="Nhập nhầm")
        except Exception as exc:  # noqa: BLE001 (reported by the assertion below)
            failure.append(exc)
        finally:
            connections.close_all()

    withdrawer = threading.Thread(target=withdraw)
    withdrawer.start()
    deadline = time.monotonic() + 10
    while "pid" not in outcome and time.monotonic() < deadline:
        time.sleep(0.01)
    while not _waiting_for_a_lock(outcome["pid"]) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert _waiting_for_a_lock(outcome["pid"]), "the withdrawal should wait for P's contact"
    trace.execute(lock, [met.pk])  # the trace goes on to X: a withdrawal that had locked X first would deadlock
    trace.commit()
    trace.close()
    withdrawer.join(timeout=20)

    assert failure == [] and outcome["done"].contacts_closed == 1


def test_two_entries_of_one_person_at_the_same_moment_make_one_case_under_treatment(transactional_db, monkeypatch):
    """A double click on "Enter the case", or the lab's import and an investigator at once: the check for an open
    case finds none in either transaction (there is no row to lock yet). The constraint case_one_open_per_person
    holds the second at its insert until the first commits, and it is then refused as person_already_case."""
    from django.utils import timezone

    from phongdich.core.errors import ApplicationError

    from .. import errors
    from ..models import Case

    ensure_rules()
    tree = make_tree()
    actor = official(tree["kim_tan"], "yte_kimtan")
    patient = person(tree["kim_tan"], "Nhập Hai Lần")
    inside, release = threading.Event(), threading.Event()
    real_audit = services.audit_record

    def held_audit(**kwargs):  # the first entry waits, its case written and not committed, while the second runs
        if kwargs.get("action") == "cases.case.created" and threading.current_thread().name == "first":
            inside.set()
            release.wait(10)
        return real_audit(**kwargs)

    monkeypatch.setattr(services, "audit_record", held_audit)
    results = {}

    def enter(name):
        try:
            results[name] = services.case_create(
                actor=actor, person=patient, sample_date=timezone.localdate(), test_type=Case.TestType.PCR
            )
        except ApplicationError as exc:
            results[name] = exc
        finally:
            connections.close_all()

    first = threading.Thread(target=enter, args=("first",), name="first")
    first.start()
    assert inside.wait(10)
    second = threading.Thread(target=enter, args=("second",), name="second")
    second.start()
    time.sleep(0.5)  # the second reaches its insert and waits there
    release.set()
    first.join(10)
    second.join(10)
    assert isinstance(results["first"], Case)
    assert isinstance(results["second"], ApplicationError) and results["second"].error is errors.PERSON_ALREADY_CASE
    assert Case.objects.filter(person=patient, status=Case.Status.UNDER_TREATMENT).count() == 1


def test_a_contact_written_while_the_person_is_entered_as_a_case_is_closed_as_became_case(
    transactional_db, monkeypatch
):
    """An interview names a neighbour while the lab's positive for that neighbour is entered. Each asked about the
    other before the other committed (the interview: is the person a case under treatment? the entry: has the person
    an open contact to close?), and the person ended a case under treatment and a candidate to call. Both lock the
    person now: the entry waits for the interview and then closes the contact it wrote."""
    from ..models import Case, Contact

    ensure_rules()
    tree = make_tree()
    actor = official(tree["kim_tan"], "yte_kimtan")
    source = case(actor, person(tree["kim_tan"], "Ca Nguồn"))
    neighbour = person(tree["kim_tan"], "Hàng Xóm")
    looked, go = threading.Event(), threading.Event()
    original = services.contacts_of_cases_close

    def slow_close(person_ids, *, now):
        closed = original(person_ids, now=now)
        looked.set()  # the interview found no open case; its transaction is still open
        go.wait(10)
        return closed

    monkeypatch.setattr(services, "contacts_of_cases_close", slow_close)
    failures = []

    def run(work):
        try:
            work()
        except Exception as exc:  # noqa: BLE001 (reported below)
            failures.append(exc)
        finally:
            connections.close_all()

    interview = threading.Thread(
        target=run,
        args=(
            lambda: services.contact_link_add(
                person=neighbour,
                case=source,
                level=1,
                source="interview",
                setting="household",
                evidence_key="interview:race",
            ),
        ),
    )
    interview.start()
    assert looked.wait(10)
    entry = threading.Thread(target=run, args=(lambda: case(actor, neighbour),))
    entry.start()
    time.sleep(0.5)  # the entry reaches the person's lock and waits there
    go.set()
    interview.join(15)
    entry.join(15)
    assert not failures, failures
    assert Case.objects.filter(person=neighbour, status=Case.Status.UNDER_TREATMENT).exists()
    assert Contact.objects.get(person=neighbour).status == Contact.Status.BECAME_CASE


def test_an_f2_is_not_added_through_an_f1_dismissed_while_the_interview_waited(transactional_db):
    """services.contact_interview_f2_add checks the F1 again once it holds the F1's contact: an official dismissing
    the F1 at the same moment (their transaction holds the row) is seen, and nobody is made an F2 of a person who is
    not an F1."""
    import datetime as dt

    from django.utils import timezone

    from phongdich.core.errors import ApplicationError

    from ..models import ContactLink

    ensure_rules()
    tree = make_tree()
    actor = official(tree["kim_tan"], "yte_kimtan")
    entered = case(actor, person(tree["kim_tan"], "Ca Nguồn"))
    f1 = link(person(tree["kim_tan"], "Vợ"), entered, exposure_start=timezone.now() - dt.timedelta(hours=40))[0]
    colleague = person(tree["kim_tan"], "Đồng Nghiệp")

    official_move = _raw_connection()  # the dismissal, under way: it holds the F1's row
    official_move.execute(f"SELECT 1 FROM {Contact._meta.db_table} WHERE id = %s FOR NO KEY UPDATE", [f1.contact_id])
    outcome, failure = {}, []

    def interview():
        try:
            with connections["default"].cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                outcome["pid"] = cursor.fetchone()[0]
            services.contact_interview_f2_add(
                actor=actor, f1=f1.contact, person=colleague, setting="workplace", nonce="f2-while-dismissed"
            )
        except ApplicationError as exc:
            outcome["refused"] = exc
        except Exception as exc:  # noqa: BLE001 (reported by the assertion below)
            failure.append(exc)
        finally:
            connections.close_all()

    interviewer = threading.Thread(target=interview)
    interviewer.start()
    deadline = time.monotonic() + 10
    while "pid" not in outcome and time.monotonic() < deadline:
        time.sleep(0.01)
    while not _waiting_for_a_lock(outcome["pid"]) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert _waiting_for_a_lock(outcome["pid"]), "the interview should wait for the F1's contact"
    official_move.execute(
        f"UPDATE {Contact._meta.db_table} SET status = 'dismissed', dismissed_reason = 'Không có mặt' WHERE id = %s",
        [f1.contact_id],
    )
    official_move.commit()
    official_move.close()
    interviewer.join(timeout=20)

    assert failure == []
    assert outcome["refused"].code == "contact_f1_closed" and outcome["refused"].extra == {"status": "dismissed"}
    assert not ContactLink.objects.filter(level=2).exists()


def test_two_officials_keeping_one_dismissal_at_once_keep_it_once(transactional_db):
    """services.contact_dismissal_keep reads the evidence again once it holds the contact: another official keeping
    the same dismissal at the same moment (their transaction holds the row) is seen, the second is refused as nothing
    is new any more, and the first one's reason stands."""
    import datetime as dt

    from django.utils import timezone

    from phongdich.core.errors import ApplicationError
    from phongdich.core.models import AuditLog

    from ..models import ContactLink

    ensure_rules()
    tree = make_tree()
    actor = official(tree["kim_tan"], "yte_kimtan")
    first = case(actor, person(tree["kim_tan"], "Ca Bảy"))
    later = case(actor, person(tree["kim_tan"], "Ca Một"), days_ago=2)
    contact = link(person(tree["kim_tan"], "Hoàng Thanh Ngọc"), first)[0].contact
    ContactLink.objects.filter(contact=contact).update(created_at=timezone.now() - dt.timedelta(hours=2))
    services.contact_status_set(actor=actor, contact=contact, status="dismissed", reason="ngồi phòng khác")
    Contact.objects.filter(pk=contact.pk).update(status_changed_at=timezone.now() - dt.timedelta(hours=1))
    link(contact.person, later)
    contact = Contact.objects.get(pk=contact.pk)

    other_official = _raw_connection()  # their keeping, under way: it holds the contact's row
    other_official.execute(f"SELECT 1 FROM {Contact._meta.db_table} WHERE id = %s FOR NO KEY UPDATE", [contact.pk])
    outcome, failure = {}, []

    def keep():
        try:
            with connections["default"].cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                outcome["pid"] = cursor.fetchone()[0]
            services.contact_dismissal_keep(actor=actor, contact=contact, reason="lần hai")
        except ApplicationError as exc:
            outcome["refused"] = exc
        except Exception as exc:  # noqa: BLE001 (reported by the assertion below)
            failure.append(exc)
        finally:
            connections.close_all()

    keeper = threading.Thread(target=keep)
    keeper.start()
    deadline = time.monotonic() + 10
    while "pid" not in outcome and time.monotonic() < deadline:
        time.sleep(0.01)
    while not _waiting_for_a_lock(outcome["pid"]) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert _waiting_for_a_lock(outcome["pid"]), "the keeping should wait for the contact"
    other_official.execute(
        f"UPDATE {Contact._meta.db_table} SET dismissed_reason = 'lần một', status_changed_at = now() WHERE id = %s",
        [contact.pk],
    )
    other_official.commit()
    other_official.close()
    keeper.join(timeout=20)

    assert failure == []
    assert outcome["refused"].code == "contact_no_new_evidence"
    assert Contact.objects.get(pk=contact.pk).dismissed_reason == "lần một"
    assert not AuditLog.objects.filter(action="cases.contact.dismissal_kept").exists()
