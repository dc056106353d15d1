"""Background work of core: spreadsheet exports (core.exports), the tasks the broker refused (core.queue), and the
remembered idempotency keys (core.api, core.formonce)."""

from celery import shared_task

from .api import idempotency_keys_prune
from .exports import export_run, exports_prune, exports_sweep
from .queue import unpublished_tasks_publish


@shared_task(acks_late=True)
def export_run_task(job_id: int) -> None:
    export_run(job_id)


@shared_task
def exports_prune_task() -> int:
    return exports_prune()


@shared_task
def exports_sweep_task() -> dict:
    return exports_sweep()


@shared_task
def unpublished_tasks_publish_task() -> int:
    return unpublished_tasks_publish()


@shared_task
def idempotency_keys_prune_task() -> int:
    return idempotency_keys_prune()
