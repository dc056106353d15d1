"""Writes of the robot-call domain: building a campaign from a case, starting, pausing and cancelling it,
placing the due calls (the dispatcher, beat every minute), and writing each call's result, from the switchboard
(signed callback) or from call-centre staff (outbox switchboard).

Every write runs in one transaction and writes the audit record. The script read to a person names a place and a
time only, never the case or any person (call_script).
"""

import datetime as dt
import hashlib
import hmac
import zoneinfo
from dataclasses import dataclass, field

import phonenumbers
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, Min, OuterRef, Q
from django.utils import timezone, translation

from phongdich.accounts.permissions import PEOPLE_ROLES, has_role
from phongdich.cases.models import OPEN_CONTACT_STATUSES, Case, Contact, ContactLink
from phongdich.cases.selectors import cases_visible_q, viewer_sees
from phongdich.cases.services import case_refuse_if_withdrawn
from phongdich.core import errors as core_errors
from phongdich.core.audit import audit_record
from phongdich.core.errors import ApplicationError
from phongdich.core.ids import id_or_404

from . import backends, errors
from .models import Call, CallCampaign

# The script the switchboard reads (a text-to-speech voice) to each target, with its place and time. It names no
# case and no person: only where and when (the 2021 calls read "Quý vị có thể đã có mặt tại ... lúc ...").
DEFAULT_SCRIPT = (
    "Đây là cuộc gọi tự động của ngành Y tế. Quý vị có thể đã có mặt tại {place} {time}, nơi có {who}. "
    "Nếu đúng, xin nhấn phím 1. Nếu không, xin nhấn phím 2."
)
# Who was there: an F2 met an F1 (a person exposed to a case, not known to be infected), not the case itself; an F3
# or further met someone further down the chain.
WHO_BY_LEVEL = {
    1: "người mắc COVID-19",
    2: "người tiếp xúc gần với người mắc COVID-19",
    3: "người có liên quan đến người mắc COVID-19",
}
# When a target's evidence has no place that may be read out (an interview's own words may name people), the
# kind of setting is read instead.
SETTING_PLACES = {
    ContactLink.Setting.HOUSEHOLD: "nơi ở của quý vị",
    ContactLink.Setting.WORKPLACE: "nơi làm việc hoặc học tập của quý vị",
    ContactLink.Setting.TRANSPORT: "một phương tiện giao thông",
    ContactLink.Setting.VENUE: "một địa điểm công cộng",
    ContactLink.Setting.CELL: "một khu vực",
    ContactLink.Setting.OTHER: "một địa điểm",
}
# The SMS to a person who pressed 1: unaccented once sent (SMS_WITHOUT_DIACRITICS), one part of 160 characters
# with the default SITE_URL (a test checks); it asks for a health declaration at the site's address.
SMS_TEXT = (
    "Nganh Y te: quy vi co the co nguy co lay nhiem COVID-19. Vui long khai bao y te ngay tai {url} va theo doi "
    "suc khoe."
)
SMS_KIND = "robot_call"

TARGET_KINDS = ("f1_candidates", "f1_confirmed", "f2", "telecom")

# Why a contact's call stops once the contact is no longer open (cases.models.OPEN_CONTACT_STATUSES): dismissed by
# an official, a case now, released, or every case of theirs withdrawn. Nobody is told "you may have been where a
# case was" after that.
CONTACT_STOP_REASONS = {
    Contact.Status.DISMISSED: Call.StopReason.CONTACT_DISMISSED,
    Contact.Status.BECAME_CASE: Call.StopReason.CONTACT_BECAME_CASE,
    Contact.Status.RELEASED: Call.StopReason.CONTACT_RELEASED,
    Contact.Status.CASE_WITHDRAWN: Call.StopReason.CONTACT_CASE_WITHDRAWN,
}
CLOSED_CONTACT_STATUSES = tuple(status for status in Contact.Status.values if status not in OPEN_CONTACT_STATUSES)
# The reasons that are the contact's own: a contact open again (a dismissal undone, a false-positive case withdrawn,
# a new case meeting a released contact) undoes them (_calls_of_reopened_contacts_rearm). Not the campaign's, the
# case's, nor retention's.
CONTACT_OWN_STOP_REASONS = (*CONTACT_STOP_REASONS.values(), Call.StopReason.CONTACT_CLOSED)


# --- Phones, script and calling hours ------------------------------------------------------------------------


def phone_e164(raw: str) -> str | None:
    """A Vietnamese number in E.164, read with `phonenumbers` (region VN); None when it is not a valid Vietnamese
    number (landlines are valid: a switchboard calls them too)."""
    try:
        number = phonenumbers.parse(str(raw or ""), "VN")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number) or phonenumbers.region_code_for_number(number) != "VN":
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _local(value: dt.datetime) -> dt.datetime:
    return timezone.localtime(value, zoneinfo.ZoneInfo(settings.CALLS_TIME_ZONE))


def time_text(start: dt.datetime | None, end: dt.datetime | None) -> str:
    """When, as the voice reads it: "từ 09:00 đến 10:30 ngày 14/09/2021"; "" when the evidence has no time."""
    if start is None:
        return ""
    start = _local(start)
    if end is None or end <= start:
        return f"lúc {start:%H:%M} ngày {start:%d/%m/%Y}"
    end = _local(end)
    if start.date() == end.date():
        return f"từ {start:%H:%M} đến {end:%H:%M} ngày {start:%d/%m/%Y}"
    return f"từ {start:%H:%M} ngày {start:%d/%m/%Y} đến {end:%H:%M} ngày {end:%d/%m/%Y}"


def call_script(template: str, *, place: str, start, end, level: int | None = None) -> str:
    """The text read to one target: the campaign's template with its place, time and who was there, by the
    target's level for the case (None: an unknown subscriber who shared a cell with the case; never a name)."""
    who = WHO_BY_LEVEL[min(max(level or 1, 1), 3)]
    text = (template or DEFAULT_SCRIPT).replace("{place}", place or "một địa điểm")
    text = text.replace("{time}", time_text(start, end)).replace("{who}", who)
    return " ".join(text.split()).replace(" ,", ",")


def calling_hours() -> tuple[dt.time, dt.time]:
    """CALLS_HOURS ("07:30-20:30") as two times (checked at start-up by calls.checks)."""
    first, last = settings.CALLS_HOURS.replace("–", "-").split("-")
    return dt.time.fromisoformat(first.strip()), dt.time.fromisoformat(last.strip())


def within_calling_hours(now: dt.datetime) -> bool:
    first, last = calling_hours()
    return first <= _local(now).time() < last


# --- Calls that must not go on -------------------------------------------------------------------------------


def contact_stop_reason(status: str | None) -> str:
    """Why a call to a contact with this status stops; "" while the contact is open (or for no contact)."""
    if status is None or status in OPEN_CONTACT_STATUSES:
        return ""
    return CONTACT_STOP_REASONS.get(status, Call.StopReason.CONTACT_CLOSED)


def _closed_contacts(calls) -> dict[int, str]:
    """{contact id: stop reason} for the contacts of `calls` no longer open: one query for a whole batch."""
    ids = {call.contact_id for call in calls if call.contact_id}
    if not ids:
        return {}
    rows = Contact.objects.filter(pk__in=ids, status__in=CLOSED_CONTACT_STATUSES).values_list("pk", "status")
    return {pk: contact_stop_reason(status) for pk, status in rows}


def call_stop_reason(call: Call) -> str:
    """Why `call` must not go on now, as the database has it (one query): its case was withdrawn, or its contact is
    no longer open; "" when it may."""
    case_status, contact_status = (
        Call.objects.filter(pk=call.pk).values_list("campaign__case__status", "contact__status").get()
    )
    if case_status == Case.Status.WITHDRAWN:
        return Call.StopReason.CASE_WITHDRAWN
    return contact_stop_reason(contact_status)


def _stop_reason_label(reason: str, language: str) -> str:
    with translation.override(language):
        return str(Call.StopReason(reason).label)


def call_cancelled_error(call: Call) -> ApplicationError:
    """calls_call_cancelled, naming why in both languages (the operator who dialled it is told)."""
    reason = call.stop_reason
    if not reason:
        return ApplicationError(errors.CALL_CANCELLED, extra={"reason": ""})
    return ApplicationError(
        errors.CALL_CANCELLED,
        extra={"reason": reason},
        vi=f"Cuộc gọi này đã bị hủy ({_stop_reason_label(reason, 'vi')}): không ghi kết quả và không gửi tin nhắn.",
        en=f"This call was cancelled ({_stop_reason_label(reason, 'en')}): no result is recorded and no SMS is sent.",
    )


def _calls_cancel(calls, reason: str) -> int:
    """Cancel, with `reason`, every call of `calls` not placed and every one handed to staff: nobody is to call
    them now. A call the switchboard is dialling keeps its result when it comes, without a retry (_after_attempt)."""
    return calls.filter(
        Call.waiting_q()
        | Q(status=Call.Status.QUEUED)
        | Q(status=Call.Status.DIALING, placed_via=Call.PlacedVia.OUTBOX)
    ).update(status=Call.Status.CANCELLED, next_attempt_at=None, parked_next_attempt_at=None, stop_reason=reason)


# --- Building a campaign ----------------------------------------------------------------------------------


@dataclass
class Target:
    kind: str
    phone: str
    place: str
    start: dt.datetime | None
    end: dt.datetime | None
    person_id: int | None = None
    contact_id: int | None = None
    level: int | None = None
    telecom_trace_at: dt.datetime | None = None


@dataclass
class TargetPlan:
    """What a campaign with these choices would call, and what it would leave out (shown before creating)."""

    targets: list[Target] = field(default_factory=list)
    by_kind: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TARGET_KINDS, 0))
    skipped_invalid: int = 0
    skipped_called: int = 0
    skipped_outside: int = 0


def _strongest_links(case: Case, contact_ids: set[int]) -> dict[int, ContactLink]:
    """Per contact, its strongest evidence for the case: the lowest level, then the longest overlap, then the
    latest end (the exposure the person is likeliest to remember)."""
    best: dict[int, ContactLink] = {}

    def strength(link):
        end = link.exposure_end or link.exposure_start
        return (-link.level, link.overlap_minutes or 0, end.timestamp() if end else 0)

    links = ContactLink.objects.filter(case=case).only(
        "contact_id",
        "level",
        "source",
        "setting",
        "place",
        "venue_id",
        "exposure_start",
        "exposure_end",
        "overlap_minutes",
    )
    for link in links.iterator(chunk_size=2000):
        if link.contact_id in contact_ids:
            current = best.get(link.contact_id)
            if current is None or strength(link) > strength(current):
                best[link.contact_id] = link
    return best


def _link_places(links) -> dict[int, str]:
    """The place read for each link (by link id): a verified venue's name (check-ins; a name a registrant typed is
    not read in the government's voice before the commune has checked it) or a cell's area (telecom, all the
    cells in one query); for an interview, the kind of setting (what the investigator typed may name people)."""
    from phongdich.venues.models import Venue

    links = list(links)
    cells = _cell_places([link.place for link in links if link.source == ContactLink.Source.TELECOM])
    verified = set(
        Venue.objects.filter(
            pk__in={link.venue_id for link in links if link.venue_id}, status=Venue.Status.VERIFIED
        ).values_list("pk", flat=True)
    )
    places = {}
    for link in links:
        if link.source == ContactLink.Source.CHECKIN and link.place and link.venue_id in verified:
            places[link.pk] = link.place
        elif link.source == ContactLink.Source.TELECOM:
            places[link.pk] = cells.get(link.place) or SETTING_PLACES[ContactLink.Setting.CELL]
        else:
            places[link.pk] = SETTING_PLACES.get(link.setting, SETTING_PLACES[ContactLink.Setting.OTHER])
    return places


def _cell_places(stored: list[str]) -> dict[str, str]:
    """Cells as tracing stores them ("viettel TTH-KT-01", "viettel cell TTH-KT-01") -> what the voice reads: the
    cell's commune when the operator's list gives it ("khu vực Thị trấn Kim Tân"), else the cell's id."""
    from phongdich.telecom.models import Cell
    from phongdich.telecom.selectors import split_cell

    split = {text: split_cell(text) for text in set(stored)}
    wanted = Q(pk__in=[])
    for operator, cell_id in split.values():
        if operator:
            wanted |= Q(operator=operator, cell_id=cell_id)
    areas = {
        (cell.operator, cell.cell_id): cell.area.name
        for cell in Cell.objects.filter(wanted).select_related("area")
        if cell.area is not None
    }
    places = {}
    for text, (operator, cell_id) in split.items():
        area = areas.get((operator, cell_id))
        places[text] = f"khu vực {area}" if area else f"khu vực trạm phát sóng {cell_id}"
    return places


def _telecom_targets(case: Case) -> list[Target]:
    """The unknown subscribers of the case's last telecom trace (TelecomTrace.unknown), with their first cell and
    the first and last time they shared it with the case."""
    from phongdich.telecom.models import TelecomTrace
    from phongdich.telecom.selectors import unknown_standing

    trace = TelecomTrace.objects.filter(case=case).order_by("-created_at", "-id").first()
    if trace is None:
        return []
    # Less the numbers found only through imports withdrawn since: a wrong file's numbers are not to be called.
    unknown = unknown_standing(trace)
    places = _cell_places([item["cells"][0] for item in unknown if item.get("cells")])
    targets = []
    for item in unknown:
        cells = item.get("cells") or []
        first, last = item.get("first"), item.get("last")
        targets.append(
            Target(
                kind="telecom",
                phone=item.get("phone", ""),
                place=places.get(cells[0], "") if cells else "",
                start=dt.datetime.fromisoformat(first) if first else None,
                end=dt.datetime.fromisoformat(last) if last else None,
                telecom_trace_at=trace.created_at,
            )
        )
    return targets


def _contact_kind(level: int, status: str) -> str:
    if level >= 2:
        return "f2"
    return "f1_candidates" if status == Contact.Status.CANDIDATE else "f1_confirmed"


def campaign_targets(*, viewer, case: Case, kinds: set[str]) -> TargetPlan:
    """Who a campaign of the case with these kinds of target would call.

    Contacts: the case's open contacts (cases.models.OPEN_CONTACT_STATUSES) with a phone, of the kinds chosen
    (F1 candidates; F1 confirmed or in quarantine; F2 and further, by their level for this case), living in the
    viewer's area (others are counted in `skipped_outside`: their own commune calls them). Telecom: the unknown
    subscribers of the case's last telecom trace. Each phone once; a phone another campaign of the case has reached
    or still means to call is left out and counted (one cancelled before calling it, or that gave up unanswered, may
    be called again); numbers that are not Vietnamese are counted too.
    """
    plan = TargetPlan()
    seen: set[str] = set()
    unreached = Q(status=Call.Status.CANCELLED) | (Q(status__in=Call.RETRY_STATUSES) & ~Call.waiting_q())
    called = set(Call.objects.filter(campaign__case=case).exclude(unreached).values_list("phone", flat=True))
    candidates: list[Target] = []
    if kinds & {"f1_candidates", "f1_confirmed", "f2"}:
        contacts = (
            Contact.objects.filter(links__case=case)
            .annotate(case_level=Min("links__level"))
            .filter(status__in=OPEN_CONTACT_STATUSES)
            .exclude(person__phone="")
            .select_related("person")
            .order_by("case_level", "id")
        )
        chosen = []
        for contact in contacts:
            if _contact_kind(contact.case_level, contact.status) not in kinds:
                continue
            if not viewer_sees(viewer, contact.person.area_path):
                plan.skipped_outside += 1
                continue
            chosen.append(contact)
        links = _strongest_links(case, {contact.pk for contact in chosen})
        places = _link_places(links.values())
        for contact in chosen:
            link = links.get(contact.pk)
            candidates.append(
                Target(
                    kind=_contact_kind(contact.case_level, contact.status),
                    phone=contact.person.phone,
                    place=places[link.pk] if link else "",
                    start=link.exposure_start if link else contact.first_exposure_at,
                    end=link.exposure_end if link else contact.last_exposure_at,
                    person_id=contact.person_id,
                    contact_id=contact.pk,
                    level=contact.case_level,
                )
            )
    if "telecom" in kinds:
        candidates += _telecom_targets(case)
    for target in candidates:
        phone = phone_e164(target.phone)
        if phone is None:
            plan.skipped_invalid += 1
            continue
        if phone in seen:
            continue
        seen.add(phone)
        if phone in called:
            plan.skipped_called += 1
            continue
        target.phone = phone
        plan.targets.append(target)
        plan.by_kind[target.kind] += 1
    return plan


def _require_people_role(actor) -> None:
    if not has_role(actor, *PEOPLE_ROLES):
        raise ApplicationError(core_errors.PERMISSION_DENIED)


def _kinds(*, f1_candidates: bool, f1_confirmed: bool, f2: bool, telecom: bool) -> set[str]:
    chosen = {"f1_candidates": f1_candidates, "f1_confirmed": f1_confirmed, "f2": f2, "telecom": telecom}
    return {kind for kind, wanted in chosen.items() if wanted}


def call_case_get(*, actor, case_id) -> Case:
    """A case of the actor's area for a campaign; not_found outside it (as if it did not exist)."""
    _require_people_role(actor)
    case_id = id_or_404(case_id)
    case = Case.objects.filter(cases_visible_q(actor), pk=case_id).first()
    if case is None:
        raise ApplicationError(core_errors.NOT_FOUND)
    return case


def _check_telecom(actor, telecom: bool) -> None:
    from phongdich.telecom.selectors import sees_full_phones

    if telecom and not sees_full_phones(actor):
        raise ApplicationError(errors.TELECOM_NOT_ALLOWED)


def call_campaign_preview(*, actor, case_id, f1_candidates=True, f1_confirmed=True, f2=False, telecom=False):
    """(case, plan, example script) for the create page: how many phones, and the script as it would be read for
    the first target (a place and a time: no personal data)."""
    case = call_case_get(actor=actor, case_id=case_id)
    _check_telecom(actor, telecom)
    kinds = _kinds(f1_candidates=f1_candidates, f1_confirmed=f1_confirmed, f2=f2, telecom=telecom)
    plan = campaign_targets(viewer=actor, case=case, kinds=kinds) if kinds else TargetPlan()
    example = None
    if plan.targets:
        first = plan.targets[0]
        example = call_script(DEFAULT_SCRIPT, place=first.place, start=first.start, end=first.end, level=first.level)
    return case, plan, example


def call_campaign_create(
    *,
    actor,
    case_id,
    f1_candidates: bool = False,
    f1_confirmed: bool = False,
    f2: bool = False,
    telecom: bool = False,
    ip: str | None = None,
    now: dt.datetime | None = None,
) -> CallCampaign:
    """A draft campaign of robot calls for a case of the actor's area, one call per new phone (campaign_targets).

    Guarantees: officials who see people, cases of their area only (others: not_found); the unknown subscribers
    of telecom records only for the roles that read them (calls_telecom_not_allowed); at least one kind of target
    (calls_no_targets) and at least one phone to call (calls_nothing_to_call); a withdrawn case is refused
    (case_withdrawn), its row locked until the campaign is written, so two campaigns built at once for a case do
    not take the same phone twice; nothing is written when anything is refused; audited as
    `calls.campaign.created`. Nothing is dialled before the campaign is started.
    """
    case = call_case_get(actor=actor, case_id=case_id)
    _check_telecom(actor, telecom)
    kinds = _kinds(f1_candidates=f1_candidates, f1_confirmed=f1_confirmed, f2=f2, telecom=telecom)
    if not kinds:
        raise ApplicationError(errors.NO_TARGETS)
    now = now or timezone.now()
    with transaction.atomic():
        case_refuse_if_withdrawn(case, lock=True)
        plan = campaign_targets(viewer=actor, case=case, kinds=kinds)
        if not plan.targets:
            raise ApplicationError(
                errors.NOTHING_TO_CALL,
                extra={
                    "skipped_invalid": plan.skipped_invalid,
                    "skipped_called": plan.skipped_called,
                    "skipped_outside": plan.skipped_outside,
                },
            )
        campaign = CallCampaign.objects.create(
            case=case,
            area_path=case.area_path,
            include_f1_candidates=f1_candidates,
            include_f1_confirmed=f1_confirmed,
            include_f2=f2,
            include_telecom_unknown=telecom,
            script_template=DEFAULT_SCRIPT,
            skipped_invalid=plan.skipped_invalid,
            skipped_called=plan.skipped_called,
            skipped_outside=plan.skipped_outside,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
            created_at=now,
        )
        Call.objects.bulk_create(
            [
                Call(
                    campaign=campaign,
                    phone=target.phone,
                    source=Call.Source.TELECOM if target.kind == "telecom" else Call.Source.CONTACT,
                    person_id=target.person_id,
                    contact_id=target.contact_id,
                    level=target.level,
                    place=target.place[:255],
                    exposure_start=target.start,
                    exposure_end=target.end if target.end and target.start and target.end >= target.start else None,
                    telecom_trace_at=target.telecom_trace_at,
                )
                for target in plan.targets
            ],
            batch_size=500,
        )
        audit_record(
            actor=actor,
            action="calls.campaign.created",
            obj=campaign,
            area_path=campaign.area_path,
            ip=ip,
            extra={
                "case": case.number,
                "calls": len(plan.targets),
                "by_kind": plan.by_kind,
                "skipped_invalid": plan.skipped_invalid,
                "skipped_called": plan.skipped_called,
                "skipped_outside": plan.skipped_outside,
            },
        )
    return campaign


# --- Start, pause, resume, cancel --------------------------------------------------------------------------

# What each action may follow, and where it leads.
_ACTIONS = {
    "start": ({CallCampaign.Status.DRAFT, CallCampaign.Status.PAUSED}, CallCampaign.Status.RUNNING),
    "resume": ({CallCampaign.Status.PAUSED}, CallCampaign.Status.RUNNING),
    "pause": ({CallCampaign.Status.RUNNING}, CallCampaign.Status.PAUSED),
    "cancel": (
        {CallCampaign.Status.DRAFT, CallCampaign.Status.RUNNING, CallCampaign.Status.PAUSED},
        CallCampaign.Status.CANCELLED,
    ),
}
ACTIONS = tuple(_ACTIONS)


def call_campaign_action(
    *, actor, campaign_id, action: str, ip: str | None = None, now: dt.datetime | None = None
) -> CallCampaign:
    """Start (a draft, or resume a paused campaign), pause or cancel a campaign of the actor's area.

    Guarantees: not_found outside the area; calls_campaign_state when the status does not allow it (a finished or
    cancelled campaign stays so); a campaign of a withdrawn case is not started or resumed (case_withdrawn: its
    case's row is read under the lock case_withdraw takes, first, as it does); starting queues its calls for the
    dispatcher, oldest first; pausing stops new calls (one already dialling finishes and its result is kept);
    cancelling cancels every call not yet placed (reason `campaign_cancelled`); audited as `calls.campaign.<action>`.
    """
    if action not in _ACTIONS:
        raise ApplicationError(core_errors.NOT_FOUND)
    _require_people_role(actor)
    campaign_id = id_or_404(campaign_id)
    now = now or timezone.now()
    allowed, target = _ACTIONS[action]
    with transaction.atomic():
        visible = CallCampaign.objects.filter(cases_visible_q(actor), pk=campaign_id)
        if target == CallCampaign.Status.RUNNING:
            # The case before the campaign, the order case_withdraw locks them in (campaigns_of_case_cancel).
            found = visible.select_related("case").first()
            if found is None:
                raise ApplicationError(core_errors.NOT_FOUND)
            case_refuse_if_withdrawn(found.case, lock=True)
        campaign = visible.select_for_update().first()
        if campaign is None:
            raise ApplicationError(core_errors.NOT_FOUND)
        if campaign.status not in allowed:
            raise ApplicationError(errors.CAMPAIGN_STATE, extra={"status": campaign.status, "action": action})
        if target == CallCampaign.Status.RUNNING and campaign.status == CallCampaign.Status.DRAFT:
            campaign.started_at = now
            # Queued in the order they were built: the dispatcher places the oldest first.
            campaign.calls.filter(status=Call.Status.QUEUED).update(next_attempt_at=now)
        elif target == CallCampaign.Status.RUNNING:
            campaign.calls.filter(parked_next_attempt_at__isnull=False).update(
                next_attempt_at=F("parked_next_attempt_at"), parked_next_attempt_at=None
            )
        if target == CallCampaign.Status.PAUSED:
            # Out of the dispatcher's index while paused (it would read past them every minute).
            campaign.calls.filter(next_attempt_at__isnull=False).update(
                parked_next_attempt_at=F("next_attempt_at"), next_attempt_at=None
            )
        if target == CallCampaign.Status.CANCELLED:
            campaign.finished_at = now
            _calls_cancel(campaign.calls.all(), Call.StopReason.CAMPAIGN_CANCELLED)
        campaign.status = target
        campaign.save(update_fields=["status", "started_at", "finished_at"])
        audit_record(
            actor=actor,
            action=f"calls.campaign.{action}",
            obj=campaign,
            area_path=campaign.area_path,
            ip=ip,
        )
    return campaign


def campaigns_of_case_cancel(case: Case, actor, *, now: dt.datetime | None = None) -> int:
    """Cancel the campaigns of a case being withdrawn (cases.services.case_withdraw calls it in its transaction,
    the case's row already locked): drafts, running and paused ones alike, their calls not placed and those handed
    to staff cancelled with the reason `case_withdrawn`; a call the switchboard is dialling keeps its answer, without
    an SMS (_write_result). Each campaign audited as `calls.campaign.cancel` with the reason. Returns how many."""
    now = now or timezone.now()
    campaigns = list(
        CallCampaign.objects.select_for_update()
        .filter(case=case)
        .exclude(status__in=CallCampaign.CLOSED_STATUSES)
        .order_by("id")
    )
    for campaign in campaigns:
        was = campaign.status
        cancelled = _calls_cancel(campaign.calls.all(), Call.StopReason.CASE_WITHDRAWN)
        campaign.status, campaign.finished_at = CallCampaign.Status.CANCELLED, now
        campaign.save(update_fields=["status", "finished_at"])
        audit_record(
            actor=actor,
            action="calls.campaign.cancel",
            obj=campaign,
            area_path=campaign.area_path,
            extra={"reason": Call.StopReason.CASE_WITHDRAWN, "case": case.number, "from": was, "calls": cancelled},
        )
    return len(campaigns)


def _finish_if_done(campaign_id: int, now: dt.datetime) -> bool:
    """A running campaign with no call left to place or to wait for becomes finished. True when it did."""
    left = Call.objects.filter(campaign_id=campaign_id).filter(
        Call.waiting_q() | Q(status=Call.Status.DIALING) | Q(status=Call.Status.QUEUED)
    )
    if left.exists():
        return False
    return bool(
        CallCampaign.objects.filter(pk=campaign_id, status=CallCampaign.Status.RUNNING).update(
            status=CallCampaign.Status.FINISHED, finished_at=now
        )
    )


# --- The dispatcher -------------------------------------------------------------------------------------


@dataclass
class DispatchOutcome:
    placed: int = 0
    failed: int = 0  # placements the switchboard refused (retried later)
    timed_out: int = 0
    finished: int = 0  # campaigns finished
    skipped: int = 0  # due calls not placed, their contact no longer open (cancelled with the reason)
    taken_back: int = 0  # calls handed to staff whose contact is no longer open (cancelled with the reason)
    rearmed: int = 0  # calls cancelled as their contact had closed, queued again now that it is open again
    sms_sent: int = 0  # key 1 answered while the contact was closed: its SMS, now that the contact is open again
    outside_hours: bool = False


def callback_url() -> str:
    return f"{settings.SITE_URL}/api/v1/calls/result/"


def _after_attempt(call: Call, status: str, now: dt.datetime, error: str = "") -> None:
    """A failed, unanswered or busy attempt: again after CALLS_RETRY_MINUTES, unless it was the last one or the
    campaign was cancelled or finished meanwhile (kept aside while it is paused). `call.campaign` is read."""
    call.status = status
    call.last_error = error[:500]
    call.next_attempt_at = call.parked_next_attempt_at = None
    campaign_status = call.campaign.status
    if call.attempts >= settings.CALLS_MAX_ATTEMPTS or campaign_status not in CallCampaign.CALLING_STATUSES:
        return
    again = now + dt.timedelta(minutes=settings.CALLS_RETRY_MINUTES)
    if campaign_status == CallCampaign.Status.PAUSED:
        call.parked_next_attempt_at = again
    else:
        call.next_attempt_at = again


# A placement the switchboard refused is tried again after 5 minutes, doubling up to 4 hours, 10 times (about 21
# hours in all): a switchboard down for a night loses no call. Our choice, not from a text.
PLACE_RETRY_FIRST_MINUTES = 5
PLACE_RETRY_MAX_MINUTES = 240
PLACE_REFUSALS_MAX = 10
TIMEOUT_ERROR = "no result from the switchboard in time"


def _after_refusal(call: Call, now: dt.datetime, error: str) -> None:
    """The switchboard refused to place the call: the person was never called, so no attempt is counted."""
    call.attempts -= 1
    call.refusals += 1
    call.status = Call.Status.FAILED if call.attempts else Call.Status.QUEUED
    call.last_error = f"switchboard refused: {error}"[:500]
    call.next_attempt_at = call.parked_next_attempt_at = None
    if call.refusals >= PLACE_REFUSALS_MAX or call.campaign.status not in CallCampaign.CALLING_STATUSES:
        call.status = Call.Status.FAILED
        return
    minutes = min(PLACE_RETRY_FIRST_MINUTES * 2 ** (call.refusals - 1), PLACE_RETRY_MAX_MINUTES)
    if call.campaign.status == CallCampaign.Status.PAUSED:
        call.parked_next_attempt_at = now + dt.timedelta(minutes=minutes)
    else:
        call.next_attempt_at = now + dt.timedelta(minutes=minutes)


def _calls_time_out(now: dt.datetime) -> int:
    """Calls placed through the switchboard with no result after CALLS_RESULT_TIMEOUT_MINUTES count as a failed
    attempt. Calls handed to staff (outbox) wait for them: a person dials those."""
    cut_off = now - dt.timedelta(minutes=settings.CALLS_RESULT_TIMEOUT_MINUTES)
    with transaction.atomic():
        stale = list(
            Call.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("campaign")
            .filter(status=Call.Status.DIALING, placed_via=Call.PlacedVia.HTTP, last_attempt_at__lt=cut_off)
            .order_by("last_attempt_at", "id")[:1000]
        )
        for call in stale:
            _after_attempt(call, Call.Status.FAILED, now, TIMEOUT_ERROR)
        Call.objects.bulk_update(stale, ["status", "last_error", "next_attempt_at", "parked_next_attempt_at"])
    return len(stale)


def _audit_stopped(calls: list[Call], action: str) -> None:
    """One audit record per campaign for calls the system cancelled, with each call's reason."""
    by_campaign: dict[int, dict[str, str]] = {}
    for call in calls:
        by_campaign.setdefault(call.campaign_id, {})[str(call.pk)] = call.stop_reason
    areas = dict(CallCampaign.objects.filter(pk__in=by_campaign).values_list("pk", "area_path"))
    for campaign_id, reasons in by_campaign.items():
        audit_record(
            actor=None,
            action=action,
            area_path=areas.get(campaign_id, ""),
            extra={"campaign": campaign_id, "calls": reasons},
        )


def _staff_calls_of_closed_contacts_cancel() -> list[Call]:
    """Calls handed to staff (outbox) whose contact is no longer open are taken back, cancelled with the reason,
    so that the list "to dial by hand" does not send an operator to a dismissed contact or a case. One query (the
    dialling calls' index joined to their contacts), in slices of 1000 a run."""
    with transaction.atomic():
        calls = list(
            Call.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status=Call.Status.DIALING, placed_via=Call.PlacedVia.OUTBOX)
            .filter(contact__status__in=CLOSED_CONTACT_STATUSES)
            .annotate(contact_status=F("contact__status"))
            .order_by("id")[:1000]
        )
        for call in calls:
            call.status, call.stop_reason = Call.Status.CANCELLED, contact_stop_reason(call.contact_status)
        Call.objects.bulk_update(calls, ["status", "stop_reason"])
        if calls:
            _audit_stopped(calls, "calls.call.taken_back")
    return calls


def _calls_of_reopened_contacts_rearm(now: dt.datetime) -> tuple[list[Call], list[Call]]:
    """Calls stopped because their contact had closed, in campaigns still calling (running or paused), whose contact
    is open again and still a contact of the campaign's case: (re-armed, sent their SMS).

    A cancelled one is re-armed: queued again (kept aside while the campaign is paused) with its attempts so far,
    unless it has used CALLS_MAX_ATTEMPTS or another call of the case reaches or means to reach that phone (a newer
    campaign built while it was cancelled took it). A key 1 answered while the contact was closed gets the SMS it
    was held back from, within CALLS_HOURS, once. Neither for a contact open again only through another case: the
    call reads this case's place and time, which the contact no longer stands on. One audit record per campaign
    (`calls.call.rearmed`, `calls.call.sms_sent`) with each call's former reason. In slices of 1000 a run."""
    from phongdich.notifications.services import notify

    still_a_contact = ContactLink.objects.filter(
        contact_id=OuterRef("contact_id"), case_id=OuterRef("campaign__case_id")
    )
    held_sms = Q(status=Call.Status.ANSWERED, outcome=Call.Outcome.PRESENT, sms__isnull=True)
    with transaction.atomic():
        calls = list(
            Call.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("campaign")
            .filter(
                campaign__status__in=CallCampaign.CALLING_STATUSES,
                stop_reason__in=CONTACT_OWN_STOP_REASONS,
                contact__status__in=OPEN_CONTACT_STATUSES,
            )
            .filter(Q(status=Call.Status.CANCELLED) | held_sms)
            .exclude(campaign__case__status=Case.Status.WITHDRAWN)
            .filter(Exists(still_a_contact))
            .order_by("id")[:1000]
        )
        cancelled = [call for call in calls if call.status == Call.Status.CANCELLED]
        unreached = Q(status=Call.Status.CANCELLED) | (Q(status__in=Call.RETRY_STATUSES) & ~Call.waiting_q())
        taken = set(
            Call.objects.filter(
                campaign__case_id__in={call.campaign.case_id for call in cancelled},
                phone__in={call.phone for call in cancelled},
            )
            .exclude(unreached)
            .values_list("campaign__case_id", "phone")
        )
        rearmed = [
            call
            for call in cancelled
            if call.attempts < settings.CALLS_MAX_ATTEMPTS and (call.campaign.case_id, call.phone) not in taken
        ]
        reasons = {call.pk: call.stop_reason for call in calls}
        for call in rearmed:
            call.status, call.stop_reason = Call.Status.QUEUED, ""
            if call.campaign.status == CallCampaign.Status.PAUSED:
                call.next_attempt_at, call.parked_next_attempt_at = None, now
            else:
                call.next_attempt_at, call.parked_next_attempt_at = now, None
        Call.objects.bulk_update(rearmed, ["status", "stop_reason", "next_attempt_at", "parked_next_attempt_at"])
        sent = []
        if within_calling_hours(now):  # an SMS is not sent at night
            for call in calls:
                if call.status == Call.Status.ANSWERED:
                    call.sms = notify(phone=call.phone, text=sms_text(), kind=SMS_KIND, person=call.person)
                    call.stop_reason = ""
                    call.save(update_fields=["sms", "stop_reason"])
                    sent.append(call)
        for done, action in ((rearmed, "calls.call.rearmed"), (sent, "calls.call.sms_sent")):
            by_campaign: dict[CallCampaign, dict[str, str]] = {}
            for call in done:
                by_campaign.setdefault(call.campaign, {})[str(call.pk)] = reasons[call.pk]
            for campaign, former in by_campaign.items():
                audit_record(
                    actor=None,
                    action=action,
                    area_path=campaign.area_path,
                    extra={"campaign": campaign.pk, "calls": former, "reason": "contact_reopened"},
                )
    return rearmed, sent


def calls_dispatch(*, now: dt.datetime | None = None) -> DispatchOutcome:
    """Place the due calls of running campaigns (beat, every minute).

    Guarantees: calls whose result is overdue are counted as failed attempts first; nothing is placed outside
    CALLS_HOURS; at most CALLS_PER_MINUTE calls per run, the longest waiting first; each call is taken with a
    row lock that a concurrent run skips (PostgreSQL), so two runs never place the same call; a call is marked
    dialling (with its attempt counted) and committed before the switchboard is asked, so a crash in between
    loses nothing (the timeout retries it); a refused placement is a failed attempt, retried after
    CALLS_RETRY_MINUTES up to CALLS_MAX_ATTEMPTS; a call whose contact is no longer open
    (cases.models.OPEN_CONTACT_STATUSES: dismissed, a case now, released, its cases withdrawn) is not placed but
    cancelled with the reason, the contacts of a batch read in one query, and one handed to staff is taken back so;
    one so cancelled whose contact is open again is re-armed first, and a key 1 held back so gets its SMS, while the
    campaign is still calling (_calls_of_reopened_contacts_rearm); a running campaign with nothing left becomes
    finished.
    """
    now = now or timezone.now()
    outcome = DispatchOutcome()
    outcome.timed_out = _calls_time_out(now)
    outcome.taken_back = len(_staff_calls_of_closed_contacts_cancel())
    rearmed, sent = _calls_of_reopened_contacts_rearm(now)
    outcome.rearmed, outcome.sms_sent = len(rearmed), len(sent)
    backend = backends.calls_backend()
    placed: list[Call] = []
    if within_calling_hours(now):
        with transaction.atomic():
            due = list(
                Call.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(campaign__status=CallCampaign.Status.RUNNING, next_attempt_at__lte=now)
                # Only calls still to place: one that somehow kept a time after its answer is never dialled again.
                .filter(status__in=[Call.Status.QUEUED, *Call.RETRY_STATUSES])
                .order_by("next_attempt_at", "id")[: settings.CALLS_PER_MINUTE]
            )
            # A contact dismissed, or a case now, since the campaign was built is not rung as one: the batch's
            # contacts in one query. The skipped calls take their place in this minute's rate, once.
            closed = _closed_contacts(due)
            skipped = [call for call in due if call.contact_id in closed]
            for call in skipped:
                call.status, call.stop_reason = Call.Status.CANCELLED, closed[call.contact_id]
                call.next_attempt_at = None
            Call.objects.bulk_update(skipped, ["status", "stop_reason", "next_attempt_at"])
            if skipped:
                _audit_stopped(skipped, "calls.call.skipped")
            outcome.skipped = len(skipped)
            placed = [call for call in due if call.contact_id not in closed]
            for call in placed:
                call.status = Call.Status.DIALING
                call.attempts += 1
                call.last_attempt_at = now
                call.next_attempt_at = None
                call.placed_via = backend if backend in backends.BACKENDS else ""
                call.provider_id = ""
                call.last_error = ""
            Call.objects.bulk_update(
                placed,
                ["status", "attempts", "last_attempt_at", "next_attempt_at", "placed_via", "provider_id", "last_error"],
            )
    else:
        outcome.outside_hours = True
    templates = dict(
        CallCampaign.objects.filter(pk__in={call.campaign_id for call in placed}).values_list("pk", "script_template")
    )
    for call in placed:
        text = call_script(
            templates[call.campaign_id],
            place=call.place,
            start=call.exposure_start,
            end=call.exposure_end,
            level=call.level,
        )
        try:
            provider_id = backends.call_place(call_id=call.pk, to=call.phone, text_vi=text, callback_url=callback_url())
        except backends.CallPlaceError as exc:
            outcome.failed += 1
            with transaction.atomic():
                fresh = Call.objects.select_for_update(of=("self",)).select_related("campaign").get(pk=call.pk)
                if fresh.status == Call.Status.DIALING and fresh.attempts == call.attempts:
                    _after_refusal(fresh, now, str(exc))
                    fresh.save(
                        update_fields=[
                            "status",
                            "attempts",
                            "refusals",
                            "last_error",
                            "next_attempt_at",
                            "parked_next_attempt_at",
                        ]
                    )
            continue
        outcome.placed += 1
        # A result may already have come back (it also carries the id): only fill it in when still empty.
        Call.objects.filter(pk=call.pk, provider_id="").update(provider_id=provider_id)
    running = CallCampaign.objects.filter(status=CallCampaign.Status.RUNNING).values_list("pk", flat=True)
    for campaign_id in list(running):
        outcome.finished += _finish_if_done(campaign_id, now)
    return outcome


# --- Results --------------------------------------------------------------------------------------------

RESULT_STATUSES = (Call.Status.ANSWERED, Call.Status.NO_ANSWER, Call.Status.BUSY, Call.Status.FAILED)


def sms_text() -> str:
    return SMS_TEXT.format(url=f"{settings.SITE_URL}/declarations/")


def _write_result(call: Call, *, status: str, key: str, now: dt.datetime, actor=None, provider_id: str = "") -> None:
    """The result of one attempt on a locked call; on key 1 the SMS (once per call), in the same transaction."""
    from phongdich.notifications.services import notify

    if provider_id and not call.provider_id:
        call.provider_id = provider_id[:100]
    call.result_at = now
    call.recorded_by = actor if getattr(actor, "is_authenticated", False) else None
    if status == Call.Status.ANSWERED:
        call.status = Call.Status.ANSWERED
        call.next_attempt_at = call.parked_next_attempt_at = None
        call.key = key if key in ("1", "2") else ""
        call.outcome = {"1": Call.Outcome.PRESENT, "2": Call.Outcome.NOT_PRESENT}.get(key, Call.Outcome.NO_CHOICE)
        call.last_error = ""
        if call.outcome == Call.Outcome.PRESENT and call.sms_id is None:
            # No "make a health declaration" about a case since withdrawn, nor to a person no longer a contact: the
            # answer is kept, and why no SMS followed.
            call.stop_reason = call_stop_reason(call)
            if not call.stop_reason:
                call.sms = notify(phone=call.phone, text=sms_text(), kind=SMS_KIND, person=call.person)
    else:
        _after_attempt(call, status, now)
    call.save()
    audit_record(
        actor=actor,
        action="calls.call.result",
        obj=call,
        area_path=call.campaign.area_path,
        extra={
            "campaign": call.campaign_id,
            "status": call.status,
            "outcome": call.outcome,
            "attempt": call.attempts,
            "no_sms": call.stop_reason,
        },
    )


def call_result_signature(*, timestamp: str, body: bytes, secret: str | None = None) -> str:
    """HMAC-SHA256 (hex) of "<timestamp>.<raw body>" with CALLS_CALLBACK_SECRET: what the switchboard sends in
    X-Signature with the timestamp (Unix seconds) in X-Timestamp (docs/calls.md)."""
    secret = settings.CALLS_CALLBACK_SECRET if secret is None else secret
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def call_result_verify(*, body: bytes, timestamp: str | None, signature: str | None, now: dt.datetime) -> None:
    """calls_bad_signature unless the signature is right and made within CALLS_CALLBACK_MAX_AGE_SECONDS of now
    (either way: clocks differ a little), so that a result caught on the way cannot be replayed later. No secret
    configured: nothing is accepted."""
    secret = settings.CALLS_CALLBACK_SECRET
    if not secret or not timestamp or not signature:
        raise ApplicationError(errors.BAD_SIGNATURE)
    timestamp, given = timestamp.strip(), signature.strip().removeprefix("sha256=")
    # Unix seconds (10 digits until the year 2286) and a hex SHA-256: anything else is refused before any
    # arithmetic or comparison (a 400-digit number overflowed the clock check; compare_digest refuses non-ASCII).
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        raise ApplicationError(errors.BAD_SIGNATURE)
    if len(given) != 64 or not all(char in "0123456789abcdefABCDEF" for char in given):
        raise ApplicationError(errors.BAD_SIGNATURE)
    sent = int(timestamp)
    if abs(now.timestamp() - sent) > settings.CALLS_CALLBACK_MAX_AGE_SECONDS:
        raise ApplicationError(errors.BAD_SIGNATURE, extra={"reason": "timestamp"})
    expected = call_result_signature(timestamp=timestamp, body=body, secret=secret)
    if not hmac.compare_digest(expected, given.lower()):
        raise ApplicationError(errors.BAD_SIGNATURE)


def call_result_apply(*, call_id, status: str, key: str = "", provider_id: str = "", now=None) -> tuple[Call, bool]:
    """The switchboard's result of a call it placed (the signed callback, already verified): (call, changed).

    Guarantees: not_found for an unknown call; the result is written only to a call waiting for it (dialling): a
    repeat, or a result for a call already final or since retried, changes nothing (idempotent); answered with key
    1 is "present" and sends the SMS asking for a health declaration (at most once per call; none when the case was
    withdrawn or the contact is no longer open, the reason kept in `stop_reason`), key 2 "not present",
    any other key "no choice"; no answer, busy and failed are retried up to CALLS_MAX_ATTEMPTS; a contact's status
    is never changed (an investigator confirms); one transaction; audited as `calls.call.result` by the system.
    """
    if status not in RESULT_STATUSES:
        raise ApplicationError(errors.BAD_RESULT, extra={"field": "status"})
    now = now or timezone.now()
    with transaction.atomic():
        call = (
            Call.objects.select_for_update(of=("self",))
            .select_related("campaign")
            .filter(pk=id_or_404(call_id))
            .first()
        )
        if call is None:
            raise ApplicationError(core_errors.NOT_FOUND)
        # A call counted as failed for want of a result (_calls_time_out) still takes an answer that comes late for
        # that very attempt (its switchboard id), as long as no newer attempt was placed: a person who pressed 1
        # gets the SMS and is not called again.
        late = (
            call.status == Call.Status.FAILED
            and call.last_error == TIMEOUT_ERROR
            and status == Call.Status.ANSWERED
            and provider_id
            and call.provider_id == provider_id
        )
        if not late and (
            call.status != Call.Status.DIALING or (provider_id and call.provider_id and call.provider_id != provider_id)
        ):
            return call, False
        _write_result(call, status=status, key=key or "", now=now, provider_id=provider_id)
        _finish_if_done(call.campaign_id, now)
    return call, True


MANUAL_RESULTS = {
    # What staff record by hand -> (status, key).
    "present": (Call.Status.ANSWERED, "1"),
    "not_present": (Call.Status.ANSWERED, "2"),
    "no_choice": (Call.Status.ANSWERED, ""),
    "no_answer": (Call.Status.NO_ANSWER, ""),
    "busy": (Call.Status.BUSY, ""),
    "failed": (Call.Status.FAILED, ""),
}


def call_outcome_record(*, actor, call_id, result: str, campaign_id=None, ip: str | None = None, now=None) -> Call:
    """A call dialled by hand by call-centre staff (outbox switchboard) and what came of it.

    Guarantees: only with CALLS_BACKEND "outbox", or for a call handed to staff before the switchboard was
    changed (calls_manual_not_allowed); officials who see people, calls of campaigns of their area, and of
    `campaign_id` when given (the page's address), else not_found before anything is written; not for a cancelled
    call (calls_call_cancelled, naming its reason), a final call (calls_call_final) nor in a cancelled or draft
    campaign (calls_campaign_state); a call whose case was withdrawn or whose contact is no longer open is cancelled
    with that reason (audited `calls.call.cancelled`), nothing recorded and no SMS sent, and calls_call_cancelled
    raised once that is committed; a call not yet placed counts an attempt now; the outcome as call_result_apply
    (SMS on present, once; retries), in one transaction, audited as `calls.call.result` by the official.
    """
    _require_people_role(actor)
    if result not in MANUAL_RESULTS:
        raise ApplicationError(errors.BAD_RESULT, extra={"field": "result"})
    status, key = MANUAL_RESULTS[result]
    now = now or timezone.now()
    stopped = False
    with transaction.atomic():
        # The campaign's row first, then the call's: the order a withdrawal (campaigns_of_case_cancel) and the cancel
        # action take, so that an outcome recorded while the case is withdrawn waits for it instead of deadlocking
        # (this one held the call and then wanted the campaign, in _finish_if_done). Outcomes of one campaign queue.
        campaign_of_call = Call.objects.filter(pk=id_or_404(call_id)).values("campaign_id")
        list(CallCampaign.objects.select_for_update(no_key=True).filter(pk__in=campaign_of_call).values_list("pk"))
        calls = Call.objects.select_for_update(of=("self",)).select_related("campaign")
        if campaign_id is not None:
            calls = calls.filter(campaign_id=id_or_404(campaign_id))
        call = calls.filter(cases_visible_q(actor, "campaign__area_path"), pk=id_or_404(call_id)).first()
        if call is None:
            raise ApplicationError(core_errors.NOT_FOUND)
        with_staff = call.status == Call.Status.DIALING and call.placed_via == Call.PlacedVia.OUTBOX
        if backends.calls_backend() != backends.OUTBOX and not with_staff:
            raise ApplicationError(errors.MANUAL_NOT_ALLOWED)
        if call.status == Call.Status.CANCELLED:
            raise call_cancelled_error(call)
        if call.is_final:
            raise ApplicationError(errors.CALL_FINAL, extra={"status": call.status})
        if call.campaign.status in (CallCampaign.Status.CANCELLED, CallCampaign.Status.DRAFT):
            raise ApplicationError(errors.CAMPAIGN_STATE, extra={"status": call.campaign.status})
        reason = call_stop_reason(call)
        if reason:
            # Its contact was dismissed (or became a case…) since it was handed out: whatever the person said, it
            # is not an answer to record or to follow with an SMS. Cancelled (committed), then the operator told.
            call.status, call.stop_reason = Call.Status.CANCELLED, reason
            call.next_attempt_at = call.parked_next_attempt_at = None
            call.save(update_fields=["status", "stop_reason", "next_attempt_at", "parked_next_attempt_at"])
            audit_record(
                actor=actor,
                action="calls.call.cancelled",
                obj=call,
                area_path=call.campaign.area_path,
                ip=ip,
                extra={"campaign": call.campaign_id, "reason": reason, "result_given": result},
            )
            _finish_if_done(call.campaign_id, now)
            stopped = True
        else:
            if call.status != Call.Status.DIALING:
                call.attempts += 1
                call.placed_via = Call.PlacedVia.OUTBOX
            call.last_attempt_at = now
            _write_result(call, status=status, key=key, now=now, actor=actor)
            _finish_if_done(call.campaign_id, now)
    if stopped:
        raise call_cancelled_error(call)
    return call


# --- Retention ----------------------------------------------------------------------------------------------


def calls_telecom_prune(*, now: dt.datetime | None = None) -> int:
    """Forget the numbers of unknown subscribers taken from telecom records once those records' retention ends
    (TELECOM_RETENTION_DAYS after the trace run that listed them, when telecom.services.telecom_prune deletes it;
    the campaign's date for a call without one): the number, the cell and the times go; the call's status and
    outcome stay, for the campaign's counts. A call still waiting is cancelled first. Returns how many calls were
    pruned; audited."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.TELECOM_RETENTION_DAYS)
    stale = Call.objects.filter(source=Call.Source.TELECOM, pruned=False).filter(
        Q(telecom_trace_at__lt=cutoff) | Q(telecom_trace_at__isnull=True, campaign__created_at__lt=cutoff)
    )
    pruned = 0
    while True:  # in slices, each in its own transaction
        with transaction.atomic():
            calls = list(stale.select_for_update(skip_locked=True, of=("self",)).order_by("id")[:1000])
            if not calls:
                break
            for call in calls:
                if not call.is_final and call.status != Call.Status.ANSWERED:
                    call.status, call.stop_reason = Call.Status.CANCELLED, Call.StopReason.RETENTION
                call.phone = f"x{call.pk}"  # unique within the campaign, and no number
                call.place, call.exposure_start, call.exposure_end = "", None, None
                call.next_attempt_at = call.parked_next_attempt_at = None
                call.pruned = True
            Call.objects.bulk_update(
                calls,
                [
                    "status",
                    "stop_reason",
                    "phone",
                    "place",
                    "exposure_start",
                    "exposure_end",
                    "next_attempt_at",
                    "parked_next_attempt_at",
                    "pruned",
                ],
            )
            pruned += len(calls)
    if pruned:
        audit_record(actor=None, action="calls.telecom.pruned", extra={"calls": pruned, "cutoff": cutoff.isoformat()})
    return pruned
