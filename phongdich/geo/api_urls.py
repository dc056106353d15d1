from django.urls import path

from . import api

urlpatterns = [
    path("areas/", api.AreaListApi.as_view(), name="api-areas"),
]
