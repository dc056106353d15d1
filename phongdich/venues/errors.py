"""Error codes of the venues domain (one shape: core.errors). Listed in docs/api.md and docs/venues.md."""

from phongdich.core.errors import ErrorCode

UNKNOWN_VENUE_TYPE = ErrorCode("unknown_venue_type", 400, "Loại địa điểm không tồn tại.", "Unknown venue type.")
INVALID_VENUE_AREA = ErrorCode(
    "invalid_venue_area",
    400,
    "Địa điểm phải thuộc một xã/phường (cấp hành chính thấp nhất).",
    "A venue must be in a commune or ward (the lowest administrative level).",
)
INVALID_COORDINATES = ErrorCode(
    "invalid_coordinates",
    400,
    "Tọa độ không hợp lệ: cần cả vĩ độ và kinh độ, nằm trong lãnh thổ Việt Nam.",
    "Invalid coordinates: give both latitude and longitude, inside Vietnam.",
)
ENTRANCES_REQUIRED = ErrorCode(
    "entrances_required",
    400,
    "Cần ít nhất một lối vào (mỗi lối vào có một mã QR riêng).",
    "At least one entrance is needed (each entrance gets its own QR code).",
)
INVALID_ENTRANCE_LABEL = ErrorCode(
    "invalid_entrance_label",
    400,
    "Tên lối vào phải có 1–100 ký tự và không trùng nhau.",
    "Entrance names must be 1–100 characters and all different.",
)
INVALID_TAX_CODE = ErrorCode(
    "invalid_tax_code",
    400,
    "Mã số thuế phải gồm 10 chữ số, hoặc 10 chữ số, dấu gạch ngang và 3 chữ số (đơn vị phụ thuộc).",
    "A tax code is 10 digits, or 10 digits, a hyphen and 3 digits for a branch.",
)
USERNAME_TAKEN = ErrorCode(
    "username_taken", 409, "Tên đăng nhập này đã có người dùng.", "This username is already taken."
)
WEAK_PASSWORD = ErrorCode(
    "weak_password",
    400,
    "Mật khẩu quá yếu: ít nhất 8 ký tự, không toàn số, không quá phổ biến.",
    "The password is too weak: at least 8 characters, not all digits, not a common one.",
)
INVALID_STATUS_TRANSITION = ErrorCode(
    "invalid_status_transition",
    409,
    "Không thể chuyển địa điểm sang trạng thái này từ trạng thái hiện tại.",
    "The venue cannot move to this status from its current one.",
)
# Not "reason_required": that code belongs to people (a reason to read a record) with another text.
STATUS_REASON_REQUIRED = ErrorCode(
    "status_reason_required",
    400,
    "Cần ghi rõ lý do từ chối hoặc tạm dừng (để người quản lý địa điểm biết cần sửa gì).",
    "Give the reason for rejecting or suspending (so the venue manager knows what to fix).",
)
VENUE_CODE_REVOKED = ErrorCode(
    "venue_code_already_revoked", 409, "Mã QR này đã bị thu hồi.", "This QR code is already revoked."
)
INVALID_MEMBER_ROLE = ErrorCode(
    "invalid_member_role",
    400,
    "Vai trò phải là quản lý hoặc nhân viên kiểm soát.",
    "The role must be manager or control staff.",
)
