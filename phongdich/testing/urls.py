from django.urls import path

from . import views

app_name = "testing"
urlpatterns = [
    # Citizens
    path("register/", views.register, name="register"),
    path("lookup/", views.lookup_page, name="lookup"),
    path("me/", views.my_results, name="me"),
    path("me/results/<int:result_id>.pdf", views.my_result_pdf, name="result_pdf"),
    path("me/forget/", views.forget, name="forget"),
    # Officials and lab staff
    path("", views.home, name="home"),
    path("sessions/<int:session_id>/", views.session_page, name="session"),
    path("sessions/<int:session_id>/register/", views.session_register, name="session_register"),
    path("labels.pdf", views.labels, name="labels"),
    path("pools/", views.pools, name="pools"),
    path("results/", views.results, name="results"),
    path("results/export/", views.results_export, name="results_export"),
    path("results/enter/", views.result_enter, name="result_enter"),
    path("results/correct/", views.result_correct, name="result_correct"),
    path("results/import/", views.import_page, name="import"),
    path("results/import/template.xlsx", views.import_template, name="import_template"),
    path("results/import/<int:job_id>/", views.import_job, name="import_job"),
    path("retest/", views.retest, name="retest"),
]
