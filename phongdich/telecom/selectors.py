"""Reads of the telecom domain, for TELECOM_ROLES only and scoped to the viewer's area.

Imports carry the uploader's area; an official sees the imports of their area's subtree. Reading the list
of rejected rows (which may quote phone numbers) and the results of a trace run is audited.
"""

from django.db.models import QuerySet

from phongdich.accounts.models import Official
from phongdich.accounts.permissions import has_role, require_role
from phongdich.cases.models import Case, ContactLink
from phongdich.core import errors as core_errors
from phongdich.core.audit import audit_record
from phongdich.core.errors import ApplicationError
from phongdich.core.scoping import scope_q

from .models import TelecomImport, TelecomTrace

# Who may import operators' files and trace with them (docs/telecom.md).
TELECOM_ROLES = (Official.Role.HEALTH_DEPT, Official.Role.PROVINCE_ADMIN)


def telecom_imports(*, viewer) -> QuerySet[TelecomImport]:
    """Imports uploaded in the viewer's area (all of them for a superuser), newest first."""
    require_role(viewer, *TELECOM_ROLES)
    return TelecomImport.objects.filter(scope_q(viewer, "area_path")).select_related("uploaded_by")


def telecom_import_get(*, viewer, import_id, ip: str | None = None, audit: bool = True) -> TelecomImport:
    """One import; outside the viewer's area or unknown: not_found. Opening it (its rejected rows) is audited."""
    try:
        import_id = int(import_id)
    except (TypeError, ValueError):
        raise ApplicationError(core_errors.NOT_FOUND) from None
    record = telecom_imports(viewer=viewer).filter(pk=import_id).first()
    if record is None:
        raise ApplicationError(core_errors.NOT_FOUND)
    if audit and record.rows_rejected:
        audit_record(actor=viewer, action="telecom.import.viewed", obj=record, area_path=record.area_path, ip=ip)
    return record


def sees_full_phones(viewer) -> bool:
    """Unknown subscribers' numbers in full for the health department (who asks the operator), masked for others."""
    return has_role(viewer, Official.Role.HEALTH_DEPT)


def mask_phone(phone: str) -> str:
    """'+84912345678' -> '+8491•••••78': enough to tell numbers apart on a page, not to call them."""
    if len(phone) <= 6:
        return "•" * len(phone)
    return phone[:5] + "•" * (len(phone) - 7) + phone[-2:]


def unknown_for(viewer, trace: TelecomTrace) -> list[dict]:
    """A trace run's unknown subscribers as the viewer may see them."""
    full = sees_full_phones(viewer)
    return [{**item, "phone": item["phone"] if full else mask_phone(item["phone"])} for item in trace.unknown]


def telecom_trace_latest(*, viewer, case: Case, ip: str | None = None) -> TelecomTrace | None:
    """The last telecom trace run of a case (the case already checked by services.telecom_case_get); audited."""
    trace = case.telecom_traces.select_related("run_by").first()
    if trace is not None:
        audit_record(actor=viewer, action="telecom.trace.viewed", obj=case, area_path=case.area_path, ip=ip)
    return trace


def telecom_links(*, case: Case) -> QuerySet[ContactLink]:
    """The evidence telecom tracing added to a case (kept apart from check-ins by its source)."""
    return (
        ContactLink.objects.filter(case=case, source=ContactLink.Source.TELECOM)
        .select_related("contact__person")
        .order_by("exposure_start", "pk")
    )
