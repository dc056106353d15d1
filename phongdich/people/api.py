"""People API for officials (roles that see people), scoped and audited through the selectors."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from phongdich.accounts.permissions import SeesPeople
from phongdich.core.api import ERROR_RESPONSE, api_page, error_responses
from phongdich.core.audit import client_ip
from phongdich.core.pagination import ApiPages
from phongdich.core.throttling import ScopedRateThrottle

from .personal_qr import personal_qr_public_keys
from .selectors import person_get, person_list

ERRORS = error_responses(400, 401, 403, 404, 429)


class PersonAreaSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    path = serializers.CharField()


class PersonListApi(APIView):
    """GET /api/v1/people/?q=: people in the caller's area; q searches name (no diacritics), phone, ID numbers."""

    permission_classes = [SeesPeople]

    class PersonListFilterSerializer(serializers.Serializer):
        q = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")

    class PersonListOutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        full_name = serializers.CharField()
        birth_year = serializers.IntegerField(allow_null=True)
        gender = serializers.CharField()
        phone = serializers.CharField()
        address_area = PersonAreaSerializer(allow_null=True)

    @extend_schema(
        operation_id="people_list",
        parameters=[PersonListFilterSerializer],
        responses={
            200: api_page("PersonPage", PersonListOutputSerializer(many=True)),
            **ERRORS,
        },
        summary="People in the caller's area (search is audited)",
    )
    def get(self, request):
        filters = self.PersonListFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        people = person_list(viewer=request.user, q=filters.validated_data["q"], ip=client_ip(request))
        paginator = ApiPages()
        page = paginator.paginate_queryset(people, request, view=self)
        return paginator.get_paginated_response(self.PersonListOutputSerializer(page, many=True).data)


class PersonDetailApi(APIView):
    """GET /api/v1/people/<id>/?reason=…: one record, with the purpose of access (required, audited)."""

    permission_classes = [SeesPeople]

    class PersonDetailFilterSerializer(serializers.Serializer):
        reason = serializers.CharField(required=False, allow_blank=True, max_length=255, default="")

    class PersonDetailOutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        full_name = serializers.CharField()
        birth_date = serializers.DateField(allow_null=True)
        birth_year = serializers.IntegerField(allow_null=True)
        gender = serializers.CharField()
        citizen_id = serializers.CharField()
        old_id_number = serializers.CharField()
        passport_number = serializers.CharField()
        phone = serializers.CharField()
        nationality = serializers.CharField()
        address_area = PersonAreaSerializer(allow_null=True)
        address_street = serializers.CharField()
        area_path = serializers.CharField()
        created_via = serializers.CharField()
        created_at = serializers.DateTimeField()
        updated_at = serializers.DateTimeField()

    @extend_schema(
        operation_id="people_retrieve",
        parameters=[PersonDetailFilterSerializer],
        responses={200: PersonDetailOutputSerializer, **ERRORS},
        summary="One person's record; the reason (purpose of access) is required and audited",
    )
    def get(self, request, person_id: int):
        filters = self.PersonDetailFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        person = person_get(
            viewer=request.user, person_id=person_id, reason=filters.validated_data["reason"], ip=client_ip(request)
        )
        return Response(self.PersonDetailOutputSerializer(person).data)


class PersonalQrKeysApi(APIView):
    """GET /api/v1/keys/personal-qr/: the public keys (JWK Set) that verify personal QR codes offline."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "public"

    class PersonalQrKeysOutputSerializer(serializers.Serializer):
        keys = serializers.ListField(child=serializers.DictField())

    @extend_schema(
        operation_id="personal_qr_keys",
        responses={200: PersonalQrKeysOutputSerializer, 429: ERROR_RESPONSE},
        summary="Public keys (JWK Set) that verify personal QR codes offline",
    )
    def get(self, request):
        response = Response(self.PersonalQrKeysOutputSerializer({"keys": personal_qr_public_keys()}).data)
        response["Cache-Control"] = "public, max-age=3600"
        return response


class EntryWarningSerializer(serializers.Serializer):
    """A warning beside a created answer, in the error shape: `person_identity_differs` (docs/people.md)."""

    code = serializers.CharField()
    message = serializers.CharField()
    extra = serializers.DictField()


def entry_warnings(person) -> list[dict]:
    """The warnings of an official's entry (people.services.person_for_staff_entry) for an API answer's `warnings`."""
    warning = getattr(person, "identity_differs", None)
    if warning is None:
        return []
    shown = warning.as_dict()
    return [{"code": shown["code"], "message": shown["message"], "extra": shown["extra"]}]


def entry_warned(warnings: list[dict]) -> str | None:
    """What an idempotency marker keeps of entry_warnings: the number's field when there was a warning, no one's
    data (entry_warnings_again rebuilds it)."""
    return warnings[0]["extra"]["field"] if warnings else None


def entry_warnings_again(person, warned: str | None) -> list[dict]:
    """The warnings of a replayed answer, rebuilt from the record (which the entry did not change)."""
    from .services import person_identity_warning

    if not warned:
        return []
    person.identity_differs = person_identity_warning(person=person, field=warned)
    return entry_warnings(person)
