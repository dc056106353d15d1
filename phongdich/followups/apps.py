from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowupsConfig(AppConfig):
    name = "phongdich.followups"
    verbose_name = _("Follow-up of health declarations")

    def ready(self):
        from phongdich.declarations.signals import declaration_submitted

        from . import receivers

        # dispatch_uid: connected once even if ready() runs twice (tests, reloads).
        declaration_submitted.connect(
            receivers.on_declaration_submitted, dispatch_uid="followups.on_declaration_submitted"
        )
