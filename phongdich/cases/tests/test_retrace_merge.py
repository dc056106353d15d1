"""Re-traces an official's moves ask for are merged (docs/cases.md, "Tracing again"): a case whose re-trace is queued
and not yet started joins it; one already started gets another after it; nothing asked for is lost, with requests
and starts at once (the last tests, PostgreSQL only: SQLite serialises writers)."""

import datetime as dt
import threading
import time
from unittest import mock

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from phongdich.core.models import AuditLog

from .. import services
from ..models import Contact, TracingRun
from ..tasks import tracing_run_task, tracing_runs_sweep
from ..tracing import case_trace_checkins
from .builders import case, checkin, ensure_rules, local, make_tree, official, person, venue


def _scene(f1_count: int = 3):
    """A case at the market at 09:00 two days ago; `f1_count` F1 there at 09:10, the first of whom went on to a shop
    at 18:00, where an F2 was at 18:10. Traced once."""
    ensure_rules()
    tree = make_tree()
    kim_tan = tree["kim_tan"]
    actor = official(kim_tan, "yte_kimtan")
    market, shop = venue(kim_tan, "Chợ Kim Tân"), venue(kim_tan, "Quán Tư")
    day = timezone.localdate() - dt.timedelta(days=2)
    source = person(kim_tan, "Nguồn")
    f1s = [person(kim_tan, f"Một {n}") for n in range(f1_count)]
    f2 = person(kim_tan, "Hai")
    checkin(source, market, local(day, 9))
    for f1 in f1s:
        checkin(f1, market, local(day, 9, 10))
    checkin(f1s[0], shop, local(day, 18))
    checkin(f2, shop, local(day, 18, 10))
    entered = case(actor, source)
    case_trace_checkins(case=entered, actor=actor)
    assert Contact.objects.get(person=f2).level == 2
    return actor, entered, f1s, f2


@pytest.fixture
def tracing(settings, monkeypatch):
    # The runs stay queued until a test starts one (an eager Celery would run each at its commit).
    monkeypatch.setattr("phongdich.cases.tasks.enqueue_on_commit", lambda *args, **kwargs: None)
    settings.TRACING_MIN_OVERLAP_MINUTES = None
    settings.TRACING_OPEN_CHECKIN_BUFFER_MINUTES = {}
    settings.TRACING_MAX_LEVEL = 2
    settings.EXPOSURE_NOTICES_AUTO_PUBLISH = True
    settings.TRACING_BATCH_PARTS = 1


def _dismiss(actor, who) -> None:
    services.contact_status_set(
        actor=actor, contact=Contact.objects.get(person=who), status=Contact.Status.DISMISSED, reason="Không có mặt"
    )


@pytest.mark.django_db
def test_f1_dismissed_one_by_one_queue_one_retrace_of_their_case(tracing):
    actor, entered, f1s, f2 = _scene()
    for f1 in f1s:
        _dismiss(actor, f1)

    run = TracingRun.objects.get()
    assert (run.status, run.retrace_case, list(run.cases.all()), run.total) == ("queued", entered, [entered], 1)
    assert AuditLog.objects.filter(action="case.tracing_run.start").count() == 1
    # The run reads the contacts as they are when it starts: every dismissal counts.
    tracing_run_task(run.pk)
    assert Contact.objects.get(person=f2).status == Contact.Status.CASE_WITHDRAWN


@pytest.mark.django_db
def test_a_retrace_already_started_gets_another_after_it(tracing):
    actor, entered, f1s, _ = _scene()
    _dismiss(actor, f1s[0])
    first = TracingRun.objects.get()
    # Started (its parts may have read the contacts already): the next move needs a trace of its own.
    TracingRun.objects.filter(pk=first.pk).update(status="running", started_at=timezone.now())
    _dismiss(actor, f1s[1])
    second = TracingRun.objects.exclude(pk=first.pk).get()
    assert (second.status, second.retrace_case) == ("queued", entered)
    # ... which the next one joins.
    _dismiss(actor, f1s[2])
    assert TracingRun.objects.count() == 2


@pytest.mark.django_db
def test_a_retrace_the_sweep_queued_again_after_a_start_is_not_joined(tracing, settings):
    """Queued again by the sweep after its worker died, a run has started: its parts skip the cases they traced
    since, so a move after that start needs a run of its own."""
    actor, entered, f1s, _ = _scene()
    _dismiss(actor, f1s[0])
    first = TracingRun.objects.get()
    long_ago = timezone.now() - dt.timedelta(minutes=settings.TASK_STALE_MINUTES + 1)
    TracingRun.objects.filter(pk=first.pk).update(
        status="running", started_at=long_ago, progress_at=long_ago, attempts=1
    )
    with mock.patch("phongdich.cases.tasks.enqueue") as enqueue:
        assert tracing_runs_sweep()["requeued"] == [first.pk]
    assert enqueue.called and TracingRun.objects.get(pk=first.pk).status == "queued"
    _dismiss(actor, f1s[1])
    assert TracingRun.objects.count() == 2


@pytest.mark.django_db
def test_moves_of_several_contacts_at_once_join_the_waiting_retrace(tracing):
    actor, entered, f1s, _ = _scene()
    _dismiss(actor, f1s[0])
    services.contacts_status_set(
        actor=actor,
        contacts=list(Contact.objects.filter(person__in=f1s[1:])),
        status=Contact.Status.DISMISSED,
        reason="Không có mặt",
    )
    assert TracingRun.objects.count() == 1


# --- At once, on PostgreSQL ----------------------------------------------------------------------------------------

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="two transactions at once need PostgreSQL"
)


def _pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _waits_for_a_lock(pid: int) -> bool:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
            row = cursor.fetchone()
        if row is not None and row[0] == "Lock":
            return True
        time.sleep(0.02)
    return False


class _Held(threading.Thread):
    """A move in a transaction of its own, held open after the move until `release` is set (a request still
    writing its audit entries, say)."""

    def __init__(self, move):
        super().__init__()
        self.move, self.release, self.moved = move, threading.Event(), threading.Event()
        self.failure: list[Exception] = []

    def run(self):
        try:
            with transaction.atomic():
                self.move()
                self.moved.set()
                self.release.wait(20)
        except Exception as exc:  # noqa: BLE001 (reported by the test)
            self.failure.append(exc)
        finally:
            self.moved.set()
            connections.close_all()


class _Other(threading.Thread):
    """Something else at the same time, on its own connection; `pid` is its backend's."""

    def __init__(self, work):
        super().__init__()
        self.work, self.pid, self.failure = work, None, []
        self.ready = threading.Event()

    def run(self):
        try:
            self.pid = _pid()
            self.ready.set()
            self.work()
        except Exception as exc:  # noqa: BLE001 (reported by the test)
            self.failure.append(exc)
        finally:
            self.ready.set()
            connections.close_all()


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_two_dismissals_at_once_queue_one_retrace(tracing):
    actor, entered, f1s, _ = _scene()
    first = _Held(lambda: _dismiss(actor, f1s[0]))
    first.start()
    assert first.moved.wait(10) and not first.failure
    # The second request's run waits for the first's uncommitted one (the constraint), then joins it.
    second = _Other(lambda: _dismiss(actor, f1s[1]))
    second.start()
    assert second.ready.wait(10)
    assert _waits_for_a_lock(second.pid), "the second re-trace should wait for the first"
    first.release.set()
    first.join(10)
    second.join(10)
    assert not first.failure and not second.failure
    run = TracingRun.objects.get()
    assert run.retrace_case == entered and run.status == "queued"


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_run_starting_while_a_dismissal_joins_it_traces_after_the_dismissal(tracing):
    """Nothing is lost: the run waits for the joining request's commit before it stamps its start and traces."""
    actor, entered, f1s, f2 = _scene()
    _dismiss(actor, f1s[1])  # queues the case's re-trace, not yet started
    waiting = TracingRun.objects.get()
    joining = _Held(lambda: _dismiss(actor, f1s[0]))  # the F1 through whom the F2 was met
    joining.start()
    assert joining.moved.wait(10) and not joining.failure
    starting = _Other(lambda: tracing_run_task(waiting.pk))
    starting.start()
    assert starting.ready.wait(10)
    assert _waits_for_a_lock(starting.pid), "the start should wait for the joining request"
    joining.release.set()
    joining.join(10)
    starting.join(30)
    assert not joining.failure and not starting.failure
    assert list(TracingRun.objects.values_list("pk", "status")) == [(waiting.pk, "done")]
    # The trace read the dismissal: the F2, met only through that F1, has no evidence left.
    assert Contact.objects.get(person=f2).status == Contact.Status.CASE_WITHDRAWN


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_dismissal_just_after_a_run_started_gets_a_run_of_its_own(tracing):
    actor, entered, f1s, f2 = _scene()
    _dismiss(actor, f1s[1])
    waiting = TracingRun.objects.get()
    # The run's start holds its row (as its task does while it stamps the start) ...
    starting = _Held(
        lambda: TracingRun.objects.filter(pk=waiting.pk).update(status="running", started_at=timezone.now())
    )
    starting.start()
    assert starting.moved.wait(10) and not starting.failure
    # ... the dismissal waits for it, sees it started, and queues a run of its own.
    dismissing = _Other(lambda: _dismiss(actor, f1s[0]))
    dismissing.start()
    assert dismissing.ready.wait(10)
    assert _waits_for_a_lock(dismissing.pid), "the dismissal should wait for the start"
    starting.release.set()
    starting.join(10)
    dismissing.join(10)
    assert not starting.failure and not dismissing.failure
    new = TracingRun.objects.exclude(pk=waiting.pk).get()
    assert (new.status, new.retrace_case, new.started_at) == ("queued", entered, None)
    tracing_run_task(new.pk)
    assert Contact.objects.get(person=f2).status == Contact.Status.CASE_WITHDRAWN
