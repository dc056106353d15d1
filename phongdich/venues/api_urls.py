from django.urls import path

from . import api

# Included under /api/v1/ by config.urls (no namespace: names are prefixed instead).
urlpatterns = [
    path("venues/", api.VenueListApi.as_view(), name="api-venues"),
    path("venues/register/", api.VenueRegisterApi.as_view(), name="api-venues-register"),
    path("venues/<int:venue_id>/", api.VenueDetailApi.as_view(), name="api-venues-detail"),
    path("venues/<int:venue_id>/verify/", api.VenueVerifyApi.as_view(), name="api-venues-verify"),
    path("venues/<int:venue_id>/reject/", api.VenueRejectApi.as_view(), name="api-venues-reject"),
    path("venues/<int:venue_id>/suspend/", api.VenueSuspendApi.as_view(), name="api-venues-suspend"),
    path("venues/<int:venue_id>/codes/", api.VenueCodeListApi.as_view(), name="api-venues-codes"),
    path(
        "venues/<int:venue_id>/codes/<int:code_id>/poster.pdf",
        api.VenueCodePosterApi.as_view(),
        name="api-venues-code-poster",
    ),
    path("venues/<int:venue_id>/posters.pdf", api.VenuePostersApi.as_view(), name="api-venues-posters"),
    path("venue-codes/<int:code_id>/revoke/", api.VenueCodeRevokeApi.as_view(), name="api-venue-codes-revoke"),
    path("venue-types/", api.VenueTypeListApi.as_view(), name="api-venue-types"),
]
