"""Pages of robot-call campaigns: the area's campaigns, building one from a case, and a campaign's page (progress,
start/pause/resume/cancel, the calls, the outcome recorded by hand with the outbox switchboard, the export).

Thin: selectors scope and read, services validate, write and audit. Out-of-area campaigns and cases answer 404;
roles that do not see people, 403 (as the case pages).
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from phongdich.accounts.permissions import PEOPLE_ROLES, has_role
from phongdich.core import errors as core_errors
from phongdich.core.audit import client_ip
from phongdich.core.errors import ApplicationError
from phongdich.core.exports import xlsx_response
from phongdich.telecom.selectors import sees_full_phones

from . import backends, selectors, services
from .forms import CampaignForm, ResultForm
from .models import Call

PAGE_SIZE = 50


def _error(request, error: ApplicationError):
    return render(request, "core/error.html", {"error": error.as_dict()}, status=error.status)


def _require_people_role(request) -> None:
    if not has_role(request.user, *PEOPLE_ROLES):
        raise ApplicationError(core_errors.PERMISSION_DENIED)


@login_required
@require_GET
def campaign_list(request):
    """/calls/: the campaigns of the official's area, newest first, with their progress."""
    try:
        _require_people_role(request)
    except ApplicationError as exc:
        return _error(request, exc)
    campaigns = selectors.campaign_list(viewer=request.user, status=request.GET.get("status", ""))
    page = Paginator(campaigns, PAGE_SIZE).get_page(request.GET.get("page"))
    progress = selectors.campaign_progress_many([campaign.pk for campaign in page])
    for campaign in page:
        campaign.progress = progress[campaign.pk]
    return render(request, "calls/list.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def campaign_create(request, case_id: int):
    """/calls/new/<case>/: choose the targets, see how many phones and the script as it will be read for one
    target; POST builds the draft campaign."""
    form = CampaignForm(
        request.POST if request.method == "POST" else (request.GET if "preview" in request.GET else None)
    )
    values = form.cleaned_data if form.is_bound and form.is_valid() else {k: f.initial for k, f in form.fields.items()}
    status, error = 200, None
    if request.method == "POST":
        try:
            campaign = services.call_campaign_create(
                actor=request.user, case_id=case_id, ip=client_ip(request), **values
            )
        except ApplicationError as exc:
            if exc.status in (403, 404) and exc.error in (core_errors.NOT_FOUND, core_errors.PERMISSION_DENIED):
                return _error(request, exc)
            status, error = exc.status, exc.as_dict()
        else:
            messages.success(request, _("The campaign was created. Check it, then start it."))
            return redirect("calls:detail", campaign_id=campaign.pk)
    try:
        case, plan, example = services.call_campaign_preview(actor=request.user, case_id=case_id, **values)
    except ApplicationError as exc:
        if exc.error in (core_errors.NOT_FOUND, core_errors.PERMISSION_DENIED):
            return _error(request, exc)
        error = error or exc.as_dict()
        status = exc.status if status == 200 else status
        case, plan, example = services.call_case_get(actor=request.user, case_id=case_id), services.TargetPlan(), None
    context = {
        "case": case,
        "form": form if form.is_bound else CampaignForm(initial=values),
        "plan": plan,
        "example": example,
        "error": error,
        "may_call_telecom": sees_full_phones(request.user),
        "withdrawn": case.status == case.Status.WITHDRAWN,
    }
    return render(request, "calls/create.html", context, status=status)


def _detail_page(request, campaign_id, *, status=200, form_error=None):
    campaign = selectors.campaign_get(viewer=request.user, campaign_id=campaign_id)
    filter_status = request.GET.get("status", "")
    full = request.GET.get("numbers") == "full"
    page = Paginator(selectors.campaign_calls(campaign=campaign, status=filter_status), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = selectors.call_rows(
        viewer=request.user, campaign=campaign, calls=page.object_list, full=full, ip=client_ip(request)
    )
    query = request.GET.copy()
    query.pop("page", None)
    outbox = backends.calls_backend() == backends.OUTBOX
    # Calls handed to staff before the switchboard was changed are still theirs to record.
    manual = outbox or campaign.calls.filter(status=Call.Status.DIALING, placed_via=Call.PlacedVia.OUTBOX).exists()
    context = {
        "campaign": campaign,
        "progress": selectors.campaign_progress(campaign),
        "page": page,
        "rows": rows,
        "full": full,
        "filter_status": filter_status,
        # The same words as the counts above, in the page's language.
        "status_filters": [
            ("waiting", _("waiting to be called")),
            ("dialing", _("to dial by hand") if manual else _("dialling")),
            ("present", _("was there (key 1)")),
            ("not_present", _("was not there (key 2)")),
            ("no_choice", _("answered, no key")),
            ("unreachable", _("no answer after all tries")),
            ("failed", _("failed")),
            ("cancelled", _("cancelled")),
        ],
        "query": query.urlencode(),
        "manual": manual,
        "outbox": outbox,
        "result_form": ResultForm(),
        "form_error": form_error,
        "in_hours": services.within_calling_hours(timezone.now()),
        "hours": settings.CALLS_HOURS,
    }
    return render(request, "calls/detail.html", context, status=status)


@login_required
@require_GET
def campaign_detail(request, campaign_id: int):
    """/calls/<id>/: progress, actions and the calls (masked; ?numbers=full shows them, audited)."""
    try:
        _require_people_role(request)
        return _detail_page(request, campaign_id)
    except ApplicationError as exc:
        return _error(request, exc)


_ACTION_DONE = {
    "start": gettext_lazy("The campaign is running: calls are placed within calling hours."),
    "resume": gettext_lazy("The campaign is running again."),
    "pause": gettext_lazy("The campaign is paused: no new calls are placed."),
    "cancel": gettext_lazy("The campaign was cancelled: calls not yet placed will not be."),
}


@login_required
@require_POST
def campaign_action(request, campaign_id: int, action: str):
    """Start, resume, pause or cancel (services.call_campaign_action)."""
    try:
        _require_people_role(request)
        services.call_campaign_action(actor=request.user, campaign_id=campaign_id, action=action, ip=client_ip(request))
    except ApplicationError as exc:
        if exc.status == 409:
            messages.error(request, exc.as_dict()["message"])
            return redirect("calls:detail", campaign_id=campaign_id)
        return _error(request, exc)
    messages.success(request, _ACTION_DONE[action])
    return redirect("calls:detail", campaign_id=campaign_id)


@login_required
@require_POST
def call_result(request, campaign_id: int, call_id: int):
    """The outcome of a call dialled by hand (outbox switchboard)."""
    try:
        _require_people_role(request)
        selectors.campaign_get(viewer=request.user, campaign_id=campaign_id)
    except ApplicationError as exc:
        return _error(request, exc)
    form = ResultForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the result of the call."))
        return redirect("calls:detail", campaign_id=campaign_id)
    try:
        services.call_outcome_record(
            actor=request.user,
            call_id=call_id,
            campaign_id=campaign_id,
            result=form.cleaned_data["result"],
            ip=client_ip(request),
        )
    except ApplicationError as exc:
        if exc.status == 404:
            return _error(request, exc)
        messages.error(request, exc.as_dict()["message"])
        return redirect("calls:detail", campaign_id=campaign_id)
    messages.success(request, _("The result was recorded."))
    return redirect("calls:detail", campaign_id=campaign_id)


@login_required
@require_GET
def campaign_export(request, campaign_id: int):
    """The campaign's calls and results as a spreadsheet (numbers and names in full: audited)."""
    try:
        _require_people_role(request)
        campaign = selectors.campaign_get(viewer=request.user, campaign_id=campaign_id)
        rows = selectors.export_rows(viewer=request.user, campaign=campaign, ip=client_ip(request))
    except ApplicationError as exc:
        return _error(request, exc)
    header = [
        "ID",
        "Số điện thoại / Phone",
        "Họ tên / Name",
        "Nhóm / Group",
        "Địa điểm / Place",
        "Từ / From",
        "Đến / To",
        "Trạng thái / Status",
        "Lý do dừng / Why stopped",
        "Số lần gọi / Attempts",
        "Kết quả / Outcome",
        "Phím / Key",
        "Lúc / At",
        "SMS",
    ]
    return xlsx_response(f"robot-call-{campaign.case.number}-{campaign.pk}.xlsx", [("calls", header, rows)])
