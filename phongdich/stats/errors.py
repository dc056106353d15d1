"""Error codes of the statistics domain (one shape: core.errors). Listed in docs/api.md and docs/statistics.md."""

from phongdich.core.errors import ErrorCode

INVALID_PERIOD = ErrorCode(
    "invalid_period",
    400,
    "Khoảng thời gian không hợp lệ: ngày bắt đầu phải trước hoặc bằng ngày kết thúc, tối đa 366 ngày.",
    "Invalid period: the start date must be on or before the end date, and the period at most 366 days.",
)
INVALID_DATE = ErrorCode(
    "invalid_date",
    400,
    "Ngày không hợp lệ; hãy dùng dạng YYYY-MM-DD, từ năm 1900 đến năm 2100.",
    "Invalid date; use the form YYYY-MM-DD, a date from 1900 to 2100.",
)
