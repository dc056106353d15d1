from celery import shared_task


@shared_task(bind=True, max_retries=5, acks_late=True)
def results_after_commit_task(self, sample_ids: list[int]):
    """After new results commit: SMS each person that a result can be looked up, refresh their status cards.
    Repeatable: notified results are skipped (services.results_notify)."""
    from .services import results_notify

    results_notify(sample_ids=sample_ids)


@shared_task(acks_late=True)
def results_import_job_task(job_id: int):
    """Import an uploaded lab sheet (imports.import_job_run), reporting progress into its ImportJob row."""
    from .imports import import_job_run

    import_job_run(job_id=job_id)


@shared_task
def lookup_codes_prune_task() -> int:
    """Daily (config/celery.py): one-time codes are useless once expired and should not pile up."""
    from .lookup import lookup_codes_prune

    return lookup_codes_prune()
