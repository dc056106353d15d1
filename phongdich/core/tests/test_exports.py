import io

from openpyxl import load_workbook

from phongdich.core.exports import safe_cell, xlsx_bytes
from phongdich.core.testing import assert_formula_safe

DANGEROUS = ["=1+1", "+84912345678", "-2", "@SUM(A1)", "\t=cmd", '=HYPERLINK("http://x")']


def test_csv_cells_that_start_like_formulas_get_an_apostrophe():
    for dangerous in [*DANGEROUS, "\r=cmd"]:
        assert safe_cell(dangerous) == "'" + dangerous
    assert safe_cell("Nguyễn Văn A") == "Nguyễn Văn A"
    assert safe_cell(12) == 12


def test_xlsx_shows_formula_like_text_as_entered_in_a_quote_prefixed_text_cell_both_ways(tmp_path):
    """An apostrophe in an .xlsx cell is part of its text: Excel and LibreOffice showed "'=Nguyễn". The text is
    written as entered, as a string cell with the quote prefix style, and never as a formula."""
    from phongdich.core.exports import xlsx_write

    rows = [[text, "Nguyễn Văn A", 3] for text in DANGEROUS]
    small = xlsx_bytes([("Sheet", ["=name", "note", "n"], rows)])
    xlsx_write(tmp_path / "f.xlsx", [("Sheet", ["=name", "note", "n"], iter(rows))])
    large = (tmp_path / "f.xlsx").read_bytes()
    for data in (small, large):
        assert_formula_safe(data, "=name", *DANGEROUS)
        sheet = load_workbook(io.BytesIO(data)).active
        assert sheet["A2"].value == "=1+1" and sheet["A7"].value == '=HYPERLINK("http://x")'
        # Other text and numbers as before: no quote prefix, numbers stay numbers.
        assert (sheet["B2"].value, sheet["B2"].quotePrefix, sheet["C2"].data_type) == ("Nguyễn Văn A", False, "n")


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
    assert safe_cell("\x00=1") == "\u2400=1" and safe_cell("=1\x1f") == "'=1\u241f"  # the CSV form
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
