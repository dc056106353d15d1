"""Pages of the health declarations: the public forms (mobile-first, in the language of the switch), a device's
own history, the printable paper forms, and the staff's keyboard-first entry of paper declarations.

Views are thin: they read forms and the remembered-device cookie (checkins.views) and call the services, which
validate, write and audit.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from phongdich.accounts.permissions import has_role
from phongdich.checkins.views import (
    CitizenPostThrottle,
    claim_offer,
    linked_ids,
    remember,
    remembered_ids,
    remembered_people,
)
from phongdich.core import errors as core_errors
from phongdich.core.errors import ApplicationError
from phongdich.people.validation import phone_national

from . import paper as paper_pdf
from .forms import DeclarationForm, StaffDeclarationForm, add_service_error, new_nonce
from .models import Declaration
from .selectors import declaration_own_history
from .services import declaration_prefill, declaration_submit_for_family

KINDS = [choice.value for choice in Declaration.Kind]
TITLES = {
    Declaration.Kind.DOMESTIC: _("Declaration for all residents"),
    Declaration.Kind.MOVEMENT: _("Domestic travel declaration"),
    Declaration.Kind.ENTRY: _("Health declaration for entry into Vietnam"),
}
HISTORY_SHOWN = 5


def _private(response):
    response["Cache-Control"] = "no-store, private"
    return response


def _kind_or_404(kind: str) -> str:
    if kind not in KINDS:
        raise Http404
    return kind


def _own_people(request):
    """(person, linked) for the people remembered on this device. A LINKED person (checkins.views.LINKED_MARK) was
    matched, not created, by this phone: their history and earlier answers are not shown on it."""
    linked = linked_ids(request)
    return [(person, person.public_id in linked) for person in remembered_people(request)]


@require_GET
def index(request):
    """/declarations/: choose a form; the people of this device with their latest declarations."""
    people = []
    for person, linked in _own_people(request):
        history = [] if linked else declaration_own_history(person=person, limit=HISTORY_SHOWN)
        # A linked record's owner can lift the mark with a code sent by SMS (checkins.views.claim).
        claim = claim_offer(person) if linked else None
        people.append({"person": person, "linked": linked, "history": history, "claim": claim})
    context = {"kinds": Declaration.Kind.choices, "people": people}
    return _private(render(request, "declarations/index.html", context))


def _initial(request, kind: str) -> tuple[dict, object]:
    """The form's starting values: blank, or from a remembered person's last declaration (?from=<public id>: the
    same person again; ?family=<public id>: another family member on the same phone, sharing the address)."""
    initial = {"nonce": new_nonce(), "nationality": "VN" if kind != Declaration.Kind.ENTRY else ""}
    public_id = request.GET.get("from") or request.GET.get("family")
    if not public_id:
        return initial, None
    source = next((person for person, _ in _own_people(request) if person.public_id == public_id), None)
    if source is None:
        return initial, None
    linked = public_id in linked_ids(request)
    same_person = bool(request.GET.get("from"))
    initial["phone"] = phone_national(source.phone)
    if same_person:
        initial.update(
            {"full_name": source.full_name, "birth_year": source.birth_year, "gender": source.gender or None}
        )
    if linked:
        return initial, source  # a matched record: nothing of it but what this phone typed
    if same_person:
        initial["id_number"] = source.citizen_id
        initial["nationality"] = source.nationality or initial["nationality"]
    prefill = declaration_prefill(person=source, kind=kind) or declaration_prefill(person=source)
    for name, value in prefill.items():
        if name == "vaccination_declared":
            if same_person:
                initial.update(
                    {
                        "vaccine_doses": str(value.get("doses", "")),
                        "vaccine": value.get("vaccine", ""),
                        "last_dose_date": value.get("last_dose_date"),
                    }
                )
        elif name in ("passport_number", "nationality") and not same_person:
            continue
        elif name != "kind":
            initial[name] = value
    return initial, source


def _form_context(form, kind, source=None):
    picked = {}
    data = form.cleaned_data if form.is_bound and hasattr(form, "cleaned_data") else form.initial
    for name in ("area", "origin_area", "destination_area"):
        if name in form.fields:
            picked[name] = data.get(name)
    return {
        "form": form,
        "kind": kind,
        "title": TITLES[kind],
        "picked": picked,
        "source": source,
    }


@require_http_methods(["GET", "POST"])
def declare(request, kind):
    """/declarations/<kind>/: one person's declaration. The person is found or created on this phone's number
    (people.services.person_find_or_create) and remembered on the device, as the check-in page does."""
    kind = _kind_or_404(kind)
    if request.method == "POST":
        if not CitizenPostThrottle().allow_request(request, None):
            error = ApplicationError(core_errors.RATE_LIMITED).as_dict()
            return _private(render(request, "declarations/error.html", {"error": error}, status=429))
        form = DeclarationForm(request.POST, kind=kind)
        if form.is_valid():
            started = timezone.now()
            try:
                declaration = declaration_submit_for_family(
                    declarer_phone=form.cleaned_data["phone"],
                    members=[{**form.member(), "nationality": form.cleaned_data.get("nationality") or ""}],
                    kind=kind,
                    data=form.declaration_data(),
                    nonce=form.cleaned_data["nonce"],
                )[0]
            except ApplicationError as error:
                add_service_error(form, error)
            else:
                return _success(request, declaration, shown_name=form.cleaned_data["full_name"], started=started)
        return _private(render(request, "declarations/form.html", _form_context(form, kind), status=400))
    initial, source = _initial(request, kind)
    form = DeclarationForm(kind=kind, initial=initial)
    return _private(render(request, "declarations/form.html", _form_context(form, kind, source)))


def _success(request, declaration, *, shown_name, started):
    person = declaration.person
    ids = [i for i in remembered_ids(request) if i != person.public_id] + [person.public_id]
    linked = linked_ids(request)
    # The LINKED rule of checkins.views: a record this phone matched (not created) is marked, so the phone gets
    # neither its personal QR code nor its history. A replayed form keeps the mark it had.
    if person.created_at < started and not getattr(declaration, "replayed", False):
        linked.add(person.public_id)
    elif not getattr(declaration, "replayed", False):
        linked.discard(person.public_id)
    context = {
        "declaration": declaration,
        "shown_name": shown_name,
        "person": person,
        "linked": person.public_id in linked,
    }
    response = render(request, "declarations/success.html", context)
    remember(response, ids, linked=linked)
    return _private(response)


@require_GET
def paper(request, kind):
    """/declarations/<kind>/paper.pdf: the printable A4 form, for people without a smartphone."""
    kind = _kind_or_404(kind)
    response = HttpResponse(paper_pdf.declaration_form_pdf(kind), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="to-khai-{kind}.pdf"'
    response["Cache-Control"] = "public, max-age=3600"
    return response


ENTER_LAST = "declarations.enter.last"
ENTER_KIND = "declarations.enter.kind"


def _may_enter(user) -> bool:
    # Staff of a venue, officials of an area, superusers: anyone with a role (the area check is in the service).
    return has_role(user)


@login_required
@require_http_methods(["GET", "POST"])
def enter(request):
    """/declarations/enter/: keyboard-first entry of paper declarations, one after another (Enter submits; the form
    clears for the next person; the kind stays)."""
    if not _may_enter(request.user):
        raise PermissionDenied
    kind = request.POST.get("kind") or request.GET.get("kind") or request.session.get(ENTER_KIND) or KINDS[0]
    kind = _kind_or_404(kind)
    if request.method == "POST" and request.POST.get("submit") != "switch":
        form = StaffDeclarationForm(request.POST, kind=kind)
        if form.is_valid():
            try:
                declaration = declaration_submit_for_family(
                    declarer_phone=form.cleaned_data["phone"],
                    members=[{**form.member(), "nationality": form.cleaned_data.get("nationality") or ""}],
                    kind=kind,
                    data=form.declaration_data(),
                    source=Declaration.Source.PAPER,
                    actor=request.user,
                    nonce=form.cleaned_data["nonce"],
                )[0]
            except ApplicationError as error:
                add_service_error(form, error)
            else:
                # The last entry is kept in the session (server side), not in a cookie: it names a person.
                request.session[ENTER_LAST] = {
                    "name": form.cleaned_data["full_name"],
                    "birth_year": form.cleaned_data["birth_year"],
                    "kind": declaration.get_kind_display(),
                    "flagged": declaration.flagged,
                    "id": declaration.pk,
                }
                request.session[ENTER_KIND] = kind
                return redirect(f"{request.path}?kind={kind}")
        status = 400
    else:
        request.session[ENTER_KIND] = kind
        form = StaffDeclarationForm(kind=kind, initial={"nonce": new_nonce(), "nationality": "VN"})
        status = 200
    context = {
        **_form_context(form, kind),
        "kinds": Declaration.Kind.choices,
        "last": request.session.get(ENTER_LAST),
    }
    return render(request, "declarations/enter.html", context, status=status)
