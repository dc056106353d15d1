"""Writes to cases and contacts. Tracers (cases.tracing, telecom) and pages all add evidence through
`contact_link_add`, so a contact is one row per person whatever found it."""

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from phongdich.core.audit import audit_record
from phongdich.core.errors import ApplicationError

from . import errors
from .models import Case, Contact, ContactLink, InfectiousWindowRule


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), timezone.get_default_timezone())


def window_rule_for(sample_date: dt.date) -> InfectiousWindowRule:
    """The rule in force on `sample_date` (the latest with effective_from on or before it)."""
    rule = InfectiousWindowRule.objects.filter(effective_from__lte=sample_date).order_by("-effective_from").first()
    if rule is None:
        raise ApplicationError(errors.NO_WINDOW_RULE, extra={"sample_date": sample_date.isoformat()})
    return rule


def case_window(
    *,
    rule: InfectiousWindowRule,
    sample_date: dt.date,
    onset_date: dt.date | None,
    source_exposure_date: dt.date | None,
    isolated_at: dt.datetime,
) -> tuple[dt.datetime, dt.datetime]:
    """The infectious window [start, end) of a case under `rule` (RULES.md §1.2).

    Symptomatic: from `days_before_onset` days before onset. Asymptomatic: from the first exposure to a
    known source when the rule says so (QĐ 3638), otherwise `days_before_sample` days before the sample.
    It ends when the case is isolated; whole local days from midnight.
    """
    if onset_date is not None:
        start_day = onset_date - dt.timedelta(days=rule.days_before_onset)
    elif rule.known_source_starts_window and source_exposure_date is not None:
        start_day = source_exposure_date
    else:
        start_day = sample_date - dt.timedelta(days=rule.days_before_sample)
    start = _local_midnight(start_day)
    return start, max(start, isolated_at)


def _case_number(area_path: str) -> str:
    province = area_path.split("/", 1)[0] or "00"
    numbers = Case.objects.filter(number__startswith=f"BN-{province}-").order_by("-number")
    last = numbers.values_list("number", flat=True)
    seq = int(last[0].rsplit("-", 1)[1]) + 1 if last else 1
    return f"BN-{province}-{seq:06d}"


def case_create(
    *,
    actor,
    person,
    sample_date: dt.date | None,
    test_type: str,
    onset_date: dt.date | None = None,
    source_exposure_date: dt.date | None = None,
    isolated_at: dt.datetime | None = None,
    isolation_place: str = "",
    investigator=None,
    infected_by: Case | None = None,
    notes: str = "",
) -> Case:
    """Record a confirmed case and compute its infectious window. Refuses a second open case for a person."""
    if sample_date is None:
        raise ApplicationError(errors.CASE_DATE_MISSING, extra={"field": "sample_date"})
    if test_type not in Case.TestType.values:
        raise ApplicationError(errors.INVALID_CASE, extra={"field": "test_type"})
    today = timezone.localdate()
    if sample_date > today:
        raise ApplicationError(
            errors.INVALID_CASE,
            extra={"field": "sample_date"},
            vi="Ngày lấy mẫu không thể ở tương lai.",
            en="The sample date cannot be in the future.",
        )
    rule = window_rule_for(sample_date)
    if onset_date is not None and (onset_date - sample_date).days > rule.max_onset_after_sample_days:
        raise ApplicationError(
            errors.CASE_ONSET_TOO_LATE,
            extra={"field": "onset_date", "max_days": rule.max_onset_after_sample_days, "rule": rule.code},
        )
    if isolated_at is None:
        isolated_at = timezone.now()
    start, end = case_window(
        rule=rule,
        sample_date=sample_date,
        onset_date=onset_date,
        source_exposure_date=source_exposure_date,
        isolated_at=isolated_at,
    )
    with transaction.atomic():
        if Case.objects.select_for_update().filter(person=person, status=Case.Status.UNDER_TREATMENT).exists():
            raise ApplicationError(errors.PERSON_ALREADY_CASE, extra={"person": person.public_id})
        for _attempt in range(3):
            try:
                with transaction.atomic():
                    case = Case.objects.create(
                        number=_case_number(person.area_path),
                        person=person,
                        area_path=person.area_path,
                        sample_date=sample_date,
                        test_type=test_type,
                        onset_date=onset_date,
                        source_exposure_date=source_exposure_date,
                        isolated_at=isolated_at,
                        isolation_place=isolation_place[:255],
                        investigator=investigator,
                        infected_by=infected_by,
                        rule=rule,
                        window_start=start,
                        window_end=end,
                        notes=notes,
                        created_by=actor if getattr(actor, "is_authenticated", False) else None,
                    )
                break
            except IntegrityError:  # two cases numbered at once: take the next number
                continue
        else:
            raise ApplicationError(errors.INVALID_CASE, vi="Không cấp được số ca bệnh.", en="No case number.")
        audit_record(actor=actor, action="case.create", obj=case, area_path=case.area_path)
    return case


def tracing_max_level() -> int:
    """How deep tracing goes (2 = F1 and F2). F3 and further have no national definition (RULES.md §1.2)."""
    return getattr(settings, "TRACING_MAX_LEVEL", 2)


def contact_link_add(
    *,
    person,
    case: Case,
    level: int,
    source: str,
    setting: str,
    evidence_key: str,
    via: Contact | None = None,
    venue=None,
    place: str = "",
    exposure_start: dt.datetime | None = None,
    exposure_end: dt.datetime | None = None,
    overlap_minutes: int | None = None,
    end_assumed: bool = False,
    note: str = "",
    actor=None,
) -> tuple[ContactLink | None, bool]:
    """Add one piece of evidence that `person` is an F`level` contact of `case`; idempotent.

    Returns (link, created). The case's own person is never its contact (returns (None, False)).
    The contact row is created at the first link; its level becomes the lowest of its links and its
    exposure span widens; its status is left as an official set it.
    """
    if person.pk == case.person_id:
        return None, False
    if not 1 <= level <= tracing_max_level():
        raise ApplicationError(errors.INVALID_CONTACT, extra={"field": "level", "max": tracing_max_level()})
    if source not in ContactLink.Source.values or setting not in ContactLink.Setting.values:
        raise ApplicationError(errors.INVALID_CONTACT, extra={"field": "source"})
    with transaction.atomic():
        contact, _ = Contact.objects.select_for_update().get_or_create(
            person=person,
            defaults={
                "area_path": person.area_path,
                "level": level,
                "first_exposure_at": exposure_start,
                "last_exposure_at": exposure_end or exposure_start,
            },
        )
        link, created = ContactLink.objects.get_or_create(
            contact=contact,
            case=case,
            evidence_key=evidence_key[:200],
            defaults={
                "via": via,
                "level": level,
                "source": source,
                "setting": setting,
                "venue": venue,
                "place": place[:255],
                "exposure_start": exposure_start,
                "exposure_end": exposure_end,
                "overlap_minutes": overlap_minutes,
                "end_assumed": end_assumed,
                "note": note,
                "created_by": actor if getattr(actor, "is_authenticated", False) else None,
            },
        )
        if created:
            changed = []
            if level < contact.level:
                contact.level = level
                changed.append("level")
            if exposure_start and (contact.first_exposure_at is None or exposure_start < contact.first_exposure_at):
                contact.first_exposure_at = exposure_start
                changed.append("first_exposure_at")
            last = exposure_end or exposure_start
            if last and (contact.last_exposure_at is None or last > contact.last_exposure_at):
                contact.last_exposure_at = last
                changed.append("last_exposure_at")
            if changed:
                contact.save(update_fields=changed)
    return link, created
