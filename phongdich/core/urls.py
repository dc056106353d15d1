from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("", views.export_list, name="exports"),
    path("<int:job_id>/", views.export_detail, name="export"),
    path("<int:job_id>/file/", views.export_download, name="export_file"),
]
