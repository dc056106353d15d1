from django.urls import path

from . import api

urlpatterns = [
    path("people/", api.PersonListApi.as_view(), name="api-people"),
    path("people/<int:person_id>/", api.PersonDetailApi.as_view(), name="api-person"),
    path("keys/personal-qr/", api.PersonalQrKeysApi.as_view(), name="api-personal-qr-keys"),
]
