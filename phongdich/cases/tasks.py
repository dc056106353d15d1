"""Background tracing: many cases in one run, with progress on the TracingRun row (docs/cases.md)."""

import logging

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Least
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
    """Trace every case of the run: split into TRACING_BATCH_PARTS parts (at most one per case), each a task
    of its own (tracing_run_part_task) that worker processes run side by side; one part runs here. Each case is
    one transaction, and the progress is updated after each.

    A worker killed mid-way gets the task again (acks_late). This task then starts the run over from its first
    case, which costs time but adds nothing twice (tracing is idempotent): `links_added` keeps counting across
    attempts (each link is added once in all); `done`, `contacts_found` and `parts_done` start again from zero.
    A part got again re-traces its own cases (`done` never passes `total`). A failure marks the run failed with
    the error (the other parts stop before their next case); it is not retried."""
    run = TracingRun.objects.filter(pk=run_id).first()
    if run is None or run.status == TracingRun.Status.DONE:
        return None
    case_ids = list(Case.objects.filter(tracing_runs=run).order_by("id").values_list("id", flat=True))
    parts = max(1, min(getattr(settings, "TRACING_BATCH_PARTS", 1), len(case_ids)))
    TracingRun.objects.filter(pk=run_id).update(
        status=TracingRun.Status.RUNNING,
        started_at=run.started_at or timezone.now(),
        done=0,
        contacts_found=0,
        parts=parts,
        parts_done=0,
        error="",
        finished_at=None,
    )
    # Every parts-th case, so that each part gets a share of the big ones as well as of the small.
    for part in range(1, parts):
        tracing_run_part_task.delay(run_id, case_ids[part::parts])
    return tracing_run_part_task(run_id, case_ids[0::parts])


@shared_task(acks_late=True)
def tracing_run_part_task(run_id: int, case_ids: list[int]) -> dict | None:
    """Trace these cases of the run (tracing_run_task), then count the part done; the last part to finish
    marks the run done."""
    run = TracingRun.objects.filter(pk=run_id).select_related("created_by").first()
    if run is None or run.status != TracingRun.Status.RUNNING:
        return None
    cases = Case.objects.filter(pk__in=case_ids).select_related("rule").order_by("id")
    try:
        for case in cases:
            if TracingRun.objects.filter(pk=run_id, status=TracingRun.Status.FAILED).exists():
                return {"status": TracingRun.Status.FAILED}  # another part failed: the run has stopped
            outcome = case_trace_checkins(case=case, actor=run.created_by)
            TracingRun.objects.filter(pk=run_id).update(
                done=Least(F("done") + 1, F("total")),
                contacts_found=F("contacts_found") + outcome.contacts_found,
                links_added=F("links_added") + outcome.links_added,
            )
    except Exception as exc:  # noqa: BLE001 (recorded on the run for the officials, and logged)
        logger.exception("tracing run %s failed", run_id)
        TracingRun.objects.filter(pk=run_id).update(
            status=TracingRun.Status.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000], finished_at=timezone.now()
        )
        return {"status": TracingRun.Status.FAILED}
    TracingRun.objects.filter(pk=run_id).update(parts_done=F("parts_done") + 1)
    TracingRun.objects.filter(pk=run_id, status=TracingRun.Status.RUNNING, parts_done__gte=F("parts")).update(
        status=TracingRun.Status.DONE, finished_at=timezone.now()
    )
    run.refresh_from_db()
    return {"status": run.status, "done": run.done, "contacts_found": run.contacts_found, "links": run.links_added}
