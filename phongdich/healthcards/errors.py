"""Error codes of the health status card (see core.errors for the shape). Every code is listed in docs/api.md."""

from phongdich.core.errors import ErrorCode

STATUS_RULE_SET_INVALID = ErrorCode(
    "status_rule_set_invalid",
    400,
    "Bộ quy tắc màu thẻ không hợp lệ (xem extra.errors).",
    "The status rule set is invalid (see extra.errors).",
)
STATUS_RULE_SET_MISSING = ErrorCode(
    "status_rule_set_missing",
    409,
    "Chưa có bộ quy tắc màu thẻ nào có hiệu lực vào thời điểm này.",
    "No status rule set is in force at this time.",
)
