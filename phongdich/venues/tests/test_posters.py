import io

import pypdfium2
import pytest
import zxingcpp
from django.conf import settings
from pypdf import PdfReader

from phongdich.venues.posters import venue_all_posters_pdf, venue_code_poster_pdf
from phongdich.venues.services import venue_code_add, venue_code_revoke

pytestmark = pytest.mark.django_db

A4_POINTS = (595.28, 841.89)


def _decode_qr(pdf: bytes, page: int = 0) -> list[str]:
    """Render the page to pixels as a printer would, and read it like a phone camera would."""
    document = pypdfium2.PdfDocument(pdf)
    image = document[page].render(scale=2).to_pil()
    return [result.text for result in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]


def test_poster_is_one_a4_page_with_name_entrance_and_both_languages(venue_a):
    code = venue_a.codes.get(label="Cổng phụ")
    reader = PdfReader(io.BytesIO(venue_code_poster_pdf(code=code)))

    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width), 2), round(float(box.height), 2)) == A4_POINTS
    text = reader.pages[0].extract_text()
    # The Vietnamese letters survive (a font without them would lose "ợ", "ồ"; extract_text would show gaps).
    assert "Chợ Đồng Tâm" in text
    assert "Cổng phụ" in text
    assert "Quét mã để khai báo y tế" in text and "Scan to check in" in text
    assert code.token[:6] in text
    assert code.token not in text  # only the first characters are printed for staff


def test_poster_embeds_its_vietnamese_font(venue_a):
    reader = PdfReader(io.BytesIO(venue_code_poster_pdf(code=venue_a.codes.first())))
    fonts = {font["/BaseFont"] for font in reader.pages[0]["/Resources"]["/Font"].values()}
    assert any("DejaVuSans" in name for name in fonts), fonts


def test_poster_qr_decodes_to_the_checkin_url_of_its_token(venue_a):
    code = venue_a.codes.get(label="Cổng chính")
    assert _decode_qr(venue_code_poster_pdf(code=code)) == [f"{settings.SITE_URL}/c/{code.token}"]


def test_all_posters_pdf_has_one_page_per_active_code_in_order(venue_a):
    extra = venue_code_add(actor=venue_a.registered_by, venue=venue_a, label="Cổng sau")
    venue_code_revoke(actor=venue_a.registered_by, code=venue_a.codes.get(label="Cổng phụ"))
    pdf = venue_all_posters_pdf(venue=venue_a)
    reader = PdfReader(io.BytesIO(pdf))

    assert len(reader.pages) == 2
    assert "Cổng chính" in reader.pages[0].extract_text()
    assert "Cổng sau" in reader.pages[1].extract_text()
    assert _decode_qr(pdf, page=1) == [f"{settings.SITE_URL}/c/{extra.token}"]


def test_all_posters_pdf_of_a_venue_without_active_codes_says_so(venue_a):
    for code in venue_a.codes.all():
        venue_code_revoke(actor=venue_a.registered_by, code=code)
    reader = PdfReader(io.BytesIO(venue_all_posters_pdf(venue=venue_a)))
    assert len(reader.pages) == 1
    assert "no active QR code" in reader.pages[0].extract_text()
