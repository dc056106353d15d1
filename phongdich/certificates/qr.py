"""The QR image of a certificate: segno, error correction Q (hcert spec §4.1 recommends Q), byte mode kept
out: the HC1 text is all in the QR alphanumeric alphabet (base45 was chosen for that)."""

import io

import segno


def qr_svg(text: str, *, scale: int = 4) -> str:
    return segno.make(text, error="q", micro=False).svg_inline(scale=scale, border=4)


def qr_png(text: str, *, scale: int = 6) -> bytes:
    buffer = io.BytesIO()
    segno.make(text, error="q", micro=False).save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()
