"""Printable PDFs of the testing app, drawn with reportlab: sample labels (Code 128 barcodes) and a person's
result. Text uses DejaVu Sans, bundled in venues/fonts (reportlab's Helvetica has no Vietnamese letters)."""

import io
from functools import cache

from django.conf import settings
from django.utils import timezone
from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.colors import HexColor, black
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from phongdich.people.models import initials_of
from phongdich.venues.posters import FONT_DIR

from .models import TestResult, TestType

FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
ACCENT = HexColor("#0b6e4f")  # the site's accent colour (core/static/core/site.css)

# A4 label sheets of 3 columns x 8 rows (70 x 37 mm, the common "24 per sheet" stock); a roll printer takes one
# 50 x 25 mm label per page. TESTING_LABELS_LAYOUT picks one.
SHEET_COLUMNS, SHEET_ROWS = 3, 8
ROLL_SIZE = (50 * mm, 25 * mm)


@cache
def _register_fonts() -> None:
    pdfmetrics.registerFont(TTFont(FONT, str(FONT_DIR / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(FONT_DIR / "DejaVuSans-Bold.ttf")))


def _label(canvas: Canvas, sample, x: float, y: float, width: float, height: float) -> None:
    """One label: the barcode, its text, the person's initials and year of birth, the site code and the date."""
    pad = 2.5 * mm
    bar_height = height * 0.42
    symbol = Code128(sample.barcode, barHeight=bar_height, barWidth=0.3 * mm, quiet=False)
    # Shrink the bars when the code is wider than the label (narrow roll labels).
    scale = min(1.0, (width - 2 * pad) / symbol.width)
    canvas.saveState()
    canvas.translate(x + (width - symbol.width * scale) / 2, y + height - pad - bar_height)
    canvas.scale(scale, 1)
    symbol.drawOn(canvas, 0, 0)
    canvas.restoreState()
    text_y = y + height - pad - bar_height - 3.2 * mm
    canvas.setFont(FONT_BOLD, 8)
    canvas.drawCentredString(x + width / 2, text_y, sample.barcode)
    person = sample.person
    who = initials_of(person.full_name)
    if person.birth_year:
        who += f" · {person.birth_year}"
    canvas.setFont(FONT, 7)
    canvas.drawCentredString(x + width / 2, text_y - 3.3 * mm, who)
    when = timezone.localtime(sample.collected_at).strftime("%d/%m/%Y %H:%M")
    kind = "PCR" if sample.test_type == TestType.PCR else "TN"
    canvas.drawCentredString(x + width / 2, text_y - 6.3 * mm, f"{sample.site.code} · {kind} · {when}")


def labels_pdf(samples, *, layout: str | None = None) -> bytes:
    """Labels of `samples` (with person and site loaded): an A4 sheet of 24, or one per page on a roll."""
    _register_fonts()
    layout = layout or settings.TESTING_LABELS_LAYOUT
    buffer = io.BytesIO()
    samples = list(samples)
    if layout == "roll":
        canvas = Canvas(buffer, pagesize=ROLL_SIZE)
        for sample in samples:
            _label(canvas, sample, 0, 0, *ROLL_SIZE)
            canvas.showPage()
    else:
        canvas = Canvas(buffer, pagesize=A4)
        page_w, page_h = A4
        margin_x, margin_y = 0, 0.5 * mm
        width = (page_w - 2 * margin_x) / SHEET_COLUMNS
        height = (page_h - 2 * margin_y) / SHEET_ROWS
        per_page = SHEET_COLUMNS * SHEET_ROWS
        for index, sample in enumerate(samples):
            slot = index % per_page
            if index and slot == 0:
                canvas.showPage()
            column, row = slot % SHEET_COLUMNS, slot // SHEET_COLUMNS
            _label(canvas, sample, margin_x + column * width, page_h - margin_y - (row + 1) * height, width, height)
        if not samples:
            canvas.setFont(FONT, 10)
            canvas.drawString(20 * mm, page_h - 20 * mm, "Không có mẫu nào / No samples")
    canvas.setTitle("Nhãn mẫu xét nghiệm / Sample labels")
    canvas.save()
    return buffer.getvalue()


_OUTCOME_TEXT = {
    TestResult.Outcome.NEGATIVE: ("ÂM TÍNH", "NEGATIVE"),
    TestResult.Outcome.POSITIVE: ("DƯƠNG TÍNH", "POSITIVE"),
    TestResult.Outcome.INVALID: ("KHÔNG XÁC ĐỊNH", "INVALID"),
}
_TYPE_TEXT = {
    TestType.PCR: ("Realtime RT-PCR", "Real-time RT-PCR"),
    TestType.ANTIGEN: ("Test nhanh kháng nguyên", "Rapid antigen test"),
}


def _masked_id(person) -> str:
    value = person.citizen_id or person.old_id_number or person.passport_number
    return ("•" * (len(value) - 4) + value[-4:]) if value else "–"


def result_pdf(result: TestResult) -> bytes:
    """A person's result on one A4 page, in Vietnamese and English, with the sample's barcode."""
    _register_fonts()
    sample, person = result.sample, result.sample.person
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    page_w, page_h = A4
    left = 20 * mm
    y = page_h - 25 * mm
    canvas.setFillColor(ACCENT)
    canvas.setFont(FONT_BOLD, 16)
    canvas.drawString(left, y, "PHIẾU KẾT QUẢ XÉT NGHIỆM SARS-CoV-2")
    canvas.setFont(FONT, 11)
    canvas.drawString(left, y - 6 * mm, "SARS-CoV-2 test result")
    canvas.setFillColor(black)
    y -= 20 * mm
    vi_type, en_type = _TYPE_TEXT[result.test_type]
    rows = [
        ("Họ và tên / Name", person.full_name),
        (
            "Ngày sinh / Date of birth",
            person.birth_date.strftime("%d/%m/%Y") if person.birth_date else str(person.birth_year or "–"),
        ),
        ("Số giấy tờ / ID number", _masked_id(person)),
        ("Mã mẫu / Sample", sample.barcode),
        ("Nơi lấy mẫu / Sampled at", sample.site.name),
        ("Thời gian lấy mẫu / Sampling time", timezone.localtime(sample.collected_at).strftime("%d/%m/%Y %H:%M")),
        ("Phương pháp / Method", f"{vi_type} / {en_type}"),
        ("Nơi xét nghiệm / Laboratory", result.lab.name),
        ("Thời gian xét nghiệm / Tested", timezone.localtime(result.tested_at).strftime("%d/%m/%Y %H:%M")),
    ]
    if result.from_pool_id:
        rows.append(("Ghi chú / Note", "Xét nghiệm mẫu gộp / Pooled test"))
    for label, value in rows:
        canvas.setFont(FONT, 10)
        canvas.drawString(left, y, label)
        canvas.setFont(FONT_BOLD, 11)
        canvas.drawString(left + 70 * mm, y, str(value))
        y -= 8 * mm
    y -= 6 * mm
    vi, en = _OUTCOME_TEXT[result.outcome]
    canvas.setFont(FONT, 12)
    canvas.drawString(left, y, "Kết quả / Result")
    canvas.setFont(FONT_BOLD, 20)
    canvas.drawString(left + 70 * mm, y - 1 * mm, f"{vi} / {en}")
    if result.ct_value is not None:
        y -= 10 * mm
        canvas.setFont(FONT, 11)
        canvas.drawString(left + 70 * mm, y, f"Ct = {result.ct_value}")
    y -= 25 * mm
    symbol = Code128(sample.barcode, barHeight=14 * mm, barWidth=0.35 * mm)
    symbol.drawOn(canvas, left, y)
    canvas.setFont(FONT, 8)
    canvas.drawString(left, 15 * mm, f"Tra cứu / Look up: {settings.SITE_URL}/testing/lookup/")
    canvas.setTitle(f"Kết quả xét nghiệm {sample.barcode}")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
