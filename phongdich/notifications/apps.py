from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "phongdich.notifications"
    verbose_name = "Tin nhắn gửi người dân"
