"""Error codes of the check-in domain (see core.errors for the shape). Every code is listed in docs/api.md.

Refusals of a scan come in the order of docs/algorithms.md "Check-in"; each has its own code so that a
scanner can show the right message and an offline batch can report a reason per item.
"""

from phongdich.core.errors import ErrorCode

UNKNOWN_CODE = ErrorCode(
    "unknown_code",
    404,
    "Mã QR địa điểm không tồn tại.",
    "This venue QR code does not exist.",
)
CODE_REVOKED = ErrorCode(
    "code_revoked",
    410,
    "Mã QR địa điểm này đã bị thu hồi; hãy quét mã khác tại cửa.",
    "This venue QR code has been revoked; scan another code at the entrance.",
)
VENUE_NOT_VERIFIED = ErrorCode(
    "venue_not_verified",
    409,
    "Địa điểm chưa được cán bộ xã/phường xác minh hoặc đang tạm dừng.",
    "The venue has not been verified by the commune or is suspended.",
)
SCAN_IN_FUTURE = ErrorCode(
    "scan_in_future",
    400,
    "Thời điểm quét nằm ở tương lai; hãy kiểm tra đồng hồ của thiết bị.",
    "The scan time is in the future; check the device's clock.",
)
SCAN_TOO_OLD = ErrorCode(
    "scan_too_old",
    400,
    "Lượt quét quá cũ để ghi nhận.",
    "The scan is too old to be recorded.",
)
CHECKOUT_BEFORE_CHECKIN = ErrorCode(
    "checkout_before_checkin",
    400,
    "Giờ ra không thể trước giờ vào.",
    "The check-out time cannot be before the check-in time.",
)
NOT_VENUE_STAFF = ErrorCode(
    "not_venue_staff",
    403,
    "Bạn không phải nhân viên hoặc quản lý của địa điểm này.",
    "You are not staff or manager of this venue.",
)
BATCH_TOO_LARGE = ErrorCode(
    "batch_too_large",
    413,
    "Lô gửi lên có quá nhiều lượt quét; hãy chia nhỏ.",
    "The batch has too many scans; split it.",
)
UNKNOWN_PERSON = ErrorCode(
    "unknown_person",
    404,
    "Không tìm thấy người mang mã này; hãy khai báo lại.",
    "No person carries this code; declare again.",
)
NO_OPEN_CHECKIN = ErrorCode(
    "no_open_checkin",
    409,
    "Không có lượt vào nào đang mở để ghi nhận ra về.",
    "There is no open visit to check out of.",
)
DEVICE_REVOKED = ErrorCode(
    "device_revoked",
    409,
    "Thiết bị quét này đã bị thu hồi.",
    "This scanner device has been revoked.",
)

# The claim of a LINKED record on a phone by a code sent by SMS (services.claim_*; docs/declarations.md).
CLAIM_NOT_FOUND = ErrorCode(
    "claim_not_found",
    404,
    "Trên điện thoại này không có hồ sơ nào cần xác nhận như vậy.",
    "There is no such record to confirm on this phone.",
)
CLAIM_NO_PHONE = ErrorCode(
    "claim_no_phone",
    409,
    "Hồ sơ này không có số điện thoại để gửi mã; hãy liên hệ trạm y tế xã/phường.",
    "This record has no phone number to send a code to; ask the commune health station.",
)
CLAIM_RATE_LIMITED = ErrorCode(
    "claim_rate_limited",
    429,
    "Đã gửi quá nhiều mã đến số này hoặc từ mạng này; hãy thử lại sau.",
    "Too many codes were sent to this number or from this network; try again later.",
)
CLAIM_CODE_FORMAT = ErrorCode(
    "claim_code_format",
    400,
    "Hãy nhập đủ 6 chữ số của mã trong tin nhắn SMS.",
    "Enter the 6 digits of the code in the SMS.",
)
CLAIM_FAILED = ErrorCode(
    "claim_failed",
    400,
    "Mã không đúng.",
    "The code is not correct.",
)
CLAIM_EXPIRED = ErrorCode(
    "claim_expired",
    400,
    "Mã đã hết hạn hoặc đã được dùng; hãy yêu cầu mã mới.",
    "The code has expired or was already used; ask for a new one.",
)
CLAIM_LOCKED = ErrorCode(
    "claim_locked",
    429,
    "Nhập sai quá nhiều lần, mã này không còn dùng được; hãy yêu cầu mã mới.",
    "Too many wrong codes: this code no longer works; ask for a new one.",
)
