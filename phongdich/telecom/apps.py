from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TelecomConfig(AppConfig):
    name = "phongdich.telecom"
    verbose_name = _("Telecom records")
