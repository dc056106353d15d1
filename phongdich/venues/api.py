"""REST API of venues: thin classes, nested input/output serializers; the work is in services and selectors."""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from phongdich.core import errors as core_errors
from phongdich.core.api import PAGE_PARAMETERS, StrictInput, api_page, error_responses, idempotent, read_again
from phongdich.core.audit import client_ip
from phongdich.core.errors import ApplicationError
from phongdich.core.pagination import ApiPages
from phongdich.core.throttling import SimpleRateThrottle

from . import errors, posters, selectors, services
from .models import Venue

ERRORS = error_responses(400, 401, 403, 404, 409, 422, 429)


class VenueRegisterThrottle(SimpleRateThrottle):
    """Public registrations per client address; shared by the API and the web form (views.venue_register).

    Each registration creates a user account, so the rate is far below the other public endpoints'.
    """

    scope = "venue_register"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class VenueTypeOutput(serializers.Serializer):
    code = serializers.CharField()
    name_vi = serializers.CharField()
    name_en = serializers.CharField()
    auto_checkout_minutes = serializers.IntegerField()


class VenueCodeOutput(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField()
    token = serializers.CharField()
    url = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    revoked_at = serializers.DateTimeField(allow_null=True)
    is_active = serializers.BooleanField()

    def get_url(self, code) -> str:
        return posters.checkin_url(code)


class VenueOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    venue_type = serializers.CharField(source="venue_type_id")
    area = serializers.IntegerField(source="area_id")
    area_name = serializers.CharField(source="area.name")
    area_path = serializers.CharField()
    street_address = serializers.CharField()
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True)
    contact_name = serializers.CharField()
    contact_phone = serializers.CharField()
    tax_code = serializers.CharField()
    status = serializers.CharField()
    status_reason = serializers.CharField()
    status_changed_at = serializers.DateTimeField(allow_null=True)
    registered_via = serializers.CharField()
    created_at = serializers.DateTimeField()


class VenueDetailOutput(VenueOutput):
    codes = VenueCodeOutput(many=True, source="codes.all")


class VenueInputBase(StrictInput):
    # Shapes only: values (type, area, phone, coordinates, entrances) are checked by the service, which
    # answers with the domain's own error codes.
    name = serializers.CharField(max_length=200)
    venue_type = serializers.CharField(max_length=30)
    area = serializers.IntegerField()
    street_address = serializers.CharField(max_length=255)
    latitude = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=20)
    longitude = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=20)
    tax_code = serializers.CharField(required=False, allow_blank=True, max_length=20, default="")


# A write repeated with its Idempotency-Key (core.api.read_again): the store keeps the venue's id, not its contact
# person's name and phone (nor its codes' tokens), and the repeat reads the venue again through venue_get, scoped as
# the first answer was (404 for an official since moved to another area). Reads of a venue are not audited.
def _venue_again(request, pk, **url_kwargs) -> dict:
    return VenueOutput(selectors.venue_get(viewer=request.user, venue_id=pk)).data


def _venue_detail_again(request, pk) -> dict:
    return VenueDetailOutput(selectors.venue_get(viewer=request.user, venue_id=pk)).data


def _registered_venue_again(request, pk) -> dict:
    """The public form's venue, read again as the account the request registered sees it: the same person's venue
    while that account still manages it, 404 otherwise."""
    registrant = selectors.venue_registrant(venue_id=pk, username=request.data.get("username"))
    return VenueDetailOutput(selectors.venue_get(viewer=registrant, venue_id=pk)).data


class VenueListApi(APIView):
    class VenueFilterInput(serializers.Serializer):
        q = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
        status = serializers.ChoiceField(choices=Venue.Status.choices, required=False)

    class VenueCreateInput(VenueInputBase):
        contact_name = serializers.CharField(required=False, allow_blank=True, max_length=150, default="")
        contact_phone = serializers.CharField(required=False, allow_blank=True, max_length=30, default="")
        entrances = serializers.ListField(
            child=serializers.CharField(max_length=100, allow_blank=True), required=False, max_length=100
        )

    @extend_schema(
        operation_id="venues_list",
        parameters=[*PAGE_PARAMETERS, VenueFilterInput],
        responses={200: api_page("VenuePage", VenueOutput(many=True)), **ERRORS},
        summary="Venues the caller may see (officials: their area; managers and staff: their venues)",
    )
    def get(self, request):
        filters = self.VenueFilterInput(data=request.query_params)
        filters.is_valid(raise_exception=True)
        venues = selectors.venue_list(viewer=request.user, **filters.validated_data)
        paginator = ApiPages()
        page = paginator.paginate_queryset(venues, request, view=self)
        return paginator.get_paginated_response(VenueOutput(page, many=True).data)

    @extend_schema(
        operation_id="venues_create",
        request=VenueCreateInput,
        responses={201: VenueDetailOutput, **ERRORS},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)],
        summary="Register a venue as an official (verified at once) or a venue manager (pending)",
    )
    @idempotent(**read_again(_venue_detail_again))
    def post(self, request):
        data = self.VenueCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        venue = services.venue_create(actor=request.user, ip=client_ip(request), **data.validated_data)
        return Response(VenueDetailOutput(venue).data, status=status.HTTP_201_CREATED)


class VenueDetailApi(APIView):
    @extend_schema(operation_id="venues_retrieve", responses={200: VenueDetailOutput, **ERRORS})
    def get(self, request, venue_id: int):
        venue = selectors.venue_get(viewer=request.user, venue_id=venue_id)
        return Response(VenueDetailOutput(venue).data)


class VenueRegisterApi(APIView):
    """Public: no login. Rate limited per client address (RATE_LIMIT_VENUE_REGISTER)."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [VenueRegisterThrottle]

    class VenueRegisterInput(VenueInputBase):
        contact_name = serializers.CharField(max_length=150)
        contact_phone = serializers.CharField(max_length=30)
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(max_length=128, write_only=True)
        email = serializers.CharField(required=False, allow_blank=True, max_length=254, default="")
        entrances = serializers.ListField(
            child=serializers.CharField(max_length=100, allow_blank=True), allow_empty=True, max_length=100
        )

    @extend_schema(
        operation_id="venues_register",
        request=VenueRegisterInput,
        responses={201: VenueDetailOutput, **ERRORS},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)],
        summary="A venue manager registers a venue and an account; the venue waits for verification",
    )
    @idempotent(**read_again(_registered_venue_again))
    def post(self, request):
        data = self.VenueRegisterInput(data=request.data)
        data.is_valid(raise_exception=True)
        venue = services.venue_register_public(ip=client_ip(request), **data.validated_data)
        return Response(VenueDetailOutput(venue).data, status=status.HTTP_201_CREATED)


class VenueVerifyApi(APIView):
    @extend_schema(
        operation_id="venues_verify",
        request=None,
        responses={200: VenueOutput, **ERRORS},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)],
    )
    @idempotent(**read_again(_venue_again))
    def post(self, request, venue_id: int):
        venue = selectors.venue_get(viewer=request.user, venue_id=venue_id)
        venue = services.venue_verify(actor=request.user, venue=venue, ip=client_ip(request))
        return Response(VenueOutput(venue).data)


class VenueReasonInput(StrictInput):
    reason = serializers.CharField(allow_blank=True, max_length=500, required=False, default="")


def _decide_with_reason(request, venue_id: int, service) -> Response:
    data = VenueReasonInput(data=request.data)
    data.is_valid(raise_exception=True)
    venue = selectors.venue_get(viewer=request.user, venue_id=venue_id)
    venue = service(actor=request.user, venue=venue, ip=client_ip(request), **data.validated_data)
    return Response(VenueOutput(venue).data)


class VenueRejectApi(APIView):
    @extend_schema(
        operation_id="venues_reject",
        request=VenueReasonInput,
        responses={200: VenueOutput, **ERRORS},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)],
    )
    @idempotent(**read_again(_venue_again))
    def post(self, request, venue_id: int):
        return _decide_with_reason(request, venue_id, services.venue_reject)


class VenueSuspendApi(APIView):
    @extend_schema(
        operation_id="venues_suspend",
        request=VenueReasonInput,
        responses={200: VenueOutput, **ERRORS},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)],
    )
    @idempotent(**read_again(_venue_again))
    def post(self, request, venue_id: int):
        return _decide_with_reason(request, venue_id, services.venue_suspend)


class VenueCodeListApi(APIView):
    class VenueCodeAddInput(StrictInput):
        label = serializers.CharField(max_length=100, allow_blank=True)

    @extend_schema(operation_id="venue_codes_list", responses={200: VenueCodeOutput(many=True), **ERRORS})
    def get(self, request, venue_id: int):
        venue = selectors.venue_get(viewer=request.user, venue_id=venue_id)
        return Response(VenueCodeOutput(selectors.venue_codes(venue=venue), many=True).data)

    @extend_schema(
        operation_id="venue_codes_create",
        request=VenueCodeAddInput,
        responses={201: VenueCodeOutput, **ERRORS},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)],
        summary="Add a QR code for another entrance",
    )
    @idempotent
    def post(self, request, venue_id: int):
        data = self.VenueCodeAddInput(data=request.data)
        data.is_valid(raise_exception=True)
        venue = selectors.venue_get(viewer=request.user, venue_id=venue_id)
        code = services.venue_code_add(actor=request.user, venue=venue, ip=client_ip(request), **data.validated_data)
        return Response(VenueCodeOutput(code).data, status=status.HTTP_201_CREATED)


class VenueCodeRevokeApi(APIView):
    @extend_schema(
        operation_id="venue_codes_revoke",
        request=None,
        responses={200: VenueCodeOutput, **ERRORS},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)],
    )
    @idempotent
    def post(self, request, code_id: int):
        code = selectors.venue_code_get_for_viewer(viewer=request.user, code_id=code_id)
        code = services.venue_code_revoke(actor=request.user, code=code, ip=client_ip(request))
        return Response(VenueCodeOutput(code).data)


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"  # the PDF carries a live token
    return response


PDF = {(200, "application/pdf"): OpenApiTypes.BINARY, **ERRORS}


class VenueCodePosterApi(APIView):
    @extend_schema(operation_id="venue_codes_poster", responses=PDF, summary="A4 poster PDF of one QR code")
    def get(self, request, venue_id: int, code_id: int):
        code = selectors.venue_code_get_for_viewer(viewer=request.user, code_id=code_id)
        if code.venue_id != int(venue_id):
            raise ApplicationError(core_errors.NOT_FOUND)
        if not code.is_active:
            raise ApplicationError(errors.VENUE_CODE_REVOKED)  # a revoked code must not be printed again
        return pdf_response(posters.venue_code_poster_pdf(code=code), f"venue-{venue_id}-code-{code.pk}.pdf")


class VenuePostersApi(APIView):
    @extend_schema(operation_id="venues_posters", responses=PDF, summary="One A4 page per active QR code")
    def get(self, request, venue_id: int):
        venue = selectors.venue_get(viewer=request.user, venue_id=venue_id)
        return pdf_response(posters.venue_all_posters_pdf(venue=venue), f"venue-{venue.pk}-qr-codes.pdf")


class VenueTypeListApi(APIView):
    # Public: the registration form and apps need the list before anyone logs in.
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(operation_id="venue_types_list", responses={200: VenueTypeOutput(many=True)})
    def get(self, request):
        return Response(VenueTypeOutput(selectors.venue_type_list(), many=True).data)
