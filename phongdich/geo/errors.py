"""Error codes of the geo app (see core.errors for the shape)."""

from phongdich.core.errors import ErrorCode, field_message

AREA_IMPORT_INVALID = ErrorCode(
    "area_import_invalid",
    400,
    "Tệp danh mục địa bàn có dòng không hợp lệ; chưa nhập dòng nào.",
    "The area file has invalid rows; nothing was imported.",
)

AREA_NOT_CHOSEN = ErrorCode(
    "area_not_chosen",
    400,
    "Chọn địa bàn trong danh sách.",
    "Choose an area from the list.",
)

# extra.fields' message for an area id that names no area (the geo, checkins and testing APIs).
UNKNOWN_AREA = field_message("Không có địa bàn này.", "Unknown area.")
