"""Writes of the telecom domain: imports of operators' files, tracing a case through them, retention.

Only health department and province officials (and superusers) may import or trace: subscriber location
records are among the most sensitive data the platform holds. Every run is audited.
"""

import datetime as dt
import hashlib
import logging
import math
import os
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q, Subquery
from django.utils import timezone

from phongdich.accounts.permissions import require_role
from phongdich.cases.models import Case, ContactLink
from phongdich.cases.selectors import contact_link_keys
from phongdich.cases.services import case_refuse_if_withdrawn, contact_link_add, contact_links_remove
from phongdich.core import errors as core_errors
from phongdich.core.audit import audit_record
from phongdich.core.dates import local_iso
from phongdich.core.errors import ApplicationError
from phongdich.core.locks import advisory_xact_lock
from phongdich.core.queue import enqueue, stale_work_requeue, work_is_live
from phongdich.core.scoping import area_visible, scope_q, viewer_area_path
from phongdich.people.models import Person

from . import errors, readers
from .models import Cell, Operator, SubscriberLocation, TelecomImport, TelecomTrace
from .notes import note_code
from .rows import CellChecker, LocationChecker, row_error
from .selectors import TELECOM_ROLES

logger = logging.getLogger(__name__)

# Rows listed on an import at most (all are counted): a wrong file of a million rows must not make a
# million-entry list. The page says when the list is cut.
ERRORS_STORED_MAX = 5000
WRITE_CHUNK = 2000
PROGRESS_EVERY = 2000
PURGE_SLICE = 10_000
WITHDRAWN_REASON_MAX = TelecomImport._meta.get_field("withdrawn_reason").max_length


def upload_dir() -> Path:
    path = Path(settings.VAR_DIR) / "telecom-uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def max_upload_bytes() -> int:
    return settings.TELECOM_MAX_UPLOAD_MB * 1024 * 1024


def _check_options(*, operator: str, kind: str, policy: str) -> None:
    for name, value, allowed in (
        ("operator", operator, Operator.values),
        ("kind", kind, TelecomImport.Kind.values),
        ("policy", policy, TelecomImport.Policy.values),
    ):
        if value not in allowed:
            raise ApplicationError(errors.INVALID_OPTIONS, extra={"field": name, "allowed": list(allowed)})


def file_too_large() -> ApplicationError:
    limit = settings.TELECOM_MAX_UPLOAD_MB
    return ApplicationError(
        errors.FILE_TOO_LARGE,
        extra={"max_mb": limit},
        vi=f"Tệp quá lớn: tối đa {limit} MB.",
        en=f"The file is too large: at most {limit} MB.",
    )


def telecom_import_create(
    *,
    actor,
    operator: str,
    kind: str,
    file_name: str,
    chunks: Iterable[bytes],
    size: int | None = None,
    policy: str = TelecomImport.Policy.ALL_OR_NOTHING,
    enqueue: bool = True,
    ip: str | None = None,
) -> TelecomImport:
    """Store an uploaded file and queue its import; returns the queued TelecomImport.

    Guarantees: only TELECOM_ROLES; the file's type is read from its content (CSV in UTF-8 or .xlsx, else
    telecom_file_type), its size is bounded (telecom_file_too_large, counted while copying, whatever the
    client claimed), its header names the required columns (telecom_columns) and a data row follows it
    (telecom_file_empty otherwise); the same bytes are refused
    while an earlier import of them for the same operator and kind is queued, running or done (a cell list in any
    area, location records inside the uploader's area: telecom_duplicate_file, naming the earlier import only when
    the uploader may open it). Nothing is kept of
    a refused file. With `enqueue` the task starts after the commit; otherwise the caller runs
    `telecom_import_run` (the command and the demo).
    """
    require_role(actor, *TELECOM_ROLES)
    _check_options(operator=operator, kind=kind, policy=policy)
    if kind == TelecomImport.Kind.LOCATIONS:
        _refuse_without_cell_list(operator)
    if size is not None and size > max_upload_bytes():
        raise file_too_large()
    handle = tempfile.NamedTemporaryFile(dir=upload_dir(), suffix=".part", delete=False)
    temp = final = Path(handle.name)
    try:
        digest, written = hashlib.sha256(), 0
        with handle:
            for chunk in chunks:
                written += len(chunk)
                if written > max_upload_bytes():
                    raise file_too_large()
                digest.update(chunk)
                handle.write(chunk)
        if written == 0:
            raise ApplicationError(
                errors.FILE_EMPTY,
                vi="Tệp trống (0 byte): không có gì để nhập.",
                en="The file is empty (0 bytes): there is nothing to import.",
            )
        file_format = readers.detect_format(temp)
        with readers.open_table(temp, file_format, kind) as table:
            estimate = table.estimate_rows()
            if next(iter(table), None) is None:  # said now, not by an import that fails in the background
                raise _header_only()
        sha256 = digest.hexdigest()
        # Per operator and kind: the same bytes imported under another operator (the wrong one chosen) do not count.
        same_file = TelecomImport.objects.filter(
            operator=operator, kind=kind, sha256=sha256, status__in=TelecomImport.ACTIVE_STATUSES
        )
        if kind == TelecomImport.Kind.LOCATIONS:
            # Records, inside the uploader's area only (the imports their traces read): another province sent the same
            # file imports its own copy. A cell list is the operator's, once in the platform.
            same_file = same_file.filter(scope_q(actor, "area_path"))
        earlier = same_file.first()
        if earlier is not None:
            raise _duplicate_file(actor, earlier)
        try:
            with transaction.atomic():
                record = TelecomImport.objects.create(
                    kind=kind,
                    operator=operator,
                    policy=policy,
                    file_name=Path(file_name or "upload").name[:255],
                    file_format=file_format,
                    file_size=written,
                    sha256=sha256,
                    uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
                    area_path=viewer_area_path(actor) or "",
                    rows_total=estimate,
                )
                final = upload_dir() / f"{record.pk}-{sha256[:16]}.{file_format}"
                os.replace(temp, final)
                record.stored_path = str(final)
                record.save(update_fields=["stored_path"])
                audit_record(
                    actor=actor,
                    action="telecom.import.created",
                    obj=record,
                    area_path=record.area_path,
                    ip=ip,
                    extra={"kind": kind, "operator": operator, "policy": policy, "size": written},
                )
        except IntegrityError:  # the same file uploaded twice at once: the other one stands
            raise _duplicate_file(actor, same_file.first()) from None
    except BaseException:
        temp.unlink(missing_ok=True)
        final.unlink(missing_ok=True)  # moved into place, then the transaction failed
        raise
    if enqueue:
        transaction.on_commit(lambda: _enqueue(record.pk))
    return record


def _header_only() -> ApplicationError:
    return ApplicationError(
        errors.FILE_EMPTY,
        extra={"line": 2},
        vi="Tệp chỉ có dòng tiêu đề, không có dòng dữ liệu nào: không có gì để nhập.",
        en="The file has only its header line and no data rows: there is nothing to import.",
    )


def _refuse_without_cell_list(operator: str) -> None:
    """Location records of an operator without a cell list are refused before the file is read: every row would be an
    unknown cell (an operator chosen wrongly, or the list not imported yet). A list still being imported has no cells
    yet either: its records wait for it."""
    if not Cell.objects.filter(operator=operator).exists():
        label = Operator(operator).label
        raise ApplicationError(
            errors.NO_CELL_LIST,
            extra={"operator": operator},
            vi=f"{label} chưa có danh sách trạm — nhập danh sách trạm trước hoặc kiểm tra nhà mạng đã chọn.",
            en=f"{label} has no cell list yet: import its cell list first, or check the operator chosen.",
        )


def _duplicate_file(actor, earlier: TelecomImport | None) -> ApplicationError:
    """The same file is refused: a cell list whoever imported it (one list per operator: telecom_import_file_once),
    location records when imported inside the uploader's area (telecom_import_file_once_per_area and the service's
    check of the subtree). The earlier import is named (its number and upload time, in the message too) only to
    whoever may open it: another area's cell list would be an id they get 404 for, and which import of which area
    holds that file is not theirs to learn."""
    if earlier is not None and area_visible(actor, earlier.area_path):
        when = timezone.localtime(earlier.created_at).strftime("%d/%m/%Y %H:%M")
        if earlier.status == TelecomImport.Status.DONE:
            vi, en = "Tệp này đã được nhập", "This file was already imported"
        else:
            vi, en = "Tệp này đang được nhập", "This file is being imported"
        return ApplicationError(
            errors.DUPLICATE_FILE,
            extra={"import_id": earlier.pk},
            vi=f"{vi}: lần nhập #{earlier.pk}, tải lên lúc {when}.",
            en=f"{en}: import #{earlier.pk}, uploaded {when}.",
        )
    return ApplicationError(
        errors.DUPLICATE_FILE,
        vi="Tệp này đã được một địa bàn khác nhập (hoặc đang nhập); danh sách trạm của nhà mạng dùng chung cho mọi"
        " địa bàn.",
        en="Another area has already imported (or is importing) this file; an operator's cell list serves every area.",
    )


def _enqueue(import_id: int) -> None:
    from .tasks import telecom_import_process

    enqueue(telecom_import_process, import_id)


def _operator_lock(operator: str) -> None:
    """Serialise the writes of one operator's imports."""
    advisory_xact_lock(f"telecom:{operator}")


class _Superseded(Exception):
    """A newer run of the import took it over (or it was finished meanwhile): this run stops, writing nothing more."""


def _progress(record: TelecomImport, **fields) -> None:
    """The run's sign of life, committed at once (the page and the sweeper read it while the run goes on), only
    while the run is the import's latest: else _Superseded. Inside a transaction, the import's row stays locked
    until it ends, so a newer run's claim waits for what this one writes with it."""
    alive = TelecomImport.objects.filter(
        pk=record.pk, attempt=record.attempt, status=TelecomImport.Status.RUNNING
    ).update(progress_at=timezone.now(), **fields)
    if not alive:
        raise _Superseded


def _stage(record: TelecomImport, accepted: list[tuple]) -> None:
    """Write one chunk of accepted rows, marked with their import and line. They count for nothing (tracing, later
    imports' checks) until the import is done: locations_in_force."""
    with transaction.atomic():
        _progress(record)
        SubscriberLocation.objects.bulk_create(
            SubscriberLocation(
                operator=record.operator,
                phone=phone,
                cell_id=cell_pk,
                start=start,
                end=end,
                line=line,
                source_import=record,
            )
            for line, phone, cell_pk, start, end in accepted
        )


def locations_purge(import_id: int, *, run: TelecomImport | None = None) -> int:
    """Delete an import's location records, in slices (one huge DELETE would hold the database for long); how many.
    With `run`, each slice only while that run is still the import's latest (_Superseded otherwise): a run that
    clears what an earlier, dead run of the same import wrote must not clear the import a newer run finished."""
    deleted = 0
    while True:
        with transaction.atomic():
            if run is not None:
                _progress(run)
            ids = list(
                SubscriberLocation.objects.filter(source_import_id=import_id).values_list("pk", flat=True)[:PURGE_SLICE]
            )
            if not ids:
                return deleted
            deleted += SubscriberLocation.objects.filter(pk__in=ids).delete()[0]


def locations_in_force(*, area_path: str):
    """The location records that count for an official of `area_path` (viewer_area_path: "" is a superuser's, all):
    those of imports done (not of one still running, failed or withdrawn) and uploaded inside that area (its subtree).
    Cells are the operator's, shared by every area, but records are the importing area's: another area's import is
    not read, or tracing a case of one's own with a phone placed in a cell would read that area's subscribers there
    (review of 2026-12-07; docs/telecom.md "Whose records a trace reads")."""
    records = SubscriberLocation.objects.filter(source_import__status=TelecomImport.Status.DONE)
    if area_path:
        records = records.filter(source_import__area_path__startswith=area_path)
    return records


def _finish(record: TelecomImport, *, status: str, now, **fields) -> None:
    for name, value in {"status": status, "phase": "", "finished_at": now, **fields}.items():
        setattr(record, name, value)
    record.save(
        update_fields=[
            "status",
            "phase",
            "finished_at",
            "rows_total",
            "rows_done",
            "rows_imported",
            "rows_rejected",
            "rows_expired",
            "errors",
            "errors_truncated",
            "rejected_by_code",
            "failure_code",
            "stored_path",
            "records_from",
            "records_to",
            "records_holes",
            "holes_min_minutes",
        ]
    )


def _records_period(import_id: int) -> dict:
    """The earliest start and latest end of an import's location records ({"first", "last"}; None without any), by
    the foreign key's index: shown on the import and read by traces (telecom_trace_case)."""
    return SubscriberLocation.objects.filter(source_import_id=import_id).aggregate(first=Min("start"), last=Max("end"))


def hole_min_minutes(*, records: int, first: dt.datetime | None, last: dt.datetime | None) -> int | None:
    """The shortest stretch without any record that counts as a hole in a file of `records` records over
    [first, last]: TELECOM_GAP_MINUTES, or longer where the file is too thin for that to mean missing data, so that at
    the file's own average rate at least TELECOM_GAP_MIN_EXPECTED records would have fallen in it (docs/telecom.md
    "Holes inside a file"). None: nothing to judge (no records, or a period of no length)."""
    if not records or first is None or last is None or last <= first:
        return None
    per_minute = records / ((last - first).total_seconds() / 60)
    return max(settings.TELECOM_GAP_MINUTES, math.ceil(settings.TELECOM_GAP_MIN_EXPECTED / per_minute))


def records_holes(stays: Iterable[tuple[dt.datetime, dt.datetime]], *, min_minutes: int) -> list[list[dt.datetime]]:
    """The stretches of at least `min_minutes` between `stays` (start, end), ordered by start, in which none of them
    runs: [[from, to], ...]. A stay of no length still shows the file had data at that instant. One pass, holding
    nothing but the holes found."""
    holes, reach, least = [], None, dt.timedelta(minutes=min_minutes)
    for start, end in stays:
        if reach is not None and start - reach >= least:
            holes.append([reach, start])
        reach = end if reach is None else max(reach, end)
    return holes


def _import_holes(import_id: int, *, records: int, period: dict) -> tuple[list[list[str]], int | None]:
    """An import's holes ([[from, to], ...] ISO) and the shortest one looked for, read from its written records in
    order of start (streamed: a million rows are not held)."""
    least = hole_min_minutes(records=records, first=period["first"], last=period["last"])
    if least is None:
        return [], None
    stays = (
        SubscriberLocation.objects.filter(source_import_id=import_id)
        .order_by("start", "pk")
        .values_list("start", "end")
        .iterator(chunk_size=WRITE_CHUNK)
    )
    return [[a.isoformat(), b.isoformat()] for a, b in records_holes(stays, min_minutes=least)], least


def _problem(code: str, vi: str, en: str, *, line: int = 0) -> dict:
    """A whole-file problem, in the shape of a rejected row (rows.row_error)."""
    return {"line": line, "column": "", "code": code, "reason_vi": vi, "reason_en": en}


def _fail(record: TelecomImport, *, problem: dict, statuses=(TelecomImport.Status.RUNNING,)) -> bool:
    """Mark the import failed with one whole-file problem, only if this run is still its latest and in one of
    `statuses`: a run delivered again while this one went on (Redis's visibility timeout, a worker thought dead) may
    have finished it meanwhile, or be reading the file now. Returns whether it did."""
    failed = TelecomImport.objects.filter(pk=record.pk, attempt=record.attempt, status__in=statuses).update(
        status=TelecomImport.Status.FAILED,
        phase="",
        finished_at=timezone.now(),
        failure_code=problem["code"],
        errors=[problem],
        stored_path="",
    )
    if failed:
        _discard_file(record)
        locations_purge(record.pk)  # what its runs wrote before failing: it never counted
    return bool(failed)


def _discard_file(record: TelecomImport) -> None:
    if record.stored_path:
        Path(record.stored_path).unlink(missing_ok=True)
        record.stored_path = ""


@dataclass
class _Claim:
    record: TelecomImport
    done_before: set = field(default_factory=set)


def _claim(import_id: int, now) -> _Claim | None:
    with transaction.atomic():
        record = TelecomImport.objects.select_for_update().filter(pk=import_id).first()
        if record is None or record.is_finished:
            return None
        if record.attempt >= settings.TASK_MAX_ATTEMPTS:
            # A late copy while the last start is at work steps aside; else each start before this one died: do
            # not loop for ever.
            if not work_is_live(record.status, record.progress_at):
                _give_up(record)
            return None
        record.attempt += 1
        record.status = TelecomImport.Status.RUNNING
        record.phase = TelecomImport.Phase.VALIDATING
        record.started_at, record.progress_at = now, timezone.now()
        record.rows_done = record.requeues = 0
        record.save(update_fields=["attempt", "status", "phase", "started_at", "progress_at", "rows_done", "requeues"])
    done = TelecomImport.objects.filter(
        operator=record.operator, kind=record.kind, status=TelecomImport.Status.DONE
    ).values_list("pk", flat=True)
    return _Claim(record=record, done_before=set(done))


def telecom_import_run(*, import_id: int, now: dt.datetime | None = None, progress=None) -> TelecomImport | None:
    """Check every row of a stored upload and write the good ones; returns the import.

    One pass over the file, row by row (CSV) or in openpyxl's read-only mode (Excel), holding only a chunk of
    rows at a time: each chunk is checked (against the records in force and the file's earlier rows, read back from
    the database) and its accepted rows written at once, marked with the import, with the progress (rows_done).
    They count for nothing until the import is marked done, in one short transaction at the end
    (locations_in_force): a failure or a crash leaves nothing half-imported that tracing or a later check would
    read, and the rows written are deleted (by the failure, the next run, or telecom_prune). With all_or_nothing
    any bad row fails the import (status failed, every bad row counted and the first ERRORS_STORED_MAX listed,
    nothing kept); with skip_bad_rows the good rows are kept and the bad ones listed. Repeatable: a finished import
    is left as it is; a run that a newer run of the same import took over stops at its next chunk and writes nothing
    more. `progress(done, total)` is called as rows are checked (the command's progress bar).
    """
    now = now or timezone.now()
    claim = _claim(import_id, now)
    if claim is None:
        return TelecomImport.objects.filter(pk=import_id).first()
    record = claim.record
    try:
        _run(claim, now=now, progress=progress)
    except _Superseded:
        logger.info("telecom import %s: attempt %s gave way to a newer one", import_id, record.attempt)
        return TelecomImport.objects.filter(pk=import_id).first()
    except ApplicationError as exc:  # the whole file is wrong (type, encoding, header): nothing written
        vi, en = exc.as_dict("vi")["message_vi"], exc.as_dict("en")["message_en"]
        _fail(record, problem=_problem(exc.code, vi, en, line=exc.extra.get("line", 1)))
    except Exception:
        server_error = core_errors.SERVER_ERROR
        if not _fail(record, problem=_problem(server_error.code, server_error.vi, server_error.en)):
            # A newer delivery of the task took the import over (and may have deleted the file under this one).
            logger.info("telecom import %s: attempt %s gave way to a newer one", import_id, record.attempt)
            return TelecomImport.objects.filter(pk=import_id).first()
        logger.exception("telecom import %s failed", import_id)
        raise
    record.refresh_from_db()
    return record


def _run(claim: _Claim, *, now, progress) -> None:
    record = claim.record
    path = Path(record.stored_path)
    if not record.stored_path or not path.exists():
        raise ApplicationError(errors.FILE_EMPTY, extra={"line": 0})
    locations = record.kind == TelecomImport.Kind.LOCATIONS
    if locations and record.attempt > 1:
        locations_purge(record.pk, run=record)  # what an earlier run wrote before it died: checked again from line 2
    with readers.open_table(path, record.file_format, record.kind) as table:
        names = {name: str(table.header[position]) for name, position in table.fields.items()}
        if not locations:  # cells are no one's personal data: one list per operator
            checker = CellChecker(operator=record.operator, column_names=names, now=now, keep_errors=ERRORS_STORED_MAX)
        else:
            checker = LocationChecker(
                operator=record.operator,
                column_names=names,
                now=now,
                import_id=record.pk,
                accepted=lambda rows: _stage(record, rows),
                area_path=record.area_path,
                keep_errors=ERRORS_STORED_MAX,
            )
        total = table.estimate_rows()
        rows = 0
        for row in table:
            rows += 1
            checker.add(row)
            if rows % PROGRESS_EVERY == 0:
                total = max(total, rows)
                _progress(record, rows_done=rows, rows_total=total)
                if progress:
                    progress(rows, total)
        checker.flush()
    if progress:
        progress(rows, rows)
    if rows == 0:  # the file was read: it holds no data row (refused at upload; kept for files queued before)
        raise _header_only()
    _progress(record, rows_done=rows, rows_total=rows, phase=TelecomImport.Phase.WRITING)
    all_or_nothing = record.policy == TelecomImport.Policy.ALL_OR_NOTHING
    holes = None
    if locations and checker.count and not (checker.rejected and all_or_nothing):
        # Read before the finishing transaction (a sort of every written row): it holds the operator's lock. Read
        # again inside only if rows were dropped there (overlap_concurrent).
        holes = _import_holes(record.pk, records=checker.count, period=_records_period(record.pk))
    with transaction.atomic():
        current = TelecomImport.objects.select_for_update().get(pk=record.pk)
        if current.attempt != record.attempt or current.status != TelecomImport.Status.RUNNING:
            raise _Superseded
        _operator_lock(record.operator)
        imported = checker.count
        if locations:
            late = TelecomImport.objects.filter(
                operator=record.operator,
                kind=record.kind,
                status=TelecomImport.Status.DONE,
                area_path__startswith=record.area_path,
            ).exclude(pk__in=claim.done_before)
            dropped = _drop_concurrent(record, checker, list(late.values_list("pk", flat=True)))
            imported -= dropped
        # An import of which no row stands has failed whatever the policy: "done" with 0 imported read as a success
        # (walk-through of 2026-12-07: 715 rows of unknown cells under the skip policy).
        failed = imported == 0 or (bool(checker.rejected) and all_or_nothing)
        period = {"first": None, "last": None}
        found_holes, least = [], None
        # Of the rows imported only: a failed import warned of 3 rows past retention with none imported
        # (walk-through of 2026-12-07).
        expired = min(getattr(checker, "expired", 0), imported)
        if failed:
            imported = expired = 0
        elif not locations:
            imported = _write_cells(record, checker)
        else:
            period = _records_period(record.pk)
            if holes is None or dropped:
                holes = _import_holes(record.pk, records=imported, period=period)
            found_holes, least = holes
        _discard_file(record)
        _finish(
            record,
            status=TelecomImport.Status.FAILED if failed else TelecomImport.Status.DONE,
            now=timezone.now(),
            rows_total=rows,
            rows_done=rows,
            rows_imported=imported,
            rows_rejected=checker.rejected,
            rows_expired=expired,
            errors=checker.errors.first(),
            errors_truncated=checker.rejected > ERRORS_STORED_MAX,
            rejected_by_code=dict(sorted(checker.by_code.items())),
            records_from=period["first"],
            records_to=period["last"],
            records_holes=found_holes,
            holes_min_minutes=least,
        )
        audit_record(
            actor=None,
            action="telecom.import.finished",
            obj=record,
            area_path=record.area_path,
            extra={
                "status": record.status,
                "imported": imported,
                "rejected": checker.rejected,
                "expired": expired,
                "holes": len(found_holes),
            },
        )
    if failed and locations:
        locations_purge(record.pk)  # never counted (the import is failed); a crash here leaves it to telecom_prune


def _drop_concurrent(record: TelecomImport, checker: LocationChecker, import_ids: list[int]) -> int:
    """Refuse (and delete) the rows of this import that overlap records of imports of the operator, of the uploader's
    area, that were done after its check began (overlap_concurrent); how many. In the database, one query: nothing
    of either file is held."""
    if not import_ids:
        return 0
    theirs = SubscriberLocation.objects.filter(
        source_import_id__in=import_ids, phone=OuterRef("phone"), cell_id=OuterRef("cell_id")
    ).filter(Q(start__lt=OuterRef("end"), end__gt=OuterRef("start")) | Q(start=OuterRef("start"), end=OuterRef("end")))
    if record.area_path:
        theirs = theirs.filter(source_import__area_path__startswith=record.area_path)
    clashing = (
        SubscriberLocation.objects.filter(source_import=record)
        .annotate(clash=Subquery(theirs.order_by("pk").values("source_import_id")[:1]))
        .filter(clash__isnull=False)
        .values_list("pk", "line", "clash", "end")
    )
    dropped = []
    for pk, line, import_id, end in clashing.iterator(chunk_size=WRITE_CHUNK):
        dropped.append(pk)
        if end < checker.retention_cutoff:  # no longer imported: no longer counted as past retention
            checker.expired -= 1
        checker.reject(row_error(line or 0, checker.names["start"], "overlap_concurrent", other=import_id))
    for at in range(0, len(dropped), WRITE_CHUNK):
        SubscriberLocation.objects.filter(pk__in=dropped[at : at + WRITE_CHUNK]).delete()
    return len(dropped)


def _write_cells(record: TelecomImport, checker: CellChecker) -> int:
    existing = {
        cell.cell_id: cell for cell in Cell.objects.filter(operator=record.operator, cell_id__in=list(checker.rows))
    }
    new, changed = [], []
    for cell_id, (_line, lat, lon, radius, area_pk) in checker.rows.items():
        cell = existing.get(cell_id)
        if cell is None:
            new.append(
                Cell(
                    operator=record.operator,
                    cell_id=cell_id,
                    latitude=lat,
                    longitude=lon,
                    radius_m=radius,
                    area_id=area_pk,
                    source_import=record,
                )
            )
        else:
            cell.latitude, cell.longitude, cell.radius_m, cell.area_id = lat, lon, radius, area_pk
            cell.source_import = record
            changed.append(cell)
    Cell.objects.bulk_create(new, batch_size=WRITE_CHUNK)
    Cell.objects.bulk_update(
        changed, ["latitude", "longitude", "radius_m", "area", "source_import", "updated_at"], batch_size=WRITE_CHUNK
    )
    return len(new) + len(changed)


def _give_up(record: TelecomImport) -> bool:
    """Fail an import whose runs all died (TASK_MAX_ATTEMPTS starts), unless it moved on meanwhile."""
    lost = errors.WORKER_LOST
    failed = _fail(record, problem=_problem(lost.code, lost.vi, lost.en), statuses=TelecomImport.UNFINISHED_STATUSES)
    if failed:
        logger.error("telecom import %s: given up after %s attempts", record.pk, record.attempt)
        audit_record(
            actor=None,
            action="telecom.import.finished",
            obj=record,
            area_path=record.area_path,
            extra={"status": TelecomImport.Status.FAILED, "failure": lost.code},
        )
    return failed


def telecom_imports_sweep(*, now: dt.datetime | None = None) -> dict:
    """Imports queued or running without a sign of life for TASK_STALE_MINUTES: their worker died, or their message
    was lost. Each is queued again while it has started fewer than TASK_MAX_ATTEMPTS times (an import is repeatable:
    it checks the file again from the start), else marked failed (telecom_worker_lost), which frees its file for a
    new upload. A live import reports progress every 2,000 rows, so it is never touched (beat: stale-work-sweep)."""
    return stale_work_requeue(
        TelecomImport.objects.filter(status__in=TelecomImport.UNFINISHED_STATUSES),
        attempts_field="attempt",
        give_up=_give_up,
        requeue=_enqueue,
        what="telecom import",
        now=now or timezone.now(),
        also={"phase": ""},
    )


# --- Withdrawal -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportWithdrawal:
    record: TelecomImport
    links_removed: int
    contacts_closed: int  # candidates and confirmed contacts with no standing evidence left: now `case_withdrawn`
    contacts_relevelled: int
    contacts_quarantined: int  # in quarantine with no standing evidence left: for an official to release


def telecom_import_withdraw(*, actor, import_id, reason: str, ip: str | None = None) -> ImportWithdrawal:
    """Withdraw a done import of location records (an operator's wrong file: wrong day, wrong area), with the reason.

    Guarantees: TELECOM_ROLES and an import of the official's area (else permission_denied, not_found); a reason
    (telecom_withdraw_reason_required) of at most WITHDRAWN_REASON_MAX characters once its spaces are collapsed (else
    invalid_input naming the limit, before anything is read: never cut, for any caller); only a done locations import
    (telecom_import_not_withdrawable); a second withdrawal is refused (telecom_import_withdrawn, 409), never done twice.
    In one transaction: the import is marked withdrawn (who, when, why), so that its records count no more
    (locations_in_force); the telecom F1 links made from any of its records are removed and their contacts settled on
    the evidence that still stands (cases.services.contact_links_remove: level and span recomputed, a candidate or
    confirmed contact with none left closed as `case_withdrawn` and audited); audited as `telecom.import.withdrawn`. Its
    records are then deleted (personal data no longer of use), by the task telecom_import_purge queued on commit, or
    telecom_prune; the import's row stays as the record of what happened.

    Lock order: the import's row FOR UPDATE first, then contacts in person order. A trace holds the imports it read
    FOR SHARE before it locks any contact (_imports_hold): a withdrawal waits for a trace writing links from the
    import, then removes them; a trace that comes after finds the import withdrawn and links nothing from it.
    """
    require_role(actor, *TELECOM_ROLES)
    reason = " ".join((reason or "").split())
    if len(reason) > WITHDRAWN_REASON_MAX:
        # Refused for every caller, a management command or another app too, where the reason was cut to fit and the
        # irreversible withdrawal done (walk-through of 2026-12-07).
        raise core_errors.text_too_long("reason", limit=WITHDRAWN_REASON_MAX, length=len(reason))
    with transaction.atomic():
        try:
            import_id = int(import_id)
        except (TypeError, ValueError):
            raise ApplicationError(core_errors.NOT_FOUND) from None
        record = TelecomImport.objects.select_for_update().filter(scope_q(actor, "area_path"), pk=import_id).first()
        if record is None:
            raise ApplicationError(core_errors.NOT_FOUND)
        if record.status == TelecomImport.Status.WITHDRAWN:
            raise ApplicationError(errors.IMPORT_WITHDRAWN, extra={"withdrawn_at": local_iso(record.withdrawn_at)})
        if record.kind != TelecomImport.Kind.LOCATIONS or record.status != TelecomImport.Status.DONE:
            raise ApplicationError(errors.IMPORT_NOT_WITHDRAWABLE, extra={"status": record.status, "kind": record.kind})
        if record.rows_imported and record.records_pruned >= record.rows_imported:
            # Retention deleted every record: nothing is left to withdraw, and the links made from them can no longer
            # be told from the others by their records (_evidence_keys_of reads the records).
            raise ApplicationError(
                errors.IMPORT_RECORDS_DELETED,
                extra={"pruned_at": local_iso(record.pruned_at)},
            )
        if not reason:
            raise ApplicationError(errors.IMPORT_WITHDRAW_REASON_REQUIRED, extra={"field": "reason"})
        record.status = TelecomImport.Status.WITHDRAWN
        record.withdrawn_at = timezone.now()
        record.withdrawn_by = actor if getattr(actor, "is_authenticated", False) else None
        record.withdrawn_reason = reason
        removed = contact_links_remove(
            source=ContactLink.Source.TELECOM,
            evidence_keys=_evidence_keys_of(record),
            actor=actor,
            reason="telecom_import_withdrawn",
        )
        record.links_removed = removed.links
        record.save(update_fields=["status", "withdrawn_at", "withdrawn_by", "withdrawn_reason", "links_removed"])
        audit_record(
            actor=actor,
            action="telecom.import.withdrawn",
            obj=record,
            area_path=record.area_path,
            ip=ip,
            extra={
                "reason": reason,
                "links_removed": removed.links,
                "contacts_closed": removed.closed,
                "contacts_relevelled": removed.relevelled,
                "contacts_quarantined": removed.quarantined,
            },
        )
        transaction.on_commit(lambda: _enqueue_purge(record.pk))
    return ImportWithdrawal(
        record=record,
        links_removed=removed.links,
        contacts_closed=len(removed.closed),
        contacts_relevelled=removed.relevelled,
        contacts_quarantined=removed.quarantined,
    )


def _evidence_keys_of(record: TelecomImport) -> list[str]:
    """The evidence keys of telecom links ("telecom:<case's record>:<other's record>") naming a record of this
    import, on either side. Read from the links (a few per contact found), not from the records (millions)."""
    by_record: dict[int, list[str]] = defaultdict(list)
    for key in contact_link_keys(source=ContactLink.Source.TELECOM):
        parts = key.split(":")
        if len(parts) == 3 and parts[0] == "telecom" and parts[1].isdigit() and parts[2].isdigit():
            for pk in (int(parts[1]), int(parts[2])):
                by_record[pk].append(key)
    found: set[str] = set()
    ids = sorted(by_record)
    for at in range(0, len(ids), WRITE_CHUNK):
        mine = SubscriberLocation.objects.filter(source_import=record, pk__in=ids[at : at + WRITE_CHUNK])
        for pk in mine.values_list("pk", flat=True):
            found.update(by_record[pk])
    return sorted(found)


def _enqueue_purge(import_id: int) -> None:
    from .tasks import telecom_import_purge

    enqueue(telecom_import_purge, import_id)


def telecom_import_purge(*, import_id: int) -> int:
    """Delete the location records of a withdrawn or failed import (they count for nothing already); how many."""
    record = TelecomImport.objects.filter(pk=import_id).first()
    if record is None or record.status not in (TelecomImport.Status.WITHDRAWN, TelecomImport.Status.FAILED):
        return 0
    return locations_purge(import_id)


# --- Tracing ----------------------------------------------------------------------------------------


def _distance_m(lat1, lon1, lat2, lon2) -> float:
    """Great-circle distance in metres (haversine, mean Earth radius)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(a))


def _cells_near(cell: Cell, metres: int) -> list[int]:
    """The cell and, when metres > 0, every cell (any operator) whose centre is within `metres` of its centre."""
    if metres <= 0:
        return [cell.pk]
    lat, lon = float(cell.latitude), float(cell.longitude)
    dlat = metres / 111_000
    dlon = metres / (111_000 * max(0.1, math.cos(math.radians(lat))))
    band = Cell.objects.filter(
        latitude__range=(lat - dlat, lat + dlat), longitude__range=(lon - dlon, lon + dlon)
    ).values_list("pk", "latitude", "longitude")
    return [pk for pk, la, lo in band if pk == cell.pk or _distance_m(lat, lon, float(la), float(lo)) <= metres]


def _cell_place(record: SubscriberLocation) -> str:
    """The operator and cell as stored data ("Viettel TTH-KT-01"), in no language: the case page shows it beside
    the setting "same mobile cell", and selectors.cell_label words it for the telecom page. Runs before this
    stored "viettel cell TTH-KT-01", which cell_label reads too."""
    return f"{Operator(record.operator).label} {record.cell.cell_id}"


def _distinct_stays(records) -> list[SubscriberLocation]:
    """One of each stay (phone, cell, start, end), the first imported: two districts of a province may each import the
    same operator's records, since an upload is checked for repeats only within its own area (docs/telecom.md
    "Duplicates and overlaps"), and the province's trace reads both; a stay counted twice would double its minutes and
    its evidence."""
    seen, distinct = set(), []
    for record in records:
        key = (record.phone, record.cell_id, record.start, record.end)
        if key not in seen:
            seen.add(key)
            distinct.append(record)
    return distinct


@dataclass
class TraceOutcome:
    trace: TelecomTrace
    links: list = field(default_factory=list)  # ContactLink of this run (new and existing), for the page


def telecom_case_get(*, actor, case_id) -> Case:
    """A case an official may trace by telecom: TELECOM_ROLES, and the case inside their area (else not_found)."""
    require_role(actor, *TELECOM_ROLES)
    try:
        case_id = int(case_id)
    except (TypeError, ValueError):
        raise ApplicationError(core_errors.NOT_FOUND) from None
    case = Case.objects.select_related("person").filter(pk=case_id).first()
    if case is None or not area_visible(actor, case.area_path):
        raise ApplicationError(core_errors.NOT_FOUND)
    return case


def telecom_trace_case(*, case: Case, actor, ip: str | None = None) -> TraceOutcome:
    """Find the people who shared a cell with the case during its infectious window; add them as F1 candidates.

    Rule (docs/telecom.md "Tracing"): the case's phone's records overlapping [window_start, window_end) are
    clipped to the window; every other phone's record in the same cell (or, with TELECOM_NEIGHBOUR_CELL_M,
    a cell whose centre is that close) overlapping a clipped record by at least TELECOM_MIN_OVERLAP_MINUTES
    is a candidate. A phone that matches people (Person.phone) adds an F1 link with source "telecom",
    setting "cell" through cases.services.contact_link_add, keyed by the two records: running again adds
    nothing twice. Phones matching nobody are listed on the run (TelecomTrace.unknown), never made contacts.
    Only TELECOM_ROLES, only cases in the official's area, and only the records of imports uploaded inside the
    official's area (locations_in_force): another area's records are its own to trace with. Audited as
    `telecom.case.traced`, naming the area read and the imports whose records were used.
    """
    require_role(actor, *TELECOM_ROLES)
    if not area_visible(actor, case.area_path):
        raise ApplicationError(core_errors.NOT_FOUND)
    case_refuse_if_withdrawn(case)
    phone = case.person.phone
    if not phone:
        raise ApplicationError(errors.CASE_NO_PHONE, extra={"case": case.number})
    # Only the records of imports uploaded inside the official's area: the case's phone's and everyone else's.
    scope = viewer_area_path(actor)
    if scope is None:  # area_visible let no one without an area through; never read everything for want of one
        raise ApplicationError(core_errors.NOT_FOUND)
    min_overlap = settings.TELECOM_MIN_OVERLAP_MINUTES
    neighbour_m = settings.TELECOM_NEIGHBOUR_CELL_M
    period = _records_period_read(area_path=scope)
    # Coverage is judged on the case's own operator: a subscriber's records are only in their operator's files, so
    # another operator's file of a day does not fill a hole in it. Portability hides the operator in the number, but
    # the records tell: the operators whose imports hold the case's phone, at any time (none: it could be any).
    case_operators = sorted(
        set(locations_in_force(area_path=scope).filter(phone=phone).values_list("operator", flat=True).distinct())
    )
    cover = _window_covered(
        area_path=scope, start=case.window_start, end=case.window_end, operators=case_operators or None
    )
    period["window_covered"], period["window_holes"] = cover["covered"], cover["holes"]
    case_records = _distinct_stays(
        locations_in_force(area_path=scope)
        .filter(phone=phone, start__lt=case.window_end, end__gt=case.window_start)
        .select_related("cell")
        .order_by("start", "pk")
    )
    # (other record, person-independent facts): found once per pair of records
    pairs = []
    near_cache: dict[int, list[int]] = {}
    for mine in case_records:
        start, end = max(mine.start, case.window_start), min(mine.end, case.window_end)
        if mine.cell_id not in near_cache:
            near_cache[mine.cell_id] = _cells_near(mine.cell, neighbour_m)
        others = (
            locations_in_force(area_path=scope)
            .filter(cell_id__in=near_cache[mine.cell_id], start__lt=end, end__gt=start)
            .exclude(phone=phone)
            .select_related("cell")
        )
        for other in _distinct_stays(others.order_by("pk")):
            shared_start, shared_end = max(start, other.start), min(end, other.end)
            seconds = (shared_end - shared_start).total_seconds()
            if seconds <= 0 or seconds < min_overlap * 60:
                continue
            pairs.append((mine, other, shared_start, shared_end, int(seconds // 60)))
    with transaction.atomic():
        # The imports read are kept done until the links are written; an import withdrawn since they were read no
        # longer counts (telecom_import_withdraw). Locked first, before any contact, as the withdrawal locks them.
        standing = _imports_hold(
            {r.source_import_id for r in case_records} | {o.source_import_id for _, o, *_ in pairs}
        )
        case_records = [r for r in case_records if r.source_import_id in standing]
        pairs = [p for p in pairs if p[0].source_import_id in standing and p[1].source_import_id in standing]
        return _trace_write(
            case=case,
            actor=actor,
            ip=ip,
            phone=phone,
            case_records=case_records,
            pairs=pairs,
            read=_ReadScope(area_path=scope, imports=sorted(standing), period=period),
        )


def _records_period_read(*, area_path: str) -> dict:
    """The period covered by the records a trace of `area_path` may read: its done imports of location records, any
    operator ({"first", "last"}, None without any, and how many "imports"). The trace shows it, so that "no record of
    the case's phone" tells records of another time from a phone absent from them. From the imports' own periods
    (records_from/to, kept up to date by telecom_prune), not from the records: one row per import."""
    imports = TelecomImport.objects.filter(kind=TelecomImport.Kind.LOCATIONS, status=TelecomImport.Status.DONE)
    if area_path:
        imports = imports.filter(area_path__startswith=area_path)
    return imports.aggregate(first=Min("records_from"), last=Max("records_to"), imports=Count("pk"))


def _window_covered(
    *, area_path: str, start: dt.datetime, end: dt.datetime, operators: list[str] | None = None
) -> dict:
    """The parts of [start, end) that the done imports of location records of `area_path` cover, judged per operator
    ("covered": merged, clipped, in order), and the holes inside their periods that leave some of it uncovered
    ("holes": [{from, to, import, file_name, operator}], each clipped to what the same operator's other imports do not
    cover). Each import covers its own period (records_from/to) less its holes (records_holes: hours its file has no
    record of at all); the gaps between imports are not covered either: the earliest-to-latest period of all of them
    read as continuous cover over a five-year gap, and a file missing a day as covering that day (walk-through and
    review of 2026-12-07).

    `operators`: those of the case's phone; what they cover (together: a number ported during the window) is covered.
    None (the phone is in no import): covered is only what every operator with an import there covers, since the case
    may be with any of them; each operator's holes are named. Mixing operators let one operator's file fill another's
    hole: Viettel's missing day read as covered because MobiFone's file had that day (review of 2026-12-07)."""
    done = TelecomImport.objects.filter(kind=TelecomImport.Kind.LOCATIONS, status=TelecomImport.Status.DONE)
    if area_path:
        done = done.filter(area_path__startswith=area_path)
    if operators:
        done = done.filter(operator__in=operators)
    rows = (
        done.filter(records_from__lt=end, records_to__gt=start)
        .order_by("records_from", "pk")
        .values_list("operator", "pk", "file_name", "records_from", "records_to", "records_holes")
    )
    # With the operators known, theirs read together; else each operator of the area apart, one with no file of the
    # window included (it covers none of it).
    by_operator: dict[str, list] = (
        {"": []} if operators else {op: [] for op in done.values_list("operator", flat=True).distinct()}
    )
    for row in rows:
        by_operator[row[0] if not operators else ""].append(row)
    covered, named = None, []
    for _operator, operator_rows in sorted(by_operator.items()):
        own = _imports_cover(operator_rows, start, end)
        covered = own["covered"] if covered is None else _intersect(covered, own["covered"])
        named += own["holes"]
    named.sort(key=lambda hole: (hole["from"], hole["import"]))
    return {"covered": covered or [], "holes": named}


def _imports_cover(rows, start: dt.datetime, end: dt.datetime) -> dict:
    """_window_covered for the (operator, pk, file_name, records_from, records_to, records_holes) of imports read
    together."""
    spans, holes = [], []
    for operator, pk, file_name, first, last, own_holes in rows:
        cuts = [(dt.datetime.fromisoformat(a), dt.datetime.fromisoformat(b)) for a, b in own_holes or []]
        spans += _subtract([(max(first, start), min(last, end))], cuts)
        holes += [(a, b, pk, file_name, operator) for a, b in cuts if a < end and b > start]
    covered: list[list[dt.datetime]] = []
    for first, last in sorted(spans):
        if covered and first <= covered[-1][1]:
            covered[-1][1] = max(covered[-1][1], last)
        else:
            covered.append([first, last])
    covered = [(first, last) for first, last in covered]
    # Of each hole, the part no other import read with it covers (another file of that day may have come since).
    named = []
    for a, b, pk, file_name, operator in holes:
        for first, last in _subtract([(max(a, start), min(b, end))], covered):
            named.append({"from": first, "to": last, "import": pk, "file_name": file_name, "operator": operator})
    return {"covered": covered, "holes": named}


def _intersect(one: list, other: list) -> list:
    """The parts common to two ordered lists of disjoint (from, to) spans."""
    both, i, j = [], 0, 0
    while i < len(one) and j < len(other):
        first, last = max(one[i][0], other[j][0]), min(one[i][1], other[j][1])
        if first < last:
            both.append((first, last))
        if one[i][1] < other[j][1]:
            i += 1
        else:
            j += 1
    return both


def _holes_within(holes: list, first: dt.datetime | None, last: dt.datetime | None) -> list[list[str]]:
    """Stored holes ([[from, to], ...] ISO) clipped to [first, last]; none when the period is gone."""
    if first is None or last is None:
        return []
    kept = []
    for a, b in holes:
        a, b = max(dt.datetime.fromisoformat(a), first), min(dt.datetime.fromisoformat(b), last)
        if a < b:
            kept.append([a.isoformat(), b.isoformat()])
    return kept


def _subtract(spans: list, cuts: list) -> list:
    """The parts of ordered, disjoint [from, to] `spans` outside every [from, to] of `cuts` (ordered)."""
    left = []
    for first, last in spans:
        at = first
        for a, b in cuts:
            if b <= at or a >= last:
                continue
            if a > at:
                left.append((at, a))
            at = max(at, b)
        if at < last:
            left.append((at, last))
    return left


def _imports_hold(import_ids) -> set[int]:
    """Of these imports, those still done, and kept so until the transaction ends. On PostgreSQL FOR SHARE: traces
    do not wait for each other, a withdrawal (FOR UPDATE) waits for the trace's links and then removes them, and a
    trace that comes after the withdrawal finds the import withdrawn. SQLite writes one transaction at a time."""
    ids = sorted(import_ids)
    if not ids:
        return set()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id FROM {TelecomImport._meta.db_table} WHERE id = ANY(%s) AND status = %s "
                "ORDER BY id FOR SHARE",
                [ids, TelecomImport.Status.DONE.value],
            )
            return {row[0] for row in cursor.fetchall()}
    return set(TelecomImport.objects.filter(pk__in=ids, status=TelecomImport.Status.DONE).values_list("pk", flat=True))


@dataclass(frozen=True)
class _ReadScope:
    """What a trace read, for its audit entry and its run: the area whose imports it could read ("" all: a
    superuser's) and the imports (done, inside that area) whose records it used."""

    area_path: str
    imports: list[int]
    # The period the records of the done imports of that area cover, and how many imports (_records_period_read).
    period: dict = field(default_factory=dict)


def _trace_write(
    *, case: Case, actor, ip, phone: str, case_records: list, pairs: list, read: _ReadScope
) -> TraceOutcome:
    """telecom_trace_case's writes, inside its transaction, once the imports it read are held."""
    min_overlap = settings.TELECOM_MIN_OVERLAP_MINUTES
    neighbour_m = settings.TELECOM_NEIGHBOUR_CELL_M
    phones = {other.phone for _, other, *_ in pairs}
    people_by_phone = defaultdict(list)
    for person in Person.objects.filter(phone__in=phones).order_by("pk"):
        people_by_phone[person.phone].append(person)
    unknown: dict[str, dict] = {}
    links, added, existing, people = [], 0, 0, set()
    found = []  # (person, the pair's facts), to be written person by person
    for mine, other, shared_start, shared_end, minutes in pairs:
        matched = people_by_phone.get(other.phone)
        if not matched:
            entry = unknown.setdefault(
                other.phone,
                {
                    "phone": other.phone,
                    "records": 0,
                    "overlap_minutes": 0,
                    "first": None,
                    "last": None,
                    "cells": [],
                    "sources": [],
                },
            )
            # The imports it was found through: a number found only through imports withdrawn since is no longer
            # offered to be sent to the operator (selectors.unknown_standing).
            source = [mine.source_import_id, other.source_import_id]
            if source not in entry["sources"]:
                entry["sources"].append(source)
            entry["records"] += 1
            entry["overlap_minutes"] += minutes
            entry["first"] = min(filter(None, [entry["first"], shared_start.isoformat()]))
            entry["last"] = max(filter(None, [entry["last"], shared_end.isoformat()]))
            label = _cell_place(other)
            if label not in entry["cells"]:
                entry["cells"].append(label)
            continue
        # Data, not words: the case pages word it in the reader's language (notes.note_text). Until 2026-12-07 it
        # held both languages in one text, shown whole in either.
        note = note_code(shared=len(matched))
        for person in matched:
            found.append((person, mine, other, shared_start, shared_end, minutes, note))
    # Contacts locked in person order, as the check-in tracer's upsert locks them: a telecom trace and a check-in
    # trace meeting the same people wait for each other instead of deadlocking.
    found.sort(key=lambda item: (item[0].pk, item[1].pk, item[2].pk))
    for person, mine, other, shared_start, shared_end, minutes, note in found:
        link, created = contact_link_add(
            person=person,
            case=case,
            level=1,
            source=ContactLink.Source.TELECOM,
            setting=ContactLink.Setting.CELL,
            evidence_key=f"telecom:{mine.pk}:{other.pk}",
            place=_cell_place(other),
            exposure_start=shared_start,
            exposure_end=shared_end,
            overlap_minutes=minutes,
            note=note,
            actor=actor,
        )
        if link is None:
            continue
        people.add(person.pk)
        links.append(link)
        added += created
        existing += not created
    trace = TelecomTrace.objects.create(
        case=case,
        run_by=actor if getattr(actor, "is_authenticated", False) else None,
        phone=phone,
        case_records=len(case_records),
        candidate_records=len(pairs),
        people_found=len(people),
        links_added=added,
        links_existing=existing,
        unknown=sorted(unknown.values(), key=lambda item: (-item["overlap_minutes"], item["phone"])),
        min_overlap_minutes=min_overlap,
        neighbour_cell_m=neighbour_m,
        records_from=read.period.get("first"),
        records_to=read.period.get("last"),
        records_imports=read.period.get("imports"),
        window_covered=[[first.isoformat(), last.isoformat()] for first, last in read.period.get("window_covered", [])],
        window_holes=[
            {**hole, "from": hole["from"].isoformat(), "to": hole["to"].isoformat()}
            for hole in read.period.get("window_holes", [])
        ],
        imports_read=read.imports,
    )
    audit_record(
        actor=actor,
        action="telecom.case.traced",
        obj=case,
        area_path=case.area_path,
        reason="telecom tracing",
        ip=ip,
        extra={
            "trace": trace.pk,
            "case_records": len(case_records),
            "candidates": len(pairs),
            "people": len(people),
            "links_added": added,
            "unknown": len(unknown),
            "area_read": read.area_path,
            "imports_read": read.imports,
        },
    )
    return TraceOutcome(trace=trace, links=links)


# --- Retention --------------------------------------------------------------------------------------


def telecom_prune(*, now: dt.datetime | None = None) -> dict:
    """Delete location records that ended more than TELECOM_RETENTION_DAYS ago, those of withdrawn or failed imports
    left behind, trace runs (their lists of unknown phones) as old, and upload files left by imports that never ran.
    Safe to run at any time."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.TELECOM_RETENTION_DAYS)
    deleted = 0
    shortened: Counter = Counter()  # imports some of whose records went, and how many: read again below
    while True:  # in slices: one huge DELETE would hold the database for long
        rows = list(
            SubscriberLocation.objects.filter(end__lt=cutoff).values_list("pk", "source_import_id")[:PURGE_SLICE]
        )
        if not rows:
            break
        shortened.update(import_id for _pk, import_id in rows)
        deleted += SubscriberLocation.objects.filter(pk__in=[pk for pk, _import_id in rows]).delete()[0]
    for import_id, gone in sorted(shortened.items()):
        # What a trace says the records it read cover must not include what retention deleted; the import's page
        # says how many of its records went, and when (not "715 imported" as if they could still be traced with).
        period = _records_period(import_id)
        holes = TelecomImport.objects.filter(pk=import_id).values_list("records_holes", flat=True).first() or []
        TelecomImport.objects.filter(pk=import_id, status=TelecomImport.Status.DONE).update(
            records_from=period["first"],
            records_to=period["last"],
            # Holes before what is left went with the period; the threshold stays that of the file as imported.
            records_holes=_holes_within(holes, period["first"], period["last"]),
            records_pruned=F("records_pruned") + gone,
            pruned_at=now,
        )
    # Records of imports withdrawn or failed that their purge left (a worker stopped midway): they count for nothing.
    ended = TelecomImport.objects.filter(
        kind=TelecomImport.Kind.LOCATIONS,
        status__in=[TelecomImport.Status.WITHDRAWN, TelecomImport.Status.FAILED],
    ).filter(Exists(SubscriberLocation.objects.filter(source_import_id=OuterRef("pk"))))  # by the foreign key's index
    for import_id in ended.values_list("pk", flat=True):
        deleted += locations_purge(import_id)
    traces = TelecomTrace.objects.filter(created_at__lt=cutoff).delete()[0]
    files = 0
    stale = TelecomImport.objects.filter(Q(created_at__lt=cutoff) & ~Q(stored_path=""))
    for record in stale:
        _discard_file(record)
        record.save(update_fields=["stored_path"])
        files += 1
    if deleted or traces or files:
        audit_record(
            actor=None,
            action="telecom.records.pruned",
            extra={"locations": deleted, "traces": traces, "files": files, "cutoff": cutoff.isoformat()},
        )
    return {"locations": deleted, "traces": traces, "files": files}
