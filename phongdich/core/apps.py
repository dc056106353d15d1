from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "phongdich.core"
    verbose_name = _("Audit log and exports")

    def ready(self):
        from . import checks  # noqa: F401  (registers the system checks)

        _api_date_messages()


def _api_date_messages() -> None:
    """DRF answers "Date has wrong format. Use one of these formats instead: YYYY-MM-DD." for 2026-02-30 too, which is
    in that format but is no date (a walk-through of 2026-12-07 took it for a bug): one message for both, in every
    API input. Set on the classes, which every field's __init__ reads (serializers deep-copy their declared fields
    per use, so the fields declared before this runs get it too)."""
    from rest_framework import serializers

    serializers.DateField.default_error_messages = {
        **serializers.DateField.default_error_messages,
        "invalid": _("Not a valid date: give a date that exists, as YYYY-MM-DD (for example 2021-09-14)."),
    }
    serializers.DateTimeField.default_error_messages = {
        **serializers.DateTimeField.default_error_messages,
        "invalid": _(
            "Not a valid date and time: give one that exists, in ISO 8601 (for example 2021-09-14T08:30:00+07:00)."
        ),
    }
