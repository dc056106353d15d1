"""Error codes of the vaccination app (one shape: core.errors). Listed in docs/vaccination.md."""

from phongdich.core.errors import ErrorCode

SLOT_FULL = ErrorCode(
    "slot_full",
    409,
    "Khung giờ này đã đủ người; hãy chọn khung giờ khác.",
    "This time slot is full; choose another one.",
)
SESSION_FULL = ErrorCode(
    "session_full",
    409,
    "Buổi tiêm này đã đủ người; hãy chọn buổi khác.",
    "This vaccination session is full; choose another one.",
)
SLOT_CLOSED = ErrorCode(
    "slot_closed",
    409,
    "Khung giờ này đã qua hoặc điểm tiêm không còn hoạt động.",
    "This time slot is over or the site is no longer active.",
)
REGISTRATION_NOT_WAITING = ErrorCode(
    "registration_not_waiting",
    409,
    "Đăng ký này không ở trạng thái chờ (đã được mời, đã tiêm hoặc đã hủy).",
    "This registration is not waiting (already invited, vaccinated or cancelled).",
)
REGISTRATION_CLOSED = ErrorCode(
    "registration_closed",
    409,
    "Đăng ký này đã tiêm xong hoặc đã hủy; không thay đổi được nữa.",
    "This registration is vaccinated or cancelled; it cannot change any more.",
)
ALREADY_REGISTERED = ErrorCode(
    "already_registered",
    409,
    "Người này đang có một đăng ký tiêm chưa hoàn thành.",
    "This person already has a vaccination registration in progress.",
)
NO_BOOKING_HERE_TODAY = ErrorCode(
    "no_booking_here_today",
    409,
    "Người này không có lịch tiêm hôm nay tại điểm tiêm này.",
    "This person has no booking at this site today.",
)
NOT_CHECKED_IN = ErrorCode(
    "not_checked_in",
    409,
    "Người này chưa được tiếp đón (quét mã) tại điểm tiêm.",
    "This person has not been checked in at the site.",
)
DOSE_NUMBER_SKIPS = ErrorCode(
    "dose_number_skips",
    400,
    "Số mũi tiêm không liền sau mũi đã tiêm trước đó (không được bỏ mũi hoặc ghi lặp mũi).",
    "The dose number does not follow the previous dose (no skipping or repeating a dose number).",
)
DOSE_DATE_INVALID = ErrorCode(
    "dose_date_invalid",
    400,
    "Ngày tiêm không hợp lệ: không ở tương lai và không trước mũi trước.",
    "Invalid vaccination date: not in the future and not before the previous dose.",
)
DOSE_INTERVAL_TOO_SHORT = ErrorCode(
    "dose_interval_too_short",
    400,
    "Chưa đủ khoảng cách tối thiểu từ mũi trước với loại vắc xin này.",
    "Too soon after the previous dose for this vaccine's minimum interval.",
)
UNKNOWN_PRODUCT = ErrorCode(
    "unknown_product",
    400,
    "Loại vắc xin không có trong danh mục hoặc không có trong bộ mã EU DCC.",
    "The vaccine is not in the list or not in the EU DCC value sets.",
)
INVALID_LOT = ErrorCode(
    "invalid_lot",
    400,
    "Số lô vắc xin phải có 1–40 ký tự (chữ, số, dấu gạch).",
    "The vaccine lot must be 1–40 characters (letters, digits, dashes).",
)
UNKNOWN_PRIORITY_GROUP = ErrorCode(
    "unknown_priority_group",
    400,
    "Nhóm ưu tiên không hợp lệ.",
    "Unknown priority group.",
)
INVALID_SESSION = ErrorCode(
    "invalid_session",
    400,
    "Buổi tiêm không hợp lệ (ngày, sức chứa hoặc khung giờ; xem extra.field).",
    "Invalid vaccination session (date, capacity or time slots; see extra.field).",
)
INVALID_REACTION = ErrorCode(
    "invalid_reaction",
    400,
    "Phản ứng sau tiêm không hợp lệ (mức độ, thời điểm hoặc triệu chứng; xem extra.field).",
    "Invalid reaction after vaccination (severity, time or symptoms; see extra.field).",
)
INVALID_COVERAGE_QUERY = ErrorCode(
    "invalid_coverage_query",
    400,
    "Địa bàn hoặc ngày tham chiếu không hợp lệ.",
    "Invalid area or reference date.",
)
INVALID_REACTION_FILTER = ErrorCode(
    "invalid_reaction_filter",
    400,
    "Bộ lọc không hợp lệ: mức độ không có trong danh mục, ngày không đọc được hoặc ngày kết thúc trước ngày bắt đầu.",
    "The filter is invalid: an unknown severity, a date that cannot be read or an end before the start.",
)
UNKNOWN_SITE = ErrorCode(
    "unknown_site",
    400,
    "Hãy chọn một điểm tiêm trong danh sách.",
    "Choose a vaccination site from the list.",
)
