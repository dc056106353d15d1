# A contact reopened in a new episode (docs/cases.md, "Episodes") before 0028 has no episode start, and one reopened
# before 0033 has no earlier episodes: both are read again from the audit log, where each reopening and each write of a
# quarantine's dates is recorded. Only where the log tells what happened; the other contacts are left as they were.

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import migrations
from django.db.models.functions import Coalesce

STATUSES = ("candidate", "confirmed", "dismissed", "quarantined", "released", "became_case", "case_withdrawn")
REOPENABLE = ("released", "became_case")  # services.CONTACT_REOPENABLE: a reopening from these starts an episode


def _local_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))


def _local_day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(ZoneInfo(settings.TIME_ZONE)).date()


class Unknown(Exception):
    """The audit log does not say what the contact went through: it is left as it is."""


def _date(extra: dict, key: str) -> dt.date:
    if not extra.get(key):
        raise Unknown
    return dt.date.fromisoformat(extra[key])


def reopenings(entries) -> list[tuple[dt.datetime, dt.date | None, dt.date | None]]:
    """The reopenings that began a new episode, from a contact's audit entries (action, at, extra) in order: each as
    (when, the quarantine start and end it cleared). The quarantine's dates are replayed as the services wrote them: set
    by a quarantine (`start`, `end`), moved on by an extension (`end`), cut to the day of an early release, cleared by a
    reopening. A reopening (`candidate`, reason `met_again`) begins an episode when the contact was released or a case
    (the last status the log gives): no move out of these two goes unaudited, so the log is exact there. One of a
    contact of withdrawn cases begins none. Any other status before it means a move the log missed (until 2026-12-06 the
    tracer's closures as became_case and case_withdrawn were not audited on the contact): Unknown."""
    status, start, end, found = None, None, None, []
    for action, at, extra in entries:
        move = action.rsplit(".", 1)[1]
        if move == "quarantine_extended":
            end = _date(extra, "end")
            continue
        if move not in STATUSES:  # a read, an interview's answer: no move
            continue
        if move == "quarantined":
            start, end = _date(extra, "start"), _date(extra, "end")
        elif move == "released" and end is not None:
            end = min(end, _local_day(at))  # released early: the quarantine ended that day
        elif move == "candidate" and extra.get("reason") == "met_again":
            if status in REOPENABLE:
                found.append((at, start, end))
                start = end = None
            elif status != "case_withdrawn":
                raise Unknown
        status = move
    return found


def _episode_end(contact, at, start, end, Case) -> dt.datetime:
    """Where the episode a reopening at `at` closed ended, as services.contacts_met_again set it then: the later of the
    end of its quarantine and the person's last recovery. The person's cases are read as they are now, which is what
    they were then unless one was withdrawn or its outcome undone since (the caller's Unknown)."""
    ends = [_local_midnight(end)] if end is not None else []
    for status, changed_at in Case.objects.filter(person_id=contact.person_id, created_at__lte=at).values_list(
        "status", "status_changed_at"
    ):
        if status == "withdrawn" and changed_at is not None and changed_at <= at:
            continue  # withdrawn before: the reopening left it out too
        if status != "recovered" or changed_at is None or changed_at > at:
            raise Unknown  # under treatment or dead now, or recovered after: not what the reopening read
        ends.append(changed_at)
    if not ends:
        raise Unknown  # the reopening took the exposure itself, which is not recorded
    return max(ends)


def _kept(at: dt.datetime, start, end) -> dict:
    """models.episode_ended, as it is written."""
    return {
        "end": at.astimezone(dt.UTC).isoformat(),
        "quarantine_start": start.isoformat() if start else None,
        "quarantine_end": end.isoformat() if end else None,
    }


def contact_episodes_from_audit(apps, schema_editor):
    """Each contact the log shows reopened in a new episode (reopenings): its earlier episodes' quarantines kept
    (Contact.earlier_episodes) when missing, and, reopened before 0028, its current episode's start, its level and
    exposure span then those of its links of that episode (services.contacts_span_settle), audited as
    `cases.contact.episode_restored`. A contact reopened before 0028 without a standing link of its new episode (the
    case that met it withdrawn since) is left as it is: it would have to be closed, which is an official's or a trace's
    move, not a migration's."""
    Contact = apps.get_model("cases", "Contact")
    ContactLink = apps.get_model("cases", "ContactLink")
    Case = apps.get_model("cases", "Case")
    AuditLog = apps.get_model("core", "AuditLog")
    log = AuditLog.objects.filter(object_type="cases.contact")
    reopened = log.filter(action="cases.contact.candidate", extra__reason="met_again").values_list("object_id")
    ids = sorted({int(object_id) for (object_id,) in reopened.distinct() if object_id.isdigit()})
    actions = [f"cases.contact.{move}" for move in (*STATUSES, "quarantine_extended")]
    for contact in Contact.objects.filter(pk__in=ids, earlier_episodes__isnull=True).select_related("person"):
        entries = log.filter(object_id=str(contact.pk), action__in=actions).order_by("at", "pk")
        try:
            found = reopenings(entries.values_list("action", "at", "extra"))
            if not found:
                continue
            cases = Case.objects.filter(person_id=contact.person_id).values_list("pk", flat=True)
            changed_since = AuditLog.objects.filter(
                object_type="cases.case",
                object_id__in=[str(pk) for pk in cases],
                action__in=["cases.case.withdrawn", "cases.case.outcome_undone"],
                at__gt=found[0][0],
            )
            if changed_since.exists():
                raise Unknown
            ends = [_episode_end(contact, at, start, end, Case) for at, start, end in found]
        except Unknown:
            continue
        if contact.episode_start is not None:  # reopened since 0028: its start as the service set it
            ends[-1] = contact.episode_start
        contact.earlier_episodes = [
            _kept(end, start, quarantine_end) for end, (_, start, quarantine_end) in zip(ends, found, strict=True)
        ]
        if contact.episode_start is not None:
            contact.save(update_fields=["earlier_episodes"])
            continue
        episode_start = ends[-1]
        links = [
            (level, first, last)
            for level, first, last, moment in ContactLink.objects.filter(contact=contact)
            .exclude(case__status="withdrawn")
            .values_list(
                "level",
                "exposure_start",
                Coalesce("exposure_end", "exposure_start"),
                Coalesce("exposure_end", "exposure_start", "case__window_end"),
            )
            if moment >= episode_start
        ]
        if not links:
            continue
        before = contact.level
        contact.episode_start = episode_start
        contact.level = min(level for level, _, _ in links)
        contact.first_exposure_at = min((first for _, first, _ in links if first is not None), default=None)
        contact.last_exposure_at = max((last for _, _, last in links if last is not None), default=None)
        contact.save(
            update_fields=["earlier_episodes", "episode_start", "level", "first_exposure_at", "last_exposure_at"]
        )
        AuditLog.objects.create(
            actor=None,
            actor_label="system",
            action="cases.contact.episode_restored",
            object_type="cases.contact",
            object_id=str(contact.pk),
            area_path=contact.person.area_path,
            extra={"episode_start": episode_start.isoformat(), "from_level": before, "level": contact.level},
        )


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0033_contact_earlier_episodes'),
        ('core', '0003_verbose_names'),
    ]

    operations = [
        migrations.RunPython(contact_episodes_from_audit, migrations.RunPython.noop),
    ]
