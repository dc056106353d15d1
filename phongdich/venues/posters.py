"""Printable A4 QR posters, one per venue code (entrance).

The QR code is drawn as vector squares from segno's module matrix, so it stays sharp at any print size.
Text uses DejaVu Sans, bundled in venues/fonts (licence beside it): reportlab's built-in Helvetica has no
glyphs for Vietnamese letters such as "ơ", "ư" or "ệ".
"""

import io
from functools import cache
from pathlib import Path

import segno
from django.conf import settings
from django.utils import timezone
from reportlab.lib.colors import HexColor, black, white
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from phongdich.geo.selectors import area_full_name

from .models import Venue, VenueCode
from .selectors import venue_codes

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
ACCENT = HexColor("#0b6e4f")  # the site's accent colour (core/static/core/site.css)

PAGE_W, PAGE_H = A4
MARGIN = 15 * mm
QR_SIZE = 120 * mm  # readable from about 1 m with a phone camera

INSTRUCTIONS_VI = [
    "Quét mã để khai báo y tế",
    "1. Mở camera điện thoại, hướng vào mã QR.",
    "2. Bấm vào đường dẫn hiện ra, khai báo lần đầu (lần sau chỉ một chạm).",
    "3. Khi ra về, bấm “Ra về”.",
]
INSTRUCTIONS_EN = [
    "Scan to check in",
    "Point your phone camera at the code, open the link, answer the health questions.",
]


@cache
def _register_fonts() -> None:
    pdfmetrics.registerFont(TTFont(FONT, str(FONT_DIR / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(FONT_DIR / "DejaVuSans-Bold.ttf")))


def checkin_url(code: VenueCode) -> str:
    """The URL in the QR code: short, since every character makes the code denser (see config.urls)."""
    return f"{settings.SITE_URL}/c/{code.token}"


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    words, lines, line = text.split(), [], ""
    for word in words:
        candidate = f"{line} {word}".strip()
        if pdfmetrics.stringWidth(candidate, font, size) <= width or not line:
            line = candidate
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    return lines


def _fit_lines(canvas: Canvas, text: str, *, font: str, size: float, min_size: float, max_lines: int, width: float):
    """The largest size from `size` down to `min_size` at which `text` fits in `max_lines` lines."""
    while size > min_size:
        lines = _wrap(text, font, size, width)
        if len(lines) <= max_lines:
            return lines, size
        size -= 1
    lines = _wrap(text, font, min_size, width)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1].rstrip(".,; ") + "…"
    return lines, min_size


def _centered(canvas: Canvas, lines: list[str], *, font: str, size: float, top: float, leading: float) -> float:
    canvas.setFont(font, size)
    y = top
    for line in lines:
        y -= leading
        canvas.drawCentredString(PAGE_W / 2, y, line)
    return y


def _draw_qr(canvas: Canvas, data: str, *, x: float, y: float, size: float) -> None:
    # Error correction Q (25%): a poster taped to a gate gets scratched and stained.
    qr = segno.make(data, error="q", micro=False, boost_error=False)
    rows = [list(row) for row in qr.matrix_iter(scale=1, border=4)]
    n = len(rows)
    module = size / n
    canvas.setFillColor(white)
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    canvas.setFillColor(black)
    for r, row in enumerate(rows):
        top = y + size - (r + 1) * module
        c = 0
        while c < n:
            if row[c]:
                start = c
                while c < n and row[c]:
                    c += 1
                # One rectangle per run of dark modules: fewer objects, and no hairline gaps between them.
                canvas.rect(x + start * module, top, (c - start) * module, module, stroke=0, fill=1)
            else:
                c += 1


def _draw_page(canvas: Canvas, code: VenueCode) -> None:
    _register_fonts()
    venue = code.venue
    width = PAGE_W - 2 * MARGIN

    # Header band.
    band_h = 22 * mm
    canvas.setFillColor(ACCENT)
    canvas.rect(0, PAGE_H - band_h, PAGE_W, band_h, stroke=0, fill=1)
    canvas.setFillColor(white)
    canvas.setFont(FONT_BOLD, 22)
    canvas.drawCentredString(PAGE_W / 2, PAGE_H - 12 * mm, "ĐIỂM KIỂM DỊCH")
    canvas.setFont(FONT, 12)
    canvas.drawCentredString(PAGE_W / 2, PAGE_H - 18 * mm, "COVID-19 check-in point")

    canvas.setFillColor(black)
    lines, size = _fit_lines(canvas, venue.name, font=FONT_BOLD, size=26, min_size=14, max_lines=2, width=width)
    y = _centered(canvas, lines, font=FONT_BOLD, size=size, top=PAGE_H - band_h - 4 * mm, leading=size * 1.25)

    address = f"{venue.street_address}, {area_full_name(venue.area)}"
    lines, size = _fit_lines(canvas, address, font=FONT, size=12, min_size=9, max_lines=2, width=width)
    canvas.setFillColor(HexColor("#333333"))
    y = _centered(canvas, lines, font=FONT, size=size, top=y - 1 * mm, leading=size * 1.3)

    # Entrance label: people must scan the code of the door they use.
    canvas.setFillColor(ACCENT)
    lines, size = _fit_lines(canvas, code.label, font=FONT_BOLD, size=22, min_size=14, max_lines=1, width=width)
    y = _centered(canvas, lines, font=FONT_BOLD, size=size, top=y - 3 * mm, leading=size * 1.3)

    qr_top = y - 4 * mm
    _draw_qr(canvas, checkin_url(code), x=(PAGE_W - QR_SIZE) / 2, y=qr_top - QR_SIZE, size=QR_SIZE)
    y = qr_top - QR_SIZE - 2 * mm

    canvas.setFillColor(black)
    y = _centered(canvas, INSTRUCTIONS_VI[:1], font=FONT_BOLD, size=20, top=y, leading=24)
    y = _centered(canvas, INSTRUCTIONS_VI[1:], font=FONT, size=11, top=y - 1 * mm, leading=14)
    canvas.setFillColor(HexColor("#444444"))
    y = _centered(canvas, INSTRUCTIONS_EN[:1], font=FONT_BOLD, size=16, top=y - 3 * mm, leading=19)
    _centered(canvas, INSTRUCTIONS_EN[1:], font=FONT, size=10, top=y, leading=13)

    # Footer for staff: which code this is (first characters of the token only), and when it was printed.
    canvas.setFillColor(HexColor("#666666"))
    canvas.setFont(FONT, 8)
    printed = timezone.localtime().strftime("%d/%m/%Y")
    canvas.drawString(MARGIN, 10 * mm, f"Mã / Code: {code.token[:6]}…   Địa điểm / Venue #{venue.pk}")
    canvas.drawRightString(PAGE_W - MARGIN, 10 * mm, f"In ngày / Printed {printed}")


def _new_canvas(buffer: io.BytesIO, title: str) -> Canvas:
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    canvas.setTitle(title)
    canvas.setAuthor("Phòng Dịch")
    canvas.setSubject("Mã QR khai báo y tế / Check-in QR code")
    return canvas


def venue_code_poster_pdf(*, code: VenueCode) -> bytes:
    """One A4 page for one entrance: venue, address, entrance, QR of SITE_URL/c/<token>, vi+en instructions."""
    buffer = io.BytesIO()
    canvas = _new_canvas(buffer, f"{code.venue.name} – {code.label}")
    _draw_page(canvas, code)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def venue_all_posters_pdf(*, venue: Venue) -> bytes:
    """One A4 page per active code of the venue, in the order the codes were made (revoked codes left out).

    A venue with no active code gets one page saying so (an empty PDF would look like a bug when printed).
    """
    buffer = io.BytesIO()
    canvas = _new_canvas(buffer, venue.name)
    codes = list(venue_codes(venue=venue, active_only=True).select_related("venue", "venue__area"))
    if not codes:
        _register_fonts()
        canvas.setFont(FONT_BOLD, 16)
        canvas.drawCentredString(PAGE_W / 2, PAGE_H / 2, "Địa điểm chưa có mã QR còn hiệu lực.")
        canvas.setFont(FONT, 12)
        canvas.drawCentredString(PAGE_W / 2, PAGE_H / 2 - 20, "This venue has no active QR code.")
        canvas.showPage()
    for code in codes:
        _draw_page(canvas, code)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()
