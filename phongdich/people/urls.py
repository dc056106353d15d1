from django.urls import path

from . import views

app_name = "people"
urlpatterns = [
    path("", views.person_list_view, name="list"),
    path("duplicates/", views.person_duplicates_view, name="duplicates"),
    path("<int:person_id>/", views.person_detail_view, name="detail"),
]
