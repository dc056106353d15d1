"""People pages for officials. Thin: every read goes through people.selectors, which scope and audit."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from phongdich.accounts.permissions import PEOPLE_ROLES, has_role
from phongdich.core import errors as core_errors
from phongdich.core.audit import client_ip
from phongdich.core.errors import ApplicationError

from .forms import AccessPurposeForm
from .selectors import person_duplicates, person_get, person_list

PAGE_SIZE = 50


def _error(request, error: ApplicationError):
    return render(request, "core/error.html", {"error": error.as_dict()}, status=error.status)


def _denied(request):
    return _error(request, ApplicationError(core_errors.PERMISSION_DENIED))


@login_required
@require_http_methods(["GET"])
def person_list_view(request):
    if not has_role(request.user, *PEOPLE_ROLES):
        return _denied(request)
    q = request.GET.get("q", "").strip()[:100]
    people = person_list(viewer=request.user, q=q, ip=client_ip(request))
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "people/list.html", {"page": page, "q": q})


@login_required
@require_http_methods(["GET", "POST"])
def person_detail_view(request, person_id: int):
    """GET asks the purpose of access; POST with a purpose shows the record (each showing is audited).

    The form is the same whether or not the person exists or is in scope, so the page leaks nothing until
    the selector answers not_found.
    """
    if not has_role(request.user, *PEOPLE_ROLES):
        return _denied(request)
    form = AccessPurposeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            person = person_get(viewer=request.user, person_id=person_id, reason=form.reason(), ip=client_ip(request))
        except ApplicationError as exc:
            return _error(request, exc)
        return render(request, "people/detail.html", {"person": person, "reason": form.reason_label()})
    return render(request, "people/purpose.html", {"form": form, "person_id": person_id})


@login_required
@require_http_methods(["GET"])
def person_duplicates_view(request):
    if not has_role(request.user, *PEOPLE_ROLES):
        return _denied(request)
    return render(request, "people/duplicates.html", {"groups": person_duplicates(viewer=request.user)})


def identity_warning(request, person) -> None:
    """Show the official the warning of people.services.person_for_staff_entry, if any: the entry went to the
    record with the number typed, whose name or birth date is another (initials, year of birth, commune only)."""
    warning = getattr(person, "identity_differs", None)
    if warning is not None:
        messages.warning(request, warning.as_dict()["message"])
