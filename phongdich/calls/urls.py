from django.urls import path

from . import views

app_name = "calls"
urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("new/<int:case_id>/", views.campaign_create, name="create"),
    path("<int:campaign_id>/", views.campaign_detail, name="detail"),
    path("<int:campaign_id>/export.xlsx", views.campaign_export, name="export"),
    path("<int:campaign_id>/<str:action>/", views.campaign_action, name="action"),
    path("<int:campaign_id>/calls/<int:call_id>/result/", views.call_result, name="call_result"),
]
