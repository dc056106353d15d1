"""REST API of certificates: the public verifier and revocation list, and the officials' list/detail/revoke."""

import datetime as dt

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from phongdich.accounts.permissions import SeesPeople
from phongdich.core.api import PAGE_PARAMETERS, StrictInput, api_page, error_responses, idempotent, read_again
from phongdich.core.audit import client_ip
from phongdich.core.errors import ApplicationError
from phongdich.core.ids import id_or_404
from phongdich.core.pagination import ApiPages
from phongdich.core.throttling import ScopedRateThrottle

from . import errors, selectors, services
from .models import Certificate

# A refusal before the COSE message could be read means the text is not an EU DCC at all: the request is
# wrong (4xx). Any later refusal is the verifier's answer about a certificate (200, valid false).
MALFORMED_REASONS = ("empty_input", "bad_prefix", "bad_base45", "bad_zlib", "bad_cbor", "bad_cose")


def certificate_summary(payload: dict | None) -> dict | None:
    """What a checker needs to compare with an ID card: the names, the date of birth, the type and its key
    fields. Taken from the certificate itself (nothing is looked up in the database)."""
    if not payload:
        return None
    name = payload.get("nam") or {}
    kind = next((k for k in ("v", "t", "r") if payload.get(k)), None)
    entry = payload[kind][0] if kind and isinstance(payload[kind], list) and payload[kind] else {}
    keep = {
        "v": ("mp", "dn", "sd", "dt", "co", "is", "ci"),
        "t": ("tt", "sc", "tr", "co", "is", "ci"),
        "r": ("fr", "df", "du", "co", "is", "ci"),
    }
    return {
        "family_name": name.get("fn") or name.get("fnt") or "",
        "given_name": name.get("gn") or name.get("gnt") or "",
        "date_of_birth": payload.get("dob", ""),
        "type": kind,
        "entry": {key: entry.get(key) for key in keep.get(kind, ()) if isinstance(entry, dict) and key in entry},
    }


class VerifyInput(StrictInput):
    qr = serializers.CharField(trim_whitespace=True, allow_blank=False, max_length=100_000)
    at = serializers.DateTimeField(required=False, help_text="Verify as of this time (ISO 8601); default now")


class VerifyOutput(serializers.Serializer):
    valid = serializers.BooleanField()
    reason = serializers.CharField(help_text="Stable code: docs/certificates.md, verifier reasons")
    reason_vi = serializers.CharField()
    reason_en = serializers.CharField()
    detail = serializers.CharField()
    alg = serializers.CharField(allow_null=True)
    kid = serializers.CharField(allow_null=True, help_text="hex")
    issuer_country = serializers.CharField(allow_null=True)
    issued_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True)
    schema_errors = serializers.ListField(child=serializers.CharField())
    certificate = inline_serializer(
        "DccSummary",
        fields={
            "family_name": serializers.CharField(),
            "given_name": serializers.CharField(),
            "date_of_birth": serializers.CharField(),
            "type": serializers.CharField(allow_null=True),
            "entry": serializers.DictField(),
        },
        allow_null=True,
        help_text="Only when the signature verified",
    )


def verify_answer(outcome) -> dict:
    return {
        "valid": outcome.valid,
        "reason": outcome.reason,
        "reason_vi": outcome.reason_vi,
        "reason_en": outcome.reason_en,
        "detail": outcome.detail,
        "alg": outcome.alg,
        "kid": outcome.kid.hex() if outcome.kid else None,
        "issuer_country": outcome.issuer,
        "issued_at": outcome.issued_at,
        "expires_at": outcome.expires_at,
        "schema_errors": outcome.schema_errors,
        "certificate": certificate_summary(outcome.payload) if outcome.signature_verified else None,
    }


def verify_or_raise(qr: str, at: dt.datetime | None = None):
    """The local verifier, with malformed input turned into 4xx errors (shared by the API and the page)."""
    if len(qr) > settings.DCC_MAX_QR_CHARS:
        raise ApplicationError(errors.DCC_INPUT_TOO_LARGE, extra={"max_chars": settings.DCC_MAX_QR_CHARS})
    outcome = services.dcc_verify_local(qr, at=at)
    if outcome.reason in MALFORMED_REASONS:
        raise ApplicationError(
            errors.DCC_MALFORMED,
            extra={
                "valid": False,
                "reason": outcome.reason,
                "reason_vi": outcome.reason_vi,
                "reason_en": outcome.reason_en,
                "detail": outcome.detail,
            },
        )
    return outcome


class DccVerifyApi(APIView):
    """Verify any EU DCC QR text against the province's trust list. Public and rate-limited."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "dcc_verify"

    @extend_schema(
        operation_id="certificates_verify",
        summary="Verify an EU DCC QR text (public)",
        description=(
            "Checks the HC1: text (base45, zlib, COSE_Sign1 ES256/PS256, CWT) against the province's trust list, "
            "at `at` (default now). A certificate that can be read gets 200 with `valid` and a stable `reason` "
            "(ok, unsupported_algorithm, unknown_key, bad_signature, expired, not_yet_valid, "
            "wrong_certificate_type, revoked, schema_error); the names and date of birth printed in it come "
            "back only when its signature verified. Text that is not a readable DCC: 400 `dcc_malformed` (the "
            "reason in `extra`); longer than DCC_MAX_QR_CHARS: 413 `dcc_input_too_large`. Nothing is stored."
        ),
        request=VerifyInput,
        responses={200: VerifyOutput, **error_responses(400, 413, 415, 429)},
        tags=["certificates"],
    )
    def post(self, request):
        raw = request.data.get("qr") if isinstance(request.data, dict) else None
        if isinstance(raw, str) and len(raw) > settings.DCC_MAX_QR_CHARS:
            raise ApplicationError(errors.DCC_INPUT_TOO_LARGE, extra={"max_chars": settings.DCC_MAX_QR_CHARS})
        data = VerifyInput(data=request.data)
        data.is_valid(raise_exception=True)
        outcome = verify_or_raise(data.validated_data["qr"], data.validated_data.get("at"))
        return Response(VerifyOutput(verify_answer(outcome)).data)


class RevocationListApi(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "public"

    @extend_schema(
        operation_id="certificates_revocation_list",
        summary="Revoked certificates of this issuer: SHA-256 of each UVCI (public)",
        description=(
            "Each entry is the SHA-256 (hex) of a revoked certificate's UVCI (`ci`), the UCI hash type of the EU "
            "DCC revocation lists; the EU gateway carries its first 128 bits (`uci_sha256[:32]`). No names."
        ),
        responses={
            200: inline_serializer(
                "DccRevocationList",
                fields={
                    "issuer": serializers.CharField(),
                    "country": serializers.CharField(),
                    "hash_type": serializers.CharField(),
                    "kids": serializers.ListField(child=serializers.CharField()),
                    "entries": inline_serializer(
                        "DccRevocationEntry",
                        fields={"uci_sha256": serializers.CharField(), "revoked_at": serializers.DateTimeField()},
                        many=True,
                    ),
                },
            ),
            **error_responses(429),
        },
        tags=["certificates"],
    )
    def get(self, request):
        from . import keys

        return Response(
            {
                "issuer": settings.DCC_ISSUER,
                "country": settings.DCC_ISSUER_COUNTRY,
                "hash_type": "UCI",
                "kids": sorted(kid.hex() for kid in keys.own_kids()),
                "entries": selectors.revoked_uci_hashes(),
            }
        )


class CertificateOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    uvci = serializers.CharField()
    source_key = serializers.CharField()
    person_initials = serializers.CharField(source="person.initials")
    issued_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    valid_from = serializers.DateTimeField(
        allow_null=True, help_text="A recovery certificate counts from then (its df); null: from issue"
    )
    revoked_at = serializers.DateTimeField(allow_null=True)
    revoked_reason = serializers.CharField()
    is_current = serializers.BooleanField()


class CertificateDetailOutput(CertificateOutput):
    payload = serializers.JSONField()
    qr_text = serializers.CharField()


class CertificateListApi(APIView):
    permission_classes = [SeesPeople]

    @extend_schema(
        operation_id="certificates_list",
        summary="Certificates of your area, newest first",
        parameters=[
            *PAGE_PARAMETERS,
            OpenApiParameter("kind", str, required=False, enum=["v", "t", "r"]),
            OpenApiParameter("status", str, required=False, enum=list(selectors.STATUSES)),
        ],
        responses={200: api_page("CertificatePage", CertificateOutput(many=True)), **error_responses(400, 401, 403)},
        tags=["certificates"],
    )
    def get(self, request):
        params = request.query_params
        kind, status = params.get("kind", ""), params.get("status", "")
        allowed = {"kind": ("", *Certificate.Kind.values), "status": ("", *selectors.STATUSES)}
        refused = {name: value for name, value in (("kind", kind), ("status", status)) if value not in allowed[name]}
        if refused:  # a filter not applied must not answer as if it were: every certificate of the area
            raise ApplicationError(errors.CERTIFICATES_INVALID_FILTER, extra={"fields": sorted(refused), **refused})
        rows = selectors.certificate_list(viewer=request.user, kind=kind, status=status)
        paginator = ApiPages()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(CertificateOutput(page, many=True).data)


class CertificateDetailApi(APIView):
    permission_classes = [SeesPeople]

    @extend_schema(
        operation_id="certificates_retrieve",
        summary="One certificate of your area (audited read)",
        responses={200: CertificateDetailOutput, **error_responses(401, 403, 404)},
        tags=["certificates"],
    )
    def get(self, request, certificate_id: int):
        certificate = selectors.certificate_get(
            viewer=request.user, certificate_id=id_or_404(certificate_id), ip=client_ip(request)
        )
        return Response(CertificateDetailOutput(certificate).data)


class RevokeInput(StrictInput):
    reason = serializers.CharField(max_length=255, allow_blank=True)


def _certificate_again(request, pk, certificate_id: int) -> dict:
    """A revocation repeated with its Idempotency-Key (core.api.read_again): the certificate read again, audited, within
    the official's area (404 once outside it), not its person's initials kept in the store."""
    return CertificateOutput(
        selectors.certificate_get(viewer=request.user, certificate_id=pk, ip=client_ip(request))
    ).data


class CertificateRevokeApi(APIView):
    permission_classes = [SeesPeople]

    @extend_schema(
        operation_id="certificates_revoke",
        summary="Revoke a certificate of your area",
        request=RevokeInput,
        responses={200: CertificateOutput, **error_responses(400, 401, 403, 404, 409, 422)},
        tags=["certificates"],
    )
    @idempotent(**read_again(_certificate_again))
    def post(self, request, certificate_id: int):
        data = RevokeInput(data=request.data)
        data.is_valid(raise_exception=True)
        certificate = selectors.certificate_get(
            viewer=request.user, certificate_id=id_or_404(certificate_id), ip=client_ip(request)
        )
        certificate = services.certificate_revoke(
            actor=request.user, certificate=certificate, reason=data.validated_data["reason"], ip=client_ip(request)
        )
        return Response(CertificateOutput(certificate).data)
