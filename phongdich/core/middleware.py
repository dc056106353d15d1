import logging

from django.conf import settings
from django.http import HttpResponseRedirect, JsonResponse
from django.urls import Resolver404, resolve

from . import audit, errors
from .errors import ApplicationError

logger = logging.getLogger(__name__)


def _has_nul(request) -> bool:
    """A NUL byte in the path, the query or a form field. Nobody types one, and PostgreSQL refuses it in any text
    value: a search or filter that passed it on to a query was a 500 (`/api/v1/exposures/?q=%00`, found by
    schemathesis, core/tests/test_api_fuzz.py). The API's JSON bodies are checked by their serializers' fields."""
    query = request.META.get("QUERY_STRING", "")
    if "\x00" in request.path or "%00" in query or "\x00" in query:
        return True
    if request.method == "POST" and not request.path.startswith("/api/") and _form_read_here(request):
        # Form posts (CsrfViewMiddleware parses them anyway); an API body is JSON, read by its serializer.
        return any("\x00" in value for values in request.POST.lists() for value in values[1])
    return False


def _form_read_here(request) -> bool:
    """Whether the form is read here: a form post (any case of its content type: Django lower-cases it, and a
    capitalised one went round the check) to a page that exists, unless its view checks the body's size before
    reading it (`checks_size_first`, the telecom upload, which answers 413 unparsed: parsed here, the upload was
    written to disk first). A path that is no page answers 404 without the body being read."""
    if request.content_type not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return False
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    return not getattr(match.func, "checks_size_first", False)


def checks_size_first(view):
    """Mark a view that refuses an oversize upload before reading the body (the NUL check then leaves the form to
    it: its form fields refuse NUL as any field does)."""
    view.checks_size_first = True
    return view


def request_bytes_limit(request) -> int:
    """The largest body this request may send: MAX_REQUEST_BYTES, or more for an API view that takes files and says
    how much (`max_request_bytes()` on its class: the telecom upload, whose operator files run to tens of MB and
    were refused at 1 MB by the API while the page took them). A path that is no view gets the default."""
    try:
        view_class = getattr(resolve(request.path_info).func, "cls", None)
    except Resolver404:
        view_class = None
    larger = getattr(view_class, "max_request_bytes", None)
    return max(settings.MAX_REQUEST_BYTES, larger()) if larger else settings.MAX_REQUEST_BYTES


def request_too_large(limit: int) -> ApplicationError:
    """413 naming the limit, so that the sender knows what would pass (it said only "too large")."""
    size = f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{limit // 1024} KB"
    return ApplicationError(
        errors.REQUEST_TOO_LARGE,
        extra={"max_bytes": limit},
        vi=f"Dữ liệu gửi lên quá lớn: tối đa {size}.",
        en=f"The request body is too large: at most {size}.",
    )


class RequestLimitsMiddleware:
    """Refuse oversize API bodies before anything reads them, and NUL bytes anywhere (`nul_character`, 400);
    keep API failures in the error shape.

    A bug must still answer JSON on /api/ (and be logged), never Django's HTML page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _has_nul(request):
            from .views import _error_page

            return _error_page(request, errors.NUL_CHARACTER, 400)
        if request.path.startswith("/api/"):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                return JsonResponse(ApplicationError(errors.INVALID_INPUT).as_dict(), status=400)
            limit = request_bytes_limit(request)
            if length > limit:
                return JsonResponse(request_too_large(limit).as_dict(), status=413)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not request.path.startswith("/api/"):
            return None
        from .api import as_application_error

        app_error = as_application_error(exception)
        if app_error is not None:
            return JsonResponse(app_error.as_dict(), status=app_error.status)
        logger.exception("unhandled error on %s", request.path)
        return JsonResponse(ApplicationError(errors.SERVER_ERROR).as_dict(), status=500)


class AdminLookupLimitsMiddleware:
    """Django's admin turns a filter it cannot apply into `?e=1` (IncorrectLookupParameters), but not a date past
    the calendar: `?created_at__gte=0001-01-01` (before year 1 in UTC) or `?day__year=99999` raised OverflowError /
    ValueError in the query, a 500 on every change list (fuzzing, 2026-12-06). Here they get the admin's own answer.
    Only GETs of change lists with a query string: anything else is a bug to see."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        match = getattr(request, "resolver_match", None)
        if (
            isinstance(exception, OverflowError | ValueError)
            and request.method == "GET"
            and request.GET
            and match is not None
            and match.namespace == "admin"
            and (match.url_name or "").endswith("_changelist")
        ):
            logger.info("admin change list filter out of range: %s", request.get_full_path()[:300])
            return HttpResponseRedirect(f"{request.path}?e=1")
        return None


class ApiLanguageMiddleware:
    """The API answers in the language the client asks for (Accept-Language, or the site's language cookie),
    Vietnamese by default. Django's LocaleMiddleware gives every path outside i18n_patterns the default language
    when that language has no prefix (prefix_default_language=False), so without this /api/ spoke Vietnamese to an
    English client, and DRF's field messages came in that language too (review of 2026-12-07). Placed after
    LocaleMiddleware, whose response step then names the language chosen here (Content-Language)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/"):
            from django.utils import translation

            language = translation.get_language_from_request(request, check_path=False)
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)


class AuditReadsKeptMiddleware:
    """Every read audited during a request stays in the audit log, even when a transaction that held it was rolled
    back (core.audit.reads_restore): whatever the answer's status, since a page that catches a refusal may answer
    200 with the form again. One query by primary key, only when the request audited a read."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        reads, token = audit.reads_collect()
        try:
            response = self.get_response(request)
            audit.reads_restore(reads)
        finally:
            audit.reads_collect_end(token)
        return response
