from django.urls import path

from . import api

# Included under /api/v1/ by config.urls (no namespace: names are prefixed instead).
urlpatterns = [
    path("checkins/", api.CheckInListApi.as_view(), name="api-checkins"),
    path("checkins/scan/", api.CheckInScanApi.as_view(), name="api-checkins-scan"),
    path("checkins/self/", api.CheckInSelfApi.as_view(), name="api-checkins-self"),
    path("checkins/batch/", api.CheckInBatchApi.as_view(), name="api-checkins-batch"),
    path("checkins/venues/", api.StaffVenueSearchApi.as_view(), name="api-checkins-venues"),
    path("checkins/paper/", api.CheckInPaperApi.as_view(), name="api-checkins-paper"),
    path("checkins/<int:checkin_id>/", api.CheckInDetailApi.as_view(), name="api-checkins-detail"),
    path("checkins/<int:checkin_id>/checkout/", api.CheckInCheckoutApi.as_view(), name="api-checkins-checkout"),
    path("devices/", api.ScannerDeviceCreateApi.as_view(), name="api-devices"),
    path("devices/<int:device_id>/revoke/", api.ScannerDeviceRevokeApi.as_view(), name="api-devices-revoke"),
]
