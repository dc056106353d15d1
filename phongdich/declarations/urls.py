from django.urls import path

from . import views

app_name = "declarations"
urlpatterns = [
    path("", views.index, name="index"),
    path("enter/", views.enter, name="enter"),
    path("<str:kind>/", views.declare, name="declare"),
    path("<str:kind>/paper.pdf", views.paper, name="paper"),
]
