"""The API's session authentication (core.api keeps the rest of the API plumbing: DRF reads this class from its
settings while core.api is still being imported)."""

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions as drf
from rest_framework.authentication import SessionAuthentication


class CsrfFailed(drf.PermissionDenied):
    """A session request without a valid CSRF token or Referer: its own code (csrf_failed), not "You may not do
    this.", which sent integrators looking for a missing role."""


class ApiSessionAuthentication(SessionAuthentication):
    """DRF's session authentication (the HTML login's cookie), telling a CSRF failure apart from a refused role."""

    def enforce_csrf(self, request):
        try:
            super().enforce_csrf(request)
        except drf.PermissionDenied as exc:
            reason = str(exc.detail).removeprefix("CSRF Failed: ")
            raise CsrfFailed(reason) from None


class ApiSessionScheme(OpenApiAuthenticationExtension):
    """The session in the OpenAPI schema, as drf-spectacular documents DRF's own (its extension matches that class
    only), saying what a write needs besides the cookie."""

    target_class = "phongdich.core.auth.ApiSessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": settings.SESSION_COOKIE_NAME,
            "description": "The session of the HTML login (/accounts/login/). A write also sends X-CSRFToken (the "
            "csrftoken cookie's value) and, over HTTPS, a Referer of the site; without them: 403 csrf_failed.",
        }
