"""Validation and normalisation of phone numbers and identity numbers.

Each function returns the value in its stored form or raises ApplicationError with a stable code.
The rules and their sources are in /work/shared/RULES.md §8 (copied into docs/algorithms.md).
"""

import re

import phonenumbers
from django.utils import timezone

from phongdich.core.errors import ApplicationError

from . import errors

_SEPARATORS = re.compile(r"[\s.\-()/]")
# Full-width digits (０–９) come from East Asian input methods: read as the digits they are. Any other digit
# Python's isdigit() accepts ("²", "٣") is no digit of an identity number: int() refused "²" (a 500, fuzzing,
# 2026-12-06) and "０３８…" passed as typed, a number no look-up would ever match.
FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


def _id_digits(value: str | None) -> str:
    """The number without separators, full-width digits read as ASCII."""
    return _SEPARATORS.sub("", value or "").translate(FULLWIDTH_DIGITS)


# Mobile prefixes in force since the 2018 conversion, by carrier (RULES.md §8, from
# lawnet.vn/en/laws/what-is-the-current-list-of-prefixes-of-vietnamese-phone-numbers-…-134777.html):
# Viettel 086, 096, 097, 098, 032–039; VinaPhone 088, 091, 094, 081–085; MobiFone 089, 090, 093, 070, 076–079;
# Vietnamobile 092, 056, 058; Gmobile 099, 059. MVNO prefixes such as 087 or 055 are unconfirmed and refused.
MOBILE_PREFIXES = frozenset(
    ["86", "96", "97", "98", *(f"3{d}" for d in range(2, 10))]
    + ["88", "91", "94", "81", "82", "83", "84", "85"]
    + ["89", "90", "93", "70", "76", "77", "78", "79"]
    + ["92", "56", "58"]
    + ["99", "59"]
)

# The 2018 conversion of 11-digit mobile numbers to 10 digits: only the prefix changes, the last 7 digits
# are kept (RULES.md §8; mobifone.vn "ke-hoach-trien-khai-chuyen-doi-thue-bao"; vietnamnews.vn/society/419812).
OLD_MOBILE_PREFIXES = {
    # MobiFone
    "120": "70",
    "121": "79",
    "122": "77",
    "126": "76",
    "128": "78",
    # VinaPhone
    "123": "83",
    "124": "84",
    "125": "85",
    "127": "81",
    "129": "82",
    # Viettel 0162–0169 -> 032–039
    **{f"16{d}": f"3{d}" for d in range(2, 10)},
    # Vietnamobile
    "186": "56",
    "188": "58",
    # Gmobile
    "199": "59",
}


def _invalid_phone(raw: str) -> ApplicationError:
    return ApplicationError(errors.INVALID_PHONE, extra={"value": raw[:40]})


def normalise_phone(raw: str) -> str:
    """A Vietnamese mobile number in E.164 ("+84912345678"), from any usual way of writing it.

    Accepts "0912 345 678", "0912.345.678", "84912345678", "+84912345678", "0084…" and the old
    11-digit numbers ("01686…", converted by the 2018 mapping). Anything else: invalid_phone.
    """
    text = _SEPARATORS.sub("", raw or "")
    if text.startswith("+"):
        if not text.startswith("+84"):
            raise _invalid_phone(raw)
        national = text[3:]
    elif text.startswith("0084"):
        national = text[4:]
    elif text.startswith("84") and len(text) in (11, 12):
        national = text[2:]
    elif text.startswith("0"):
        national = text[1:]
    else:
        national = text
    national = national.removeprefix("0")  # "+84 0912…" is a common way of writing it
    if not national.isdigit():
        raise _invalid_phone(raw)
    if len(national) == 10 and national[:3] in OLD_MOBILE_PREFIXES:
        national = OLD_MOBILE_PREFIXES[national[:3]] + national[3:]
    if len(national) != 9 or national[:2] not in MOBILE_PREFIXES:
        raise _invalid_phone(raw)
    try:
        number = phonenumbers.parse("+84" + national, None)
    except phonenumbers.NumberParseException as exc:
        raise _invalid_phone(raw) from exc
    # The library's metadata is the second opinion: a number it does not know as mobile is refused.
    if not phonenumbers.is_valid_number(number) or phonenumbers.number_type(number) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        raise _invalid_phone(raw)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_national(phone: str) -> str:
    """A stored Vietnamese number as people write and dial it: "+84912345678" -> "0912345678". Other countries'
    numbers stay in E.164. In a spreadsheet this also keeps the number from starting with "+", which the export
    would otherwise have to write as quote-prefixed text (core.exports.xlsx_cell)."""
    return "0" + phone[3:] if phone and phone.startswith("+84") else (phone or "")


def phone_masked(phone: str) -> str:
    """ "+84912345678" -> "09••••••78": enough for a citizen to recognise their own number, not to read it whole."""
    national = phone_national(phone)
    if len(national) < 6:
        return "•" * len(national)
    return national[:2] + "•" * (len(national) - 4) + national[-2:]


def phone_digits_for_search(raw: str) -> str:
    """The digits to look for in stored E.164 numbers when an official types part of a number.

    "0912 345" -> "912345" (the leading 0 or 84 is the part that differs between ways of writing).
    """
    digits = re.sub(r"\D", "", raw or "")
    if digits.startswith("84") and len(digits) >= 11:
        digits = digits[2:]
    return digits.lstrip("0")


# The 3-digit birth-registration codes of a CCCD: the 63 pre-2025 province codes of the GSO list with a
# leading 0 (RULES.md §8: Decree 137/2015/NĐ-CP Art. 13, Circular 07/2016/TT-BCA Art. 7; examples 001 Hà Nội,
# 031 Hải Phòng, 048 Đà Nẵng, 079 TP.HCM, 087 Đồng Tháp, 096 Cà Mau). The province codes themselves are those of
# the GSO list of 2021 (RULES.md §7; repo sunshine-tech/VietnamProvinces, tag v0.4.3, nested-divisions.json).
# Whether codes changed after the 2025 merger is unconfirmed (RULES.md §8), so the 63 codes stay valid.
CCCD_PROVINCE_CODES = {
    "001": "Hà Nội",
    "002": "Hà Giang",
    "004": "Cao Bằng",
    "006": "Bắc Kạn",
    "008": "Tuyên Quang",
    "010": "Lào Cai",
    "011": "Điện Biên",
    "012": "Lai Châu",
    "014": "Sơn La",
    "015": "Yên Bái",
    "017": "Hòa Bình",
    "019": "Thái Nguyên",
    "020": "Lạng Sơn",
    "022": "Quảng Ninh",
    "024": "Bắc Giang",
    "025": "Phú Thọ",
    "026": "Vĩnh Phúc",
    "027": "Bắc Ninh",
    "030": "Hải Dương",
    "031": "Hải Phòng",
    "033": "Hưng Yên",
    "034": "Thái Bình",
    "035": "Hà Nam",
    "036": "Nam Định",
    "037": "Ninh Bình",
    "038": "Thanh Hóa",
    "040": "Nghệ An",
    "042": "Hà Tĩnh",
    "044": "Quảng Bình",
    "045": "Quảng Trị",
    "046": "Thừa Thiên Huế",
    "048": "Đà Nẵng",
    "049": "Quảng Nam",
    "051": "Quảng Ngãi",
    "052": "Bình Định",
    "054": "Phú Yên",
    "056": "Khánh Hòa",
    "058": "Ninh Thuận",
    "060": "Bình Thuận",
    "062": "Kon Tum",
    "064": "Gia Lai",
    "066": "Đắk Lắk",
    "067": "Đắk Nông",
    "068": "Lâm Đồng",
    "070": "Bình Phước",
    "072": "Tây Ninh",
    "074": "Bình Dương",
    "075": "Đồng Nai",
    "077": "Bà Rịa - Vũng Tàu",
    "079": "Hồ Chí Minh",
    "080": "Long An",
    "082": "Tiền Giang",
    "083": "Bến Tre",
    "084": "Trà Vinh",
    "086": "Vĩnh Long",
    "087": "Đồng Tháp",
    "089": "An Giang",
    "091": "Kiên Giang",
    "092": "Cần Thơ",
    "093": "Hậu Giang",
    "094": "Sóc Trăng",
    "095": "Bạc Liêu",
    "096": "Cà Mau",
}
assert len(CCCD_PROVINCE_CODES) == 63

# Digit 4 of a CCCD: century of birth and gender (RULES.md §8): 1900s male 0 / female 1, 2000s 2/3,
# 2100s 4/5, 2200s 6/7, 2300s 8/9.
_CCCD_CENTURY_START = 1900

_CCCD_PART_TEXT = {
    "length": ("phải gồm đúng 12 chữ số", "must be exactly 12 digits"),
    "province": ("3 chữ số đầu không phải mã tỉnh nơi đăng ký khai sinh", "the first 3 digits are not a province code"),
    "birth_year": ("chữ số thứ 4–6 cho năm sinh không hợp lệ", "digits 4–6 give an impossible year of birth"),
    "birth_year_mismatch": ("chữ số thứ 4–6 không khớp năm sinh", "digits 4–6 do not match the year of birth"),
    "gender_mismatch": ("chữ số thứ 4 không khớp giới tính", "digit 4 does not match the gender"),
}


def _invalid_citizen_id(part: str, value: str) -> ApplicationError:
    vi, en = _CCCD_PART_TEXT[part]
    return ApplicationError(
        errors.INVALID_CITIZEN_ID,
        extra={"part": part, "value": value[:20]},
        vi=f"{errors.INVALID_CITIZEN_ID.vi} Số CCCD {vi}.",
        en=f"{errors.INVALID_CITIZEN_ID.en} The number {en}.",
    )


def citizen_id_birth(value: str) -> tuple[int, str]:
    """(year of birth, "male"/"female") encoded in a structurally valid CCCD."""
    digit = int(value[3])
    return _CCCD_CENTURY_START + 100 * (digit // 2) + int(value[4:6]), ("male" if digit % 2 == 0 else "female")


def validate_citizen_id(value: str, *, birth_year: int | None = None, gender: str | None = None) -> str:
    """A 12-digit CCCD checked against its structure and, when given, the person's birth year and gender.

    Structure (RULES.md §8): 3-digit birth-registration province code, 1 century/gender digit, 2 digits of
    the birth year, 6 random digits. The error's `extra["part"]` says which part is wrong.
    """
    text = _id_digits(value)
    if len(text) != 12 or not (text.isascii() and text.isdigit()):
        raise _invalid_citizen_id("length", text)
    if text[:3] not in CCCD_PROVINCE_CODES:
        raise _invalid_citizen_id("province", text)
    encoded_year, encoded_gender = citizen_id_birth(text)
    if encoded_year > timezone.localdate().year:
        raise _invalid_citizen_id("birth_year", text)
    if birth_year is not None and int(birth_year) != encoded_year:
        raise _invalid_citizen_id("birth_year_mismatch", text)
    if gender in ("male", "female") and gender != encoded_gender:
        raise _invalid_citizen_id("gender_mismatch", text)
    return text


def validate_old_id_number(value: str) -> str:
    """The old identity card (CMND) number: 9 digits. Its inner structure is unconfirmed (RULES.md §8)."""
    text = _id_digits(value)
    if len(text) != 9 or not (text.isascii() and text.isdigit()):
        raise ApplicationError(errors.INVALID_ID_NUMBER, extra={"value": text[:20]})
    return text


_PASSPORT = re.compile(r"^[A-Z0-9]{6,20}$")


def validate_passport(value: str) -> str:
    """A passport number of any country: 6–20 letters and digits, stored upper-cased."""
    text = _SEPARATORS.sub("", value or "").upper()
    if not _PASSPORT.match(text):
        raise ApplicationError(errors.INVALID_PASSPORT, extra={"value": text[:30]})
    return text
