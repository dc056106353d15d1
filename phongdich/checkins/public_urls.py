"""The short public URLs of the citizen pages. A venue's QR code holds SITE_URL + "/c/<token>"."""

from django.urls import path

from . import views

app_name = "checkins_public"
urlpatterns = [
    # "me" before "<token>": a venue token is 22 random characters and never "me".
    path("me/", views.my_qr, name="me"),
    path("me/forget/", views.forget_device, name="forget"),
    path("me/claim/", views.claim, name="claim"),
    path("<str:token>", views.venue_checkin, name="venue"),
    path("<str:token>/", views.venue_checkin),  # typed by hand with a trailing slash
    path("<str:token>/checkout/", views.venue_checkout, name="checkout"),
]
