"""Pages: the citizen's certificates (after the one-time-code look-up), the public verifier page, and the
officials' list/detail with revoke. Thin: services and selectors do the work."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from phongdich.accounts.permissions import PEOPLE_ROLES, has_role
from phongdich.core import errors as core_errors
from phongdich.core.audit import client_ip
from phongdich.core.errors import ApplicationError
from phongdich.core.throttling import SimpleRateThrottle
from phongdich.people.citizen import citizen_verified_person
from phongdich.people.selectors import person_get

from . import api, dcc, display, pdf, qr, selectors, services
from .forms import CertificateRevokeForm
from .models import Certificate

# The purpose of access recorded when an official opens a person's certificates to print them.
DESK_PURPOSE = "certificates: issue and print at the desk"


def _lookup_url(next_url: str) -> str:
    try:
        base = reverse("testing:lookup")
    except NoReverseMatch:  # the testing app's look-up page is not there yet
        base = "/testing/lookup/"
    return f"{base}?{urlencode({'next': next_url})}"


@require_GET
def citizen_certificates(request):
    """/certificates/me/: the verified citizen's certificates, issued on demand from the registered sources."""
    person = citizen_verified_person(request)
    if person is None:
        return redirect(_lookup_url(request.get_full_path()))
    certificates = services.certificates_for_citizen(person=person, ip=client_ip(request))
    rows = [
        {"certificate": certificate, "svg": qr.qr_svg(certificate.qr_text), "fields": pdf.certificate_rows(certificate)}
        for certificate in certificates
    ]
    return render(request, "certificates/me.html", {"person": person, "rows": rows})


def _own_certificate(request, certificate_id: int) -> Certificate:
    person = citizen_verified_person(request)
    certificate = Certificate.objects.filter(pk=certificate_id, person=person).select_related("person").first()
    if person is None or certificate is None:
        raise Http404
    return certificate


@require_GET
def citizen_certificate_png(request, certificate_id: int):
    certificate = _own_certificate(request, certificate_id)
    response = HttpResponse(qr.qr_png(certificate.qr_text), content_type="image/png")
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def citizen_certificate_pdf(request, certificate_id: int):
    return _pdf_response(_own_certificate(request, certificate_id))


def _pdf_response(certificate: Certificate) -> HttpResponse:
    """The printable certificate; a revoked one is not printed again (its stamp can be cut off the paper)."""
    if certificate.is_revoked:
        raise Http404
    response = HttpResponse(pdf.certificate_pdf(certificate), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="chung-nhan-{certificate.kind}-{certificate.pk}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


class VerifyPageThrottle(SimpleRateThrottle):
    """The page's posts share the verify API's limit per address (RATE_LIMIT_DCC_VERIFY)."""

    scope = "dcc_verify"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": "dcc_verify_page", "ident": self.get_ident(request)}


@require_http_methods(["GET", "POST"])
def verify_page(request):
    """/certificates/verify/: scan (camera) or paste an EU DCC; the server verifies against the trust list."""
    context = {"reasons": dcc.REASONS}
    if request.method == "POST":
        text = request.POST.get("qr", "")
        try:
            if not VerifyPageThrottle().allow_request(request, None):
                raise ApplicationError(core_errors.RATE_LIMITED)
            outcome = api.verify_or_raise(text.strip()) if text.strip() else None
        except ApplicationError as error:
            context["error"] = error.as_dict()
            outcome = None
        if outcome is not None:
            context["result"] = api.verify_answer(outcome)
            if context["result"]["certificate"]:
                context["rows"] = display.verifier_rows(context["result"]["certificate"])
                context["partial"] = display.partial_course(context["result"]["certificate"])
                context["birth"] = display.date_text(context["result"]["certificate"]["date_of_birth"])
        context["qr"] = text[:200]
    return render(request, "certificates/verify.html", context)


def _require_people_role(request):
    if not has_role(request.user, *PEOPLE_ROLES):
        raise Http404


def _official_certificate(request, certificate_id: int) -> Certificate:
    """A certificate of the official's area (selectors.certificate_get: the read audited); 404 otherwise."""
    _require_people_role(request)
    try:
        return selectors.certificate_get(viewer=request.user, certificate_id=certificate_id, ip=client_ip(request))
    except ApplicationError as error:
        raise Http404 from error


@login_required
@require_GET
def official_list(request):
    _require_people_role(request)
    rows = selectors.certificate_list(
        viewer=request.user, kind=request.GET.get("kind", ""), status=request.GET.get("status", "")
    )
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "certificates/list.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def official_detail(request, certificate_id: int):
    """/certificates/<id>/: one certificate of the official's area; POST revokes it, with a reason and a tick
    (forms.CertificateRevokeForm): a form that is not complete comes back with its errors (400), nothing revoked."""
    certificate = _official_certificate(request, certificate_id)
    form, status = CertificateRevokeForm(), 200
    if request.method == "POST":
        form = CertificateRevokeForm(request.POST)
        status = 400
        if form.is_valid():
            try:
                services.certificate_revoke(
                    actor=request.user,
                    certificate=certificate,
                    reason=form.cleaned_data["reason"],
                    ip=client_ip(request),
                )
            except ApplicationError as error:
                form.add_error(None, error.as_dict()["message"])
                status = error.status
                certificate.refresh_from_db()  # already revoked in another tab: the page shows it
            else:
                messages.success(request, _("The certificate was revoked."))
                return redirect("certificates:detail", certificate_id=certificate.pk)
    context = {
        "certificate": certificate,
        "fields": pdf.certificate_rows(certificate),
        "svg": qr.qr_svg(certificate.qr_text),
        "form": form,
    }
    return render(request, "certificates/detail.html", context, status=status)


@login_required
@require_POST
def official_person_certificates(request, person_id: int):
    """/certificates/person/<id>/: issue (where needed) and list a person's certificates at the desk, to print for
    someone without a smartphone. POST from the person's page: it issues, and reading the person is audited
    with that purpose (people.selectors.person_get)."""
    _require_people_role(request)
    try:
        person = person_get(viewer=request.user, person_id=person_id, reason=DESK_PURPOSE, ip=client_ip(request))
        certificates = services.certificates_for_person_by_official(
            actor=request.user, person=person, ip=client_ip(request)
        )
    except ApplicationError as error:
        raise Http404 from error
    return render(request, "certificates/person.html", {"person": person, "certificates": certificates})


@login_required
@require_GET
def official_certificate_pdf(request, certificate_id: int):
    """/certificates/<id>/certificate.pdf: the printable certificate, for an official of its area (read audited)."""
    return _pdf_response(_official_certificate(request, certificate_id))
