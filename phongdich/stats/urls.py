from django.urls import path

from . import declarations_views, views

app_name = "stats"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("export.xlsx", views.export, name="export"),
    path("declarations/", declarations_views.declarations_page, name="declarations"),
    path("declarations/export.xlsx", declarations_views.declarations_export, name="declarations-export"),
]
