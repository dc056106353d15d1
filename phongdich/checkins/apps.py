from django.apps import AppConfig


class CheckinsConfig(AppConfig):
    name = "phongdich.checkins"
