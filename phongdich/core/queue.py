"""Handing background work to Celery after a commit, without a 500 and without losing it.

A request commits its rows (a queued SMS, an import or export job, a tracing run) and then publishes the task
that does the work. If the broker refuses at that moment, `task.delay()` raised in the commit callback: the user
got a 500 for work that was in fact accepted, and the task was never run. Here the refusal is logged and the
task is kept in `UnpublishedTask`; `unpublished_tasks_publish` (celery beat, every minute) publishes the kept
tasks again, oldest first, once the broker answers. Celery remains the queue: the table only holds what could not
reach it.
"""

import datetime as dt
import logging

from django.db import DatabaseError, connection, transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)

# What a publish raises when the broker is unreachable: kombu wraps connection errors in OperationalError after
# its retries; a refused socket or a full disk under the file-system broker is an OSError.
PUBLISH_ERRORS = (OperationalError, OSError)
# Kept tasks published per run of the beat task; the rest wait for the next minute.
PUBLISH_BATCH = 500


def enqueue(task, *args, **kwargs) -> bool:
    """Publish `task(*args, **kwargs)` now; False when the broker refused and it was kept for later."""
    if task.app.conf.task_always_eager:  # run here and now: its own errors are not the broker's
        task.apply_async(args=args, kwargs=kwargs)
        return True
    try:
        task.apply_async(args=args, kwargs=kwargs)
    except PUBLISH_ERRORS as exc:
        from .models import UnpublishedTask

        try:
            UnpublishedTask.objects.create(name=task.name, args=list(args), kwargs=kwargs, last_error=str(exc)[:500])
        except DatabaseError:  # the database is gone too: the committed work stays, the task is only in this log
            logger.exception("broker refused %s args=%r kwargs=%r and it could not be kept", task.name, args, kwargs)
            return False
        logger.warning("broker refused %s%s (%s): kept to publish again", task.name, args, exc)
        return False
    return True


def enqueue_on_commit(task, *args, **kwargs) -> None:
    """Publish the task once the current transaction commits (at once outside one), as `enqueue`."""
    transaction.on_commit(lambda: enqueue(task, *args, **kwargs))


def unpublished_tasks_publish() -> int:
    """Publish the kept tasks again, oldest first; how many were. Stops at the first refusal (the broker is still
    down: the rest wait). Each row is deleted in the transaction that publishes it, and a row another run holds is
    skipped, so two runs at once do not publish one twice. At least once, not exactly once: a crash between the
    publish and the commit publishes it again next time (the tasks are repeatable: CELERY_TASK_ACKS_LATE). A row
    Celery refuses for itself (its task renamed, or its arguments no longer fitting after an upgrade) is kept
    with the error for an operator, and the rows behind it go on."""
    from celery import current_app

    from .models import UnpublishedTask

    published = 0
    rows = UnpublishedTask.objects.select_for_update(skip_locked=connection.features.has_select_for_update_skip_locked)
    for row_id in UnpublishedTask.objects.values_list("pk", flat=True)[:PUBLISH_BATCH]:
        with transaction.atomic():
            row = rows.filter(pk=row_id).first()
            if row is None:
                continue
            task = current_app.tasks.get(row.name)
            try:
                if task is None:
                    raise LookupError(f"task {row.name} is not registered")
                task.apply_async(args=row.args, kwargs=row.kwargs)
            except PUBLISH_ERRORS as exc:
                _failed(row, exc)
                break
            except Exception as exc:  # noqa: BLE001 - this row's own problem: keep it, go on with the others
                logger.error("kept task %s cannot be published: %s", row.name, exc)
                _failed(row, exc)
                continue
            row.delete()
            published += 1
    return published


def _failed(row, exc: Exception) -> None:
    row.attempts += 1
    row.last_error = f"{type(exc).__name__}: {exc}"[:500]
    row.save(update_fields=["attempts", "last_error"])


def work_is_live(status: str, progress_at, *, now=None) -> bool:
    """Whether a job is being worked on: running, with progress within TASK_STALE_MINUTES. A copy of its task that
    starts once the job has used its TASK_MAX_ATTEMPTS steps aside rather than fail a job another copy is at work
    on (a late redelivery, or copies a sweep queued while the workers were down, all let loose when they came
    back). A dead worker's job shows no progress: the sweep queues it again, or fails it."""
    from django.conf import settings
    from django.utils import timezone

    if status != "running" or progress_at is None:
        return False
    now = now or timezone.now()
    return progress_at >= now - dt.timedelta(minutes=settings.TASK_STALE_MINUTES)


def stale_work_requeue(
    unfinished,
    *,
    attempts_field: str,
    give_up,
    requeue,
    what: str,
    now,
    also=None,
    requeues_field: str = "requeues",
) -> dict:
    """The sweep of background work a dead worker left queued or running (telecom imports, tracing runs, exports):
    each row of `unfinished` without progress for TASK_STALE_MINUTES (`progress_at`, else `started_at`, else
    `created_at` for a job never started) is failed by `give_up(row)` once its task has started TASK_MAX_ATTEMPTS
    times, else queued again by `requeue(row.pk)`. The re-queue is claimed by a filtered update of `progress_at`,
    so two sweeps at once queue a row once and a row that moved on meanwhile is left alone; the row is queued again
    as "queued" (with the fields in `also`), so that the copy starts rather than step aside (work_is_live).

    Copies are bounded too: `requeues_field` counts the copies queued since the task last started (each start sets
    it back to 0), and past TASK_MAX_REQUEUES the row is queued no more. A job no worker picks up (the workers
    down, or none reading its queue) thus leaves TASK_MAX_REQUEUES copies on the broker, not one every
    TASK_STALE_MINUTES for as long as that lasts; it stays "queued", waiting, is not failed (workers down for a
    night lose no work: the copies are there when they come back), and is named in a warning at each sweep. Returns
    the ids {"requeued": [...], "failed": [...]}."""
    from django.conf import settings
    from django.db.models import F, Q

    cutoff = now - dt.timedelta(minutes=settings.TASK_STALE_MINUTES)
    stale = unfinished.filter(
        Q(progress_at__lt=cutoff)
        | Q(progress_at=None, started_at__lt=cutoff)
        | Q(progress_at=None, started_at=None, created_at__lt=cutoff)
    )
    requeued, failed, waiting = [], [], []
    for row in stale.order_by("pk"):
        attempts = getattr(row, attempts_field)
        if attempts >= settings.TASK_MAX_ATTEMPTS:
            if give_up(row):
                failed.append(row.pk)
            continue
        copies = getattr(row, requeues_field)
        if copies >= settings.TASK_MAX_REQUEUES:
            waiting.append(row.pk)
            continue
        unchanged = {"status": row.status, "progress_at": row.progress_at, attempts_field: attempts}
        unchanged[requeues_field] = copies
        if (
            type(row)
            .objects.filter(pk=row.pk, **unchanged)
            .update(progress_at=now, status="queued", **{requeues_field: F(requeues_field) + 1}, **(also or {}))
        ):
            logger.warning("%s %s: no progress since %s, queued again", what, row.pk, row.progress_at)
            requeue(row.pk)
            requeued.append(row.pk)
    if waiting:
        logger.warning(
            "%s %s: not started after %s copies queued again; left waiting for a worker (is one reading the queue?)",
            what,
            waiting,
            settings.TASK_MAX_REQUEUES,
        )
    return {"requeued": requeued, "failed": failed}
