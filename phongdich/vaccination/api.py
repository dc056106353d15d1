"""REST API of vaccination: thin classes; rules, scoping and audit are in services and selectors."""

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from phongdich.accounts.permissions import IsOfficial
from phongdich.core.api import (
    PAGE_PARAMETERS,
    LocalTimeField,
    StrictInput,
    api_page,
    error_responses,
    idempotent,
    read_again,
)
from phongdich.core.audit import audit_record, client_ip
from phongdich.core.ids import id_or_404
from phongdich.core.pagination import ApiPages
from phongdich.core.scoping import area_visible, viewer_area_path
from phongdich.core.throttling import ScopedRateThrottle, SimpleRateThrottle
from phongdich.geo.models import Area
from phongdich.people.api import EntryWarningSerializer, entry_warned, entry_warnings, entry_warnings_again

from . import selectors, services
from .models import Reaction, VaccinationRegistration
from .selectors import BANDS, DOSE_ROLES, SESSION_ROLES, VACCINATION_ROLES

ERRORS = error_responses(400, 401, 403, 404, 409, 415, 422, 429)
IDEMPOTENCY = OpenApiParameter(
    "Idempotency-Key", str, OpenApiParameter.HEADER, required=False, description="A repeat writes nothing."
)
TAGS = ["vaccination"]


class VaccinationRoles(IsOfficial):
    roles = VACCINATION_ROLES


class SessionRoles(IsOfficial):
    roles = SESSION_ROLES


class DoseRoles(IsOfficial):
    roles = DOSE_ROLES


class RegisterThrottle(SimpleRateThrottle):
    """Public registrations per client address (RATE_LIMIT_VACCINATION_REGISTER); the page shares it."""

    scope = "vaccination_register"

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            return None  # officials registering people are not limited here
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


# --- outputs --------------------------------------------------------------------------------------------------


class VaccinationPriorityGroupOutput(serializers.Serializer):
    code = serializers.CharField()
    order = serializers.IntegerField()
    name_vi = serializers.CharField()
    name_en = serializers.CharField()
    source = serializers.CharField()


class VaccinationProductOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    medicinal_product = serializers.CharField(help_text="EU DCC mp")
    manufacturer = serializers.CharField(help_text="EU DCC ma")
    prophylaxis = serializers.CharField(help_text="EU DCC vp")
    series_doses = serializers.IntegerField()
    min_interval_days = serializers.IntegerField(allow_null=True)
    recommended_interval_days = serializers.IntegerField(allow_null=True)
    interval_source = serializers.CharField()
    interval_confirmed = serializers.BooleanField()


class VaccinationSiteOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    address = serializers.CharField()
    area = serializers.IntegerField(source="area_id")


class VaccinationSlotOutput(serializers.Serializer):
    id = serializers.IntegerField()
    starts_at = LocalTimeField(format="%H:%M")
    ends_at = LocalTimeField(format="%H:%M")
    capacity = serializers.IntegerField()
    free = serializers.IntegerField()


class VaccinationSessionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    site = VaccinationSiteOutput()
    date = serializers.DateField()
    product = serializers.CharField(source="product.code")
    product_name = serializers.CharField(source="product.name")
    capacity = serializers.IntegerField()
    free = serializers.IntegerField()
    slots = VaccinationSlotOutput(many=True, source="slots.all")


class VaccinationRegistrationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    dose_number = serializers.IntegerField()
    priority_group = serializers.CharField(source="priority_group.code")
    person = serializers.IntegerField(source="person_id")
    person_name = serializers.CharField(source="person.full_name")
    slot = serializers.IntegerField(source="slot_id", allow_null=True)
    registered_via = serializers.CharField()
    created_at = serializers.DateTimeField()
    checked_in_at = serializers.DateTimeField(allow_null=True)


class VaccinationDoseOutput(serializers.Serializer):
    id = serializers.IntegerField()
    person = serializers.IntegerField(source="person_id")
    product = serializers.CharField(source="product.code")
    product_name = serializers.CharField(source="product.name")
    lot = serializers.CharField()
    dose_number = serializers.IntegerField()
    given_on = serializers.DateField()
    site = serializers.CharField(source="site.name", default=None, allow_null=True)
    completes_series = serializers.BooleanField()
    mixed_schedule = serializers.BooleanField()


class VaccinationReactionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    dose = serializers.IntegerField(source="dose_id")
    onset_at = serializers.DateTimeField()
    severity = serializers.CharField()
    symptoms = serializers.CharField()
    treated_at = serializers.DateTimeField(allow_null=True)
    reported_via = serializers.CharField()


class VaccinationStateOutput(serializers.Serializer):
    fully_vaccinated = serializers.BooleanField()
    completed_on = serializers.DateField(allow_null=True)
    next_dose_number = serializers.IntegerField()
    next_due_on = serializers.DateField(allow_null=True)
    next_earliest_on = serializers.DateField(allow_null=True)
    next_is_booster = serializers.BooleanField()
    mixed = serializers.BooleanField()


class VaccinationRecordOutput(serializers.Serializer):
    person = serializers.IntegerField(source="person.pk")
    full_name = serializers.CharField(source="person.full_name")
    state = VaccinationStateOutput()
    doses = VaccinationDoseOutput(many=True, source="state.doses")
    reactions = VaccinationReactionOutput(many=True)
    registrations = VaccinationRegistrationOutput(many=True)


# --- what a repeat reads again --------------------------------------------------------------------------------
# A write repeated with its Idempotency-Key: the store keeps the record's id (core.api.read_again), not the person's
# name, doses or reactions, and the repeat reads the record again through the scoped, audited selector: 404 for an
# official who no longer sees it.


def _registration_again(request, pk, **url_kwargs) -> dict:
    registration = selectors.registration_get(viewer=request.user, registration_id=pk, ip=client_ip(request))
    return VaccinationRegistrationOutput(registration).data


def _dose_again(request, dose_id) -> dict:
    dose = selectors.dose_get(viewer=request.user, dose_id=dose_id, ip=client_ip(request))
    # The first answer's only warning, as the service gave it: the dose mixes products (services.dose_record).
    return {"dose": VaccinationDoseOutput(dose).data, "warnings": ["mixed_products"] if dose.mixed_schedule else []}


def _reaction_again(request, reaction_id, dose_id: int) -> dict:
    reaction = selectors.reaction_get(
        viewer=request.user, dose_id=dose_id, reaction_id=reaction_id, ip=client_ip(request)
    )
    return VaccinationReactionOutput(reaction).data


def _receipt_marker(response) -> dict:
    """A citizen's receipt holds no one's data (the place asked for); an official's names the person: its id only."""
    registration = response.data["registration"]
    return {
        "received": response.data["received"],
        "slot": response.data["slot"],
        "registration": registration["id"] if registration else None,
        "status": response.status_code,
        "warned": entry_warned(response.data.get("warnings") or []),
    }


def _receipt_replayed(view, request, marker: dict) -> Response:
    registration_id = marker["registration"]
    body = {"received": marker["received"], "slot": marker["slot"], "registration": None}
    if registration_id is not None:
        registration = selectors.registration_get(
            viewer=request.user, registration_id=registration_id, ip=client_ip(request)
        )
        body.update(_official_receipt(request.user, registration, warned=marker.get("warned")))
    return Response(body, status=marker["status"])


def _official_receipt(official, registration, *, warned: str | None = None, warnings: list | None = None) -> dict:
    """An official's receipt: the registration, and the warnings of the entry (people.services.person_for_staff_entry).
    A person of another commune, found by their CCCD, is named as the cases look-up names them: by initials."""
    person = registration.person
    body = {
        "registration": VaccinationRegistrationOutput(registration).data,
        "warnings": warnings if warnings is not None else entry_warnings_again(person, warned),
    }
    if not area_visible(official, person.area_path):
        body["registration"]["person_name"] = person.initials
    return body


# --- public ---------------------------------------------------------------------------------------------------


class PublicApi(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "public"


class PriorityGroupListApi(PublicApi):
    @extend_schema(
        operation_id="vaccination_priority_groups",
        responses={200: VaccinationPriorityGroupOutput(many=True)},
        tags=TAGS,
    )
    def get(self, request):
        return Response(VaccinationPriorityGroupOutput(selectors.priority_groups(), many=True).data)


class ProductListApi(PublicApi):
    @extend_schema(operation_id="vaccination_products", responses={200: VaccinationProductOutput(many=True)}, tags=TAGS)
    def get(self, request):
        return Response(VaccinationProductOutput(selectors.products(), many=True).data)


class OpenSessionListApi(PublicApi):
    @extend_schema(
        operation_id="vaccination_sessions_open",
        summary="Sessions of the next 30 days with their slots and free places (no personal data)",
        parameters=[OpenApiParameter("area", int, required=False, description="Only sites in this area")],
        responses={200: VaccinationSessionOutput(many=True), **ERRORS},
        tags=TAGS,
    )
    def get(self, request):
        area_id = request.query_params.get("area")
        area = Area.objects.filter(pk=id_or_404(area_id)).first() if area_id else None
        path = area.path if area else ""
        return Response(VaccinationSessionOutput(selectors.sessions_open(area_path=path), many=True).data)


class RegistrationCreateApi(APIView):
    """A citizen (no login) or an official of the area registers a person."""

    permission_classes = [AllowAny]
    throttle_classes = [RegisterThrottle]

    class VaccinationRegistrationInput(StrictInput):
        full_name = serializers.CharField(max_length=150)
        citizen_id = serializers.CharField(max_length=12, required=False, allow_blank=True, default="")
        birth_date = serializers.DateField()
        phone = serializers.CharField(max_length=20)
        area = serializers.PrimaryKeyRelatedField(queryset=Area.objects.all(), help_text="The commune where they live")
        address_street = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
        priority_group = serializers.CharField(max_length=20)
        slot = serializers.IntegerField(required=False, allow_null=True, help_text="Book this slot at once")

    class VaccinationRegistrationReceiptOutput(serializers.Serializer):
        received = serializers.BooleanField()
        slot = serializers.CharField(help_text="The place asked for, in words; empty when none")
        registration = VaccinationRegistrationOutput(allow_null=True, help_text="Officials only; null for citizens")
        warnings = EntryWarningSerializer(
            many=True,
            required=False,
            help_text="Officials only: `person_identity_differs` when the CCCD typed is on the record of a person "
            "with another name or birth date (the registration went to that record).",
        )

    @extend_schema(
        operation_id="vaccination_register",
        summary="Register for vaccination (public: the same answer whether or not the person was known)",
        description="Errors: `slot_full`, `session_full`, `slot_closed` (409), `unknown_priority_group`, "
        "`invalid_phone`, `invalid_citizen_id`; officials: `already_registered` (409), 404 outside their area.",
        request=VaccinationRegistrationInput,
        parameters=[IDEMPOTENCY],
        responses={202: VaccinationRegistrationReceiptOutput, 201: VaccinationRegistrationReceiptOutput, **ERRORS},
        tags=TAGS,
    )
    @idempotent(stored=_receipt_marker, replayed=_receipt_replayed)
    def post(self, request):
        data = self.VaccinationRegistrationInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        official = request.user if request.user.is_authenticated else None
        receipt = services.registration_submit(
            actor=official,
            full_name=values["full_name"],
            phone=values["phone"],
            birth_date=values["birth_date"],
            area=values["area"],
            priority_group=values["priority_group"],
            citizen_id=values["citizen_id"],
            address_street=values["address_street"],
            slot_id=values.get("slot"),
        )
        body = {"received": True, "slot": receipt.slot_text, "registration": None}
        if official:
            registration = receipt.registration
            body.update(_official_receipt(official, registration, warnings=entry_warnings(registration.person)))
        return Response(body, status=status.HTTP_201_CREATED if official else status.HTTP_202_ACCEPTED)


# --- officials ------------------------------------------------------------------------------------------------


class RegistrationListApi(APIView):
    permission_classes = [VaccinationRoles]

    @extend_schema(
        operation_id="vaccination_registrations_list",
        summary="Registrations of your area, by priority group then age (the invitation order)",
        parameters=[
            *PAGE_PARAMETERS,
            OpenApiParameter("status", str, required=False, enum=[*VaccinationRegistration.Status.values, "all"]),
            OpenApiParameter("priority_group", str, required=False),
            OpenApiParameter("area", int, required=False),
        ],
        responses={200: api_page("VaccinationRegistrationPage", VaccinationRegistrationOutput(many=True)), **ERRORS},
        tags=TAGS,
    )
    def get(self, request):
        params = request.query_params
        group = services.priority_group_by_code(params["priority_group"]) if params.get("priority_group") else None
        registrations = selectors.registrations_list(
            viewer=request.user,
            status=params.get("status", "registered"),
            priority_group=group,
            area=selectors.area_in_scope(viewer=request.user, area_id=params.get("area")),
        )
        paginator = ApiPages()
        page = paginator.paginate_queryset(registrations, request, view=self)
        audit_record(
            actor=request.user,
            action="vaccination.registration.listed",
            area_path=viewer_area_path(request.user) or "",
            ip=client_ip(request),
            extra={"via": "api", "registrations": [registration.pk for registration in page]},
        )
        return paginator.get_paginated_response(VaccinationRegistrationOutput(page, many=True).data)


class RegistrationBookApi(APIView):
    permission_classes = [VaccinationRoles]

    class VaccinationBookInput(StrictInput):
        slot = serializers.IntegerField()

    @extend_schema(
        operation_id="vaccination_registration_book",
        summary="Book a waiting registration into a slot (409 slot_full / session_full)",
        request=VaccinationBookInput,
        parameters=[IDEMPOTENCY],
        responses={200: VaccinationRegistrationOutput, **ERRORS},
        tags=TAGS,
    )
    @idempotent(**read_again(_registration_again))
    def post(self, request, registration_id: int):
        data = self.VaccinationBookInput(data=request.data)
        data.is_valid(raise_exception=True)
        registration = services.registration_book(
            actor=request.user, registration_id=registration_id, slot_id=data.validated_data["slot"]
        )
        return Response(VaccinationRegistrationOutput(registration).data)


class RegistrationCancelApi(APIView):
    permission_classes = [VaccinationRoles]

    @extend_schema(
        operation_id="vaccination_registration_cancel",
        summary="Cancel a registration in progress; its place is given back",
        request=None,
        parameters=[IDEMPOTENCY],
        responses={200: VaccinationRegistrationOutput, **ERRORS},
        tags=TAGS,
    )
    @idempotent(**read_again(_registration_again))
    def post(self, request, registration_id: int):
        registration = services.registration_cancel(actor=request.user, registration_id=registration_id)
        return Response(VaccinationRegistrationOutput(registration).data)


class SessionCreateApi(APIView):
    permission_classes = [SessionRoles]

    class VaccinationSlotInput(StrictInput):
        starts_at = LocalTimeField()
        ends_at = LocalTimeField()
        capacity = serializers.IntegerField(min_value=1)

    class VaccinationSessionInput(StrictInput):
        site = serializers.IntegerField()
        date = serializers.DateField()
        product = serializers.CharField(max_length=40)
        slots = serializers.ListField(child=serializers.DictField(), min_length=1, max_length=services.MAX_SLOTS)
        notes = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")

    @extend_schema(
        operation_id="vaccination_session_create",
        summary="A session at a site of your area, with time slots (capacity = the slots' sum)",
        request=VaccinationSessionInput,
        parameters=[IDEMPOTENCY],
        responses={201: VaccinationSessionOutput, **ERRORS},
        tags=TAGS,
    )
    @idempotent
    def post(self, request):
        data = self.VaccinationSessionInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        slots = []
        for raw in values["slots"]:
            slot = self.VaccinationSlotInput(data=raw)
            slot.is_valid(raise_exception=True)
            slots.append(
                (slot.validated_data["starts_at"], slot.validated_data["ends_at"], slot.validated_data["capacity"])
            )
        session = services.session_create(
            actor=request.user,
            site=selectors.site_get(viewer=request.user, site_id=values["site"]),
            date=values["date"],
            product=services.product_by_code(values["product"]),
            slots=slots,
            notes=values["notes"],
        )
        return Response(VaccinationSessionOutput(session).data, status=status.HTTP_201_CREATED)


class InvitationCreateApi(APIView):
    permission_classes = [VaccinationRoles]

    class VaccinationInviteInput(StrictInput):
        priority_group = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
        area = serializers.IntegerField(required=False, allow_null=True)
        limit = serializers.IntegerField(required=False, allow_null=True, min_value=1)

    class VaccinationInviteOutput(serializers.Serializer):
        invited = serializers.IntegerField()
        registrations = serializers.ListField(child=serializers.IntegerField())

    @extend_schema(
        operation_id="vaccination_invitations_send",
        summary="Invite waiting registrations into the free places of a session (SMS after the commit)",
        request=VaccinationInviteInput,
        parameters=[IDEMPOTENCY],
        responses={200: VaccinationInviteOutput, **ERRORS},
        tags=TAGS,
    )
    @idempotent
    def post(self, request, session_id: int):
        data = self.VaccinationInviteInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        invitations = services.invitations_send(
            actor=request.user,
            session_id=session_id,
            priority_group=services.priority_group_by_code(values["priority_group"])
            if values["priority_group"]
            else None,
            area=selectors.area_in_scope(viewer=request.user, area_id=values.get("area")),
            limit=values.get("limit"),
        )
        registrations = [invitation.registration_id for invitation in invitations]
        return Response({"invited": len(registrations), "registrations": registrations})


def _checkin_again(request, pk) -> dict:
    """A check-in repeated with its Idempotency-Key: the registration read again (audited, 404 once out of the
    official's area), with the person's initials, the dose and the product as the first answer showed them."""
    registration = selectors.registration_get(viewer=request.user, registration_id=pk, ip=client_ip(request))
    return CheckinApi.VaccinationCheckinOutput(_checkin_body(registration)).data


def _checkin_body(registration) -> dict:
    return {
        "registration": registration,
        "person_initials": registration.person.initials,
        "dose_number": registration.dose_number,
        "product": registration.slot.session.product.code,
    }


class CheckinApi(APIView):
    permission_classes = [DoseRoles]

    class VaccinationCheckinInput(StrictInput):
        site = serializers.IntegerField()
        personal_qr = serializers.CharField(max_length=1000)

    class VaccinationCheckinOutput(serializers.Serializer):
        registration = VaccinationRegistrationOutput()
        person_initials = serializers.CharField()
        dose_number = serializers.IntegerField()
        product = serializers.CharField()

    @extend_schema(
        operation_id="vaccination_checkin",
        summary="Check a person in at a site by their personal QR code (today's booking at this site)",
        description="Errors: `personal_qr_*` (400), `no_booking_here_today` (409), 404 for a site outside your area.",
        request=VaccinationCheckinInput,
        responses={200: VaccinationCheckinOutput, **ERRORS},
        tags=TAGS,
    )
    @idempotent(**read_again(_checkin_again, id_of=lambda answer: answer["registration"]["id"]))
    def post(self, request):
        data = self.VaccinationCheckinInput(data=request.data)
        data.is_valid(raise_exception=True)
        registration = services.vaccination_checkin(
            actor=request.user, site_id=data.validated_data["site"], token=data.validated_data["personal_qr"]
        )
        return Response(self.VaccinationCheckinOutput(_checkin_body(registration)).data)


class DoseCreateApi(APIView):
    permission_classes = [DoseRoles]

    class VaccinationDoseInput(StrictInput):
        person = serializers.IntegerField()
        registration = serializers.IntegerField(required=False, allow_null=True)
        site = serializers.IntegerField(required=False, allow_null=True)
        product = serializers.CharField(max_length=40, help_text="A product code of GET vaccination/products/")
        lot = serializers.CharField(max_length=60, allow_blank=True)
        dose_number = serializers.IntegerField()
        given_on = serializers.DateField()

    class VaccinationDoseCreatedOutput(serializers.Serializer):
        dose = VaccinationDoseOutput()
        warnings = serializers.ListField(child=serializers.CharField())

    @extend_schema(
        operation_id="vaccination_dose_create",
        summary="Record a dose (order of checks: docs/vaccination.md)",
        description="Errors: `dose_number_skips`, `dose_date_invalid`, `dose_interval_too_short`, `unknown_product`, "
        "`invalid_lot` (400), `not_checked_in` (409). Mixing products: warning `mixed_products`.",
        request=VaccinationDoseInput,
        parameters=[IDEMPOTENCY],
        responses={201: VaccinationDoseCreatedOutput, **ERRORS},
        tags=TAGS,
    )
    @idempotent(**read_again(_dose_again, id_of=lambda answer: answer["dose"]["id"]))
    def post(self, request):
        data = self.VaccinationDoseInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        result = services.dose_record(
            actor=request.user,
            person_id=values["person"],
            product=services.product_by_code(values["product"]),
            lot=values["lot"],
            dose_number=values["dose_number"],
            given_on=values["given_on"],
            site_id=values.get("site"),
            registration_id=values.get("registration"),
        )
        body = {"dose": VaccinationDoseOutput(result.dose).data, "warnings": result.warnings}
        return Response(body, status=status.HTTP_201_CREATED)


class ReactionCreateApi(APIView):
    permission_classes = [VaccinationRoles]

    class VaccinationReactionInput(StrictInput):
        severity = serializers.ChoiceField(choices=Reaction.Severity.choices)
        symptoms = serializers.CharField(max_length=500)
        onset_at = serializers.DateTimeField()
        treated_at = serializers.DateTimeField(required=False, allow_null=True)
        notes = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")

    @extend_schema(
        operation_id="vaccination_reaction_create",
        summary="Record a reaction after a dose (AEFI categories: docs/vaccination.md)",
        request=VaccinationReactionInput,
        parameters=[IDEMPOTENCY],
        responses={201: VaccinationReactionOutput, **ERRORS},
        tags=TAGS,
    )
    @idempotent(**read_again(_reaction_again))
    def post(self, request, dose_id: int):
        data = self.VaccinationReactionInput(data=request.data)
        data.is_valid(raise_exception=True)
        reaction = services.reaction_record(actor=request.user, dose_id=dose_id, **data.validated_data)
        return Response(VaccinationReactionOutput(reaction).data, status=status.HTTP_201_CREATED)


class RecordApi(APIView):
    permission_classes = [VaccinationRoles]

    @extend_schema(
        operation_id="vaccination_record",
        summary="A person's doses, next dose, reactions and registrations (an audited read)",
        responses={200: VaccinationRecordOutput, **ERRORS},
        tags=TAGS,
    )
    def get(self, request, person_id: int):
        record = selectors.vaccination_record(viewer=request.user, person_id=person_id, ip=client_ip(request))
        return Response(VaccinationRecordOutput(record).data)


class VaccinationBandOutput(serializers.Serializer):
    band = serializers.IntegerField()
    people = serializers.IntegerField()
    known_people = serializers.IntegerField()
    at_least_one = serializers.IntegerField()
    fully = serializers.IntegerField()
    share_one = serializers.FloatField(allow_null=True, help_text="Percent with at least one dose")
    share_full = serializers.FloatField(allow_null=True, help_text="Percent fully vaccinated")
    official_population = serializers.BooleanField(help_text="The denominator is the province's figure")


class VaccinationAreaCoverageOutput(serializers.Serializer):
    area = serializers.IntegerField(source="area.pk")
    code = serializers.CharField(source="area.code")
    name = serializers.CharField(source="area.name")
    unknown_age = serializers.IntegerField()
    bands = serializers.SerializerMethodField()

    @extend_schema_field(VaccinationBandOutput(many=True))
    def get_bands(self, row):
        return VaccinationBandOutput([row.bands[band] for band in BANDS], many=True).data


class CoverageApi(APIView):
    permission_classes = [VaccinationRoles]

    class VaccinationCoverageOutput(serializers.Serializer):
        area = serializers.IntegerField()
        at = serializers.DateField()
        rows = VaccinationAreaCoverageOutput(many=True)

    @extend_schema(
        operation_id="vaccination_coverage",
        summary="Coverage per child area and age band (18+, 50+, 65+) at a date",
        parameters=[
            OpenApiParameter("area", int, required=False, description="Default: your own area"),
            OpenApiParameter("at", str, required=False, description="YYYY-MM-DD; default today"),
        ],
        responses={200: VaccinationCoverageOutput, **ERRORS},
        tags=TAGS,
    )
    def get(self, request):
        area, at = coverage_query(request.user, request.query_params)
        rows = selectors.coverage_by_area(user=request.user, parent_area=area, at=at)
        return Response(self.VaccinationCoverageOutput({"area": area.pk, "at": at, "rows": rows}).data)


def coverage_query(user, params):
    """The area (default: the viewer's) and the date of a coverage request; invalid_coverage_query for junk."""
    import datetime as dt

    from phongdich.core.errors import ApplicationError

    from . import errors

    area = selectors.area_in_scope(viewer=user, area_id=params.get("area")) if params.get("area") else None
    if area is None:
        official = getattr(user, "official", None)
        area = official.area if official is not None else Area.objects.filter(parent=None).order_by("code").first()
    if area is None:
        raise ApplicationError(errors.INVALID_COVERAGE_QUERY, extra={"area": None})
    raw = params.get("at")
    try:
        at = dt.date.fromisoformat(raw) if raw else timezone.localdate()
    except ValueError:
        raise ApplicationError(errors.INVALID_COVERAGE_QUERY, extra={"at": str(raw)[:20]}) from None
    return area, at
