from django.urls import path

from . import views

app_name = "vaccination"
urlpatterns = [
    path("register/", views.register, name="register"),
    path("me/", views.me, name="me"),
    path("me/reaction/", views.me_reaction, name="me_reaction"),
    path("me/registrations/<int:registration_id>/cancel/", views.me_cancel, name="me_cancel"),
    path("sessions/", views.sessions, name="sessions"),
    path("sessions/<int:session_id>/", views.session_detail, name="session"),
    path(
        "sessions/<int:session_id>/registrations/<int:registration_id>/checkin/",
        views.session_checkin,
        name="session_checkin",
    ),
    path("registrations/", views.registrations, name="registrations"),
    path("registrations/<int:registration_id>/dose/", views.dose, name="dose"),
    path("checkin/", views.checkin, name="checkin"),
    path("doses/<int:dose_id>/reaction/", views.reaction, name="reaction"),
    path("coverage/", views.coverage, name="coverage"),
    path("reactions/", views.reactions, name="reactions"),
]
