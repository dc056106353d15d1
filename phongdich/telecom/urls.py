from django.urls import path

from . import views

app_name = "telecom"
urlpatterns = [
    path("", views.imports, name="imports"),
    path("imports/<int:import_id>/", views.import_detail, name="import_detail"),
    path("imports/<int:import_id>/withdraw/", views.import_withdraw, name="import_withdraw"),
    path("imports/<int:import_id>/errors.xlsx", views.import_errors_export, name="import_errors_export"),
    path("trace/<int:case_id>/", views.trace_case, name="trace_case"),
    path("trace/<int:case_id>/unknown.xlsx", views.trace_unknown_export, name="trace_unknown_export"),
]
