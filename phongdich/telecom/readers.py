"""Reading operators' files: the type from the content, the header in either language, rows one at a time.

A file is a CSV (UTF-8 with or without BOM; comma or semicolon) or an Excel .xlsx (first sheet). The first
line (row) is the header; line numbers are those the operator sees in their editor or spreadsheet. Rows are
streamed, never loaded whole: a file may be tens of megabytes.
"""

import codecs
import csv
import datetime as dt
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.utils import timezone

from phongdich.core.errors import ApplicationError
from phongdich.core.text import CONTROL_CHARACTERS, fold

from . import errors

# Header names as operators write them, folded (core.text.fold, spaces and dashes as underscores).
LOCATION_COLUMNS = {
    "phone": ("so_thue_bao", "thue_bao", "so_dien_thoai", "sdt", "phone", "msisdn", "phone_number"),
    "cell_id": ("ma_tram", "ma_cell", "ma_o", "cell_id", "cell", "cellid", "ci"),
    "start": ("bat_dau", "thoi_gian_bat_dau", "tu", "start", "start_time", "begin"),
    "end": ("ket_thuc", "thoi_gian_ket_thuc", "den", "end", "end_time", "stop"),
}
CELL_COLUMNS = {
    "cell_id": LOCATION_COLUMNS["cell_id"],
    "latitude": ("vi_do", "lat", "latitude"),
    "longitude": ("kinh_do", "lon", "lng", "long", "longitude"),
    "radius_m": ("ban_kinh", "ban_kinh_m", "radius", "radius_m"),
}
# Optional: the commune of a cell, by its official code or area path.
CELL_OPTIONAL_COLUMNS = {"area": ("ma_xa", "ma_dia_ban", "area", "area_code")}
# The names shown when a column is missing (Vietnamese / English).
COLUMN_LABELS = {
    "phone": "so_thue_bao / phone",
    "cell_id": "ma_tram / cell_id",
    "start": "bat_dau / start",
    "end": "ket_thuc / end",
    "latitude": "vi_do / lat",
    "longitude": "kinh_do / lon",
    "radius_m": "ban_kinh / radius_m",
    "area": "ma_xa / area_code",
}

_SIGNATURES = [
    (b"%PDF", "PDF"),
    (b"\x89PNG", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF8", "GIF"),
    (b"\xd0\xcf\x11\xe0", "Excel 97–2003 (.xls) / OLE"),
    (b"\x1f\x8b", "gzip"),
    (b"Rar!", "RAR"),
    (b"7z\xbc\xaf", "7-Zip"),
]
# Byte order marks of the Unicode encodings other than UTF-8 (UTF-32's first: UTF-16 LE's is its prefix). Excel's
# "Unicode Text" and some operators' exports are UTF-16: refused as text in the wrong encoding, not as a binary file.
_OTHER_UNICODE_BOMS = [
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
]
_HEADER_SEPARATORS = re.compile(r"[\s\-./()]+")

# The most rows a sheet may have (Excel's limit, 2^20). openpyxl fills the rows a sheet skips with empty ones: a
# hand-made <row r="2000000000"> would make it yield two billion blank rows, each skipped as a blank line, without a
# row ever counted (the import's progress would stand still while it spun).
XLSX_MAX_ROWS = 1_048_576


def _sheet_damage_types() -> tuple[type[BaseException], ...]:
    """What openpyxl raises, in read-only mode, when it parses a row of a damaged or hand-made sheet: the XML cut off or
    malformed (the standard library's ParseError, or lxml's XMLSyntaxError when openpyxl uses lxml); a number cell
    holding text, a style index or a row number that is not a number, an impossible ISO date cell (ValueError); a
    shared string the workbook does not have (IndexError); a cell reference that is not one
    (CellCoordinatesException); the sheet's compressed bytes damaged (BadZipFile for a wrong CRC, zlib.error,
    EOFError when cut). Only these, and only around openpyxl's parsing of a row (_sheet_rows): any other exception,
    or one of these from our own code, is a bug and surfaces."""
    from xml.etree.ElementTree import ParseError

    from openpyxl.utils.exceptions import CellCoordinatesException

    found = [ParseError, ValueError, IndexError, CellCoordinatesException, zipfile.BadZipFile, zlib.error, EOFError]
    try:
        from lxml.etree import XMLSyntaxError
    except ImportError:  # openpyxl then parses with the standard library
        pass
    else:
        found.append(XMLSyntaxError)
    return tuple(found)


def columns_for(kind: str) -> tuple[dict, dict]:
    return (CELL_COLUMNS, CELL_OPTIONAL_COLUMNS) if kind == "cells" else (LOCATION_COLUMNS, {})


def _header_matches(header, kind: str) -> bool:
    """Whether a header names every required column of `kind` (once or more)."""
    keys = {header_key(name) for name in header}
    required, _optional = columns_for(kind)
    return all(keys & set(aliases) for aliases in required.values())


def header_key(name) -> str:
    """'Số thuê bao' -> 'so_thue_bao'; 'Cell-ID' -> 'cell_id'."""
    return _HEADER_SEPARATORS.sub("_", fold(str(name or ""))).strip("_")


def detect_format(path: Path) -> str:
    """'csv' or 'xlsx' from the bytes, whatever the file is called; telecom_file_type for anything else."""
    with path.open("rb") as handle:
        head = handle.read(4096)
    if not head.strip():
        raise ApplicationError(errors.FILE_EMPTY)
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                if "xl/workbook.xml" in archive.namelist():
                    return "xlsx"
        except zipfile.BadZipFile:
            pass
        raise ApplicationError(errors.FILE_TYPE, extra={"detected": "ZIP"})
    for signature, label in _SIGNATURES:
        if head.startswith(signature):
            raise ApplicationError(errors.FILE_TYPE, extra={"detected": label})
    for bom, encoding in _OTHER_UNICODE_BOMS:
        if head.startswith(bom):
            raise wrong_encoding(encoding)
    if b"\x00" in head:  # UTF-16 or a binary format: no text CSV has NUL bytes
        if _reads_as_utf16_text(head):
            raise wrong_encoding("UTF-16")
        raise ApplicationError(errors.FILE_TYPE, extra={"detected": "binary"})
    return "csv"


def wrong_encoding(encoding: str) -> ApplicationError:
    """telecom_file_encoding for a CSV in another Unicode encoding, naming it and the one wanted (a UTF-16 file was
    refused as "binary", walk-through of 2026-12-07)."""
    return ApplicationError(
        errors.FILE_ENCODING,
        extra={"detected": encoding, "expected": "UTF-8"},
        vi=f"Tệp CSV được mã hóa {encoding}, cần UTF-8: hãy lưu lại tệp dưới dạng “CSV UTF-8” rồi tải lên lại.",
        en=f"The CSV file is encoded in {encoding}, not UTF-8: save it again as “CSV UTF-8” and upload it again.",
    )


def not_utf8(line: int) -> ApplicationError:
    """telecom_file_encoding for bytes that are not UTF-8, naming the line and how to save the file: Excel's plain
    "CSV" is in the Windows code page, and "The CSV file must be encoded in UTF-8" told neither (walk-through of
    2026-12-07)."""
    return ApplicationError(
        errors.FILE_ENCODING,
        extra={"line": line, "expected": "UTF-8"},
        vi=f"Dòng {line}: tệp CSV không được mã hóa UTF-8 (Excel lưu “CSV” thường theo bảng mã Windows). Hãy lưu lại "
        "tệp dưới dạng “CSV UTF-8” rồi tải lên lại.",
        en=f"Line {line}: the CSV file is not encoded in UTF-8 (Excel's plain “CSV” uses the Windows code page). Save "
        "it again as “CSV UTF-8” and upload it again.",
    )


def _reads_as_utf16_text(head: bytes) -> bool:
    """Whether bytes without a byte order mark read as a CSV's text in UTF-16: printable, with a separator on the first
    line, and nearly all Latin letters (Vietnamese included), digits and punctuation. Random bytes read as UTF-16 are
    mostly CJK or unassigned, so a binary file is not taken for one."""
    for codec in ("utf-16-le", "utf-16-be"):
        try:  # incremental: the 4096 bytes may end inside a character
            text = codecs.getincrementaldecoder(codec)().decode(head, final=False)
        except UnicodeDecodeError:
            continue
        first_line = text.split("\n", 1)[0]
        if not text or not ("," in first_line or ";" in first_line):
            continue
        if not text.replace("\r", "").replace("\n", "").replace("\t", "").isprintable():
            continue
        latin = sum(1 for char in text if ord(char) < 0x250 or 0x1E00 <= ord(char) <= 0x1EFF)
        if latin >= 0.95 * len(text):
            return True
    return False


@dataclass
class Row:
    line: int
    values: dict  # field -> raw value (str, or a number/datetime from Excel)
    extra_values: bool = False  # more cells than the header has columns (not all empty)
    # The first field whose text holds a control character (core.text.CONTROL_CHARACTERS): a NUL cannot be stored
    # by PostgreSQL, the others cannot be written to a spreadsheet, and none belongs in an operator's value.
    control_field: str | None = None


class Table:
    """An open file: `fields` maps our field names to column positions; iterate for Rows."""

    def __init__(self, path: Path, file_format: str, kind: str):
        self.path, self.file_format, self.kind = path, file_format, kind
        self._close = []
        try:
            if file_format == "xlsx":
                header, self._rows = self._open_xlsx()
            else:
                header, self._rows = self._open_csv()
            self.header = header
            self.fields = self._match_header(header)
        except BaseException:
            self.close()  # a refused file is not left open
            raise

    def close(self):
        for close in self._close:
            close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def estimate_rows(self) -> int:
        """Data rows, roughly (a quoted field may span lines; blank lines count): for the progress bar."""
        if self.file_format == "xlsx":
            return self._xlsx_rows
        count = 0
        with self.path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                count += block.count(b"\n")
        return max(0, count - 1)

    def _open_csv(self):
        handle = self.path.open("rb")
        self._close.append(handle.close)
        lines = _Lines(handle)
        first = lines.peek_first()
        delimiter = ";" if first.count(";") > first.count(",") else ","
        reader = csv.reader(lines, delimiter=delimiter)
        self.delimiter = delimiter
        try:
            header = next(reader)
        except StopIteration:
            raise ApplicationError(errors.FILE_EMPTY) from None
        except csv.Error as exc:  # a bare carriage return in the header line, say: not a CSV we can read
            raise ApplicationError(errors.FILE_TYPE, extra={"line": 1, "detail": str(exc)[:200]}) from None

        def rows():
            while True:
                start_line = lines.line + 1
                try:
                    values = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    raise ApplicationError(
                        errors.FILE_TYPE, extra={"line": lines.line, "detail": str(exc)[:200]}
                    ) from exc
                yield start_line, values

        return header, rows()

    def _open_xlsx(self):
        from openpyxl import load_workbook
        from openpyxl.styles.numbers import is_date_format

        handle = self.path.open("rb")  # a file object: openpyxl would refuse a path not ending in .xlsx
        self._close.append(handle.close)
        try:
            workbook = load_workbook(handle, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
            raise ApplicationError(errors.FILE_TYPE, extra={"detected": "damaged xlsx"}) from exc
        self._close.append(workbook.close)
        self._sheet = workbook.worksheets[0]
        self._xlsx_rows = max(0, (self._sheet.max_row or 1) - 1)  # the sheet's stated size: the progress estimate
        # Excel ignores a sheet's stated size (<dimension>) and shows every row; openpyxl stops at it, and would drop
        # without a word the rows and columns past it of a hand-made sheet that states too few: read them all.
        self._sheet.reset_dimensions()
        # Cells, not values only: a date cell's number format says whether it holds a time (openpyxl gives a date
        # typed as 15/09/2021 as datetime(2021, 9, 15, 0, 0)). Measured on 100,000 rows of 5 columns (2.4 MB,
        # read-only mode, 2026-12-06): 5.2-5.5 s read through this Table, 5.5-5.9 s with values only, i.e. noise;
        # the time goes into parsing the XML either way.
        sheet_rows = _sheet_rows(self._sheet.iter_rows())
        try:
            _line, cells = next(sheet_rows)
        except StopIteration:
            raise ApplicationError(errors.FILE_EMPTY) from None
        header = ["" if cell.value is None else str(cell.value) for cell in cells]
        has_time: dict[str, bool] = {}  # number format -> whether it shows a time

        def value(cell):
            found = cell.value
            if isinstance(found, dt.datetime):
                try:
                    shown = cell.number_format
                except (IndexError, KeyError, AttributeError):  # a style the workbook does not define: as it reads
                    return found
                if shown not in has_time:  # a date format without a time part; "General" (an ISO date cell) keeps it
                    has_time[shown] = format_has_time(shown) or not is_date_format(shown)
                if not has_time[shown]:
                    return found.date()  # a date without a time, refused as the same date in text is
            return found

        def rows():
            for line, cells in sheet_rows:
                yield line, [value(cell) for cell in cells]

        return header, rows()

    def _match_header(self, header) -> dict[str, int]:
        required, optional = columns_for(self.kind)
        wanted = {**required, **optional}
        fields: dict[str, int] = {}
        twice = []
        for position, name in enumerate(header):
            key = header_key(name)
            for field, aliases in wanted.items():
                if key in aliases:
                    if field in fields:
                        twice.append(field)
                    fields[field] = position
        missing = [field for field in required if field not in fields]
        if missing or twice:
            expected = [COLUMN_LABELS[field] for field in required]
            missing_labels = ", ".join(COLUMN_LABELS[field] for field in missing)
            problem_vi = f"thiếu cột {missing_labels}" if missing else "có cột trùng tên"
            problem_en = f"missing column(s) {missing_labels}" if missing else "a column is named twice"
            other_kind = "locations" if self.kind == "cells" else "cells"
            # A records file uploaded as a cell list (or the reverse) lacks columns too: "missing vi_do…" did not
            # say that the other kind was chosen by mistake (walk-through of 2026-12-07).
            wrong_kind = bool(missing) and _header_matches(header, other_kind)
            hint_vi = hint_en = ""
            if wrong_kind:
                hint_vi = (
                    " Dòng tiêu đề khớp với tệp dữ liệu vị trí thuê bao: có lẽ đã chọn nhầm loại tệp."
                    if other_kind == "locations"
                    else " Dòng tiêu đề khớp với danh sách trạm: có lẽ đã chọn nhầm loại tệp."
                )
                hint_en = (
                    " The header is that of a subscriber location records file: the wrong kind of file was probably"
                    " chosen."
                    if other_kind == "locations"
                    else " The header is that of a cell list: the wrong kind of file was probably chosen."
                )
            extra = {
                "line": 1,
                "missing": [COLUMN_LABELS[field] for field in missing],
                "duplicated": [COLUMN_LABELS[field] for field in twice],
                "expected": expected,
                "found": [str(name)[:60] for name in header][:30],
            }
            if wrong_kind:
                extra["kind_detected"] = other_kind
            raise ApplicationError(
                errors.COLUMNS,
                extra=extra,
                vi=f"Dòng 1: {problem_vi}. Các cột cần có: {', '.join(expected)}.{hint_vi}",
                en=f"Line 1: {problem_en}. Expected columns: {', '.join(expected)}.{hint_en}",
            )
        return fields

    def __iter__(self) -> Iterator[Row]:
        width = len(self.header)
        for line, values in self._rows:
            if all(_blank(value) for value in values):
                continue  # blank lines (and Excel's formatted-but-empty rows) are not rows
            picked = {
                field: values[position] if position < len(values) else None for field, position in self.fields.items()
            }
            extra = any(not _blank(value) for value in values[width:])
            control = next((field for field, value in picked.items() if _has_control(value)), None)
            yield Row(line=line, values=picked, extra_values=extra, control_field=control)


def _sheet_rows(iterator) -> Iterator[tuple[int, tuple]]:
    """(line, cells) of a sheet's rows, from 1: openpyxl parses each row as it is read, so damage anywhere in the
    sheet shows here, at the row where reading stopped (telecom_file_type with that line), the header's or a later
    one's. A sheet read past Excel's last row is damaged too."""
    damage = _sheet_damage_types()
    line = 0
    while True:
        line += 1
        try:
            cells = next(iterator)
        except StopIteration:
            return
        except damage as exc:
            raise damaged_workbook(line, exc) from exc
        if line > XLSX_MAX_ROWS:
            raise damaged_workbook(line, None)
        yield line, cells


def damaged_workbook(line: int, exc: BaseException | None) -> ApplicationError:
    """telecom_file_type for a workbook whose sheet cannot be read from `line` on (`exc`: what openpyxl raised; None:
    the sheet goes past Excel's last row), in words an official can act on."""
    if exc is None:
        detail = f"more than {XLSX_MAX_ROWS} rows"
        what_vi = f"trang tính có nhiều dòng hơn Excel cho phép ({XLSX_MAX_ROWS:,} dòng)".replace(",", ".")
        what_en = f"the sheet has more rows than Excel allows ({XLSX_MAX_ROWS:,})"
    else:
        detail = f"{type(exc).__name__}: {exc}"[:200]
        what_vi = "không đọc được trang tính từ dòng này"
        what_en = "its sheet cannot be read from this line on"
    return ApplicationError(
        errors.FILE_TYPE,
        extra={"detected": "damaged xlsx", "line": line, "detail": detail},
        vi=f"Dòng {line}: tệp Excel bị hỏng, {what_vi} (tệp bị cắt cụt, hoặc không do chương trình bảng tính ghi ra)."
        " Hãy mở và lưu lại tệp bằng Excel, hoặc xuất ra CSV, rồi tải lên lại.",
        en=f"Line {line}: the Excel file is damaged; {what_en} (the file is cut short, or was not written by a"
        " spreadsheet program). Open and save it again in Excel, or export it as CSV, and upload it again.",
    )


class _Lines:
    """Feeds csv.reader one decoded line at a time and counts lines, so a row's first line is known.

    Bytes are split on newlines before decoding (a newline byte never occurs inside a UTF-8 character),
    so a file that is not UTF-8 is refused naming the exact line.
    """

    def __init__(self, handle):
        self._handle = handle
        self.line = 0
        self._first = None

    def _decode(self, raw: bytes, line: int) -> str:
        try:
            return raw.decode("utf-8-sig" if line == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            raise not_utf8(line) from exc

    def peek_first(self) -> str:
        self._first = self._decode(self._handle.readline(), 1)
        return self._first

    def __iter__(self):
        return self

    def __next__(self) -> str:
        if self._first is not None:
            text, self._first = self._first, None
        else:
            raw = self._handle.readline()
            if not raw:
                raise StopIteration
            text = self._decode(raw, self.line + 1)
        if not text:
            raise StopIteration
        self.line += 1
        return text


# Parts of an Excel number format that are shown as they are: quoted text, an escaped character, and bracketed
# sections other than elapsed time ([Red], [$-409] hold letters such as the h of "White").
_FORMAT_LITERALS = re.compile(r'"[^"]*"|\\.|\[(?![hms]+\])[^\]]*\]', re.IGNORECASE)


def format_has_time(number_format: str) -> bool:
    """Whether an Excel number format shows a time: an hour, a second or AM/PM ("dd/mm/yyyy hh:mm", "h:mm AM/PM");
    "dd/mm/yyyy" and "mmm-yy" do not (an m alone is a month)."""
    code = _FORMAT_LITERALS.sub("", number_format or "").lower()
    return "h" in code or "s" in code or "am/pm" in code or "a/p" in code


def _has_control(value) -> bool:
    return isinstance(value, str) and CONTROL_CHARACTERS.search(value) is not None


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def cell_text(value) -> str:
    """A cell as text: Excel stores 84912345678 and 12345 as numbers (12345.0 as a float)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


_TEXT_FORMATS = ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d-%m-%Y %H:%M:%S", "%d-%m-%Y %H:%M", "%Y/%m/%d %H:%M:%S")


def parse_time(value) -> dt.datetime | None:
    """An aware datetime from an ISO text ("2021-09-14 08:05[:00][+07:00]"), a Vietnamese one
    ("14/09/2021 08:05"), or an Excel date-time. Times without a zone are Vietnam time (TIME_ZONE).
    A date without a time is refused (None): a stay needs its hour."""
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, dt.date) or value is None:
        return None
    else:
        text = str(value).strip()
        if len(text) <= 10:
            return None
        parsed = None
        try:
            parsed = dt.datetime.fromisoformat(text)
        except ValueError:
            for pattern in _TEXT_FORMATS:
                try:
                    parsed = dt.datetime.strptime(text, pattern)
                    break
                except ValueError:
                    continue
        if parsed is None:
            return None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, timezone.get_default_timezone())
    return parsed


def open_table(path: Path, file_format: str, kind: str) -> Table:
    return Table(Path(path), file_format, kind)
