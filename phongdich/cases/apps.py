from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "phongdich.cases"
    verbose_name = _("Cases (F0) and contact tracing")

    def ready(self):
        from phongdich.accounts.permissions import PEOPLE_ROLES
        from phongdich.certificates.sources import register_certificate_source
        from phongdich.core.exports import register_export
        from phongdich.healthcards.inputs import register_input_provider

        from . import checks  # noqa: F401 (registers the system checks)
        from .exports import WORKLIST_EXPORT, worklist_export_plan
        from .providers import cases_recovery_certificates, cases_status_inputs

        register_input_provider("cases", cases_status_inputs)
        register_certificate_source("cases", cases_recovery_certificates)
        # The contacts of the requester's area, for the roles that see people (cases.exports.worklist_query).
        register_export(WORKLIST_EXPORT, worklist_export_plan, roles=PEOPLE_ROLES)
