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
