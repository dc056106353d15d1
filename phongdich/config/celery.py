"""The Celery application. Tasks live in each app's tasks.py; the beat schedule is here."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "phongdich.config.settings")

app = Celery("phongdich")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
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
    # Subscriber location records past TELECOM_RETENTION_DAYS (telecom app).
    "telecom-prune": {
        "task": "phongdich.telecom.tasks.telecom_prune",
        "schedule": crontab(minute=40, hour="*/1"),
    },
}
