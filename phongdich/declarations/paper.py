"""Printable A4 declaration forms (PDF), for people without a smartphone; staff type them in at
/declarations/enter/ in the same order as printed.

Vietnamese first with English below each label, the fields and questions of RULES.md §6 for each kind, boxes to
tick and lines to write on. Text uses DejaVu Sans, bundled in venues/fonts (registered by venues.posters): the
built-in PDF fonts have no Vietnamese letters.
"""

import io
from functools import cache

from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from phongdich.venues.posters import FONT, FONT_BOLD, _register_fonts

from . import questions
from .models import Declaration

ACCENT = HexColor("#0b6e4f")  # the site's accent colour (core/static/core/site.css)
GREY = HexColor("#555555")
PAGE_W, PAGE_H = A4
MARGIN = 15 * mm
WIDTH = PAGE_W - 2 * MARGIN

TITLES = {
    Declaration.Kind.DOMESTIC: ("TỜ KHAI Y TẾ TOÀN DÂN", "HEALTH DECLARATION (RESIDENTS)"),
    Declaration.Kind.MOVEMENT: ("TỜ KHAI Y TẾ DI CHUYỂN NỘI ĐỊA", "HEALTH DECLARATION FOR DOMESTIC TRAVEL"),
    Declaration.Kind.ENTRY: ("TỜ KHAI Y TẾ NHẬP CẢNH", "HEALTH DECLARATION FOR ENTRY INTO VIETNAM"),
}
# RULES.md §6: the warning line of every tokhaiyte.vn form.
WARNING = (
    "Khai báo thông tin sai là vi phạm pháp luật Việt Nam và có thể xử lý hình sự.",
    "Making a false declaration violates Vietnamese law and may be prosecuted as a crime.",
)


class _Page:
    """A cursor down the page that starts a new page when the next block does not fit."""

    def __init__(self, canvas: Canvas):
        self.c = canvas
        self.y = PAGE_H - MARGIN

    def need(self, height: float) -> None:
        if self.y - height < MARGIN:
            self.c.showPage()
            self.y = PAGE_H - MARGIN

    def label(self, vi: str, en: str, *, x: float = MARGIN, bold: bool = False, size: float = 10) -> None:
        self.c.setFont(FONT_BOLD if bold else FONT, size)
        self.c.setFillColor(HexColor("#000000"))
        self.c.drawString(x, self.y, vi)
        self.c.setFont(FONT, size - 2.5)
        self.c.setFillColor(GREY)
        self.c.drawString(x, self.y - size * 0.95, en)
        self.c.setFillColor(HexColor("#000000"))

    def field(self, vi: str, en: str, *, width: float = WIDTH, x: float = MARGIN, advance: bool = True) -> None:
        """A label and a writing line below it."""
        self.need(17 * mm)
        self.label(vi, en, x=x)
        self.c.setStrokeColor(GREY)
        self.c.setLineWidth(0.5)
        self.c.line(x, self.y - 11 * mm, x + width - 4 * mm, self.y - 11 * mm)
        if advance:
            self.y -= 15 * mm

    def row(self, fields: list[tuple[str, str]], widths: list[float] | None = None) -> None:
        self.need(17 * mm)
        widths = widths or [WIDTH / len(fields)] * len(fields)
        x = MARGIN
        for (vi, en), width in zip(fields, widths, strict=True):
            self.field(vi, en, width=width, x=x, advance=False)
            x += width
        self.y -= 15 * mm

    def box(self, x: float, y: float) -> None:
        self.c.setStrokeColor(HexColor("#000000"))
        self.c.setLineWidth(0.8)
        self.c.rect(x, y - 1 * mm, 4 * mm, 4 * mm)

    def yes_no(self, vi: str, en: str) -> None:
        """A question answered Có / Không (RULES.md §6)."""
        self.need(11 * mm)
        self.label(vi, en, x=MARGIN, size=9.5)
        for offset, (word_vi, word_en) in ((WIDTH - 50 * mm, ("Có", "Yes")), (WIDTH - 27 * mm, ("Không", "No"))):
            self.box(MARGIN + offset, self.y)
            self.c.setFont(FONT, 9)
            self.c.drawString(MARGIN + offset + 5.5 * mm, self.y, f"{word_vi} / {word_en}")
        self.y -= 10 * mm

    def heading(self, vi: str, en: str) -> None:
        self.need(22 * mm)
        self.y -= 2 * mm
        self.c.setFillColor(ACCENT)
        self.c.rect(MARGIN, self.y - 3 * mm, WIDTH, 8 * mm, stroke=0, fill=1)
        self.c.setFillColor(HexColor("#FFFFFF"))
        self.c.setFont(FONT_BOLD, 10.5)
        self.c.drawString(MARGIN + 2 * mm, self.y, f"{vi} / {en}")
        self.c.setFillColor(HexColor("#000000"))
        self.y -= 11 * mm


def _identity(page: _Page, kind: str) -> None:
    page.heading("THÔNG TIN CÁ NHÂN", "PERSONAL DETAILS")
    page.field("Họ tên (ghi chữ IN HOA) *", "Full name (in capitals)")
    id_label = (
        ("Số hộ chiếu *", "Passport number")
        if kind == Declaration.Kind.ENTRY
        else ("Số hộ chiếu / CMND / CCCD", "Passport or ID number")
    )
    page.row([id_label, ("Năm sinh *", "Year of birth"), ("Giới tính * (Nam / Nữ / Khác)", "Sex (M / F / other)")])
    page.row([("Quốc tịch *", "Nationality"), ("Điện thoại *", "Phone"), ("Email", "Email")])
    address = (
        ("Địa chỉ nơi ở tại Việt Nam (sau khi nhập cảnh)", "Address in Vietnam (after entry)")
        if kind == Declaration.Kind.ENTRY
        else ("Địa chỉ liên lạc tại Việt Nam", "Contact address in Vietnam")
    )
    page.heading(*address)
    star = "" if kind == Declaration.Kind.ENTRY else " *"  # an entrant may not know the address yet
    page.row(
        [
            (f"Tỉnh / thành phố{star}", "Province / city"),
            (f"Quận / huyện{star}", "District"),
            (f"Phường / xã{star}", "Commune"),
        ]
    )
    page.field(f"Số nhà, phố, tổ dân phố / thôn / đội{star}", "House number, street, village")


def _travel(page: _Page, kind: str) -> None:
    vehicles = ", ".join(questions.VEHICLES[code].vi for code in questions.vehicles_for(kind))
    vehicles_en = ", ".join(questions.VEHICLES[code].en for code in questions.vehicles_for(kind))
    star = " *" if kind == Declaration.Kind.MOVEMENT else ""
    page.heading("THÔNG TIN ĐI LẠI", "TRAVEL")
    page.field(f"Phương tiện ({vehicles}){star}", f"Means of transport ({vehicles_en})")
    page.row([(f"Số hiệu chuyến bay / phương tiện{star}", "Flight or vehicle number"), ("Số ghế", "Seat")])
    if kind == Declaration.Kind.MOVEMENT:
        page.row([("Nơi đi (tỉnh) *", "From (province)"), ("Điểm đi (ga, bến, sân bay) *", "Departure point")])
        page.row([("Nơi đến (tỉnh) *", "To (province)"), ("Điểm đến *", "Arrival point")])
        page.field("Ngày khởi hành *", "Departure date")
    else:
        page.row([("Cửa khẩu nhập cảnh *", "Port of entry"), ("Ngày nhập cảnh *", "Date of arrival")])
        page.row([("Ngày khởi hành", "Departure date"), ("Quốc gia đã đến trong 14 ngày", "Countries in 14 days")])
        page.row(
            [
                ("Số mũi vắc xin COVID-19", "Vaccine doses"),
                ("Loại vắc xin", "Vaccine"),
                ("Ngày tiêm mũi cuối", "Last dose"),
            ]
        )


def _questions(page: _Page, kind: str) -> None:
    page.heading("CÂU HỎI (trong vòng 14 ngày qua)", "QUESTIONS (in the last 14 days)")
    page.yes_no(
        "Anh/Chị có đến tỉnh/thành phố, quốc gia/vùng lãnh thổ nào (có thể nhiều nơi)?",
        "Have you been to another province or city, country or territory?",
    )
    page.field("Nếu có, ghi rõ nơi đến", "If yes, where")
    page.need(8 * mm)
    page.label("Anh/Chị có thấy xuất hiện dấu hiệu nào sau đây không?", "Have you had any of these signs?", bold=True)
    page.y -= 10 * mm
    for item in questions.symptoms_for(kind).values():
        page.yes_no(item.vi, item.en)
    page.need(8 * mm)
    page.label("Anh/Chị có tiếp xúc với:", "Have you been in contact with:", bold=True)
    page.y -= 10 * mm
    for item in questions.exposures_for(kind).values():
        page.yes_no(item.vi, item.en)


def _header(canvas: Canvas, kind: str) -> float:
    title_vi, title_en = TITLES[kind]
    canvas.setFillColor(ACCENT)
    canvas.setFont(FONT_BOLD, 16)
    canvas.drawCentredString(PAGE_W / 2, PAGE_H - MARGIN - 4 * mm, title_vi)
    canvas.setFont(FONT, 11)
    canvas.drawCentredString(PAGE_W / 2, PAGE_H - MARGIN - 10 * mm, title_en)
    canvas.setFillColor(HexColor("#B00020"))
    canvas.setFont(FONT_BOLD, 9)
    canvas.drawCentredString(PAGE_W / 2, PAGE_H - MARGIN - 17 * mm, WARNING[0])
    canvas.setFont(FONT, 8)
    canvas.drawCentredString(PAGE_W / 2, PAGE_H - MARGIN - 21 * mm, WARNING[1])
    canvas.setFillColor(HexColor("#000000"))
    return PAGE_H - MARGIN - 30 * mm


@cache
def declaration_form_pdf(kind: str) -> bytes:
    """The blank A4 form of `kind` as PDF bytes (deterministic: the same bytes every time)."""
    _register_fonts()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=1)
    title_vi, title_en = TITLES[kind]
    canvas.setTitle(f"{title_vi} / {title_en}")
    canvas.setAuthor("Phòng Dịch")
    page = _Page(canvas)
    page.y = _header(canvas, kind)
    _identity(page, kind)
    if kind != Declaration.Kind.DOMESTIC:
        _travel(page, kind)
    _questions(page, kind)
    page.need(25 * mm)
    page.y -= 4 * mm
    page.row([("Ngày khai", "Date"), ("Chữ ký người khai", "Signature")])
    canvas.setFont(FONT, 7.5)
    canvas.setFillColor(GREY)
    canvas.drawString(MARGIN, MARGIN - 6 * mm, "Phòng Dịch · * bắt buộc / required · " + WARNING[0])
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
