"""Background tracing: many cases in one run, with progress on the TracingRun row (docs/cases.md)."""

import logging

from celery import shared_task
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from phongdich.core.audit import audit_record

from .models import Case, TracingRun
from .tracing import case_trace_checkins

logger = logging.getLogger(__name__)


def tracing_run_start(*, actor, cases) -> TracingRun:
    """Create a tracing run for `cases` and queue it once the transaction commits (so the worker sees it).

    The pages show its progress from the row: status, done of total, contacts found, links added."""
    cases = list(cases)
    with transaction.atomic():
        run = TracingRun.objects.create(
            total=len(cases), created_by=actor if getattr(actor, "is_authenticated", False) else None
        )
        run.cases.set(cases)
        audit_record(actor=actor, action="case.tracing_run.start", obj=run, extra={"cases": len(cases)})
        transaction.on_commit(lambda: tracing_run_task.delay(run.pk))
    return run


@shared_task(acks_late=True)
def tracing_run_task(run_id: int) -> dict | None:
    """Trace every case of the run, one transaction per case, updating the progress after each.

    A worker killed mid-way gets the task again (acks_late): the run starts over from its first case, which
    costs time but adds nothing twice (tracing is idempotent). `links_added` therefore keeps counting across
    attempts (each link is added once in all); `done` and `contacts_found` start again from zero. A failure
    marks the run failed with the error; it is not retried."""
    run = TracingRun.objects.filter(pk=run_id).select_related("created_by").first()
    if run is None or run.status == TracingRun.Status.DONE:
        return None
    TracingRun.objects.filter(pk=run_id).update(
        status=TracingRun.Status.RUNNING,
        started_at=run.started_at or timezone.now(),
        done=0,
        contacts_found=0,
        error="",
        finished_at=None,
    )
    actor = run.created_by
    try:
        for case in list(Case.objects.filter(tracing_runs=run).select_related("rule").order_by("id")):
            outcome = case_trace_checkins(case=case, actor=actor)
            TracingRun.objects.filter(pk=run_id).update(
                done=F("done") + 1,
                contacts_found=F("contacts_found") + outcome.contacts_found,
                links_added=F("links_added") + outcome.links_added,
            )
    except Exception as exc:  # noqa: BLE001 (recorded on the run for the officials, and logged)
        logger.exception("tracing run %s failed", run_id)
        TracingRun.objects.filter(pk=run_id).update(
            status=TracingRun.Status.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000], finished_at=timezone.now()
        )
        return {"status": TracingRun.Status.FAILED}
    TracingRun.objects.filter(pk=run_id).update(status=TracingRun.Status.DONE, finished_at=timezone.now())
    run.refresh_from_db()
    return {"status": run.status, "done": run.done, "contacts_found": run.contacts_found, "links": run.links_added}
