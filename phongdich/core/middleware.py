import logging

from django.conf import settings
from django.http import JsonResponse

from . import errors
from .errors import ApplicationError

logger = logging.getLogger(__name__)


class RequestLimitsMiddleware:
    """Refuse oversize API bodies before anything reads them, and keep API failures in the error shape.

    A bug must still answer JSON on /api/ (and be logged), never Django's HTML page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/"):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                return JsonResponse(ApplicationError(errors.INVALID_INPUT).as_dict(), status=400)
            if length > settings.MAX_REQUEST_BYTES:
                return JsonResponse(ApplicationError(errors.REQUEST_TOO_LARGE).as_dict(), status=413)
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
