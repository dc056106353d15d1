"""Sample and pool barcodes: the site's code, a 7-digit sequence number and one check character.

The check character is the Luhn mod N algorithm over the 36 characters 0–9 A–Z (Wikipedia, "Luhn mod N
algorithm"): it catches every single mistyped character and most swaps of two neighbours, so a barcode typed
by hand with a mistake is refused as unknown instead of naming someone else's sample. Code 128 (the printed
symbology, reportlab) carries its own check as well; this one protects typing.
"""

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_INDEX = {char: index for index, char in enumerate(ALPHABET)}
N = len(ALPHABET)
SEQ_DIGITS = 7


def _luhn_sum(text: str, first_factor: int) -> int:
    total, factor = 0, first_factor
    for char in reversed(text):
        addend = factor * _INDEX[char]
        total += addend // N + addend % N
        factor = 1 if factor == 2 else 2
    return total


def check_character(payload: str) -> str:
    """The Luhn mod 36 check character of `payload` (upper-case letters and digits)."""
    return ALPHABET[(N - _luhn_sum(payload, 2) % N) % N]


def barcode_make(site_code: str, seq: int) -> str:
    payload = f"{site_code}{seq:0{SEQ_DIGITS}d}"
    return payload + check_character(payload)


def barcode_normalise(text: str) -> str:
    """What a scanner or a person typed, as stored: upper case, without spaces or dashes."""
    return "".join((text or "").split()).replace("-", "").upper()[:32]


def barcode_is_valid(text: str) -> bool:
    """True when `text` (normalised) is made of the alphabet and its last character checks the rest."""
    if len(text) < SEQ_DIGITS + 2 or any(char not in _INDEX for char in text):
        return False
    return _luhn_sum(text, 1) % N == 0
