from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "phongdich.accounts"
