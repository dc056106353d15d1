from django.urls import path

from . import api

urlpatterns = [
    path("stats/areas/<int:area_id>/", api.AreaStatsApi.as_view(), name="stats-area"),
]
