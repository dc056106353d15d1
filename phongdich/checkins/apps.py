from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CheckinsConfig(AppConfig):
    name = "phongdich.checkins"
    verbose_name = _("QR code check-in")

    def ready(self):
        from phongdich.accounts.permissions import PEOPLE_ROLES
        from phongdich.core.exports import register_export

        from .exports import CHECKINS_EXPORT, checkins_export_plan, member_venue_ids

        # The check-ins of the area for the roles that see people, and of a member's own venues
        # (selectors.checkins_visible_q).
        register_export(CHECKINS_EXPORT, checkins_export_plan, roles=PEOPLE_ROLES, venues=member_venue_ids)
