"""Error codes of the telecom app (one shape: core.errors). Listed in docs/telecom.md.

Problems of single rows of a file are not errors of the request: they are stored on the import
(TelecomImport.errors) with their line, column and reason (see ROW_REASONS in rows.py).
"""

from phongdich.core.errors import ErrorCode

FILE_TYPE = ErrorCode(
    "telecom_file_type",
    415,
    "Tệp không phải CSV (UTF-8) hoặc Excel .xlsx.",
    "The file is neither a CSV (UTF-8) nor an Excel .xlsx file.",
)
FILE_TOO_LARGE = ErrorCode(
    "telecom_file_too_large",
    413,
    "Tệp quá lớn.",
    "The file is too large.",
)
FILE_EMPTY = ErrorCode(
    "telecom_file_empty",
    400,
    "Tệp trống hoặc chỉ có dòng tiêu đề.",
    "The file is empty or has only the header line.",
)
FILE_ENCODING = ErrorCode(
    "telecom_file_encoding",
    400,
    "Tệp CSV phải được mã hóa UTF-8.",
    "The CSV file must be encoded in UTF-8.",
)
COLUMNS = ErrorCode(
    "telecom_columns",
    400,
    "Dòng tiêu đề (dòng 1) thiếu cột bắt buộc hoặc có cột trùng.",
    "The header (line 1) lacks a required column or names one twice.",
)
DUPLICATE_FILE = ErrorCode(
    "telecom_duplicate_file",
    409,
    "Tệp này đã được nhập (hoặc đang được nhập).",
    "This file was already imported (or is being imported).",
)
# Location records name cells of the operator's list: without one every row would be refused as an unknown cell
# (the walk-through of 2026-12-07 saw 715 such rows listed under an import marked done). Refused before the file
# is read, naming the operator (services.telecom_import_create).
NO_CELL_LIST = ErrorCode(
    "telecom_no_cell_list",
    409,
    "Nhà mạng này chưa có danh sách trạm — nhập danh sách trạm trước hoặc kiểm tra nhà mạng đã chọn.",
    "This operator has no cell list yet: import its cell list first, or check the operator chosen.",
)
INVALID_OPTIONS = ErrorCode(
    "telecom_invalid_options",
    400,
    "Nhà mạng, loại tệp hoặc cách xử lý dòng lỗi không hợp lệ.",
    "Unknown operator, file kind or bad-row policy.",
)
CASE_NO_PHONE = ErrorCode(
    "telecom_case_no_phone",
    409,
    "Ca bệnh chưa có số điện thoại: không truy vết được bằng dữ liệu nhà mạng.",
    "The case has no phone number: it cannot be traced through telecom records.",
)
IMPORT_WITHDRAW_REASON_REQUIRED = ErrorCode(
    "telecom_withdraw_reason_required",
    400,
    "Cần ghi lý do rút lại lần nhập này (ví dụ: nhà mạng gửi nhầm ngày, nhầm địa bàn).",
    "Give the reason for withdrawing this import (for example: the operator sent the wrong day or area).",
)
IMPORT_WITHDRAWN = ErrorCode(
    "telecom_import_withdrawn",
    409,
    "Lần nhập này đã được rút lại.",
    "This import has already been withdrawn.",
)
IMPORT_NOT_WITHDRAWABLE = ErrorCode(
    "telecom_import_not_withdrawable",
    409,
    "Chỉ rút lại được một lần nhập dữ liệu vị trí thuê bao đã hoàn tất (không phải danh sách trạm, lần nhập đang chạy"
    " hay không nhập được).",
    "Only a finished import of subscriber location records can be withdrawn (not a cell list, nor an import still"
    " running or not imported).",
)
# Retention (telecom_prune) deleted every record of the import: nothing is left to withdraw (the walk-through of
# 2026-12-07 was offered a withdrawal of 715 records already deleted).
IMPORT_RECORDS_DELETED = ErrorCode(
    "telecom_import_records_deleted",
    409,
    "Mọi bản ghi của lần nhập này đã bị xóa theo thời hạn lưu trữ: không còn gì để rút lại.",
    "Every record of this import has been deleted by retention: there is nothing left to withdraw.",
)
# Only an import's failure_code, never an answer (hence no 5xx: the registry holds 4xx codes only).
WORKER_LOST = ErrorCode(
    "telecom_worker_lost",
    409,
    "Tiến trình nền đã dừng mỗi lần nhập tệp này (có thể tệp quá lớn so với bộ nhớ của máy); không có dòng nào được"
    " nhập. Hãy tải tệp lên lại, hoặc chia nhỏ tệp.",
    "The background worker stopped each time it imported this file (it may be too large for the machine's memory);"
    " nothing was imported. Upload it again, or split it.",
)
