"""Writes of the follow-up domain: triage of a flagged declaration into a task, the calls about it, and its
hand-over to the commune where the person lives.

Every function validates what it stores, runs in one transaction and writes the audit record.
"""

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from phongdich.accounts.permissions import PEOPLE_ROLES, has_role
from phongdich.core import errors as core_errors
from phongdich.core.audit import audit_record
from phongdich.core.errors import ApplicationError
from phongdich.core.ids import id_or_404
from phongdich.core.scoping import area_visible
from phongdich.declarations import questions
from phongdich.geo.models import Area

from . import errors
from .models import FollowUpCall, FollowUpHandover, FollowUpTask
from .selectors import followups_visible_q

# A call time may be this far ahead of the server's clock (a phone's clock a little fast), not more.
CALL_CLOCK_SKEW = dt.timedelta(minutes=5)
NOTES_MAX = 2000
HANDOVER_NOTE_MAX = 500

# What a call's outcome makes of the task (docs/followups.md "Outcomes"). None: the status does not change.
_STATUS_AFTER = {
    FollowUpCall.Outcome.REACHED: FollowUpTask.Status.REACHED,
    FollowUpCall.Outcome.REFERRED_TEST: FollowUpTask.Status.REFERRED_TEST,
    FollowUpCall.Outcome.CLEARED: FollowUpTask.Status.CLEARED,
    FollowUpCall.Outcome.COULD_NOT_REACH: None,
}


@dataclass(frozen=True)
class Assignment:
    """Where a task goes: the commune, or (is_commune False) the lowest area known when no commune is."""

    area: Area
    is_commune: bool


def _ancestors_and_self(area: Area) -> list[Area]:
    """The area and its ancestors, deepest first (one query, by path prefixes)."""
    parts = area.path.strip("/").split("/")
    prefixes = ["/".join(parts[: index + 1]) + "/" for index in range(len(parts))]
    return list(Area.objects.filter(path__in=prefixes).order_by("-depth"))


def followup_area_for(*, declaration) -> Assignment | None:
    """The health station's area for a declaration: the commune where the person lives.

    The declared address wins (it is the newest); the person's recorded address is used when the declaration
    has none, or when it names a commune inside the declared (coarser) area. An address below commune level
    goes to its commune; one known only above commune level goes to that area, marked not a commune. Without
    any address the task goes to the province (root) of the person's record, marked so: the province's
    health department finds the commune. Never an area that is not the person's address or above it.
    """
    declared = declaration.area
    person_area = declaration.person.address_area
    known = declared
    if declared is None:
        known = person_area
    elif person_area is not None and declared.kind != Area.Kind.COMMUNE and person_area.is_within(declared):
        known = person_area  # more precise, and consistent with what was declared
    if known is not None:
        for area in _ancestors_and_self(known):
            if area.kind == Area.Kind.COMMUNE:
                return Assignment(area=area, is_commune=True)
        return Assignment(area=known, is_commune=False)
    root_code = (declaration.area_path or declaration.person.area_path or "").split("/", 1)[0]
    root = Area.objects.filter(parent=None, code=root_code).first() if root_code else None
    return Assignment(area=root, is_commune=False) if root is not None else None


def _labels(codes, catalogue, language: str) -> list[str]:
    return [getattr(catalogue[code], language) if code in catalogue else str(code) for code in codes]


def followup_reason(*, symptoms, exposures) -> tuple[str, str]:
    """The reason of a task in Vietnamese and English, from the answers (codes of declarations.questions)."""
    parts_vi, parts_en = [], []
    if symptoms:
        parts_vi.append("Triệu chứng: " + ", ".join(_labels(symptoms, questions.SYMPTOMS, "vi")).lower() + ".")
        parts_en.append("Symptoms: " + ", ".join(_labels(symptoms, questions.SYMPTOMS, "en")).lower() + ".")
    if exposures:
        parts_vi.append("Tiếp xúc: " + "; ".join(_labels(exposures, questions.EXPOSURES, "vi")) + ".")
        parts_en.append("Exposure: " + "; ".join(_labels(exposures, questions.EXPOSURES, "en")) + ".")
    return " ".join(parts_vi), " ".join(parts_en)


def followup_task_create_for_declaration(*, declaration, now: dt.datetime | None = None) -> FollowUpTask | None:
    """Triage: a flagged declaration gets one follow-up task in the commune where the person lives.

    Guarantees: nothing for a declaration that is not flagged; at most one task per declaration (a repeat,
    or a race with the backfill command, returns the existing task); the area is chosen by
    `followup_area_for`, never an area the person does not live in; the creation is audited
    (`followups.task.created`, by the system).
    """
    if not declaration.flagged:
        return None
    existing = FollowUpTask.objects.filter(declaration=declaration).first()
    if existing is not None:
        return existing
    assignment = followup_area_for(declaration=declaration)
    if assignment is None:  # no area anywhere in the record: cannot be placed (does not happen with a person)
        audit_record(
            actor=None,
            action="followups.task.unplaced",
            obj=declaration,
            extra={"declaration": declaration.pk},
        )
        return None
    symptoms, exposures = list(declaration.symptoms or []), list(declaration.exposures or [])
    reason_vi, reason_en = followup_reason(symptoms=symptoms, exposures=exposures)
    if not assignment.is_commune:
        reason_vi += " Địa chỉ chưa rõ đến xã/phường: " + assignment.area.name + "."
        reason_en += " Address not known to commune level: " + assignment.area.name + "."
    now = now or timezone.now()
    try:
        with transaction.atomic():
            task = FollowUpTask.objects.create(
                declaration=declaration,
                person_id=declaration.person_id,
                area=assignment.area,
                area_path=assignment.area.path,
                area_is_commune=assignment.is_commune,
                reason_vi=reason_vi,
                reason_en=reason_en,
                has_symptoms=bool(symptoms),
                has_exposure=bool(exposures),
                declared_at=declaration.submitted_at,
                created_at=now,
            )
            audit_record(
                actor=None,
                action="followups.task.created",
                obj=task,
                area_path=task.area_path,
                extra={"declaration": declaration.pk, "area_is_commune": assignment.is_commune},
            )
    except IntegrityError:
        # Created concurrently (the receiver and the backfill command): the other one's task stands.
        existing = FollowUpTask.objects.filter(declaration=declaration).first()
        if existing is None:
            raise
        return existing
    return task


def _invalid(field: str, vi: str, en: str) -> ApplicationError:
    return ApplicationError(
        core_errors.INVALID_INPUT,
        extra={"fields": {field: [core_errors.field_message(vi, en)]}},
        vi=f"{core_errors.INVALID_INPUT.vi} {vi}",
        en=f"{core_errors.INVALID_INPUT.en} {en}",
    )


def followup_call_record(
    *,
    actor,
    task_id,
    outcome: str,
    notes: str = "",
    at: dt.datetime | None = None,
    close_unreachable: bool = False,
    nonce: str | None = None,
    ip: str | None = None,
    now: dt.datetime | None = None,
) -> FollowUpCall:
    """Record one call about a task and move the task on; returns the call (`call.replayed` True on a repeat).

    Guarantees: only officials who see people, and only for tasks in their area (others: not_found, as if
    the task did not exist); nothing is written when anything is refused; a closed task takes no call
    (followup_task_closed); the outcome sets the status (reached → reached; referred_test, cleared →
    closed with that status; could_not_reach → unchanged, or unreachable and closed with
    `close_unreachable`); the same nonce records one call; the first caller becomes the assignee;
    audited as `followups.call.recorded`.
    """
    if not has_role(actor, *PEOPLE_ROLES):
        raise ApplicationError(core_errors.PERMISSION_DENIED)
    if outcome not in _STATUS_AFTER:
        raise _invalid("outcome", "Kết quả cuộc gọi không hợp lệ.", "Unknown call outcome.")
    notes = (notes or "").strip()
    if len(notes) > NOTES_MAX:
        raise _invalid(
            "notes", f"Ghi chú tối đa {NOTES_MAX} ký tự.", f"The notes may be at most {NOTES_MAX} characters."
        )
    if close_unreachable and outcome != FollowUpCall.Outcome.COULD_NOT_REACH:
        raise ApplicationError(errors.CLOSE_NOT_ALLOWED)
    if nonce is not None and not (1 <= len(nonce) <= 64):
        raise _invalid("nonce", "Mã chống gửi lặp không hợp lệ.", "Invalid nonce.")
    task_id = id_or_404(task_id)
    now = now or timezone.now()
    at = at or now
    if timezone.is_naive(at):
        at = timezone.make_aware(at, timezone.get_current_timezone())
    with transaction.atomic():
        task = FollowUpTask.objects.select_for_update().filter(followups_visible_q(actor), pk=task_id).first()
        if task is None:
            raise ApplicationError(core_errors.NOT_FOUND)
        if nonce:
            earlier = FollowUpCall.objects.filter(nonce=nonce).first()
            if earlier is not None:
                if earlier.task_id != task.pk:
                    raise _invalid("nonce", "Mã chống gửi lặp đã được dùng.", "This nonce was already used.")
                earlier.replayed = True
                return earlier
        if not task.is_open:
            raise ApplicationError(errors.TASK_CLOSED, extra={"status": task.status})
        # Forms give minutes: a call in the declaration's own minute is not "before" it.
        if at > now + CALL_CLOCK_SKEW or at < task.declared_at.replace(second=0, microsecond=0):
            raise ApplicationError(
                errors.CALL_TIME_INVALID, extra={"at": at.isoformat(), "declared_at": task.declared_at.isoformat()}
            )
        new_status = _STATUS_AFTER[outcome]
        if close_unreachable:
            new_status = FollowUpTask.Status.UNREACHABLE
        closes = new_status in FollowUpTask.CLOSED_STATUSES
        call = FollowUpCall.objects.create(
            task=task,
            official=actor,
            at=at,
            outcome=outcome,
            notes=notes,
            closed_task=closes,
            recorded_at=now,
            nonce=nonce or None,
        )
        if new_status is not None:
            task.status = new_status
        if closes:
            task.closed_at = now
        if task.assigned_to_id is None:
            task.assigned_to = actor
        task.calls_count += 1
        task.last_call_at = max(at, task.last_call_at) if task.last_call_at else at
        task.save(update_fields=["status", "closed_at", "assigned_to", "calls_count", "last_call_at"])
        audit_record(
            actor=actor,
            action="followups.call.recorded",
            obj=task,
            area_path=task.area_path,
            ip=ip,
            extra={"call": call.pk, "outcome": outcome, "status": task.status},
        )
    call.replayed = False
    return call


def followup_can_hand_over(user) -> bool:
    """Whether the user has another commune to hand a task to: officials above commune level (a commune's own
    station has only itself in its area, so the form would always be refused)."""
    if getattr(user, "is_superuser", False):
        return True
    official = getattr(user, "official", None)
    return (
        has_role(user, *PEOPLE_ROLES)
        and official is not None
        and official.area is not None
        and official.area.kind != Area.Kind.COMMUNE
    )


def followup_task_hand_over(*, actor, task_id, area_id, note: str = "", ip: str | None = None) -> FollowUpTask:
    """Hand an open task to the health station of another commune (docs/followups.md "Handing a task over").

    For a task whose address was known only above commune level (the district or province finds the commune),
    or one that reached the wrong commune. Guarantees: only officials who see people, only tasks of their area
    (others: not_found); the new area is a commune of the official's own area, not the task's present one
    (followup_handover_area_invalid); a closed task stays where it is (followup_task_closed); the task leaves
    its present assignee (the new commune's staff take it up); the hand-over is kept (FollowUpHandover) and
    audited under both areas: `followups.task.handed_away` under the area it left, `followups.task.handed_over`
    under the commune that receives it; nothing is written when anything is refused.
    """
    if not has_role(actor, *PEOPLE_ROLES):
        raise ApplicationError(core_errors.PERMISSION_DENIED)
    note = " ".join((note or "").split())
    if len(note) > HANDOVER_NOTE_MAX:
        raise _invalid(
            "note",
            f"Ghi chú tối đa {HANDOVER_NOTE_MAX} ký tự.",
            f"The note may be at most {HANDOVER_NOTE_MAX} characters.",
        )
    task_id = id_or_404(task_id)
    try:
        area = Area.objects.filter(pk=int(area_id)).first() if area_id not in (None, "") else None
    except (TypeError, ValueError, OverflowError):
        area = None
    with transaction.atomic():
        task = FollowUpTask.objects.select_for_update().filter(followups_visible_q(actor), pk=task_id).first()
        if task is None:
            raise ApplicationError(core_errors.NOT_FOUND)
        if not task.is_open:
            raise ApplicationError(errors.TASK_CLOSED, extra={"status": task.status})
        if (
            area is None
            or area.kind != Area.Kind.COMMUNE
            or not area_visible(actor, area.path)
            or area.pk == task.area_id
        ):
            raise ApplicationError(errors.HANDOVER_AREA_INVALID, extra={"field": "area"})
        handover = FollowUpHandover.objects.create(
            task=task, from_area_id=task.area_id, to_area=area, official=actor, at=timezone.now(), note=note
        )
        from_code = Area.objects.filter(pk=task.area_id).values_list("code", flat=True).first()
        from_path = task.area_path
        task.area, task.area_path, task.area_is_commune, task.assigned_to = area, area.path, True, None
        task.save(update_fields=["area", "area_path", "area_is_commune", "assigned_to"])
        # One entry under each area: an audit view shows the entries whose area_path lies in the viewer's area
        # (core.scoping), and no one path lies in two sibling communes. Two actions, so that a view above both
        # (the district) sees the two sides without counting one hand-over twice.
        sides = {"handover": handover.pk, "from": from_code, "to": area.code}
        audit_record(
            actor=actor, action="followups.task.handed_away", obj=task, area_path=from_path, ip=ip, extra=sides
        )
        audit_record(
            actor=actor, action="followups.task.handed_over", obj=task, area_path=area.path, ip=ip, extra=sides
        )
    return task


def followup_backfill(*, since) -> tuple[int, int]:
    """Create the tasks of flagged declarations submitted since `since` that have none (their receiver failed or
    was off). Safe to run at any time and more than once: one task per declaration. Returns (created, unplaced)."""
    from phongdich.declarations.models import Declaration

    # The declarations app owns Declaration; its rows are only read here (flagged, no task yet). The reverse
    # relation is this app's own FK.
    missing = (
        Declaration.objects.filter(flagged=True, submitted_at__gte=since, followup_task__isnull=True)
        .select_related("person__address_area", "area")
        .order_by("submitted_at", "id")
    )
    created = unplaced = 0
    for declaration in missing.iterator(chunk_size=500):
        if followup_task_create_for_declaration(declaration=declaration) is None:
            unplaced += 1
        else:
            created += 1
    return created, unplaced
