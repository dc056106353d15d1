"""Reads of the telecom domain, for TELECOM_ROLES only and scoped to the viewer's area.

Imports carry the uploader's area; an official sees the imports of their area's subtree. Reading the list
of rejected rows (which may quote phone numbers) and the results of a trace run is audited.
"""

import datetime as dt
import re
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from phongdich.accounts.models import Official
from phongdich.accounts.permissions import has_role, require_role
from phongdich.cases.models import Case, ContactLink
from phongdich.cases.selectors import viewer_sees
from phongdich.core import errors as core_errors
from phongdich.core.audit import audit_record
from phongdich.core.errors import ApplicationError
from phongdich.core.scoping import scope_q
from phongdich.people.validation import phone_national

from .models import Operator, TelecomImport, TelecomTrace
from .rows import ROW_CODE_LABELS

# Who may import operators' files and trace with them (docs/telecom.md).
TELECOM_ROLES = (Official.Role.HEALTH_DEPT, Official.Role.PROVINCE_ADMIN)


def telecom_imports(*, viewer) -> QuerySet[TelecomImport]:
    """Imports uploaded in the viewer's area (all of them for a superuser), newest first."""
    require_role(viewer, *TELECOM_ROLES)
    return TelecomImport.objects.filter(scope_q(viewer, "area_path")).select_related(
        "uploaded_by__official__area", "withdrawn_by__official__area"
    )


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


@dataclass(frozen=True)
class RejectedReason:
    code: str
    rows: int
    label: str  # in the page's language (rows.ROW_CODE_LABELS)


def rejected_reasons(record: TelecomImport) -> list[RejectedReason]:
    """An import's rejected rows counted by reason, the most frequent first, every rejected row counted (the list of
    rows keeps only the first ERRORS_STORED_MAX): the page's summary above that list."""
    counts = sorted((record.rejected_by_code or {}).items(), key=lambda item: (-item[1], item[0]))
    return [RejectedReason(code, rows, str(ROW_CODE_LABELS.get(code, code))) for code, rows in counts if rows]


def only_unknown_cells(record: TelecomImport) -> bool:
    """Nothing imported and every row rejected as a cell not in the operator's list: the file is most likely another
    operator's (the operator chosen wrongly), or the operator's cell list lacks these cells."""
    return (
        record.kind == TelecomImport.Kind.LOCATIONS
        and record.rows_imported == 0
        and record.rows_rejected > 0
        and (record.rejected_by_code or {}) == {"unknown_cell": record.rows_rejected}
    )


def sees_full_phones(viewer) -> bool:
    """Whoever may run a telecom trace may read its unknown subscribers' numbers in full.

    The list exists so that they ask the operator who each number belongs to, and the operator needs the number;
    these officials upload the operators' files, which hold the same numbers in full, and see the phones of the
    people of their area (people app). The page still shows the numbers masked until asked (unknown_for), since
    they belong to bystanders who may never prove to be contacts; any other viewer only ever gets them masked.
    """
    return has_role(viewer, *TELECOM_ROLES)


def mask_phone(phone: str) -> str:
    """'+84912345678' -> '+8491•••••78': enough to tell numbers apart on a page, not to call them."""
    if len(phone) <= 6:
        return "•" * len(phone)
    return phone[:5] + "•" * (len(phone) - 7) + phone[-2:]


def unknown_for(viewer, trace: TelecomTrace, *, reveal: bool = False, ip: str | None = None) -> list[dict]:
    """A trace run's unknown subscribers as the viewer may see them: masked, unless `reveal` is asked by a viewer
    who may see the numbers (sees_full_phones). Numbers read in full are audited as a read of personal data
    (`telecom.trace.numbers_viewed`, with how many)."""
    full = reveal and sees_full_phones(viewer)
    standing = unknown_standing(trace)
    if full and standing:
        audit_record(
            actor=viewer,
            action="telecom.trace.numbers_viewed",
            obj=trace.case,
            area_path=trace.case.area_path,
            ip=ip,
            extra={"trace": trace.pk, "numbers": len(standing)},
        )
    return [
        {
            **item,
            "phone": item["phone"] if full else mask_phone(item["phone"]),
            "cell_labels": [cell_label(cell) for cell in item["cells"]],
        }
        for item in standing
    ]


def unknown_export_rows(*, viewer, trace: TelecomTrace, ip: str | None = None) -> list[list]:
    """The unknown subscribers of a run as spreadsheet rows, numbers in full, to send to the operator; only for
    viewers who may see the numbers (else permission_denied). Audited as `telecom.trace.numbers_exported`."""
    if not sees_full_phones(viewer):
        raise ApplicationError(core_errors.PERMISSION_DENIED)
    standing = unknown_standing(trace)
    audit_record(
        actor=viewer,
        action="telecom.trace.numbers_exported",
        obj=trace.case,
        area_path=trace.case.area_path,
        ip=ip,
        extra={"trace": trace.pk, "numbers": len(standing)},
    )
    rows = []
    for item in standing:
        cells = []
        for cell in item["cells"]:
            operator, cell_id = split_cell(cell)
            cells.append(f"{cell_id} ({Operator(operator).label})" if operator else cell)
        rows.append(
            [
                # The national form the operators' own files use ("0394…"); a "+84…" text would also be written as
                # quote-prefixed text by the export (core.exports.xlsx_cell).
                phone_national(item["phone"]),
                ", ".join(cells),
                item["records"],
                item["overlap_minutes"],
                _local(item.get("first")),
                _local(item.get("last")),
            ]
        )
    return rows


def _local(value: str | None):
    return dt.datetime.fromisoformat(value) if value else None


_CELL_PLACE = re.compile(r"^(?P<operator>[A-Za-z]+)(?: cell)? (?P<cell>\S.*)$")


def split_cell(text: str) -> tuple[str, str]:
    """(operator, cell id) of a cell as tracing stores it: "<operator> cell <id>" in a contact link's place,
    "<operator> <id>" in a run's unknown subscribers; ("", text) for anything else."""
    match = _CELL_PLACE.match(text or "")
    operator = match["operator"].lower() if match else ""
    if operator not in Operator.values:
        return "", text or ""
    return operator, match["cell"]


def cell_label(text: str) -> str:
    """A stored cell ("viettel cell TTH-KT-01") as the page's language writes it: "Trạm TTH-KT-01 (Viettel)",
    "Cell TTH-KT-01 (Viettel)"; other text as it is."""
    operator, cell_id = split_cell(text)
    if not operator:
        return text
    return _("Cell %(cell)s (%(operator)s)") % {"cell": cell_id, "operator": Operator(operator).label}


@dataclass
class LinkRow:
    """A contact link that telecom tracing added, as the trace page shows it."""

    link: ContactLink
    visible: bool  # False: the person lives outside the viewer's area (initials only, no link)
    cell: str


def telecom_link_rows(*, viewer, case: Case) -> list[LinkRow]:
    """The evidence telecom tracing added to a case, each with whether the viewer may open the contact (as the
    case page decides: cases.selectors.viewer_sees) and its cell in the page's language."""
    return [
        LinkRow(link=link, visible=viewer_sees(viewer, link.contact.area_path), cell=cell_label(link.place))
        for link in telecom_links(case=case)
    ]


@dataclass(frozen=True)
class TraceCoverage:
    """What a run could read, beside what it found: the period its records cover, and how much of the case's
    infectious window the imports' own periods cover. A run that found no record of the case's phone says which it
    was: no records of that time, or none of that phone in records that cover it."""

    phone: str  # the case's phone as traced, in the national form the operators use (0912…)
    first: dt.datetime | None  # None: no records imported in the area (or a run from before 2026-12-07)
    last: dt.datetime | None
    covers_window: bool  # at least in part
    # Of the window, by the imports' periods (TelecomTrace.window_covered); None for runs before 2026-12-07, which
    # knew only the earliest-to-latest period.
    covered: list[tuple[dt.datetime, dt.datetime]] | None = None
    gaps: list[tuple[dt.datetime, dt.datetime]] | None = None
    # Of those gaps, the holes inside an import's period (its file has no record of those hours): [{from, to, import,
    # file_name, operator, operator_name}] (TelecomTrace.window_holes, with the operator's display name: whom to ask
    # for the missing records; "" for runs before 2026-12-07, which kept no operator); empty for runs before holes
    # were looked for.
    holes: list[dict] | None = None

    @property
    def covers_whole_window(self) -> bool:
        return self.covered is not None and bool(self.covered) and not self.gaps


def window_gaps(covered, start: dt.datetime, end: dt.datetime) -> list[tuple[dt.datetime, dt.datetime]]:
    """The parts of [start, end) outside `covered` (ordered, disjoint intervals inside it)."""
    gaps, at = [], start
    for first, last in covered:
        if first > at:
            gaps.append((at, first))
        at = max(at, last)
    if at < end:
        gaps.append((at, end))
    return gaps


def trace_coverage(*, trace: TelecomTrace, case: Case) -> TraceCoverage:
    """The run's coverage of the case's window. From the imports' own periods when the run kept them: an import's
    period counts as covered, the time between two imports does not (docs/telecom.md "No record, or no contact")."""
    first, last = trace.records_from, trace.records_to
    phone = phone_national(trace.phone)
    if trace.window_covered is None:  # a run from before 2026-12-07: the earliest-to-latest period only
        covers = first is not None and last is not None and first < case.window_end and last > case.window_start
        return TraceCoverage(phone=phone, first=first, last=last, covers_window=covers)
    covered = [(dt.datetime.fromisoformat(a), dt.datetime.fromisoformat(b)) for a, b in trace.window_covered]
    # The window as it was traced may differ from the case's now (an onset corrected since): the run's own window is
    # not stored, so gaps are named inside the case's current window, clipped to it.
    covered = [(max(a, case.window_start), min(b, case.window_end)) for a, b in covered]
    covered = [(a, b) for a, b in covered if a < b]
    holes = []
    for hole in trace.window_holes or []:
        start = max(dt.datetime.fromisoformat(hole["from"]), case.window_start)
        end = min(dt.datetime.fromisoformat(hole["to"]), case.window_end)
        if start < end:
            operator = hole.get("operator", "")
            name = Operator(operator).label if operator in Operator.values else operator
            holes.append({**hole, "from": start, "to": end, "operator_name": name})
    return TraceCoverage(
        phone=phone,
        first=first,
        last=last,
        covers_window=bool(covered),
        covered=covered,
        gaps=window_gaps(covered, case.window_start, case.window_end),
        holes=holes,
    )


def holes_looked_for(record: TelecomImport) -> bool:
    """Whether the import's period is long enough, for its number of records, that a hole could have been found in it
    (holes_min_minutes shorter than the period): a small file's page says its silences cannot be judged."""
    if not record.holes_min_minutes or record.records_from is None or record.records_to is None:
        return False
    return (record.records_to - record.records_from) > dt.timedelta(minutes=record.holes_min_minutes)


def import_holes(record: TelecomImport) -> list[tuple[dt.datetime, dt.datetime]]:
    """An import's holes (hours inside its period of which its file has no record), as datetimes for its page."""
    return [(dt.datetime.fromisoformat(a), dt.datetime.fromisoformat(b)) for a, b in record.records_holes or []]


def trace_withdrawn_imports(trace: TelecomTrace) -> list[TelecomImport]:
    """The imports a run read that have been withdrawn since (its links from them removed, their records deleted):
    the page says so beside the run's figures, which still count what they gave."""
    if not trace.imports_read:
        return []
    return list(
        TelecomImport.objects.filter(pk__in=trace.imports_read, status=TelecomImport.Status.WITHDRAWN).order_by("pk")
    )


def unknown_standing(trace: TelecomTrace, withdrawn: set[int] | None = None) -> list[dict]:
    """A run's unknown subscribers less those found only through imports withdrawn since: a number that came from a
    wrong file is not to be sent to the operator. A run from before 2026-12-07 kept no sources: listed whole."""
    if withdrawn is None:
        withdrawn = {record.pk for record in trace_withdrawn_imports(trace)}
    if not withdrawn:
        return list(trace.unknown)
    return [
        item
        for item in trace.unknown
        if "sources" not in item or any(not (set(source) & withdrawn) for source in item["sources"])
    ]


def telecom_trace_latest(*, viewer, case: Case, ip: str | None = None) -> TelecomTrace | None:
    """The last telecom trace run of a case (the case already checked by services.telecom_case_get); audited."""
    trace = case.telecom_traces.select_related("run_by__official__area").first()
    if trace is not None:
        audit_record(actor=viewer, action="telecom.trace.viewed", obj=case, area_path=case.area_path, ip=ip)
    return trace


def telecom_trace_run(*, viewer, case: Case, trace_id: int, link_ids: list[int], ip: str | None = None):
    """One run of a case (the case already checked by services.telecom_case_get) and the links it answered, in the
    order it answered them: (trace, links). An API request repeated with its Idempotency-Key is answered from here
    (api.TelecomTraceApi), not from a stored copy. Gone after TELECOM_RETENTION_DAYS (not_found); audited."""
    trace = case.telecom_traces.select_related("run_by__official__area").filter(pk=trace_id).first()
    if trace is None:
        raise ApplicationError(core_errors.NOT_FOUND)
    audit_record(actor=viewer, action="telecom.trace.viewed", obj=case, area_path=case.area_path, ip=ip)
    found = ContactLink.objects.filter(case=case, pk__in=link_ids).select_related("contact__person").in_bulk()
    return trace, [found[pk] for pk in link_ids if pk in found]


def telecom_links(*, case: Case) -> QuerySet[ContactLink]:
    """The evidence telecom tracing added to a case (kept apart from check-ins by its source)."""
    return (
        ContactLink.objects.filter(case=case, source=ContactLink.Source.TELECOM)
        .select_related("contact__person")
        .order_by("exposure_start", "pk")
    )
