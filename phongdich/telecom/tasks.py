"""Background work of the telecom domain: imports after upload, their sweep, and retention (beat,
config/celery.py)."""

from celery import shared_task

from . import services


@shared_task(name="phongdich.telecom.tasks.telecom_import_process")
def telecom_import_process(import_id: int) -> dict:
    """Check and write one uploaded file (services.telecom_import_run); repeatable (acks_late)."""
    record = services.telecom_import_run(import_id=import_id)
    if record is None:
        return {"import": import_id, "status": "missing"}
    return {"import": import_id, "status": record.status, "imported": record.rows_imported}


@shared_task(name="phongdich.telecom.tasks.telecom_import_purge")
def telecom_import_purge(import_id: int) -> dict:
    """Delete the location records of a withdrawn import (services.telecom_import_purge); repeatable."""
    return {"import": import_id, "deleted": services.telecom_import_purge(import_id=import_id)}


@shared_task(name="phongdich.telecom.tasks.telecom_prune")
def telecom_prune() -> dict:
    """Delete subscriber location records past TELECOM_RETENTION_DAYS."""
    return services.telecom_prune()


@shared_task(name="phongdich.telecom.tasks.telecom_imports_sweep")
def telecom_imports_sweep() -> dict:
    """Imports left queued or running by a dead worker: queued again, or failed (services.telecom_imports_sweep)."""
    return services.telecom_imports_sweep()
