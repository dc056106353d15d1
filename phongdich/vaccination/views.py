"""Vaccination pages. Thin: selectors scope and read, services validate, write and audit.

Citizen: /vaccination/register/ (public, rate limited, one answer for everyone), /vaccination/me/ (the person
proved by the one-time code, people.citizen). Staff and officials: sessions, registrations and invitations,
the check-in scanner, the dose and reaction forms, coverage (with an Excel export).
"""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from phongdich.accounts.permissions import has_role
from phongdich.core import errors as core_errors
from phongdich.core.audit import audit_record, client_ip
from phongdich.core.errors import ApplicationError
from phongdich.core.exports import xlsx_response
from phongdich.core.ids import id_or_404, id_or_none
from phongdich.core.scoping import viewer_area_path
from phongdich.people.citizen import citizen_verified_person

from . import errors, selectors, services
from .api import RegisterThrottle, coverage_query
from .forms import (
    CitizenReactionForm,
    DoseForm,
    InviteForm,
    ReactionFilterForm,
    ReactionForm,
    RegisterForm,
    SessionForm,
)
from .models import Dose, VaccinationRegistration
from .selectors import BANDS, DOSE_ROLES, SESSION_ROLES, VACCINATION_ROLES

PAGE_SIZE = 50
# Which form field a service error belongs to, so it is shown next to it.
ERROR_FIELDS = {
    "invalid_phone": "phone",
    "invalid_citizen_id": "citizen_id",
    "invalid_person": "full_name",
    "unknown_priority_group": "priority_group",
    "slot_full": "slot",
    "session_full": "slot",
    "slot_closed": "slot",
    "dose_number_skips": "dose_number",
    "dose_date_invalid": "given_on",
    "dose_interval_too_short": "given_on",
    "unknown_product": "product",
    "invalid_lot": "lot",
}


def _error(request, error: ApplicationError):
    return render(request, "core/error.html", {"error": error.as_dict()}, status=error.status)


def _form_error(form, error: ApplicationError) -> None:
    data = error.as_dict()
    field = ERROR_FIELDS.get(error.code) or error.extra.get("field")
    form.add_error(field if field in form.fields else None, data["message"])  # in the page's language


def _private(response):
    add_never_cache_headers(response)
    response["Cache-Control"] = "no-store, private"
    return response


def _slot_choices():
    choices = []
    for session in selectors.sessions_open():  # with the slots that have not ended
        for slot in session.slots.all():
            if slot.free and session.free:
                label = (
                    f"{session.site.name} – {session.date:%d/%m/%Y} {slot.starts_at:%H:%M}–{slot.ends_at:%H:%M} "
                    f"({session.product.name}; {_('%(free)d places left') % {'free': slot.free}})"
                )
                choices.append((slot.pk, label))
    return choices


# --- citizen --------------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def register(request):
    """/vaccination/register/: the same answer whether or not the person was known; details go by SMS."""
    form = RegisterForm(request.POST or None, slots=_slot_choices())
    status = 200
    if request.method == "POST":
        if not RegisterThrottle().allow_request(request, None):
            return _private(_error(request, ApplicationError(core_errors.RATE_LIMITED)))
        if form.is_valid():
            data = form.cleaned_data
            try:
                receipt = services.registration_submit(
                    actor=None,
                    full_name=data["full_name"],
                    phone=data["phone"],
                    birth_date=data["birth_date"],
                    area=data["area"],
                    priority_group=data["priority_group"],
                    citizen_id=data["citizen_id"],
                    address_street=data["address_street"],
                    slot_id=data["slot"],
                )
            except ApplicationError as exc:
                _form_error(form, exc)
                status = exc.status
            else:
                # Only what was typed, and the place asked for: nothing that says whether the person was known.
                context = {"name": data["full_name"], "phone": data["phone"], "slot_text": receipt.slot_text}
                return _private(render(request, "vaccination/registered.html", context, status=202))
        else:
            status = 400
    context = {
        "form": form,
        "picked_area": form.picked_area(),  # the one sent or named by the text, kept when another field is refused
    }
    return _private(render(request, "vaccination/register.html", context, status=status))


def _citizen_or_redirect(request):
    person = citizen_verified_person(request)
    if person is None:
        return None, redirect(reverse("testing:lookup") + "?next=/vaccination/me/")
    return person, None


@require_GET
def me(request):
    """/vaccination/me/: the verified citizen's registrations, doses, next dose and reactions."""
    person, away = _citizen_or_redirect(request)
    if away:
        return away
    record = selectors.citizen_record(person=person)
    context = {
        **record,
        "reaction_form": CitizenReactionForm(initial={"onset_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")}),
        "holding": VaccinationRegistration.ACTIVE,
    }
    return _private(render(request, "vaccination/me.html", context))


@require_POST
def me_reaction(request):
    person, away = _citizen_or_redirect(request)
    if away:
        return away
    form = CitizenReactionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.reaction_record(
                citizen_person=person,
                dose_id=data["dose"],
                severity=data["severity"],
                symptoms=data["symptoms"],
                onset_at=data["onset_at"],
            )
        except ApplicationError as exc:
            messages.error(request, exc.as_dict()["message"])
        else:
            messages.success(request, _("Thank you: the health station has your report."))
    else:
        messages.error(request, _("Check the reaction form: every field is needed."))
    return redirect("vaccination:me")


@require_POST
def me_cancel(request, registration_id: int):
    person, away = _citizen_or_redirect(request)
    if away:
        return away
    try:
        services.registration_cancel(registration_id=registration_id, citizen_person=person)
    except ApplicationError as exc:
        messages.error(request, exc.as_dict()["message"])
    else:
        messages.success(request, _("Your registration is cancelled."))
    return redirect("vaccination:me")


# --- staff ----------------------------------------------------------------------------------------------------


def _staff(request, roles=VACCINATION_ROLES):
    if not has_role(request.user, *roles):
        raise ApplicationError(core_errors.PERMISSION_DENIED)


@login_required
@require_http_methods(["GET", "POST"])
def sessions(request):
    """/vaccination/sessions/: sessions of the area (from a week ago) and the form to add one."""
    try:
        _staff(request)
    except ApplicationError as exc:
        return _error(request, exc)
    sites = list(selectors.sites_visible(viewer=request.user).filter(active=True))
    can_create = has_role(request.user, *SESSION_ROLES)
    form = SessionForm(request.POST or None, sites=sites)
    status = 200
    if request.method == "POST" and can_create:
        if form.is_valid():
            data = form.cleaned_data
            try:
                session = services.session_create(
                    actor=request.user,
                    site=selectors.site_get(viewer=request.user, site_id=data["site"]),
                    date=data["date"],
                    product=services.product_by_code(data["product"]),
                    slots=data["slots"],
                    notes=data["notes"],
                )
            except ApplicationError as exc:
                _form_error(form, exc)
                status = exc.status
            else:
                messages.success(request, _("The session was created."))
                return redirect("vaccination:session", session_id=session.pk)
        else:
            status = 400
    listed = selectors.sessions_visible(viewer=request.user, date_from=timezone.localdate() - dt.timedelta(days=7))
    context = {
        "sessions": listed[:200],
        "form": form if can_create and sites else None,
        "records_doses": selectors.records_doses(request.user),
    }
    return render(request, "vaccination/sessions.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def session_detail(request, session_id: int):
    """/vaccination/sessions/<id>/: the people booked in each slot, and the invitation form."""
    try:
        _staff(request)
        session = selectors.session_get(viewer=request.user, session_id=session_id)
    except ApplicationError as exc:
        return _error(request, exc)
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            invitations = services.invitations_send(
                actor=request.user,
                session_id=session.pk,
                priority_group=services.priority_group_by_code(data["priority_group"])
                if data["priority_group"]
                else None,
                limit=data["limit"],
            )
        except ApplicationError as exc:
            messages.error(request, exc.as_dict()["message"])
        else:
            messages.success(request, _("%(count)d people invited.") % {"count": len(invitations)})
        return redirect("vaccination:session", session_id=session.pk)
    bookings = selectors.session_bookings(viewer=request.user, session=session, ip=client_ip(request))
    context = {
        "session": session,
        "bookings": bookings,
        "form": form,
        # The manual check-in (no phone, no personal QR code) is for the day of the session, by the dose staff.
        "can_check_in": session.date == timezone.localdate() and selectors.records_doses(request.user),
        "records_doses": selectors.records_doses(request.user),
    }
    return render(request, "vaccination/session.html", context)


@login_required
@require_POST
def session_checkin(request, session_id: int, registration_id: int):
    """POST /vaccination/sessions/<id>/registrations/<id>/checkin/: check a booked person in by hand (as the QR
    scan does); a refusal is shown as a message on the session page."""
    try:
        _staff(request, DOSE_ROLES)
        registration = services.registration_checkin(
            actor=request.user, session_id=session_id, registration_id=registration_id
        )
    except ApplicationError as exc:
        if exc.status in (403, 404):
            return _error(request, exc)
        messages.error(request, exc.as_dict()["message"])
    else:
        messages.success(request, _("%(name)s is checked in.") % {"name": registration.person.full_name})
    return redirect("vaccination:session", session_id=session_id)


@login_required
@require_GET
def registrations(request):
    """/vaccination/registrations/: registrations of the area by priority group, oldest first."""
    try:
        _staff(request)
        group_code = request.GET.get("priority_group") or ""
        group = services.priority_group_by_code(group_code) if group_code else None
        status = request.GET.get("status") or "registered"
        if status not in [*VaccinationRegistration.Status.values, "all"]:
            status = "registered"
        listed = selectors.registrations_list(viewer=request.user, status=status, priority_group=group)
    except ApplicationError as exc:
        return _error(request, exc)
    page = Paginator(listed, PAGE_SIZE).get_page(request.GET.get("page"))
    audit_record(  # the list names each registered person: a read of their registrations
        actor=request.user,
        action="vaccination.registration.listed",
        area_path=viewer_area_path(request.user) or "",
        ip=client_ip(request),
        extra={"via": "page", "registrations": [registration.pk for registration in page]},
    )
    context = {
        "page": page,
        "groups": selectors.priority_groups(),
        "group_code": group_code,
        "status": status,
        "statuses": VaccinationRegistration.Status.choices,
        "sessions": selectors.sessions_visible(viewer=request.user, date_from=timezone.localdate())[:50],
    }
    return render(request, "vaccination/registrations.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def checkin(request):
    """/vaccination/checkin/: scan the personal QR (camera, or a keyboard scanner typing into the box)."""
    try:
        _staff(request, DOSE_ROLES)
    except ApplicationError as exc:
        return _error(request, exc)
    sites = list(selectors.sites_visible(viewer=request.user).filter(active=True))
    # The site asked (the form's, or a link's ?site=) must be one of the list: an empty, unknown or malformed one
    # (?site=[]) is refused with the reason, never taken silently as the first site (2026-12-06). Nothing asked on
    # opening the page: the first site.
    asked = request.POST.get("site") if request.method == "POST" else request.GET.get("site")
    if asked is None and request.method == "GET":
        site = sites[0] if sites else None
    else:
        site = next((site for site in sites if site.pk == id_or_none(asked)), None)
    registration, error, status = None, None, 200
    try:
        if site is None and (asked is not None or request.method == "POST"):
            raise ApplicationError(errors.UNKNOWN_SITE, extra={"field": "site"})
        if request.method == "POST":
            registration = services.vaccination_checkin(
                actor=request.user, site_id=site.pk, token=request.POST.get("token", "")[:1000]
            )
    except ApplicationError as exc:
        error, status = exc.as_dict(), exc.status
    context = {
        "sites": sites,
        "site_id": site.pk if site else None,
        "registration": registration,
        "error": error,
    }
    return _private(render(request, "vaccination/checkin.html", context, status=status))


@login_required
@require_http_methods(["GET", "POST"])
def dose(request, registration_id: int):
    """/vaccination/registrations/<id>/dose/: record the dose of a checked-in person."""
    try:
        _staff(request, DOSE_ROLES)
        registration = (
            VaccinationRegistration.objects.filter(
                selectors.registrations_visible_q(request.user), pk=id_or_404(registration_id)
            )
            .select_related("person", "slot__session__product", "slot__session__site", "priority_group")
            .first()
        )
        if registration is None:
            raise ApplicationError(core_errors.NOT_FOUND)
    except ApplicationError as exc:
        return _error(request, exc)
    session = registration.slot.session if registration.slot_id else None
    initial = {
        "product": session.product.code if session else "",
        "dose_number": registration.dose_number,
        "given_on": timezone.localdate(),
    }
    form = DoseForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                result = services.dose_record(
                    actor=request.user,
                    person_id=registration.person_id,
                    product=services.product_by_code(data["product"]),
                    lot=data["lot"],
                    dose_number=data["dose_number"],
                    given_on=data["given_on"],
                    registration_id=registration.pk,
                )
            except ApplicationError as exc:
                _form_error(form, exc)
                status = exc.status
            else:
                note = _("Dose %(number)d recorded.") % {"number": result.dose.dose_number}
                if "mixed_products" in result.warnings:
                    note += " " + _("Note: a different vaccine from the earlier dose (mixed schedule).")
                messages.success(request, note)
                url = reverse("vaccination:checkin")
                return redirect(f"{url}?site={session.site_id}" if session else url)
        else:
            status = 400
    audit_record(
        actor=request.user,
        action="vaccination.record.viewed",
        obj=registration.person,
        area_path=registration.area_path,
        reason="dose",
        ip=client_ip(request),
    )
    previous = selectors.doses_of(registration.person)
    context = {"registration": registration, "form": form, "previous": previous, "session": session}
    return render(request, "vaccination/dose.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def reaction(request, dose_id: int):
    """/vaccination/doses/<id>/reaction/: staff record a reaction after a dose."""
    try:
        _staff(request)
        given = (
            Dose.objects.filter(selectors.doses_visible_q(request.user), pk=id_or_404(dose_id))
            .select_related("person", "product")
            .first()
        )
        if given is None:
            raise ApplicationError(core_errors.NOT_FOUND)
    except ApplicationError as exc:
        return _error(request, exc)
    form = ReactionForm(request.POST or None, initial={"dose": given.pk})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.reaction_record(
                    actor=request.user,
                    dose_id=given.pk,
                    severity=data["severity"],
                    symptoms=data["symptoms"],
                    onset_at=data["onset_at"],
                    treated_at=data["treated_at"],
                    notes=data["notes"],
                )
            except ApplicationError as exc:
                _form_error(form, exc)
                status = exc.status
            else:
                messages.success(request, _("The reaction was recorded."))
                return redirect("vaccination:sessions")
        else:
            status = 400
    return render(request, "vaccination/reaction.html", {"dose": given, "form": form}, status=status)


@login_required
@require_GET
def coverage(request):
    """/vaccination/coverage/?area=&at=: coverage per child area and age band; &format=xlsx for Excel."""
    try:
        _staff(request)
        area, at = coverage_query(request.user, request.GET)
        rows = selectors.coverage_by_area(user=request.user, parent_area=area, at=at)
    except ApplicationError as exc:
        return _error(request, exc)
    total = selectors.coverage_total(rows)
    if request.GET.get("format") == "xlsx":
        audit_record(
            actor=request.user,
            action="vaccination.coverage.exported",
            area_path=area.path,
            ip=client_ip(request),
            extra={"at": at.isoformat()},
        )
        header = [_("Area"), _("Code")]
        for band in BANDS:
            header += [
                _("People %(band)d+") % {"band": band},
                _("≥1 dose %(band)d+") % {"band": band},
                _("%% ≥1 dose %(band)d+") % {"band": band},
                _("Fully vaccinated %(band)d+") % {"band": band},
                _("%% fully %(band)d+") % {"band": band},
            ]
        lines = []
        for row in rows:
            line = [row.area.name, row.area.code]
            for band in BANDS:
                b = row.bands[band]
                line += [b.people, b.at_least_one, b.share_one, b.fully, b.share_full]
            lines.append(line)
        return xlsx_response(f"coverage-{area.code}-{at.isoformat()}.xlsx", [(_("Coverage"), header, lines)])
    context = {
        "area": area,
        "at": at,
        "table": [(row.area, row.unknown_age, [row.bands[band] for band in BANDS]) for row in rows],
        "total": [total[band] for band in BANDS],
        "bands": BANDS,
    }
    return render(request, "vaccination/coverage.html", context)


@login_required
@require_GET
def reactions(request):
    """/vaccination/reactions/: reactions after vaccination in the area, the graver first, and per vaccine lot with
    the rate of grave ones per 100,000 doses given (AEFI surveillance). Listing them is audited."""
    try:
        _staff(request)
    except ApplicationError as exc:
        return _error(request, exc)
    form = ReactionFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    try:
        if form.is_bound and form.errors:
            # A filter that cannot be applied is said, never replaced by the unfiltered list.
            raise ApplicationError(errors.INVALID_REACTION_FILTER, extra={"field": next(iter(form.errors))})
        listed = selectors.reactions_list(
            viewer=request.user,
            severity=filters.get("severity") or "",
            onset_from=filters.get("onset_from"),
            onset_to=filters.get("onset_to"),
        )
        # The lots' table takes the same dates as the period the doses were given in (numerator and denominator
        # the same doses: selectors.reactions_by_lot).
        lots = selectors.reactions_by_lot(
            viewer=request.user, given_from=filters.get("onset_from"), given_to=filters.get("onset_to")
        )
    except ApplicationError as exc:
        context = {"form": form, "error": exc.as_dict()}
        return _private(render(request, "vaccination/reactions.html", context, status=exc.status))
    page = Paginator(listed, PAGE_SIZE).get_page(request.GET.get("page"))
    audit_record(
        actor=request.user,
        action="vaccination.reactions.listed",
        area_path=viewer_area_path(request.user) or "",
        ip=client_ip(request),
        extra={
            "severity": filters.get("severity") or "",
            "reactions": [reaction.pk for reaction in page],
        },
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form if form.is_bound else ReactionFilterForm(),
        "page": page,
        "lots": lots,
        "query": query.urlencode(),
    }
    return _private(render(request, "vaccination/reactions.html", context))
