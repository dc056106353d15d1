"""The work list as a spreadsheet, built in the background (core.exports): every contact the filters select, however
many, with the requester's scope at the time the file is built."""

import datetime as dt
from itertools import islice

from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext

from phongdich.accounts.permissions import PEOPLE_ROLES, has_role
from phongdich.core import errors as core_errors
from phongdich.core.audit import audit_record
from phongdich.core.errors import ApplicationError
from phongdich.core.exports import ExportPlan
from phongdich.core.text import duration_text
from phongdich.geo.forms import typed_area_text
from phongdich.geo.models import Area
from phongdich.people.validation import phone_national

from . import errors, forms, selectors
from .models import Contact, ContactLink

WORKLIST_EXPORT = "cases.worklist"
_CHUNK = 2000  # contacts read, and their case numbers looked up, at a time

WORKLIST_HEADER = [
    "Xã/phường (Commune)",
    "Cấp (Level)",
    "Họ tên (Name)",
    "Năm sinh (Born)",
    "Điện thoại (Phone)",
    "CCCD (Citizen ID)",
    "Địa chỉ (Address)",
    "Tình trạng (Status)",
    "Ca bệnh, cấp (Cases, level)",
    "Tiếp xúc đầu (First exposure)",
    "Ở đâu, vì sao: lần đầu (Where, why: first)",
    "Tiếp xúc cuối (Last exposure)",
    "Ở đâu, vì sao: gần nhất (Where, why: most recent)",
    "Cách ly từ (Quarantine from)",
    "Cách ly đến hết ngày (Quarantine through)",  # the last day in it: quarantine_end - 1 (exclusive end)
    "Xét nghiệm (Test)",
    "Tự theo dõi sức khỏe đến hết ngày (Self-monitoring through)",
    # A dismissed contact's evidence added since the dismissal (selectors.dismissed_new_evidence); empty otherwise.
    "Căn cứ mới sau khi loại (New evidence since the dismissal)",
]


def worklist_filters(*, viewer, params):
    """The work list's filters (a query dict) checked for `viewer`: (form, area, values). Raises ApplicationError: no
    role to see people (403), a filter out of range (400), or an area typed that names none or several of the
    viewer's areas (area_not_chosen, 400: the page answers its form again)."""
    if not has_role(viewer, *PEOPLE_ROLES):
        raise ApplicationError(core_errors.PERMISSION_DENIED)
    form = forms.WorklistFilterForm(params or None)
    if form.is_bound and not form.is_valid():
        raise errors.invalid_filter(*form.errors)
    values = form.cleaned_data if form.is_bound else {}
    area_text = typed_area_text(params or {}, values)
    area = selectors.filter_area(viewer=viewer, area_id=values.get("area"), area_text=area_text)
    return form, area, values


def worklist_query(*, viewer, params, follow_up=None):
    """The work list's filters (a query dict) checked and applied for `viewer`: (form, area, contacts, values).
    `follow_up`: selectors.worklist_follow_up of the same filters, when the caller has it. Raises ApplicationError
    as worklist_filters."""
    form, area, values = worklist_filters(viewer=viewer, params=params)
    return form, area, worklist_contacts(viewer=viewer, area=area, values=values, follow_up=follow_up), values


def worklist_contacts(*, viewer, area, values, follow_up=None):
    """The contacts the work list's checked filters (worklist_filters' area and values) select for `viewer`."""
    return selectors.contact_worklist(
        viewer=viewer,
        area=area,
        level=values.get("level") or None,
        status=values.get("status") or "open",
        follow_up=follow_up,
    )


def commune_names(paths) -> dict[str, str]:
    """Area path → the name of the area itself (a commune, or a village under one)."""
    names = dict(Area.objects.filter(path__in=set(paths)).values_list("path", "name"))
    return {path: names.get(path, path) for path in paths}


def worklist_export_plan(user, params: dict) -> ExportPlan:
    """The export's rows, read in chunks as the file is written; audited as `cases.contact.exported` with the
    number of rows."""
    _form, area, contacts, values = worklist_query(viewer=user, params=params)
    total = contacts.count()
    audit_record(
        actor=user,
        action="cases.contact.exported",
        extra={"status": values.get("status") or "open", "area": area.path if area else "", "rows": total},
    )
    return ExportPlan(
        filename=f"danh-sach-tiep-xuc-{timezone.localdate():%Y%m%d}.xlsx",
        total=total,
        sheets=[("F1-F2", WORKLIST_HEADER, _worklist_rows(contacts, viewer=user))],
    )


def _worklist_rows(contacts, *, viewer):
    statuses = dict(Contact.Status.choices)
    found = contacts.iterator(chunk_size=_CHUNK)
    while chunk := list(islice(found, _CHUNK)):
        ids = [c.pk for c in chunk]
        case_levels = selectors.worklist_case_levels(ids)
        evidence = selectors.worklist_evidence(chunk)
        names = commune_names({c.area_path for c in chunk})
        schedules = selectors.quarantine_schedules(chunk)
        new_evidence = selectors.dismissed_new_evidence(viewer=viewer, contacts=chunk)
        for c in chunk:
            said = evidence.get(c.pk) or selectors.WorklistEvidence()
            schedule = schedules.get(c.pk)
            yield [
                names[c.area_path],
                f"F{c.level}",
                c.person.full_name,
                c.person.birth_year,
                phone_national(c.person.phone),
                c.person.citizen_id,
                c.person.address_street,
                str(statuses.get(c.status, c.status)),
                ", ".join(f"{number} (F{level})" for number, level in case_levels.get(c.pk, [])),
                c.first_exposure_at,
                where_and_why(said.first),
                c.last_exposure_at,
                where_and_why(said.last),
                c.quarantine_start,
                c.quarantine_last_day,
                scheduled_test_text(schedule),
                schedule.monitoring_until if schedule is not None and schedule.quarantine_over else None,
                new_evidence_text(new_evidence.get(c.pk, [])),
            ]


def new_evidence_text(found) -> str:
    """A dismissed contact's evidence added since the dismissal (selectors.NewEvidence), for the export: "BN-38-000001
    (F1), 07/12/2026 10:05"; a case outside the requester's area without its number ("một ca ở địa bàn khác")."""
    said = []
    for one in found:
        case = one.case or gettext("a case of another area")
        at = date_format(timezone.localtime(one.created_at), "d/m/Y H:i")
        said.append(f"{case} (F{one.level}), {at}")
    return "; ".join(said)


def scheduled_test_text(schedule) -> str:
    """The test a row shows (selectors.QuarantineSchedule.shown), in the page's language: "Ngày 7 (07/12/2026): quá
    hạn, chưa làm", "Ngày tự theo dõi 7 (…): …"; empty without a schedule or a test to show."""
    test = schedule.shown if schedule is not None else None
    if test is None:
        return ""
    if test.during_monitoring:
        said = gettext("Monitoring day %(days)s (%(date)s): %(state)s")
    else:
        said = gettext("Day %(days)s (%(date)s): %(state)s")
    text = said % {"days": test.days_text, "date": date_format(test.on, "d/m/Y"), "state": test.state_label}
    if test.late:
        text += " " + gettext("(sample of %(date)s)") % {"date": date_format(test.sampled_on, "d/m/Y")}
    return text


def _time_text(at: dt.datetime, since: dt.datetime | None = None) -> str:
    """ "05/12/2026 19:04", or "19:04" on the day of `since`."""
    at = timezone.localtime(at)
    same_day = since is not None and at.date() == timezone.localtime(since).date()
    return date_format(at, "H:i" if same_day else "d/m/Y H:i")


def where_and_why(link: ContactLink | None) -> str:
    """What the caller can tell the person: "Cùng địa điểm: Chợ Kim Tân, 05/12/2026 10:00–11:30, trùng 1 giờ 30 phút",
    or "Cùng hộ gia đình" for evidence with neither place nor time. Evidence of several visits gives the first and
    the last apart ("2 lần: lần đầu từ 03/12/2026 17:20, lần cuối đến 06/12/2026 13:42"), not one span that reads
    like a stay of days. Evidence of a further level says it came through an F1 ("Cùng địa điểm, qua một F1: …"), as
    the contact page does, but with no name: the person it came through may live outside the requester's area."""
    if link is None:
        return ""
    said = [link.place] if link.place else []
    start, end = link.exposure_start, link.exposure_end
    if start and link.occasions > 1 and end:
        said.append(
            gettext("%(n)s occasions: the first from %(start)s, the last until %(end)s")
            % {"n": link.occasions, "start": _time_text(start), "end": _time_text(end, since=start)}
        )
    elif start:
        said.append(_time_text(start) + (f"–{_time_text(end, since=start)}" if end else ""))
    elif link.occasions > 1:
        said.append(gettext("%(n)s occasions") % {"n": link.occasions})
    if start and end and link.end_assumed:
        said[-1] += f" ({gettext('end assumed')})"
    if link.overlap_minutes:
        said.append(f"{gettext('overlap')} {duration_text(link.overlap_minutes)}")
    kind = str(ContactLink.Setting(link.setting).label) if link.setting in ContactLink.Setting.values else link.setting
    if link.level > 1:
        kind += ", " + gettext("through an F%(level)s") % {"level": link.level - 1}
    return f"{kind}: {', '.join(said)}" if said else kind
