from django.apps import AppConfig


class CheckinsConfig(AppConfig):
    name = "phongdich.checkins"

    def ready(self):
        from phongdich.core.exports import register_export

        from .exports import CHECKINS_EXPORT, checkins_export_plan

        register_export(CHECKINS_EXPORT, checkins_export_plan)
