from django.urls import path

from . import views

app_name = "healthcards"
urlpatterns = [
    path("verify/", views.verify, name="verify"),
]
