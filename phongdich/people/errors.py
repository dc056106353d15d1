"""Error codes of the people app (see core.errors for the shape). Every code is listed in docs/api.md."""

from dataclasses import dataclass, field

from django.utils import translation

from phongdich.core.errors import ErrorCode

INVALID_PHONE = ErrorCode(
    "invalid_phone",
    400,
    "Số điện thoại không phải số di động Việt Nam hợp lệ.",
    "The phone number is not a valid Vietnamese mobile number.",
)
INVALID_CITIZEN_ID = ErrorCode(
    "invalid_citizen_id",
    400,
    "Số căn cước công dân (CCCD) không hợp lệ.",
    "The citizen ID number (CCCD) is invalid.",
)
INVALID_ID_NUMBER = ErrorCode(
    "invalid_id_number",
    400,
    "Số chứng minh nhân dân (CMND) phải gồm 9 chữ số.",
    "The old ID card number (CMND) must be 9 digits.",
)
INVALID_PASSPORT = ErrorCode(
    "invalid_passport",
    400,
    "Số hộ chiếu phải gồm 6–20 chữ cái và chữ số.",
    "The passport number must be 6–20 letters and digits.",
)
INVALID_PERSON = ErrorCode(
    "invalid_person",
    400,
    "Thông tin người không hợp lệ.",
    "The person's details are invalid.",
)
REASON_REQUIRED = ErrorCode(
    "reason_required",
    400,
    "Cần ghi rõ mục đích xem hồ sơ.",
    "State the purpose of access to view this record.",
)
PERSONAL_QR_MALFORMED = ErrorCode(
    "personal_qr_malformed",
    400,
    "Mã QR cá nhân không đọc được.",
    "The personal QR code cannot be read.",
)
PERSONAL_QR_BAD_SIGNATURE = ErrorCode(
    "personal_qr_bad_signature",
    400,
    "Mã QR cá nhân không có chữ ký hợp lệ (có thể là giả).",
    "The personal QR code's signature is invalid (it may be forged).",
)
PERSONAL_QR_EXPIRED = ErrorCode(
    "personal_qr_expired",
    400,
    "Mã QR cá nhân đã hết hạn; hãy mở lại trang cá nhân để lấy mã mới.",
    "The personal QR code has expired; open your personal page again for a new one.",
)
PERSONAL_QR_UNKNOWN_KEY = ErrorCode(
    "personal_qr_unknown_key",
    400,
    "Mã QR cá nhân được ký bằng khóa không xác định.",
    "The personal QR code was signed with an unknown key.",
)
CCCD_QR_INVALID = ErrorCode(
    "cccd_qr_invalid",
    400,
    "Mã QR trên thẻ căn cước công dân không đọc được (cần số CCCD, họ tên, ngày sinh, giới tính).",
    "The QR code of the citizen ID card cannot be read (it needs the CCCD number, name, date of birth and sex).",
)
PERSON_ID_ON_RECORD = ErrorCode(
    "person_id_on_record",
    409,
    "Số giấy tờ này đã có trong hồ sơ của một người: đừng nhập người mới, hãy tìm người đó bằng đúng số này rồi chọn.",
    "This ID number is already on someone's record: do not enter a new person; find them by this exact number and "
    "choose them.",
)
IDENTIFIER_NOT_EXACT = ErrorCode(
    "identifier_not_exact",
    400,
    "Để tìm người ngoài địa bàn, nhập đủ số CCCD (12 chữ số), CMND (9 chữ số) hoặc số điện thoại di động.",
    "To find a person outside your area, enter a whole CCCD (12 digits), CMND (9 digits) or mobile phone number.",
)
IDENTIFIER_AMBIGUOUS = ErrorCode(
    "identifier_ambiguous",
    409,
    "Có nhiều người mang số này: chọn một người trong danh sách (`person_ref`).",
    "Several people have this number: choose one of them (`person_ref`).",
)


# A warning, not a refusal (so not an ErrorCode, which is always 4xx): the entry was attached to the person on
# record with its number (services.person_for_staff_entry), whose recorded name or birth date is not the one typed.
@dataclass(frozen=True)
class EntryWarning:
    code: str
    vi: str
    en: str
    extra: dict = field(default_factory=dict)

    def as_dict(self, language: str | None = None) -> dict:
        language = (language or translation.get_language() or "vi")[:2]
        return {"code": self.code, "message": self.en if language == "en" else self.vi, "extra": self.extra}


PERSON_IDENTITY_DIFFERS = "person_identity_differs"
PERSON_IDENTITY_DIFFERS_VI = (
    "Số giấy tờ này đã có trong hồ sơ của một người khác tên hoặc ngày sinh; việc ghi đã gắn vào hồ sơ đó (không đổi "
    "hồ sơ). Hãy kiểm tra lại: nếu không phải cùng một người, hủy việc vừa ghi và sửa số giấy tờ."
)
PERSON_IDENTITY_DIFFERS_EN = (
    "This ID number is on the record of a person with another name or date of birth; the entry was attached to that "
    "record (which is not changed). Please check: if it is not the same person, cancel the entry and correct the "
    "number."
)
