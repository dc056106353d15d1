"""Error codes of the cases app (see core.errors for the shape). Every code is listed in docs/cases.md."""

from phongdich.core.errors import ErrorCode

INVALID_CASE = ErrorCode(
    "invalid_case",
    400,
    "Thông tin ca bệnh không hợp lệ.",
    "The case details are invalid.",
)
CASE_DATE_MISSING = ErrorCode(
    "case_date_missing",
    400,
    "Thiếu ngày lấy mẫu dương tính.",
    "The date of the positive sample is missing.",
)
CASE_ONSET_TOO_LATE = ErrorCode(
    "case_onset_too_late",
    400,
    "Ngày khởi phát triệu chứng muộn hơn ngày lấy mẫu quá số ngày quy định cho phép.",
    "The symptom onset is later after the sample date than the rule allows.",
)
NO_WINDOW_RULE = ErrorCode(
    "no_window_rule",
    400,
    "Không có quy định về thời kỳ lây truyền áp dụng cho ngày lấy mẫu này.",
    "No infectious-window rule applies to this sample date.",
)
PERSON_ALREADY_CASE = ErrorCode(
    "person_already_case",
    409,
    "Người này đã là ca bệnh đang điều trị.",
    "This person is already a case under treatment.",
)
INVALID_CONTACT = ErrorCode(
    "invalid_contact",
    400,
    "Thông tin người tiếp xúc không hợp lệ.",
    "The contact details are invalid.",
)
