"""Spreadsheet exports that are safe to open.

A cell that starts with = + - @ (or a tab/carriage return before them) is run as a formula by Excel
and LibreOffice ("CSV/formula injection", OWASP); a control character cannot be written at all (XML 1.0).
Every exported value goes through one helper, by format:

- .xlsx (`xlsx_cell`, used by `xlsx_bytes` and `xlsx_write`): such text is written as it was entered, as a
  string cell (never a formula) with the cell style's quote prefix (`quotePrefix`). Excel and LibreOffice show
  the text without an apostrophe and keep it text, also after the cell is edited.
- CSV, or any other plain-text table (`safe_cell`): no cell types there, so such text gets a leading
  apostrophe (OWASP's neutralisation). No CSV is exported today; an apostrophe in an .xlsx cell would be part
  of its text ("'=Nguyễn"), which is why .xlsx does not use it.
"""

import datetime as dt
import io
import logging
import os
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone, translation
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter

from .audit import audit_record
from .errors import EXPORT_NO_SCOPE, ApplicationError
from .models import ExportJob
from .queue import enqueue, enqueue_on_commit, stale_work_requeue, work_is_live
from .text import visible_controls

logger = logging.getLogger(__name__)

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet would take `text` for a formula (its first character is one of = + - @ tab CR)."""
    return text.startswith(_FORMULA_STARTS)


def _writable(value):
    """The value as a spreadsheet can hold it: a text's control characters shown as control pictures
    (core.text.visible_controls: openpyxl raises IllegalCharacterError on them, and one operator's cell id failed a
    whole export); an aware time in local (Vietnam) time, which is what officials read (openpyxl cannot store time
    zones); other values as they are."""
    if isinstance(value, str):
        return visible_controls(value)
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        return timezone.localtime(value).replace(tzinfo=None)
    return value


def safe_cell(value):
    """A value for a CSV (plain-text) cell: text that a spreadsheet would take for a formula gets a leading
    apostrophe (OWASP), control characters are shown as control pictures; other values as `_writable`. Not for
    .xlsx, where the apostrophe would show: see `xlsx_cell`."""
    value = _writable(value)
    if isinstance(value, str) and looks_like_formula(value):
        return "'" + value
    return value


def xlsx_cell(sheet, value):
    """A value for an .xlsx cell of `sheet` (write-only or not): text that a spreadsheet would take for a formula
    as a string cell (data type "s", so openpyxl writes no formula) with the quote prefix style, which shows the
    text as entered and keeps it text when the cell is edited; a date with its Vietnamese number format; any other
    value as `_writable` (a plain value: no cell object for each of a million rows)."""
    value = _writable(value)
    if isinstance(value, str):
        if not looks_like_formula(value):
            return value
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"  # openpyxl makes any text starting with "=" a formula
        cell.quotePrefix = True
        return cell
    number_format = date_number_format(value)
    if number_format is None:
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = number_format
    return cell


# A date cell shows in whatever format its number format says (openpyxl's default: yyyy-mm-dd h:mm:ss); officials
# read Vietnamese dates. The cells stay dates, so they sort and filter as dates.
XLSX_DATETIME_FORMAT = "dd/mm/yyyy hh:mm"
XLSX_DATE_FORMAT = "dd/mm/yyyy"


def date_number_format(value) -> str | None:
    if isinstance(value, dt.datetime):
        return XLSX_DATETIME_FORMAT
    if isinstance(value, dt.date):
        return XLSX_DATE_FORMAT
    return None


def _autofilter(sheet, header: Sequence[str], rows: int) -> None:
    """A filter button on each header cell, over the `rows` written below it."""
    sheet.auto_filter.ref = f"A1:{get_column_letter(max(1, len(header)))}{rows + 1}"


def xlsx_bytes(sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence]]]) -> bytes:
    """Build a workbook from (sheet title, header row, rows) triples."""
    workbook = Workbook(write_only=False)
    workbook.remove(workbook.active)
    for title, header, rows in sheets:
        sheet = workbook.create_sheet(title=title[:31])
        sheet.append([xlsx_cell(sheet, h) for h in header])
        for row in rows:
            sheet.append([xlsx_cell(sheet, v) for v in row])
        for index, name in enumerate(header, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = max(12, min(40, len(str(name)) + 4))
        sheet.freeze_panes = "A2"
        _autofilter(sheet, header, sheet.max_row - 1)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_response(filename: str, sheets) -> HttpResponse:
    response = HttpResponse(xlsx_bytes(sheets), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- Exports built in the background -----------------------------------------------------------------------
#
# A list that can run to tens of thousands of people (a province's work list of contacts) is not built in the
# request: the page queues an ExportJob, a task writes the workbook to a file row by row (openpyxl's write-only
# mode: memory stays flat), and the requester downloads it from the job's page. Each domain registers the
# builder of its exports in its AppConfig.ready, so core knows none of them.

# Excel's limit per sheet (support.microsoft.com, "Excel specifications and limits": 1,048,576 rows); a longer
# export goes on in sheets named "<title> (2)", "(3)", … so that nothing is cut off.
XLSX_MAX_ROWS = 1_048_576
_PROGRESS_EVERY = 1000
_EXPORT_FAILED = (
    "Không tạo được tệp; lỗi đã được ghi lại cho quản trị viên. / The file could not be built; the error is in the"
    " server's log."
)


@dataclass
class ExportPlan:
    """What a builder returns: the file's name, how many rows it will have (for the progress), and the sheets
    as (title, header, rows), rows produced lazily."""

    filename: str
    total: int
    sheets: list[tuple[str, Sequence[str], Iterable[Sequence]]]


ExportBuilder = Callable[[object, dict], ExportPlan]  # (the requesting user, the job's params)
_builders: dict[str, ExportBuilder] = {}


@dataclass(frozen=True)
class ExportAccess:
    """Under what an export kind's builder reads: `roles`, the roles whose holders get their area's records (none
    given: any official's role); `venues(user)`, the ids of the venues whose records a member of them gets."""

    roles: tuple[str, ...] = ()
    venues: Callable[[object], Iterable[int]] | None = None


_access: dict[str, ExportAccess] = {}


def register_export(
    kind: str, builder: ExportBuilder, *, roles: Sequence[str] = (), venues: Callable | None = None
) -> None:
    _builders[kind] = builder
    _access[kind] = ExportAccess(roles=tuple(roles), venues=venues)


def _scope(user, kind: str) -> tuple[str | None, str, list[int]]:
    """(area path, role, venue ids) that `user` may read through an export of `kind` now (see ExportJob)."""
    from phongdich.accounts.permissions import has_role
    from phongdich.accounts.selectors import official_of

    from .scoping import viewer_area_path

    access = _access.get(kind, ExportAccess())
    area, role = None, ""
    if has_role(user, *access.roles):
        area = viewer_area_path(user)
        official = None if user.is_superuser else official_of(user)
        role = official.role if official is not None else ""
    venues = sorted({int(pk) for pk in access.venues(user)}) if access.venues else []
    return area, role, venues


def exports_allowed(user, jobs: Iterable[ExportJob]) -> list[ExportJob]:
    """Those of `jobs` (the user's own) that the user may still open and download: the file was built from what its
    requester could read then, and is served only while they still can. A superuser may; otherwise the requester
    must still hold the role the file was built under, in an area containing the one it was built for, and belong to
    the venues it holds records of. An official moved to another commune, or whose role was withdrawn, no longer
    gets the list of their old area's contacts for the EXPORT_KEEP_HOURS it is kept (review of 2026-12-06). A job
    from before that was recorded (neither an area nor venues) is nobody's but a superuser's."""
    if user.is_superuser:
        return list(jobs)
    scopes, allowed = {}, []
    for job in jobs:
        if job.area_path is None and not job.venue_ids:
            continue
        if job.kind not in scopes:
            scopes[job.kind] = _scope(user, job.kind)
        area, role, venues = scopes[job.kind]
        if job.area_path is not None and (area is None or role != job.role or not job.area_path.startswith(area)):
            continue
        if not set(job.venue_ids) <= set(venues):
            continue
        allowed.append(job)
    return allowed


def export_allowed(user, job: ExportJob) -> bool:
    return bool(exports_allowed(user, [job]))


def export_dir() -> Path:
    path = Path(settings.EXPORT_DIR)
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def export_start(*, actor, kind: str, params: dict, ip: str | None = None) -> ExportJob:
    """Queue an export for `actor` (after the commit, so the worker sees the row), audited as
    `core.export.requested` with the filters and the requester's address; the builder audits what it then reads
    (without an address: it runs in a worker). The job records the area, role and venues the requester may read
    through this kind of export now: it is served only while they still may (exports_allowed). A requester with
    neither an area nor a venue for this kind is refused with export_no_scope (403), and nothing is queued."""
    from .tasks import export_run_task

    if kind not in _builders:
        raise ValueError(f"no export is registered as {kind!r}")
    area_path, role, venue_ids = _scope(actor, kind)
    if area_path is None and not venue_ids and not actor.is_superuser:
        # Nothing to read, and a file nobody but a superuser may download (exports_allowed): refused when asked,
        # not built (a venue member without a venue, an official whose role this kind does not serve).
        raise ApplicationError(EXPORT_NO_SCOPE, extra={"kind": kind})
    with transaction.atomic():
        job = ExportJob.objects.create(
            kind=kind,
            params=params,
            requested_by=actor,
            language=translation.get_language() or "",
            area_path=area_path,
            role=role,
            venue_ids=venue_ids,
        )
        audit_record(
            actor=actor, action="core.export.requested", obj=job, ip=ip, extra={"kind": kind, "params": params}
        )
        enqueue_on_commit(export_run_task, job.pk)
    return job


def export_run(job_id: int) -> None:
    """Build the job's file: rows read with the requester's scope, written to a temporary file renamed into
    place when whole, progress on the job's row. A job delivered again after a crash starts over; one already
    done is left as it is. A builder's error marks the job failed."""
    job = ExportJob.objects.filter(pk=job_id).select_related("requested_by").first()
    if job is None or job.status in (ExportJob.Status.DONE, ExportJob.Status.FAILED):
        return
    if job.attempts >= settings.TASK_MAX_ATTEMPTS:
        # A late copy while the last start builds the file steps aside; else each start before this one died: do
        # not loop for ever.
        if not work_is_live(job.status, job.progress_at):
            _give_up(job)
        return
    now = timezone.now()
    attempt = job.attempts + 1
    # This start's number: an older start still going (thought dead) writes nothing once this one began.
    mine = ExportJob.objects.filter(pk=job.pk, attempts=attempt)
    if not ExportJob.objects.filter(pk=job.pk, attempts=job.attempts, status__in=_UNFINISHED).update(
        status=ExportJob.Status.RUNNING, started_at=now, progress_at=now, rows_done=0, attempts=attempt, requeues=0
    ):
        return  # another start took it meanwhile
    stored_as = f"{job.pk}-{secrets.token_hex(8)}.xlsx"
    partial = export_dir() / f".{stored_as}.part"
    try:
        with translation.override(job.language or settings.LANGUAGE_CODE):
            plan = _builders[job.kind](job.requested_by, job.params)
            mine.update(rows_total=plan.total, filename=plan.filename, progress_at=timezone.now())

            def progress(done: int) -> None:
                mine.update(rows_done=done, progress_at=timezone.now())

            written = xlsx_write(partial, plan.sheets, progress=progress)
        os.replace(partial, export_dir() / stored_as)
    except Exception as exc:
        partial.unlink(missing_ok=True)
        if isinstance(exc, ApplicationError):  # the requester may no longer see these people, say
            said = exc.as_dict()
            error = f"{said['message_vi']} / {said['message_en']}"
        else:
            logger.exception("export %s failed", job.pk)
            error = _EXPORT_FAILED
        mine.filter(status=ExportJob.Status.RUNNING).update(
            status=ExportJob.Status.FAILED, error=error[:500], finished_at=timezone.now()
        )
        return
    if not mine.filter(status=ExportJob.Status.RUNNING).update(
        status=ExportJob.Status.DONE, rows_done=written, stored_as=stored_as, finished_at=timezone.now()
    ):
        (export_dir() / stored_as).unlink(missing_ok=True)  # a newer start owns the job: its file, not this one


# --- Jobs left running by a dead worker ---------------------------------------------------------------------------

_UNFINISHED = (ExportJob.Status.QUEUED, ExportJob.Status.RUNNING)
_GAVE_UP = (
    "Không tạo được tệp: tiến trình nền đã dừng {n} lần khi đang tạo; hãy yêu cầu xuất lại. / The file could not be"
    " built: the background worker stopped {n} times while building it; ask for the export again."
)


def _give_up(job: ExportJob) -> bool:
    failed = ExportJob.objects.filter(pk=job.pk, attempts=job.attempts, status__in=_UNFINISHED).update(
        status=ExportJob.Status.FAILED, error=_GAVE_UP.format(n=job.attempts)[:500], finished_at=timezone.now()
    )
    if failed:
        logger.error("export %s: given up after %s attempts", job.pk, job.attempts)
    return bool(failed)


def exports_sweep(*, now: dt.datetime | None = None) -> dict:
    """Exports queued or running without a sign of life for TASK_STALE_MINUTES: their worker died, or their message
    was lost. Each is queued again while its task has started fewer than TASK_MAX_ATTEMPTS times (a file is built
    again from the start), else marked failed with the reason. A live export reports progress every 1,000 rows, so
    it is never touched (beat: stale-work-sweep)."""
    from .tasks import export_run_task

    return stale_work_requeue(
        ExportJob.objects.filter(status__in=_UNFINISHED),
        attempts_field="attempts",
        give_up=_give_up,
        requeue=lambda job_id: enqueue(export_run_task, job_id),
        what="export",
        now=now or timezone.now(),
    )


def xlsx_write(path: Path, sheets, *, progress: Callable[[int], None] | None = None) -> int:
    """`xlsx_bytes` for any number of rows, written to `path` (mode 0600: it holds personal data) as they come;
    a sheet past Excel's limit goes on in another. Returns the rows written (headers not counted)."""
    workbook = Workbook(write_only=True)
    written = 0
    for title, header, rows in sheets:
        part = sheet_rows = 0
        sheet = None
        for row in rows:
            if sheet is None or sheet_rows == XLSX_MAX_ROWS:
                if sheet is not None:
                    _autofilter(sheet, header, sheet_rows - 1)
                part += 1
                sheet = _write_only_sheet(workbook, title if part == 1 else f"{title[:25]} ({part})", header)
                sheet_rows = 1
            sheet.append([xlsx_cell(sheet, v) for v in row])
            sheet_rows += 1
            written += 1
            if progress and written % _PROGRESS_EVERY == 0:
                progress(written)
        if sheet is None:
            sheet = _write_only_sheet(workbook, title, header)
            sheet_rows = 1
        _autofilter(sheet, header, sheet_rows - 1)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        workbook.save(handle)
    return written


def _write_only_sheet(workbook, title: str, header: Sequence[str]):
    sheet = workbook.create_sheet(title=title[:31])
    for index, name in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(12, min(40, len(str(name)) + 4))
    sheet.freeze_panes = "A2"
    sheet.append([xlsx_cell(sheet, h) for h in header])
    return sheet


def export_file(job: ExportJob) -> Path | None:
    """The job's file, while it is kept."""
    if job.status != ExportJob.Status.DONE or not job.stored_as:
        return None
    path = export_dir() / job.stored_as
    return path if path.exists() else None


def exports_prune(*, now: dt.datetime | None = None) -> int:
    """Delete the files and rows of exports older than EXPORT_KEEP_HOURS, and stray partial files. Returns
    how many jobs went."""
    now = now or timezone.now()
    old = ExportJob.objects.filter(created_at__lt=now - dt.timedelta(hours=settings.EXPORT_KEEP_HOURS))
    for stored_as in old.exclude(stored_as="").values_list("stored_as", flat=True):
        (export_dir() / stored_as).unlink(missing_ok=True)
    count, _ = old.delete()
    # Files no job names (a job deleted otherwise, a crash mid-write), once old enough not to be one being
    # finished right now.
    kept = set(ExportJob.objects.exclude(stored_as="").values_list("stored_as", flat=True))
    stale = (now - dt.timedelta(hours=settings.EXPORT_KEEP_HOURS)).timestamp()
    for path in [*export_dir().glob("*.xlsx"), *export_dir().glob(".*.part")]:
        if path.name not in kept and path.stat().st_mtime < stale:
            path.unlink(missing_ok=True)
    return count
