"""The QR code printed on the chip-based citizen ID card (CCCD gắn chip, Thông tư 06/2021/TT-BCA), read at a
venue's desk so that a person without a smartphone is checked in by their card.

What the code holds, in this order, is the Ministry of Public Security's list as reported by the press: the CCCD
number, the 9-digit CMND number, full name, date of birth, sex, permanent address and the card's date of issue
(baobariavungtau.com.vn/phap-luat/202212/nguoi-dan-dung-giay-to-gi-thay-the-so-ho-khau-968058/). The layout, the
fields joined by "|" with dates as DDMMYYYY and the sex as "Nam"/"Nữ", is as public readers parse it (e.g.
github.com/phalconsupply/phongkham docs/QR_SCANNER.md); no published standard was found, so the reader accepts
the date also as DD/MM/YYYY and ignores fields past the seventh (docs/algorithms.md, "Scanning a citizen ID card").
"""

import datetime as dt
import re
from dataclasses import dataclass

from phongdich.core.errors import ApplicationError

from . import errors

# A CCCD QR begins with the 12-digit number and a bar; a personal QR code of ours never does (PD1: ...).
_LOOKS_LIKE = re.compile(r"^\s*\d{12}\|")
_GENDERS = {"nam": "male", "nữ": "female", "nu": "female"}


@dataclass(frozen=True)
class CccdCard:
    citizen_id: str
    old_id_number: str
    full_name: str
    birth_date: dt.date
    gender: str  # people.Person.Gender value
    address: str
    issued_on: dt.date | None


def looks_like_cccd_qr(text: str) -> bool:
    return isinstance(text, str) and bool(_LOOKS_LIKE.match(text))


def _date(value: str) -> dt.date | None:
    digits = value.strip().replace("/", "")
    if len(digits) != 8 or not digits.isdigit():
        return None
    try:
        return dt.date(int(digits[4:]), int(digits[2:4]), int(digits[:2]))
    except ValueError:
        return None


def cccd_qr_parse(text: str) -> CccdCard:
    """The card's fields; cccd_qr_invalid (400, with the field) when the text is not a readable CCCD QR code.
    The number's own checks (province code, century and sex, year of birth) are people.services' on create."""
    fields = [field.strip() for field in (text or "").strip().split("|")]

    def refuse(field: str):
        return ApplicationError(errors.CCCD_QR_INVALID, extra={"field": field})

    if len(fields) < 6 or not re.fullmatch(r"\d{12}", fields[0]):
        raise refuse("citizen_id")
    # No control or format characters (a NUL the database refuses, a right-to-left override in a name).
    names = ("citizen_id", "old_id_number", "full_name", "birth_date", "gender", "address")
    for name, value in zip(names, fields[: len(names)], strict=True):
        if not value.isprintable():
            raise refuse(name)
    old_id = fields[1]
    if old_id and not re.fullmatch(r"\d{9}", old_id):
        raise refuse("old_id_number")
    name = " ".join(fields[2].split())
    if len(name) < 2 or len(name) > 150:
        raise refuse("full_name")
    birth_date = _date(fields[3])
    if birth_date is None or birth_date > dt.date.today() or birth_date.year < 1900:
        raise refuse("birth_date")
    gender = _GENDERS.get(fields[4].lower())
    if gender is None:
        raise refuse("gender")
    issued_on = _date(fields[6]) if len(fields) > 6 and fields[6] else None
    return CccdCard(
        citizen_id=fields[0],
        old_id_number=old_id,
        full_name=name,
        birth_date=birth_date,
        gender=gender,
        address=" ".join(fields[5].split())[:255],
        issued_on=issued_on,
    )
