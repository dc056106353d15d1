from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VaccinationConfig(AppConfig):
    name = "phongdich.vaccination"
    verbose_name = _("Vaccination")

    def ready(self):
        from phongdich.certificates.sources import register_certificate_source
        from phongdich.healthcards.inputs import register_input_provider

        from .providers import vaccination_certificate_facts, vaccination_inputs

        register_input_provider("vaccination", vaccination_inputs)
        register_certificate_source("vaccination", vaccination_certificate_facts)
