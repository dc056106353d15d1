from django.urls import path

from . import views

app_name = "followups"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("<int:task_id>/", views.task_detail, name="detail"),
    path("<int:task_id>/hand-over/", views.task_hand_over, name="hand_over"),
]
