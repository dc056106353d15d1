from django.urls import path

from . import api

# Included under /api/v1/ by config.urls (no namespace: names are prefixed instead).
urlpatterns = [
    path("vaccination/priority-groups/", api.PriorityGroupListApi.as_view(), name="api-vaccination-groups"),
    path("vaccination/products/", api.ProductListApi.as_view(), name="api-vaccination-products"),
    path("vaccination/sessions/open/", api.OpenSessionListApi.as_view(), name="api-vaccination-sessions-open"),
    path("vaccination/sessions/", api.SessionCreateApi.as_view(), name="api-vaccination-sessions"),
    path(
        "vaccination/sessions/<int:session_id>/invitations/",
        api.InvitationCreateApi.as_view(),
        name="api-vaccination-invitations",
    ),
    path("vaccination/registrations/", api.RegistrationCreateApi.as_view(), name="api-vaccination-register"),
    path("vaccination/registrations/list/", api.RegistrationListApi.as_view(), name="api-vaccination-registrations"),
    path(
        "vaccination/registrations/<int:registration_id>/book/",
        api.RegistrationBookApi.as_view(),
        name="api-vaccination-book",
    ),
    path(
        "vaccination/registrations/<int:registration_id>/cancel/",
        api.RegistrationCancelApi.as_view(),
        name="api-vaccination-cancel",
    ),
    path("vaccination/checkins/", api.CheckinApi.as_view(), name="api-vaccination-checkin"),
    path("vaccination/doses/", api.DoseCreateApi.as_view(), name="api-vaccination-doses"),
    path(
        "vaccination/doses/<int:dose_id>/reactions/", api.ReactionCreateApi.as_view(), name="api-vaccination-reactions"
    ),
    path("vaccination/people/<int:person_id>/", api.RecordApi.as_view(), name="api-vaccination-record"),
    path("vaccination/coverage/", api.CoverageApi.as_view(), name="api-vaccination-coverage"),
]
