from django.urls import path

from . import views

app_name = "checkins"
urlpatterns = [
    path("", views.checkin_list, name="list"),
    path("export/", views.checkin_export, name="export"),
    path("<int:checkin_id>/", views.checkin_detail, name="detail"),
    path("scan/", views.scan, name="scan"),
    path("paper/", views.paper, name="paper"),
]
