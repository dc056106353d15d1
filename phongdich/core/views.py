from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render

from . import errors
from .errors import ApplicationError


def healthz(request):
    """Liveness and database check for load balancers and the demo script."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


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


def citizens(request):
    """The citizens' entry page: every public service in one place (seed 003 lists what citizens must be able to do)."""
    return render(request, "core/citizens.html")
