import datetime as dt
import functools
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.db import connection
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone, translation
from django.views import i18n
from django.views.decorators.http import require_GET
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularRedocView

from . import errors
from .audit import audit_record, client_ip
from .errors import ApplicationError
from .exports import XLSX_CONTENT_TYPE, export_allowed, export_file, exports_allowed
from .models import ExportJob


def healthz(request):
    """Liveness and database check for load balancers and the demo script."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def favicon(request):
    """/favicon.ico: the site's icon (a static SVG; the pages link it, this is for those who ask the old way)."""
    return redirect(static("core/favicon.svg"))


def _error_page(request, error: errors.ErrorCode, status: int):
    if request.path.startswith("/api/"):
        return JsonResponse(ApplicationError(error).as_dict(), status=status)
    return render(request, "core/error.html", {"error": ApplicationError(error).as_dict()}, status=status)


def bad_request(request, exception=None):
    return _error_page(request, errors.INVALID_INPUT, 400)


def permission_denied(request, exception=None):
    return _error_page(request, errors.PERMISSION_DENIED, 403)


def page_not_found(request, exception=None):
    return _error_page(request, errors.NOT_FOUND, 404)


def server_error(request):
    return _error_page(request, errors.SERVER_ERROR, 500)


def set_language(request):
    """Django's language switch, reading the page it returns to in that page's own language. Django resolves `next`
    in the language of /i18n/setlang/ itself, which has no prefix and so is Vietnamese: /en/... did not resolve, and
    "VI" on an English page set the cookie but left the address, and the page, in English."""
    next_url = request.POST.get("next", request.GET.get("next")) or ""
    language = translation.get_language_from_path(urlsplit(next_url).path) or settings.LANGUAGE_CODE
    with translation.override(language):
        return i18n.set_language(request)


def citizens(request):
    """The citizens' entry page: every public service in one place (seed 003 lists what citizens must be able to do)."""
    return render(request, "core/citizens.html")


EXPORT_QUEUED_TOO_LONG = dt.timedelta(minutes=2)


def _own_export(request, job_id: int) -> ExportJob:
    """The requester's own export, while they may still read what it holds (the role and area it was built for:
    exports.export_allowed); anyone else's, or one they no longer may, is not found (404, page_not_found)."""
    job = ExportJob.objects.filter(pk=job_id, requested_by=request.user).first()
    if job is None or not export_allowed(request.user, job):
        raise Http404
    return job


@login_required
@require_GET
def export_list(request):
    """/exports/: the official's own exports still kept (EXPORT_KEEP_HOURS) that they may still open, newest first."""
    jobs = exports_allowed(
        request.user, ExportJob.objects.filter(requested_by=request.user).order_by("-created_at", "-id")[:100]
    )
    return render(request, "core/exports.html", {"jobs": jobs, "keep_hours": settings.EXPORT_KEEP_HOURS})


@login_required
@require_GET
def export_detail(request, job_id: int):
    """/exports/<id>/: an export's progress, then its file; the page reloads itself until the file is written."""
    job = _own_export(request, job_id)
    finished = job.status in (ExportJob.Status.DONE, ExportJob.Status.FAILED)
    percent = int(100 * job.rows_done / job.rows_total) if job.rows_total else (100 if finished else 0)
    # Still queued after a while: the task workers are down or busy; say so rather than spin in silence.
    waiting = job.status == ExportJob.Status.QUEUED and timezone.now() - job.created_at > EXPORT_QUEUED_TOO_LONG
    context = {
        "job": job,
        "finished": finished,
        "percent": percent,
        "available": export_file(job) is not None,
        "keep_hours": settings.EXPORT_KEEP_HOURS,
        "waiting": waiting,
    }
    return render(request, "core/export.html", context)


@login_required
@require_GET
def export_download(request, job_id: int):
    """The export's file, for its requester; each download is audited."""
    job = _own_export(request, job_id)
    path = export_file(job)
    if path is None:  # not written yet, failed, or pruned after EXPORT_KEEP_HOURS
        raise Http404
    audit_record(
        actor=request.user,
        action="core.export.downloaded",
        obj=job,
        ip=client_ip(request),
        extra={"kind": job.kind, "rows": job.rows_done},
    )
    return FileResponse(path.open("rb"), as_attachment=True, filename=job.filename, content_type=XLSX_CONTENT_TYPE)


class ApiDocsView(SpectacularRedocView):
    """/api/docs/: Redoc, working with no network (the README says so; a district office may have none). Everything it
    loads is served here (core/api_docs.html); the policy below stops what Redoc's script still asks of the
    Internet, its "Redocly" logo from cdn.redoc.ly, is served from here too (redoc_script), and the policy below makes
    sure nothing else leaves the browser."""

    template_name = "core/api_docs.html"

    @staticmethod
    def _redoc_standalone():
        return reverse("api-docs-redoc")

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        response["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self' data:; font-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            "script-src 'self' 'unsafe-inline'; worker-src 'self' blob:; connect-src 'self'"
        )
        return response


_REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


@functools.cache
def _redoc_script() -> bytes:
    """drf-spectacular-sidecar's Redoc with its one Internet address, the logo beside "API docs by Redocly", pointed at
    a local image. Read once a process; the sidecar's file itself is left as installed."""
    with open(finders.find("drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"), "rb") as bundle:
        script = bundle.read()
    return script.replace(_REDOC_LOGO.encode(), static("core/redoc-logo.svg").encode())


@require_GET
def redoc_script(request):
    """/api/docs/redoc.js: the docs page's script (ApiDocsView)."""
    response = HttpResponse(_redoc_script(), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=86400"
    return response
