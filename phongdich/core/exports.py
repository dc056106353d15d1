"""Spreadsheet exports that are safe to open.

A cell that starts with = + - @ (or a tab/carriage return before them) is run as a formula by Excel
and LibreOffice ("CSV/formula injection", OWASP). Every exported text goes through `safe_cell`.
"""

import datetime as dt
import io
from collections.abc import Iterable, Sequence

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_cell(value):
    """Text that a spreadsheet would take for a formula gets a leading apostrophe; other values pass."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        # openpyxl cannot store time zones: write local (Vietnam) time, which is what officials read.
        return timezone.localtime(value).replace(tzinfo=None)
    return value


def xlsx_bytes(sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence]]]) -> bytes:
    """Build a workbook from (sheet title, header row, rows) triples."""
    workbook = Workbook(write_only=False)
    workbook.remove(workbook.active)
    for title, header, rows in sheets:
        sheet = workbook.create_sheet(title=title[:31])
        sheet.append([safe_cell(h) for h in header])
        for row in rows:
            sheet.append([safe_cell(v) for v in row])
        for index, name in enumerate(header, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = max(12, min(40, len(str(name)) + 4))
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_response(filename: str, sheets) -> HttpResponse:
    response = HttpResponse(xlsx_bytes(sheets), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
