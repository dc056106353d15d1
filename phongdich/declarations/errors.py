"""Error codes of the declarations domain (one shape: core.errors). Every code is listed in docs/api.md.

Invalid passport, citizen ID and phone numbers reuse the people app's codes (invalid_passport,
invalid_citizen_id, invalid_phone, invalid_person): the same rule gives the same code everywhere.
"""

from phongdich.core.errors import ErrorCode
from phongdich.people.errors import INVALID_CITIZEN_ID, INVALID_PASSPORT, INVALID_PHONE  # noqa: F401 (re-exported)

UNKNOWN_DECLARATION_KIND = ErrorCode(
    "unknown_declaration_kind",
    400,
    "Loại tờ khai không tồn tại (domestic, movement hoặc entry).",
    "Unknown declaration kind (domestic, movement or entry).",
)
INVALID_DECLARATION = ErrorCode(
    "invalid_declaration",
    400,
    "Tờ khai chưa hợp lệ.",
    "The declaration is not valid.",
)
UNKNOWN_COUNTRY = ErrorCode(
    "unknown_country",
    400,
    "Quốc gia không có trong danh mục ISO 3166-1.",
    "The country is not in the ISO 3166-1 list.",
)
UNKNOWN_PORT = ErrorCode(
    "unknown_port",
    400,
    "Cửa khẩu nhập cảnh không tồn tại hoặc không còn hoạt động.",
    "The port of entry does not exist or is no longer open.",
)
UNKNOWN_SYMPTOM = ErrorCode(
    "unknown_symptom",
    400,
    "Triệu chứng hoặc yếu tố dịch tễ không có trong tờ khai này.",
    "A symptom or exposure that this form does not ask about.",
)
UNKNOWN_AREA = ErrorCode(
    "unknown_area",
    400,
    "Địa bàn không tồn tại.",
    "The area does not exist.",
)
ARRIVAL_DATE_OUT_OF_RANGE = ErrorCode(
    "arrival_date_out_of_range",
    400,
    "Ngày nhập cảnh phải trong khoảng 30 ngày trước đến 30 ngày sau hôm nay.",
    "The arrival date must be within 30 days before or after today.",
)
DATE_OUT_OF_RANGE = ErrorCode(
    "date_out_of_range",
    400,
    "Ngày khai báo không hợp lý (quá xa trong quá khứ hoặc tương lai).",
    "The date is implausible (too far in the past or the future).",
)
TEXT_TOO_LONG = ErrorCode(
    "text_too_long",
    400,
    "Nội dung nhập quá dài.",
    "The text is too long.",
)
AREA_NOT_VISIBLE = ErrorCode(
    "area_not_visible",
    403,
    "Bạn không được nhập tờ khai cho địa bàn ngoài phạm vi quản lý của mình.",
    "You may not enter a declaration for an area outside your own.",
)
FAMILY_TOO_LARGE = ErrorCode(
    "family_too_large",
    400,
    "Một lần khai báo được tối đa 8 người.",
    "One declaration covers at most 8 people.",
)
