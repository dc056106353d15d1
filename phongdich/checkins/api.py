"""REST API of check-ins: thin classes with nested input/output serializers; the work is in services/selectors.

The scan endpoint is the hot path: the Idempotency-Key becomes the check-in's nonce (no extra table write),
and a repeat answers 200 with the same check-in. The other writes use core.api.idempotent.
"""

import hashlib
import json
import re
from datetime import date, timedelta

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.http import JsonResponse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from phongdich.core import errors as core_errors
from phongdich.core.api import (
    PAGE_PARAMETERS,
    JsonOnlyNegotiation,
    StrictInput,
    api_page,
    error_responses,
    idempotency_key_of,
    idempotent,
    read_again,
)
from phongdich.core.errors import ApplicationError
from phongdich.core.ids import MAX_ID, id_or_404
from phongdich.core.models import IdempotencyKey
from phongdich.core.pagination import ApiPages
from phongdich.core.throttling import ScopedRateThrottle

from . import selectors, services
from .auth import device_for_token
from .models import CheckIn, ScannerDevice

ERRORS = error_responses(400, 401, 403, 404, 409, 410, 413, 415, 422, 429)
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="A repeat with the same key records nothing and gets the first answer; another body gets 422.",
)
_PUBLIC_ID = re.compile(r"[A-Za-z0-9_-]{1,32}\Z")
# Ids beyond a 64-bit integer would make the database (or SQLite's driver) fail: they are not found.


class IsScannerDevice(BasePermission):
    def has_permission(self, request, view):
        return getattr(request.user, "is_device", False)


class IsUser(BasePermission):
    """A logged-in person (staff, manager, official), not a scanner device."""

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and not getattr(user, "is_device", False))


class CheckInVenueOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class CheckInOutput(serializers.Serializer):
    id = serializers.IntegerField()
    venue = CheckInVenueOutput()
    entrance = serializers.CharField(source="code.label", default=None, allow_null=True)
    checked_in_at = serializers.DateTimeField()
    received_at = serializers.DateTimeField()
    checked_out_at = serializers.DateTimeField(allow_null=True)
    checkout_kind = serializers.CharField()
    source = serializers.CharField()
    person_initials = serializers.CharField(source="person.initials")


def _created_or_replayed(checkin: CheckIn, *, with_public_id: bool = False) -> Response:
    return Response(
        checkin_body(checkin, with_public_id=with_public_id),
        status=status.HTTP_200_OK if checkin.replayed else status.HTTP_201_CREATED,
    )


class CheckInScanApi(APIView):
    """Control staff scan a citizen's personal QR code: a scanner device (Bearer token) or a logged-in
    member of the venue's staff. The hot path: one INSERT per scan in the steady state."""

    content_negotiation_class = JsonOnlyNegotiation

    class CheckInScanInput(serializers.Serializer):
        personal_qr = serializers.CharField(max_length=1000, trim_whitespace=True)
        code_token = serializers.CharField(required=False, allow_blank=True, max_length=64)
        venue = serializers.IntegerField(
            required=False, min_value=1, max_value=MAX_ID, help_text="Without code_token, for users"
        )
        scanned_at = serializers.DateTimeField(required=False, allow_null=True)

    def dispatch(self, request, *args, **kwargs):
        answer = self._device_fast_path(request)
        return answer if answer is not None else super().dispatch(request, *args, **kwargs)

    @staticmethod
    def _device_fast_path(request):
        """A scanner device (Bearer token) posting JSON: the same checks, service and answer as `post` below,
        without DRF's request wrapping, authentication loop and rendering (the hot path of docs/benchmarks.md).
        Anything else (no or unknown token, another method or content type, a body that is not JSON, a venue
        given by id) falls through to DRF, which answers it in the documented shape."""
        if request.method != "POST" or request.content_type != "application/json":
            return None
        authorization = request.META.get("HTTP_AUTHORIZATION", "")
        if not authorization.startswith("Bearer ") or len(authorization) > 210:
            return None
        device = device_for_token(authorization[7:].strip())
        if device is None:
            return None
        try:
            data = json.loads(request.body)
        except ValueError:
            return None
        try:
            values = _scan_input(data)
            if values["venue"] and not values["code_token"]:
                return None
            checkin = services.checkin_staff_scan(
                actor=device,
                personal_qr=values["personal_qr"],
                code_token=values["code_token"],
                scanned_at=values["scanned_at"],
                nonce=idempotency_key_of(request),
            )
        except ApplicationError as error:
            return JsonResponse(error.as_dict(), status=error.status)
        return JsonResponse(checkin_body(checkin), status=200 if checkin.replayed else 201)

    @extend_schema(
        operation_id="checkins_scan",
        request=CheckInScanInput,
        responses={201: CheckInOutput, 200: CheckInOutput, **ERRORS},
        parameters=[IDEMPOTENCY_KEY],
        summary="Record a staff scan of a personal QR code (200 with the same check-in on a repeated key)",
    )
    def post(self, request):
        values = _scan_input(request.data)
        venue = None
        if values["venue"] and not values["code_token"]:
            from phongdich.venues.selectors import venue_get

            venue = venue_get(viewer=request.user, venue_id=values["venue"])
        checkin = services.checkin_staff_scan(
            actor=request.user,
            personal_qr=values["personal_qr"],
            code_token=values["code_token"],
            venue=venue,
            scanned_at=values["scanned_at"],
            nonce=idempotency_key_of(request),
        )
        return _created_or_replayed(checkin)


# The hand-checked bodies' field messages as a serializer would give them: DRF's words where it has them, and in
# Vietnamese this project's translation of those (phongdich/locale/vi).
_EXPECTED_OBJECT = core_errors.field_message("Cần một đối tượng JSON.", "Expected an object.")
_REQUIRED = core_errors.field_message("Trường này là bắt buộc.", "This field is required.")
_NOT_A_STRING = core_errors.field_message("Không phải một chuỗi ký tự hợp lệ.", "Not a valid string.")
_NOT_AN_INTEGER = core_errors.field_message("Phải là một số nguyên hợp lệ.", "A valid integer is required.")


def _scan_input(data) -> dict:
    """The scan body, checked by hand: CheckInScanInput documents it, but building a DRF serializer (it deep-
    copies its fields) costs about 0.2 ms, a sixth of a scan's whole CPU budget on the bench machine."""

    def invalid(field: str, message: core_errors.FieldMessage):
        return ApplicationError(core_errors.INVALID_INPUT, extra={"fields": {field: [message]}})

    if not isinstance(data, dict):
        raise invalid("non_field_errors", _EXPECTED_OBJECT)
    personal_qr = data.get("personal_qr")
    if personal_qr is None or personal_qr == "":
        raise invalid("personal_qr", _REQUIRED)
    if isinstance(personal_qr, str):
        personal_qr = personal_qr.strip()  # any other type is refused by the QR check as malformed
    code_token = data.get("code_token") or None
    if code_token is not None and (not isinstance(code_token, str) or "\x00" in code_token or len(code_token) > 64):
        raise invalid("code_token", _NOT_A_STRING)
    venue = data.get("venue")
    if venue is not None and (isinstance(venue, bool) or not isinstance(venue, int) or not 1 <= venue <= MAX_ID):
        raise invalid("venue", _NOT_AN_INTEGER)
    scanned_at = data.get("scanned_at")
    if scanned_at is not None:
        scanned_at = services.parse_client_time(scanned_at, "scanned_at")
    return {"personal_qr": personal_qr, "code_token": code_token, "venue": venue, "scanned_at": scanned_at}


def _local_iso(moment) -> str | None:
    return timezone.localtime(moment).isoformat() if moment is not None else None


def checkin_body(checkin: CheckIn, *, with_public_id: bool = False) -> dict:
    """CheckInOutput (and CheckInSelfOutput) as a plain dict: the same fields, without serializer overhead."""
    body = {
        "id": checkin.pk,
        "venue": {"id": checkin.venue.pk, "name": checkin.venue.name},
        "entrance": checkin.code.label if checkin.code_id else None,
        "checked_in_at": _local_iso(checkin.checked_in_at),
        "received_at": _local_iso(checkin.received_at),
        "checked_out_at": _local_iso(checkin.checked_out_at),
        "checkout_kind": checkin.checkout_kind,
        "source": checkin.source,
        "person_initials": getattr(checkin, "person_initials", None) or checkin.person.initials,
    }
    if with_public_id:
        body["person_public_id"] = checkin.person.public_id
    return body


class CheckInSelfOutput(CheckInOutput):
    person_public_id = serializers.CharField(source="person.public_id")


class CheckInSelfApi(APIView):
    """Public, no login, rate limited per client address: a citizen checks in at the venue whose QR code they
    scanned, as a remembered person (person_public_id) or by declaring name, phone and year of birth."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "public"

    class CheckInSelfInput(StrictInput):
        code_token = serializers.CharField(max_length=64)
        person_public_id = serializers.CharField(required=False, allow_blank=True, max_length=32)
        full_name = serializers.CharField(required=False, allow_blank=True, max_length=150)
        phone = serializers.CharField(required=False, allow_blank=True, max_length=30)
        birth_year = serializers.IntegerField(required=False, allow_null=True, min_value=1900, max_value=2100)
        citizen_id = serializers.CharField(required=False, allow_blank=True, max_length=20, default="")
        has_symptoms = serializers.BooleanField(allow_null=True)
        had_contact = serializers.BooleanField(allow_null=True)
        travelled = serializers.BooleanField(allow_null=True)

        def validate(self, attrs):
            public_id = attrs.get("person_public_id")
            if public_id:
                if not _PUBLIC_ID.match(public_id):
                    raise serializers.ValidationError({"person_public_id": "Malformed."})
            elif not attrs.get("full_name") or not attrs.get("phone"):
                raise serializers.ValidationError("Give person_public_id, or full_name, phone and birth_year.")
            return attrs

    @extend_schema(
        operation_id="checkins_self",
        request=CheckInSelfInput,
        responses={201: CheckInSelfOutput, 200: CheckInSelfOutput, **ERRORS},
        parameters=[IDEMPOTENCY_KEY],
        summary="A citizen checks in after scanning a venue QR code",
    )
    def post(self, request):
        data = self.CheckInSelfInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        answers = {key: values[key] for key in ("has_symptoms", "had_contact", "travelled")}
        nonce = idempotency_key_of(request)
        if values.get("person_public_id"):
            # The venue is checked before the person is looked up: an unknown code says nothing about people.
            services.checkin_code_resolve(code_token=values["code_token"])
            person = services.person_for_public_id(values["person_public_id"])
            checkin = services.checkin_self(code_token=values["code_token"], person=person, nonce=nonce, **answers)
        else:
            started = timezone.now()
            checkin = services.checkin_self_declare(
                code_token=values["code_token"],
                full_name=values["full_name"],
                phone=values["phone"],
                birth_year=values.get("birth_year"),
                citizen_id=values.get("citizen_id", ""),
                nonce=nonce,
                **answers,
            )
            # The public id lets a phone check in with one tap later. It is handed out only for a record this
            # declaration created: name, phone and year of birth are no secret, so a matched record's id is kept.
            if checkin.person.created_at < started:
                return _created_or_replayed(checkin)
        return _created_or_replayed(checkin, with_public_id=True)


class CheckInBatchItemInput(serializers.Serializer):
    client_id = serializers.CharField(max_length=64)
    personal_qr = serializers.CharField(max_length=1000)
    code_token = serializers.CharField(required=False, max_length=64)
    scanned_at = serializers.DateTimeField()
    direction = serializers.ChoiceField(choices=["in", "out"], required=False, default="in")


class CheckInBatchInput(serializers.Serializer):
    items = CheckInBatchItemInput(many=True, help_text="At most CHECKIN_BATCH_MAX_ITEMS scans")


class CheckInBatchResultOutput(serializers.Serializer):
    client_id = serializers.CharField(allow_null=True)
    status = serializers.ChoiceField(choices=["accepted", "duplicate", "refused"])
    code = serializers.CharField()
    message_vi = serializers.CharField()
    message_en = serializers.CharField()
    checkin_id = serializers.IntegerField(allow_null=True)


class CheckInBatchOutput(serializers.Serializer):
    accepted = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    refused = serializers.IntegerField()
    results = CheckInBatchResultOutput(many=True)


class CheckInBatchApi(APIView):
    """An offline scanner device uploads its scans. Each item is accepted, a duplicate or refused on its own."""

    permission_classes = [IsScannerDevice]

    @extend_schema(
        operation_id="checkins_batch",
        request=CheckInBatchInput,
        responses={200: CheckInBatchOutput, **ERRORS},
        parameters=[IDEMPOTENCY_KEY],
        summary="Upload scans made offline; sending the same batch twice records nothing twice",
    )
    @idempotent
    def post(self, request):
        # Items are checked one by one by the service, each with its own reason; only the envelope here.
        body = request.data
        if not isinstance(body, dict) or "items" not in body:
            raise ApplicationError(core_errors.INVALID_INPUT, extra={"fields": {"items": [_REQUIRED]}})
        results = services.checkin_batch(device=request.user, items=body["items"])
        rows = [
            {
                "client_id": r.client_id,
                "status": r.status,
                "code": r.code,
                "message_vi": r.message_vi,
                "message_en": r.message_en,
                "checkin_id": r.checkin_id,
            }
            for r in results
        ]
        return Response(
            {
                "accepted": sum(r.status == "accepted" for r in results),
                "duplicates": sum(r.status == "duplicate" for r in results),
                "refused": sum(r.status == "refused" for r in results),
                "results": rows,
            }
        )


def _checkin_again(request, pk, **url_kwargs) -> dict:
    """A paper entry or a check-out repeated with its Idempotency-Key (core.api.read_again): the store keeps the
    check-in's id, not where and when the person was; the repeat reads it again for whoever may still record at its
    venue (404 otherwise)."""
    return CheckInOutput(selectors.checkin_get_for_recorder(actor=request.user, checkin_id=pk)).data


class CheckInPaperApi(APIView):
    """Control staff enter a paper declaration for a person without a smartphone."""

    permission_classes = [IsUser]

    class CheckInPaperInput(StrictInput):
        venue = serializers.IntegerField(min_value=1, max_value=MAX_ID)
        code = serializers.IntegerField(
            required=False, allow_null=True, min_value=1, max_value=MAX_ID, help_text="Entrance (code id)"
        )
        full_name = serializers.CharField(max_length=150)
        phone = serializers.CharField(max_length=30)
        birth_year = serializers.IntegerField(allow_null=True, min_value=1900, max_value=2100)
        citizen_id = serializers.CharField(required=False, allow_blank=True, max_length=20, default="")
        address_area = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=MAX_ID)
        address_street = serializers.CharField(required=False, allow_blank=True, max_length=255, default="")
        has_symptoms = serializers.BooleanField(allow_null=True)
        had_contact = serializers.BooleanField(allow_null=True)
        travelled = serializers.BooleanField(allow_null=True)
        checked_in_at = serializers.DateTimeField(required=False, allow_null=True)

    @extend_schema(
        operation_id="checkins_paper",
        request=CheckInPaperInput,
        responses={201: CheckInOutput, **ERRORS},
        parameters=[IDEMPOTENCY_KEY],
        summary="Record a paper declaration entered by control staff",
    )
    @idempotent(**read_again(_checkin_again))
    def post(self, request):
        from phongdich.geo.errors import UNKNOWN_AREA
        from phongdich.geo.selectors import area_get
        from phongdich.venues.selectors import venue_code_get_for_viewer, venue_get

        data = self.CheckInPaperInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        venue = venue_get(viewer=request.user, venue_id=values.pop("venue"))
        code_id = values.pop("code", None)
        code = venue_code_get_for_viewer(viewer=request.user, code_id=code_id) if code_id else None
        area_id = values.pop("address_area", None)
        address_area = area_get(area_id=area_id) if area_id else None
        if area_id and address_area is None:
            raise ApplicationError(core_errors.INVALID_INPUT, extra={"fields": {"address_area": [UNKNOWN_AREA]}})
        checkin = services.checkin_paper(
            actor=request.user, venue=venue, code=code, address_area=address_area, **values
        )
        return Response(CheckInOutput(checkin).data, status=status.HTTP_201_CREATED)


PICKER_MATCHES = selectors.PICKER_MATCHES_SHOWN


class StaffVenueEntranceOutput(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField()
    token = serializers.CharField(help_text="The code_token to send to POST /api/v1/checkins/scan/")


class StaffVenueOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    area_name = serializers.CharField(source="area.name")
    street_address = serializers.CharField()
    entrances = StaffVenueEntranceOutput(many=True, source="active_codes")


class StaffVenueSearchApi(APIView):
    """GET /api/v1/checkins/venues/?q=&venue=: the venues where the caller records check-ins (selectors.staff_venues:
    their own, or an official's verified venues of their area) that match `q`, or the one numbered `venue`, with
    their entrances. The venue picker of the scan and paper pages asks it as staff type; rate limited per user."""

    permission_classes = [IsUser]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "venue_picker"

    class VenueSearchInput(serializers.Serializer):
        q = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
        venue = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
        limit = serializers.IntegerField(
            required=False, min_value=1, max_value=selectors.PICKER_MATCHES_SHOWN, default=PICKER_MATCHES
        )

    @extend_schema(
        operation_id="checkins_venues_search",
        parameters=[VenueSearchInput],
        responses={
            200: inline_serializer(
                "StaffVenueSearch",
                fields={"results": StaffVenueOutput(many=True), "more": serializers.BooleanField()},
            ),
            **ERRORS,
        },
        summary="Search the venues where the caller records check-ins (the scan and paper pages' picker)",
    )
    def get(self, request):
        filters = self.VenueSearchInput(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        if not selectors.records_checkins(request.user):
            raise ApplicationError(core_errors.PERMISSION_DENIED)
        venues, more = selectors.staff_venue_search(
            user=request.user, q=data["q"], venue_id=data.get("venue"), limit=data["limit"]
        )
        return Response({"results": StaffVenueOutput(venues, many=True).data, "more": more})


class CheckInCheckoutApi(APIView):
    """Staff (or the venue's scanner device) record that a visitor left."""

    class CheckInCheckoutInput(StrictInput):
        at = serializers.DateTimeField(required=False, allow_null=True)

    @extend_schema(
        operation_id="checkins_checkout",
        request=CheckInCheckoutInput,
        responses={200: CheckInOutput, **ERRORS},
        parameters=[IDEMPOTENCY_KEY],
        summary="Check a visitor out (a repeat leaves the first check-out time)",
    )
    @idempotent(**read_again(_checkin_again))
    def post(self, request, checkin_id: int):
        data = self.CheckInCheckoutInput(data=request.data)
        data.is_valid(raise_exception=True)
        checkin = CheckIn.objects.select_related("venue", "code", "person").filter(pk=id_or_404(checkin_id)).first()
        if checkin is None:
            raise ApplicationError(core_errors.NOT_FOUND)
        try:
            services.actor_check(request.user, checkin.venue)
        except ApplicationError:
            raise ApplicationError(core_errors.NOT_FOUND) from None  # out of scope: not revealed
        checkin = services.checkout(
            checkin=checkin, actor=request.user, at=data.validated_data.get("at"), kind=CheckIn.CheckoutKind.STAFF
        )
        return Response(CheckInOutput(checkin).data)


class CheckInListOutput(CheckInOutput):
    person = serializers.SerializerMethodField()

    def get_person(self, checkin) -> dict | None:
        # Names and phones for officials who trace; venue staff see initials only.
        if not self.context.get("sees_people"):
            return None
        person = checkin.person
        return {"id": person.pk, "full_name": person.full_name, "phone": person.phone}


class CheckInListApi(APIView):
    """Check-ins the viewer may see (officials: their area; venue staff: their venues), newest first."""

    permission_classes = [IsUser]

    class CheckInListFilter(serializers.Serializer):
        venue = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
        date_from = serializers.DateField(required=False)
        date_to = serializers.DateField(required=False)

    @extend_schema(
        operation_id="checkins_list",
        parameters=[
            *PAGE_PARAMETERS,
            OpenApiParameter("venue", int, required=False),
            OpenApiParameter("date_from", date, required=False, description="Local day, inclusive"),
            OpenApiParameter("date_to", date, required=False, description="Local day, inclusive"),
        ],
        responses={200: api_page("CheckInPage", CheckInListOutput(many=True)), **ERRORS},
    )
    def get(self, request):
        filters = self.CheckInListFilter(data=request.query_params)
        filters.is_valid(raise_exception=True)
        values = filters.validated_data
        venue = None
        if values.get("venue"):
            from phongdich.venues.selectors import venue_get

            venue = venue_get(viewer=request.user, venue_id=values["venue"])
        start = selectors.day_start(values["date_from"]) if values.get("date_from") else None
        end = selectors.day_start(values["date_to"] + timedelta(days=1)) if values.get("date_to") else None
        qs = selectors.checkin_list(viewer=request.user, venue=venue, start=start, end=end)
        paginator = ApiPages()
        page = paginator.paginate_queryset(qs, request, view=self)
        context = {"sees_people": selectors.viewer_sees_people(request.user)}
        return paginator.get_paginated_response(CheckInListOutput(page, many=True, context=context).data)


class CheckInDetailApi(APIView):
    permission_classes = [IsUser]

    @extend_schema(operation_id="checkins_retrieve", responses={200: CheckInListOutput, **ERRORS})
    def get(self, request, checkin_id: int):
        checkin = selectors.checkin_get(viewer=request.user, checkin_id=id_or_404(checkin_id))
        context = {"sees_people": selectors.viewer_sees_people(request.user)}
        return Response(CheckInListOutput(checkin, context=context).data)


class ScannerDeviceOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    venue = serializers.IntegerField(source="venue_id")
    token_prefix = serializers.CharField()
    created_at = serializers.DateTimeField()
    revoked_at = serializers.DateTimeField(allow_null=True)


class ScannerDeviceCreatedOutput(ScannerDeviceOutput):
    token = serializers.CharField(allow_null=True, help_text="Shown once; null on a replayed request")


class ScannerDeviceCreateApi(APIView):
    """A venue manager or an official of the venue's area registers a scanner device.

    The token is in this answer only. With an Idempotency-Key, a repeat answers the same device with
    `token: null`: the stored answer never holds the token (only its hash is kept anywhere).
    """

    permission_classes = [IsUser]

    class ScannerDeviceCreateInput(StrictInput):
        venue = serializers.IntegerField(min_value=1, max_value=MAX_ID)
        name = serializers.CharField(max_length=100)

    @extend_schema(
        operation_id="devices_create",
        request=ScannerDeviceCreateInput,
        responses={201: ScannerDeviceCreatedOutput, 200: ScannerDeviceCreatedOutput, **ERRORS},
        parameters=[IDEMPOTENCY_KEY],
    )
    def post(self, request):
        from phongdich.venues.selectors import venue_get

        key = idempotency_key_of(request)
        principal = services.principal_scope(request.user)
        request_hash = hashlib.sha256(request.method.encode() + b" " + request.path.encode() + b"\n" + request.body)
        request_hash = request_hash.hexdigest()
        if key is not None:
            existing = IdempotencyKey.objects.filter(principal=principal, key=key).first()
            if existing is not None:
                return self._replay(existing, request_hash)
        data = self.ScannerDeviceCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        venue = venue_get(viewer=request.user, venue_id=data.validated_data["venue"])
        try:
            with transaction.atomic():
                device, token = services.scanner_device_create(
                    venue=venue, name=data.validated_data["name"], created_by=request.user
                )
                body = ScannerDeviceOutput(device).data
                if key is not None:
                    IdempotencyKey.objects.create(
                        principal=principal,
                        key=key,
                        method=request.method,
                        path=request.path[:255],
                        request_hash=request_hash,
                        status_code=201,
                        response_body=json.loads(json.dumps(body, cls=DjangoJSONEncoder)),
                    )
        except IntegrityError:
            existing = IdempotencyKey.objects.filter(principal=principal, key=key).first() if key else None
            if existing is None:
                raise
            return self._replay(existing, request_hash)
        return Response({**body, "token": token}, status=status.HTTP_201_CREATED)

    @staticmethod
    def _replay(existing: IdempotencyKey, request_hash: str) -> Response:
        if existing.request_hash != request_hash:
            raise ApplicationError(core_errors.IDEMPOTENCY_KEY_REUSED)
        response = Response({**existing.response_body, "token": None}, status=status.HTTP_200_OK)
        response["Idempotent-Replayed"] = "true"
        return response


class ScannerDeviceRevokeApi(APIView):
    permission_classes = [IsUser]

    @extend_schema(
        operation_id="devices_revoke",
        request=None,
        responses={200: ScannerDeviceOutput, **ERRORS},
        parameters=[IDEMPOTENCY_KEY],
    )
    @idempotent
    def post(self, request, device_id: int):
        device = ScannerDevice.objects.select_related("venue").filter(pk=id_or_404(device_id)).first()
        if device is None or not services.user_can_manage_devices(request.user, device.venue):
            raise ApplicationError(core_errors.NOT_FOUND)  # out of scope: not revealed
        device = services.scanner_device_revoke(device=device, actor=request.user)
        return Response(ScannerDeviceOutput(device).data)
