from django.urls import path

from . import api

# Included under /api/v1/ by config.urls (no namespace: names are prefixed instead).
urlpatterns = [
    path("followups/", api.FollowUpListApi.as_view(), name="api-followups"),
    path("followups/stats/", api.FollowUpQueueStatsApi.as_view(), name="api-followups-stats"),
    path("followups/<int:task_id>/", api.FollowUpDetailApi.as_view(), name="api-followups-detail"),
    path("followups/<int:task_id>/calls/", api.FollowUpCallCreateApi.as_view(), name="api-followups-calls"),
    path("followups/<int:task_id>/hand-over/", api.FollowUpHandOverApi.as_view(), name="api-followups-hand-over"),
]
