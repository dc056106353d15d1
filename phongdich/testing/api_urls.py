from django.urls import path

from . import api

# Included under /api/v1/ by config.urls (no namespace: names are prefixed instead).
urlpatterns = [
    path("testing/sessions/", api.TestingSessionListApi.as_view(), name="api-testing-sessions"),
    path("testing/registrations/", api.TestRegistrationCreateApi.as_view(), name="api-testing-registrations"),
    path("testing/samples/", api.SampleCollectApi.as_view(), name="api-testing-samples"),
    path("testing/pools/", api.PoolCreateApi.as_view(), name="api-testing-pools"),
    path("testing/pools/<str:barcode>/samples/", api.PoolAddSampleApi.as_view(), name="api-testing-pool-samples"),
    path("testing/results/", api.TestResultApi.as_view(), name="api-testing-results"),
    path("testing/results/corrections/", api.ResultCorrectionApi.as_view(), name="api-testing-result-corrections"),
    path("testing/imports/", api.ImportCreateApi.as_view(), name="api-testing-imports"),
    path("testing/imports/<int:job_id>/", api.ImportJobApi.as_view(), name="api-testing-import"),
]
