from django.apps import AppConfig


class HealthcardsConfig(AppConfig):
    name = "phongdich.healthcards"
