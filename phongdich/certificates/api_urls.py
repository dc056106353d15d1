from django.urls import path

from . import api

# Included under /api/v1/ by config.urls (no namespace: names are prefixed instead).
urlpatterns = [
    path("certificates/verify", api.DccVerifyApi.as_view(), name="api-certificates-verify"),
    path("certificates/revoked", api.RevocationListApi.as_view(), name="api-certificates-revoked"),
    path("certificates/", api.CertificateListApi.as_view(), name="api-certificates"),
    path("certificates/<int:certificate_id>/", api.CertificateDetailApi.as_view(), name="api-certificates-detail"),
    path(
        "certificates/<int:certificate_id>/revoke",
        api.CertificateRevokeApi.as_view(),
        name="api-certificates-revoke",
    ),
]
