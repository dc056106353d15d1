from django.urls import path

from . import api

# Included under /api/v1/ by config.urls (no namespace: names are prefixed instead).
urlpatterns = [
    path("telecom/imports/", api.TelecomImportListApi.as_view(), name="api-telecom-imports"),
    path("telecom/imports/<int:import_id>/", api.TelecomImportDetailApi.as_view(), name="api-telecom-import"),
    path(
        "telecom/imports/<int:import_id>/withdraw/",
        api.TelecomImportWithdrawApi.as_view(),
        name="api-telecom-import-withdraw",
    ),
    path("telecom/trace/<int:case_id>/", api.TelecomTraceApi.as_view(), name="api-telecom-trace"),
]
