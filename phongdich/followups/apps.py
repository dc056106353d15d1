from django.apps import AppConfig


class FollowupsConfig(AppConfig):
    name = "phongdich.followups"

    def ready(self):
        from phongdich.declarations.signals import declaration_submitted

        from . import receivers

        # dispatch_uid: connected once even if ready() runs twice (tests, reloads).
        declaration_submitted.connect(
            receivers.on_declaration_submitted, dispatch_uid="followups.on_declaration_submitted"
        )
