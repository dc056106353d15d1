from django.apps import AppConfig


class VaccinationConfig(AppConfig):
    name = "phongdich.vaccination"
    verbose_name = "Tiêm chủng"
