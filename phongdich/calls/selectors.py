"""Reads of the robot-call domain, scoped like the cases they come from (cases.selectors.cases_visible_q: roles
that see people, the viewer's area subtree; anything else answers not_found).

The list of a campaign's calls shows phones masked and people by initials; the full list is a read of personal
data and is audited (`calls.campaign.numbers_viewed`), as is the export.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from phongdich.cases.selectors import cases_visible_q, viewer_sees
from phongdich.core import errors as core_errors
from phongdich.core.audit import audit_record
from phongdich.core.errors import ApplicationError
from phongdich.core.ids import id_or_404
from phongdich.telecom.selectors import mask_phone, sees_full_phones

from .models import Call, CallCampaign


def campaigns_visible(viewer) -> QuerySet[CallCampaign]:
    return CallCampaign.objects.filter(cases_visible_q(viewer))


def campaign_list(*, viewer, status: str = "") -> QuerySet[CallCampaign]:
    """The campaigns of the viewer's area, newest first (no personal data: case numbers and counts)."""
    campaigns = campaigns_visible(viewer)
    if status in CallCampaign.Status.values:
        campaigns = campaigns.filter(status=status)
    return campaigns.select_related("case", "created_by").order_by("-created_at", "-id")


def campaign_get(*, viewer, campaign_id) -> CallCampaign:
    campaign = campaigns_visible(viewer).select_related("case", "created_by").filter(pk=id_or_404(campaign_id)).first()
    if campaign is None:
        raise ApplicationError(core_errors.NOT_FOUND)
    return campaign


@dataclass
class Progress:
    """A campaign's calls by where they stand (the campaign page's counts)."""

    total: int = 0
    waiting: int = 0  # queued, or waiting for a retry
    dialing: int = 0
    present: int = 0
    not_present: int = 0
    no_choice: int = 0
    unreachable: int = 0  # no answer or busy after all tries
    failed: int = 0  # failed after all tries
    cancelled: int = 0

    @property
    def done(self) -> int:
        return self.present + self.not_present + self.no_choice + self.unreachable + self.failed + self.cancelled


def campaign_progress_many(campaign_ids) -> dict[int, Progress]:
    result: dict[int, Progress] = defaultdict(Progress)
    rows = (
        Call.objects.filter(campaign_id__in=list(campaign_ids))
        .values("campaign_id", "status", "outcome")
        .annotate(n=Count("id"), waiting=Count("id", filter=Call.waiting_q()))
        .order_by()
    )
    for row in rows:
        progress, n, waiting = result[row["campaign_id"]], row["n"], row["waiting"]
        progress.total += n
        progress.waiting += waiting
        status = row["status"]
        if status == Call.Status.DIALING:
            progress.dialing += n
        elif status == Call.Status.ANSWERED:
            name = row["outcome"] or Call.Outcome.NO_CHOICE
            setattr(progress, name, getattr(progress, name) + n)
        elif status == Call.Status.CANCELLED:
            progress.cancelled += n
        elif status in (Call.Status.NO_ANSWER, Call.Status.BUSY):
            progress.unreachable += n - waiting
        elif status == Call.Status.FAILED:
            progress.failed += n - waiting
    return result


def campaign_progress(campaign: CallCampaign) -> Progress:
    return campaign_progress_many([campaign.pk])[campaign.pk]


STATUS_FILTERS = ("", "waiting", "dialing", "present", "not_present", "no_choice", "unreachable", "failed", "cancelled")


def _status_q(status: str) -> Q:
    return {
        "": Q(),
        "waiting": Call.waiting_q(),
        "dialing": Q(status=Call.Status.DIALING),
        "present": Q(outcome=Call.Outcome.PRESENT),
        "not_present": Q(outcome=Call.Outcome.NOT_PRESENT),
        "no_choice": Q(outcome=Call.Outcome.NO_CHOICE),
        "unreachable": Q(status__in=[Call.Status.NO_ANSWER, Call.Status.BUSY]) & ~Call.waiting_q(),
        "failed": Q(status=Call.Status.FAILED) & ~Call.waiting_q(),
        "cancelled": Q(status=Call.Status.CANCELLED),
    }.get(status, Q())


def campaign_calls(*, campaign: CallCampaign, status: str = "") -> QuerySet[Call]:
    """A campaign's calls (already scoped through campaign_get), in the order they were built."""
    return campaign.calls.filter(_status_q(status)).select_related("person", "contact").order_by("id")


def call_rows(*, viewer, campaign: CallCampaign, calls, full: bool = False, ip: str | None = None) -> list[dict]:
    """Calls as the page and the API show them: phones masked and people by initials, unless `full` (audited as
    `calls.campaign.numbers_viewed`, with how many rows). Even then, a person living outside the viewer's area
    stays masked, as on the case page (a district's campaign is seen by each of its communes); the numbers of
    unknown subscribers stay masked for viewers who may not read telecom numbers (sees_full_phones)."""
    calls = list(calls)
    if full and calls:
        audit_record(
            actor=viewer,
            action="calls.campaign.numbers_viewed",
            obj=campaign,
            area_path=campaign.area_path,
            ip=ip,
            extra={"calls": len(calls), "ids": [call.pk for call in calls[:200]]},
        )
    telecom_full = full and sees_full_phones(viewer)
    rows = []
    for call in calls:
        person = call.person
        shown = _shown(viewer, call, full=full, telecom_full=telecom_full)
        rows.append(
            {
                "call": call,
                "phone": call.phone if shown else mask_phone(call.phone),
                "person": (person.full_name if shown else person.initials) if person is not None else "",
                "contact_id": call.contact_id if shown else None,
            }
        )
    return rows


def _shown(viewer, call: Call, *, full: bool, telecom_full: bool) -> bool:
    """Whether a call's number and name are shown in full to this viewer."""
    if call.source == Call.Source.TELECOM:
        return telecom_full
    if call.person is None:
        return full
    return full and viewer_sees(viewer, call.person.area_path)


def call_results_for_contact(*, contact, viewer=None) -> list[Call]:
    """The robot calls answered by a contact (the contact page shows them: present, not present, no choice); the
    contact page has already scoped and audited the contact. `campaign_visible` says whether the viewer may open
    the campaign (it belongs to the case's area, which may not be the contact's)."""
    calls = list(
        Call.objects.filter(contact=contact, status=Call.Status.ANSWERED)
        .select_related("campaign__case")
        .order_by("-result_at", "-id")
    )
    for call in calls:
        call.campaign_visible = viewer is not None and viewer_sees(viewer, call.campaign.area_path)
    return calls


def export_rows(*, viewer, campaign: CallCampaign, ip: str | None = None) -> list[list]:
    """The calls of a campaign with their results, for the spreadsheet (full numbers and names, to follow the
    people up: audited as `calls.campaign.exported`; people outside the viewer's area and unknown subscribers'
    numbers masked as in call_rows)."""
    audit_record(
        actor=viewer,
        action="calls.campaign.exported",
        obj=campaign,
        area_path=campaign.area_path,
        ip=ip,
        extra={"calls": campaign.calls.count()},
    )
    telecom_full = sees_full_phones(viewer)
    rows = []
    for call in campaign_calls(campaign=campaign):
        shown = _shown(viewer, call, full=True, telecom_full=telecom_full)
        rows.append(
            [
                call.pk,
                _national(call.phone) if shown else mask_phone(call.phone),
                (call.person.full_name if shown else call.person.initials) if call.person else "",
                f"F{call.level}" if call.level else call.get_source_display(),
                call.place,
                call.exposure_start,
                call.exposure_end,
                call.get_status_display(),
                call.get_stop_reason_display() if call.stop_reason else "",
                call.attempts,
                call.get_outcome_display() if call.outcome else "",
                call.key,
                call.result_at,
                "x" if call.sms_id else "",
            ]
        )
    return rows


def _national(phone: str) -> str:
    """ "+84912345678" -> "0912345678": the form officials dial."""
    return "0" + phone[3:] if phone.startswith("+84") else phone
