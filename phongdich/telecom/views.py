"""Pages of telecom imports and tracing (health department and province officials only).

Thin: services check, write and audit; selectors scope and audit reads. Out-of-area records answer 404.
"""

import math

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from phongdich.accounts.permissions import has_role
from phongdich.core import errors as core_errors
from phongdich.core.audit import audit_record, client_ip
from phongdich.core.errors import ApplicationError
from phongdich.core.exports import xlsx_response
from phongdich.core.middleware import checks_size_first
from phongdich.core.redirects import post_only

from . import selectors, services
from .forms import UploadForm, upload_initial

PAGE_SIZE = 30
ERRORS_SHOWN = 500  # on the page; the export has every stored one
FORM_OVERHEAD = 64 * 1024  # the multipart envelope and the other fields around the file


def _error(request, error: ApplicationError):
    return render(request, "core/error.html", {"error": error.as_dict()}, status=error.status)


def _body_size(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _allowed(request) -> bool:
    return has_role(request.user, *selectors.TELECOM_ROLES)


@checks_size_first  # the NUL check (core.middleware) leaves the body unread too
@csrf_exempt  # only to look at the size first: _imports checks the CSRF token before anything is done
@login_required
@require_http_methods(["GET", "POST"])
def imports(request):
    """/telecom/: the imports of the official's area and the upload form; a POST queues an import."""
    if not _allowed(request):
        return _error(request, ApplicationError(core_errors.PERMISSION_DENIED))
    if request.method == "POST" and _body_size(request) > services.max_upload_bytes() + FORM_OVERHEAD:
        # Refused before anything (CSRF middleware included) parses the body: a 2 GB upload is not spooled to
        # disk to be told it is too big.
        return _imports_page(request, UploadForm(), status=413, upload_error=services.file_too_large())
    return _imports(request)


@csrf_protect
def _imports(request):
    form, status = UploadForm(initial=upload_initial(request.GET)), 200
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            data, upload = form.cleaned_data, form.cleaned_data["file"]
            try:
                record = services.telecom_import_create(
                    actor=request.user,
                    operator=data["operator"],
                    kind=data["kind"],
                    policy=data["policy"],
                    file_name=upload.name,
                    chunks=upload.chunks(),
                    size=upload.size,
                    ip=client_ip(request),
                )
            except ApplicationError as exc:
                form.add_error(None, exc.as_dict()["message"])
                status = exc.status
            else:
                return redirect("telecom:import_detail", import_id=record.pk)
        else:
            status = 400
    return _imports_page(request, form, status=status)


def _imports_page(request, form, *, status: int, upload_error: ApplicationError | None = None):
    page = Paginator(selectors.telecom_imports(viewer=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "upload_error": upload_error.as_dict()["message"] if upload_error else ""}
    return render(request, "telecom/imports.html", context, status=status)


@login_required
@require_GET
def import_detail(request, import_id: int):
    """/telecom/imports/<id>/: progress (the page reloads itself until the import is finished), rejected rows, and
    the withdrawal form of a done import of location records."""
    try:
        record = selectors.telecom_import_get(viewer=request.user, import_id=import_id, ip=client_ip(request))
    except ApplicationError as exc:
        return _error(request, exc)
    return _import_page(request, record)


def _import_page(request, record, *, status: int = 200, withdraw_error: str = "", reason: str = ""):
    context = {
        "record": record,
        "errors": record.errors[:ERRORS_SHOWN],
        "errors_cut": len(record.errors) > ERRORS_SHOWN,
        "reasons": selectors.rejected_reasons(record),
        "only_unknown_cells": selectors.only_unknown_cells(record),
        "withdraw_error": withdraw_error,
        "reason": reason,
        "just_withdrawn": request.GET.get("withdrawn") == "1" and record.status == record.Status.WITHDRAWN,
        "retention_days": settings.TELECOM_RETENTION_DAYS,
        "records_left": max(0, record.rows_imported - record.records_pruned),
        "holes": selectors.import_holes(record),
        "holes_looked_for": selectors.holes_looked_for(record),
        # In tenths of an hour, rounded up: a stretch that short may still not count.
        "holes_min_hours": math.ceil((record.holes_min_minutes or 0) / 6) / 10,
    }
    return render(request, "telecom/import_detail.html", context, status=status)


@login_required
# A GET at the form's address (a refused withdrawal shown there, then a reload or the language switch) goes to the
# import's page (walk-through of 2026-12-07).
@post_only(lambda request, import_id: reverse("telecom:import_detail", kwargs={"import_id": import_id}))
def import_withdraw(request, import_id: int):
    """POST /telecom/imports/<id>/withdraw/: withdraw the import with the reason given
    (services.telecom_import_withdraw); back to its page. Refused: its page again, with the message and the text."""
    reason = request.POST.get("reason", "")
    try:
        services.telecom_import_withdraw(actor=request.user, import_id=import_id, reason=reason, ip=client_ip(request))
    except ApplicationError as exc:  # empty or too long among them, in the service's words
        message, status = exc.as_dict()["message"], exc.status
    else:
        return redirect(reverse("telecom:import_detail", kwargs={"import_id": import_id}) + "?withdrawn=1")
    try:
        record = selectors.telecom_import_get(viewer=request.user, import_id=import_id, audit=False)
    except ApplicationError as missing:
        return _error(request, missing)
    return _import_page(request, record, status=status, withdraw_error=message, reason=reason)


@login_required
@require_GET
def import_errors_export(request, import_id: int):
    """The rejected rows as a spreadsheet, to send back to the operator."""
    try:
        record = selectors.telecom_import_get(viewer=request.user, import_id=import_id, audit=False)
    except ApplicationError as exc:
        return _error(request, exc)
    audit_record(
        actor=request.user,
        action="telecom.import.errors_exported",
        obj=record,
        area_path=record.area_path,
        ip=client_ip(request),
    )
    rows = [(e["line"], e["column"], e["code"], e["reason_vi"], e["reason_en"]) for e in record.errors]
    header = ["Dòng / Line", "Cột / Column", "Mã / Code", "Lý do", "Reason"]
    return xlsx_response(f"telecom-import-{record.pk}-errors.xlsx", [("errors", header, rows)])


@login_required
@require_http_methods(["GET", "POST"])
def trace_case(request, case_id: int):
    """/telecom/trace/<case id>/: GET asks for confirmation (and shows the last run); POST traces and shows the
    outcome (running it again is harmless: nothing is added twice)."""
    try:
        case = services.telecom_case_get(actor=request.user, case_id=case_id)
    except ApplicationError as exc:
        return _error(request, exc)
    ip = client_ip(request)
    status, error, trace = 200, None, None
    if request.method == "POST":
        try:
            trace = services.telecom_trace_case(case=case, actor=request.user, ip=ip).trace
        except ApplicationError as exc:
            status, error = exc.status, exc.as_dict()
    if trace is None:
        trace = selectors.telecom_trace_latest(viewer=request.user, case=case, ip=ip)
    # Masked until the official asks for the numbers (?numbers=full, a link on the page): that read is audited.
    reveal = request.method == "GET" and request.GET.get("numbers") == "full"
    withdrawn = selectors.trace_withdrawn_imports(trace) if trace else []
    context = {
        "case": case,
        "trace": trace,
        "withdrawn_imports": withdrawn,
        "just_run": request.method == "POST" and error is None,
        "unknown": selectors.unknown_for(request.user, trace, reveal=reveal, ip=ip) if trace else [],
        "revealed": reveal and selectors.sees_full_phones(request.user),
        "may_see_numbers": selectors.sees_full_phones(request.user),
        "links": selectors.telecom_link_rows(viewer=request.user, case=case) if trace else [],
        "coverage": selectors.trace_coverage(trace=trace, case=case) if trace else None,
        "error": error,
    }
    return render(request, "telecom/trace.html", context, status=status)


@login_required
@require_GET
def trace_unknown_export(request, case_id: int):
    """The last run's unknown subscribers, numbers in full, as a spreadsheet to send to the operator (audited)."""
    try:
        case = services.telecom_case_get(actor=request.user, case_id=case_id)
        trace = case.telecom_traces.first()
        if trace is None:
            raise ApplicationError(core_errors.NOT_FOUND)
        rows = selectors.unknown_export_rows(viewer=request.user, trace=trace, ip=client_ip(request))
    except ApplicationError as exc:
        return _error(request, exc)
    # Bilingual headers, as the rejected rows' export: the file goes to the operator.
    header = ["Số thuê bao / Number", "Trạm / Cells", "Lần ở cùng trạm / Shared stays", "Số phút / Minutes"]
    header += ["Từ / First", "Đến / Last"]
    return xlsx_response(f"telecom-{case.number}-unknown.xlsx", [("unknown", header, rows)])
