"""One error shape for the whole project.

Services raise `ApplicationError(SOME_CODE, extra={...})`. The API handler (core.api) turns it into
`{"code", "message", "message_vi", "message_en", "extra"}` with the code's HTTP status. Codes are
stable snake_case strings that clients may switch on; every code is listed in docs/api.md.
Messages are written here in both languages (not through gettext) so that an API answer always
carries both, whatever language the client asked for. A message about one field, in `extra["fields"]`, is
written in both too, as `field_message(vi, en)`; `as_dict` gives it in the answer's language, as DRF gives its
own field messages (through gettext, in the request's language).
"""

from dataclasses import dataclass, field

from django.utils import translation

REGISTRY: dict[str, "ErrorCode"] = {}


@dataclass(frozen=True)
class ErrorCode:
    code: str
    status: int
    vi: str
    en: str

    def __post_init__(self):
        if self.code in REGISTRY and REGISTRY[self.code] != self:
            raise ValueError(f"error code {self.code!r} defined twice with different texts")
        REGISTRY[self.code] = self


class FieldMessage(str):
    """A field's message in both languages (`field_message`). As a plain string it is the Vietnamese, the site's
    language, so an `extra` put into JSON without `as_dict` (a log, a stored answer) is still valid and readable;
    `as_dict` replaces it with the answer's language."""

    vi: str
    en: str

    def __new__(cls, vi: str, en: str):
        message = super().__new__(cls, vi)
        message.vi, message.en = vi, en
        return message

    def __getnewargs__(self):  # pickle and copy: both languages, not only the Vietnamese the str holds
        return (self.vi, self.en)

    def __repr__(self) -> str:
        return f"field_message({self.vi!r}, {self.en!r})"

    def in_language(self, language: str) -> str:
        return str(self.en if language == "en" else self.vi)


def field_message(vi: str, en: str) -> FieldMessage:
    """A message about one field, for `extra["fields"]` of an error: `{"fields": {"name": [field_message(vi, en)]}}`.
    The answer gives it in its language (`message`'s), Vietnamese by default."""
    return FieldMessage(vi, en)


def _in_language(value, language: str):
    """`extra` with every field_message in `language`: plain JSON, so a stored answer (IdempotencyKey) replays as
    it was given."""
    if isinstance(value, FieldMessage):
        return value.in_language(language)
    if isinstance(value, dict):
        return {key: _in_language(item, language) for key, item in value.items()}
    if isinstance(value, list):
        return [_in_language(item, language) for item in value]
    if type(value) is tuple:
        return tuple(_in_language(item, language) for item in value)
    return value


@dataclass
class ApplicationError(Exception):
    error: ErrorCode
    extra: dict = field(default_factory=dict)
    # Overrides the code's message when the detail matters (e.g. which field); both languages.
    vi: str | None = None
    en: str | None = None

    @property
    def code(self) -> str:
        return self.error.code

    @property
    def status(self) -> int:
        return self.error.status

    def as_dict(self, language: str | None = None) -> dict:
        vi = self.vi or self.error.vi
        en = self.en or self.error.en
        language = (language or translation.get_language() or "vi")[:2]
        return {
            "code": self.error.code,
            "message": en if language == "en" else vi,
            "message_vi": vi,
            "message_en": en,
            "extra": _in_language(self.extra, language),
        }

    def __str__(self) -> str:
        return f"{self.error.code}: {self.en or self.error.en}"


def text_too_long(field_name: str, *, limit: int, length: int) -> ApplicationError:
    """invalid_input for a typed text longer than its column keeps, in the words a Django form gives for a field's
    max_length, named in extra.fields as the API's serializers name it. For services that refuse such a text
    themselves, for every caller, rather than cut it (cases' and telecom's reasons)."""
    vi = f"Giá trị này chỉ có tối đa {limit} kí tự (hiện có {length})"
    en = f"Ensure this value has at most {limit} characters (it has {length})."
    extra = {
        "fields": {field_name: [field_message(vi, en)]},
        "field": field_name,
        "max_length": limit,
        "length": length,
    }
    return ApplicationError(INVALID_INPUT, extra=extra, vi=vi, en=en)


# Codes used by the generic handlers. Domain codes live in each app's errors.py.
INVALID_INPUT = ErrorCode("invalid_input", 400, "Dữ liệu gửi lên không hợp lệ.", "The submitted data is invalid.")
MALFORMED_JSON = ErrorCode(
    "malformed_json", 400, "Nội dung gửi lên không phải JSON hợp lệ.", "The request body is not valid JSON."
)
UNSUPPORTED_MEDIA_TYPE = ErrorCode(
    "unsupported_media_type",
    415,
    "Kiểu nội dung không được hỗ trợ; hãy gửi application/json.",
    "Unsupported content type; send application/json.",
)
NUL_CHARACTER = ErrorCode(
    "nul_character",
    400,
    "Dữ liệu gửi lên chứa ký tự NUL (mã 0), không được chấp nhận.",
    "The request contains a NUL character (code 0), which is not accepted.",
)
REQUEST_TOO_LARGE = ErrorCode("request_too_large", 413, "Dữ liệu gửi lên quá lớn.", "The request body is too large.")
NOT_AUTHENTICATED = ErrorCode(
    "not_authenticated", 401, "Cần đăng nhập hoặc mã thiết bị hợp lệ.", "Log in or send a valid device token."
)
PERMISSION_DENIED = ErrorCode(
    "permission_denied", 403, "Bạn không có quyền thực hiện thao tác này.", "You may not do this."
)
CSRF_FAILED = ErrorCode(
    "csrf_failed",
    403,
    "Kiểm tra CSRF không đạt: yêu cầu dùng phiên đăng nhập (cookie) phải gửi tiêu đề X-CSRFToken bằng giá trị cookie "
    "csrftoken và, qua HTTPS, tiêu đề Referer là địa chỉ của trang này.",
    "CSRF check failed: a request made with a login session (cookie) must send the X-CSRFToken header with the "
    "csrftoken cookie's value and, over HTTPS, a Referer header of this site.",
)
UNSUPPORTED_MEDIA_TYPE_MULTIPART = (
    "Kiểu nội dung không được hỗ trợ; hãy gửi multipart/form-data kèm tệp.",
    "Unsupported content type; send multipart/form-data with the file.",
)
NOT_FOUND = ErrorCode("not_found", 404, "Không tìm thấy.", "Not found.")
METHOD_NOT_ALLOWED = ErrorCode(
    "method_not_allowed", 405, "Phương thức không được hỗ trợ.", "This HTTP method is not allowed here."
)
RATE_LIMITED = ErrorCode(
    "rate_limited", 429, "Quá nhiều yêu cầu; vui lòng thử lại sau.", "Too many requests; try again later."
)
IDEMPOTENCY_KEY_INVALID = ErrorCode(
    "idempotency_key_invalid",
    400,
    "Idempotency-Key phải dài 1–255 ký tự in được.",
    "Idempotency-Key must be 1–255 printable characters.",
)
IDEMPOTENCY_KEY_REUSED = ErrorCode(
    "idempotency_key_reused",
    422,
    "Idempotency-Key này đã được dùng cho một yêu cầu khác.",
    "This Idempotency-Key was already used for a different request.",
)
EXPORT_NO_SCOPE = ErrorCode(
    "export_no_scope",
    403,
    "Bạn không có địa bàn hay địa điểm nào để xuất danh sách này (tệp sẽ không có ai được tải).",
    "You have no area or venue to export this list for (nobody could download the file).",
)
SERVER_ERROR = ErrorCode(
    "server_error", 500, "Lỗi máy chủ; yêu cầu chưa được ghi nhận.", "Server error; the request was not recorded."
)
