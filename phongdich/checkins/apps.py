from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CheckinsConfig(AppConfig):
    name = "phongdich.checkins"
    verbose_name = _("QR code check-in")

    def ready(self):
        from phongdich.core.exports import register_export

        from .exports import CHECKINS_EXPORT, checkins_export_plan

        register_export(CHECKINS_EXPORT, checkins_export_plan)
