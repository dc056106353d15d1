"""REST API of telecom imports and tracing: thin classes; rules, scoping and audit are in services/selectors."""

import datetime as dt

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from phongdich.accounts.permissions import IsOfficial
from phongdich.core.api import (
    IDEMPOTENCY_HEADER,
    PAGE_PARAMETERS,
    LocalDateTimeField,
    StrictInput,
    api_page,
    error_responses,
    idempotent,
)
from phongdich.core.audit import client_ip
from phongdich.core.errors import ApplicationError
from phongdich.core.pagination import ApiPages

from . import errors, selectors, services
from .models import Operator, TelecomImport


class TelecomOfficial(IsOfficial):
    roles = selectors.TELECOM_ROLES


class StoredDateTimeField(serializers.DateTimeField):
    """A date-time kept as ISO text in a JSON field, answered as the other date-times are (in TIME_ZONE)."""

    def to_representation(self, value):
        if isinstance(value, str):
            value = dt.datetime.fromisoformat(value)
        return super().to_representation(value)


class TelecomRowErrorOutput(serializers.Serializer):
    line = serializers.IntegerField(help_text="Line in the file as the operator sees it (the header is line 1)")
    column = serializers.CharField(help_text="The column's name in the file; empty for the whole row")
    code = serializers.CharField()
    reason_vi = serializers.CharField()
    reason_en = serializers.CharField()


class TelecomImportOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    operator = serializers.CharField()
    policy = serializers.CharField()
    file_name = serializers.CharField()
    file_format = serializers.CharField()
    file_size = serializers.IntegerField()
    status = serializers.CharField(
        help_text="queued, running, done, failed (nothing was imported) or withdrawn (its records deleted)"
    )
    phase = serializers.CharField(help_text="While running: validating or writing")
    percent = serializers.IntegerField()
    rows_total = serializers.IntegerField(help_text="An estimate until the import is finished")
    rows_done = serializers.IntegerField()
    rows_imported = serializers.IntegerField()
    rows_rejected = serializers.IntegerField()
    rows_expired = serializers.IntegerField(
        help_text="Of the rows imported, those that ended more than TELECOM_RETENTION_DAYS ago: the next prune "
        "(hourly) deletes them"
    )
    errors = TelecomRowErrorOutput(many=True)
    errors_truncated = serializers.BooleanField(help_text="More rows were rejected than are listed")
    rejected_by_code = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="Every rejected row counted by its reason's code ({code: rows}), however many `errors` lists",
    )
    failure_code = serializers.CharField(help_text="A problem of the whole file (e.g. telecom_columns)")
    records_from = serializers.DateTimeField(
        allow_null=True, help_text="Location records of a done import: the earliest start they cover"
    )
    records_to = serializers.DateTimeField(allow_null=True, help_text="… and the latest end")
    records_holes = serializers.ListField(
        child=serializers.ListField(child=StoredDateTimeField()),
        help_text="Holes inside that period, [[from, to], …]: stretches of at least holes_min_minutes in which the "
        "file has no record at all (an outage, an export cut short); traces count them as not covered",
    )
    holes_min_minutes = serializers.IntegerField(
        allow_null=True,
        help_text="The shortest stretch without records taken for a hole in this file: TELECOM_GAP_MINUTES, or longer "
        'for a file with few records for its period (docs/telecom.md "Holes inside a file"); null: not looked for',
    )
    records_pruned = serializers.IntegerField(help_text="Of its records, how many retention (telecom_prune) deleted")
    pruned_at = serializers.DateTimeField(allow_null=True, help_text="When retention last deleted some of them")
    uploaded_by = serializers.CharField(source="uploaded_by.username", default=None, allow_null=True)
    withdrawn_at = serializers.DateTimeField(allow_null=True)
    withdrawn_by = serializers.CharField(source="withdrawn_by.username", default=None, allow_null=True)
    withdrawn_reason = serializers.CharField()
    links_removed = serializers.IntegerField(help_text="F1 links made from its records that its withdrawal removed")
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)


class TelecomImportSummaryOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    operator = serializers.CharField()
    file_name = serializers.CharField()
    status = serializers.CharField()
    percent = serializers.IntegerField()
    rows_imported = serializers.IntegerField()
    rows_rejected = serializers.IntegerField()
    created_at = serializers.DateTimeField()


ERRORS = error_responses(400, 401, 403, 404, 409, 413, 415, 422)


class TelecomImportListApi(APIView):
    permission_classes = [TelecomOfficial]
    parser_classes = [MultiPartParser]

    @staticmethod
    def max_request_bytes() -> int:
        """Read by core.middleware: a file as large as the page takes, and room for the form's few fields and the
        multipart headers; a larger file is refused by the service as `telecom_file_too_large`."""
        return services.max_upload_bytes() + 64 * 1024

    class TelecomImportUploadInput(StrictInput):
        operator = serializers.ChoiceField(choices=Operator.choices)
        kind = serializers.ChoiceField(choices=TelecomImport.Kind.choices)
        policy = serializers.ChoiceField(
            choices=TelecomImport.Policy.choices, default=TelecomImport.Policy.ALL_OR_NOTHING, required=False
        )
        # An empty file is the service's to refuse (telecom_file_empty), in the project's words, as on the page.
        file = serializers.FileField(
            allow_empty_file=True, help_text="CSV (UTF-8, comma or semicolon) or .xlsx; columns in docs/telecom.md"
        )

    @extend_schema(
        operation_id="telecom_imports_list",
        summary="Imports of operators' files uploaded in your area, newest first",
        parameters=PAGE_PARAMETERS,
        responses={200: api_page("TelecomImportPage", TelecomImportSummaryOutput(many=True)), **ERRORS},
        tags=["telecom"],
    )
    def get(self, request):
        imports = selectors.telecom_imports(viewer=request.user)
        paginator = ApiPages()
        page = paginator.paginate_queryset(imports, request, view=self)
        return paginator.get_paginated_response(TelecomImportSummaryOutput(page, many=True).data)

    @extend_schema(
        operation_id="telecom_imports_create",
        summary="Upload an operator's file (cells or locations); it is imported in the background",
        description=(
            "202 with the queued import; follow it with GET /api/v1/telecom/imports/<id>/. Refused at once: "
            "`telecom_file_type` (415; a damaged workbook with `extra.line`), `telecom_file_too_large` (413), "
            "`telecom_file_encoding` (a UTF-16 or UTF-32 CSV: `extra.detected`, `extra.expected`), "
            "`telecom_file_empty`, "
            "`telecom_invalid_options` (400: an unknown operator, kind or policy, `extra.field`, `extra.allowed`), "
            "`telecom_columns` (400, `extra.missing`, `extra.expected`), `telecom_duplicate_file` (409, "
            "`extra.import_id`), `telecom_no_cell_list` (409: location records of an operator without a cell list, "
            "refused before the file is read). An import of which no row could be imported is `failed`, whatever "
            "the policy. This upload takes files up to TELECOM_MAX_UPLOAD_MB, as the page /telecom/ does; a larger "
            "body is `request_too_large` (413, `extra.max_bytes`)."
        ),
        request={"multipart/form-data": TelecomImportUploadInput},
        responses={202: TelecomImportOutput, **ERRORS},
        tags=["telecom"],
    )
    @idempotent  # a queued import: its file's name and counts, no one named
    def post(self, request):
        data = self.TelecomImportUploadInput(data=request.data)
        if not data.is_valid():
            _refuse_unknown_options(data)
            raise serializers.ValidationError(data.errors)
        values = data.validated_data
        upload = values["file"]
        record = services.telecom_import_create(
            actor=request.user,
            operator=values["operator"],
            kind=values["kind"],
            policy=values.get("policy") or TelecomImport.Policy.ALL_OR_NOTHING,
            file_name=upload.name,
            chunks=upload.chunks(),
            size=upload.size,
            ip=client_ip(request),
        )
        return Response(TelecomImportOutput(record).data, status=status.HTTP_202_ACCEPTED)


def _refuse_unknown_options(data: serializers.Serializer) -> None:
    """An operator, kind or policy given but not one of ours is `telecom_invalid_options` naming the field, as
    docs/telecom.md says and the service answers (it was `invalid_input`, walk-through of 2026-12-07); the first of
    them, in the service's order."""
    for name in ("operator", "kind", "policy"):
        if any(getattr(problem, "code", None) == "invalid_choice" for problem in data.errors.get(name, ())):
            allowed = list(data.fields[name].choices)
            raise ApplicationError(errors.INVALID_OPTIONS, extra={"field": name, "allowed": allowed})


class TelecomImportDetailApi(APIView):
    permission_classes = [TelecomOfficial]

    @extend_schema(
        operation_id="telecom_imports_retrieve",
        summary="Progress and result of an import, with its rejected rows (line, column, reason)",
        description="Outside your area: 404. Reading an import with rejected rows is audited.",
        responses={200: TelecomImportOutput, **ERRORS},
        tags=["telecom"],
    )
    def get(self, request, import_id: int):
        record = selectors.telecom_import_get(viewer=request.user, import_id=import_id, ip=client_ip(request))
        return Response(TelecomImportOutput(record).data)


class TelecomImportWithdrawApi(APIView):
    permission_classes = [TelecomOfficial]

    class TelecomImportWithdrawInput(StrictInput):
        # Its length is the service's to refuse (invalid_input naming it), for every caller alike.
        reason = serializers.CharField(
            required=False,
            allow_blank=True,
            default="",
            help_text=f"Why it is withdrawn (required; at most {services.WITHDRAWN_REASON_MAX} characters)",
        )

    class TelecomImportWithdrawOutput(serializers.Serializer):
        telecom_import = TelecomImportOutput(source="record")
        links_removed = serializers.IntegerField(help_text="F1 links made from its records, removed")
        contacts_closed = serializers.IntegerField(
            help_text="Candidates and confirmed contacts with no other standing evidence: now `case_withdrawn`"
        )
        contacts_relevelled = serializers.IntegerField(help_text="Contacts whose level changed with what still stands")
        contacts_quarantined = serializers.IntegerField(
            help_text="In quarantine with no other standing evidence: for an official to release"
        )

    @extend_schema(
        operation_id="telecom_imports_withdraw",
        summary="Withdraw a done import of location records (a wrong file), with the reason",
        description=(
            "Its records no longer feed any trace and are deleted; the telecom F1 links made from them are removed "
            "and their contacts settled on the evidence that still stands. Audited. Refused: "
            "`telecom_withdraw_reason_required` (400), `telecom_import_withdrawn` (409, a second withdrawal: "
            "nothing is done again), `telecom_import_not_withdrawable` (409: a cell list, or an import not done); "
            "404 outside your area."
        ),
        request=TelecomImportWithdrawInput,
        responses={200: TelecomImportWithdrawOutput, **ERRORS},
        tags=["telecom"],
    )
    @idempotent  # an import and counts: no one named
    def post(self, request, import_id: int):
        data = self.TelecomImportWithdrawInput(data=request.data)
        data.is_valid(raise_exception=True)
        outcome = services.telecom_import_withdraw(
            actor=request.user, import_id=import_id, reason=data.validated_data["reason"], ip=client_ip(request)
        )
        return Response(self.TelecomImportWithdrawOutput(outcome).data)


class TelecomUnknownOutput(serializers.Serializer):
    phone = serializers.CharField(help_text="In full (E.164), to ask the operator; reading it is audited")
    records = serializers.IntegerField()
    overlap_minutes = serializers.IntegerField()
    first = LocalDateTimeField()
    last = LocalDateTimeField()
    cells = serializers.ListField(child=serializers.CharField())


class TelecomLinkOutput(serializers.Serializer):
    id = serializers.IntegerField()
    contact = serializers.IntegerField(source="contact_id")
    person_initials = serializers.CharField(source="contact.person.initials")
    level = serializers.IntegerField()
    place = serializers.CharField()
    exposure_start = serializers.DateTimeField()
    exposure_end = serializers.DateTimeField()
    overlap_minutes = serializers.IntegerField()


class TelecomWindowHoleOutput(serializers.Serializer):
    start = StoredDateTimeField(source="from", help_text="No records from …")
    end = StoredDateTimeField(source="to", help_text="… to")
    telecom_import = serializers.IntegerField(source="import", help_text="The import whose file has the hole")
    file_name = serializers.CharField()
    operator = serializers.CharField(
        required=False,
        help_text="The operator of that import (coverage is judged per operator); absent for runs before 2026-12-07",
    )


class TelecomTraceOutput(serializers.Serializer):
    id = serializers.IntegerField(source="trace.pk")
    case = serializers.IntegerField(source="trace.case_id")
    case_records = serializers.IntegerField(source="trace.case_records")
    candidate_records = serializers.IntegerField(source="trace.candidate_records")
    people_found = serializers.IntegerField(source="trace.people_found")
    links_added = serializers.IntegerField(source="trace.links_added")
    links_existing = serializers.IntegerField(source="trace.links_existing")
    records_from = serializers.DateTimeField(
        source="trace.records_from",
        allow_null=True,
        help_text="The period the records this trace could read cover (done imports of your area, any operator): from"
        " the earliest start; null when none was imported. With case_records 0, tells a window outside that period"
        " from a phone absent from the records",
    )
    records_to = serializers.DateTimeField(source="trace.records_to", allow_null=True, help_text="… to the latest end")
    records_imports = serializers.IntegerField(
        source="trace.records_imports",
        allow_null=True,
        help_text="How many done imports of location records of your area it could read (0: none imported)",
    )
    window_covered = serializers.ListField(
        source="trace.window_covered",
        child=serializers.ListField(child=LocalDateTimeField()),
        allow_null=True,
        help_text="The parts of the case's infectious window that the periods of those imports cover, less the holes"
        " inside their files, [[from, to], …], judged on the operator whose imports hold the case's phone (none: only"
        " what every operator of the area covers); the rest of the window is a gap (no records imported for it)",
    )
    window_holes = TelecomWindowHoleOutput(
        source="trace.window_holes",
        many=True,
        allow_null=True,
        help_text="Of the window's gaps, the holes inside an import's period (its file has no record of those hours),"
        " each with its import; null for runs before holes were looked for",
    )
    min_overlap_minutes = serializers.IntegerField(source="trace.min_overlap_minutes")
    neighbour_cell_m = serializers.IntegerField(source="trace.neighbour_cell_m")
    links = TelecomLinkOutput(many=True)
    unknown = TelecomUnknownOutput(many=True)


def _trace_answer(request, trace, links) -> Response:
    body = {
        "trace": trace,
        "links": links,
        # The caller asked for this run, and the list is there to be sent to the operator: numbers in full
        # (TELECOM_ROLES only, see selectors.sees_full_phones), audited as telecom.trace.numbers_viewed.
        "unknown": selectors.unknown_for(request.user, trace, reveal=True, ip=client_ip(request)),
    }
    return Response(TelecomTraceOutput(body).data)


def _trace_marker(response) -> dict:
    """What the idempotency store keeps of a trace's answer: the run and its links, never the numbers."""
    return {"trace_id": response.data["id"], "link_ids": [link["id"] for link in response.data["links"]]}


def _trace_replayed(view, request, marker: dict, case_id: int) -> Response:
    """A repeated request: the same run read again, checked and audited as a read of its numbers."""
    case = services.telecom_case_get(actor=request.user, case_id=case_id)
    trace, links = selectors.telecom_trace_run(
        viewer=request.user, case=case, trace_id=marker["trace_id"], link_ids=marker["link_ids"], ip=client_ip(request)
    )
    return _trace_answer(request, trace, links)


class TelecomTraceApi(APIView):
    permission_classes = [TelecomOfficial]

    @extend_schema(
        operation_id="telecom_trace_case",
        summary="Trace a case through subscriber location records (adds F1 candidates with source telecom)",
        description=(
            "Phones that shared a cell with the case's phone during its infectious window for at least "
            "TELECOM_MIN_OVERLAP_MINUTES become F1 candidates when they match a person; the others are listed as "
            "`unknown` (numbers in full, to ask the operator who they are; audited). Running again adds nothing twice. "
            "Repeated with its Idempotency-Key: the same run read again (audited), or 404 once it is deleted "
            "(TELECOM_RETENTION_DAYS). "
            "Only the records of imports uploaded inside your area are read (a superuser's: every area's). "
            "`telecom_case_no_phone` (409) when the case's person has no phone; 404 outside your area."
        ),
        request=None,
        parameters=[IDEMPOTENCY_HEADER],
        responses={200: TelecomTraceOutput, **ERRORS, **error_responses(422)},
        tags=["telecom"],
    )
    @idempotent(stored=_trace_marker, replayed=_trace_replayed)
    def post(self, request, case_id: int):
        case = services.telecom_case_get(actor=request.user, case_id=case_id)
        outcome = services.telecom_trace_case(case=case, actor=request.user, ip=client_ip(request))
        return _trace_answer(request, outcome.trace, outcome.links)
