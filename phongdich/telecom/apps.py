from django.apps import AppConfig


class TelecomConfig(AppConfig):
    name = "phongdich.telecom"
    verbose_name = "Dữ liệu nhà mạng"
