"""The certificate as a PDF (reportlab): QĐ 5772/QĐ-BYT's 11 fields for vaccination (RULES.md §5), the
corresponding fields for tests and recovery, the QR code (segno, error correction Q) and the validity.
Text uses DejaVu Sans (bundled in venues/fonts, registered by venues.posters) for Vietnamese diacritics."""

import io
from zoneinfo import ZoneInfo

from reportlab.graphics import renderPDF
from reportlab.graphics.shapes import Drawing, Rect
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from phongdich.venues import posters

from . import display, valuesets
from .models import Certificate

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
TITLES = {
    "v": ("CHỨNG NHẬN TIÊM CHỦNG COVID-19", "COVID-19 VACCINATION CERTIFICATE"),
    "t": ("CHỨNG NHẬN XÉT NGHIỆM COVID-19", "COVID-19 TEST CERTIFICATE"),
    "r": ("CHỨNG NHẬN KHỎI BỆNH COVID-19", "COVID-19 RECOVERY CERTIFICATE"),
}


COUNTRY_LABELS = {
    "v": ("Nước tiêm", "Country of vaccination"),
    "t": ("Nước xét nghiệm", "Country of test"),
    "r": ("Nước xét nghiệm", "Country of test"),
}


def certificate_rows(certificate: Certificate) -> list[tuple[str, str, str]]:
    """(Vietnamese label, English label, value) in the order of QĐ 5772's form for vaccination."""
    payload = certificate.payload
    name = " ".join(part for part in (payload["nam"].get("fn", ""), payload["nam"].get("gn", "")) if part)
    entry = payload[certificate.kind][0]
    rows = [
        ("Họ và tên", "Full name", name),
        ("Ngày sinh", "Date of birth", display.date_text(payload.get("dob"))),
        # `co` is where the dose was given or the test taken (EU DCC schema), not the holder's nationality.
        (*COUNTRY_LABELS.get(certificate.kind, COUNTRY_LABELS["t"]), entry.get("co") or "VN"),
        ("Bệnh", "Disease or agent targeted", valuesets.valueset_display("disease-agent-targeted", entry["tg"])),
    ]
    if certificate.kind == "v":
        rows += [
            ("Số mũi", "Number of doses", f"{entry['dn']}/{entry['sd']}"),
            ("Ngày tiêm", "Date of vaccination", display.date_text(entry["dt"])),
            ("Mũi số", "Dose number", str(entry["dn"])),
            ("Vắc xin", "Vaccine or prophylaxis", display.name("vaccine-prophylaxis", entry["vp"])),
            ("Tên vắc xin", "Vaccine product", valuesets.valueset_display("vaccine-medicinal-product", entry["mp"])),
            ("Nhà sản xuất", "Manufacturer", valuesets.valueset_display("vaccine-mah-manf", entry["ma"])),
        ]
    elif certificate.kind == "t":
        rows += [
            ("Loại xét nghiệm", "Type of test", display.name("test-type", entry["tt"])),
            ("Thời điểm lấy mẫu", "Sample collected", display.datetime_text(entry["sc"])),
            ("Kết quả", "Result", display.name("test-result", entry["tr"])),
            ("Nơi xét nghiệm", "Testing centre", entry["tc"]),
        ]
        if entry.get("ma"):
            rows.append(("Bộ xét nghiệm", "Test device", valuesets.valueset_display("test-manf", entry["ma"])))
    else:
        rows += [
            ("Ngày dương tính đầu tiên", "First positive result", display.date_text(entry["fr"])),
            ("Hiệu lực từ", "Valid from", display.date_text(entry["df"])),
            ("Hiệu lực đến", "Valid until", display.date_text(entry["du"])),
        ]
    rows += [
        ("Nơi cấp", "Issuer", entry["is"]),
        ("Mã chứng nhận", "Certificate identifier", entry["ci"]),
    ]
    return rows


def _qr_drawing(text: str, size: float) -> Drawing:
    import segno

    matrix = [list(row) for row in segno.make(text, error="q", micro=False).matrix_iter(scale=1, border=4)]
    cell = size / len(matrix)
    drawing = Drawing(size, size)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                drawing.add(Rect(x * cell, size - (y + 1) * cell, cell, cell, fillColor="black", strokeColor=None))
    return drawing


def certificate_pdf(certificate: Certificate) -> bytes:
    posters._register_fonts()
    buffer = io.BytesIO()
    width, height = A4
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    pdf.setTitle(certificate.uvci)
    vi_title, en_title = TITLES[certificate.kind]
    pdf.setFont(posters.FONT_BOLD, 16)
    pdf.drawCentredString(width / 2, height - 25 * mm, vi_title)
    pdf.setFont(posters.FONT, 11)
    pdf.drawCentredString(width / 2, height - 32 * mm, en_title)
    qr_size = 80 * mm
    renderPDF.draw(_qr_drawing(certificate.qr_text, qr_size), pdf, (width - qr_size) / 2, height - 40 * mm - qr_size)
    y = height - 50 * mm - qr_size
    for vi, en, value in certificate_rows(certificate):
        pdf.setFont(posters.FONT, 8)
        pdf.drawString(20 * mm, y, f"{vi} / {en}")
        pdf.setFont(posters.FONT_BOLD, 10)
        pdf.drawString(80 * mm, y, str(value)[:70])
        y -= 7 * mm
    issued = certificate.issued_at.astimezone(LOCAL_TZ).strftime("%d/%m/%Y %H:%M")
    until = certificate.expires_at.astimezone(LOCAL_TZ).strftime("%d/%m/%Y %H:%M")
    pdf.setFont(posters.FONT, 9)
    y -= 4 * mm
    pdf.drawString(20 * mm, y, f"Cấp lúc / Issued: {issued}    Có giá trị đến / Valid until: {until}")
    y -= 6 * mm
    pdf.drawString(20 * mm, y, "Xuất trình kèm CCCD, CMND hoặc hộ chiếu. / Show with an ID card or passport.")
    if certificate.is_revoked:
        pdf.setFont(posters.FONT_BOLD, 14)
        pdf.drawCentredString(width / 2, 15 * mm, "ĐÃ THU HỒI / REVOKED")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
