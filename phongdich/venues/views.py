"""Web pages of venues: the public registration form, officials' lists and decisions, posters. Thin: the
work is in services and selectors; service errors come back beside the form field they concern."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from phongdich.core import errors as core_errors
from phongdich.core.audit import client_ip
from phongdich.core.errors import ApplicationError

from . import errors, posters, selectors, services
from .api import VenueRegisterThrottle, pdf_response
from .forms import (
    CodeAddForm,
    DeclarationRuleForm,
    ReasonForm,
    VenueCreateForm,
    VenueRegisterForm,
    add_service_error,
)
from .models import Venue

PAGE_SIZE = 25


def _page_error(error: ApplicationError):
    """Turn a selector's or service's refusal into Django's 404/403 (rendered by core.views)."""
    if error.status == 404:
        raise Http404(error.code)
    if error.status == 403:
        raise PermissionDenied(error.code)
    raise error


def _get_venue(request, venue_id) -> Venue:
    try:
        return selectors.venue_get(viewer=request.user, venue_id=venue_id)
    except ApplicationError as error:
        _page_error(error)


def _message_error(request, error: ApplicationError):
    if error.status in (403, 404):
        _page_error(error)
    messages.error(request, error.as_dict()["message"])


@require_http_methods(["GET", "POST"])
def venue_register(request):
    """Public: a venue manager registers the venue and an account, then lands logged in on the next steps."""
    # Bound on every POST, an empty one too: the rate limit's message is added to it (an unbound form has no
    # cleaned_data for add_error: a 500, fuzzing, 2026-12-06).
    form = VenueRegisterForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if not VenueRegisterThrottle().allow_request(request, None):
            form.add_error(None, ApplicationError(core_errors.RATE_LIMITED).as_dict()["message"])
            status = 429
        elif form.is_valid():
            try:
                venue = services.venue_register_public(ip=client_ip(request), **form.venue_kwargs())
            except ApplicationError as error:
                add_service_error(form, error)
            else:
                login(request, venue.registered_by, backend="django.contrib.auth.backends.ModelBackend")
                request.session["venues_registered"] = venue.pk
                return redirect("venues:register_done")
        if status == 200:
            status = 400
    return render(request, "venues/register.html", {"form": form, "picked_area": form.picked_area()}, status=status)


def venue_register_done(request):
    venue = None
    if request.user.is_authenticated and request.session.get("venues_registered"):
        venue = selectors.venues_of_user(user=request.user).filter(pk=request.session["venues_registered"]).first()
    return render(request, "venues/register_done.html", {"venue": venue})


@login_required
@require_GET
def venue_list(request):
    status = request.GET.get("status") or None
    if status not in Venue.Status.values:
        status = None
    q = request.GET.get("q", "")[:100]
    venues = selectors.venue_list(viewer=request.user, q=q, status=status)
    page = Paginator(venues, PAGE_SIZE).get_page(request.GET.get("page"))
    official = getattr(request.user, "official", None)
    return render(
        request,
        "venues/list.html",
        {
            "page": page,
            "q": q,
            "status": status or "",
            "statuses": Venue.Status.choices,
            "may_create": request.user.is_superuser
            or (official is not None and official.role in services.VERIFIER_ROLES | {"venue_manager"}),
        },
    )


@login_required
@require_GET
def venue_detail(request, venue_id: int):
    venue = _get_venue(request, venue_id)
    try:
        devices_url = reverse("checkins:devices", args=[venue.pk])
    except NoReverseMatch:  # scanner devices page not installed
        devices_url = None
    return render(
        request,
        "venues/detail.html",
        {
            "venue": venue,
            "codes": selectors.venue_codes(venue=venue),
            "may_decide": services.can_decide(request.user, venue),
            "may_manage": services.can_manage(request.user, venue),
            "reason_form": ReasonForm(),
            "code_form": CodeAddForm(),
            "rule_form": DeclarationRuleForm(initial={"declaration_required_hours": venue.declaration_required_hours}),
            "devices_url": devices_url,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def venue_create(request):
    form = VenueCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            venue = services.venue_create(actor=request.user, ip=client_ip(request), **form.venue_kwargs())
        except ApplicationError as error:
            if error.status == 403:
                raise PermissionDenied(error.code) from None
            add_service_error(form, error)
        else:
            messages.success(request, _("The venue was registered."))
            return redirect("venues:detail", venue_id=venue.pk)
    status = 400 if form.is_bound else 200
    return render(request, "venues/create.html", {"form": form, "picked_area": form.picked_area()}, status=status)


@login_required
@require_POST
def venue_verify(request, venue_id: int):
    venue = _get_venue(request, venue_id)
    try:
        services.venue_verify(actor=request.user, venue=venue, ip=client_ip(request))
    except ApplicationError as error:
        _message_error(request, error)
    else:
        messages.success(request, _("The venue is verified: its QR codes now accept check-ins."))
    return redirect("venues:detail", venue_id=venue.pk)


@login_required
@require_POST
def venue_reject(request, venue_id: int):
    return _decide_with_reason(request, venue_id, services.venue_reject, _("The registration was rejected."))


@login_required
@require_POST
def venue_suspend(request, venue_id: int):
    return _decide_with_reason(
        request, venue_id, services.venue_suspend, _("The venue is suspended: its QR codes refuse check-ins.")
    )


def _decide_with_reason(request, venue_id: int, service, success_message):
    """Reject or suspend: the service checks the reason and the official's right; the page shows the outcome."""
    venue = _get_venue(request, venue_id)
    form = ReasonForm(request.POST)
    form.is_valid()
    try:
        service(actor=request.user, venue=venue, reason=form.cleaned_data.get("reason", ""), ip=client_ip(request))
    except ApplicationError as error:
        _message_error(request, error)
    else:
        messages.success(request, success_message)
    return redirect("venues:detail", venue_id=venue.pk)


@login_required
@require_POST
def venue_code_add(request, venue_id: int):
    venue = _get_venue(request, venue_id)
    form = CodeAddForm(request.POST)
    try:
        if not form.is_valid():
            raise ApplicationError(errors.INVALID_ENTRANCE_LABEL)
        services.venue_code_add(
            actor=request.user, venue=venue, label=form.cleaned_data["label"], ip=client_ip(request)
        )
    except ApplicationError as error:
        _message_error(request, error)
    else:
        messages.success(request, _("A QR code was added. Print its poster and put it at that entrance."))
    return redirect("venues:detail", venue_id=venue.pk)


@login_required
@require_POST
def venue_declaration_rule(request, venue_id: int):
    """Set or clear the venue's "declaration within N hours before check-in" rule (manager or official)."""
    venue = _get_venue(request, venue_id)
    form = DeclarationRuleForm(request.POST)
    try:
        if not form.is_valid():
            raise ApplicationError(
                core_errors.INVALID_INPUT, extra={"fields": {k: [str(e) for e in v] for k, v in form.errors.items()}}
            )
        hours = form.cleaned_data["declaration_required_hours"]
        services.venue_declaration_rule_set(actor=request.user, venue=venue, hours=hours, ip=client_ip(request))
    except ApplicationError as error:
        _message_error(request, error)
    else:
        messages.success(request, _("The declaration rule was saved."))
    return redirect("venues:detail", venue_id=venue.pk)


@login_required
@require_POST
def venue_code_revoke(request, venue_id: int, code_id: int):
    venue = _get_venue(request, venue_id)
    try:
        code = selectors.venue_code_get_for_viewer(viewer=request.user, code_id=code_id)
        if code.venue_id != venue.pk:
            raise ApplicationError(core_errors.NOT_FOUND)
        services.venue_code_revoke(actor=request.user, code=code, ip=client_ip(request))
    except ApplicationError as error:
        _message_error(request, error)
    else:
        messages.success(request, _("The QR code was revoked: check-ins with it are refused from now on."))
    return redirect("venues:detail", venue_id=venue.pk)


@login_required
@require_GET
def venue_poster(request, venue_id: int, code_id: int):
    venue = _get_venue(request, venue_id)
    try:
        code = selectors.venue_code_get_for_viewer(viewer=request.user, code_id=code_id)
    except ApplicationError as error:
        _page_error(error)
    if code.venue_id != venue.pk or not code.is_active:
        raise Http404("venue_code")
    return pdf_response(posters.venue_code_poster_pdf(code=code), f"venue-{venue.pk}-code-{code.pk}.pdf")


@login_required
@require_GET
def venue_posters(request, venue_id: int):
    venue = _get_venue(request, venue_id)
    return pdf_response(posters.venue_all_posters_pdf(venue=venue), f"venue-{venue.pk}-qr-codes.pdf")
