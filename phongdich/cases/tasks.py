"""Background tracing: many cases in one run, with progress on the TracingRun row (docs/cases.md)."""

import logging

from celery import shared_task
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from phongdich.core.audit import audit_record
from phongdich.core.queue import enqueue, enqueue_on_commit, stale_work_requeue, work_is_live

from .models import Case, TracingRun
from .tracing import case_trace_checkins

logger = logging.getLogger(__name__)


def tracing_run_start(*, actor, cases) -> TracingRun:
    """Create a tracing run for `cases` and queue it once the transaction commits (so the worker sees it).

    The pages show its progress from the row: status, done of total, contacts found, links added."""
    cases = [case for case in cases if case.status != Case.Status.WITHDRAWN]  # not traced (services.case_withdraw)
    with transaction.atomic():
        run = TracingRun.objects.create(
            total=len(cases), created_by=actor if getattr(actor, "is_authenticated", False) else None
        )
        run.cases.set(cases)
        audit_record(actor=actor, action="case.tracing_run.start", obj=run, extra={"cases": len(cases)})
        enqueue_on_commit(tracing_run_task, run.pk)
    return run


# A re-trace tries this many times to join or queue a case's waiting run before it queues a plain run of its own.
RETRACE_TRIES = 3


def tracing_retrace(*, actor, cases) -> list[TracingRun]:
    """Trace `cases` again in the background (an official's move on a contact changed what lies beyond it:
    services._onward_trace_again), merged: a case whose re-trace is queued and not yet started (`started_at` empty)
    joins that run rather than queue another, since the run reads the contacts as they are when it starts; a case
    whose re-trace has started gets a new one, to run after it. Returns the runs the cases are in (new or joined).

    Nothing asked for is lost, with requests and starts at once (docs/cases.md, "Tracing again"): the waiting run is
    joined under its row's lock, held until this transaction commits, and its task stamps its start only once it
    holds that row itself (tracing_run_task): a run joined before it started is started after the join committed,
    so it reads the move and traces the case again whatever another trace wrote meanwhile. Two requests at once
    cannot both queue one: at most one waiting re-trace per case (constraint tracing_run_one_retrace_waiting); the
    second waits for the first's insert and then joins it. Cases are taken in id order, so that requests touching
    several cases wait for each other rather than deadlock. To be called inside the transaction of the move."""
    runs = []
    with transaction.atomic():
        for case in sorted(cases, key=lambda case: case.pk):
            if case.status == Case.Status.WITHDRAWN:  # not traced (services.case_withdraw)
                continue
            runs.append(_retrace_one(actor=actor, case=case))
    return runs


def _retrace_one(*, actor, case: Case) -> TracingRun:
    waiting = TracingRun.objects.select_for_update(no_key=True).filter(
        retrace_case=case, status=TracingRun.Status.QUEUED, started_at=None
    )
    for _ in range(RETRACE_TRIES):
        run = waiting.first()  # PostgreSQL reads a row a start changed meanwhile again: started, it is skipped
        if run is not None:
            return run
        try:
            with transaction.atomic():  # a savepoint: the insert of a concurrent request makes this one fail
                run = TracingRun.objects.create(
                    retrace_case=case,
                    total=1,
                    created_by=actor if getattr(actor, "is_authenticated", False) else None,
                )
        except IntegrityError:
            continue  # another request queued the case's re-trace meanwhile: join it (unless it started already)
        run.cases.set([case])
        audit_record(actor=actor, action="case.tracing_run.start", obj=run, extra={"cases": 1, "retrace": case.pk})
        enqueue_on_commit(tracing_run_task, run.pk)
        return run
    # Runs joined and started each time: rare enough that a plain run of its own is the answer.
    return tracing_run_start(actor=actor, cases=[case])


@shared_task(acks_late=True)
def tracing_run_task(run_id: int) -> dict | None:
    """Trace every case of the run: split into TRACING_BATCH_PARTS parts (at most one per case), each a task
    of its own (tracing_run_part_task) that worker processes run side by side; part 0 runs here. Each case is
    one transaction with its share of the progress, which the pages read from the run's row.

    A worker killed mid-way gets its task again (acks_late): a part then goes on from its first case not yet
    traced since the run started (its cases' traced_at), and this task queues again only the parts not yet
    finished, so that nothing is traced or counted twice. A failure marks the run failed with the error (the
    other parts stop before their next case); it is not retried."""
    run = TracingRun.objects.filter(pk=run_id).first()
    if run is None or run.status == TracingRun.Status.DONE:
        return None
    if not _count_start(run):
        return None
    case_ids = list(Case.objects.filter(tracing_runs=run).order_by("id").values_list("id", flat=True))
    parts = max(1, min(settings.TRACING_BATCH_PARTS, len(case_ids)))
    if run.started_at is None or run.parts != parts:  # a first start (or a changed split: begin the parts again)
        run.parts_finished = []
    with transaction.atomic():
        # A re-trace joining the run holds its row until it commits (tracing_retrace): the start is stamped once the
        # row is ours, after that commit, so that the parts trace again a case another trace read before the move.
        started_at = (
            TracingRun.objects.select_for_update(no_key=True).values_list("started_at", flat=True).get(pk=run_id)
        )
        TracingRun.objects.filter(pk=run_id).update(
            status=TracingRun.Status.RUNNING,
            started_at=started_at or timezone.now(),
            parts=parts,
            parts_finished=run.parts_finished,
            error="",
            finished_at=None,
        )
    # Every parts-th case, so that each part gets a share of the big ones as well as of the small.
    for part in range(1, parts):
        if part not in run.parts_finished:
            enqueue(tracing_run_part_task, run_id, case_ids[part::parts], part=part)
    if 0 in run.parts_finished:
        return _finish_part(run_id, 0)
    return tracing_run_part_task(run_id, case_ids[0::parts], part=0)


@shared_task(acks_late=True)
def tracing_run_part_task(run_id: int, case_ids: list[int], part: int = 0) -> dict | None:
    """Trace these cases of the run (tracing_run_task) that were not traced since it started, then mark the
    part finished; the last part to finish marks the run done."""
    run = TracingRun.objects.filter(pk=run_id).select_related("created_by").first()
    if run is None or run.status != TracingRun.Status.RUNNING:
        return None
    if run.started_at is None:  # a part queued without its run's task (tests, the shell): the run starts now
        TracingRun.objects.filter(pk=run_id, started_at=None).update(started_at=timezone.now())
        run.refresh_from_db(fields=["started_at"])
    cases = Case.objects.filter(pk__in=case_ids).select_related("rule").order_by("id")
    try:
        for case in cases:
            if TracingRun.objects.filter(pk=run_id, status=TracingRun.Status.FAILED).exists():
                return {"status": TracingRun.Status.FAILED}  # another part failed: the run has stopped
            with transaction.atomic():
                # Read under the case's lock, which the trace takes too: a part got twice (and running twice
                # at once) traces each case once.
                locked = Case.objects.select_for_update(no_key=True).filter(pk=case.pk)
                traced_at, status = locked.values_list("traced_at", "status")[0]
                # Traced since the run started (before this part was got again, or by its twin): not again. Withdrawn
                # since the run was started: skipped (counted as done, see _count_done).
                if status != Case.Status.WITHDRAWN and (traced_at is None or traced_at < run.started_at):
                    outcome = case_trace_checkins(case=case, actor=run.created_by)
                    TracingRun.objects.filter(pk=run_id).update(
                        contacts_found=F("contacts_found") + outcome.contacts_found,
                        links_added=F("links_added") + outcome.links_added,
                    )
            _count_done(run)
    except Exception as exc:  # noqa: BLE001 (recorded on the run for the officials, and logged)
        logger.exception("tracing run %s failed", run_id)
        TracingRun.objects.filter(pk=run_id).update(
            status=TracingRun.Status.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000], finished_at=timezone.now()
        )
        return {"status": TracingRun.Status.FAILED}
    return _finish_part(run_id, part)


def _count_done(run: TracingRun) -> None:
    """The run's progress: how many of its cases have been traced since it started, or withdrawn and so skipped
    (a case traced again after a crash, or skipped, is never counted twice)."""
    done = (
        Case.objects.filter(tracing_runs=run)
        .filter(Q(traced_at__gte=run.started_at) | Q(status=Case.Status.WITHDRAWN))
        .count()
    )
    TracingRun.objects.filter(pk=run.pk).update(done=done, progress_at=timezone.now())


def _finish_part(run_id: int, part: int) -> dict:
    """Mark `part` finished (once, however often it ran); the run is done when every part is."""
    with transaction.atomic():
        run = TracingRun.objects.select_for_update().get(pk=run_id)
        if part not in run.parts_finished:
            run.parts_finished = [*run.parts_finished, part]
        if run.status == TracingRun.Status.RUNNING and len(run.parts_finished) >= run.parts:
            run.status, run.finished_at = TracingRun.Status.DONE, timezone.now()
        run.save(update_fields=["parts_finished", "status", "finished_at"])
    return {"status": run.status, "done": run.done, "contacts_found": run.contacts_found, "links": run.links_added}


# --- Runs left running by a dead worker ---------------------------------------------------------------------------

_GAVE_UP = (
    "Tiến trình nền đã dừng {n} lần khi đang truy vết; các ca chưa truy vết có thể truy vết lại."
    " / The background worker stopped {n} times while tracing; the cases not traced may be traced again."
)


def _count_start(run: TracingRun) -> bool:
    """Count a start of the run's task; False past TASK_MAX_ATTEMPTS: a late copy while the run's parts are at work
    steps aside, otherwise the run fails (a run whose task kills its worker each time is got again by the broker
    for ever otherwise: CELERY_TASK_REJECT_ON_WORKER_LOST)."""
    if run.attempts >= settings.TASK_MAX_ATTEMPTS and work_is_live(run.status, run.progress_at):
        return False
    TracingRun.objects.filter(pk=run.pk).update(attempts=F("attempts") + 1, progress_at=timezone.now(), requeues=0)
    run.refresh_from_db(fields=["attempts"])
    if run.attempts <= settings.TASK_MAX_ATTEMPTS:
        return True
    _give_up(run.pk, run.attempts - 1)
    return False


def _give_up(run_id: int, attempts: int) -> bool:
    failed = TracingRun.objects.filter(
        pk=run_id, status__in=(TracingRun.Status.QUEUED, TracingRun.Status.RUNNING)
    ).update(status=TracingRun.Status.FAILED, error=_GAVE_UP.format(n=attempts), finished_at=timezone.now())
    if failed:
        logger.error("tracing run %s: given up after %s attempts", run_id, attempts)
    return bool(failed)


def tracing_runs_sweep(*, now=None) -> dict:
    """Runs queued or running without a sign of life (a case traced) for TASK_STALE_MINUTES: their worker died, or
    their message was lost. Each is queued again while its task has started fewer than TASK_MAX_ATTEMPTS times (the
    parts go on from their first case not traced, docs/cases.md), else marked failed with the reason; the other
    parts then stop. A live run reports each case it traces, so it is never touched (beat: stale-work-sweep)."""
    return stale_work_requeue(
        TracingRun.objects.filter(status__in=(TracingRun.Status.QUEUED, TracingRun.Status.RUNNING)),
        attempts_field="attempts",
        give_up=lambda run: _give_up(run.pk, run.attempts),
        requeue=lambda run_id: enqueue(tracing_run_task, run_id),
        what="tracing run",
        now=now or timezone.now(),
    )


@shared_task
def tracing_runs_sweep_task() -> dict:
    return tracing_runs_sweep()
