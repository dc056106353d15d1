from django.urls import path

from . import views

app_name = "certificates"
urlpatterns = [
    path("me/", views.citizen_certificates, name="me"),
    path("me/<int:certificate_id>/qr.png", views.citizen_certificate_png, name="me-png"),
    path("me/<int:certificate_id>/certificate.pdf", views.citizen_certificate_pdf, name="me-pdf"),
    path("verify/", views.verify_page, name="verify"),
    path("", views.official_list, name="list"),
    path("<int:certificate_id>/", views.official_detail, name="detail"),
    path("<int:certificate_id>/certificate.pdf", views.official_certificate_pdf, name="pdf"),
    path("person/<int:person_id>/", views.official_person_certificates, name="person"),
]
