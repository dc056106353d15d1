from django.urls import path

from . import api

# Included under /api/v1/ by config.urls (no namespace: names are prefixed instead).
urlpatterns = [
    path("calls/campaigns/", api.CampaignListApi.as_view(), name="api-calls-campaigns"),
    path("calls/campaigns/<int:campaign_id>/", api.CampaignDetailApi.as_view(), name="api-calls-campaign"),
    path("calls/campaigns/<int:campaign_id>/start/", api.CampaignStartApi.as_view(), name="api-calls-start"),
    path("calls/campaigns/<int:campaign_id>/pause/", api.CampaignPauseApi.as_view(), name="api-calls-pause"),
    path("calls/campaigns/<int:campaign_id>/cancel/", api.CampaignCancelApi.as_view(), name="api-calls-cancel"),
    path("calls/campaigns/<int:campaign_id>/calls/", api.CampaignCallsApi.as_view(), name="api-calls-calls"),
    path("calls/result/", api.CallResultApi.as_view(), name="api-calls-result"),
]
