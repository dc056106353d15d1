from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TestingConfig(AppConfig):
    name = "phongdich.testing"
    verbose_name = _("Testing")

    def ready(self):
        from phongdich.cases.origins import register_origin_source
        from phongdich.cases.samples import register_sample_source
        from phongdich.certificates.sources import register_certificate_source
        from phongdich.core.exports import register_export
        from phongdich.healthcards.inputs import register_input_provider

        from .exports import RESULTS_EXPORT, results_export_plan
        from .providers import case_origin_source, certificate_source, quarantine_sample_source, status_inputs_provider
        from .services import LAB_ROLES, REGISTER_ROLES

        register_input_provider("testing", status_inputs_provider)
        register_certificate_source("testing", certificate_source)
        # The days a quarantined contact gave a sample: the quarantine's test days done (docs/cases.md).
        register_sample_source("testing", quarantine_sample_source)
        # Whether the result that opened a case still holds it up: a withdrawn case's restore asks (docs/cases.md).
        register_origin_source("testing.sample", case_origin_source)
        # The results of the requester's area for the testing roles (selectors.testing_visible_q).
        register_export(RESULTS_EXPORT, results_export_plan, roles=(*LAB_ROLES, *REGISTER_ROLES))
