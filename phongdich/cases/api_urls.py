from django.urls import path

from . import api

# Included under /api/v1/ by config.urls (no namespace: names are prefixed instead).
urlpatterns = [
    path("cases/", api.CaseListCreateApi.as_view(), name="api-cases"),
    path("cases/area-counts/", api.AreaCountsApi.as_view(), name="api-cases-area-counts"),
    path("cases/<int:case_id>/", api.CaseDetailApi.as_view(), name="api-cases-detail"),
    path("cases/<int:case_id>/status/", api.CaseStatusApi.as_view(), name="api-cases-status"),
    path("cases/<int:case_id>/withdraw/", api.CaseWithdrawApi.as_view(), name="api-cases-withdraw"),
    path("cases/<int:case_id>/restore/", api.CaseRestoreApi.as_view(), name="api-cases-restore"),
    path("cases/<int:case_id>/outcome-undo/", api.CaseOutcomeUndoApi.as_view(), name="api-cases-outcome-undo"),
    path("cases/<int:case_id>/contacts/", api.CaseContactsApi.as_view(), name="api-cases-contacts"),
    path("cases/<int:case_id>/contacts/identify/", api.CaseIdentifyApi.as_view(), name="api-cases-contacts-identify"),
    path("cases/<int:case_id>/notices/", api.CaseNoticesApi.as_view(), name="api-cases-notices"),
    path(
        "exposure-notices/<int:notice_id>/publication/",
        api.NoticePublicationApi.as_view(),
        name="api-exposure-notices-publication",
    ),
    path("contacts/worklist/", api.WorklistApi.as_view(), name="api-contacts-worklist"),
    path("contacts/status/", api.ContactsStatusApi.as_view(), name="api-contacts-status-many"),
    path("contacts/<int:contact_id>/", api.ContactDetailApi.as_view(), name="api-contacts-detail"),
    path("contacts/<int:contact_id>/status/", api.ContactStatusApi.as_view(), name="api-contacts-status"),
    path("contacts/<int:contact_id>/contacts/", api.ContactContactsApi.as_view(), name="api-contacts-contacts"),
    path(
        "contacts/<int:contact_id>/contacts/identify/",
        api.ContactIdentifyApi.as_view(),
        name="api-contacts-contacts-identify",
    ),
    path(
        "contacts/<int:contact_id>/release-undo/",
        api.ContactReleaseUndoApi.as_view(),
        name="api-contacts-release-undo",
    ),
    path(
        "contacts/<int:contact_id>/dismissal-keep/",
        api.ContactDismissalKeepApi.as_view(),
        name="api-contacts-dismissal-keep",
    ),
    path(
        "contacts/<int:contact_id>/links/<int:link_id>/breach/",
        api.ContactLinkBreachApi.as_view(),
        name="api-contacts-link-breach",
    ),
    path(
        "contacts/<int:contact_id>/quarantine-start/",
        api.ContactQuarantineStartApi.as_view(),
        name="api-contacts-quarantine-start",
    ),
    path("clusters/", api.ClusterListCreateApi.as_view(), name="api-clusters"),
    path("clusters/<int:cluster_id>/graph/", api.ClusterGraphApi.as_view(), name="api-clusters-graph"),
    path("tracing-runs/<int:run_id>/", api.TracingRunApi.as_view(), name="api-tracing-runs-detail"),
    path("exposures/", api.ExposureNoticeListApi.as_view(), name="api-exposures"),
]
