"""Reads of the follow-up queue, scoped to the viewer's area (core.scoping); an official never sees another
area's queue. Opening a task reads the person's record through people.selectors.person_get (audited with
the reason "follow-up")."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Min, Prefetch, Q, QuerySet
from django.utils import timezone

from phongdich.accounts.permissions import PEOPLE_ROLES, has_role
from phongdich.core import errors as core_errors
from phongdich.core.audit import audit_record
from phongdich.core.errors import ApplicationError
from phongdich.core.ids import id_or_404
from phongdich.core.scoping import NOTHING, scope_q, viewer_area_path
from phongdich.geo.models import Area
from phongdich.geo.selectors import area_from_text

from . import errors
from .models import FollowUpCall, FollowUpHandover, FollowUpTask

# The purpose of access written to the audit log when a task's person is read.
PERSON_READ_REASON = "follow-up"

# Age bands of the queue (issue 3, item 4: "< 24 h, 1–3 days, > 3 days"), counted from the declaration's time.
# A task exactly 24 h old is in the second band; exactly 72 h old, still in the second (_age_q).
AGE_BAND_CODES = ("under_24h", "1_3_days", "over_3_days")
REASON_KINDS = ("symptoms", "exposure")
STATUS_FILTERS = ("open", "closed", "all", *FollowUpTask.Status.values)


def followups_visible_q(viewer) -> Q:
    """Tasks a viewer may see: those of their area's subtree, for roles that see people (not venue roles)."""
    if not has_role(viewer, *PEOPLE_ROLES):
        return NOTHING
    return scope_q(viewer, "area_path")


def _age_q(band: str, now: dt.datetime) -> Q:
    """The tasks whose age at `now` is in the band (edges: see AGE_BAND_CODES)."""
    day, three_days = now - dt.timedelta(hours=24), now - dt.timedelta(hours=72)
    if band == "under_24h":
        return Q(declared_at__gt=day)  # a clock slightly ahead puts a task in the first band too
    if band == "1_3_days":
        return Q(declared_at__lte=day, declared_at__gte=three_days)
    if band == "over_3_days":
        return Q(declared_at__lt=three_days)
    raise ApplicationError(errors.INVALID_FILTER, extra={"age": str(band)[:40]})


def _band_bounds(now: dt.datetime) -> dict[str, Q]:
    return {code: _age_q(code, now) for code in AGE_BAND_CODES}


def followup_filter_area(*, viewer, area_id, area_text: str | None = None) -> Area | None:
    """The area of the queue's area filter: None for no filter; followup_invalid_filter for a malformed id;
    not_found for an area outside the viewer's (as if it did not exist: another area's queue is not shown).
    `area_text`, the picker's typed text when the page sent it (None otherwise): it decides, as
    geo.selectors.area_from_text says (area_not_chosen when it names none or several of the viewer's areas)."""
    path = viewer_area_path(viewer)
    area = None
    if area_id not in (None, ""):
        try:
            area_id = int(area_id)
        except (TypeError, ValueError):
            raise ApplicationError(errors.INVALID_FILTER, extra={"area": str(area_id)[:40]}) from None
        area = Area.objects.select_related("parent").filter(pk=area_id).first() if 1 <= area_id < 2**63 else None
        if area is None or path is None or not area.path.startswith(path):
            raise ApplicationError(core_errors.NOT_FOUND)
    return area_from_text(text=area_text, chosen=area, within_path=path)


def followup_queue(
    *,
    viewer,
    status: str = "open",
    reason: str = "",
    age: str = "",
    area: Area | None = None,
    now: dt.datetime | None = None,
) -> QuerySet[FollowUpTask]:
    """Tasks in the viewer's scope, oldest declaration first, filtered.

    status: "open" (open and reached: the queue), "closed", "all" or one status; reason: "symptoms",
    "exposure" or ""; age: an AGE_BAND_CODES code or ""; area: only that subtree (already checked by
    followup_filter_area). Unknown values give followup_invalid_filter.
    """
    now = now or timezone.now()
    tasks = FollowUpTask.objects.filter(followups_visible_q(viewer))
    status = status or "open"
    if status not in STATUS_FILTERS:
        raise ApplicationError(errors.INVALID_FILTER, extra={"status": status[:40]})
    if status == "open":
        tasks = tasks.filter(status__in=FollowUpTask.OPEN_STATUSES)
    elif status == "closed":
        tasks = tasks.filter(status__in=FollowUpTask.CLOSED_STATUSES)
    elif status != "all":
        tasks = tasks.filter(status=status)
    if reason:
        if reason not in REASON_KINDS:
            raise ApplicationError(errors.INVALID_FILTER, extra={"reason": reason[:40]})
        tasks = tasks.filter(has_symptoms=True) if reason == "symptoms" else tasks.filter(has_exposure=True)
    if age:
        tasks = tasks.filter(_age_q(age, now))
    if area is not None:
        tasks = tasks.filter(area_path__startswith=area.path)
    return tasks.select_related("area", "person", "assigned_to").order_by("declared_at", "id")


def followup_task_get(*, viewer, task_id) -> FollowUpTask:
    """One task in the viewer's scope, with its declaration and calls; not_found otherwise (also when it
    exists elsewhere). The person's record is read separately, audited: followup_task_person."""
    task_id = id_or_404(task_id)
    task = (
        FollowUpTask.objects.filter(followups_visible_q(viewer), pk=task_id)
        .select_related("area__parent", "declaration__area", "assigned_to")
        .first()
    )
    if task is None:
        raise ApplicationError(core_errors.NOT_FOUND)
    return task


def followup_task_person(*, viewer, task: FollowUpTask, ip: str | None = None):
    """The task's person, audited with the reason "follow-up": whoever follows the task up must see whom to call.

    The task is in the viewer's area (followup_task_get). The person's record usually is too (people's own
    scope, person_get); when it is filed elsewhere (first recorded at a venue of another commune, or at the
    district for an address known only there, and the task since handed to the commune) it is read for the
    task's duty (people.selectors.person_get_for_duty, the audit naming the task).
    """
    from phongdich.people.selectors import person_get, person_get_for_duty

    try:
        return person_get(viewer=viewer, person_id=task.person_id, reason=PERSON_READ_REASON, ip=ip)
    except ApplicationError as exc:
        if exc.error is not core_errors.NOT_FOUND:
            raise
        if not FollowUpTask.objects.filter(followups_visible_q(viewer), pk=task.pk).exists():
            raise  # not this viewer's task either
    return person_get_for_duty(
        viewer=viewer, person_id=task.person_id, reason=PERSON_READ_REASON, duty=f"followups.task:{task.pk}", ip=ip
    )


def followup_call_get(*, viewer, task_id, call_id, ip: str | None = None) -> FollowUpCall:
    """A call about a task of the viewer's area, with its task (person's initials, answers) loaded, for an answer that
    shows it again (a call recorded through the API and repeated with its Idempotency-Key, core.api.read_again);
    not_found otherwise. Its notes are what the caller learnt of the person: audited `followups.call.viewed`."""
    call = (
        FollowUpCall.objects.filter(pk=id_or_404(call_id), task_id=id_or_404(task_id))
        .filter(task__in=FollowUpTask.objects.filter(followups_visible_q(viewer)))
        .select_related("official", "task__area", "task__person", "task__assigned_to")
        .first()
    )
    if call is None:
        raise ApplicationError(core_errors.NOT_FOUND)
    audit_record(
        actor=viewer,
        action="followups.call.viewed",
        obj=call.task,
        area_path=call.task.area_path,
        ip=ip,
        extra={"call": call.pk},
    )
    return call


@dataclass
class QueueStats:
    """The ageing of an area's open follow-ups at `now`."""

    open_count: int
    oldest_declared_at: dt.datetime | None
    now: dt.datetime
    bands: dict[str, int] = field(default_factory=dict)

    @property
    def oldest_age(self) -> dt.timedelta | None:
        return None if self.oldest_declared_at is None else self.now - self.oldest_declared_at

    @property
    def oldest_age_hours(self) -> float | None:
        age = self.oldest_age
        return None if age is None else round(age.total_seconds() / 3600, 1)

    @property
    def under_24h(self) -> int:
        return self.bands.get("under_24h", 0)

    @property
    def days_1_3(self) -> int:
        return self.bands.get("1_3_days", 0)

    @property
    def over_3_days(self) -> int:
        return self.bands.get("over_3_days", 0)


def followup_queue_stats(*, viewer, area: Area | None = None, now: dt.datetime | None = None) -> QueueStats:
    """Open count, oldest age and counts per age band of the open tasks in `area` (default: the viewer's
    whole scope), in one query. An area outside the viewer's scope gives not_found."""
    now = now or timezone.now()
    tasks = FollowUpTask.objects.filter(followups_visible_q(viewer), status__in=FollowUpTask.OPEN_STATUSES)
    if area is not None:
        path = viewer_area_path(viewer)
        if path is None or not area.path.startswith(path):
            raise ApplicationError(core_errors.NOT_FOUND)
        tasks = tasks.filter(area_path__startswith=area.path)
    aggregates = {code: Count("id", filter=q) for code, q in _band_bounds(now).items()}
    result = tasks.aggregate(open_count=Count("id"), oldest=Min("declared_at"), **aggregates)
    return QueueStats(
        open_count=result["open_count"],
        oldest_declared_at=result["oldest"],
        now=now,
        bands={code: result[code] for code in AGE_BAND_CODES},
    )


# --- Aggregates for the statistics (no personal data; the caller checks that the viewer sees the area) ----------


def followup_open_by_area_path(*, area_path: str, now: dt.datetime) -> list[tuple[str, int, dt.datetime, int]]:
    """Open tasks of a subtree now, grouped by the task's area path: (path, open, oldest declared_at, over 3 days).
    One query; one row per area with open tasks."""
    return list(
        FollowUpTask.objects.filter(area_path__startswith=area_path, status__in=FollowUpTask.OPEN_STATUSES)
        .values_list("area_path")
        .order_by()
        .annotate(
            open_count=Count("id"), oldest=Min("declared_at"), late=Count("id", filter=_age_q("over_3_days", now))
        )
    )


def followup_open_at(*, area_path: str, moments: list[dt.datetime]) -> list[tuple[int, dt.datetime | None]]:
    """For each moment, the tasks of the subtree that were open then (declared before it, not closed by it):
    (count, oldest declared_at). One query with two aggregates per moment (a period has at most 366 days) for
    the tasks never handed over; a task that was (FollowUpHandover: few) counts, at each moment, for the area it
    was with then, not the one it is with now."""
    if not moments:
        return []
    aggregates = {}
    for index, moment in enumerate(moments):
        open_then = Q(declared_at__lt=moment) & (Q(closed_at__isnull=True) | Q(closed_at__gte=moment))
        aggregates[f"n{index}"] = Count("id", filter=open_then)
        aggregates[f"o{index}"] = Min("declared_at", filter=open_then)
    in_period = FollowUpTask.objects.filter(declared_at__lt=max(moments)).exclude(closed_at__lt=min(moments))
    result = (
        in_period.filter(area_path__startswith=area_path)
        .exclude(pk__in=FollowUpHandover.objects.values("task_id"))
        .aggregate(**aggregates)
    )
    counts = [[result[f"n{index}"], result[f"o{index}"]] for index in range(len(moments))]
    touched = FollowUpHandover.objects.filter(
        Q(from_area__path__startswith=area_path) | Q(to_area__path__startswith=area_path)
    ).values("task_id")
    for task in in_period.filter(pk__in=touched).prefetch_related(
        Prefetch(
            "handovers", queryset=FollowUpHandover.objects.select_related("from_area", "to_area").order_by("at", "id")
        )
    ):
        handovers = list(task.handovers.all())
        for index, moment in enumerate(moments):
            if not (task.declared_at < moment and (task.closed_at is None or task.closed_at >= moment)):
                continue
            before = [handover for handover in handovers if handover.at <= moment]
            path = before[-1].to_area.path if before else handovers[0].from_area.path
            if path.startswith(area_path):
                counts[index][0] += 1
                oldest = counts[index][1]
                counts[index][1] = task.declared_at if oldest is None else min(oldest, task.declared_at)
    return [(count, oldest) for count, oldest in counts]
