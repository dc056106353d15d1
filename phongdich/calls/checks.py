"""System checks of the robot-call settings (registered in CallsConfig.ready)."""

import datetime as dt
import zoneinfo

from django.conf import settings
from django.core import checks

from .backends import BACKENDS, HTTP


@checks.register()
def check_calls_settings(app_configs, **kwargs):
    problems = []
    if settings.CALLS_BACKEND not in BACKENDS:
        problems.append(checks.Error(f"CALLS_BACKEND must be one of {', '.join(BACKENDS)}.", id="calls.E001"))
    if settings.CALLS_BACKEND == HTTP and not (settings.CALLS_HTTP_URL and settings.CALLS_CALLBACK_SECRET):
        problems.append(
            checks.Error(
                "CALLS_BACKEND is http but CALLS_HTTP_URL or CALLS_CALLBACK_SECRET is empty.",
                hint="The switchboard needs an address to call, and its results must be signed.",
                id="calls.E002",
            )
        )
    try:
        first, last = settings.CALLS_HOURS.replace("–", "-").split("-")
        if dt.time.fromisoformat(first.strip()) >= dt.time.fromisoformat(last.strip()):
            raise ValueError
    except ValueError:
        problems.append(
            checks.Error("CALLS_HOURS must be two times, the first earlier, as 07:30-20:30.", id="calls.E003")
        )
    try:
        zoneinfo.ZoneInfo(settings.CALLS_TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        problems.append(checks.Error("CALLS_TIME_ZONE is not a known time zone.", id="calls.E004"))
    return problems
