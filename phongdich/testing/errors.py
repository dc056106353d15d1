"""Error codes of the testing app (see core.errors for the shape). Every code is listed in docs/testing.md."""

from phongdich.core.errors import ErrorCode

SESSION_FULL = ErrorCode(
    "testing_session_full",
    409,
    "Buổi lấy mẫu này đã đủ người đăng ký; vui lòng chọn buổi khác.",
    "This testing session is full; please choose another one.",
)
SESSION_CLOSED = ErrorCode(
    "testing_session_closed",
    409,
    "Buổi lấy mẫu này đã qua hoặc điểm xét nghiệm đã ngừng hoạt động.",
    "This testing session is over or its site is no longer active.",
)
SESSION_ENDED = ErrorCode(
    "testing_session_ended",
    409,
    "Buổi lấy mẫu này đã kết thúc; vui lòng chọn buổi khác.",
    "This testing session has already ended; please choose another one.",
)
ALREADY_REGISTERED = ErrorCode(
    "testing_already_registered",
    409,
    "Người này đã đăng ký buổi lấy mẫu này.",
    "This person is already registered for this session.",
)
INVALID_REGISTRATION = ErrorCode(
    "testing_invalid_registration",
    400,
    "Thông tin đăng ký xét nghiệm không hợp lệ.",
    "The test registration is invalid.",
)
REGISTRATION_NOT_OPEN = ErrorCode(
    "testing_registration_not_open",
    409,
    "Đăng ký này đã được lấy mẫu hoặc đã hủy.",
    "This registration has already been sampled or was cancelled.",
)
UNKNOWN_BARCODE = ErrorCode(
    "testing_unknown_barcode",
    404,
    "Không có mẫu hoặc mẫu gộp nào mang mã vạch này (hoặc mã vạch sai ký tự kiểm tra).",
    "No sample or pool has this barcode (or its check character is wrong).",
)
SAMPLE_NOT_AWAITING = ErrorCode(
    "testing_sample_not_awaiting",
    409,
    "Mẫu này đã được gộp, đã có kết quả hoặc đang chờ lấy lại.",
    "This sample is already pooled, resulted or waiting for a re-test.",
)
POOL_FULL = ErrorCode(
    "testing_pool_full",
    409,
    "Mẫu gộp đã đủ số mẫu tối đa của điểm xét nghiệm.",
    "The pool already holds the site's maximum number of samples.",
)
POOL_CLOSED = ErrorCode(
    "testing_pool_closed",
    409,
    "Mẫu gộp này đã có kết quả; không thêm mẫu được nữa.",
    "This pool already has a result; no more samples can be added.",
)
POOL_MISMATCH = ErrorCode(
    "testing_pool_mismatch",
    400,
    "Chỉ gộp được mẫu RT-PCR lấy tại cùng điểm với mẫu gộp.",
    "Only RT-PCR samples taken at the pool's site can be pooled.",
)
POOL_EMPTY = ErrorCode(
    "testing_pool_empty",
    409,
    "Mẫu gộp chưa có mẫu nào; không nhập kết quả được.",
    "The pool holds no samples; it cannot have a result.",
)
ALREADY_RESULTED = ErrorCode(
    "testing_already_resulted",
    409,
    "Mẫu này đã có kết quả.",
    "This sample already has a result.",
)
INVALID_RESULT = ErrorCode(
    "testing_invalid_result",
    400,
    "Kết quả không hợp lệ.",
    "The result is invalid.",
)
CT_OUT_OF_RANGE = ErrorCode(
    "testing_ct_out_of_range",
    400,
    "Giá trị Ct phải lớn hơn 0 và không quá số chu kỳ tối đa.",
    "The Ct value must be above 0 and at most the maximum number of cycles.",
)
RESULT_TIME_INVALID = ErrorCode(
    "testing_result_time_invalid",
    400,
    "Thời gian xét nghiệm không thể trước lúc lấy mẫu hoặc ở tương lai.",
    "The test time cannot be before the sample was taken or in the future.",
)
SHEET_INVALID = ErrorCode(
    "testing_sheet_invalid",
    400,
    "Tệp kết quả không đọc được hoặc sai cột; không có dòng nào được nhập.",
    "The lab sheet cannot be read or has the wrong columns; nothing was imported.",
)
SHEET_ROWS_INVALID = ErrorCode(
    "testing_sheet_rows_invalid",
    400,
    "Tệp kết quả có dòng lỗi (xem danh sách); không có dòng nào được nhập.",
    "The lab sheet has invalid rows (see the list); nothing was imported.",
)
SHEET_TOO_LARGE = ErrorCode(
    "testing_sheet_too_large",
    413,
    "Tệp kết quả có quá nhiều dòng.",
    "The lab sheet has too many rows.",
)
LOOKUP_FAILED = ErrorCode(
    "testing_lookup_failed",
    400,
    "Thông tin tra cứu hoặc mã xác thực không đúng.",
    "The details or the code are not correct.",
)
LOOKUP_EXPIRED = ErrorCode(
    "testing_lookup_expired",
    400,
    "Mã xác thực đã hết hạn hoặc đã dùng; vui lòng tra cứu lại để nhận mã mới.",
    "The code has expired or was used; please start the look-up again for a new code.",
)
LOOKUP_LOCKED = ErrorCode(
    "testing_lookup_locked",
    429,
    "Nhập sai mã quá số lần cho phép; vui lòng tra cứu lại để nhận mã mới.",
    "Too many wrong codes; please start the look-up again for a new code.",
)
LOOKUP_RATE_LIMITED = ErrorCode(
    "testing_lookup_rate_limited",
    429,
    "Quá nhiều lượt tra cứu cho số giấy tờ này hoặc từ mạng này; vui lòng thử lại sau.",
    "Too many look-ups for this ID number or from this network; please try again later.",
)
INVALID_ID_NUMBER = ErrorCode(
    "testing_invalid_id_number",
    400,
    "Số giấy tờ phải là CCCD (12 chữ số), CMND (9 chữ số) hoặc số hộ chiếu (6–20 chữ và số).",
    "The ID number must be a citizen ID (12 digits), an old ID card (9 digits) or a passport number (6–20 characters).",
)
RETEST_CLOSED = ErrorCode(
    "testing_retest_closed",
    409,
    "Mục lấy mẫu lại này đã xong.",
    "This re-test item is already done.",
)
RESULT_NOT_ENTERED = ErrorCode(
    "testing_result_not_entered",
    409,
    "Mẫu này chưa có kết quả để sửa: hãy nhập kết quả.",
    "This sample has no result to correct yet: enter its result.",
)
POOL_RESULT_NOT_CORRECTABLE = ErrorCode(
    "testing_pool_result_not_correctable",
    409,
    "Kết quả của mẫu gộp không sửa trực tiếp được: hãy sửa kết quả của từng mẫu trong mẫu gộp.",
    "A pool's result is not corrected as a whole: correct the result of each of its samples.",
)
RESULT_UNCHANGED = ErrorCode(
    "testing_result_unchanged",
    400,
    "Kết quả sửa giống kết quả hiện có: không có gì thay đổi.",
    "The corrected result is the same as the one on record: nothing changes.",
)
CORRECTION_REASON_REQUIRED = ErrorCode(
    "testing_correction_reason_required",
    400,
    "Cần ghi lý do sửa kết quả.",
    "Give the reason for the correction.",
)
