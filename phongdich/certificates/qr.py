"""The QR image of a certificate: segno, error correction Q (hcert spec §4.1 recommends Q), byte mode kept
out: the HC1 text is all in the QR alphanumeric alphabet (base45 was chosen for that)."""

import io

import segno


def qr_svg(text: str, *, scale: int = 4) -> str:
    """Drawn at `scale` pixels per module, with a viewBox so that CSS can shrink it to a narrow screen."""
    code = segno.make(text, error="q", micro=False)
    width, height = code.symbol_size(scale=scale, border=4)
    svg = code.svg_inline(scale=scale, border=4, omitsize=True)
    return svg.replace("<svg ", f'<svg width="{width}" height="{height}" ', 1)


def qr_png(text: str, *, scale: int = 6) -> bytes:
    buffer = io.BytesIO()
    segno.make(text, error="q", micro=False).save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()
