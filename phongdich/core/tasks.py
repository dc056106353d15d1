"""Background work of core: spreadsheet exports (core.exports), and the tasks the broker refused (core.queue)."""

from celery import shared_task

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
