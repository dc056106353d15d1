from django.urls import path

from . import views

app_name = "cases"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.case_create, name="create"),
    path("trace/", views.trace_batch, name="trace_batch"),
    path("runs/<int:run_id>/", views.run_detail, name="run"),
    path("<int:case_id>/", views.case_detail, name="detail"),
    path("<int:case_id>/edit/", views.case_edit, name="edit"),
    path("<int:case_id>/status/", views.case_status, name="status"),
    path("<int:case_id>/withdraw/", views.case_withdraw, name="withdraw"),
    path("<int:case_id>/restore/", views.case_restore, name="restore"),
    path("<int:case_id>/outcome-undo/", views.case_outcome_undo, name="outcome_undo"),
    path("<int:case_id>/trace/", views.case_trace, name="trace"),
    path("<int:case_id>/interview/", views.case_interview, name="interview"),
    path("contacts/<int:contact_id>/", views.contact_detail, name="contact"),
    path("contacts/status/", views.contacts_status, name="contacts_status"),
    path("contacts/<int:contact_id>/status/", views.contact_status, name="contact_status"),
    path("contacts/<int:contact_id>/interview/", views.contact_interview, name="contact_interview"),
    path("contacts/<int:contact_id>/release-undo/", views.contact_release_undo, name="contact_release_undo"),
    path(
        "contacts/<int:contact_id>/quarantine-start/",
        views.contact_quarantine_start,
        name="contact_quarantine_start",
    ),
    path("worklist/", views.worklist, name="worklist"),
    path("worklist/export/", views.worklist_export, name="worklist_export"),
    path("clusters/", views.cluster_list, name="clusters"),
    path("clusters/<int:cluster_id>/", views.cluster_detail, name="cluster"),
    path("clusters/<int:cluster_id>/graph.json", views.cluster_graph, name="cluster_graph"),
    path("exposures/", views.exposures, name="exposures"),
    path("notices/<int:notice_id>/publication/", views.notice_publication, name="notice_publication"),
]
