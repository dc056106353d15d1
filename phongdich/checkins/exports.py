"""The check-in list as a spreadsheet, built in the background (core.exports) with the requester's scope and
columns: names, years of birth and phones for officials who see people, initials for venue staff (as on the page:
selectors.viewer_sees_people)."""

from django.utils import timezone
from django.utils.translation import gettext

from phongdich.core import errors as core_errors
from phongdich.core.audit import audit_record
from phongdich.core.errors import ApplicationError
from phongdich.core.exports import ExportPlan
from phongdich.people.validation import phone_national
from phongdich.venues.selectors import venue_list, venues_of_user

from . import selectors
from .forms import CheckinFilterForm

CHECKINS_EXPORT = "checkins.list"
FILTERS = ("venue", "venue_query", "start", "end")
# An export is for a venue or a few days: a province's month of check-ins is millions of rows nobody reads, and
# the file would fill the disk it waits on (EXPORT_DIR). Past this the page asks for narrower filters.
EXPORT_MAX_ROWS = 100_000

HEADER = [
    "ID",
    "Giờ vào / Time in",
    "Giờ ra / Time out",
    "Địa điểm / Venue",
    "Cổng / Entrance",
    "Họ tên / Name",
    "Năm sinh / Year of birth",
    "Điện thoại / Phone",
    "Cách ghi nhận / Source",
    "Triệu chứng / Symptoms",
    "Tiếp xúc / Contact",
    "Đi lại / Travel",
]


def filtered_checkins(*, viewer, params):
    """(form, check-ins) of the list's filters for `viewer`; an invalid form selects nothing."""
    venues = venue_list(viewer=viewer).order_by("name_folded", "id")
    form = CheckinFilterForm(params or None, venues=venues)
    if form.is_bound and not form.is_valid():
        return form, selectors.checkin_list(viewer=viewer).none()
    start, end = form.period() if form.is_bound else (None, None)
    venue = form.cleaned_data.get("venue") if form.is_bound else None
    return form, selectors.checkin_list(viewer=viewer, venue=venue, start=start, end=end)


def member_venue_ids(user) -> list[int]:
    """The venues whose check-ins a user gets as their member (checkins_visible_q): an export of them is served only
    while they still belong to them (core.exports.exports_allowed)."""
    return list(venues_of_user(user=user).order_by().values_list("pk", flat=True))


def checkins_export_plan(user, params: dict) -> ExportPlan:
    form, checkins = filtered_checkins(viewer=user, params=params)
    if form.is_bound and not form.is_valid():
        raise ApplicationError(core_errors.INVALID_INPUT, extra={"fields": list(form.errors)})
    total = checkins.count()
    audit_record(
        actor=user,
        action="checkins.checkin.exported",
        extra={"rows": total, "filters": {key: params.get(key, "") for key in FILTERS}},
    )
    return ExportPlan(
        filename=f"checkins-{timezone.localdate():%Y%m%d}.xlsx",
        total=total,
        sheets=[("Check-ins", HEADER, _rows(checkins, full=selectors.viewer_sees_people(user)))],
    )


def _rows(checkins, *, full: bool):
    for checkin in checkins.iterator(chunk_size=2000):
        yield [
            checkin.pk,
            checkin.checked_in_at,
            checkin.checked_out_at,
            checkin.venue.name,
            checkin.code.label if checkin.code else "",
            checkin.person.full_name if full else checkin.person.initials,
            checkin.person.birth_year if full else None,
            phone_national(checkin.person.phone) if full else "",
            checkin.get_source_display(),
            _yes_no(checkin.has_symptoms),
            _yes_no(checkin.had_contact),
            _yes_no(checkin.travelled),
        ]


def _yes_no(value) -> str:
    """In the requester's language, like the source column (core.exports builds the file under it)."""
    if value is None:
        return ""
    return gettext("Yes") if value else gettext("No")
