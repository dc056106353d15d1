"""API plumbing shared by every app: the error handler, Idempotency-Key support and shared fields."""

import datetime as dt
import functools
import hashlib
import json
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadedfile import UploadedFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import force_instance
from drf_spectacular.settings import spectacular_settings
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema_field, inline_serializer
from rest_framework import exceptions as drf
from rest_framework import serializers
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.response import Response

from . import errors
from .auth import CsrfFailed
from .clientip import client_ip
from .errors import ApplicationError
from .models import IdempotencyKey

logger = logging.getLogger(__name__)


@extend_schema_field(
    {
        "type": "string",
        "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]+)?)?$",
        "example": "07:30",
        "description": "Local time of day in Việt Nam (Asia/Ho_Chi_Minh), HH:MM or HH:MM:SS, without an offset.",
    }
)
class LocalTimeField(serializers.TimeField):
    """A time of day at a place (a session's opening hours). OpenAPI's `format: time` is RFC 3339's full-time,
    which requires an offset that these wall-clock times don't have, so the schema gives the pattern instead."""


class LocalDateTimeField(serializers.DateTimeField):
    """A time an answer shows that is kept as an ISO text (a JSON field: a trace's window covered, an unknown
    subscriber's first and last meeting): DRF hands such a text out as stored, in UTC (+00:00), where every other time
    of the API is in TIME_ZONE (+07:00). Read and shown in the current time zone like the others."""

    def to_representation(self, value):
        if isinstance(value, str) and value:
            value = dt.datetime.fromisoformat(value)
        return super().to_representation(value)


class StrictInput(serializers.Serializer):
    """An API write's input that refuses the fields it does not take: an unknown name, a typo or a read-only field of
    the answer (`{"status": "died"}` to a case's PATCH) is `invalid_input` naming it, not a 200 that ignored it.
    Base of every API write's input serializers, nested ones too, but the scanner devices' scan and batch and the
    switchboard's callback, lenient on purpose (docs/api.md; core/tests/test_write_contract.py lists them)."""

    default_error_messages = {"unknown_field": _("This field is not taken here: it is unknown or cannot be changed.")}

    def to_internal_value(self, data):
        unknown = sorted(set(data) - set(self.fields)) if isinstance(data, dict) else []
        refused = {name: [self.error_messages["unknown_field"]] for name in unknown}
        try:
            values = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if refused and isinstance(exc.detail, dict):
                raise serializers.ValidationError({**exc.detail, **refused}) from None
            raise
        if refused:
            raise serializers.ValidationError(refused)
        return values


_DRF_TO_CODE = [
    (CsrfFailed, errors.CSRF_FAILED),
    (drf.ParseError, errors.MALFORMED_JSON),
    (drf.UnsupportedMediaType, errors.UNSUPPORTED_MEDIA_TYPE),
    (drf.NotAuthenticated, errors.NOT_AUTHENTICATED),
    (drf.AuthenticationFailed, errors.NOT_AUTHENTICATED),
    (drf.PermissionDenied, errors.PERMISSION_DENIED),
    (drf.NotFound, errors.NOT_FOUND),
    (drf.MethodNotAllowed, errors.METHOD_NOT_ALLOWED),
    (drf.Throttled, errors.RATE_LIMITED),
]


def _field_errors(detail):
    """DRF's nested ErrorDetail structure as plain strings."""
    if isinstance(detail, dict):
        return {key: _field_errors(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_field_errors(value) for value in detail]
    return str(detail)


def as_application_error(exc) -> ApplicationError | None:
    if isinstance(exc, ApplicationError):
        return exc
    if isinstance(exc, Http404):
        return ApplicationError(errors.NOT_FOUND)
    if isinstance(exc, DjangoPermissionDenied):
        return ApplicationError(errors.PERMISSION_DENIED)
    if isinstance(exc, RequestDataTooBig):
        return ApplicationError(errors.REQUEST_TOO_LARGE)
    if isinstance(exc, drf.ValidationError):
        return ApplicationError(errors.INVALID_INPUT, extra={"fields": _field_errors(exc.detail)})
    for exc_class, code in _DRF_TO_CODE:
        if isinstance(exc, exc_class):
            extra = {"retry_after_seconds": exc.wait} if isinstance(exc, drf.Throttled) and exc.wait else {}
            if isinstance(exc, CsrfFailed):
                extra = {"reason": str(exc.detail)}  # Django's words: "CSRF token missing.", "Referer checking failed…"
            return ApplicationError(code, extra=extra)
    return None


def _unsupported_media_type(context) -> ApplicationError:
    """415, saying what the endpoint takes: `application/json` for most, multipart/form-data for a file upload
    (telecom and lab-sheet imports), which a JSON body was once told to send as JSON."""
    view = context.get("view")
    accepts = [parser.media_type for parser in view.get_parsers()] if view is not None else ["application/json"]
    if "multipart/form-data" in accepts and "application/json" not in accepts:
        vi, en = errors.UNSUPPORTED_MEDIA_TYPE_MULTIPART
        return ApplicationError(errors.UNSUPPORTED_MEDIA_TYPE, extra={"accepts": accepts}, vi=vi, en=en)
    return ApplicationError(errors.UNSUPPORTED_MEDIA_TYPE, extra={"accepts": accepts})


def exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER: every error leaves the API in one shape (core.errors)."""
    app_error = _unsupported_media_type(context) if isinstance(exc, drf.UnsupportedMediaType) else None
    app_error = app_error or as_application_error(exc)
    if app_error is None:
        return None  # let it propagate: a bug, logged and answered by the 500 handler
    response = Response(app_error.as_dict(), status=app_error.status)
    if isinstance(exc, drf.Throttled) and exc.wait:
        response["Retry-After"] = str(int(exc.wait) + 1)
    elif app_error.status == 429 and app_error.extra.get("retry_after_seconds"):
        # A cap counted by a service (people.selectors.person_identify) says when too, as docs/api.md promises.
        response["Retry-After"] = str(int(app_error.extra["retry_after_seconds"]))
    if isinstance(exc, drf.NotAuthenticated | drf.AuthenticationFailed):
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def _principal(request) -> str:
    user = getattr(request, "user", None)
    if user is not None and getattr(user, "is_device", False):
        return f"device:{user.pk}"
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    # Anonymous clients are told apart by address, so one client's key never replays another's answer.
    return f"anon:{client_ip(request) or ''}"[:100]


def idempotency_key_of(request) -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    if not (1 <= len(key) <= 255) or not key.isprintable():
        raise ApplicationError(errors.IDEMPOTENCY_KEY_INVALID)
    return key


def _request_hash(request) -> str:
    """What a repeat must match: the method, the path and the body. A multipart upload's raw body holds the boundary,
    which a client draws anew for each request (curl, browsers, `requests`): hashed raw, the same file sent again
    with its key was 422 `idempotency_key_reused`. So an upload is hashed by its parsed parts instead: every field's
    name and value, and every file's name, size and content (SHA-256), in order."""
    digest = hashlib.sha256(request.method.encode() + b" " + request.path.encode() + b"\n")
    multipart = request.META.get("CONTENT_TYPE", "").lower().startswith("multipart/form-data")
    if not (multipart and any(parser.media_type == "multipart/form-data" for parser in request.parsers)):
        # Not an upload (an endpoint that takes no multipart answers its own 415 later, as before).
        digest.update(request.body)
        return digest.hexdigest()
    parts = []
    for name, values in sorted(request.data.lists()):
        for value in values:
            if isinstance(value, UploadedFile):
                content = hashlib.sha256()
                for chunk in value.chunks():
                    content.update(chunk)
                value.seek(0)  # the view reads it from the start
                parts.append([name, "file", value.name, value.size, content.hexdigest()])
            else:
                parts.append([name, "field", str(value)])
    digest.update(json.dumps(parts).encode())
    return digest.hexdigest()


def idempotent(view_method=None, *, stored=None, replayed=None):
    """Make a DRF write handler honour the `Idempotency-Key` header.

    The first successful answer is stored in the same transaction as the write. A repeat with the
    same key and the same body gets that stored answer and writes nothing; the same key with a
    different body gets 422 `idempotency_key_reused`. Failed requests store nothing, so a client
    may correct and retry with the same key.

    For an answer holding personal data, `@idempotent(stored=, replayed=)` keeps a marker instead of the
    answer: `stored(response) -> JSON` (the ids of what the write made) and `replayed(view, request, marker,
    *args, **kwargs) -> Response`, which reads the answer again, checking and auditing that read as the first
    answer did. The store would otherwise hand the data out unaudited, and keep it IDEMPOTENCY_KEEP_HOURS
    whatever the data's own retention (telecom's trace: its unknown subscribers' numbers).
    """
    if view_method is None:
        return functools.partial(idempotent, stored=stored, replayed=replayed)
    if (stored is None) != (replayed is None):
        raise TypeError("idempotent: give both stored= and replayed=, or neither")

    @functools.wraps(view_method)
    def wrapper(self, request, *args, **kwargs):
        key = idempotency_key_of(request)
        if key is None:
            return view_method(self, request, *args, **kwargs)
        principal = _principal(request)
        request_hash = _request_hash(request)

        def replay(existing: IdempotencyKey):
            if existing.request_hash != request_hash:
                raise ApplicationError(errors.IDEMPOTENCY_KEY_REUSED)
            if replayed is not None:
                response = replayed(self, request, existing.response_body, *args, **kwargs)
            else:
                response = Response(existing.response_body, status=existing.status_code)
            response["Idempotent-Replayed"] = "true"
            return response

        existing = IdempotencyKey.objects.filter(principal=principal, key=key).first()
        if existing is not None:
            return replay(existing)
        try:
            with transaction.atomic():
                response = view_method(self, request, *args, **kwargs)
                if response.status_code < 300:
                    IdempotencyKey.objects.create(
                        principal=principal,
                        key=key,
                        method=request.method,
                        path=request.path[:255],
                        request_hash=request_hash,
                        status_code=response.status_code,
                        response_body=json.loads(
                            json.dumps(response.data if stored is None else stored(response), cls=DjangoJSONEncoder)
                        ),
                    )
        except IntegrityError:
            # A concurrent request with the same key committed first: answer as it did.
            existing = IdempotencyKey.objects.filter(principal=principal, key=key).first()
            if existing is None:
                raise
            return replay(existing)
        return response

    wrapper.honours_idempotency_key = True  # read by ApiSchema: the header is declared where it is honoured
    return wrapper


def read_again(read, *, id_of=None) -> dict:
    """`@idempotent(**read_again(read))`, for an answer that shows one record of a person: the store keeps the
    record's id (`id_of(answer)`, by default its `id`) and the answer's status, and a repeat answers
    `read(request, pk, *args, **kwargs)` (the record read again, as the first answer showed it, through the selector
    that checks the caller's area or ownership and audits the read) with that status. A caller who may no longer
    see it gets the selector's error, not the stored data (docs/api.md)."""
    id_of = id_of or (lambda answer: answer["id"])

    def stored(response) -> dict:
        return {"id": id_of(response.data), "status": response.status_code}

    def replayed(view, request, marker: dict, *args, **kwargs) -> Response:
        return Response(read(request, marker["id"], *args, **kwargs), status=marker["status"])

    return {"stored": stored, "replayed": replayed}


def idempotency_keys_prune(*, now: dt.datetime | None = None) -> int:
    """Forget the keys older than IDEMPOTENCY_KEEP_HOURS: API writes' keys and page forms' nonces alike. A repeat
    after that is a new request. Returns how many went."""
    now = now or timezone.now()
    count, _ = IdempotencyKey.objects.filter(
        created_at__lt=now - dt.timedelta(hours=settings.IDEMPOTENCY_KEEP_HOURS)
    ).delete()
    return count


class JsonOnlyNegotiation(DefaultContentNegotiation):
    """For hot endpoints that only ever answer JSON: skips DRF's Accept-header matching (a tenth of a scan).
    Parsers are still chosen by Content-Type, so a wrong one is still 415."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class ErrorOutput(serializers.Serializer):
    """The one error shape (core.errors), for the OpenAPI schema. Codes: docs/api.md."""

    code = serializers.CharField()
    message = serializers.CharField()
    message_vi = serializers.CharField()
    message_en = serializers.CharField()
    extra = serializers.DictField()


ERROR_RESPONSE = OpenApiResponse(ErrorOutput, description="The error shape of docs/api.md")


# The header of an `@idempotent` write, for its `parameters=`.
IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="A repeat with the same key writes nothing and gets the first answer; the same key with another "
    "request answers 422 (idempotency_key_reused).",
)


class ApiSchema(AutoSchema):
    """DEFAULT_SCHEMA_CLASS: every write wrapped by `@idempotent` declares the `Idempotency-Key` header, once here
    rather than in each endpoint's `parameters=` (several writes honoured it without saying so). Endpoints that handle
    the key themselves (a check-in's nonce) declare it in their own words. A request body of a `StrictInput`, nested
    ones too, says `additionalProperties: false`, as a client generator or validator cannot know otherwise that an
    extra field is refused; a response does not (an answer may grow fields), nor do the lenient inputs."""

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        # Only with split request components (SPECTACULAR_SETTINGS): unsplit, one component serves both directions.
        split = spectacular_settings.COMPONENT_SPLIT_REQUEST
        if direction == "request" and split and isinstance(force_instance(serializer), StrictInput):
            schema["additionalProperties"] = False
        return schema

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        handler = getattr(self.view, self.method.lower(), None)
        declared = any(
            getattr(parameter, "name", None) == "Idempotency-Key" for parameter in parameters if parameter is not None
        )
        if getattr(handler, "honours_idempotency_key", False) and not declared:
            parameters.append(IDEMPOTENCY_HEADER)
        return parameters


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """`responses=` entries for the error statuses an endpoint can answer."""
    return {status: ERROR_RESPONSE for status in statuses}


def api_page(name: str, rows: serializers.Serializer):
    """The documented shape of a list answered a page at a time (core.pagination.ApiPages): `rows` is the
    item serializer with many=True."""
    return inline_serializer(
        name,
        fields={
            "count": serializers.IntegerField(help_text="Rows that match, on every page"),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": rows,
        },
    )


PAGE_PARAMETERS = [
    OpenApiParameter("limit", int, required=False, description="Rows a page: 50 by default, at most 1,000"),
    OpenApiParameter("offset", int, required=False),
]


def schema_postprocess(result, generator, request, public):
    """drf-spectacular POSTPROCESSING_HOOKS: what every operation shares, said once. A page's `limit` and `offset`
    carry their bounds (core.pagination.ApiPages), and an operation that takes any parameter or body documents
    400 (`invalid_input`; `nul_character` for a NUL byte anywhere, core.middleware). Schemathesis found both
    missing: a generated `limit=-209224587` was "valid" by the schema and answered 400 (core/tests/test_api_fuzz.py)."""
    bounds = {"limit": {"minimum": 0}, "offset": {"minimum": 0, "maximum": 2**63 - 1 - 1000}}
    error = {
        "description": "The error shape of docs/api.md",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOutput"}}},
    }
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            parameters = operation.get("parameters", [])
            for parameter in parameters:
                if parameter.get("in") == "query" and parameter["name"] in bounds:
                    parameter["schema"].update(bounds[parameter["name"]])
            if (parameters or "requestBody" in operation) and "400" not in operation["responses"]:
                operation["responses"]["400"] = error
    return result
