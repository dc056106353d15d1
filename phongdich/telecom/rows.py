"""Checking the rows of an operator's file, one at a time, against the file so far and the database.

Each checker turns a file's rows into what to write and a list of row errors. It never writes: telecom.services
writes a cell list in one transaction at the end, and location records chunk by chunk as the checker accepts
them. Reasons are stable codes with both languages.
"""

import datetime as dt
import re
from collections import Counter, defaultdict
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from phongdich.core.dates import SARS_COV_2_FIRST_REPORTED
from phongdich.core.errors import ApplicationError
from phongdich.core.text import visible_controls
from phongdich.geo.models import Area
from phongdich.people.validation import normalise_phone

from .models import Cell, SubscriberLocation, TelecomImport
from .readers import Row, cell_text, parse_time

# How far ahead of the server's clock a record may end (the operator's clock a little fast), not more.
CLOCK_SKEW = dt.timedelta(minutes=5)
# Cells: latitude and longitude inside Vietnam, the islands included (Trường Sa reaches 117.5° E).
LAT_RANGE = (Decimal("8.0"), Decimal("23.5"))
LON_RANGE = (Decimal("102.0"), Decimal("117.5"))
RADIUS_RANGE = (1, 100_000)  # metres; an extended-range cell reaches about 100 km
CELL_ID_MAX = 64

# code: (Vietnamese, English); "{…}" are filled from the row.
ROW_REASONS = {
    "missing_value": ("Thiếu giá trị.", "Missing value."),
    "invalid_phone": (
        "Số thuê bao không hợp lệ: {value}.",
        "Invalid subscriber number: {value}.",
    ),
    "invalid_time": (
        "Thời gian không đọc được: {value} (dùng 2021-09-14 08:05 hoặc 14/09/2021 08:05).",
        "Unreadable time: {value} (use 2021-09-14 08:05 or 14/09/2021 08:05).",
    ),
    "time_missing": (  # a reason of invalid_time
        "Thiếu giờ: {value} chỉ có ngày (dùng 2021-09-14 08:05 hoặc 14/09/2021 08:05).",
        "The hour is missing: {value} is a date only (use 2021-09-14 08:05 or 14/09/2021 08:05).",
    ),
    "end_before_start": ("Thời điểm kết thúc trước thời điểm bắt đầu.", "The end is before the start."),
    "in_future": ("Thời gian ở tương lai: {value}.", "The time is in the future: {value}."),
    "too_early": (
        "Thời gian trước tháng 12/2019, khi SARS-CoV-2 được phát hiện: {value}.",
        "The time is before December 2019, when SARS-CoV-2 was first reported: {value}.",
    ),
    "stay_too_long": (
        "Thời gian ở một trạm dài hơn {hours} giờ.",
        "The stay in one cell is longer than {hours} hours.",
    ),
    "unknown_cell": (
        "Mã trạm {value} không có trong danh sách trạm của nhà mạng này (nhập danh sách trạm trước).",
        "Cell {value} is not in this operator's cell list (import the cell list first).",
    ),
    "overlap_in_file": (
        "Trùng hoặc chồng lấn thời gian với dòng {other} (cùng thuê bao, cùng trạm).",
        "Duplicates or overlaps line {other} (same subscriber, same cell).",
    ),
    "overlap_existing": (
        "Trùng hoặc chồng lấn thời gian với dữ liệu đã nhập (lần nhập #{other}, cùng thuê bao, cùng trạm).",
        "Duplicates or overlaps a record already imported (import #{other}, same subscriber, same cell).",
    ),
    "extra_values": ("Dòng có nhiều ô hơn dòng tiêu đề.", "The row has more cells than the header."),
    "control_character": (
        "Giá trị có ký tự điều khiển không in được (hiện thành ␀, ␁…): {value}.",
        "The value holds a non-printing control character (shown as ␀, ␁…): {value}.",
    ),
    "value_too_long": ("Giá trị dài quá {max} ký tự.", "The value is longer than {max} characters."),
    "invalid_coordinate": (
        "Tọa độ không hợp lệ hoặc ngoài Việt Nam: {value}.",
        "Invalid coordinate, or outside Vietnam: {value}.",
    ),
    "invalid_radius": (
        "Bán kính phải là số mét nguyên từ 1 đến 100000: {value}.",
        "The radius must be whole metres from 1 to 100000: {value}.",
    ),
    "unknown_area": ("Mã địa bàn không tồn tại: {value}.", "Unknown area code: {value}."),
    "duplicate_cell": ("Mã trạm trùng với dòng {other}.", "The cell id repeats line {other}."),
    "overlap_concurrent": (
        "Trùng hoặc chồng lấn với lần nhập #{other} vừa hoàn tất cùng lúc.",
        "Duplicates or overlaps import #{other}, finished while this one ran.",
    ),
}


# Each reason in a few words, in the page's language, for the count of rejected rows by reason that heads an import's
# list ("715 rows: cell not in this operator's list"); the rows themselves keep ROW_REASONS, stored in both languages.
ROW_CODE_LABELS = {
    "missing_value": _("missing value"),
    "invalid_phone": _("invalid subscriber number"),
    "invalid_time": _("unreadable time"),
    "end_before_start": _("end before start"),
    "in_future": _("time in the future"),
    "too_early": _("time before SARS-CoV-2 was first reported"),
    "stay_too_long": _("stay in one cell too long"),
    "unknown_cell": _("cell not in this operator's cell list"),
    "overlap_in_file": _("repeats or overlaps an earlier line"),
    "overlap_existing": _("repeats or overlaps a record already imported"),
    "extra_values": _("more cells than the header"),
    "control_character": _("control character in a value"),
    "value_too_long": _("value too long"),
    "invalid_coordinate": _("invalid coordinate"),
    "invalid_radius": _("invalid radius"),
    "unknown_area": _("unknown area code"),
    "duplicate_cell": _("cell id repeated"),
    "overlap_concurrent": _("overlaps an import finished meanwhile"),
}


# A date written without its hour ("05/12/2026", "2026-12-05"): readable, but a stay needs the time of day.
_DATE_ONLY = re.compile(r"\s*(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}/\d{1,2}/\d{4})\s*")


def _date_only(value) -> bool:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return True
    return isinstance(value, str) and _DATE_ONLY.fullmatch(value) is not None


def row_error(line: int, column: str, code: str, *, reason: str = "", **values) -> dict:
    """A rejected row: its `code`, and the words of ROW_REASONS[`reason` or `code`] (a code may have several)."""
    vi, en = ROW_REASONS[reason or code]
    # Never a raw control character: a NUL cannot be stored in jsonb (a server error on PostgreSQL instead of the
    # line), the others break the rejected rows' export.
    shown = {key: visible_controls(str(value)[:60]) for key, value in values.items()}
    return {
        "line": line,
        "column": visible_controls(column),
        "code": code,
        "reason_vi": vi.format(**shown),
        "reason_en": en.format(**shown),
    }


def overlaps(a_start, a_end, b_start, b_end) -> bool:
    """Two stays overlap when they share time; identical ones (even of no length) are duplicates."""
    return (a_start < b_end and b_start < a_end) or (a_start == b_start and a_end == b_end)


class RowErrors:
    """The rejected rows to list on an import: the first `keep` by line, however many there are (the checker counts
    them all). A wrong file of millions of rows must not hold millions of reasons in memory."""

    def __init__(self, keep: int):
        self.keep = keep
        self._items: list[dict] = []

    def append(self, error: dict) -> None:
        self._items.append(error)
        if len(self._items) >= 2 * self.keep:
            self._cut()

    def _cut(self) -> None:
        self._items.sort(key=lambda item: (item["line"], item["column"]))
        del self._items[self.keep :]

    def first(self) -> list[dict]:
        """The first `keep` rejected rows, by line and column."""
        self._cut()
        return list(self._items)


class LocationChecker:
    """Rows of a locations file. Duplicates and overlaps of the same phone in the same cell are refused,
    never merged (docs/telecom.md "Duplicates"): the first one, in the database or earlier in the file, stays.

    Nothing of the file is held but the chunk being checked: each chunk's accepted rows go to `accepted` (the
    service writes them, marked with their import and line), and the earlier rows of the file are read back from
    the database with the records already imported, in the chunk's one query.
    """

    CHUNK = 2000

    def __init__(
        self,
        *,
        operator: str,
        column_names: dict[str, str],
        now: dt.datetime,
        import_id: int,
        accepted,
        area_path: str = "",
        keep_errors: int = 5000,
    ):
        self.operator = operator
        self.names = column_names
        self.now = now
        self.import_id = import_id
        self._accepted = accepted  # called with each chunk's accepted [(line, phone, cell pk, start, end)]
        # The uploader's area: rows are checked against the records of imports inside it only. A rejected row names
        # the import it repeats, and so tells where that phone was: another area's records would make an upload
        # a location oracle for any number (docs/telecom.md "Duplicates and overlaps"). "" (a superuser): all.
        self.area_path = area_path
        self.max_stay = dt.timedelta(hours=settings.TELECOM_MAX_STAY_HOURS)
        self.cells = dict(Cell.objects.filter(operator=operator).values_list("cell_id", "pk"))
        self.errors = RowErrors(keep_errors)
        self.rejected = 0
        self.by_code: Counter = Counter()  # every rejected row, by reason (errors keeps only the first ones)
        self.count = 0  # rows accepted so far
        # Good rows that ended before the retention cut-off: imported, and counted so that the import's page says the
        # next prune (hourly) deletes them. The committed September 2021 samples are such files; the prune's own
        # granularity already lets any record outlive the cut-off by up to an hour.
        self.retention_cutoff = now - dt.timedelta(days=settings.TELECOM_RETENTION_DAYS)
        self.expired = 0  # of the rows accepted (services: 0 for a failed import, less the rows dropped at the end)
        self._pending: list[tuple] = []

    def add(self, row: Row) -> None:
        checked = self._check_alone(row)
        if checked is not None:
            self._pending.append(checked)
            if len(self._pending) >= self.CHUNK:
                self.flush()

    def reject(self, error: dict) -> None:
        self.rejected += 1
        self.by_code[error["code"]] += 1
        self.errors.append(error)

    def _check_alone(self, row: Row):
        """Checks that need only the row (and the cell list); the first problem of a row is its reason."""
        names, values, line = self.names, row.values, row.line
        if row.extra_values:
            return self.reject(row_error(line, "", "extra_values"))
        if row.control_field:
            field = row.control_field
            return self.reject(row_error(line, names[field], "control_character", value=values[field]))
        raw = {
            field: cell_text(values[field]) if not hasattr(values[field], "year") else values[field] for field in values
        }
        for field in ("phone", "cell_id", "start", "end"):
            if raw[field] in ("", None):
                return self.reject(row_error(line, names[field], "missing_value"))
        # A date cell in the phone column (a slip in an Excel sheet) is kept as a date above: not a phone number either
        # (normalise_phone takes text; a datetime there was a TypeError that failed the whole import).
        phone = None if isinstance(raw["phone"], dt.date) else _phone_or_none(raw["phone"])
        if phone is None:
            return self.reject(row_error(line, names["phone"], "invalid_phone", value=raw["phone"]))
        cell_pk = self.cells.get(raw["cell_id"])
        if cell_pk is None:
            return self.reject(row_error(line, names["cell_id"], "unknown_cell", value=raw["cell_id"]))
        times = {}
        for field in ("start", "end"):
            times[field] = parse_time(values[field])
            if times[field] is None:
                # Still `invalid_time` (the code clients know), in words that say what is missing.
                reason = "time_missing" if _date_only(raw[field]) else ""
                return self.reject(row_error(line, names[field], "invalid_time", reason=reason, value=raw[field]))
        start, end = times["start"], times["end"]
        # Year 1 passed as the past, then overflowed in the overlap query and failed the whole import (fuzzing,
        # 2026-12-06); no record of an epidemic's tracing can be older than the virus.
        for field in ("start", "end"):
            if times[field].date() < SARS_COV_2_FIRST_REPORTED:
                return self.reject(row_error(line, names[field], "too_early", value=raw[field]))
        if end < start:
            return self.reject(row_error(line, names["end"], "end_before_start"))
        if end > self.now + CLOCK_SKEW:
            field = "end" if start <= self.now else "start"
            return self.reject(row_error(line, names[field], "in_future", value=raw[field]))
        if end - start > self.max_stay:
            return self.reject(row_error(line, names["end"], "stay_too_long", hours=settings.TELECOM_MAX_STAY_HOURS))
        return (line, phone, cell_pk, start, end)

    def flush(self) -> None:
        """Check the pending rows against the database (one query for the chunk: the records in force and this
        file's rows already accepted) and the chunk's earlier rows; hand the accepted ones on."""
        pending, self._pending = self._pending, []
        if not pending:
            return
        in_force = Q(source_import__status=TelecomImport.Status.DONE)
        if self.area_path:  # the records of imports uploaded inside the uploader's area (a province's: its districts')
            in_force &= Q(source_import__area_path__startswith=self.area_path)
        records = (
            SubscriberLocation.objects.filter(
                operator=self.operator,
                phone__in={item[1] for item in pending},
                start__lte=max(item[4] for item in pending),
                end__gte=min(item[3] for item in pending),
            )
            .filter(in_force | Q(source_import_id=self.import_id))
            .values_list("phone", "cell_id", "start", "end", "source_import_id", "line")
        )
        existing, earlier = defaultdict(list), defaultdict(list)
        for phone, cell_pk, start, end, import_id, line in records:
            if import_id == self.import_id:
                earlier[(phone, cell_pk)].append((start, end, line))
            else:
                existing[(phone, cell_pk)].append((start, end, import_id))
        accepted = []
        for line, phone, cell_pk, start, end in pending:
            key = (phone, cell_pk)
            clash = next((i for s, e, i in existing.get(key, ()) if overlaps(start, end, s, e)), None)
            if clash is not None:
                self.reject(row_error(line, self.names["start"], "overlap_existing", other=clash))
                continue
            # The earlier line it repeats: of those it overlaps, the one starting last (accepted stays never
            # overlap each other, so it is also the one ending last).
            other = max(((s, e, n) for s, e, n in earlier.get(key, ()) if overlaps(start, end, s, e)), default=None)
            if other is not None:
                self.reject(row_error(line, self.names["start"], "overlap_in_file", other=other[2]))
                continue
            earlier[key].append((start, end, line))
            accepted.append((line, phone, cell_pk, start, end))
            # Counted once accepted: a row later refused here (overlap_in_file) was counted as imported and past
            # retention on an import of fewer rows (walk-through of 2026-12-07: 3 past retention of 2 imported).
            if end < self.retention_cutoff:  # the prune's own test (services.telecom_prune)
                self.expired += 1
        self.count += len(accepted)
        if accepted:
            self._accepted(accepted)


def _phone_or_none(text: str) -> str | None:
    try:
        return normalise_phone(text)
    except ApplicationError:
        return None


def _decimal(text: str) -> Decimal | None:
    text = text.strip().replace(" ", "")
    if "," in text and "." not in text:
        text = text.replace(",", ".")  # 20,2134 as written with a semicolon-separated Vietnamese export
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


class CellChecker:
    """Rows of a cell list. A cell id already known for the operator is updated (operators resend their
    lists with corrections); the same id twice in one file is refused at its second line."""

    def __init__(self, *, operator: str, column_names: dict[str, str], now: dt.datetime, keep_errors: int = 5000):
        self.operator = operator
        self.names = column_names
        # cell_id -> (line, lat, lon, radius, area pk): a cell list is an operator's few thousand cells, held until
        # written (a province's location records are streamed instead: LocationChecker).
        self.rows: dict[str, tuple] = {}
        self.errors = RowErrors(keep_errors)
        self.rejected = 0
        self.by_code: Counter = Counter()
        self._areas: dict[str, int | None] = {}

    def reject(self, error: dict) -> None:
        self.rejected += 1
        self.by_code[error["code"]] += 1
        self.errors.append(error)

    def _area(self, text: str) -> int | None:
        if text not in self._areas:
            matches = Area.objects.filter(path=text if text.endswith("/") else text + "/") if "/" in text else None
            if matches is None:
                matches = Area.objects.filter(code=text)
            found = list(matches.values_list("pk", flat=True)[:2])
            self._areas[text] = found[0] if len(found) == 1 else None  # an ambiguous code is not a match
        return self._areas[text]

    def add(self, row: Row) -> None:
        names, line = self.names, row.line
        if row.extra_values:
            return self.reject(row_error(line, "", "extra_values"))
        if row.control_field:  # a cell id with one would be written into every trace, link and export of it
            field = row.control_field
            return self.reject(row_error(line, names[field], "control_character", value=row.values[field]))
        raw = {field: cell_text(value) for field, value in row.values.items()}
        for field in ("cell_id", "latitude", "longitude", "radius_m"):
            if not raw[field]:
                return self.reject(row_error(line, names[field], "missing_value"))
        cell_id = raw["cell_id"]
        if len(cell_id) > CELL_ID_MAX:
            return self.reject(row_error(line, names["cell_id"], "value_too_long", max=CELL_ID_MAX))
        lat, lon = _decimal(raw["latitude"]), _decimal(raw["longitude"])
        if lat is None or not LAT_RANGE[0] <= lat <= LAT_RANGE[1]:
            return self.reject(row_error(line, names["latitude"], "invalid_coordinate", value=raw["latitude"]))
        if lon is None or not LON_RANGE[0] <= lon <= LON_RANGE[1]:
            return self.reject(row_error(line, names["longitude"], "invalid_coordinate", value=raw["longitude"]))
        radius = _decimal(raw["radius_m"])
        if radius is None or radius != radius.to_integral_value() or not RADIUS_RANGE[0] <= radius <= RADIUS_RANGE[1]:
            return self.reject(row_error(line, names["radius_m"], "invalid_radius", value=raw["radius_m"]))
        area_pk = None
        if raw.get("area"):
            area_pk = self._area(raw["area"])
            if area_pk is None:
                return self.reject(row_error(line, names["area"], "unknown_area", value=raw["area"]))
        if cell_id in self.rows:
            return self.reject(row_error(line, names["cell_id"], "duplicate_cell", other=self.rows[cell_id][0]))
        self.rows[cell_id] = (
            line,
            lat.quantize(Decimal("0.000001")),
            lon.quantize(Decimal("0.000001")),
            int(radius),
            area_pk,
        )

    def flush(self) -> None:
        pass

    @property
    def count(self) -> int:
        return len(self.rows)
