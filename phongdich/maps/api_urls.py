from django.urls import path

from . import api

# Included under /api/v1/ by config.urls (no namespace: names are prefixed instead).
urlpatterns = [
    path("map/exposure-places/", api.ExposurePlacesApi.as_view(), name="api-map-exposure-places"),
    path("map/checkpoints/", api.CheckpointsApi.as_view(), name="api-map-checkpoints"),
    path("map/communes/", api.CommunesApi.as_view(), name="api-map-communes"),
]
