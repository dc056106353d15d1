"""Declarations API: public submission (rate limited, Idempotency-Key), officials' scoped and audited reads, and
the reference lists of the entry form (ports of entry, countries)."""

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from phongdich.accounts.permissions import SeesPeople
from phongdich.core import errors as core_errors
from phongdich.core.api import ERROR_RESPONSE, StrictInput, error_responses, idempotency_key_of, idempotent
from phongdich.core.audit import client_ip
from phongdich.core.errors import ApplicationError
from phongdich.core.pagination import ApiPages
from phongdich.core.throttling import ScopedRateThrottle
from phongdich.people.models import Person
from phongdich.people.selectors import people_visible_q

from . import questions
from .countries import country_choices, country_name
from .models import Declaration, PortOfEntry
from .selectors import declaration_history, declaration_people, declarations_submitted_again
from .services import MAX_FAMILY, declaration_submit_for_family

ERRORS = error_responses(400, 401, 403, 404, 429)
# A submission may also answer 422 idempotency_key_reused (core.api.idempotent).
SUBMIT_ERRORS = error_responses(400, 401, 403, 404, 422, 429)
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="A retry with the same key and body answers the first result and records nothing new.",
)


class VaccinationSerializer(StrictInput):
    doses = serializers.IntegerField(min_value=0, max_value=10)
    vaccine = serializers.CharField(required=False, allow_blank=True, max_length=200)
    last_dose_date = serializers.DateField(required=False, allow_null=True)


class DeclarationDataSerializer(StrictInput):
    """The answers of a declaration. Only the fields of the declaration's kind may be given (docs/declarations.md);
    lengths and codes are checked by the service, which names the field in its error."""

    email = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    area = serializers.IntegerField(required=False, allow_null=True, help_text="geo area id of the address")
    address_street = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    travelled_14d = serializers.BooleanField(required=False)
    travel_places = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    symptoms = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False, max_length=20, help_text="codes"
    )
    symptom_notes = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    exposures = serializers.ListField(child=serializers.CharField(max_length=40), required=False, max_length=20)
    vehicle_type = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    vehicle_number = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    seat = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    origin_area = serializers.IntegerField(required=False, allow_null=True)
    origin_point = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    destination_area = serializers.IntegerField(required=False, allow_null=True)
    destination_point = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    departure_date = serializers.DateField(required=False, allow_null=True)
    passport_number = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    nationality = serializers.CharField(required=False, allow_blank=True, max_length=100, help_text="ISO alpha-2")
    port_of_entry = serializers.CharField(required=False, allow_blank=True, max_length=100, help_text="port code")
    arrival_date = serializers.DateField(required=False, allow_null=True)
    countries_visited = serializers.ListField(
        child=serializers.CharField(max_length=10), required=False, max_length=300, help_text="ISO alpha-2 codes"
    )
    vaccination_declared = VaccinationSerializer(required=False, allow_null=True)


class DeclarationMemberSerializer(StrictInput):
    full_name = serializers.CharField(max_length=1000)
    birth_year = serializers.IntegerField(min_value=1900, max_value=2100)
    citizen_id = serializers.CharField(required=False, allow_blank=True, max_length=100)
    gender = serializers.ChoiceField(choices=["male", "female", "other", ""], required=False)
    nationality = serializers.CharField(required=False, allow_blank=True, max_length=10)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=30)
    data = DeclarationDataSerializer(required=False, help_text="this member's own answers, over the shared ones")


class DeclarationCreatedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    submitted_at = serializers.DateTimeField()
    flagged = serializers.BooleanField()
    person_public_id = serializers.CharField(
        allow_null=True, help_text="only for a person this declaration created (as for a self check-in)"
    )


class DeclarationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    source = serializers.CharField()
    submitted_at = serializers.DateTimeField()
    person = serializers.IntegerField(source="person_id")
    area = serializers.IntegerField(source="area_id", allow_null=True)
    area_path = serializers.CharField()
    address_street = serializers.CharField()
    email = serializers.CharField()
    travelled_14d = serializers.BooleanField()
    travel_places = serializers.CharField()
    symptoms = serializers.ListField(child=serializers.CharField())
    symptom_notes = serializers.CharField()
    exposures = serializers.ListField(child=serializers.CharField())
    flagged = serializers.BooleanField()
    vehicle_type = serializers.CharField()
    vehicle_number = serializers.CharField()
    seat = serializers.CharField()
    origin_area = serializers.IntegerField(source="origin_area_id", allow_null=True)
    origin_point = serializers.CharField()
    destination_area = serializers.IntegerField(source="destination_area_id", allow_null=True)
    destination_point = serializers.CharField()
    departure_date = serializers.DateField(allow_null=True)
    passport_number = serializers.CharField()
    nationality = serializers.CharField()
    port_of_entry = serializers.CharField(source="port_of_entry.code", allow_null=True, help_text="port code")
    arrival_date = serializers.DateField(allow_null=True)
    countries_visited = serializers.ListField(child=serializers.CharField())
    vaccination_declared = serializers.DictField()


def _drop_none(values: dict) -> dict:
    return {key: value for key, value in values.items() if value is not None or key == "vaccination_declared"}


# What the idempotency store keeps of a submission's answer (core.api.idempotent's stored=/replayed=): each
# declaration's id, whose it is and whether the answer gave out that person's public id; not whether it was flagged
# nor the public id. A repeat reads them again: still the same person's, and for an official who entered them on
# paper, still in their area (audited); 404 otherwise.
def _submission_marker(response) -> dict:
    rows = response.data["declarations"]
    people = declaration_people(declaration_ids=[row["id"] for row in rows])
    return {"declarations": [[row["id"], people.get(row["id"]), row["person_public_id"] is not None] for row in rows]}


def _submission_replayed(view, request, marker: dict) -> Response:
    submitted = marker["declarations"]
    declarations = declarations_submitted_again(
        viewer=request.user, submitted=[(pk, person) for pk, person, _ in submitted], ip=client_ip(request)
    )
    return _submission_answer(declarations, [public_id_given for _, _, public_id_given in submitted])


def _submission_answer(declarations, public_id_given: list[bool]) -> Response:
    rows = [
        {
            "id": declaration.pk,
            "kind": declaration.kind,
            "submitted_at": declaration.submitted_at,
            "flagged": declaration.flagged,
            "person_public_id": declaration.person.public_id if given else None,
        }
        for declaration, given in zip(declarations, public_id_given, strict=True)
    ]
    return Response({"declarations": DeclarationCreatedSerializer(rows, many=True).data}, status=201)


class DeclarationApi(APIView):
    """POST (public): submit a declaration for one or more people of a family sharing a phone.
    GET (officials who see people): one person's declarations, scoped to the caller's area and audited."""

    class DeclarationInputSerializer(StrictInput):
        kind = serializers.ChoiceField(choices=[choice.value for choice in Declaration.Kind])
        phone = serializers.CharField(max_length=30, help_text="the declarer's mobile phone")
        members = DeclarationMemberSerializer(many=True, min_length=1, max_length=MAX_FAMILY)
        data = DeclarationDataSerializer(required=False, help_text="answers shared by all members")

    class DeclarationFilterSerializer(serializers.Serializer):
        person = serializers.IntegerField(min_value=1, max_value=2**63 - 1)

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "POST" else [SeesPeople()]

    def get_throttles(self):
        if self.request.method != "POST":
            return []
        throttle = ScopedRateThrottle()
        self.throttle_scope = "public"
        return [throttle]

    @extend_schema(
        operation_id="declarations_create",
        request=DeclarationInputSerializer,
        responses={
            201: inline_serializer("DeclarationCreatedList", {"declarations": DeclarationCreatedSerializer(many=True)}),
            **SUBMIT_ERRORS,
        },
        parameters=[IDEMPOTENCY_KEY],
        summary="Submit a health declaration (domestic, movement or entry), for one or several family members",
    )
    @idempotent(stored=_submission_marker, replayed=_submission_replayed)
    def post(self, request):
        body = self.DeclarationInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        members = []
        for member in values["members"]:
            member = dict(member)
            if "data" in member:
                member["data"] = _drop_none(dict(member["data"]))
            members.append(member)
        actor = request.user if request.user.is_authenticated else None
        started = timezone.now()
        declarations = declaration_submit_for_family(
            declarer_phone=values["phone"],
            members=members,
            kind=values["kind"],
            data=_drop_none(dict(values.get("data") or {})),
            source=Declaration.Source.PAPER if actor is not None else Declaration.Source.ONLINE,
            actor=actor,
            nonce=idempotency_key_of(request),
        )
        # Name, phone and year of birth are no secret: a matched record's public id is not handed out.
        created = [declaration.person.created_at >= started for declaration in declarations]
        return _submission_answer(declarations, created)

    @extend_schema(
        operation_id="declarations_list",
        parameters=[DeclarationFilterSerializer],
        responses={
            200: inline_serializer(
                "DeclarationPage",
                fields={
                    "count": serializers.IntegerField(),
                    "next": serializers.URLField(allow_null=True),
                    "previous": serializers.URLField(allow_null=True),
                    "results": DeclarationOutputSerializer(many=True),
                },
            ),
            **ERRORS,
        },
        summary="One person's declarations (caller's area only; audited)",
    )
    def get(self, request):
        filters = self.DeclarationFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        person = Person.objects.filter(people_visible_q(request.user), pk=filters.validated_data["person"]).first()
        if person is None:
            raise ApplicationError(core_errors.NOT_FOUND)
        declarations = declaration_history(viewer=request.user, person=person, ip=client_ip(request))
        paginator = ApiPages()
        page = paginator.paginate_queryset(declarations, request, view=self)
        return paginator.get_paginated_response(DeclarationOutputSerializer(page, many=True).data)


class PortOfEntryListApi(APIView):
    """GET /api/v1/ports-of-entry/: the open ports of entry (airports, land border gates, sea ports)."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "public"

    class PortOfEntryOutputSerializer(serializers.Serializer):
        code = serializers.CharField()
        name = serializers.CharField(help_text="in the request's language")
        name_vi = serializers.CharField()
        name_en = serializers.CharField()
        kind = serializers.CharField()
        province = serializers.IntegerField(source="province_id", allow_null=True)

    @extend_schema(
        operation_id="ports_of_entry_list",
        responses={200: PortOfEntryOutputSerializer(many=True), 429: ERROR_RESPONSE},
        summary="Ports of entry (reference data officials edit)",
    )
    def get(self, request):
        ports = list(PortOfEntry.objects.filter(active=True).order_by("kind", "name_vi"))
        return Response(self.PortOfEntryOutputSerializer(ports, many=True).data)


class CountryListApi(APIView):
    """GET /api/v1/countries/: ISO 3166-1 countries, named in the request's language (and in vi and en)."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "public"

    class CountryOutputSerializer(serializers.Serializer):
        code = serializers.CharField(help_text="ISO 3166-1 alpha-2")
        name = serializers.CharField()
        name_vi = serializers.CharField()
        name_en = serializers.CharField()

    @extend_schema(
        operation_id="countries_list",
        responses={200: CountryOutputSerializer(many=True), 429: ERROR_RESPONSE},
        summary="Countries (ISO 3166-1) for nationality and countries visited",
    )
    def get(self, request):
        rows = [
            {"code": code, "name": name, "name_vi": country_name(code, "vi"), "name_en": country_name(code, "en")}
            for code, name in country_choices()
        ]
        response = Response(self.CountryOutputSerializer(rows, many=True).data)
        response["Cache-Control"] = "public, max-age=86400"
        return response


class DeclarationQuestionsApi(APIView):
    """GET /api/v1/declarations/questions/: the symptom, exposure and vehicle codes of each kind, in vi and en."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "public"

    @extend_schema(
        operation_id="declarations_questions",
        responses={200: OpenApiTypes.OBJECT, 429: ERROR_RESPONSE},
        summary="Codes of symptoms, exposures and vehicles by declaration kind",
    )
    def get(self, request):
        def items(values):
            return [{"code": item.code, "vi": item.vi, "en": item.en} for item in values]

        body = {
            kind: {
                "symptoms": items(questions.symptoms_for(kind).values()),
                "exposures": items(questions.exposures_for(kind).values()),
                "vehicles": items(questions.VEHICLES[code] for code in questions.vehicles_for(kind))
                if kind != Declaration.Kind.DOMESTIC
                else [],
            }
            for kind in Declaration.Kind.values
        }
        return Response(body)
