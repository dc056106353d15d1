from django.urls import path

from . import views

app_name = "venues"
urlpatterns = [
    path("", views.venue_list, name="list"),
    path("register/", views.venue_register, name="register"),
    path("register/done/", views.venue_register_done, name="register_done"),
    path("new/", views.venue_create, name="create"),
    path("<int:venue_id>/", views.venue_detail, name="detail"),
    path("<int:venue_id>/verify/", views.venue_verify, name="verify"),
    path("<int:venue_id>/reject/", views.venue_reject, name="reject"),
    path("<int:venue_id>/suspend/", views.venue_suspend, name="suspend"),
    path("<int:venue_id>/codes/", views.venue_code_add, name="code_add"),
    path("<int:venue_id>/declaration-rule/", views.venue_declaration_rule, name="declaration_rule"),
    path("<int:venue_id>/codes/<int:code_id>/revoke/", views.venue_code_revoke, name="code_revoke"),
    path("<int:venue_id>/codes/<int:code_id>/poster.pdf", views.venue_poster, name="poster"),
    path("<int:venue_id>/posters.pdf", views.venue_posters, name="posters"),
]
