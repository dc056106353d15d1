"""Error codes of the follow-up domain (one shape: core.errors). Listed in docs/api.md and docs/followups.md."""

from phongdich.core.errors import ErrorCode

TASK_CLOSED = ErrorCode(
    "followup_task_closed",
    409,
    "Việc theo dõi này đã kết thúc; không ghi thêm cuộc gọi.",
    "This follow-up is closed; no more calls can be recorded.",
)
CALL_TIME_INVALID = ErrorCode(
    "followup_call_time_invalid",
    400,
    "Thời điểm gọi phải sau thời điểm khai báo và không ở tương lai.",
    "The call time must be after the declaration and not in the future.",
)
CLOSE_NOT_ALLOWED = ErrorCode(
    "followup_close_not_allowed",
    400,
    "Chỉ kết thúc là 'không liên hệ được' khi kết quả cuộc gọi là không liên hệ được.",
    "Only a call that could not reach the person can close the task as unreachable.",
)
INVALID_FILTER = ErrorCode(
    "followup_invalid_filter",
    400,
    "Bộ lọc không hợp lệ (trạng thái, lý do, thời gian chờ hoặc địa bàn).",
    "Invalid filter (status, reason, age or area).",
)
HANDOVER_AREA_INVALID = ErrorCode(
    "followup_handover_area_invalid",
    400,
    "Chỉ chuyển được cho một xã/phường trong địa bàn của bạn, khác địa bàn hiện tại của việc theo dõi.",
    "A follow-up can be handed only to a commune within your area, other than the one it is with.",
)
