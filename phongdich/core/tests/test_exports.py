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


def test_control_characters_are_written_as_visible_pictures_both_ways(tmp_path):
    """openpyxl raises IllegalCharacterError on a control character (XML 1.0 cannot hold it): one cell id of an
    operator's file ("KT\x0201") made every export that showed it fail. They are shown as control pictures."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    from phongdich.core.exports import xlsx_write
    from phongdich.core.text import CONTROL_CHARACTERS

    # The same set as openpyxl's, which it would refuse.
    assert [c for c in map(chr, range(128)) if CONTROL_CHARACTERS.match(c)] == [
        c for c in map(chr, range(128)) if ILLEGAL_CHARACTERS_RE.match(c)
    ]
    assert safe_cell("Viettel KT\x0201") == "Viettel KT\u240201"
    assert safe_cell("\x00=1") == "\u2400=1" and safe_cell("=1\x1f") == "'=1\u241f"
    assert safe_cell("tab\tand\nline") == "tab\tand\nline"  # tab and line breaks are text, kept
    rows = [["Viettel KT\x0201", "a\x0bb"]]
    small = load_workbook(io.BytesIO(xlsx_bytes([("S", ["place\x01", "note"], rows)]))).active
    xlsx_write(tmp_path / "f.xlsx", [("S", ["place\x01", "note"], iter(rows))])
    large = load_workbook(tmp_path / "f.xlsx").active
    for sheet in (small, large):
        assert [cell.value for cell in sheet[1]] == ["place\u2401", "note"]
        assert [cell.value for cell in sheet[2]] == ["Viettel KT\u240201", "a\u240bb"]


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
