"""REST API of the follow-up queue: thin classes; scoping, audit and rules are in selectors and services."""

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from phongdich.accounts.permissions import SeesPeople
from phongdich.core.api import PAGE_PARAMETERS, StrictInput, api_page, error_responses, idempotent, read_again
from phongdich.core.audit import audit_record, client_ip
from phongdich.core.errors import ApplicationError
from phongdich.core.ids import MAX_ID, id_or_404
from phongdich.core.pagination import ApiPages
from phongdich.core.scoping import viewer_area_path
from phongdich.declarations import questions

from . import selectors, services
from .models import FollowUpCall, FollowUpTask

ERRORS = error_responses(400, 401, 403, 404, 409, 415, 422)


class FollowUpAreaOutput(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()


class FollowUpTaskOutput(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    area = FollowUpAreaOutput()
    area_is_commune = serializers.BooleanField(help_text="False: the address is known only above commune level")
    reason_vi = serializers.CharField()
    reason_en = serializers.CharField()
    has_symptoms = serializers.BooleanField()
    has_exposure = serializers.BooleanField()
    declared_at = serializers.DateTimeField()
    age_hours = serializers.SerializerMethodField(help_text="Hours since the declaration, now")
    created_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)
    calls_count = serializers.IntegerField()
    last_call_at = serializers.DateTimeField(allow_null=True)
    assigned_to = serializers.CharField(source="assigned_to.username", default=None, allow_null=True)
    person_initials = serializers.CharField(source="person.initials")

    def get_age_hours(self, task) -> float:
        return round((self.context["now"] - task.declared_at).total_seconds() / 3600, 1)


class FollowUpCallOutput(serializers.Serializer):
    id = serializers.IntegerField()
    at = serializers.DateTimeField()
    outcome = serializers.CharField()
    notes = serializers.CharField()
    closed_task = serializers.BooleanField()
    official = serializers.CharField(source="official.username")


class FollowUpAnswerOutput(serializers.Serializer):
    code = serializers.CharField()
    vi = serializers.CharField()
    en = serializers.CharField()


class FollowUpDeclarationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    source = serializers.CharField()
    submitted_at = serializers.DateTimeField()
    area = FollowUpAreaOutput(allow_null=True)
    address_street = serializers.CharField()
    travelled_14d = serializers.BooleanField()
    travel_places = serializers.CharField()
    symptoms = FollowUpAnswerOutput(many=True, source="symptom_items")
    symptom_notes = serializers.CharField()
    exposures = FollowUpAnswerOutput(many=True, source="exposure_items")


class FollowUpPersonOutput(serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField()
    birth_year = serializers.IntegerField(allow_null=True)
    phone = serializers.CharField()
    address_street = serializers.CharField()
    address_area = FollowUpAreaOutput(allow_null=True)


class FollowUpHandoverOutput(serializers.Serializer):
    at = serializers.DateTimeField()
    from_area = FollowUpAreaOutput()
    to_area = FollowUpAreaOutput()
    note = serializers.CharField()
    official = serializers.CharField(source="official.username")


class FollowUpTaskDetailOutput(FollowUpTaskOutput):
    declaration = FollowUpDeclarationOutput()
    person = FollowUpPersonOutput(
        allow_null=True, source="person_record", help_text="null only when the record cannot be read"
    )
    calls = FollowUpCallOutput(many=True, source="call_list")
    handovers = FollowUpHandoverOutput(many=True, source="handover_list")


def answer_items(codes, catalogue) -> list[dict]:
    """Declared codes with both labels (declarations.questions); an unknown code keeps its code as label."""
    items = []
    for code in codes or []:
        item = catalogue.get(code)
        items.append({"code": code, "vi": item.vi if item else code, "en": item.en if item else code})
    return items


def task_detail(*, viewer, task_id, ip) -> FollowUpTask:
    """The task with what the detail shows attached: answers, the person (audited read) and calls."""
    task = selectors.followup_task_get(viewer=viewer, task_id=task_id)
    declaration = task.declaration
    declaration.symptom_items = answer_items(declaration.symptoms, questions.SYMPTOMS)
    declaration.exposure_items = answer_items(declaration.exposures, questions.EXPOSURES)
    try:
        task.person_record = selectors.followup_task_person(viewer=viewer, task=task, ip=ip)
    except ApplicationError:
        task.person_record = None
    task.call_list = list(task.calls.select_related("official").order_by("at", "id"))
    task.handover_list = list(task.handovers.select_related("from_area", "to_area", "official"))
    return task


class FollowUpListApi(APIView):
    """The follow-up queue of the official's area, oldest declaration first."""

    permission_classes = [SeesPeople]

    @extend_schema(
        operation_id="followups_list",
        summary="Follow-up tasks of your area (the queue), oldest first",
        description=(
            "Only tasks of communes inside your own area (others are never listed). Filters: `status` "
            "(open [default: open and reached], closed, all, or one status), `reason` (symptoms, exposure), "
            "`age` (under_24h, 1_3_days, over_3_days), `area` (an area id inside yours). Unknown values: 400 "
            "`followup_invalid_filter`."
        ),
        parameters=[
            *PAGE_PARAMETERS,
            OpenApiParameter("status", str, required=False, enum=list(selectors.STATUS_FILTERS)),
            OpenApiParameter("reason", str, required=False, enum=list(selectors.REASON_KINDS)),
            OpenApiParameter("age", str, required=False, enum=list(selectors.AGE_BAND_CODES)),
            OpenApiParameter("area", int, required=False),
        ],
        responses={200: api_page("FollowUpTaskPage", FollowUpTaskOutput(many=True)), **ERRORS},
        tags=["followups"],
    )
    def get(self, request):
        params = request.query_params
        now = timezone.now()
        area = selectors.followup_filter_area(viewer=request.user, area_id=params.get("area"))
        tasks = selectors.followup_queue(
            viewer=request.user,
            status=params.get("status", "open"),
            reason=params.get("reason", ""),
            age=params.get("age", ""),
            area=area,
            now=now,
        )
        paginator = ApiPages()
        page = paginator.paginate_queryset(tasks, request, view=self)
        audit_record(
            actor=request.user,
            action="followups.task.listed",
            area_path=area.path if area else viewer_area_path(request.user) or "",
            ip=client_ip(request),
            extra={"via": "api", "tasks": [task.pk for task in page]},
        )
        return paginator.get_paginated_response(FollowUpTaskOutput(page, many=True, context={"now": now}).data)


class FollowUpDetailApi(APIView):
    permission_classes = [SeesPeople]

    @extend_schema(
        operation_id="followups_retrieve",
        summary="One follow-up task with the declaration's answers, the person and the calls",
        description="Reading the person is audited with the purpose 'follow-up'. Outside your area: 404.",
        responses={200: FollowUpTaskDetailOutput, **ERRORS},
        tags=["followups"],
    )
    def get(self, request, task_id: int):
        task = task_detail(viewer=request.user, task_id=id_or_404(task_id), ip=client_ip(request))
        return Response(FollowUpTaskDetailOutput(task, context={"now": timezone.now()}).data)


def _call_again(request, pk, task_id: int) -> dict:
    """A call repeated with its Idempotency-Key (core.api.read_again): the store keeps the call's id, not its notes
    nor the person's answers; the repeat reads them again within the official's area (404 once outside it)."""
    call = selectors.followup_call_get(viewer=request.user, task_id=task_id, call_id=pk, ip=client_ip(request))
    return FollowUpCallCreateApi.FollowUpCallCreatedOutput(
        {"call": call, "task": call.task}, context={"now": timezone.now()}
    ).data


class FollowUpCallCreateApi(APIView):
    permission_classes = [SeesPeople]

    class FollowUpCallInput(StrictInput):
        outcome = serializers.ChoiceField(choices=FollowUpCall.Outcome.choices)
        notes = serializers.CharField(required=False, allow_blank=True, max_length=services.NOTES_MAX, default="")
        at = serializers.DateTimeField(required=False, allow_null=True, help_text="When the call was made; now")
        close_unreachable = serializers.BooleanField(
            required=False, default=False, help_text="With could_not_reach: stop trying, close as unreachable"
        )

    class FollowUpCallCreatedOutput(serializers.Serializer):
        call = FollowUpCallOutput()
        task = FollowUpTaskOutput()

    @extend_schema(
        operation_id="followups_call_create",
        summary="Record a call about a task and its outcome",
        description=(
            "reached → the task is `reached` (still open); referred_test and cleared close it with that status; "
            "could_not_reach leaves it open unless `close_unreachable` (then `unreachable`, closed). Errors: "
            "`followup_task_closed` (409), `followup_call_time_invalid`, `followup_close_not_allowed`, 404 "
            "outside your area."
        ),
        request=FollowUpCallInput,
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                required=False,
                description="A repeat with the same key records nothing and gets the first answer.",
            )
        ],
        responses={201: FollowUpCallCreatedOutput, **ERRORS},
        tags=["followups"],
    )
    @idempotent(**read_again(_call_again, id_of=lambda answer: answer["call"]["id"]))
    def post(self, request, task_id: int):
        data = self.FollowUpCallInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        call = services.followup_call_record(
            actor=request.user,
            task_id=id_or_404(task_id),
            outcome=values["outcome"],
            notes=values.get("notes", ""),
            at=values.get("at"),
            close_unreachable=values.get("close_unreachable", False),
            ip=client_ip(request),
        )
        task = FollowUpTask.objects.select_related("area", "person", "assigned_to").get(pk=call.task_id)
        body = self.FollowUpCallCreatedOutput({"call": call, "task": task}, context={"now": timezone.now()}).data
        return Response(body, status=status.HTTP_201_CREATED)


def _task_again(request, pk, task_id: int) -> dict:
    """A hand-over repeated with its Idempotency-Key (core.api.read_again): the task read again within the official's
    area (404 once outside it), not the person's initials kept in the store."""
    task = selectors.followup_task_get(viewer=request.user, task_id=pk)
    return FollowUpTaskOutput(task, context={"now": timezone.now()}).data


class FollowUpHandOverApi(APIView):
    permission_classes = [SeesPeople]

    class FollowUpHandOverInput(StrictInput):
        area = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="The commune's area id")
        note = serializers.CharField(
            required=False, allow_blank=True, max_length=services.HANDOVER_NOTE_MAX, default=""
        )

    @extend_schema(
        operation_id="followups_hand_over",
        summary="Hand an open task to the health station of another commune",
        description=(
            "For a task whose address was known only above commune level, or that reached the wrong commune. The "
            "area must be a commune of your own area, not the task's present one (`followup_handover_area_invalid`, "
            "400); a closed task: `followup_task_closed` (409); outside your area: 404. The task leaves its "
            "assignee."
        ),
        request=FollowUpHandOverInput,
        responses={200: FollowUpTaskOutput, **ERRORS},
        tags=["followups"],
    )
    @idempotent(**read_again(_task_again))
    def post(self, request, task_id: int):
        data = self.FollowUpHandOverInput(data=request.data)
        data.is_valid(raise_exception=True)
        task = services.followup_task_hand_over(
            actor=request.user,
            task_id=id_or_404(task_id),
            area_id=data.validated_data["area"],
            note=data.validated_data.get("note", ""),
            ip=client_ip(request),
        )
        task = FollowUpTask.objects.select_related("area", "person", "assigned_to").get(pk=task.pk)
        return Response(FollowUpTaskOutput(task, context={"now": timezone.now()}).data)


class FollowUpQueueStatsOutput(serializers.Serializer):
    open_count = serializers.IntegerField()
    oldest_declared_at = serializers.DateTimeField(allow_null=True)
    oldest_age_hours = serializers.FloatField(allow_null=True)
    under_24h = serializers.IntegerField()
    days_1_3 = serializers.IntegerField(help_text="24 to 72 hours")
    over_3_days = serializers.IntegerField()


class FollowUpQueueStatsApi(APIView):
    permission_classes = [SeesPeople]

    @extend_schema(
        operation_id="followups_queue_stats",
        summary="Ageing of the open follow-ups of an area (yours by default)",
        parameters=[OpenApiParameter("area", int, required=False)],
        responses={200: FollowUpQueueStatsOutput, **ERRORS},
        tags=["followups"],
    )
    def get(self, request):
        area = selectors.followup_filter_area(viewer=request.user, area_id=request.query_params.get("area"))
        stats = selectors.followup_queue_stats(viewer=request.user, area=area)
        return Response(FollowUpQueueStatsOutput(stats).data)
