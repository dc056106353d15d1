from django.urls import path

from . import api

urlpatterns = [
    path("declarations/", api.DeclarationApi.as_view(), name="api-declarations"),
    path("declarations/questions/", api.DeclarationQuestionsApi.as_view(), name="api-declaration-questions"),
    path("ports-of-entry/", api.PortOfEntryListApi.as_view(), name="api-ports-of-entry"),
    path("countries/", api.CountryListApi.as_view(), name="api-countries"),
]
