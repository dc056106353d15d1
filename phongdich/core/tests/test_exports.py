import io

from openpyxl import load_workbook

from phongdich.core.exports import safe_cell, xlsx_bytes


def test_cells_that_start_like_formulas_are_neutralised():
    for dangerous in ["=1+1", "+84912345678", "-2", "@SUM(A1)", "\t=cmd"]:
        assert safe_cell(dangerous).startswith("'")
    assert safe_cell("Nguyễn Văn A") == "Nguyễn Văn A"
    assert safe_cell(12) == 12


def test_workbook_holds_neutralised_text_not_formulas():
    data = xlsx_bytes([("Sheet", ["name"], [['=HYPERLINK("http://x")']])])
    cell = load_workbook(io.BytesIO(data)).active["A2"]
    assert cell.data_type == "s"
    assert cell.value.startswith("'=")


def test_dates_are_real_dates_shown_the_vietnamese_way_under_a_filterable_header(tmp_path):
    import datetime as dt

    from django.utils import timezone

    from phongdich.core.exports import xlsx_write

    at = timezone.make_aware(dt.datetime(2026, 12, 5, 17, 12))
    rows = [["A", at, dt.date(2026, 12, 19)], ["B", None, None]]
    small = load_workbook(io.BytesIO(xlsx_bytes([("S", ["name", "at", "until"], rows)]))).active
    xlsx_write(tmp_path / "f.xlsx", [("S", ["name", "at", "until"], iter(rows))])
    large = load_workbook(tmp_path / "f.xlsx").active
    for sheet in (small, large):
        assert sheet["B2"].is_date and sheet["B2"].value == dt.datetime(2026, 12, 5, 17, 12)
        assert (sheet["B2"].number_format, sheet["C2"].number_format) == ("dd/mm/yyyy hh:mm", "dd/mm/yyyy")
        assert sheet.auto_filter.ref == "A1:C3" and sheet.freeze_panes == "A2"
