from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "phongdich.cases"
    verbose_name = "Ca bệnh (F0) và truy vết"
