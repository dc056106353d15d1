"""Error codes of the certificates domain (one shape: core.errors). Listed in docs/certificates.md."""

from phongdich.core.errors import ErrorCode

DCC_MALFORMED = ErrorCode(
    "dcc_malformed",
    400,
    "Đây không phải mã chứng nhận EU DCC đọc được (sai tiền tố, base45, nén, CBOR hoặc COSE).",
    "This is not a readable EU DCC code (wrong prefix, base45, compression, CBOR or COSE).",
)
DCC_INPUT_TOO_LARGE = ErrorCode(
    "dcc_input_too_large",
    413,
    "Nội dung quá dài để là một mã QR chứng nhận.",
    "The text is too long to come from a certificate QR code.",
)
CERTIFICATE_ALREADY_REVOKED = ErrorCode(
    "certificate_already_revoked",
    409,
    "Chứng nhận này đã bị thu hồi trước đó.",
    "This certificate was already revoked.",
)
CERTIFICATE_REVOKE_REASON_REQUIRED = ErrorCode(
    "certificate_revoke_reason_required",
    400,
    "Cần ghi lý do thu hồi (1–255 ký tự).",
    "A reason for the revocation is required (1–255 characters).",
)
CERTIFICATE_FACTS_INVALID = ErrorCode(
    "certificate_facts_invalid",
    422,
    "Dữ liệu nguồn không tạo được chứng nhận đúng lược đồ EU DCC; chưa cấp chứng nhận nào.",
    "The source record does not make a certificate that follows the EU DCC schema; nothing was issued.",
)
CERTIFICATE_VALIDITY_ENDED = ErrorCode(
    "certificate_validity_ended",
    409,
    "Thời hạn hiệu lực của kết quả này đã qua; không cấp chứng nhận đã hết hạn.",
    "The validity of this record has already ended; an expired certificate is not issued.",
)
CERTIFICATES_INVALID_FILTER = ErrorCode(
    "certificates_invalid_filter",
    400,
    "Bộ lọc không hợp lệ: loại là v, t hoặc r; tình trạng là valid, not_yet_valid, expired hoặc revoked.",
    "Invalid filter: kind is v, t or r; status is valid, not_yet_valid, expired or revoked.",
)
