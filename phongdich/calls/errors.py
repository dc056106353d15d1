"""Error codes of the robot-call domain (one shape: core.errors). Listed in docs/api.md and docs/calls.md."""

from phongdich.core.errors import ErrorCode

NO_TARGETS = ErrorCode(
    "calls_no_targets",
    400,
    "Chọn ít nhất một nhóm người cần gọi (F1, F2 hoặc số thuê bao chưa rõ chủ).",
    "Choose at least one group to call (F1, F2 or unknown subscribers).",
)
NOTHING_TO_CALL = ErrorCode(
    "calls_nothing_to_call",
    409,
    "Không có số điện thoại mới nào để gọi: những người đã chọn không có số hợp lệ hoặc đã được gọi trong một đợt "
    "trước của ca bệnh này.",
    "No new phone number to call: the people chosen have no valid number or were called by an earlier campaign of "
    "this case.",
)
TELECOM_NOT_ALLOWED = ErrorCode(
    "calls_telecom_not_allowed",
    403,
    "Chỉ Sở Y tế/CDC và quản trị tỉnh được gọi các số thuê bao chưa rõ chủ từ dữ liệu nhà mạng.",
    "Only the Department of Health/CDC and the province may call the unknown subscribers of telecom records.",
)
CAMPAIGN_STATE = ErrorCode(
    "calls_campaign_state",
    409,
    "Đợt gọi đang ở trạng thái không cho phép thao tác này.",
    "The campaign's status does not allow this.",
)
CALL_FINAL = ErrorCode(
    "calls_call_final",
    409,
    "Cuộc gọi này đã có kết quả; không ghi thêm.",
    "This call already has its result; nothing more is recorded.",
)
CALL_CANCELLED = ErrorCode(
    "calls_call_cancelled",
    409,
    "Cuộc gọi này đã bị hủy: không ghi kết quả và không gửi tin nhắn.",
    "This call was cancelled: no result is recorded and no SMS is sent.",
)
MANUAL_NOT_ALLOWED = ErrorCode(
    "calls_manual_not_allowed",
    409,
    "Chỉ ghi kết quả bằng tay khi tổng đài là 'outbox' (nhân viên tự gọi).",
    "Results are recorded by hand only with the 'outbox' switchboard (staff dial themselves).",
)
BAD_SIGNATURE = ErrorCode(
    "calls_bad_signature",
    403,
    "Chữ ký của tổng đài sai, thiếu hoặc đã quá hạn.",
    "The switchboard's signature is wrong, missing or too old.",
)
BAD_RESULT = ErrorCode(
    "calls_bad_result",
    400,
    "Kết quả cuộc gọi không hợp lệ (id, status, key).",
    "Invalid call result (id, status, key).",
)
