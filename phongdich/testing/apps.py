from django.apps import AppConfig


class TestingConfig(AppConfig):
    name = "phongdich.testing"
    verbose_name = "Xét nghiệm"
