from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    name = "phongdich.certificates"
    verbose_name = "Chứng nhận (EU DCC)"
