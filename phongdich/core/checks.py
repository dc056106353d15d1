"""System checks for configuration mistakes that would otherwise show up only in production."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def check_secret_key(app_configs, **kwargs):
    if settings.SECRET_KEY == "insecure-development-key-change-me":
        return [
            checks.Error(
                "SECRET_KEY is not set.",
                hint="Set SECRET_KEY in the environment to a long random string.",
                id="core.E001",
            )
        ]
    return []


@checks.register()
def check_retention(app_configs, **kwargs):
    errors = []
    if settings.CHECKIN_BATCH_MAX_AGE_DAYS > settings.CHECKIN_RETENTION_DAYS:
        errors.append(
            checks.Error(
                "CHECKIN_BATCH_MAX_AGE_DAYS is longer than CHECKIN_RETENTION_DAYS.",
                hint="Offline scans older than the retention period would be deleted on arrival.",
                id="core.E002",
            )
        )
    return errors


@checks.register()
def check_province_hotline(app_configs, **kwargs):
    from .hotlines import HOTLINE_PATTERN

    hotline = settings.PROVINCE_HEALTH_HOTLINE
    if hotline and not HOTLINE_PATTERN.match(hotline):
        return [
            checks.Error(
                f"PROVINCE_HEALTH_HOTLINE is not a phone number: {hotline!r}.",
                hint='Digits, with spaces, dots or dashes between them if you like ("0237 3852 323", "1900 9095").',
                id="core.E003",
            )
        ]
    return []
