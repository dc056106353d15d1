"""Imports of operators' files: formats, row checks with line numbers, policies, whole-file refusals."""

import csv
import datetime as dt
import io
import json
import re
import uuid
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from openpyxl import Workbook

from phongdich.accounts.models import Official
from phongdich.core.errors import ApplicationError
from phongdich.core.testing import make_official
from phongdich.telecom.models import Cell, SubscriberLocation, TelecomImport
from phongdich.telecom.samples import make_samples
from phongdich.telecom.services import telecom_import_create, telecom_import_run

from .conftest import SAMPLES, import_bytes, import_sample, local

HEADER = "so_thue_bao,ma_tram,bat_dau,ket_thuc\n"


def _codes(record) -> list[tuple[int, str]]:
    return [(error["line"], error["code"]) for error in record.errors]


def test_sample_cells_and_locations_csv_import(health, cells):
    assert cells.rows_imported == 12 and Cell.objects.filter(operator="viettel").count() == 12
    cell = Cell.objects.get(cell_id="TTH-KT-01")
    assert (cell.latitude, cell.longitude, cell.radius_m) == (Decimal("20.128000"), Decimal("105.647000"), 800)
    record = import_sample(health, "viettel-locations.csv")
    assert record.status == "done" and record.errors == []
    assert record.file_format == "csv" and record.rows_total == record.rows_imported == 715
    assert SubscriberLocation.objects.filter(source_import=record).count() == 715
    # The operator writes 84… and 0…: both stored as E.164; times are Vietnam time.
    stay = SubscriberLocation.objects.get(phone=make_samples.CASE_PHONE, cell__cell_id="TTH-KT-01")
    assert (stay.start, stay.end) == (local(2021, 9, 15, 9), local(2021, 9, 15, 10, 30))
    assert record.stored_path == "" and not any((SAMPLES.parent / "var").glob("*"))


def test_sample_xlsx_imports_with_numbers_and_excel_dates(health, cells, settings):
    record = import_sample(health, "viettel-locations.xlsx")
    assert record.status == "done", record.errors
    assert record.file_format == "xlsx" and record.rows_imported == 230
    assert not list((settings.VAR_DIR / "telecom-uploads").iterdir())  # the upload is deleted once imported
    phones = set(SubscriberLocation.objects.values_list("phone", flat=True))
    assert all(phone.startswith("+84") and len(phone) == 12 for phone in phones)


def test_broken_file_lists_every_bad_line_and_imports_nothing(health, cells):
    record = import_sample(health, "broken-locations.csv")
    expected = [(line, reason) for line, (*_, reason) in enumerate(make_samples.BROKEN_LINES, start=2) if reason]
    assert _codes(record) == expected
    assert record.status == "failed" and record.rows_imported == 0 and record.rows_rejected == 8
    assert SubscriberLocation.objects.count() == 0
    by_line = {error["line"]: error for error in record.errors}
    assert by_line[3]["column"] == "so_thue_bao" and "0123456" in by_line[3]["reason_en"]
    assert by_line[5]["column"] == "ma_tram" and "TTH-ZZ-99" in by_line[5]["reason_vi"]
    assert "line 2" in by_line[6]["reason_en"] and "dòng 2" in by_line[6]["reason_vi"]


def test_skip_policy_imports_good_rows_and_reports_skipped_ones(health, cells):
    record = import_sample(health, "broken-locations.csv", policy="skip_bad_rows")
    assert record.status == "done" and record.rows_imported == 2 and record.rows_rejected == 8
    assert [line for line, _ in _codes(record)] == [3, 4, 5, 6, 7, 8, 9, 10]
    assert set(SubscriberLocation.objects.values_list("phone", "start")) == {
        ("+84912000111", local(2021, 9, 21, 8)),
        ("+84868000444", local(2021, 9, 21, 8)),
    }


def test_wrong_columns_are_refused_at_upload_naming_the_expected_ones(health, cells):
    with pytest.raises(ApplicationError) as caught:
        import_sample(health, "wrong-columns.csv")
    error = caught.value
    assert error.code == "telecom_columns" and error.status == 400
    assert error.extra["missing"] == ["ma_tram / cell_id", "bat_dau / start", "ket_thuc / end"]
    assert "so_thue_bao / phone" in error.extra["expected"]
    assert "Line 1" in error.as_dict("en")["message"] and "Dòng 1" in error.as_dict("vi")["message"]
    assert TelecomImport.objects.count() == 1  # the cells only


def test_a_column_named_twice_is_refused(health, cells):
    with pytest.raises(ApplicationError) as caught:
        import_bytes(health, "phone,msisdn,cell_id,start,end\n")
    assert caught.value.code == "telecom_columns" and caught.value.extra["duplicated"] == ["so_thue_bao / phone"]


@pytest.mark.parametrize(
    "content, detected",
    [
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "PNG"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "Excel 97–2003 (.xls) / OLE"),
    ],
)
def test_a_file_of_another_type_renamed_csv_is_refused(health, cells, content, detected, settings):
    with pytest.raises(ApplicationError) as caught:
        import_bytes(health, content, name="locations.csv")
    assert caught.value.code == "telecom_file_type" and caught.value.status == 415
    assert caught.value.extra["detected"] == detected
    assert not TelecomImport.objects.filter(kind="locations").exists()
    assert not list((settings.VAR_DIR / "telecom-uploads").iterdir())  # nothing of a refused file is kept


def test_a_zip_that_is_not_a_workbook_is_refused(health, cells):
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("data.csv", HEADER)
    with pytest.raises(ApplicationError) as caught:
        import_bytes(health, buffer.getvalue(), name="locations.xlsx")
    assert caught.value.code == "telecom_file_type"


# --- Damaged workbooks (security review of 2026-12-07) -------------------------------------------------------------
# openpyxl's read-only mode parses a sheet's rows as they are read: damage in the header row was a 500 at upload (page
# and API), damage past it failed the import with server_error and raised out of the task.


def _workbook(*rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["so_thue_bao", "ma_tram", "bat_dau", "ket_thuc"])
    for row in rows or (["84912000111", "TTH-KT-01", "15/09/2021 09:00:00", "15/09/2021 10:00:00"],):
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _with_sheet(change, workbook: bytes | None = None) -> bytes:
    """The workbook with its first sheet's XML changed by `change(bytes) -> bytes`, as a hand-made or damaged
    export would have it; every other part as openpyxl wrote it."""
    source = zipfile.ZipFile(io.BytesIO(workbook or _workbook()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = change(content)
            target.writestr(item, content)
    return out.getvalue()


FIRST_CELL = b'<c r="A1" t="inlineStr">'


def _before_first_cell(cell: bytes):
    return lambda xml: xml.replace(FIRST_CELL, cell + FIRST_CELL, 1)


# "Billion laughs": &h; would be 10^8 a's; the XML parser refuses it (its amplification limit).
_ENTITY_BOMB = (
    b'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">'
    + b"".join(b'<!ENTITY %c "%s">' % (name, b"&%c;" % (name - 1) * 10) for name in b"bcdefgh")
    + b"]>"
)


# Each breaks the header row, which the upload reads in the request (readers.Table._open_xlsx).
DAMAGED_HEADERS = {
    "xml_cut_in_the_header": lambda xml: xml[: xml.index(b"<row") + 30],
    "number_cell_holding_text": _before_first_cell(b'<c r="E1" t="n"><v>abc</v></c>'),
    "style_index_not_a_number": lambda xml: xml.replace(FIRST_CELL, b'<c r="A1" s="abc" t="inlineStr">', 1),
    "iso_date_cell_impossible": _before_first_cell(b'<c r="E1" t="d"><v>2021-99-99</v></c>'),
    "shared_string_missing": _before_first_cell(b'<c r="E1" t="s"><v>99</v></c>'),
    "row_number_not_a_number": lambda xml: xml.replace(b'<row r="1">', b'<row r="x">', 1),
    "cell_reference_not_one": lambda xml: xml.replace(b'r="A1"', b'r="!!"', 1),
    "boolean_cell_holding_text": _before_first_cell(b'<c r="E1" t="b"><v>x</v></c>'),
    "entities_expanding_without_end": lambda xml: (
        _ENTITY_BOMB + xml.replace(b"<t>so_thue_bao", b"<t>&h;so_thue_bao", 1)
    ),
}


@pytest.mark.parametrize("damage", sorted(DAMAGED_HEADERS))
def test_a_damaged_workbook_is_refused_at_upload_not_a_server_error(health, cells, damage, settings):
    client = Client(raise_request_exception=False)
    client.force_login(health)
    upload = SimpleUploadedFile("vi-tri.xlsx", _with_sheet(DAMAGED_HEADERS[damage]))
    response = client.post("/api/v1/telecom/imports/", {"operator": "viettel", "kind": "locations", "file": upload})
    assert response.status_code == 415, (response.status_code, response.content[:200])
    body = response.json()
    assert body["code"] == "telecom_file_type"
    assert (body["extra"]["detected"], body["extra"]["line"]) == ("damaged xlsx", 1)
    assert body["message_en"].startswith("Line 1: the Excel file is damaged")
    assert body["message_vi"].startswith("Dòng 1: tệp Excel bị hỏng")
    assert TelecomImport.objects.count() == 1  # the cell list only
    assert not list((settings.VAR_DIR / "telecom-uploads").iterdir())  # nothing of a refused file is kept


def test_the_upload_page_refuses_a_damaged_workbook_too(health, cells):
    client = Client(raise_request_exception=False)
    client.force_login(health)
    upload = SimpleUploadedFile("vi-tri.xlsx", _with_sheet(DAMAGED_HEADERS["xml_cut_in_the_header"]))
    response = client.post(
        "/telecom/", {"operator": "viettel", "kind": "locations", "policy": "all_or_nothing", "file": upload}
    )
    assert response.status_code == 415, response.status_code
    assert "tệp Excel bị hỏng" in response.content.decode()


def test_a_workbook_damaged_just_after_its_header_is_refused_at_upload(health, cells):
    """The upload reads the first data row (a file of a header only is refused there): a sheet cut after its header
    row is a file that cannot be read, with the line, in the request."""

    def cut_after_the_header(xml: bytes) -> bytes:
        end = xml.index(b"</row>") + len(b"</row>")
        return xml[: end + 10]

    with pytest.raises(ApplicationError) as caught:
        import_bytes(health, _with_sheet(cut_after_the_header), name="vi-tri.xlsx")
    assert caught.value.code == "telecom_file_type" and caught.value.extra["line"] == 2
    assert caught.value.as_dict("en")["message"].startswith("Line 2: the Excel file is damaged")
    assert TelecomImport.objects.count() == 1  # the cell list only


def test_a_workbook_damaged_after_its_first_row_fails_the_import_with_a_file_code(health, cells):
    """The task reads the rows: a sheet cut after its first data row is a file that cannot be read
    (telecom_file_type, with the line), not a server error raised out of the task."""
    good = ["0912000111", "TTH-KT-01", "15/09/2021 09:00:00", "15/09/2021 10:00:00"]

    def cut_after_the_first_row(xml: bytes) -> bytes:
        end = xml.index(b"</row>", xml.index(b"</row>") + 1) + len(b"</row>")
        return xml[: end + 10]

    record = import_bytes(health, _with_sheet(cut_after_the_first_row, _workbook(good, good)), name="vi-tri.xlsx")
    assert record.status == "failed"
    assert record.failure_code == "telecom_file_type", record.failure_code
    assert _codes(record) == [(3, "telecom_file_type")]
    assert record.errors[0]["reason_en"].startswith("Line 3: the Excel file is damaged")


@pytest.mark.parametrize("policy", ["all_or_nothing", "skip_bad_rows"])
def test_a_workbook_damaged_midway_keeps_none_of_its_rows_whatever_the_policy(health, cells, policy, monkeypatch):
    """Rows 2 and 3 are good and written (a chunk of one row here) before row 4, a number cell holding text, stops
    the reading: the file is not what the operator sent, so it fails whole, skip_bad_rows included (skipping is for
    bad rows of a file that reads), and the rows it wrote are deleted."""
    from phongdich.telecom.rows import LocationChecker

    monkeypatch.setattr(LocationChecker, "CHUNK", 1)
    good = ["0912000111", "TTH-KT-01", "15/09/2021 09:00:00", "15/09/2021 10:00:00"]
    workbook = _workbook(good, [*good[:1], "TTH-KT-02", *good[2:]], [*good[:1], "TTH-KT-03", *good[2:]])
    damaged = _with_sheet(lambda xml: xml.replace(b'<row r="4">', b'<row r="4"><c r="F4"><v>abc</v></c>', 1), workbook)
    record = import_bytes(health, damaged, name="vi-tri.xlsx", policy=policy)
    assert (record.status, record.failure_code, record.rows_imported) == ("failed", "telecom_file_type", 0)
    assert _codes(record) == [(4, "telecom_file_type")]
    assert not SubscriberLocation.objects.exists()


def test_rows_past_a_sheets_stated_size_are_read_as_excel_shows_them(health, cells):
    """A hand-made sheet whose <dimension> states fewer rows than it holds: openpyxl stopped at the stated size, and the
    rows past it were dropped without a word. Excel shows them all; so are they imported."""
    workbook = _workbook(
        ["0912000111", "TTH-KT-01", "15/09/2021 09:00:00", "15/09/2021 10:00:00"],
        ["0987000222", "TTH-KT-01", "15/09/2021 09:00:00", "15/09/2021 10:00:00"],
    )
    stated_too_small = _with_sheet(
        lambda xml: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:D2"', xml), workbook
    )
    record = import_bytes(health, stated_too_small, name="vi-tri.xlsx")
    assert (record.status, record.rows_imported) == ("done", 2), record.errors


@pytest.mark.parametrize("row_number, stated_size", [(3_000_000_000, True), (1_048_577, False)])
def test_a_row_numbered_past_excels_last_row_is_refused_not_read_for_ever(health, cells, row_number, stated_size):
    """openpyxl fills the rows a sheet skips with empty ones: <row r="3000000000"> has it yield three billion blank
    rows, none counted, the import's progress standing still (before, a sheet stating its size stopped there and
    dropped the row; one without a stated size is tried just past the limit, which reading for ever would not show).
    Excel has 1,048,576 rows at most."""

    def far_row(xml: bytes) -> bytes:
        xml = xml.replace(b'<row r="3">', b'<row r="%d">' % row_number, 1)
        xml = xml.replace(b'r="A3"', b'r="A%d"' % row_number, 1)
        return xml if stated_size else re.sub(rb"<dimension [^>]*>", b"", xml)

    good = ["0912000111", "TTH-KT-01", "15/09/2021 09:00:00", "15/09/2021 10:00:00"]
    # Row 2 is read at upload (a header-only file is refused there); the far row comes after it.
    record = import_bytes(health, _with_sheet(far_row, _workbook(good, good)), name="vi-tri.xlsx")
    assert (record.status, record.failure_code) == ("failed", "telecom_file_type")
    assert _codes(record) == [(1_048_577, "telecom_file_type")]
    assert "more rows than Excel allows" in record.errors[0]["reason_en"]


def test_a_date_typed_in_the_phone_column_is_a_rejected_row_not_a_failed_import(health, cells):
    """An Excel date cell where the phone should be (a slip in the operator's sheet) is one bad row: listed as
    invalid_phone, the good rows imported (skip_bad_rows). It reached normalise_phone as a datetime (a TypeError):
    the whole import failed with server_error."""
    book = Workbook()
    sheet = book.active
    sheet.append(["so_thue_bao", "ma_tram", "bat_dau", "ket_thuc"])
    sheet.append(["84912000111", "TTH-KT-01", "15/09/2021 09:00:00", "15/09/2021 10:00:00"])
    sheet.append([dt.datetime(2021, 9, 15, 9, 0), "TTH-KT-01", "15/09/2021 09:00:00", "15/09/2021 10:00:00"])
    sheet.append([dt.date(2021, 9, 15), "TTH-KT-01", "15/09/2021 09:00:00", "15/09/2021 10:00:00"])
    sheet["A3"].number_format = "dd/mm/yyyy hh:mm"
    sheet["A4"].number_format = "dd/mm/yyyy"
    buffer = io.BytesIO()
    book.save(buffer)
    record = import_bytes(health, buffer.getvalue(), name="vi-tri.xlsx", policy="skip_bad_rows")
    assert (record.status, record.rows_imported, record.rows_rejected) == ("done", 1, 2), record.failure_code
    assert _codes(record) == [(3, "invalid_phone"), (4, "invalid_phone")]
    assert "2021-09-15 09:00:00" in record.errors[0]["reason_en"] and "2021-09-15" in record.errors[1]["reason_vi"]


_CELL_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)


@hypothesis_settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=st.lists(st.tuples(_CELL_TEXT, _CELL_TEXT, _CELL_TEXT, _CELL_TEXT), min_size=1, max_size=4))
def test_any_text_in_a_csv_row_is_a_row_error_never_a_failed_task(health, cells, rows):
    """Whatever the cells of a CSV hold (NUL and other controls, any script, ISO oddities), each row is imported or
    rejected with its reason; the task never fails with server_error (a probe of the review of 2026-12-07)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["so_thue_bao", "ma_tram", "bat_dau", "ket_thuc", "ghi_chu"])
    for row in rows:
        writer.writerow([*row, uuid.uuid4().hex])  # never the same bytes twice (telecom_duplicate_file)
    try:
        record = import_bytes(health, buffer.getvalue(), policy="skip_bad_rows")
    except ApplicationError as refused:  # a whole-file problem found at upload: a 4xx, fine
        assert refused.status < 500
        return
    assert record.failure_code != "server_error", record.errors
    assert record.rows_imported + record.rows_rejected <= len(rows)


def test_a_file_over_the_size_limit_is_refused_while_copying(health, cells, settings):
    settings.TELECOM_MAX_UPLOAD_MB = 1
    big = HEADER.encode() + b"0912000111,TTH-KT-01,2021-09-15 08:00,2021-09-15 09:00\n" * 20_000
    assert len(big) > 1024 * 1024
    with pytest.raises(ApplicationError) as caught:
        # The client claims nothing: the limit holds on the bytes actually received.
        telecom_import_create(actor=health, operator="viettel", kind="locations", file_name="x.csv", chunks=[big])
    assert caught.value.code == "telecom_file_too_large" and caught.value.status == 413
    assert caught.value.extra == {"max_mb": 1}
    assert not list((settings.VAR_DIR / "telecom-uploads").iterdir())


def test_an_empty_file_is_refused(health, cells):
    with pytest.raises(ApplicationError) as caught:
        import_bytes(health, b"")
    assert caught.value.code == "telecom_file_empty"


def test_a_header_without_rows_is_refused_at_upload_in_csv_and_excel(health, cells):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(HEADER.strip().split(","))
    workbook.active.append([None, None, None, None])  # a formatted-but-empty row is no data row
    buffer = io.BytesIO()
    workbook.save(buffer)
    for data, name in ((HEADER + "\n\n", "locations.csv"), (buffer.getvalue(), "locations.xlsx")):
        with pytest.raises(ApplicationError) as caught:
            import_bytes(health, data, name=name)
        assert caught.value.code == "telecom_file_empty" and caught.value.extra == {"line": 2}
    assert not TelecomImport.objects.filter(kind="locations").exists()


def test_the_same_file_twice_is_refused_unless_the_first_failed(health, cells):
    first = import_sample(health, "broken-locations.csv")
    assert first.status == "failed"
    # Failed: nothing was imported, so the same file may come again (e.g. after fixing the cell list).
    second = import_sample(health, "broken-locations.csv", policy="skip_bad_rows")
    assert second.status == "done"
    with pytest.raises(ApplicationError) as caught:
        import_sample(health, "broken-locations.csv", policy="skip_bad_rows")
    assert caught.value.code == "telecom_duplicate_file" and caught.value.extra == {"import_id": second.pk}


def test_a_cell_list_imported_under_the_wrong_operator_can_be_imported_under_the_right_one(health):
    """The form's operator was left on the wrong carrier: the file stays importable for the right one (the file
    hash is unique per operator and kind of data, not across them); the same operator twice is still refused."""
    data = (SAMPLES / "viettel-cells.csv").read_bytes()
    wrong = import_bytes(health, data, kind="cells", operator="vinaphone", name="cells.csv")
    assert wrong.status == "done"
    right = import_bytes(health, data, kind="cells", operator="viettel", name="cells.csv")
    assert right.status == "done" and Cell.objects.filter(operator="viettel").count() == 12
    with pytest.raises(ApplicationError) as caught:
        import_bytes(health, data, kind="cells", operator="viettel", name="cells.csv")
    assert caught.value.code == "telecom_duplicate_file" and caught.value.extra == {"import_id": right.pk}


def test_the_same_records_file_is_once_inside_an_area_and_another_province_imports_its_own_copy(
    health, hanoi_health, areas, cells
):
    """A trace reads only the imports of its own area (docs/telecom.md "Whose records a trace reads"): another province
    that the operator sent the same file imports its own copy. Inside an area the file is imported once: again in the
    same area, or in the province whose district imported it (the province's traces read the district's import), it
    is refused, naming the import. A cell list stays once in the platform (test_api_pages)."""
    data = HEADER + "0912000111,TTH-KT-01,2021-09-15 08:00,2021-09-15 09:00\n"
    district_health = make_official(Official.Role.HEALTH_DEPT, areas["district"], "yte_huyen")
    district = import_bytes(district_health, data, name="a.csv")
    assert district.status == "done"
    for official in (district_health, health):
        with pytest.raises(ApplicationError) as caught:
            import_bytes(official, data, name="a.csv")
        assert caught.value.code == "telecom_duplicate_file" and caught.value.extra == {"import_id": district.pk}
    hanoi = import_bytes(hanoi_health, data, name="a.csv")
    assert (hanoi.status, hanoi.rows_imported, hanoi.area_path) == ("done", 1, areas["hanoi"].path)
    # Two uploads of one area at once: the database keeps one (telecom_import_file_once_per_area).
    with pytest.raises(IntegrityError), transaction.atomic():
        TelecomImport.objects.create(
            kind="locations",
            operator="viettel",
            sha256=district.sha256,
            area_path=district.area_path,
            file_format="csv",
        )


def test_a_non_utf8_csv_fails_naming_the_line(health, cells):
    data = (HEADER + "0912000111,TTH-KT-01,2021-09-15 08:00,2021-09-15 09:00\n").encode()
    data += "0987000222,TTH-KT-01,15/09/2021 08:00,15/09/2021 09:00,Trân\n".encode("cp1258")
    record = import_bytes(health, data)
    assert record.status == "failed" and record.failure_code == "telecom_file_encoding"
    assert record.errors[0]["line"] == 3
    # The line and how to save the file, in both languages (it said only "must be encoded in UTF-8").
    assert record.errors[0]["reason_vi"].startswith("Dòng 3:") and "“CSV UTF-8”" in record.errors[0]["reason_vi"]
    assert record.errors[0]["reason_en"].startswith("Line 3:") and "“CSV UTF-8”" in record.errors[0]["reason_en"]
    assert SubscriberLocation.objects.count() == 0


def test_semicolons_bom_crlf_and_english_headers_with_diacritics_are_read(health, cells):
    text = (
        "\ufeffSố Thuê Bao;Mã trạm;Bắt đầu;Kết thúc\r\n"
        "+84 912 000 111;TTH-KT-01;2021-09-15T08:00:00+07:00;15/09/2021 09:00\r\n"
    )
    record = import_bytes(health, text)
    assert record.status == "done", record.errors
    stay = SubscriberLocation.objects.get()
    assert (stay.phone, stay.start, stay.end) == ("+84912000111", local(2021, 9, 15, 8), local(2021, 9, 15, 9))


def test_line_numbers_count_blank_lines_and_quoted_line_breaks(health, cells):
    text = (
        "msisdn,cell_id,start,end,note\n"
        '0912000111,TTH-KT-01,2021-09-15 08:00,2021-09-15 09:00,"two\nlines"\n'
        "\n"
        "0912000111,TTH-KT-99,2021-09-15 10:00,2021-09-15 11:00,\n"
    )
    record = import_bytes(health, text)
    assert _codes(record) == [(5, "unknown_cell")]


def test_xlsx_line_numbers_are_spreadsheet_rows(health, cells):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Số thuê bao", "Mã trạm", "Bắt đầu", "Kết thúc"])
    sheet.append([84912000111, "TTH-KT-01", local(2021, 9, 15, 8).replace(tzinfo=None), "15/09/2021 09:00"])
    sheet.append([None, None, None, None])
    sheet.append(["0912000111", "TTH-KT-01", "15/09/2021 10:00", "hôm qua"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    record = import_bytes(health, buffer.getvalue(), name="vitri.xlsx")
    assert _codes(record) == [(4, "invalid_time")] and record.errors[0]["column"] == "Kết thúc"


def test_a_nul_byte_past_the_first_block_is_a_row_error_not_a_server_error(health, cells):
    """detect_format looks for NUL bytes in the first 4,096 bytes only, and Python 3.11's csv module reads them. A
    NUL in a later row was quoted raw in that row's reason, which PostgreSQL's jsonb cannot hold: "server error"
    (line 0) instead of the line, and with skip_bad_rows none of the good rows imported."""
    days = range(1, 29)
    phones = ("0912000111", "0987000222", "0356000333", "0868000444")
    text = HEADER + "".join(
        f"{phone},TTH-KT-01,2021-09-{day:02d} 08:00,2021-09-{day:02d} 09:00\n" for phone in phones for day in days
    )
    assert len(text.encode()) > 4096
    bad_line = text.count("\n") + 1
    text += "0912\x00000555,TTH-KT-01,2021-09-15 08:00,2021-09-15 09:00\n"
    record = import_bytes(health, text, policy="skip_bad_rows")
    assert (record.status, record.rows_imported) == ("done", 4 * 28), (record.failure_code, record.errors)
    assert _codes(record) == [(bad_line, "control_character")] and record.errors[0]["column"] == "so_thue_bao"
    assert "0912\u2400000555" in record.errors[0]["reason_en"] and "\x00" not in record.errors[0]["reason_vi"]


def test_control_characters_in_any_value_are_refused_on_their_line(health, cells):
    """Not stored (a NUL cannot be, in PostgreSQL), nor quoted raw in the reason (the rejected rows' export could
    not be written); a tab is text like any other and a line's ignored columns are not read."""
    text = (
        "so_thue_bao,ma_tram,bat_dau,ket_thuc,ghi_chu\n"
        "0912000111\x01,TTH-KT-01,2021-09-15 08:00,2021-09-15 09:00,\n"
        "0912000111,TTH-KT\x1f01,2021-09-15 08:00,2021-09-15 09:00,\n"
        "0912000111,TTH-KT-01,2021-09-15 08:00\x0b,2021-09-15 09:00,\n"
        "0912000111,TTH-KT-01,2021-09-15 10:00,2021-09-15 11:00\t,note \x02\n"
    )
    record = import_bytes(health, text, policy="skip_bad_rows")
    assert _codes(record) == [(2, "control_character"), (3, "control_character"), (4, "control_character")]
    assert [error["column"] for error in record.errors] == ["so_thue_bao", "ma_tram", "bat_dau"]
    assert "0912000111\u2401" in record.errors[0]["reason_vi"] and record.rows_imported == 1


def test_a_cell_id_with_a_control_character_is_refused_in_the_cell_list(health):
    """A cell id holding one ("KT\x0201") was stored, then written into every trace's unknown subscribers and the
    F1 links' place, and from there into exports that openpyxl could not write."""
    text = "Mã trạm,Vĩ độ,Kinh độ,Bán kính (m)\nKT\x0201,20.128000,105.647000,800\nKT-02,20.13,105.65,800\n"
    record = import_bytes(health, text, kind="cells", policy="skip_bad_rows")
    assert _codes(record) == [(2, "control_character")] and record.errors[0]["column"] == "Mã trạm"
    assert list(Cell.objects.values_list("cell_id", flat=True)) == ["KT-02"]


def test_excel_date_cells_without_a_time_are_refused_like_text_dates(health, cells):
    """docs/telecom.md: "A date without a time is refused: a stay needs its hour". openpyxl reads a date cell
    (format dd/mm/yyyy) as datetime(…, 0, 0): "15/09 – 16/09" passed as a 24-hour stay in one cell, and every
    phone in that cell that day became a candidate. A date-time cell, or a date cell shown with its time, passes."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Số thuê bao", "Mã trạm", "Bắt đầu", "Kết thúc"])
    sheet.append(["0912000111", "TTH-KT-01", dt.date(2021, 9, 15), dt.date(2021, 9, 16)])
    sheet.append(["0912000111", "TTH-KT-02", dt.datetime(2021, 9, 15, 8), dt.datetime(2021, 9, 15)])
    sheet.append(["0912000111", "TTH-KT-03", dt.datetime(2021, 9, 15), dt.datetime(2021, 9, 15, 9)])
    sheet["C2"].number_format = sheet["D2"].number_format = "dd/mm/yyyy"
    sheet["D3"].number_format = "[$-409]dd/mm/yyyy"  # a locale tag, still no time
    sheet["C4"].number_format = "dd/mm/yyyy hh:mm"  # midnight shown as such: a time
    buffer = io.BytesIO()
    workbook.save(buffer)
    record = import_bytes(health, buffer.getvalue(), name="vitri.xlsx", policy="skip_bad_rows")
    assert _codes(record) == [(2, "invalid_time"), (3, "invalid_time")], record.errors
    assert [error["column"] for error in record.errors] == ["Bắt đầu", "Kết thúc"]
    assert "2021-09-15" in record.errors[0]["reason_en"]
    stay = SubscriberLocation.objects.get()
    assert (stay.start, stay.end) == (local(2021, 9, 15, 0), local(2021, 9, 15, 9))


def test_a_row_with_more_cells_than_the_header_is_refused(health, cells):
    record = import_bytes(health, HEADER + "0912000111,TTH-KT-01,2021-09-15 08:00,2021-09-15 09:00,x\n")
    assert _codes(record) == [(2, "extra_values")]


def test_overlap_with_an_existing_record_is_refused_and_touching_stays_are_not_overlaps(health, cells):
    first = import_bytes(health, HEADER + "0912000111,TTH-KT-01,2021-09-15 08:00,2021-09-15 09:00\n", name="a.csv")
    assert first.status == "done"
    text = (
        HEADER
        + "0912000111,TTH-KT-01,2021-09-15 09:00,2021-09-15 10:00\n"  # starts when the first ends: fine
        + "84912000111,TTH-KT-01,2021-09-15 08:59,2021-09-15 08:59\n"  # inside the first
        + "0912000111,TTH-KT-02,2021-09-15 08:00,2021-09-15 09:00\n"  # another cell: fine
        + "0987000222,TTH-KT-01,2021-09-15 08:00,2021-09-15 09:00\n"  # another phone: fine
    )
    record = import_bytes(health, text, policy="skip_bad_rows", name="b.csv")
    assert _codes(record) == [(3, "overlap_existing")]
    assert f"#{first.pk}" in record.errors[0]["reason_en"]
    assert record.rows_imported == 3


def test_an_upload_is_checked_for_overlaps_only_against_its_own_areas_records(client, health, hanoi_health, cells):
    """An official of another area uploads a 'probe' file (a phone, a cell, a whole day) with the default policy: were
    it checked against Thanh Hóa's records, the rejected row would say `overlap_existing` naming Thanh Hóa's import,
    which places that phone in that cell then. Repeated over cells and days that is a location oracle for any number,
    with no audit of a read; the Hà Nội official may not even open that import (404)."""
    first = import_bytes(health, HEADER + "0912000111,TTH-KT-01,2021-09-15 08:00,2021-09-15 09:00\n", name="a.csv")
    assert first.status == "done"
    probe = import_bytes(
        hanoi_health, HEADER + "0912000111,TTH-KT-01,2021-09-15 00:00,2021-09-15 23:00\n", name="probe.csv"
    )
    client.force_login(hanoi_health)
    assert client.get(f"/api/v1/telecom/imports/{first.pk}/").status_code == 404  # not theirs to see
    answer = client.get(f"/api/v1/telecom/imports/{probe.pk}/").json()
    codes = [error["code"] for error in answer["errors"]]
    assert "overlap_existing" not in codes, answer["errors"]
    assert f"#{first.pk}" not in json.dumps(answer["errors"], ensure_ascii=False)


def test_a_province_upload_is_checked_against_the_records_of_its_districts(health, areas, cells):
    """The province's check still covers the whole province: an import of one of its districts is inside it."""
    district_health = make_official(Official.Role.HEALTH_DEPT, areas["district"], "yte_huyen")
    first = import_bytes(
        district_health, HEADER + "0912000111,TTH-KT-01,2021-09-15 08:00,2021-09-15 09:00\n", name="a.csv"
    )
    assert first.status == "done"
    record = import_bytes(health, HEADER + "0912000111,TTH-KT-01,2021-09-15 08:30,2021-09-15 08:45\n", name="b.csv")
    assert _codes(record) == [(2, "overlap_existing")] and f"#{first.pk}" in record.errors[0]["reason_en"]


def test_duplicates_within_a_file_are_refused_whatever_their_order(health, cells):
    text = (
        HEADER
        + "0912000111,TTH-KT-01,2021-09-15 10:00,2021-09-15 11:00\n"
        + "0912000111,TTH-KT-01,2021-09-15 08:00,2021-09-15 09:00\n"
        + "0912000111,TTH-KT-01,2021-09-15 08:00,2021-09-15 09:00\n"  # identical to line 3
        + "0912000111,TTH-KT-01,2021-09-15 08:30,2021-09-15 10:30\n"  # overlaps 2 and 3
        + "0912000111,TTH-KT-01,2021-09-15 12:00,2021-09-15 12:00\n"  # a stay of no length
        + "0912000111,TTH-KT-01,2021-09-15 12:00,2021-09-15 12:00\n"  # ... twice
    )
    record = import_bytes(health, text)
    assert _codes(record) == [(4, "overlap_in_file"), (5, "overlap_in_file"), (7, "overlap_in_file")]
    assert "line 3" in record.errors[0]["reason_en"]


def test_times_in_the_future_and_too_long_stays_are_refused(health, cells, settings):
    settings.TELECOM_MAX_STAY_HOURS = 2
    text = (
        HEADER
        + "0912000111,TTH-KT-01,2021-09-15 08:00,2021-09-15 10:00\n"  # exactly 2 h: fine
        + "0912000111,TTH-KT-02,2021-09-15 08:00,2021-09-15 10:01\n"
        + "0912000111,TTH-KT-03,2099-01-01 08:00,2099-01-01 09:00\n"
        + "0912000111,TTH-VD-01,2021-09-15,2021-09-16\n"  # dates without a time
    )
    record = import_bytes(health, text)
    assert _codes(record) == [(3, "stay_too_long"), (4, "in_future"), (5, "invalid_time")]
    # Each says what it read (until 2026-12-07 "in the future" named no value, and a date was "unreadable").
    assert record.errors[1]["reason_vi"] == "Thời gian ở tương lai: 2099-01-01 08:00."  # the start, itself ahead
    assert record.errors[2]["reason_vi"].startswith("Thiếu giờ: 2021-09-15 chỉ có ngày")
    assert record.errors[2]["reason_en"].startswith("The hour is missing: 2021-09-15 is a date only")


def test_records_of_another_operators_cells_are_unknown_cells(health, cells):
    Cell.objects.create(operator="mobifone", cell_id="MF-1", latitude=20.1, longitude=105.6, radius_m=900)
    record = import_bytes(
        health, HEADER + "0912000111,TTH-KT-01,2021-09-15 08:00,2021-09-15 09:00\n", operator="mobifone"
    )
    assert _codes(record) == [(2, "unknown_cell")]


def test_a_cell_list_updates_known_cells_and_checks_its_rows(health, cells, areas):
    text = (
        "cell_id,lat,lon,radius_m,area_code\n"
        "TTH-KT-01,20.130000,105.650000,900,15187\n"  # moved and widened
        'TTH-NEW-01,"20,2",105.6,1000,38/391/15190/\n'  # decimal comma, area by path
        "TTH-NEW-02,48.85,2.35,500,\n"  # Paris
        "TTH-NEW-03,20.2,105.6,0,\n"
        "TTH-NEW-04,20.2,105.6,500,99999\n"
        "TTH-NEW-01,20.2,105.6,500,\n"
    )
    record = import_bytes(health, text, kind="cells", policy="skip_bad_rows")
    assert _codes(record) == [
        (4, "invalid_coordinate"),
        (5, "invalid_radius"),
        (6, "unknown_area"),
        (7, "duplicate_cell"),
    ]
    assert record.rows_imported == 2 and Cell.objects.count() == 13
    moved = Cell.objects.get(cell_id="TTH-KT-01")
    assert (moved.latitude, moved.radius_m, moved.area) == (Decimal("20.130000"), 900, areas["kim_tan"])
    assert Cell.objects.get(cell_id="TTH-NEW-01").area == areas["van_du"]


def test_an_all_or_nothing_cell_list_with_a_bad_row_changes_no_cell(health, cells):
    text = "cell_id,lat,lon,radius_m\nTTH-KT-01,20.5,105.5,900\nTTH-KT-02,abc,105.5,900\n"
    record = import_bytes(health, text, kind="cells")
    assert record.status == "failed" and _codes(record) == [(3, "invalid_coordinate")]
    assert Cell.objects.get(cell_id="TTH-KT-01").radius_m == 800


def test_running_a_finished_import_again_writes_nothing(health, cells):
    record = import_sample(health, "viettel-locations.csv")
    again = telecom_import_run(import_id=record.pk)
    assert again.status == "done" and again.attempt == 1
    assert SubscriberLocation.objects.count() == 715


def test_a_run_that_crashed_midway_is_run_again_from_the_start(health, cells):
    data = (SAMPLES / "viettel-locations.csv").read_bytes()
    record = telecom_import_create(
        actor=health, operator="viettel", kind="locations", file_name="v.csv", chunks=[data], enqueue=False
    )
    # A worker died while checking: the row says running; the redelivered task takes over.
    TelecomImport.objects.filter(pk=record.pk).update(status="running", attempt=1, rows_done=300)
    done = telecom_import_run(import_id=record.pk)
    assert done.status == "done" and done.attempt == 2 and done.rows_imported == 715


def test_an_older_attempt_that_fails_late_does_not_mark_a_finished_import_failed(health, cells, monkeypatch):
    """A long import delivered again while its first delivery still runs (acks_late; Redis's visibility timeout):
    the second delivery finishes it; the first then fails on the file the second deleted. Its failure is not
    written over the finished import (the failure handlers check the attempt, as the progress and the write do)."""
    from phongdich.telecom import readers

    data = (SAMPLES / "viettel-locations.csv").read_bytes()
    record = telecom_import_create(
        actor=health, operator="viettel", kind="locations", file_name="v.csv", chunks=[data], enqueue=False
    )
    real_open = readers.open_table
    opened = []

    def open_table(path, file_format, kind):
        opened.append(path)
        if len(opened) == 1:  # the first delivery has claimed the import: the second runs to its end meanwhile
            second = telecom_import_run(import_id=record.pk)
            assert second.status == "done" and second.rows_imported == 715
        return real_open(path, file_format, kind)

    monkeypatch.setattr(readers, "open_table", open_table)
    telecom_import_run(import_id=record.pk)  # the file is gone: a whole-file failure, not an exception
    record.refresh_from_db()
    assert (record.status, record.rows_imported, record.failure_code, record.attempt) == ("done", 715, "", 2)
    assert SubscriberLocation.objects.filter(source_import=record).count() == 715


def _queued_sample(health) -> TelecomImport:
    data = (SAMPLES / "viettel-locations.csv").read_bytes()
    return telecom_import_create(
        actor=health, operator="viettel", kind="locations", file_name="v.csv", chunks=[data], enqueue=False
    )


def _died(record: TelecomImport, *, attempt: int, minutes: int) -> None:
    """A worker claimed the import (its `attempt`-th start) `minutes` ago and was killed: the row says running."""
    then = timezone.now() - dt.timedelta(minutes=minutes)
    TelecomImport.objects.filter(pk=record.pk).update(
        status="running", phase="validating", attempt=attempt, started_at=then, progress_at=then, rows_done=2000
    )


def _sweep():
    """The beat entry's task, as the worker runs it."""
    from phongdich.config.celery import app

    name = "phongdich.telecom.tasks.telecom_imports_sweep"
    assert name in {entry["task"] for entry in app.conf.beat_schedule.values()}
    app.loader.import_default_modules()  # what a worker does at start: autodiscovery of each app's tasks
    return app.tasks[name].apply().get()


def test_an_import_left_running_by_a_dead_worker_is_queued_again_and_finished(health, cells, settings):
    """Its message gone (the worker acknowledged it as it died, or the file-system broker deleted it when fetched),
    nothing ran it again: the page said "running" and the file was refused as a duplicate for ever."""
    settings.TASK_STALE_MINUTES = 30
    record = _queued_sample(health)
    _died(record, attempt=1, minutes=31)
    assert _sweep() == {"requeued": [record.pk], "failed": []}
    record.refresh_from_db()
    assert (record.status, record.attempt, record.rows_imported) == ("done", 2, 715)


def test_an_import_no_worker_picks_up_is_queued_again_a_bounded_number_of_times_and_waits(
    health, cells, settings, monkeypatch
):
    """Its task never starting, an import was queued again at every sweep, a copy every TASK_STALE_MINUTES."""
    from phongdich.telecom import services

    settings.TASK_STALE_MINUTES, settings.TASK_MAX_REQUEUES = 30, 3
    published = []
    monkeypatch.setattr(services, "_enqueue", published.append)
    record = _queued_sample(health)
    now = timezone.now()
    for hours in range(1, 13):
        services.telecom_imports_sweep(now=now + dt.timedelta(hours=hours))
    assert published == [record.pk] * 3
    record.refresh_from_db()
    assert (record.status, record.requeues, record.attempt) == ("queued", 3, 0)
    # A worker picks a copy up at last: the import runs, and its start counts the copies afresh.
    telecom_import_run(import_id=record.pk)
    record.refresh_from_db()
    assert (record.status, record.requeues, record.attempt) == ("done", 0, 1)


def test_an_import_whose_every_start_died_fails_and_its_file_may_be_uploaded_again(health, cells, settings):
    settings.TASK_STALE_MINUTES, settings.TASK_MAX_ATTEMPTS = 30, 3
    record = _queued_sample(health)
    stored = record.stored_path
    _died(record, attempt=3, minutes=31)
    assert _sweep() == {"requeued": [], "failed": [record.pk]}
    record.refresh_from_db()
    assert (record.status, record.failure_code, _codes(record)) == (
        "failed",
        "telecom_worker_lost",
        [(0, "telecom_worker_lost")],
    )
    assert not record.stored_path and not Path(stored).exists()
    assert import_sample(health, "viettel-locations.csv").status == "done"  # no longer a duplicate


def test_a_task_got_again_after_its_last_attempt_fails_the_import_instead_of_looping(health, cells, settings):
    """task_reject_on_worker_lost puts the message of a killed task back, and brokers count no redeliveries: an
    import that kills its worker each time (memory) would come back for ever. Its own attempt count stops it: a
    copy that comes once the attempts are used runs nothing. While the last start's progress is recent the copy
    only steps aside (another copy may be at work: review of 2026-12-06); once it is stale, the copy or the sweep
    fails the import."""
    settings.TASK_MAX_ATTEMPTS = 2
    settings.TASK_STALE_MINUTES = 30
    record = _queued_sample(health)
    _died(record, attempt=2, minutes=1)
    assert telecom_import_run(import_id=record.pk).status == "running"  # stepped aside: no third start
    assert TelecomImport.objects.get(pk=record.pk).attempt == 2
    _died(record, attempt=2, minutes=31)
    assert telecom_import_run(import_id=record.pk).status == "failed"
    record.refresh_from_db()
    assert (record.failure_code, record.attempt) == ("telecom_worker_lost", 2)
    assert not SubscriberLocation.objects.exists()


def test_the_sweep_leaves_imports_with_recent_progress_alone(health, cells, settings):
    settings.TASK_STALE_MINUTES = 30
    working = _queued_sample(health)
    _died(working, attempt=1, minutes=29)  # its last progress 29 minutes ago: alive as far as anyone can tell
    unknown_cell = HEADER + "0912000111,NO-SUCH-CELL,2021-09-15 08:00,2021-09-15 09:00\n"
    waiting = import_bytes(health, unknown_cell, name="unknown.csv")  # finished long ago (failed) ...
    TelecomImport.objects.filter(pk=waiting.pk).update(created_at=timezone.now() - dt.timedelta(hours=5))
    assert _sweep() == {"requeued": [], "failed": []}
    assert TelecomImport.objects.get(pk=working.pk).status == "running"
    assert TelecomImport.objects.get(pk=waiting.pk).status == "failed"


def test_an_import_queued_long_ago_whose_message_was_lost_is_queued_again(health, cells, settings):
    settings.TASK_STALE_MINUTES = 30
    record = _queued_sample(health)
    TelecomImport.objects.filter(pk=record.pk).update(created_at=timezone.now() - dt.timedelta(minutes=31))
    assert _sweep() == {"requeued": [record.pk], "failed": []}
    record.refresh_from_db()
    assert (record.status, record.attempt, record.rows_imported) == ("done", 1, 715)


def test_records_of_an_import_finished_during_the_check_are_not_duplicated(health, cells, monkeypatch):
    from phongdich.telecom import services

    line = "0912000111,TTH-KT-01,2021-09-15 08:00,2021-09-15 09:00\n"
    slow = telecom_import_create(
        actor=health,
        operator="viettel",
        kind="locations",
        file_name="a.csv",
        chunks=[(HEADER + line).encode()],
        enqueue=False,
    )
    real_lock = services._operator_lock
    others = []

    def other_import_finishes_before_the_write(operator):
        # Another worker imports an overlapping file after this one's check and before its write.
        if not others:
            others.append(None)  # once: the other import's own write passes here too
            others[0] = import_bytes(health, HEADER + line.replace("09:00", "09:30"), name="b.csv")
        real_lock(operator)

    monkeypatch.setattr(services, "_operator_lock", other_import_finishes_before_the_write)
    record = telecom_import_run(import_id=slow.pk)
    assert others[0].status == "done"
    assert record.status == "failed" and _codes(record) == [(2, "overlap_concurrent")]
    assert f"#{others[0].pk}" in record.errors[0]["reason_en"]
    assert SubscriberLocation.objects.count() == 1


def test_progress_is_reported_while_checking(health, cells, monkeypatch):
    from phongdich.telecom import services

    monkeypatch.setattr(services, "PROGRESS_EVERY", 100)
    seen = []
    data = (SAMPLES / "viettel-locations.csv").read_bytes()
    record = telecom_import_create(
        actor=health, operator="viettel", kind="locations", file_name="v.csv", chunks=[data], enqueue=False
    )
    assert record.status == "queued" and record.rows_total >= 715  # an estimate from the line count
    telecom_import_run(import_id=record.pk, progress=lambda done, total: seen.append(done))
    assert seen[:3] == [100, 200, 300] and seen[-1] == 715


def test_a_broken_file_of_many_rows_lists_a_bounded_number_of_errors(health, cells, monkeypatch):
    from phongdich.telecom import services

    monkeypatch.setattr(services, "ERRORS_STORED_MAX", 5)
    text = HEADER + "".join(f"0123{n},TTH-KT-01,2021-09-15 08:00,2021-09-15 09:00\n" for n in range(12))
    record = import_bytes(health, text)
    assert record.rows_rejected == 12 and len(record.errors) == 5 and record.errors_truncated


@pytest.mark.parametrize("field, value", [("operator", "telco"), ("kind", "calls"), ("policy", "merge")])
def test_unknown_options_are_refused(health, field, value):
    options = {"operator": "viettel", "kind": "locations", "policy": "all_or_nothing", field: value}
    with pytest.raises(ApplicationError) as caught:
        telecom_import_create(actor=health, file_name="x.csv", chunks=[HEADER.encode()], **options)
    assert caught.value.code == "telecom_invalid_options" and caught.value.extra["field"] == field


def test_a_row_dated_before_the_virus_is_rejected_on_its_own_line(health, cells):
    """01/01/0001 passed as "in the past", then overflowed in the overlap query and failed the whole import, the
    skip policy too (fuzzing, 2026-12-06)."""
    content = (
        HEADER
        + "0912000400,TTH-KT-01,01/01/0001 00:00,01/01/0001 01:00\n"
        + "0912000401,TTH-KT-01,14/09/2021 08:00,14/09/2021 09:00\n"
    )
    record = import_bytes(health, content, policy="skip_bad_rows")
    assert record.status == "done" and record.rows_imported == 1
    assert _codes(record) == [(2, "too_early")]
    assert "12/2019" in record.errors[0]["reason_vi"] and "December 2019" in record.errors[0]["reason_en"]


# --- Streaming: a file is never held whole --------------------------------------------------------------------


def test_rows_are_written_chunk_by_chunk_and_count_only_once_the_import_is_done(health, cells, monkeypatch):
    """The check held every accepted row until the end (some 300 bytes a row: a province's file of millions of rows
    took gigabytes). Now each chunk's accepted rows are written as it is checked, and count for nothing (tracing,
    other imports' checks) until the import is done."""
    from phongdich.telecom import services
    from phongdich.telecom.rows import LocationChecker

    monkeypatch.setattr(LocationChecker, "CHUNK", 100)
    monkeypatch.setattr(services, "PROGRESS_EVERY", 100)
    record = _queued_sample(health)
    seen = []

    def progress(done, total):
        written = SubscriberLocation.objects.filter(source_import=record).count()
        seen.append((done, written, services.locations_in_force(area_path="").count()))

    done = telecom_import_run(import_id=record.pk, progress=progress)
    assert done.status == "done" and done.rows_imported == 715
    assert seen[0] == (100, 100, 0) and seen[3] == (400, 400, 0)  # written as checked, counting for nothing yet
    assert services.locations_in_force(area_path="").count() == 715
    assert set(SubscriberLocation.objects.values_list("line", flat=True)) == set(range(2, 717))


def test_duplicates_are_found_across_chunks_naming_the_earlier_line(health, cells, monkeypatch):
    from phongdich.telecom.rows import LocationChecker

    monkeypatch.setattr(LocationChecker, "CHUNK", 1)  # each row checked against the file's rows written before it
    text = (
        HEADER
        + "0912000111,TTH-KT-01,2021-09-15 10:00,2021-09-15 11:00\n"
        + "0912000111,TTH-KT-01,2021-09-15 08:00,2021-09-15 09:00\n"
        + "0912000111,TTH-KT-01,2021-09-15 08:00,2021-09-15 09:00\n"  # identical to line 3
        + "0912000111,TTH-KT-01,2021-09-15 08:30,2021-09-15 10:30\n"  # overlaps 2 and 3
        + "0912000111,TTH-KT-01,2021-09-15 12:00,2021-09-15 12:00\n"
        + "0912000111,TTH-KT-01,2021-09-15 12:00,2021-09-15 12:00\n"  # a stay of no length twice
    )
    record = import_bytes(health, text, policy="skip_bad_rows")
    assert _codes(record) == [(4, "overlap_in_file"), (5, "overlap_in_file"), (7, "overlap_in_file")]
    assert "line 3" in record.errors[0]["reason_en"] and "line 2" in record.errors[1]["reason_en"]
    assert record.rows_imported == 3 and SubscriberLocation.objects.count() == 3


def test_a_failed_all_or_nothing_import_leaves_none_of_the_rows_it_wrote(health, cells, monkeypatch):
    from phongdich.telecom.rows import LocationChecker

    monkeypatch.setattr(LocationChecker, "CHUNK", 100)
    data = (SAMPLES / "viettel-locations.csv").read_bytes() + b"0123;TTH-KT-01;15/09/2021 08:00;15/09/2021 09:00\r\n"
    record = import_bytes(health, data)
    assert record.status == "failed" and _codes(record) == [(717, "invalid_phone")]
    assert not SubscriberLocation.objects.exists()


def test_a_run_that_died_after_writing_some_chunks_is_run_again_without_doubling_them(health, cells, monkeypatch):
    from phongdich.telecom import services
    from phongdich.telecom.rows import LocationChecker

    monkeypatch.setattr(LocationChecker, "CHUNK", 100)
    monkeypatch.setattr(services, "PROGRESS_EVERY", 100)
    record = _queued_sample(health)

    def killed(done, total):
        if done == 300:
            raise SystemExit("the worker was killed")  # not an Exception: nothing marks the import failed

    with pytest.raises(SystemExit):
        telecom_import_run(import_id=record.pk, progress=killed)
    assert TelecomImport.objects.get(pk=record.pk).status == "running"
    assert SubscriberLocation.objects.filter(source_import=record).count() >= 200
    done = telecom_import_run(import_id=record.pk)  # the task delivered again
    assert (done.status, done.attempt, done.rows_imported) == ("done", 2, 715)
    assert SubscriberLocation.objects.filter(source_import=record).count() == 715


def test_an_older_run_taken_over_midway_stops_writing_at_its_next_chunk(health, cells, monkeypatch):
    """A long import delivered again while its first delivery still runs (Redis's visibility timeout): the second
    finishes it; the first must not go on adding its rows to the finished import."""
    from phongdich.telecom import services
    from phongdich.telecom.rows import LocationChecker

    monkeypatch.setattr(LocationChecker, "CHUNK", 100)
    monkeypatch.setattr(services, "PROGRESS_EVERY", 100)
    record = _queued_sample(health)
    second, seen = [], []

    def progress(done, total):
        seen.append(done)
        if done == 200 and not second:
            second.append(telecom_import_run(import_id=record.pk))  # runs to its end meanwhile

    first = telecom_import_run(import_id=record.pk, progress=progress)
    assert second[0].status == "done" and second[0].attempt == 2
    assert seen == [100, 200]  # the first run read no further than its next chunk
    assert (first.status, first.attempt, first.rows_imported) == ("done", 2, 715)
    assert SubscriberLocation.objects.filter(source_import=record).count() == 715


def test_the_rejected_rows_kept_in_memory_are_bounded_and_the_first_by_line():
    from phongdich.telecom.rows import RowErrors

    kept = RowErrors(keep=5)
    for line in range(1000, 0, -1):  # the last ones (by line) come first, as a late overlap_concurrent would
        kept.append({"line": line, "column": "", "code": "x"})
        assert len(kept._items) <= 2 * 5
    assert [item["line"] for item in kept.first()] == [1, 2, 3, 4, 5]
