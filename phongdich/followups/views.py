"""The follow-up queue pages for commune officials (and officials above them, scoped to their area).

Thin: selectors scope and filter, services validate, write and audit. Out-of-area tasks answer 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from phongdich.accounts.permissions import PEOPLE_ROLES, has_role
from phongdich.core import errors as core_errors
from phongdich.core.audit import audit_record, client_ip
from phongdich.core.errors import ApplicationError
from phongdich.core.scoping import viewer_area_path
from phongdich.geo.errors import AREA_NOT_CHOSEN
from phongdich.geo.forms import area_not_chosen_context, typed_area_text

from . import errors, selectors, services
from .api import task_detail as load_task_detail
from .forms import CallForm, HandOverForm, QueueFilterForm

PAGE_SIZE = 50


def _error(request, error: ApplicationError):
    return render(request, "core/error.html", {"error": error.as_dict()}, status=error.status)


@login_required
@require_GET
def queue(request):
    """/followups/: the open tasks of the official's area, oldest first, with filters and the queue's ageing."""
    if not has_role(request.user, *PEOPLE_ROLES):
        return _error(request, ApplicationError(core_errors.PERMISSION_DENIED))
    form = QueueFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return _error(request, ApplicationError(errors.INVALID_FILTER, extra={"fields": list(form.errors)}))
    values = form.cleaned_data if form.is_bound else {}
    now = timezone.now()
    area_text = typed_area_text(request.GET, values)
    try:
        area = selectors.followup_filter_area(viewer=request.user, area_id=values.get("area"), area_text=area_text)
        tasks = selectors.followup_queue(
            viewer=request.user,
            status=values.get("status") or "open",
            reason=values.get("reason") or "",
            age=values.get("age") or "",
            area=area,
            now=now,
        )
        queue_stats = selectors.followup_queue_stats(viewer=request.user, area=area, now=now)
    except ApplicationError as exc:
        if exc.error == AREA_NOT_CHOSEN:  # the filters answered again, the text kept; no queue (not the whole area's)
            context = {
                "form": form,
                **area_not_chosen_context(request.GET, exc),
                "scope_area": getattr(getattr(request.user, "official", None), "area", None),
            }
            return render(request, "followups/queue.html", context, status=exc.status)
        return _error(request, exc)
    page = Paginator(tasks, PAGE_SIZE).get_page(request.GET.get("page"))
    for task in page:
        task.age = now - task.declared_at
    # The queue shows each task's person (initials, symptoms declared): a read of those records, as the work list's.
    audit_record(
        actor=request.user,
        action="followups.task.listed",
        area_path=area.path if area else viewer_area_path(request.user) or "",
        ip=client_ip(request),
        extra={"via": "page", "tasks": [task.pk for task in page]},
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form if form.is_bound else QueueFilterForm(),
        "page": page,
        "query": query.urlencode(),
        "queue_stats": queue_stats,
        "filter_area": area,
        "scope_area": getattr(getattr(request.user, "official", None), "area", None),
    }
    return render(request, "followups/queue.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def task_detail(request, task_id: int):
    """/followups/<id>/: the declaration's answers, the person (read audited as "follow-up"), the calls, and
    the form to record a call. POST records one (the nonce makes a double submission harmless)."""
    if not has_role(request.user, *PEOPLE_ROLES):
        return _error(request, ApplicationError(core_errors.PERMISSION_DENIED))
    status = 200
    form = CallForm.blank()
    if request.method == "POST":
        form = CallForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.followup_call_record(
                    actor=request.user,
                    task_id=task_id,
                    outcome=data["outcome"],
                    notes=data["notes"],
                    at=data["at"],
                    close_unreachable=data["close_unreachable"],
                    nonce=data["nonce"],
                    ip=client_ip(request),
                )
            except ApplicationError as exc:
                if exc.status == 404:
                    return _error(request, exc)
                form.add_error(None, exc.as_dict()["message"])
                status = exc.status
            else:
                messages.success(request, _("The call was recorded."))
                return redirect("followups:detail", task_id=task_id)
        else:
            status = 400
    return _detail_page(request, task_id, form=form, status=status)


def _detail_page(request, task_id, *, form=None, handover_form=None, status=200):
    try:
        task = load_task_detail(viewer=request.user, task_id=task_id, ip=client_ip(request))
    except ApplicationError as exc:
        return _error(request, exc)
    task.age = timezone.now() - task.declared_at
    context = {
        "task": task,
        "declaration": task.declaration,
        "person": task.person_record,
        "form": form or CallForm.blank(),
        "handover_form": handover_form or HandOverForm(),
        "scope_area": getattr(getattr(request.user, "official", None), "area", None),
        "can_hand_over": services.followup_can_hand_over(request.user),
    }
    return render(request, "followups/detail.html", context, status=status)


@login_required
@require_POST
def task_hand_over(request, task_id: int):
    """/followups/<id>/hand-over/: hand the task to another commune's health station (services)."""
    if not has_role(request.user, *PEOPLE_ROLES):
        return _error(request, ApplicationError(core_errors.PERMISSION_DENIED))
    form = HandOverForm(request.POST, within_path=viewer_area_path(request.user))
    if not form.is_valid():
        return _detail_page(request, task_id, handover_form=form, status=400)
    try:
        task = services.followup_task_hand_over(
            actor=request.user,
            task_id=task_id,
            area_id=form.cleaned_data["area"],
            note=form.cleaned_data["note"],
            ip=client_ip(request),
        )
    except ApplicationError as exc:
        if exc.status == 404:
            return _error(request, exc)
        form.add_error("area" if exc.error == errors.HANDOVER_AREA_INVALID else None, exc.as_dict()["message"])
        return _detail_page(request, task_id, handover_form=form, status=exc.status)
    messages.success(request, _("The follow-up was handed to %(area)s.") % {"area": task.area.name})
    return redirect("followups:detail", task_id=task.pk)
