from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HealthcardsConfig(AppConfig):
    name = "phongdich.healthcards"
    verbose_name = _("Health status cards")

    def ready(self):
        from . import receivers  # noqa: F401  (declarations and cases signals: see receivers.py)
        from .inputs import register_input_provider
        from .providers import declarations_provider

        register_input_provider("declarations", declarations_provider)
