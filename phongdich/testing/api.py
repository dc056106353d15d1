"""REST API of the testing app: thin classes; rules, scoping and audit are in services and selectors.

The citizen look-up is a page only (/testing/lookup/): its proof lives in the browser's session.
"""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from phongdich.accounts.permissions import PEOPLE_ROLES, IsOfficial
from phongdich.core import errors as core_errors
from phongdich.core.api import (
    ERROR_RESPONSE,
    PAGE_PARAMETERS,
    LocalTimeField,
    StrictInput,
    api_page,
    error_responses,
    idempotent,
    read_again,
)
from phongdich.core.audit import audit_record, client_ip
from phongdich.core.errors import ApplicationError
from phongdich.core.pagination import ApiPages
from phongdich.core.throttling import ScopedRateThrottle
from phongdich.geo.errors import UNKNOWN_AREA
from phongdich.geo.models import Area
from phongdich.people.api import EntryWarningSerializer, entry_warned, entry_warnings, entry_warnings_again

from . import imports, selectors, services
from .models import Pool, Sample, TestRegistration, TestResult, TestType

ERRORS = error_responses(400, 401, 403, 404, 409, 415, 422, 429)
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="A repeat with the same key writes nothing and gets the first answer; another body gets 422.",
)


class LabStaff(IsOfficial):
    roles = services.LAB_ROLES


class TestingOfficial(IsOfficial):
    roles = (*services.LAB_ROLES, *services.REGISTER_ROLES, *PEOPLE_ROLES)


class SessionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    site = serializers.CharField(source="site.name")
    site_id = serializers.IntegerField()
    address = serializers.CharField(source="site.address")
    date = serializers.DateField()
    start_time = LocalTimeField()
    end_time = LocalTimeField()
    test_type = serializers.ChoiceField(choices=TestType.choices)
    capacity = serializers.IntegerField()
    places_left = serializers.IntegerField()


class TestingSessionListApi(APIView):
    """GET /api/v1/testing/sessions/: the sessions open for registration (no personal data)."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "public"

    @extend_schema(
        operation_id="testing_sessions_list",
        parameters=[OpenApiParameter("site", int, required=False)],
        responses={200: SessionOutput(many=True), 429: ERROR_RESPONSE},
        summary="Testing sessions open for registration in the next 14 days",
        tags=["testing"],
    )
    def get(self, request):
        sessions = selectors.sessions_open(site_id=request.query_params.get("site"))
        return Response(SessionOutput(sessions[:500], many=True).data)


class RegistrationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    session = serializers.IntegerField(source="session_id")
    status = serializers.ChoiceField(choices=TestRegistration.Status.choices)
    reason = serializers.ChoiceField(choices=TestRegistration.Reason.choices)
    registered_via = serializers.ChoiceField(choices=TestRegistration.Via.choices)
    created_at = serializers.DateTimeField()
    warnings = EntryWarningSerializer(
        many=True,
        required=False,
        help_text="An official's registration only: `person_identity_differs` when the ID number typed is on the "
        "record of a person with another name or birth date (the registration went to that record).",
    )


# What the idempotency store keeps of a registration's answer (core.api.idempotent's stored=/replayed=): its id,
# whose it is, and the status. The answer says why the person is tested (symptoms, contact with a case): a repeat
# reads it again, for an official through the scoped, audited selector (404 once they no longer see it), for the
# citizen only while it is still that person's.
def _registration_marker(response) -> dict:
    registration_id = response.data["id"]
    return {
        "id": registration_id,
        "person": selectors.registration_person_id(registration_id=registration_id),
        "status": response.status_code,
        "warned": entry_warned(response.data.get("warnings") or []),
    }


def _registration_replayed(view, request, marker: dict) -> Response:
    if request.user.is_authenticated:
        registration = selectors.registration_read(
            viewer=request.user, registration_id=marker["id"], ip=client_ip(request)
        )
        registration.warnings = entry_warnings_again(registration.person, marker.get("warned"))
    else:
        registration = selectors.registration_of_person(registration_id=marker["id"], person_id=marker["person"])
    return Response(RegistrationOutput(registration).data, status=marker["status"])


class TestRegistrationCreateApi(APIView):
    """POST /api/v1/testing/registrations/: register for a test; a citizen (public, rate limited) or a logged-in
    official for someone in their area."""

    permission_classes = [AllowAny]

    class RegistrationInput(StrictInput):
        session = serializers.IntegerField(min_value=1)
        full_name = serializers.CharField(max_length=150)
        id_number = serializers.CharField(max_length=20, help_text="CCCD (12 digits), CMND (9) or passport number")
        birth_date = serializers.DateField()
        phone = serializers.CharField(max_length=20)
        area = serializers.IntegerField(min_value=1, help_text="the commune of the address (an area id)")
        reason = serializers.ChoiceField(choices=TestRegistration.Reason.choices)

    def get_throttles(self):
        if self.request.user.is_authenticated:
            return []
        self.throttle_scope = "public"
        return [ScopedRateThrottle()]

    @extend_schema(
        operation_id="testing_registrations_create",
        request=RegistrationInput,
        responses={201: RegistrationOutput, **ERRORS},
        parameters=[IDEMPOTENCY_KEY],
        summary="Register for a test (409 testing_session_full when the session is full)",
        tags=["testing"],
    )
    @idempotent(stored=_registration_marker, replayed=_registration_replayed)
    def post(self, request):
        body = self.RegistrationInput(data=request.data)
        body.is_valid(raise_exception=True)
        values = dict(body.validated_data)
        area = Area.objects.filter(pk=values.pop("area")).first()
        if area is None:
            raise ApplicationError(core_errors.INVALID_INPUT, extra={"fields": {"area": [UNKNOWN_AREA]}})
        session_id = values.pop("session")
        if request.user.is_authenticated:
            registration = services.registration_by_official(
                actor=request.user, area=area, session_id=session_id, **values
            )
            registration.warnings = entry_warnings(registration.person)
        else:
            registration = services.registration_self(area=area, session_id=session_id, **values)
        return Response(RegistrationOutput(registration).data, status=201)


class SampleOutput(serializers.Serializer):
    id = serializers.IntegerField()
    barcode = serializers.CharField()
    status = serializers.ChoiceField(choices=Sample.Status.choices)
    test_type = serializers.ChoiceField(choices=TestType.choices)
    collected_at = serializers.DateTimeField()
    site = serializers.IntegerField(source="site_id")
    registration = serializers.IntegerField(source="registration_id", allow_null=True)
    pool = serializers.IntegerField(source="pool_id", allow_null=True)


class SampleCollectApi(APIView):
    """POST /api/v1/testing/samples/: take the sample of a registration; it gets its barcode."""

    permission_classes = [LabStaff]

    class CollectInput(StrictInput):
        registration = serializers.IntegerField(min_value=1)
        collected_at = serializers.DateTimeField(required=False)

    @extend_schema(
        operation_id="testing_samples_collect",
        request=CollectInput,
        responses={201: SampleOutput, **ERRORS},
        parameters=[IDEMPOTENCY_KEY],
        summary="Collect a registered person's sample (barcode assigned)",
        tags=["testing"],
    )
    @idempotent
    def post(self, request):
        body = self.CollectInput(data=request.data)
        body.is_valid(raise_exception=True)
        registration = selectors.registration_get(
            viewer=request.user, registration_id=body.validated_data["registration"]
        )
        sample = services.sample_collect(
            actor=request.user,
            site=registration.session.site,
            registration=registration,
            collected_at=body.validated_data.get("collected_at"),
        )
        return Response(SampleOutput(sample).data, status=201)


class PoolOutput(serializers.Serializer):
    id = serializers.IntegerField()
    barcode = serializers.CharField()
    site = serializers.IntegerField(source="site_id")
    status = serializers.ChoiceField(choices=Pool.Status.choices)
    size = serializers.IntegerField()
    max_size = serializers.IntegerField(source="site.pool_max_size")


class PoolCreateApi(APIView):
    """POST /api/v1/testing/pools/: an empty pool at a site of the staff's area."""

    permission_classes = [LabStaff]

    class PoolInput(StrictInput):
        site = serializers.IntegerField(min_value=1)

    @extend_schema(
        operation_id="testing_pools_create",
        request=PoolInput,
        responses={201: PoolOutput, **ERRORS},
        parameters=[IDEMPOTENCY_KEY],
        summary="Create a pool",
        tags=["testing"],
    )
    @idempotent
    def post(self, request):
        body = self.PoolInput(data=request.data)
        body.is_valid(raise_exception=True)
        site = selectors.sites_visible(viewer=request.user).filter(pk=body.validated_data["site"]).first()
        if site is None:
            raise ApplicationError(core_errors.NOT_FOUND)
        pool = services.pool_create(actor=request.user, site=site)
        return Response(PoolOutput(pool).data, status=201)


class PoolAddSampleApi(APIView):
    """POST /api/v1/testing/pools/<barcode>/samples/: add a sample; 409 testing_pool_full past the site's limit."""

    permission_classes = [LabStaff]

    class PoolAddInput(StrictInput):
        sample = serializers.CharField(max_length=32, help_text="the sample's barcode")

    @extend_schema(
        operation_id="testing_pools_add_sample",
        request=PoolAddInput,
        responses={200: SampleOutput, **ERRORS},
        parameters=[IDEMPOTENCY_KEY],
        summary="Add a sample to a pool",
        tags=["testing"],
    )
    @idempotent
    def post(self, request, barcode: str):
        body = self.PoolAddInput(data=request.data)
        body.is_valid(raise_exception=True)
        sample = services.pool_add_sample(
            actor=request.user, pool_barcode=barcode, sample_barcode=body.validated_data["sample"]
        )
        return Response(SampleOutput(sample).data)


class ResultOutput(serializers.Serializer):
    id = serializers.IntegerField()
    barcode = serializers.SerializerMethodField()
    is_pool = serializers.SerializerMethodField()
    test_type = serializers.ChoiceField(choices=TestType.choices)
    result = serializers.ChoiceField(choices=TestResult.Outcome.choices, source="outcome")
    ct_value = serializers.DecimalField(max_digits=4, decimal_places=1, allow_null=True)
    from_pool = serializers.CharField(source="from_pool.barcode", default=None, allow_null=True)
    tested_at = serializers.DateTimeField()
    lab = serializers.CharField(source="lab.name")

    def get_barcode(self, result) -> str:
        return (result.sample or result.pool).barcode

    def get_is_pool(self, result) -> bool:
        return result.pool_id is not None


class ResultPersonOutput(ResultOutput):
    full_name = serializers.CharField(source="sample.person.full_name")
    birth_year = serializers.IntegerField(source="sample.person.birth_year", allow_null=True)


def _result_again(request, result_id) -> dict:
    result = selectors.result_get(viewer=request.user, result_id=result_id, ip=client_ip(request))
    return ResultOutput(result).data


class TestResultApi(APIView):
    """GET /api/v1/testing/results/ (scoped list, audited) and POST (enter one result by barcode)."""

    class ResultInput(StrictInput):
        barcode = serializers.CharField(max_length=32)
        result = serializers.ChoiceField(choices=TestResult.Outcome.choices)
        test_type = serializers.ChoiceField(choices=TestType.choices, required=False)
        ct_value = serializers.DecimalField(max_digits=5, decimal_places=2, required=False, allow_null=True)
        tested_at = serializers.DateTimeField(required=False)
        device = serializers.CharField(max_length=40, required=False, allow_blank=True)

    class ResultFilter(serializers.Serializer):
        result = serializers.ChoiceField(choices=TestResult.Outcome.choices, required=False)
        test_type = serializers.ChoiceField(choices=TestType.choices, required=False)
        date_from = serializers.DateField(required=False)
        date_to = serializers.DateField(required=False)

    def get_permissions(self):
        return [LabStaff()] if self.request.method == "POST" else [TestingOfficial()]

    @extend_schema(
        operation_id="testing_results_create",
        request=ResultInput,
        responses={201: ResultOutput, **ERRORS},
        parameters=[IDEMPOTENCY_KEY],
        summary="Enter a result by the barcode of a sample or a pool",
        tags=["testing"],
    )
    @idempotent(**read_again(_result_again))
    def post(self, request):
        body = self.ResultInput(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        result = services.result_enter(
            actor=request.user,
            barcode=values["barcode"],
            outcome=values["result"],
            test_type=values.get("test_type", ""),
            ct_value=values.get("ct_value"),
            tested_at=values.get("tested_at"),
            device=values.get("device", ""),
        )
        return Response(ResultOutput(result).data, status=201)

    @extend_schema(
        operation_id="testing_results_list",
        parameters=[*PAGE_PARAMETERS, ResultFilter],
        responses={200: api_page("TestResultPage", ResultPersonOutput(many=True)), **ERRORS},
        summary="Individual results of your area, newest first (audited)",
        tags=["testing"],
    )
    def get(self, request):
        filters = self.ResultFilter(data=request.query_params)
        filters.is_valid(raise_exception=True)
        values = dict(filters.validated_data)
        results = selectors.results_list(viewer=request.user, outcome=values.pop("result", ""), **values)
        paginator = ApiPages()
        page = paginator.paginate_queryset(results, request, view=self)
        audit_record(
            actor=request.user, action="testing.results.listed", ip=client_ip(request), extra={"count": len(page)}
        )
        return paginator.get_paginated_response(ResultPersonOutput(page, many=True).data)


# A correction repeated with its Idempotency-Key: the store keeps the result's id and the counts, not the result; the
# repeat reads the result again through result_get (scoped, audited; 404 once the lab official no longer sees it).
def _correction_marker(response) -> dict:
    return {
        "id": response.data["result"]["id"],
        "case_opened": response.data["case_opened"],
        "case_withdrawn": response.data["case_withdrawn"],
        "certificates_revoked": response.data["certificates_revoked"],
        "status": response.status_code,
    }


def _correction_replayed(view, request, marker: dict) -> Response:
    result = selectors.result_get(viewer=request.user, result_id=marker["id"], ip=client_ip(request))
    body = {key: marker[key] for key in ("case_opened", "case_withdrawn", "certificates_revoked")}
    return Response(ResultCorrectionApi.CorrectionOutput({"result": result, **body}).data, status=marker["status"])


class ResultCorrectionApi(APIView):
    """POST /api/v1/testing/results/corrections/: correct a sample's result after it was entered."""

    permission_classes = [LabStaff]

    class CorrectionInput(StrictInput):
        barcode = serializers.CharField(max_length=32)
        result = serializers.ChoiceField(choices=TestResult.Outcome.choices)
        ct_value = serializers.DecimalField(max_digits=5, decimal_places=2, required=False, allow_null=True)
        reason = serializers.CharField(
            max_length=500, required=False, allow_blank=True, default="", help_text="Why (required)"
        )

    class CorrectionOutput(serializers.Serializer):
        result = ResultOutput()
        case_opened = serializers.CharField(help_text="The case a result corrected to positive opened, or empty")
        case_withdrawn = serializers.CharField(help_text="The case the corrected positive had opened, now withdrawn")
        certificates_revoked = serializers.IntegerField(help_text="Test certificates of a corrected negative")

    @extend_schema(
        operation_id="testing_results_correct",
        request=CorrectionInput,
        responses={200: CorrectionOutput, **ERRORS},
        summary="Correct a sample's result after it was entered, with the reason",
        description=(
            "A positive corrected away withdraws the case it opened (cases `case_withdraw`); a result corrected to "
            "positive opens one; a negative's test certificates are revoked. A pool's own result: 409 "
            "`testing_pool_result_not_correctable`; a sample without a result: 409 `testing_result_not_entered`; "
            "the same result again: 400 `testing_result_unchanged`."
        ),
        tags=["testing"],
    )
    @idempotent(stored=_correction_marker, replayed=_correction_replayed)
    def post(self, request):
        body = self.CorrectionInput(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        outcome = services.result_correct(
            actor=request.user,
            barcode=values["barcode"],
            outcome=values["result"],
            ct_value=values.get("ct_value"),
            reason=values["reason"],
        )
        return Response(self.CorrectionOutput(outcome).data)


class ImportJobOutput(serializers.Serializer):
    id = serializers.IntegerField()
    filename = serializers.CharField()
    status = serializers.CharField()
    rows_total = serializers.IntegerField()
    rows_done = serializers.IntegerField()
    rows_imported = serializers.IntegerField()
    rows_rejected = serializers.IntegerField()
    error_code = serializers.CharField(help_text="empty, or testing_sheet_invalid / _too_large / _rows_invalid")
    errors = serializers.ListField(child=serializers.DictField(), help_text="{line, column, reason_vi, reason_en}")
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)


class ImportCreateApi(APIView):
    """POST /api/v1/testing/imports/ (multipart, field `file`): queue a lab-sheet import; poll the job."""

    permission_classes = [LabStaff]
    parser_classes = [MultiPartParser]

    class ImportInput(StrictInput):
        file = serializers.FileField()

    @extend_schema(
        operation_id="testing_imports_create",
        request={"multipart/form-data": ImportInput},
        responses={202: ImportJobOutput, **ERRORS},
        summary="Upload a lab sheet (.xlsx); it is imported in the background",
        tags=["testing"],
    )
    @idempotent  # a queued job: the file's name and counts, no one named
    def post(self, request):
        body = self.ImportInput(data=request.data)
        body.is_valid(raise_exception=True)
        upload = body.validated_data["file"]
        job = imports.import_job_create(actor=request.user, filename=upload.name, content=upload.read())
        return Response(ImportJobOutput(job).data, status=202)


class ImportJobApi(APIView):
    """GET /api/v1/testing/imports/<id>/: progress and outcome of one's own import."""

    permission_classes = [LabStaff]

    @extend_schema(
        operation_id="testing_imports_get",
        responses={200: ImportJobOutput, **ERRORS},
        summary="An import's progress (rows_done of rows_total) and its errors",
        tags=["testing"],
    )
    def get(self, request, job_id: int):
        job = selectors.import_job_get(viewer=request.user, job_id=job_id)
        return Response(ImportJobOutput(job).data)
