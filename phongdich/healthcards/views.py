from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET

from phongdich.people.personal_qr import personal_qr_public_keys

from .selectors import verifies_cards


@login_required
@require_GET
def verify(request):
    """/health/verify/: control staff check personal QR codes offline (the browser verifies the signature).

    The page carries the public keys and the scripts; verify.js keeps the keys in localStorage and checks
    codes without the server. Officials and venue staff only (the same people who scan at entrances).
    """
    if not verifies_cards(request.user):
        raise PermissionDenied
    context = {"keys": {"keys": personal_qr_public_keys()}, "keys_url": "/api/v1/keys/personal-qr/"}
    return render(request, "healthcards/verify.html", context)


# Bumped when the cached files change shape, so that checkers' devices drop the old copies.
SERVICE_WORKER_VERSION = "2"  # bump when the cached assets change


@require_GET
def verify_service_worker(request):
    """/health/verify/sw.js: the verifier's service worker (scope /health/verify/): the page opens offline.

    Public (it holds only static file addresses); the page it caches is fetched with the checker's session.
    """
    body = render_to_string("healthcards/verify_sw.js", {"version": SERVICE_WORKER_VERSION}, request=request)
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"  # browsers check for a new worker on each visit
    return response
