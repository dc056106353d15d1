from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CallsConfig(AppConfig):
    name = "phongdich.calls"
    verbose_name = _("Robot-call tracing campaigns")

    def ready(self):
        from . import checks  # noqa: F401 (registers the system checks)
