from django.urls import path

from . import views

app_name = "healthcards"
urlpatterns = [
    path("verify/", views.verify, name="verify"),
    path("verify/sw.js", views.verify_service_worker, name="verify-sw"),
]
