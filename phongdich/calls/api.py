"""REST API of robot-call campaigns: thin classes; scoping, audit and rules are in selectors and services.

The result callback (/api/v1/calls/result/) is the switchboard's, not an official's: no login, an HMAC signature
over the raw body instead (services.call_result_verify).
"""

import json

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from phongdich.accounts.permissions import SeesPeople
from phongdich.core.api import PAGE_PARAMETERS, StrictInput, api_page, error_responses, idempotent
from phongdich.core.audit import client_ip
from phongdich.core.errors import ApplicationError
from phongdich.core.pagination import ApiPages

from . import errors, selectors, services
from .models import Call, CallCampaign

ERRORS = error_responses(400, 401, 403, 404, 409, 415, 422)


class ProgressOutput(serializers.Serializer):
    total = serializers.IntegerField()
    waiting = serializers.IntegerField(help_text="Queued, or waiting for a retry")
    dialing = serializers.IntegerField()
    present = serializers.IntegerField(help_text="Answered, key 1")
    not_present = serializers.IntegerField(help_text="Answered, key 2")
    no_choice = serializers.IntegerField(help_text="Answered, no key")
    unreachable = serializers.IntegerField(help_text="No answer or busy after all tries")
    failed = serializers.IntegerField(help_text="Failed after all tries")
    cancelled = serializers.IntegerField(help_text="Not to be called: see each call's stop_reason")


class CampaignOutput(serializers.Serializer):
    id = serializers.IntegerField()
    case = serializers.IntegerField(source="case_id")
    case_number = serializers.CharField(source="case.number")
    status = serializers.CharField()
    include_f1_candidates = serializers.BooleanField()
    include_f1_confirmed = serializers.BooleanField()
    include_f2 = serializers.BooleanField()
    include_telecom_unknown = serializers.BooleanField()
    script_template = serializers.CharField()
    skipped_invalid = serializers.IntegerField()
    skipped_called = serializers.IntegerField()
    skipped_outside = serializers.IntegerField()
    created_by = serializers.CharField(source="created_by.username", default=None, allow_null=True)
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    progress = serializers.SerializerMethodField()

    def get_progress(self, campaign) -> ProgressOutput:
        progress = self.context.get("progress", {}).get(campaign.pk) or selectors.campaign_progress(campaign)
        return ProgressOutput(progress).data


class CallOutput(serializers.Serializer):
    id = serializers.IntegerField(source="call.pk")
    phone = serializers.CharField(help_text="Masked unless full=true (audited)")
    person = serializers.CharField(help_text="Initials unless full=true; empty for an unknown subscriber")
    contact = serializers.IntegerField(source="contact_id", allow_null=True, help_text="With full=true")
    source = serializers.CharField(source="call.source")
    level = serializers.IntegerField(source="call.level", allow_null=True)
    place = serializers.CharField(source="call.place")
    exposure_start = serializers.DateTimeField(source="call.exposure_start", allow_null=True)
    exposure_end = serializers.DateTimeField(source="call.exposure_end", allow_null=True)
    status = serializers.CharField(source="call.status")
    stop_reason = serializers.ChoiceField(
        source="call.stop_reason",
        choices=Call.StopReason.choices,
        help_text=(
            "Why a cancelled call is not placed (campaign_cancelled, case_withdrawn, contact_dismissed, "
            "contact_became_case, contact_released, contact_case_withdrawn, contact_closed, retention), or why no SMS "
            "followed a key 1; empty otherwise"
        ),
    )
    stop_reason_label = serializers.CharField(source="call.get_stop_reason_display")
    attempts = serializers.IntegerField(source="call.attempts")
    next_attempt_at = serializers.DateTimeField(source="call.next_attempt_at", allow_null=True)
    last_attempt_at = serializers.DateTimeField(source="call.last_attempt_at", allow_null=True)
    key = serializers.CharField(source="call.key")
    outcome = serializers.CharField(source="call.outcome")
    result_at = serializers.DateTimeField(source="call.result_at", allow_null=True)
    sms_sent = serializers.SerializerMethodField()

    def get_sms_sent(self, row) -> bool:
        return row["call"].sms_id is not None


class CampaignListApi(APIView):
    permission_classes = [SeesPeople]

    class CampaignCreateInput(StrictInput):
        case = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
        f1_candidates = serializers.BooleanField(default=False)
        f1_confirmed = serializers.BooleanField(default=False)
        f2 = serializers.BooleanField(default=False, help_text="F2 and further")
        telecom = serializers.BooleanField(default=False, help_text="Unknown subscribers of the last telecom trace")

    @extend_schema(
        operation_id="calls_campaigns_list",
        summary="Robot-call campaigns of your area, newest first",
        parameters=[OpenApiParameter("status", str, required=False, enum=CallCampaign.Status.values), *PAGE_PARAMETERS],
        responses={200: api_page("CallCampaignPage", CampaignOutput(many=True)), **ERRORS},
        tags=["calls"],
    )
    def get(self, request):
        campaigns = selectors.campaign_list(viewer=request.user, status=request.query_params.get("status", ""))
        paginator = ApiPages()
        page = paginator.paginate_queryset(campaigns, request, view=self)
        progress = selectors.campaign_progress_many([campaign.pk for campaign in page])
        return paginator.get_paginated_response(CampaignOutput(page, many=True, context={"progress": progress}).data)

    @extend_schema(
        operation_id="calls_campaigns_create",
        summary="Build a draft campaign for a case: one call per new phone of the targets chosen",
        description=(
            "Open contacts of the case with a phone (F1 candidates, F1 confirmed or in quarantine, F2 and further) "
            "living in your area, and the unknown subscribers of its last telecom trace. A phone another campaign "
            "of the case took is not called again; numbers that are not Vietnamese are skipped and counted. "
            "Errors: `calls_no_targets`, `calls_nothing_to_call` (409), `calls_telecom_not_allowed` (403), "
            "`case_withdrawn` (409), 404 outside your area."
        ),
        request=CampaignCreateInput,
        responses={201: CampaignOutput, **ERRORS},
        tags=["calls"],
    )
    @idempotent  # a campaign names no one: case number, groups, counts
    def post(self, request):
        data = self.CampaignCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        campaign = services.call_campaign_create(
            actor=request.user,
            case_id=values["case"],
            f1_candidates=values["f1_candidates"],
            f1_confirmed=values["f1_confirmed"],
            f2=values["f2"],
            telecom=values["telecom"],
            ip=client_ip(request),
        )
        campaign = selectors.campaign_get(viewer=request.user, campaign_id=campaign.pk)
        return Response(CampaignOutput(campaign).data, status=status.HTTP_201_CREATED)


class CampaignDetailApi(APIView):
    permission_classes = [SeesPeople]

    @extend_schema(
        operation_id="calls_campaigns_retrieve",
        summary="One campaign with its progress",
        responses={200: CampaignOutput, **ERRORS},
        tags=["calls"],
    )
    def get(self, request, campaign_id: int):
        campaign = selectors.campaign_get(viewer=request.user, campaign_id=campaign_id)
        return Response(CampaignOutput(campaign).data)


class CampaignActionApi(APIView):
    permission_classes = [SeesPeople]
    action = ""

    @extend_schema(
        summary="Start (or resume), pause or cancel a campaign",
        description=(
            "`calls_campaign_state` (409) when its status does not allow it; `case_withdrawn` (409) to start or resume "
            "a campaign of a withdrawn case; 404 outside your area."
        ),
        request=None,
        responses={200: CampaignOutput, **ERRORS},
        tags=["calls"],
    )
    @idempotent  # the campaign as above
    def post(self, request, campaign_id: int):
        campaign = services.call_campaign_action(
            actor=request.user, campaign_id=campaign_id, action=self.action, ip=client_ip(request)
        )
        campaign = selectors.campaign_get(viewer=request.user, campaign_id=campaign.pk)
        return Response(CampaignOutput(campaign).data)


class CampaignStartApi(CampaignActionApi):
    action = "start"


class CampaignPauseApi(CampaignActionApi):
    action = "pause"


class CampaignCancelApi(CampaignActionApi):
    action = "cancel"


class CampaignCallsApi(APIView):
    permission_classes = [SeesPeople]

    @extend_schema(
        operation_id="calls_campaigns_calls",
        summary="A campaign's calls, a page at a time",
        description="Phones masked and people by initials; `full=true` shows them (a read of personal data: audited).",
        parameters=[
            OpenApiParameter("status", str, required=False, enum=[s for s in selectors.STATUS_FILTERS if s]),
            OpenApiParameter("full", bool, required=False),
            *PAGE_PARAMETERS,
        ],
        responses={200: api_page("CallPage", CallOutput(many=True)), **ERRORS},
        tags=["calls"],
    )
    def get(self, request, campaign_id: int):
        campaign = selectors.campaign_get(viewer=request.user, campaign_id=campaign_id)
        calls = selectors.campaign_calls(campaign=campaign, status=request.query_params.get("status", ""))
        paginator = ApiPages()
        page = paginator.paginate_queryset(calls, request, view=self)
        full = request.query_params.get("full", "").lower() in ("1", "true", "yes")
        rows = selectors.call_rows(viewer=request.user, campaign=campaign, calls=page, full=full, ip=client_ip(request))
        return paginator.get_paginated_response(CallOutput(rows, many=True).data)


class CallResultApi(APIView):
    """The switchboard's result of one call: signed, no login."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="calls_result",
        summary="The switchboard posts the result of a call it placed (signed)",
        description=(
            "Body: {id, status (answered|no_answer|busy|failed), key ('1', '2' or empty), provider_id}. Headers: "
            "X-Timestamp (Unix seconds) and X-Signature, the hex HMAC-SHA256 of '<timestamp>.<raw body>' with "
            "CALLS_CALLBACK_SECRET (docs/calls.md). Wrong, missing or older than 5 minutes: `calls_bad_signature` "
            "(403); bad body: `calls_bad_result` (400); unknown call: 404. A result for a call that already has "
            "one changes nothing (200, `changed` false)."
        ),
        parameters=[
            OpenApiParameter("X-Timestamp", str, OpenApiParameter.HEADER, required=True),
            OpenApiParameter("X-Signature", str, OpenApiParameter.HEADER, required=True),
        ],
        request=inline_serializer(
            "CallResultInput",
            fields={
                "id": serializers.CharField(),
                "status": serializers.ChoiceField(choices=list(services.RESULT_STATUSES)),
                "key": serializers.CharField(required=False, allow_blank=True),
                "provider_id": serializers.CharField(required=False, allow_blank=True),
            },
        ),
        responses={
            200: inline_serializer(
                "CallResultOutput",
                fields={
                    "id": serializers.IntegerField(),
                    "status": serializers.CharField(),
                    "outcome": serializers.CharField(),
                    "changed": serializers.BooleanField(),
                },
            ),
            **error_responses(400, 403, 404),
        },
        tags=["calls"],
    )
    def post(self, request):
        raw = request.body
        services.call_result_verify(
            body=raw,
            timestamp=request.headers.get("X-Timestamp"),
            signature=request.headers.get("X-Signature"),
            now=timezone.now(),
        )
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise ApplicationError(errors.BAD_RESULT) from None
        if not isinstance(body, dict) or not isinstance(body.get("status"), str):
            raise ApplicationError(errors.BAD_RESULT)
        key, provider_id = body.get("key") or "", body.get("provider_id") or ""
        if not isinstance(key, str | int) or len(str(key)) > 1 or not isinstance(provider_id, str | int):
            raise ApplicationError(errors.BAD_RESULT, extra={"field": "key"})
        call_id = body.get("id")
        if not isinstance(call_id, str | int) or isinstance(call_id, bool):
            raise ApplicationError(errors.BAD_RESULT, extra={"field": "id"})
        call, changed = services.call_result_apply(
            call_id=call_id, status=body["status"], key=str(key), provider_id=str(provider_id)[:100]
        )
        return Response({"id": call.pk, "status": call.status, "outcome": call.outcome, "changed": changed})
