from django.urls import path

from . import api, declarations_views

urlpatterns = [
    path("stats/areas/<int:area_id>/", api.AreaStatsApi.as_view(), name="stats-area"),
    path(
        "stats/areas/<int:area_id>/declarations/",
        declarations_views.AreaDeclarationStatsApi.as_view(),
        name="stats-area-declarations",
    ),
]
