from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "phongdich.core"
    verbose_name = "Phòng Dịch core"

    def ready(self):
        from . import checks  # noqa: F401  (registers the system checks)
