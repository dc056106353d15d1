"""Lab sheets: results of many samples and pools imported from an .xlsx file (docs/testing.md "Import format").

`results_import_xlsx` reads the whole sheet, checks every row the way a typed result is checked
(services.result_check) and, when no row is wrong, stores them all in one transaction through
services.results_apply (bulk inserts). A wrong row refuses the whole sheet (all or nothing, the default) and the
report lists every wrong row with its line number and column, in Vietnamese and English.

Uploads from the import page run as a Celery task (tasks.results_import_job_task) that reports its progress into
an ImportJob row, which the page polls.
"""

import datetime as dt
import io
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from phongdich.accounts.permissions import require_role
from phongdich.core.audit import audit_record
from phongdich.core.errors import ApplicationError
from phongdich.core.exports import xlsx_bytes
from phongdich.core.queue import enqueue
from phongdich.core.text import fold

from . import errors
from .barcodes import barcode_is_valid, barcode_normalise
from .models import ImportJob, Pool, Sample, TestType
from .selectors import lab_sites_q
from .services import LAB_ROLES, CheckedResult, ResultInput, ResultProblem, ct_parse, result_check, results_apply

logger = logging.getLogger(__name__)

# Columns of a lab sheet: key → (Vietnamese header, English header, other accepted spellings). Headers are
# matched without diacritics or case, so "Mã vạch", "MA VACH" and "Barcode" are the same column.
COLUMNS = {
    "barcode": ("Mã vạch", "Barcode", ("ma mau", "sample barcode", "ma vach mau")),
    "test_type": ("Loại xét nghiệm", "Test type", ("loai xn", "type")),
    "result": ("Kết quả", "Result", ("ket qua xet nghiem",)),
    "ct": ("Ct", "Ct value", ("gia tri ct",)),
    "tested_at": ("Thời gian xét nghiệm", "Tested at", ("ngay xet nghiem", "test date", "tested on")),
}
# Optional: the rapid antigen test device (EU DCC "test-manf" id or the product name).
OPTIONAL_COLUMNS = {"device": ("Sinh phẩm test nhanh", "RAT device", ("sinh pham", "device"))}
_HEADER_KEYS = {
    fold(name): key for key, (vi, en, others) in {**COLUMNS, **OPTIONAL_COLUMNS}.items() for name in (vi, en, *others)
}
_TEST_TYPES = {
    **dict.fromkeys(("pcr", "rt-pcr", "rt pcr", "rtpcr", "naat"), TestType.PCR),
    **dict.fromkeys(("antigen", "rat", "test nhanh", "khang nguyen", "test nhanh khang nguyen"), TestType.ANTIGEN),
}
_OUTCOMES = {
    **dict.fromkeys(("am tinh", "am", "negative", "neg", "-", "khong phat hien", "not detected"), "negative"),
    **dict.fromkeys(("duong tinh", "duong", "positive", "pos", "+", "phat hien", "detected"), "positive"),
    **dict.fromkeys(("khong xac dinh", "invalid", "loi", "mau loi"), "invalid"),
}
_DATE_FORMATS = (
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%d-%m-%Y %H:%M",
)
_DAY_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y")
# A result dated by its day only is stored at noon of that day (never before the sample, never in the future).
DATE_ONLY_HOUR = 12
PROGRESS_EVERY = 500
_LOOKUP_CHUNK = 900  # under SQLite's default limit of bound parameters of old versions (999)


@dataclass
class ImportReport:
    """What an import did. With all_or_nothing (the default) rows_imported is 0 whenever errors is not empty."""

    rows_total: int = 0
    rows_imported: int = 0
    rows_rejected: int = 0
    errors: list[dict] = field(default_factory=list)  # {line, column, reason_vi, reason_en}

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class _Row:
    line: int
    barcode: str
    test_type: str
    outcome: str
    ct: Decimal | None
    tested_at: dt.datetime | None
    tested_on: dt.date | None
    device: str


@lru_cache(maxsize=256)
def _folded(text: str) -> str:
    """fold() of a cell's text; a sheet repeats the same few words thousands of times."""
    return fold(text)


def _error(line: int, column: str, vi: str, en: str) -> dict:
    return {"line": line, "column": column, "reason_vi": vi, "reason_en": en}


def _header_labels() -> tuple[list[str], list[str]]:
    return [vi for vi, _en, _ in COLUMNS.values()], [en for _vi, en, _ in COLUMNS.values()]


def _sheet_error(vi: str, en: str, **extra) -> ApplicationError:
    expected_vi, expected_en = _header_labels()
    return ApplicationError(
        errors.SHEET_INVALID,
        extra={"expected_columns_vi": expected_vi, "expected_columns_en": expected_en, **extra},
        vi=f"{errors.SHEET_INVALID.vi} {vi} Cần các cột: {', '.join(expected_vi)}.",
        en=f"{errors.SHEET_INVALID.en} {en} Expected columns: {', '.join(expected_en)}.",
    )


def _read_rows(file) -> tuple[dict[str, int], list[tuple[int, tuple]]]:
    """The header's column positions and the non-empty data rows with their line numbers (1 = the header)."""
    from openpyxl import load_workbook

    if isinstance(file, str | bytes) or hasattr(file, "__fspath__"):
        source = io.BytesIO(file) if isinstance(file, bytes) else file
    else:
        source = file
    try:
        workbook = load_workbook(source, read_only=True, data_only=True)
    except Exception as exc:  # not a zip, not a workbook, a broken file: openpyxl raises many kinds
        raise _sheet_error("Tệp không phải là bảng tính .xlsx.", "The file is not an .xlsx workbook.") from exc
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise _sheet_error("Bảng tính trống.", "The sheet is empty.")
        positions: dict[str, int] = {}
        found = []
        for index, cell in enumerate(header):
            name = str(cell).strip() if cell is not None else ""
            if not name:
                continue
            found.append(name)
            key = _HEADER_KEYS.get(fold(name))
            if key is None:
                continue  # other columns (a patient's name, a note) are allowed and ignored
            if key in positions:
                raise _sheet_error(f"Cột “{name}” có hai lần.", f"The column “{name}” appears twice.", found=found)
            positions[key] = index
        missing = [key for key in COLUMNS if key not in positions]
        if missing:
            raise _sheet_error(
                f"Thiếu cột: {', '.join(COLUMNS[key][0] for key in missing)}.",
                f"Missing columns: {', '.join(COLUMNS[key][1] for key in missing)}.",
                missing=missing,
                found=found,
            )
        data = []
        limit = settings.TESTING_IMPORT_MAX_ROWS
        for line, row in enumerate(rows, start=2):
            if not row or all(value is None or (isinstance(value, str) and not value.strip()) for value in row):
                continue
            if len(data) >= limit:
                raise ApplicationError(errors.SHEET_TOO_LARGE, extra={"max_rows": limit})
            data.append((line, row))
        return positions, data
    finally:
        workbook.close()


def _cell(row: tuple, index: int | None):
    return row[index] if index is not None and index < len(row) else None


def _parse_time(value, tz) -> tuple[dt.datetime | None, dt.date | None]:
    """(a datetime, None) or (None, a date only); ValueError when it is no date at all (e.g. 31/02/2021)."""
    if isinstance(value, dt.datetime):
        return (value if timezone.is_aware(value) else timezone.make_aware(value, tz)), None
    if isinstance(value, dt.date):
        return None, value
    if isinstance(value, int | float) and not isinstance(value, bool):
        from openpyxl.utils.datetime import from_excel

        converted = from_excel(value)  # a date cell without its date format: Excel's serial day number
        if isinstance(converted, dt.datetime):
            if converted.time() == dt.time.min:
                return None, converted.date()
            return timezone.make_aware(converted, tz), None
        raise ValueError(value)
    text = " ".join(str(value).split())
    for pattern in _DATE_FORMATS:
        try:
            return timezone.make_aware(dt.datetime.strptime(text, pattern), tz), None
        except ValueError:
            continue
    for pattern in _DAY_FORMATS:
        try:
            return None, dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(text)


def _parse(line: int, row: tuple, positions: dict[str, int], tz) -> tuple[_Row | None, list[dict]]:
    problems = []
    raw_barcode = _cell(row, positions["barcode"])
    barcode = barcode_normalise(str(raw_barcode)) if raw_barcode is not None else ""
    if not barcode:
        problems.append(_error(line, "barcode", "Thiếu mã vạch.", "The barcode is missing."))
    elif not barcode_is_valid(barcode):
        problems.append(
            _error(
                line,
                "barcode",
                "Mã vạch sai (ký tự kiểm tra không khớp).",
                "The barcode is wrong (its check character does not match).",
            )
        )
    raw_type = _cell(row, positions["test_type"])
    test_type = ""
    if raw_type is not None and str(raw_type).strip():
        test_type = _TEST_TYPES.get(_folded(str(raw_type)), "")
        if not test_type:
            problems.append(
                _error(
                    line,
                    "test_type",
                    "Loại xét nghiệm phải là RT-PCR hoặc test nhanh kháng nguyên.",
                    "The test type must be RT-PCR or rapid antigen.",
                )
            )
    raw_result = _cell(row, positions["result"])
    outcome = _OUTCOMES.get(_folded(str(raw_result))) if raw_result is not None else None
    if outcome is None:
        problems.append(
            _error(
                line,
                "result",
                "Kết quả phải là âm tính, dương tính hoặc không xác định.",
                "The result must be negative, positive or invalid.",
            )
        )
    ct = None
    try:
        ct = ct_parse(_cell(row, positions["ct"]))
    except ResultProblem as problem:
        problems.append(_error(line, "ct", problem.vi, problem.en))
    raw_time = _cell(row, positions["tested_at"])
    tested_at = tested_on = None
    if raw_time is None or (isinstance(raw_time, str) and not raw_time.strip()):
        problems.append(_error(line, "tested_at", "Thiếu thời gian xét nghiệm.", "The test time is missing."))
    else:
        try:
            tested_at, tested_on = _parse_time(raw_time, tz)
        except (ValueError, OverflowError, TypeError):
            problems.append(
                _error(
                    line,
                    "tested_at",
                    "Thời gian xét nghiệm không phải là ngày giờ có thật (dd/mm/yyyy hh:mm).",
                    "The test time is not a real date and time (dd/mm/yyyy hh:mm).",
                )
            )
    raw_device = _cell(row, positions.get("device"))
    device = str(raw_device).strip()[:40] if raw_device is not None else ""
    if problems:
        return None, problems
    return _Row(line, barcode, test_type, outcome, ct, tested_at, tested_on, device), []


def _date_only_time(day: dt.date, collected_at: dt.datetime | None, now: dt.datetime, tz) -> dt.datetime:
    """A day-only test time: noon of that day, moved to the sample's time or to now when that is later/earlier.
    A day before the sample's or after today stays outside and is refused by result_check."""
    noon = timezone.make_aware(dt.datetime.combine(day, dt.time(DATE_ONLY_HOUR)), tz)
    if collected_at is not None and timezone.localtime(collected_at, tz).date() == day:
        noon = max(noon, collected_at)
    if day == timezone.localtime(now, tz).date():
        noon = min(noon, now)
    return noon


class _SampleRef(NamedTuple):
    """What checking and storing a sample's result reads: a tuple, not a model (thousands per sheet)."""

    pk: int
    barcode: str
    site_id: int
    test_type: str
    collected_at: dt.datetime
    status: str
    site_path: str
    person_path: str


def _targets(barcodes: list[str], actor) -> dict[str, tuple[object, dt.datetime | None]]:
    """Samples and pools of the actor's sites by barcode, with the time their swab was taken."""
    found: dict[str, tuple[object, dt.datetime | None]] = {}
    visible = lab_sites_q(actor, "site_path")
    for start in range(0, len(barcodes), _LOOKUP_CHUNK):
        chunk = barcodes[start : start + _LOOKUP_CHUNK]
        for values in Sample.objects.filter(visible, barcode__in=chunk).values_list(*_SampleRef._fields):
            sample = _SampleRef(*values)
            found[sample.barcode] = (sample, sample.collected_at)
    rest = [barcode for barcode in barcodes if barcode not in found]
    for start in range(0, len(rest), _LOOKUP_CHUNK):
        pools = Pool.objects.filter(visible, barcode__in=rest[start : start + _LOOKUP_CHUNK]).annotate(
            latest=Max("samples__collected_at")
        )
        for pool in pools:
            found[pool.barcode] = (pool, pool.latest)
    return found


def results_import_xlsx(
    *,
    actor,
    file,
    progress: Callable[[int, int], None] | None = None,
    all_or_nothing: bool = True,
    import_job: ImportJob | None = None,
) -> ImportReport:
    """Import a lab sheet (a path or a binary file object of an .xlsx file) for the actor's sites.

    A sheet that cannot be read, lacks a column or has a column twice raises ApplicationError
    (testing_sheet_invalid, naming the expected columns), more rows than TESTING_IMPORT_MAX_ROWS raises
    testing_sheet_too_large; nothing is written then. Every row is checked (unknown barcode, a wrong check
    character, a test type or result not understood, result and Ct inconsistent, Ct out of range, a time that is
    no date, before the sample or in the future, a barcode twice in the sheet or already resulted) and each
    problem is reported as {line, column, reason_vi, reason_en}. With all_or_nothing (the default) one wrong row
    refuses the sheet; otherwise the right rows are stored and the wrong ones reported. `progress(done, total)`
    is called while rows are checked and once at the end (from the caller's thread, outside the transaction).
    """
    require_role(actor, *LAB_ROLES)
    positions, data = _read_rows(file)
    total = len(data)
    report = ImportReport(rows_total=total)
    tz = timezone.get_current_timezone()
    now = timezone.now()
    parsed: list[_Row] = []
    first_line: dict[str, int] = {}
    bad_lines: set[int] = set()
    for line, row in data:
        item, problems = _parse(line, row, positions, tz)
        if problems:
            report.errors.extend(problems)
            bad_lines.add(line)
            continue
        if item.barcode in first_line:
            report.errors.append(
                _error(
                    line,
                    "barcode",
                    f"Mã vạch trùng với dòng {first_line[item.barcode]}.",
                    f"The barcode repeats line {first_line[item.barcode]}.",
                )
            )
            bad_lines.add(line)
            continue
        first_line[item.barcode] = line
        parsed.append(item)
    targets = _targets([item.barcode for item in parsed], actor)
    checked: list[tuple[int, CheckedResult]] = []
    for done, item in enumerate(parsed, start=1):
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done + len(bad_lines), total)
        target, collected_at = targets.get(item.barcode, (None, None))
        if target is None:
            report.errors.append(
                _error(
                    item.line,
                    "barcode",
                    "Không có mẫu hoặc mẫu gộp nào của điểm xét nghiệm của bạn mang mã vạch này.",
                    "No sample or pool of your sites has this barcode.",
                )
            )
            bad_lines.add(item.line)
            continue
        tested_at = item.tested_at or _date_only_time(item.tested_on, collected_at, now, tz)
        try:
            result = result_check(
                target=target,
                collected_at=collected_at,
                item=ResultInput(
                    barcode=item.barcode,
                    outcome=item.outcome,
                    test_type=item.test_type,
                    ct_value=item.ct,
                    tested_at=tested_at,
                    device=item.device,
                ),
                now=now,
            )
        except ResultProblem as problem:
            report.errors.append(_error(item.line, problem.column, problem.vi, problem.en))
            bad_lines.add(item.line)
            continue
        checked.append((item.line, result))
    report.errors.sort(key=lambda error: error["line"])
    report.rows_rejected = len(bad_lines)
    if report.errors and all_or_nothing:
        if progress is not None:
            progress(total, total)
        return report
    if checked:
        with transaction.atomic():
            _recheck_locked([result for _line, result in checked])
            stored = results_apply(actor=actor, checked=[result for _line, result in checked], import_job=import_job)
            audit_record(
                actor=actor,
                action="testing.results.imported",
                obj=import_job,
                extra={"rows": len(checked), "individual_results": stored, "rejected": report.rows_rejected},
            )
    report.rows_imported = len(checked)
    if progress is not None:
        progress(total, total)
    return report


def _recheck_locked(checked: list[CheckedResult]) -> None:
    """Inside the write transaction: lock the rows and make sure nothing was resulted or pooled since the check."""
    sample_ids = [item.target.pk for item in checked if not item.is_pool]
    pool_ids = [item.target.pk for item in checked if item.is_pool]
    for start in range(0, len(sample_ids), _LOOKUP_CHUNK):
        chunk = sample_ids[start : start + _LOOKUP_CHUNK]
        locked = Sample.objects.select_for_update().filter(pk__in=chunk, status=Sample.Status.AWAITING).count()
        if locked != len(chunk):
            raise ApplicationError(errors.ALREADY_RESULTED, extra={"reason": "changed during the import"})
    for start in range(0, len(pool_ids), _LOOKUP_CHUNK):
        chunk = pool_ids[start : start + _LOOKUP_CHUNK]
        locked = Pool.objects.select_for_update().filter(pk__in=chunk, status=Pool.Status.OPEN).count()
        if locked != len(chunk):
            raise ApplicationError(errors.ALREADY_RESULTED, extra={"reason": "changed during the import"})


# --- the import page's background job -------------------------------------------------------------------------


def import_job_create(*, actor, filename: str, content: bytes) -> ImportJob:
    """Store an uploaded sheet and queue its import after the commit (the page then polls the job)."""
    require_role(actor, *LAB_ROLES)
    if not content:
        raise _sheet_error("Tệp trống.", "The file is empty.")
    with transaction.atomic():
        job = ImportJob.objects.create(created_by=actor, filename=(filename or "")[:255], content=content)
        audit_record(actor=actor, action="testing.import.queued", obj=job, extra={"filename": job.filename})
        transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _enqueue(job_id: int) -> None:
    from .tasks import results_import_job_task

    enqueue(results_import_job_task, job_id)


def import_job_run(*, job_id: int) -> ImportJob | None:
    """Run a queued import; the row shows progress while it runs. Repeatable: a finished job is left alone."""
    job = ImportJob.objects.select_related("created_by").filter(pk=job_id).first()
    if job is None or job.status in (ImportJob.Status.DONE, ImportJob.Status.FAILED):
        return job
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING)

    def report_progress(done: int, total: int) -> None:
        ImportJob.objects.filter(pk=job.pk).update(rows_done=done, rows_total=total)

    try:
        report = results_import_xlsx(
            actor=job.created_by, file=io.BytesIO(bytes(job.content)), progress=report_progress, import_job=job
        )
    except ApplicationError as exc:
        answer = exc.as_dict()
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.FAILED,
            error_code=exc.code,
            errors=[_error(1, "", answer["message_vi"], answer["message_en"])],
            content=b"",
            finished_at=timezone.now(),
        )
    else:
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.DONE if report.ok else ImportJob.Status.FAILED,
            error_code="" if report.ok else errors.SHEET_ROWS_INVALID.code,
            rows_total=report.rows_total,
            rows_done=report.rows_total,
            rows_imported=report.rows_imported,
            rows_rejected=report.rows_rejected,
            errors=report.errors,
            content=b"",
            finished_at=timezone.now(),
        )
    job.refresh_from_db()
    return job


def lab_sheet_xlsx(rows=(), *, language: str = "vi") -> bytes:
    """A lab sheet with the expected header (Vietnamese or English) and the given rows: the template offered on
    the import page, and what tests and the benchmark import."""
    header = [vi if language == "vi" else en for vi, en, _ in COLUMNS.values()]
    return xlsx_bytes([("Ket qua" if language == "vi" else "Results", header, rows)])
