"""The Celery application. Tasks live in each app's tasks.py; the beat schedule is here."""

import os
from pathlib import Path

from celery import Celery
from celery.schedules import crontab
from celery.signals import before_task_publish

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "phongdich.config.settings")

app = Celery("phongdich")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

_folders_ready = False


@before_task_publish.connect
def _filesystem_queue_folders(**kwargs):
    """The embedded file-system broker needs its folders before the first message: any process may queue one
    (`phongdich demo`, a management command), not only `phongdich serve`, which also makes them."""
    global _folders_ready
    if _folders_ready:
        return
    options = app.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)
    _folders_ready = True


app.conf.beat_schedule = {
    # Messages to people left unsent past their time (a lost task): queued again (notifications.services).
    "messages-unsent-requeue": {
        "task": "phongdich.notifications.tasks.messages_unsent_requeue_task",
        "schedule": crontab(minute="*/15"),
    },
    # Tasks the broker refused after their transaction committed, published again once it answers (core.queue).
    "unpublished-tasks-publish": {
        "task": "phongdich.core.tasks.unpublished_tasks_publish_task",
        "schedule": crontab(minute="*"),
    },
    # Background jobs without progress for TASK_STALE_MINUTES (a worker killed, a message lost): queued again, or
    # failed after TASK_MAX_ATTEMPTS starts. A run not started within its interval is dropped: the next one does it.
    "stale-work-sweep-telecom-imports": {
        "task": "phongdich.telecom.tasks.telecom_imports_sweep",
        "schedule": crontab(minute="*/5"),
        "options": {"expires": 280},
    },
    "stale-work-sweep-tracing-runs": {
        "task": "phongdich.cases.tasks.tracing_runs_sweep_task",
        "schedule": crontab(minute="*/5"),
        "options": {"expires": 280},
    },
    "stale-work-sweep-exports": {
        "task": "phongdich.core.tasks.exports_sweep_task",
        "schedule": crontab(minute="*/5"),
        "options": {"expires": 280},
    },
    # Expired one-time look-up codes of the testing app (docs/testing.md).
    "testing-lookup-codes-prune": {
        "task": "phongdich.testing.tasks.lookup_codes_prune_task",
        "schedule": crontab(minute=40, hour=3),
    },
    # Roll up each finished day into anonymous counts, then delete check-ins past retention.
    "checkins-rollup-and-prune": {
        "task": "phongdich.checkins.tasks.checkins_rollup_and_prune",
        "schedule": crontab(minute=15, hour="*/1"),
    },
    # Follow-up tasks of flagged declarations whose reaction after the commit did not run.
    "followups-backfill": {
        "task": "phongdich.followups.tasks.followups_backfill",
        "schedule": crontab(minute="*/10"),
    },
    # Close visits that nobody checked out of, after their venue type's duration.
    "checkins-auto-checkout": {
        "task": "phongdich.checkins.tasks.checkins_auto_checkout",
        "schedule": crontab(minute="*/5"),
    },
    # Exported spreadsheets past EXPORT_KEEP_HOURS (core.exports): they hold personal data.
    "exports-prune": {
        "task": "phongdich.core.tasks.exports_prune_task",
        "schedule": crontab(minute=50, hour="*/1"),
    },
    # Idempotency keys and form nonces past IDEMPOTENCY_KEEP_HOURS (answers showing a person are kept as ids only).
    "idempotency-keys-prune": {
        "task": "phongdich.core.tasks.idempotency_keys_prune_task",
        "schedule": crontab(minute=55, hour="*/1"),
    },
    # Robot calls: place the due calls of running campaigns within calling hours (calls.services.calls_dispatch).
    "calls-dispatch": {
        "task": "phongdich.calls.tasks.calls_dispatch_task",
        "schedule": crontab(minute="*"),
        # A run not started within the minute is dropped: the next one places the same calls, and a backlog of
        # runs let loose at once would place more than CALLS_PER_MINUTE.
        "options": {"expires": 55},
    },
    # Unknown subscribers' numbers in robot calls past TELECOM_RETENTION_DAYS (calls app).
    "calls-telecom-prune": {
        "task": "phongdich.calls.tasks.calls_telecom_prune_task",
        "schedule": crontab(minute=45, hour="*/1"),
    },
    # Subscriber location records past TELECOM_RETENTION_DAYS (telecom app).
    "telecom-prune": {
        "task": "phongdich.telecom.tasks.telecom_prune",
        "schedule": crontab(minute=40, hour="*/1"),
    },
}
