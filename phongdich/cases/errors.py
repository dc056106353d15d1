"""Error codes of the cases app (see core.errors for the shape). Every code is listed in docs/cases.md."""

from phongdich.core.errors import ApplicationError, ErrorCode

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
CASE_ISOLATION_TOO_LATE = ErrorCode(
    "case_isolation_too_late",
    400,
    "Thời điểm cách ly muộn hơn ngày lấy mẫu quá số ngày cho phép.",
    "The isolation time is later after the sample date than allowed.",
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
CASE_STATUS_TRANSITION = ErrorCode(
    "case_status_transition",
    409,
    "Không thể chuyển ca bệnh sang tình trạng này từ tình trạng hiện tại.",
    "The case cannot move to this status from its current one.",
)
CASE_RECOVERY_EARLY = ErrorCode(
    "case_recovery_early",
    409,
    "Ngày khỏi bệnh sớm hơn thường thấy sau ngày lấy mẫu dương tính: kiểm tra lại ngày, rồi xác nhận nếu ngày đúng.",
    "The recovery date is earlier after the positive sample than usual: check the date, then confirm it if it is "
    "right.",
)
CASE_OUTCOME_UNDO_CLOSED = ErrorCode(
    "case_outcome_undo_closed",
    409,
    "Không thể huỷ kết quả điều trị này nữa.",
    "This outcome can no longer be undone.",
)
CASE_OUTCOME_UNDO_REASON_REQUIRED = ErrorCode(
    "case_outcome_undo_reason_required",
    400,
    "Cần ghi lý do huỷ kết quả điều trị đã ghi nhận (ví dụ: ghi nhầm ca bệnh, ghi nhầm kết quả).",
    "Give the reason for undoing the recorded outcome (for example: recorded for the wrong case, the wrong outcome).",
)
CASE_WITHDRAWN = ErrorCode(
    "case_withdrawn",
    409,
    "Ca bệnh này đã bị huỷ (không phải ca bệnh): không truy vết, không thêm người tiếp xúc và không sửa được nữa.",
    "This case was withdrawn (not a case): it is no longer traced, given contacts or changed.",
)
CASE_WITHDRAW_REASON_REQUIRED = ErrorCode(
    "case_withdraw_reason_required",
    400,
    "Cần ghi lý do huỷ ca bệnh (ví dụ: xét nghiệm RT-PCR khẳng định âm tính, nhập nhầm kết quả).",
    "Give the reason for withdrawing the case (for example: negative on confirmatory RT-PCR, a result mistyped).",
)
CASE_RESTORE_CLOSED = ErrorCode(
    "case_restore_closed",
    409,
    "Không khôi phục được ca bệnh đã huỷ này: người này đã có một ca bệnh khác của cùng đợt bệnh.",
    "This withdrawn case cannot be restored: the person has another case of the same illness.",
)
CASE_RESTORE_RESULT_CORRECTED = ErrorCode(
    "case_restore_result_corrected",
    409,
    "Không khôi phục được ca bệnh đã huỷ này: kết quả xét nghiệm đã mở ca nay không còn là dương tính. Nếu kết quả đó "
    "sai, đề nghị phòng xét nghiệm sửa lại trước.",
    "This withdrawn case cannot be restored: the test result that opened it no longer reads positive. If that result "
    "is wrong, have the lab correct it first.",
)
CASE_RESTORE_REASON_REQUIRED = ErrorCode(
    "case_restore_reason_required",
    400,
    "Cần ghi lý do khôi phục ca bệnh đã huỷ (ví dụ: huỷ nhầm ca, kết quả RT-PCR âm tính là của người khác).",
    "Give the reason for restoring the withdrawn case (for example: the wrong case was withdrawn, the negative RT-PCR "
    "was another person's).",
)
CASE_SOURCE_INVALID = ErrorCode(
    "case_source_invalid",
    400,
    "Ca nguồn lây không hợp lệ.",
    "The source case is invalid.",
)
# The cause that applied, told instead of CASE_SOURCE_INVALID's general message (extra["reason"]).
_CASE_SOURCE_CAUSES = {
    "not_found": (
        "Không có ca %(number)s trong địa bàn của bạn: kiểm tra lại mã ca.",
        "There is no case %(number)s in your area: check the case number.",
    ),
    "itself": (
        "Ca nguồn lây không thể là chính ca này (cùng một người).",
        "The source case cannot be this case itself (the same person).",
    ),
    "withdrawn": (
        "Ca %(number)s đã bị huỷ (không phải ca bệnh): không thể là ca nguồn lây.",
        "Case %(number)s was withdrawn (not a case): it cannot be a source.",
    ),
    "loop": (
        "Ca %(number)s đã lây từ ca này (trực tiếp hoặc qua ca khác): ghi nó là ca nguồn sẽ tạo thành vòng lặp.",
        "Case %(number)s was infected from this case (directly or through others): as the source it would make a loop.",
    ),
}


def case_source_invalid(reason: str, number: str = "") -> ApplicationError:
    """CASE_SOURCE_INVALID saying which cause applied: `not_found` (no such case in the official's area),
    `withdrawn`, `itself` or `loop`; `number`, the source case's number as typed or found."""
    vi, en = _CASE_SOURCE_CAUSES[reason]
    extra = {"field": "infected_by", "reason": reason}
    if number:
        extra["value"] = number
    return ApplicationError(CASE_SOURCE_INVALID, extra=extra, vi=vi % {"number": number}, en=en % {"number": number})


CONTACT_STATUS_TRANSITION = ErrorCode(
    "contact_status_transition",
    409,
    "Không thể chuyển người tiếp xúc sang tình trạng này từ tình trạng hiện tại.",
    "The contact cannot move to this status from its current one.",
)
# Moves an official may not make although CONTACT_NEXT allows them from the status (services._contact_refusal).
CONTACT_IS_CASE = ErrorCode(
    "contact_is_case",
    409,
    "Người này đang là ca bệnh F0 đang điều trị: không xác nhận hay cách ly như người tiếp xúc F1.",
    "This person is an F0 under treatment: not confirmed or quarantined as an F1 contact.",
)
CONTACT_NO_STANDING_CASE = ErrorCode(
    "contact_no_standing_case",
    409,
    "Mọi ca bệnh của người tiếp xúc này đã bị huỷ vì không phải ca bệnh: không còn ca nào để xác nhận họ là người "
    "tiếp xúc.",
    "Every case of this contact was withdrawn as not a case: there is no case left to confirm them as a contact of.",
)
CONTACT_UNVERIFIED = ErrorCode(
    "contact_unverified",
    409,
    "Người này chỉ được tìm thấy qua dữ liệu nhà mạng, do cùng trạm phát sóng: cần phỏng vấn xác minh và xác nhận "
    "trước khi cách ly.",
    "This person was found only through telecom records, by a shared cell: verify by interview and confirm them "
    "before quarantine.",
)
CONTACT_DISMISS_REASON_REQUIRED = ErrorCode(
    "contact_dismiss_reason_required",
    400,
    "Cần ghi lý do loại người này khỏi danh sách tiếp xúc.",
    "Give the reason for dismissing this contact.",
)
CONTACT_RELEASE_REASON_REQUIRED = ErrorCode(
    "contact_release_reason_required",
    400,
    "Cần ghi lý do để kết thúc cách ly trước ngày cuối của thời gian cách ly.",
    "Give a reason to end a quarantine before its last day.",
)
# Undoing a release made by mistake (services.contact_release_undo, docs/cases.md "Ending a quarantine early takes a
# reason").
CONTACT_RELEASE_UNDO_CLOSED = ErrorCode(
    "contact_release_undo_closed",
    409,
    "Không thể huỷ việc kết thúc cách ly này nữa.",
    "This release from quarantine can no longer be undone.",
)
CONTACT_RELEASE_UNDO_REASON_REQUIRED = ErrorCode(
    "contact_release_undo_reason_required",
    400,
    "Cần ghi lý do huỷ việc kết thúc cách ly (ví dụ: bấm nhầm người, người này vẫn đang cách ly).",
    "Give the reason for undoing the release (for example: the wrong person was ticked; they are still in quarantine).",
)
# Keeping a dismissal after reviewing the evidence added since (services.contact_dismissal_keep, docs/cases.md "New
# evidence since a dismissal").
CONTACT_NO_NEW_EVIDENCE = ErrorCode(
    "contact_no_new_evidence",
    409,
    "Không có căn cứ mới nào sau khi loại người này: không có gì để xem xét lại.",
    "There is no new evidence since this contact's dismissal: there is nothing to review.",
)
CONTACT_DISMISSAL_KEEP_REASON_REQUIRED = ErrorCode(
    "contact_dismissal_keep_reason_required",
    400,
    "Cần ghi lý do giữ việc loại sau khi xem xét căn cứ mới (ví dụ: đã gọi điện, người này không đến địa điểm đó).",
    "Give the reason for keeping the dismissal after reviewing the new evidence (for example: called them; they "
    "were not at that place).",
)
QUARANTINE_MOVE_REASON_REQUIRED = ErrorCode(
    "quarantine_move_reason_required",
    400,
    "Cần ghi lý do sửa ngày bắt đầu cách ly (ví dụ: F1 đã tự cách ly tại nhà từ ngày đó).",
    "Give the reason for correcting the quarantine start (for example: the F1 had been in home quarantine since then).",
)
CONTACTS_NONE_SELECTED = ErrorCode(
    "contacts_none_selected",
    400,
    "Chưa chọn người tiếp xúc nào: đánh dấu ít nhất một người trong danh sách.",
    "No contact was selected: tick at least one in the list.",
)
CONTACTS_TOO_MANY = ErrorCode(
    "contacts_too_many",
    400,
    "Chọn quá nhiều người tiếp xúc cho một lần; hãy chia thành nhiều lần.",
    "Too many contacts selected at once; do it in several goes.",
)
QUARANTINE_DATE_INVALID = ErrorCode(
    "quarantine_date_invalid",
    400,
    "Ngày bắt đầu cách ly không hợp lệ (không được ở tương lai hay trước ngày tiếp xúc đầu tiên).",
    "The quarantine start date is invalid (not in the future, nor before the first exposure).",
)
# RULES.md §2: counted from the last exposure, an F1 found after the rule's days has none left to serve.
QUARANTINE_PERIOD_OVER = ErrorCode(
    "quarantine_period_over",
    409,
    "Đã hết thời gian cách ly theo quy định, tính từ lần tiếp xúc cuối.",
    "The rule's quarantine, counted from the last exposure, is already over.",
)
QUARANTINE_RULE_MISSING = ErrorCode(
    "quarantine_rule_missing",
    409,
    "Chưa có quy định về thời gian cách ly áp dụng cho ngày bắt đầu này; quản trị viên cần thêm quy định.",
    "No quarantine rule is in force on this start date; an administrator must add one.",
)
INVALID_CLUSTER = ErrorCode(
    "invalid_cluster",
    400,
    "Thông tin ổ dịch không hợp lệ.",
    "The cluster details are invalid.",
)
# A case already in a cluster is put in another only when the official confirms the move out of it
# (services.case_update's `cluster_move_from`): on the walk-through of 2026-12 a case left its cluster unsaid.
CASE_IN_OTHER_CLUSTER = ErrorCode(
    "case_in_other_cluster",
    409,
    "Ca bệnh đang thuộc một ổ dịch khác.",
    "The case is in another cluster.",
)


def case_in_other_cluster(number: str, cluster=None) -> ApplicationError:
    """CASE_IN_OTHER_CLUSTER naming the cluster the case is in when the official may see it (`cluster`), else not:
    then the case cannot be moved by this official at all."""
    if cluster is None:
        return ApplicationError(
            CASE_IN_OTHER_CLUSTER,
            extra={"case": number, "field": "cluster", "movable": False},
            vi=f"Ca {number} đang thuộc một ổ dịch mà bạn không được xem: bạn không thể chuyển ca ra khỏi ổ dịch đó.",
            en=f"Case {number} is in a cluster you may not see: you cannot move it out of that cluster.",
        )
    return ApplicationError(
        CASE_IN_OTHER_CLUSTER,
        extra={
            "case": number,
            "field": "cluster",
            "movable": True,
            "cluster": cluster.pk,
            "cluster_name": cluster.name,
        },
        vi=f"Ca {number} đang thuộc ổ dịch “{cluster.name}”. Để chuyển ca sang ổ dịch này, hãy đánh dấu xác nhận "
        f"chuyển ca khỏi ổ dịch “{cluster.name}” rồi gửi lại.",
        en=f"Case {number} is in the cluster “{cluster.name}”. To move it to this cluster, tick to confirm moving it "
        f"out of “{cluster.name}” and send again.",
    )


CASES_INVALID_FILTER = ErrorCode(
    "cases_invalid_filter",
    400,
    "Bộ lọc không hợp lệ (tình trạng, cấp, địa bàn hoặc ngày).",
    "Invalid filter (status, level, area or date).",
)


def invalid_filter(*names: str, **refused) -> ApplicationError:
    """cases_invalid_filter in its one shape: `extra.fields` names the filters refused, and `extra.<name>` gives the
    value refused where one was read (the pages' forms name the field only). Until 2026-12-07 a bad date gave
    `fields` and a bad status or area their value alone."""
    return ApplicationError(CASES_INVALID_FILTER, extra={"fields": sorted({*names, *refused}), **refused})


# Adding an F2 named in an F1's interview (services.contact_interview_f2_add, docs/cases.md "Contacts named in an F1's
# interview").
F2_NOT_TRACED = ErrorCode(
    "f2_not_traced",
    409,
    "Tỉnh chỉ ghi nhận người tiếp xúc đến F1 (TRACING_MAX_LEVEL = 1): không thêm F2.",
    "Contacts are recorded down to F1 only here (TRACING_MAX_LEVEL = 1): no F2 is added.",
)
CONTACT_NOT_F1 = ErrorCode(
    "contact_not_f1",
    409,
    "Người này không phải F1: chỉ thêm F2 từ lời khai của một F1.",
    "This contact is not an F1: an F2 is added only from an F1's interview.",
)
CONTACT_F1_CLOSED = ErrorCode(
    "contact_f1_closed",
    409,
    "F1 này không còn được theo dõi: không thêm F2 qua họ.",
    "This F1 is no longer followed: no F2 is added through them.",
)
# The status that closed the F1, told instead of CONTACT_F1_CLOSED's general message (extra["status"]).
_F1_CLOSED_CAUSES = {
    "dismissed": (
        "F1 này đã bị loại khỏi danh sách tiếp xúc (lý do: %(reason)s): họ không phải F1, nên người họ gặp không phải "
        "F2.",
        "This F1 was dismissed as a contact (reason: %(reason)s): not an F1, so the people they met are not F2.",
    ),
    "released": (
        "F1 này đã kết thúc cách ly: hồ sơ đã đóng, không thêm F2 qua họ nữa.",
        "This F1 was released from quarantine: the record is closed, no F2 is added through them any more.",
    ),
    "became_case": (
        "Người này đã trở thành ca bệnh (F0): ghi người tiếp xúc của họ là F1 trong phần phỏng vấn của ca bệnh đó.",
        "This person became a case (F0): enter their contacts as F1 in that case's interview.",
    ),
    "case_withdrawn": (
        "Không còn bằng chứng nào đứng vững cho F1 này (ca bệnh đã bị huỷ, hoặc truy vết lại không còn thấy họ): "
        "không thêm F2 qua họ.",
        "No standing evidence is left for this F1 (its cases were withdrawn, or a new trace no longer finds them): "
        "no F2 is added through them.",
    ),
}


def contact_f1_closed(status: str, reason: str = "") -> ApplicationError:
    """CONTACT_F1_CLOSED saying which status closed the F1 (`reason`: a dismissal's)."""
    if status not in _F1_CLOSED_CAUSES:
        return ApplicationError(CONTACT_F1_CLOSED, extra={"status": status})
    vi, en = _F1_CLOSED_CAUSES[status]
    return ApplicationError(
        CONTACT_F1_CLOSED, extra={"status": status}, vi=vi % {"reason": reason}, en=en % {"reason": reason}
    )


# The person an F1's interview names refused as its F2 (services._f2_cases): named only when the official may see
# the case, else refused without saying why (`not_addable`): neither the case nor that the person is one.
_F2_NOT_ADDABLE = (
    "Không thể ghi người này là F2 của F1 này. Nếu cần, hãy liên hệ trạm y tế nơi người này cư trú.",
    "This person cannot be added as an F2 of this F1. If needed, contact the health station where they live.",
)


def f2_person_is_case(number: str | None) -> ApplicationError:
    """INVALID_CONTACT for a person who is a case the F1 is a contact of: `number`, that case's when the official may
    see it, else None (`extra.reason` `not_addable`, no number)."""
    if number is None:
        vi, en = _F2_NOT_ADDABLE
        return ApplicationError(INVALID_CONTACT, extra={"field": "person", "reason": "not_addable"}, vi=vi, en=en)
    return ApplicationError(
        INVALID_CONTACT,
        extra={"field": "person", "reason": "case", "case": number},
        vi=f"Người này là ca bệnh {number}, mà F1 này là người tiếp xúc của ca đó: không thể là F2 của F1.",
        en=f"This person is case {number}, whom this F1 is a contact of: not an F2 of this F1.",
    )


def f2_already_f1(numbers: list[str]) -> ApplicationError:
    """INVALID_CONTACT for a person already an F1 of every case the F1 passes an F2 on to: `numbers`, those of the
    cases the official may see (none: `extra.reason` `not_addable`, no number)."""
    if not numbers:
        vi, en = _F2_NOT_ADDABLE
        return ApplicationError(INVALID_CONTACT, extra={"field": "person", "reason": "not_addable"}, vi=vi, en=en)
    named = ", ".join(numbers)
    return ApplicationError(
        INVALID_CONTACT,
        extra={"field": "person", "reason": "already_f1", "cases": numbers},
        vi=f"Người này đã là F1 của {named}: không thêm là F2 của cùng ca bệnh.",
        en=f"This person is already an F1 of {named}: not added as an F2 of the same case.",
    )
