"""Writes to cases and contacts. Tracers (cases.tracing, telecom) and pages all add evidence through
`contact_link_add`, so a contact is one row per person whatever found it."""

import calendar
import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, F, Max, Min, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from phongdich.core import errors as core_errors
from phongdich.core.audit import audit_record
from phongdich.core.dates import SARS_COV_2_FIRST_REPORTED, local_day, local_midnight
from phongdich.core.errors import ApplicationError
from phongdich.healthcards.rules import doses_in_range, recovered_within
from phongdich.people.models import Person
from phongdich.vaccination.selectors import dose_inputs_of_persons

from . import errors
from .models import (
    F1_INTERVIEW_KEY,
    OPEN_CONTACT_STATUSES,
    Case,
    Cluster,
    Contact,
    ContactLink,
    ExposureNotice,
    InfectiousWindowRule,
    QuarantineRule,
    episode_ended,
    links_of_episode_q,
    links_standing_q,
    quarantine_last_day,
)
from .origins import OriginLapsed, case_origin_standing
from .signals import send_person_case_facts_changed


def window_rule_for(sample_date: dt.date) -> InfectiousWindowRule:
    """The rule in force on `sample_date` (the latest with effective_from on or before it). None in force:
    no_window_rule, naming the earliest date a loaded rule is in force from (read from the table, `extra.earliest`)."""
    rule = InfectiousWindowRule.objects.filter(effective_from__lte=sample_date).order_by("-effective_from").first()
    if rule is not None:
        return rule
    extra = {"sample_date": sample_date.isoformat()}
    earliest = InfectiousWindowRule.objects.order_by("effective_from").values_list("effective_from", flat=True).first()
    if earliest is None:  # no rule loaded at all: the code's own message
        raise ApplicationError(errors.NO_WINDOW_RULE, extra=extra)
    raise ApplicationError(
        errors.NO_WINDOW_RULE,
        extra={**extra, "earliest": earliest.isoformat()},
        vi=f"Không có quy định về thời kỳ lây truyền áp dụng cho ngày lấy mẫu {sample_date:%d/%m/%Y}: quy định sớm "
        f"nhất có hiệu lực từ ngày {earliest:%d/%m/%Y}. Kiểm tra lại ngày lấy mẫu.",
        en=f"No infectious-window rule applies to the sample date {sample_date:%d/%m/%Y}: the earliest rule is in "
        f"force from {earliest:%d/%m/%Y}. Check the sample date.",
    )


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
    Symptoms that began after the positive sample: the earlier of the two, since on its sample day the case was
    an asymptomatic F0, infectious from before the sample (RULES.md §1.2: CV 11042's "2 ngày trước ngày lấy mẫu"
    for an F0 without symptoms, QĐ 3638's 14 days before the sample or the first contact with the source).
    It ends when the case is isolated; whole local days from midnight.
    """
    if rule.known_source_starts_window and source_exposure_date is not None:
        asymptomatic_day = source_exposure_date
    else:
        asymptomatic_day = sample_date - dt.timedelta(days=rule.days_before_sample)
    if onset_date is None:
        start_day = asymptomatic_day
    elif onset_date > sample_date:
        start_day = min(onset_date - dt.timedelta(days=rule.days_before_onset), asymptomatic_day)
    else:
        start_day = onset_date - dt.timedelta(days=rule.days_before_onset)
    start = local_midnight(start_day)
    return start, max(start, isolated_at)


# How far before the positive sample an isolation or an interview's exposure may be dated: longer than the
# longest infectious window (14 days, QĐ 3638, RULES.md §1) plus the longest quarantine an F1 served before
# testing positive (21 days under CĐ 600/CĐ-BCĐ of 05/05/2021, RULES.md), with margin. Our choice: it stops
# typing slips (1900 for 2021 emptied the infectious window and made an overlap of 964 million minutes; found
# by schemathesis, 2026-12-06).
EARLIEST_DAYS_BEFORE_SAMPLE = 60

# The length of a reason an official types, as it is kept: its columns' (a withdrawal's, a dismissal's, an early
# release's); a reason kept in the audit log only is held to the same, as the pages' forms and the API ask.
REASON_MAX = min(
    Case._meta.get_field("withdrawn_reason").max_length,
    Contact._meta.get_field("dismissed_reason").max_length,
    Contact._meta.get_field("release_reason").max_length,
)


def _reason_fits(reason: str) -> str:
    """`reason` (spaces already collapsed or stripped, as it is kept), or invalid_input naming the limit in the words
    the page's form gives (Django's for a field's max_length) when it is longer than REASON_MAX: refused for every
    caller, a management command or another app too, before anything is written, where until 2026-12-07 it was cut to
    500 characters and kept cut."""
    if len(reason) <= REASON_MAX:
        return reason
    raise core_errors.text_too_long("reason", limit=REASON_MAX, length=len(reason))


def _reason_collapsed(reason: str | None) -> str:
    """A typed reason with its runs of spaces and line breaks made one space, as it is kept; refused by _reason_fits."""
    return _reason_fits(" ".join((reason or "").split()))


def _invalid_case(field: str, vi: str, en: str) -> ApplicationError:
    return ApplicationError(errors.INVALID_CASE, extra={"field": field}, vi=vi, en=en)


def _case_facts_check(
    *,
    sample_date: dt.date | None,
    test_type: str,
    onset_date: dt.date | None,
    source_exposure_date: dt.date | None,
    isolated_at: dt.datetime,
    isolation_checked: bool = True,
) -> InfectiousWindowRule:
    """Refuse implausible case facts; the rule in force on the sample date. `isolation_checked` False: the isolation
    time was not given (now, by default) or not changed, and is not held to CASE_ISOLATION_MAX_DAYS_AFTER_SAMPLE."""
    if sample_date is None:
        raise ApplicationError(errors.CASE_DATE_MISSING, extra={"field": "sample_date"})
    if test_type not in Case.TestType.values:
        raise _invalid_case("test_type", "Loại xét nghiệm không hợp lệ.", "Unknown test type (pcr or antigen).")
    today = timezone.localdate()
    if sample_date > today:
        raise _invalid_case(
            "sample_date", "Ngày lấy mẫu không thể ở tương lai.", "The sample date cannot be in the future."
        )
    if sample_date < SARS_COV_2_FIRST_REPORTED:  # 0001-01-01 overflowed the date arithmetic below: a 500
        raise _invalid_case(
            "sample_date",
            "Ngày lấy mẫu không thể trước tháng 12/2019, khi SARS-CoV-2 được phát hiện.",
            "The sample date cannot be before December 2019, when SARS-CoV-2 was first reported.",
        )
    if onset_date is not None and onset_date > today:
        raise _invalid_case(
            "onset_date", "Ngày khởi phát không thể ở tương lai.", "The onset date cannot be in the future."
        )
    earliest = sample_date - dt.timedelta(days=EARLIEST_DAYS_BEFORE_SAMPLE)
    if onset_date is not None and onset_date < earliest:
        # A slipped year (2025 for 2026) would open a window of a year: every co-visitor an F1, notices for all.
        raise _invalid_case(
            "onset_date",
            f"Ngày khởi phát quá sớm: không thể trước ngày lấy mẫu quá {EARLIEST_DAYS_BEFORE_SAMPLE} ngày.",
            f"The onset date is too early: at most {EARLIEST_DAYS_BEFORE_SAMPLE} days before the sample date.",
        )
    if source_exposure_date is not None and source_exposure_date < earliest:
        raise _invalid_case(
            "source_exposure_date",
            f"Ngày tiếp xúc nguồn lây quá sớm: không thể trước ngày lấy mẫu quá {EARLIEST_DAYS_BEFORE_SAMPLE} ngày.",
            f"The exposure to the source is too early: at most {EARLIEST_DAYS_BEFORE_SAMPLE} days before the "
            "sample date.",
        )
    if source_exposure_date is not None and source_exposure_date > sample_date:
        raise _invalid_case(
            "source_exposure_date",
            "Ngày tiếp xúc nguồn lây phải trước ngày lấy mẫu.",
            "The exposure to the source must be on or before the sample date.",
        )
    if isolated_at > timezone.now() + dt.timedelta(minutes=5):  # a few minutes of clock skew
        raise _invalid_case(
            "isolated_at", "Thời điểm cách ly không thể ở tương lai.", "The isolation time cannot be in the future."
        )
    if timezone.localdate(isolated_at) < earliest:
        raise _invalid_case(
            "isolated_at",
            f"Thời điểm cách ly quá sớm: không thể trước ngày lấy mẫu quá {EARLIEST_DAYS_BEFORE_SAMPLE} ngày.",
            f"The isolation time is too early: at most {EARLIEST_DAYS_BEFORE_SAMPLE} days before the sample date.",
        )
    late = settings.CASE_ISOLATION_MAX_DAYS_AFTER_SAMPLE
    if isolation_checked and (timezone.localdate(isolated_at) - sample_date).days > late:
        # 07/12 typed for 07/09 made a window of 85 days: a typing slip, as an onset long after the sample is. Long
        # before the sample is allowed (an F1 in quarantine who tests positive): the window is then empty.
        isolated, sampled = _shown(isolated_at), sample_date.strftime("%d/%m/%Y")
        raise ApplicationError(
            errors.CASE_ISOLATION_TOO_LATE,
            extra={"field": "isolated_at", "max_days": late, "sample_date": sample_date.isoformat()},
            vi=f"Thời điểm cách ly ({isolated}) muộn hơn ngày lấy mẫu ({sampled}) quá {late} ngày: có lẽ đã gõ nhầm "
            "ngày. Hãy kiểm tra lại ngày lấy mẫu và thời điểm cách ly.",
            en=f"The isolation time ({isolated}) is more than {late} days after the sample date ({sampled}): probably "
            "a typing slip. Check the sample date and the isolation time.",
        )
    rule = window_rule_for(sample_date)
    if onset_date is not None and (onset_date - sample_date).days > rule.max_onset_after_sample_days:
        days = rule.max_onset_after_sample_days
        raise ApplicationError(
            errors.CASE_ONSET_TOO_LATE,
            extra={"field": "onset_date", "max_days": days, "rule": rule.code},
            # The rule's name (the document and its date), as the case page shows it; the code stays in `extra`.
            vi=f"Ngày khởi phát triệu chứng không thể sau ngày lấy mẫu quá {days} ngày (theo {rule.name}).",
            en=f"The symptom onset can be at most {days} days after the sample date (by {rule.name}).",
        )
    return rule


def _case_number(area_path: str) -> str:
    province = area_path.split("/", 1)[0] or "00"
    numbers = Case.objects.filter(number__startswith=f"BN-{province}-").order_by("-number")
    last = numbers.values_list("number", flat=True)
    seq = int(last[0].rsplit("-", 1)[1]) + 1 if last else 1
    return f"BN-{province}-{seq:06d}"


def _person_lock(person_id: int) -> None:
    """Entering a case for a person and giving them a contact link one at a time: each closes or writes the person's
    contact after asking about the other (an open contact to close; a case under treatment that makes the contact
    `became_case`), and run at once each missed the other's uncommitted row, leaving a case under treatment who is a
    candidate to call. NO KEY: a row inserted that refers to the person need not wait."""
    list(Person.objects.select_for_update(no_key=True).filter(pk=person_id).values_list("pk", flat=True))


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
    cluster: Cluster | None = None,
    origin: str = "",
) -> Case:
    """Record a confirmed case and compute its infectious window. Refuses a second open case for a person.

    Guarantees: the dates are plausible (_case_facts_check), the window is the one of the rule in force on
    the sample date, the number is unique, and the entry is audited as `cases.case.created`. The person's open
    contact becomes `became_case`, and the people they named when interviewed as an F1 and met within the window
    become the case's F1 (_named_as_f1_carry; what it did is the returned case's `from_f1_interview`). Invalid input
    raises ApplicationError and writes nothing.
    """
    # Not given: isolated now, when the case is entered, however old the sample (a result recorded late still opens
    # its case); only a time given is held to CASE_ISOLATION_MAX_DAYS_AFTER_SAMPLE.
    isolation_checked = isolated_at is not None
    if isolated_at is None:
        isolated_at = timezone.now()
    rule = _case_facts_check(
        sample_date=sample_date,
        test_type=test_type,
        onset_date=onset_date,
        source_exposure_date=source_exposure_date,
        isolated_at=isolated_at,
        isolation_checked=isolation_checked,
    )
    case_source_check(case=None, person=person, source=infected_by)
    start, end = case_window(
        rule=rule,
        sample_date=sample_date,
        onset_date=onset_date,
        source_exposure_date=source_exposure_date,
        isolated_at=isolated_at,
    )
    with transaction.atomic():
        # The people the person named as an F1 become the case's F1 below: their rows are locked with the person's,
        # in person order, before any contact (the order every writer of one person and its contact takes).
        named_persons = set(_named_as_f1(person.pk).values_list("contact__person_id", flat=True))
        _persons_lock({person.pk, *named_persons})
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
                        cluster=cluster,
                        rule=rule,
                        window_start=start,
                        window_end=end,
                        notes=notes,
                        origin=origin[:100],
                        created_by=actor if getattr(actor, "is_authenticated", False) else None,
                    )
                break
            except IntegrityError:
                # Another entry of the same person committed first (case_one_open_per_person), or two cases were
                # numbered at once: then take the next number.
                if Case.objects.filter(person=person, status=Case.Status.UNDER_TREATMENT).exists():
                    raise ApplicationError(errors.PERSON_ALREADY_CASE, extra={"person": person.public_id}) from None
                continue
        else:
            raise ApplicationError(errors.INVALID_CASE, vi="Không cấp được số ca bệnh.", en="No case number.")
        audit_record(actor=actor, action="cases.case.created", obj=case, area_path=case.area_path)
        # The person's contact and those of the people they named, in person order (as a trace's upsert locks them):
        # closing the one and adding to the others one by one held the person's while waiting for a lower one's.
        list(
            Contact.objects.select_for_update(no_key=True)
            .filter(person_id__in={person.pk, *named_persons})
            .order_by("person_id")
            .values_list("pk", flat=True)
        )
        _contact_became_case(actor=actor, case=case)
        case.from_f1_interview = _named_as_f1_carry(actor=actor, case=case, locked=named_persons)
        send_person_case_facts_changed([case.person_id])
    return case


def _persons_lock(person_ids) -> None:
    """_person_lock for several persons, in person order."""
    persons = Person.objects.select_for_update(no_key=True).filter(pk__in=list(person_ids)).order_by("pk")
    list(persons.values_list("pk", flat=True))


# --- A contact who becomes a case: the people they named as an F1 --------------------------------------------------
#
# docs/cases.md, "The people they named as an F1". An F1 interviewed names their own close contacts (household,
# workplace, transport, other) as F2 (contact_interview_f2_add). When that F1 is entered as a case, those meetings
# with the person are meetings with an F0: the ones within the new case's infectious window make the people met its
# F1, as if named in its own interview (contact_interview_add). The check-in tracer's F2 through the person are not
# copied: the new case's own trace finds them as its F1 from the same check-ins.


@dataclass(frozen=True)
class FromF1Interview:
    """What entering a case did with the people its person named when interviewed as an F1 (case_create sets it on
    the case it returns as `from_f1_interview`): how many became its F1, and how many were left as they were because
    no meeting named falls in the case's infectious window."""

    added: int = 0
    outside_window: int = 0


def _interview_links_via(contact_ids):
    """The links of the F2 named in the interviews of these contacts (`via` them, source interview: one per case the
    F2 was written for), read through the partial index contact_link_interview_via. Its condition is written into the
    statement as a literal: bound as a parameter, a prepared statement's generic plan could not tell that the index
    covers it, and would read every link of the province."""
    table, column = connection.ops.quote_name(ContactLink._meta.db_table), connection.ops.quote_name("source")
    return ContactLink.objects.filter(via_id__in=sorted(set(contact_ids))).extra(
        where=[f"{table}.{column} = '{ContactLink.Source.INTERVIEW.value}'"]
    )


def _named_as_f1(person_id: int):
    """The interview links naming others through `person_id`'s contact: the F2 they named as an F1, one link per case
    they were an F1 of. Looked up by that contact (`via`), not through the cases the person is an F1 of: a later trace
    may have deleted the person's own F1 link to a case (a corrected window or check-in: docs/cases.md, "Tracing
    again"), and the meetings they named are meetings with the person all the same."""
    contact_id = Contact.objects.filter(person_id=person_id).values_list("pk", flat=True).first()
    if contact_id is None:
        return ContactLink.objects.none()
    return _interview_links_via([contact_id]).filter(level=2)


def _meeting_in_window(link: ContactLink, case: Case) -> bool:
    """Whether a meeting named in an interview falls in `case`'s infectious window [start, end): not over before it
    opened (judged as the case interview judges it, _exposure_over_before) nor begun once the case was isolated. A
    meeting named without times was before the interview that named it: over before the window if that interview was
    (its link's created_at), else it may be within it, and counts, as an undated meeting named in a case's own
    interview does."""
    start, end = link.exposure_start, link.exposure_end
    if start is None and end is None:
        return link.created_at > case.window_start
    return not _exposure_over_before(case.window_start, start, end) and not _exposure_begun_after(
        case.window_end, start, end
    )


def _named_as_f1_carry(*, actor, case: Case, locked: set[int]) -> FromF1Interview:
    """Give the new `case` the people its person named when interviewed as an F1: for each meeting named (one per
    answer, whichever cases the F2 link was written for) within the case's window, an F1 link of the case (source
    interview, the setting, place, times and note copied, evidence key F1_INTERVIEW_KEY with the case the person was
    an F1 of and the link copied), through contact_link_add (their contact's level then 1, the lowest of its links; a
    closed contact reopened or a dismissed one left dismissed as for any new evidence), audited as
    `cases.contact.interview_added`. Read under the lock of the person's contact, which case_create holds: an F2 added
    meanwhile is here, and one added after waits and is refused (the F1 became a case). In case_create's
    transaction: a failure leaves no case."""
    meetings: dict[tuple[int, str], ContactLink] = {}
    links = _named_as_f1(case.person_id).select_related("case", "contact__person")
    for link in links.order_by("contact__person_id", "case__number", "pk"):
        meetings.setdefault((link.contact_id, link.evidence_key), link)
    named = {link.contact_id for link in meetings.values()}
    added: set[int] = set()
    for link in meetings.values():
        # `locked`: the persons case_create locked before the person's contact. One named in the instant between its
        # read and the lock is left out (told as not added) rather than locked late, out of person order (deadlock).
        if not _meeting_in_window(link, case) or link.contact.person_id not in locked:
            continue
        new, created = contact_link_add(
            person=link.contact.person,
            case=case,
            level=1,
            source=ContactLink.Source.INTERVIEW,
            setting=link.setting,
            evidence_key=f"{F1_INTERVIEW_KEY}{link.case.number}:{link.pk}",
            place=link.place,
            exposure_start=link.exposure_start,
            exposure_end=link.exposure_end,
            overlap_minutes=link.overlap_minutes,
            note=link.note,
            actor=actor,
        )
        added.add(link.contact_id)
        if created:
            audit_record(
                actor=actor,
                action="cases.contact.interview_added",
                obj=new.contact,
                area_path=new.contact.area_path,
                extra={
                    "case": case.number,
                    "setting": link.setting,
                    "named_as_f1_of": link.case.number,
                    "named_by": link.via_id,
                },
            )
    return FromF1Interview(added=len(added), outside_window=len(named - added))


def _contact_system_move(
    *, actor, contact: Contact, status: str, changed_by, area_path: str, extra: dict, also: tuple[str, ...] = ()
) -> None:
    """A status the system gives a contact (became a case, closed or reopened with a withdrawn case), saved with the
    fields in `also` the caller set, and audited as `cases.contact.<status>`."""
    contact.status, contact.status_changed_at, contact.status_changed_by = status, timezone.now(), changed_by
    contact.save(update_fields=["status", "status_changed_at", "status_changed_by", *also])
    audit_record(actor=actor, action=f"cases.contact.{status}", obj=contact, area_path=area_path, extra=extra)


def _contact_became_case(*, actor, case: Case) -> None:
    """The new case's person, if an open contact (candidate, confirmed, in quarantine), is one no longer: off the
    work lists and the F1/F2 counts, still shown with the evidence on the cases that found them."""
    contact = (
        Contact.objects.select_for_update(no_key=True)
        .filter(person_id=case.person_id, status__in=OPEN_CONTACT_STATUSES)
        .first()
    )
    if contact is None:
        return
    _contact_system_move(
        actor=actor,
        contact=contact,
        status=Contact.Status.BECAME_CASE,
        changed_by=actor if getattr(actor, "is_authenticated", False) else None,
        area_path=case.area_path,
        extra={"from": contact.status, "case": case.number},
    )


def contacts_of_cases_close(person_ids, *, now: dt.datetime) -> list[tuple[int, str]]:
    """Candidates among `person_ids` who are cases under treatment become `became_case` (a tracer met them: the
    meeting is kept as evidence, but they are not contacts to call). The open cases are few: read them first.
    Returns (contact id, the person's area path) of the contacts closed, for contacts_became_case_audit."""
    person_ids = list(person_ids)
    cases = Case.objects.filter(status=Case.Status.UNDER_TREATMENT)
    if len(person_ids) <= 500:  # an interview's one person, a small trace: look them up instead
        cases = cases.filter(person_id__in=person_ids)
    under_treatment = set(cases.values_list("person_id", flat=True))
    persons = sorted(under_treatment.intersection(person_ids))
    if not persons:
        return []
    # One statement that tells which rows it changed (the ORM's update() only counts them); both databases.
    marks = ", ".join(["%s"] * len(persons))
    contacts = Contact._meta.db_table  # no alias: SQLite's RETURNING knows the table by its name only
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {contacts} SET status = %s, status_changed_at = %s WHERE person_id IN ({marks}) AND status = %s"
            f" RETURNING id, (SELECT p.area_path FROM {Person._meta.db_table} p WHERE p.id = {contacts}.person_id)",
            [
                Contact.Status.BECAME_CASE.value,
                connection.ops.adapt_datetimefield_value(now),
                *persons,
                Contact.Status.CANDIDATE.value,
            ],
        )
        return cursor.fetchall()


def contacts_became_case_audit(*, actor, case: Case, closed) -> None:
    """Audit the contacts a trace or a link closed as `became_case` ((contact id, area path), as
    contacts_of_cases_close and tracing._CONTACTS_BECAME_CASE_SQL return them): the system's move, as entering
    the case makes it (_contact_became_case), with the case whose evidence met the person."""
    for contact_id, area_path in closed:
        audit_record(
            actor=actor,
            action=f"cases.contact.{Contact.Status.BECAME_CASE.value}",
            obj=Contact(pk=contact_id),
            area_path=area_path,
            extra={"from": Contact.Status.CANDIDATE.value, "reason": "met_while_case", "case": case.number},
        )


# Closed contacts that a later exposure to a standing case reopens as candidates (docs/cases.md, "Contacts and their
# status"): one contact row per person, so an F1 released in the spring, or a former F1 who became a case and
# recovered, met by a new case in the autumn, is someone to call again.
CONTACT_REOPENABLE = (Contact.Status.RELEASED, Contact.Status.BECAME_CASE)


def contacts_met_again(
    contacts: list[Contact], first_exposure: dict[int, dt.datetime]
) -> list[tuple[Contact, dt.datetime]]:
    """Those of `contacts` (released or became_case) whom an exposure from `first_exposure[person_id]` on reopens: it
    is on or after the end of their quarantine (the whole end day, as the status card counts it), and the person is
    not a case under treatment, not dead, and did not recover on or after it (met while ill is no new exposure). So
    tracing the case that closed them again reopens nothing: its exposures came before that quarantine or that case.
    tracing._CONTACTS_UPSERT_SQL says the same in SQL.

    Each comes with the start of its new episode (Contact.episode_start): the end of what closed it, the later of its
    quarantine's end (its first day out, from midnight) and its person's last recovery; the exposure itself when
    neither is known. The end, not the exposure: evidence of another case from between the two, traced later, is of
    this episode too, as it would have reopened the contact itself."""
    closed = [c for c in contacts if c.status in CONTACT_REOPENABLE and c.person_id in first_exposure]
    closed = [
        c for c in closed if c.quarantine_end is None or first_exposure[c.person_id] >= local_midnight(c.quarantine_end)
    ]
    if not closed:
        return []
    blocking: dict[int, list] = {}
    cases = Case.objects.filter(person_id__in={c.person_id for c in closed}).exclude(status=Case.Status.WITHDRAWN)
    for person_id, status, changed_at in cases.values_list("person_id", "status", "status_changed_at"):
        blocking.setdefault(person_id, []).append((status, changed_at))

    def ill_since(contact: Contact) -> bool:
        first = first_exposure[contact.person_id]
        return any(
            status != Case.Status.RECOVERED or changed_at is None or changed_at >= first
            for status, changed_at in blocking.get(contact.person_id, [])
        )

    def episode_start(contact: Contact) -> dt.datetime:
        ends = [changed_at for _status, changed_at in blocking.get(contact.person_id, [])]  # all recovered, before
        if contact.quarantine_end is not None:
            ends.append(local_midnight(contact.quarantine_end))
        return max(ends, default=first_exposure[contact.person_id])

    return [(c, episode_start(c)) for c in closed if not ill_since(c)]


def contact_reopen(*, actor, contact: Contact, case: Case, episode_start: dt.datetime) -> None:
    """Reopen a closed contact (contacts_met_again) as a candidate in a new episode from `episode_start`, by the
    system's hand, after the evidence that met them was written: its old quarantine dates cleared (a new quarantine
    starts from the new exposure, and its F2 are traced until then), its level and exposure span those of the links of
    the new episode (contacts_span_settle: the old episode's no longer count). The old quarantine is kept with the
    episode it ended (Contact.earlier_episodes): a trace of the old case again bounds the F2 of this F1 by it. Audited
    as `cases.contact.candidate` with the case that met them; `contact` holds what was written."""
    ended = episode_ended(
        episode_start=episode_start, quarantine_start=contact.quarantine_start, quarantine_end=contact.quarantine_end
    )
    contact.earlier_episodes = [*(contact.earlier_episodes or []), ended]
    contact.quarantine_start = contact.quarantine_end = None
    contact.episode_start = episode_start
    contact.release_reason = ""  # the last episode's early release: this episode has none yet
    _contact_system_move(
        actor=actor,
        contact=contact,
        status=Contact.Status.CANDIDATE,
        changed_by=None,
        area_path=contact.area_path,
        extra={"reason": "met_again", "case": case.number},
        also=("quarantine_start", "quarantine_end", "episode_start", "earlier_episodes", "release_reason"),
    )
    contacts_span_settle(Contact.objects.filter(pk=contact.pk))
    contact.refresh_from_db(fields=["level", "first_exposure_at", "last_exposure_at"])


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
    quarantine_breach: bool = False,
    actor=None,
) -> tuple[ContactLink | None, bool]:
    """Add one piece of evidence that `person` is an F`level` contact of `case`; idempotent.

    Returns (link, created). The case's own person is never its contact (returns (None, False)).
    The contact row is created at the first link; its level becomes the lowest of the links of its current episode
    and its exposure span widens to them (evidence of an earlier episode is kept and changes nothing:
    Contact.episode_start); its status is left as an official set it, but for a closed contact that this evidence
    reopens (a contact of withdrawn cases, or contacts_met_again, which starts a new episode).
    """
    if person.pk == case.person_id:
        return None, False
    if not 1 <= level <= tracing_max_level():
        raise ApplicationError(errors.INVALID_CONTACT, extra={"field": "level", "max": tracing_max_level()})
    if source not in ContactLink.Source.values or setting not in ContactLink.Setting.values:
        raise ApplicationError(errors.INVALID_CONTACT, extra={"field": "source"})
    with transaction.atomic():
        case_refuse_if_withdrawn(case, lock=True)
        _person_lock(person.pk)  # against the same person's case entered meanwhile
        # NO KEY UPDATE, as the tracer's upsert takes: only the level and the exposure span change.
        contact, contact_created = Contact.objects.select_for_update(no_key=True).get_or_create(
            person=person,
            defaults={
                "level": level,
                "first_exposure_at": exposure_start,
                "last_exposure_at": exposure_end or exposure_start,
            },
        )
        if contact_created:
            closed = contacts_of_cases_close([person.pk], now=timezone.now())
            contacts_became_case_audit(actor=actor, case=case, closed=closed)
            contact.refresh_from_db(fields=["status"])
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
                "quarantine_breach": quarantine_breach,
                "created_by": actor if getattr(actor, "is_authenticated", False) else None,
            },
        )
        # Evidence of an episode the contact has left (a late interview of the spring's case, for an F1 met again in
        # the autumn) is kept, and changes nothing on the contact: its level and span are the current episode's.
        current = created and contact.link_in_episode(link)
        if current and contact.status == Contact.Status.CASE_WITHDRAWN:
            # A contact of withdrawn cases only, met by a case that stands: a candidate again, as this evidence has it
            # (or a case already, if the person is under treatment now), by the system's hand, not the withdrawer's.
            under_treatment = Case.objects.filter(person_id=person.pk, status=Case.Status.UNDER_TREATMENT).exists()
            contact.level, contact.first_exposure_at = level, exposure_start
            contact.last_exposure_at = exposure_end or exposure_start
            _contact_system_move(
                actor=actor,
                contact=contact,
                status=Contact.Status.BECAME_CASE if under_treatment else Contact.Status.CANDIDATE,
                changed_by=None,
                area_path=person.area_path,
                extra={"reason": "met_again", "case": case.number},
                also=("level", "first_exposure_at", "last_exposure_at"),
            )
        elif current:
            # Evidence without times (an interview): the meeting was at the latest when the case was isolated.
            met = exposure_start or exposure_end or case.window_end
            again = contacts_met_again([contact], {person.pk: met})
            if again:
                [(_, episode_start)] = again
                contact_reopen(actor=actor, contact=contact, case=case, episode_start=episode_start)
                return link, created
            changed = []
            last = exposure_end or exposure_start
            if level < contact.level:
                # A lower level: its evidence alone gives the span (the episode had none of this level yet).
                contact.level, contact.first_exposure_at, contact.last_exposure_at = level, exposure_start, last
                changed += ["level", "first_exposure_at", "last_exposure_at"]
            elif level == contact.level:
                if exposure_start and (contact.first_exposure_at is None or exposure_start < contact.first_exposure_at):
                    contact.first_exposure_at = exposure_start
                    changed.append("first_exposure_at")
                if last and (contact.last_exposure_at is None or last > contact.last_exposure_at):
                    contact.last_exposure_at = last
                    changed.append("last_exposure_at")
            # A further level's evidence (an F1's F2 link) changes nothing: an F1's span, which its quarantine
            # counts from, is that of its meetings with the F0 (RULES.md §2, CĐ 600 "from ... last contact").
            if changed:
                contact.save(update_fields=changed)
                if "last_exposure_at" in changed and contact.status == Contact.Status.QUARANTINED:
                    quarantine_ends_extend([contact.pk], actor=actor)  # met again during the quarantine
    return link, created


# --- Changing a case -----------------------------------------------------------------------------------

_CASE_UPDATABLE = {
    "sample_date",
    "test_type",
    "onset_date",
    "source_exposure_date",
    "isolated_at",
    "isolation_place",
    "investigator",
    "infected_by",
    "cluster",
    "notes",
}
_WINDOW_FIELDS = {"sample_date", "test_type", "onset_date", "source_exposure_date", "isolated_at"}


def case_source_check(*, case: Case | None, person, source: Case | None) -> None:
    """Refuse a source case that is the case itself, the same person, one of its own descendants (a loop), or a
    withdrawn case newly named (it infected nobody; a case that named it before keeps it, so that editing its other
    fields does not ask the official to clear a field they did not touch)."""
    if source is None:
        return
    if source.person_id == person.pk or (case is not None and source.pk == case.pk):
        raise errors.case_source_invalid("itself")
    if source.status == Case.Status.WITHDRAWN and (case is None or source.pk != case.infected_by_id):
        raise errors.case_source_invalid("withdrawn", source.number)
    if case is None:
        return
    seen, current = set(), source
    while current is not None and current.pk not in seen:  # walk up the chain from the new source
        if current.pk == case.pk:
            raise errors.case_source_invalid("loop", source.number)
        seen.add(current.pk)
        current = current.infected_by


def _cluster_change_check(*, actor, case: Case, new: Cluster | None, move_from: int | None) -> Cluster | None:
    """Refuse taking `case` out of the cluster it is in (for `new`, or for none) unless the official sees that
    cluster (selectors.clusters_visible_q; case_in_other_cluster, not naming it), and moving it into another one
    unless `move_from` names the cluster it leaves (case_in_other_cluster naming it: the official confirms). The
    cluster it leaves, or None."""
    old = case.cluster
    if old is None or (new is not None and new.pk == old.pk):
        return None
    from .selectors import cluster_visible

    if not cluster_visible(viewer=actor, cluster=old):
        raise errors.case_in_other_cluster(case.number)
    if new is not None and move_from != old.pk:
        raise errors.case_in_other_cluster(case.number, old)
    return old


def case_update(*, actor, case: Case, cluster_move_from: int | None = None, **fields) -> Case:
    """Change a case's facts; the infectious window and its rule are computed again from the new facts.

    A case in a cluster goes into another only with `cluster_move_from`, the id of the cluster it leaves, and out of
    one only by an official who sees it (_cluster_change_check); a move is audited as `cases.case.cluster_moved`
    with both clusters. Audited as `cases.case.updated` with the names of the changed fields (and the old and new
    window when it moved). A new sample date or isolation time is held to CASE_ISOLATION_MAX_DAYS_AFTER_SAMPLE (an
    unchanged pair is not: editing the notes of a case entered late is not refused).

    When the window or its rule changed and the case was traced from check-ins before (`traced_at` set), it is traced
    again in the same transaction (tracing.case_trace_checkins, interactively, as the case page's button does: it
    finds what the new window covers, drops the check-in evidence the check-ins no longer give, and the notices
    outside the window); the returned case's `traced_again` is that trace's TraceOutcome, None when there was none
    (a case never traced is not started here). Evidence from interviews and telecom records is not touched.
    """
    unknown = set(fields) - _CASE_UPDATABLE
    if unknown:
        raise ApplicationError(errors.INVALID_CASE, extra={"field": sorted(unknown)[0]})
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        if case.status == Case.Status.WITHDRAWN:
            raise ApplicationError(errors.CASE_WITHDRAWN, extra={"case": case.number})
        values = {name: getattr(case, name) for name in _CASE_UPDATABLE}
        values.update(fields)
        if "isolation_place" in fields:
            values["isolation_place"] = (values["isolation_place"] or "")[:255]
        isolated_at = values["isolated_at"] or case.isolated_at
        rule = _case_facts_check(
            sample_date=values["sample_date"],
            test_type=values["test_type"],
            onset_date=values["onset_date"],
            source_exposure_date=values["source_exposure_date"],
            isolated_at=isolated_at,
            isolation_checked=(values["sample_date"], isolated_at) != (case.sample_date, case.isolated_at),
        )
        case_source_check(case=case, person=case.person, source=values["infected_by"])
        left = None
        if "cluster" in fields:
            left = _cluster_change_check(actor=actor, case=case, new=values["cluster"], move_from=cluster_move_from)
        if "investigator" in fields and values["investigator"] is not None:
            from .selectors import case_investigators

            if not case_investigators(case=case).filter(pk=values["investigator"].pk).exists():
                raise _invalid_case(
                    "investigator",
                    "Điều tra viên phải là cán bộ đang hoạt động của địa bàn có ca bệnh này.",
                    "The investigator must be an active official of an area this case is in.",
                )
        changed = [name for name in sorted(_CASE_UPDATABLE) if values[name] != getattr(case, name)]
        case.traced_again = None
        if not changed:
            return case
        old_window = (case.window_start, case.window_end, case.rule_id)
        for name in changed:
            setattr(case, name, values[name])
        case.rule = rule
        case.window_start, case.window_end = case_window(
            rule=rule,
            sample_date=case.sample_date,
            onset_date=case.onset_date,
            source_exposure_date=case.source_exposure_date,
            isolated_at=case.isolated_at,
        )
        case.save()
        extra = {"fields": changed}
        if old_window[:2] != (case.window_start, case.window_end):
            extra["window"] = [old_window[0].isoformat(), old_window[1].isoformat()]
        window_moved = old_window != (case.window_start, case.window_end, case.rule_id)
        if window_moved and case.traced_at is not None:
            extra["traced_again"] = True
        audit_record(actor=actor, action="cases.case.updated", obj=case, area_path=case.area_path, extra=extra)
        if left is not None and case.cluster is not None:
            audit_record(
                actor=actor,
                action="cases.case.cluster_moved",
                obj=case,
                area_path=case.area_path,
                extra={
                    "case": case.number,
                    "from": left.pk,
                    "from_name": left.name,
                    "to": case.cluster.pk,
                    "to_name": case.cluster.name,
                },
            )
        if window_moved and case.traced_at is not None:
            from .tracing import case_trace_checkins  # here: tracing imports this module

            # Its own audit entry (case.trace_checkins) says what it found and dropped.
            case.traced_again = case_trace_checkins(case=case, actor=actor)
    return case


# Outcomes of a case (Case.Status): only a case under treatment changes, to recovered or died.
_CASE_NEXT = {Case.Status.UNDER_TREATMENT: {Case.Status.RECOVERED, Case.Status.DIED}}
# An outcome recorded by mistake (the wrong case, the wrong outcome) is undone this long after it was recorded, with a
# reason (case_outcome_undo); after that the record stands. Our choice, not from a text: long enough to notice a
# slip the same day, short enough that what followed (a card, a certificate) has not gone far.
OUTCOME_UNDO_HOURS = 24


def case_recovery_usual_from(case: Case) -> dt.date | None:
    """The first day a recovery of `case` is recorded without asking the official to check the date:
    CASE_RECOVERY_MIN_DAYS after the positive sample (unconfirmed, docs/configuration.md); None when the setting
    is 0."""
    days = settings.CASE_RECOVERY_MIN_DAYS
    return case.sample_date + dt.timedelta(days=days) if days else None


def _recovery_early(case: Case, on: dt.date) -> ApplicationError | None:
    usual = case_recovery_usual_from(case)
    if usual is None or on >= usual:
        return None
    days = settings.CASE_RECOVERY_MIN_DAYS
    after = (on - case.sample_date).days
    return ApplicationError(
        errors.CASE_RECOVERY_EARLY,
        extra={
            "field": "date",
            "sample_date": case.sample_date.isoformat(),
            "usual_from": usual.isoformat(),
            "min_days": days,
        },
        vi=f"Khỏi bệnh ngày {on:%d/%m/%Y}, {after} ngày sau ngày lấy mẫu dương tính ({case.sample_date:%d/%m/%Y}): "
        f"sớm hơn {days} ngày thường thấy (từ {usual:%d/%m/%Y}; {days} ngày là cài đặt của tỉnh, không phải quy định "
        "của Bộ Y tế). "
        "Kiểm tra lại ngày; nếu ngày đúng, đánh dấu xác nhận rồi ghi nhận lại.",
        en=f"Recovered on {on:%d/%m/%Y}, {after} days after the positive sample ({case.sample_date:%d/%m/%Y}): "
        f"earlier than the usual {days} days (from {usual:%d/%m/%Y}; {days} days is a setting of the province, not a "
        "national rule). "
        "Check the date; if it is right, tick to confirm it and record again.",
    )


def case_status_set(*, actor, case: Case, status: str, on: dt.date | None = None, date_confirmed: bool = False) -> Case:
    """Record the outcome of a case (recovered or died) on a date between the sample date and today.

    A recovery earlier than CASE_RECOVERY_MIN_DAYS after the sample is recorded only with `date_confirmed`
    (case_recovery_early otherwise: a warning the official answers, the figure being unconfirmed). A recovered or
    dead case does not change again (case_status_transition), but for case_outcome_undo shortly after. Audited as
    `cases.case.<status>`.
    """
    if status not in Case.Status.values:
        raise _invalid_case("status", "Tình trạng không hợp lệ.", "Unknown status.")
    today = timezone.localdate()
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        if status not in _CASE_NEXT.get(case.status, set()):
            raise ApplicationError(errors.CASE_STATUS_TRANSITION, extra={"from": case.status, "to": status})
        on = on or today
        if on > today or on < case.sample_date:
            raise _invalid_case(
                "date",
                "Ngày phải từ ngày lấy mẫu đến hôm nay.",
                "The date must be between the sample date and today.",
            )
        early = _recovery_early(case, on) if status == Case.Status.RECOVERED else None
        if early is not None and not date_confirmed:
            raise early
        now = timezone.now()
        case.status = status
        case.status_changed_at = now if on == today else local_midnight(on)
        case.outcome_recorded_at = now
        case.save(update_fields=["status", "status_changed_at", "outcome_recorded_at"])
        extra = {"on": on.isoformat()}
        if early is not None:
            extra["date_confirmed"] = True  # earlier than CASE_RECOVERY_MIN_DAYS, the official confirmed it
        audit_record(actor=actor, action=f"cases.case.{status}", obj=case, area_path=case.area_path, extra=extra)
        send_person_case_facts_changed([case.person_id])
    return case


def case_outcome_undo_until(case: Case) -> dt.datetime | None:
    """Until when `case`'s recorded outcome may be undone (OUTCOME_UNDO_HOURS after it was recorded); None when it
    may not (any longer): no outcome, one recorded before the platform kept when, or the hours are over."""
    if case.status not in (Case.Status.RECOVERED, Case.Status.DIED):
        return None
    return _undo_until(case.outcome_recorded_at, OUTCOME_UNDO_HOURS)


def _undo_until(done_at: dt.datetime | None, hours: int) -> dt.datetime | None:
    """`hours` after `done_at`, while that is still to come; None once over, or when the moment was not kept."""
    if done_at is None:
        return None
    until = done_at + dt.timedelta(hours=hours)
    return until if timezone.now() <= until else None


def case_outcome_undo(*, actor, case: Case, reason: str) -> Case:
    """Take back an outcome recorded by mistake: a recovered or dead case is under treatment again, within
    OUTCOME_UNDO_HOURS of the recording (case_outcome_undo_closed after, or once the citizen was given a recovery
    certificate, which only its administrator revokes), with a reason (case_outcome_undo_reason_required), while the
    person has no other case under treatment (person_already_case). As when a case is entered, the person's contact
    opened meanwhile (met again after the recovery) is closed as `became_case`. Audited as `cases.case.outcome_undone`
    with the outcome and its day, and the status card computed again."""
    reason = _reason_collapsed(reason)
    if not reason:
        raise ApplicationError(errors.CASE_OUTCOME_UNDO_REASON_REQUIRED, extra={"field": "reason"})
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        before = case.status
        if before not in (Case.Status.RECOVERED, Case.Status.DIED):
            raise ApplicationError(
                errors.CASE_STATUS_TRANSITION, extra={"from": before, "to": Case.Status.UNDER_TREATMENT}
            )
        if case_outcome_undo_until(case) is None:
            raise ApplicationError(
                errors.CASE_OUTCOME_UNDO_CLOSED,
                extra={"reason": "too_late", "hours": OUTCOME_UNDO_HOURS},
                vi=f"Chỉ huỷ được kết quả điều trị trong {OUTCOME_UNDO_HOURS} giờ sau khi ghi nhận.",
                en=f"An outcome can be undone only within {OUTCOME_UNDO_HOURS} hours of being recorded.",
            )
        # Before asking whether a recovery certificate was issued: the certificates are read and signed under the
        # person's lock (certificates.services._current_certificates), so one is either committed and seen here, or
        # signed after this commit from the case under treatment again.
        _person_lock(case.person_id)
        if before == Case.Status.RECOVERED and _recovery_certified(case):
            raise ApplicationError(
                errors.CASE_OUTCOME_UNDO_CLOSED,
                extra={"reason": "certified"},
                vi="Người này đã được cấp giấy chứng nhận khỏi bệnh: không huỷ được kết quả ở đây nữa, hãy báo quản "
                "trị hệ thống.",
                en="The person was given a recovery certificate: the outcome can no longer be undone here; tell an "
                "administrator.",
            )
        if Case.objects.filter(person_id=case.person_id, status=Case.Status.UNDER_TREATMENT).exists():
            raise ApplicationError(errors.PERSON_ALREADY_CASE, extra={"person": case.person_id})
        on = timezone.localdate(case.status_changed_at) if case.status_changed_at else None
        case.status, case.status_changed_at, case.outcome_recorded_at = Case.Status.UNDER_TREATMENT, None, None
        case.save(update_fields=["status", "status_changed_at", "outcome_recorded_at"])
        _contact_became_case(actor=actor, case=case)
        audit_record(
            actor=actor,
            action="cases.case.outcome_undone",
            obj=case,
            area_path=case.area_path,
            extra={"from": before, "on": on.isoformat() if on else None, "reason": reason},
        )
        send_person_case_facts_changed([case.person_id])
    return case


def _recovery_certified(case: Case) -> bool:
    """Whether a recovery certificate was issued for `case` (cases.providers names its source key)."""
    from phongdich.certificates.selectors import certificate_issued_for  # a later app (docs/structure.md)

    from .providers import recovery_source_key

    return certificate_issued_for(person_id=case.person_id, source_key=recovery_source_key(case.pk))


@dataclass(frozen=True)
class Settled:
    closed: list[int]  # candidates and confirmed contacts left with no standing evidence: now `case_withdrawn`
    relevelled: int  # contacts whose level changed with the evidence that still stands
    quarantined: int  # in quarantine with no standing evidence: for an official to release (a health decision)


def contacts_evidence_settle(contact_ids, *, now: dt.datetime, actor, case: Case, reason: str, by=None) -> Settled:
    """After evidence went (a case withdrawn, a re-trace that no longer finds what an earlier one did): each of these
    contacts (locked by the caller, in person order) as the evidence that still stands (links of cases not
    withdrawn, of the contact's current episode: links_of_episode_q) has it. Level the lowest of those links,
    exposure span theirs (the work list's "first exposure" and the earliest a quarantine may start read it); with
    none left, a candidate or confirmed contact is closed as `case_withdrawn` (no standing evidence: the system's
    move, which evidence found later undoes, as for a withdrawn case), also when an earlier episode's evidence still
    stands: an F1 released in the spring, met again in the autumn by a case since withdrawn, is no F1 of the spring
    case again. One in quarantine stays there for an official to release. Each closed contact audited as
    `cases.contact.case_withdrawn` with `reason` and the case, as the system's other moves are."""
    affected = Contact.objects.filter(pk__in=list(contact_ids))
    standing = _standing_links()
    alone = affected.exclude(Exists(standing))
    closing = alone.filter(status__in=[Contact.Status.CANDIDATE, Contact.Status.CONFIRMED])
    closing_rows = list(closing.values_list("pk", "status", "person__area_path"))
    closing.update(status=Contact.Status.CASE_WITHDRAWN, status_changed_at=now, status_changed_by=by)
    for pk, before, area_path in closing_rows:
        audit_record(
            actor=actor,
            action=f"cases.contact.{Contact.Status.CASE_WITHDRAWN.value}",
            obj=Contact(pk=pk),
            area_path=area_path,
            extra={"from": before, "reason": reason, "case": case.number},
        )
    closed = [pk for pk, *_ in closing_rows]
    quarantined = alone.filter(status=Contact.Status.QUARANTINED).count()
    lowest = standing.order_by().values("contact_id").annotate(low=Min("level")).values("low")
    relevelled = affected.filter(Exists(standing)).annotate(low=Subquery(lowest)).exclude(level=F("low")).count()
    contacts_span_settle(affected)
    return Settled(closed=closed, relevelled=relevelled, quarantined=quarantined)


def _standing_links():
    """The links that stand for a contact (a subquery of contacts): of cases not withdrawn, not named through an F1
    since dismissed (links_standing_q), of the contact's current episode (links_of_episode_q)."""
    return (
        ContactLink.objects.filter(contact_id=OuterRef("pk"))
        .filter(links_standing_q())
        .filter(links_of_episode_q(OuterRef("episode_start")))
    )


def contacts_span_settle(contacts) -> None:
    """Level and exposure span of each of `contacts` (a queryset, locked by the caller) that has standing evidence, from
    that evidence (_standing_links) in two statements, the span that of the links of the contact's level: after
    evidence went (contacts_evidence_settle), or when a contact is reopened, in a new episode (contact_reopen) or
    after its cases' withdrawal, where evidence written before it may belong to it too (a check-in of the old case
    that lasted past the end of the quarantine)."""
    standing = _standing_links()
    links = standing.order_by().values("contact_id")
    contacts = contacts.filter(Exists(standing))
    contacts.update(level=Subquery(links.annotate(low=Min("level")).values("low")))
    # Then the span of the links of that level alone (the level just written): an F1's quarantine counts from its
    # meetings with the F0, not from its F2 evidence (RULES.md §2, CĐ 600 "from ... last contact").
    own = links.filter(level=OuterRef("level"))
    contacts.update(
        first_exposure_at=Subquery(own.annotate(first=Min("exposure_start")).values("first")),
        last_exposure_at=Subquery(own.annotate(last=Max(Coalesce("exposure_end", "exposure_start"))).values("last")),
    )


@dataclass(frozen=True)
class EvidenceRemoved:
    links: int  # links removed
    closed: list[int]  # contacts left with no standing evidence, closed as `case_withdrawn`
    relevelled: int
    quarantined: int  # in quarantine with no standing evidence left: for an official to release


def contact_links_remove(*, source: str, evidence_keys, actor, reason: str) -> EvidenceRemoved:
    """Remove the links of `source` with these evidence keys, their evidence withdrawn where it came from (a
    telecom operator's file withdrawn: telecom.services.telecom_import_withdraw), and settle their contacts on the
    evidence that still stands (contacts_evidence_settle, once per case whose links went, in case order; `reason`
    in each closed contact's audit entry). Their contacts are locked first, in person order, as every trace and
    withdrawal locks contacts; the caller holds what keeps new links of these keys from being written meanwhile."""
    keys = sorted(set(evidence_keys))
    if not keys:
        return EvidenceRemoved(links=0, closed=[], relevelled=0, quarantined=0)
    now = timezone.now()
    by = actor if getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        links = ContactLink.objects.filter(source=source, evidence_key__in=keys)
        list(
            Contact.objects.select_for_update(no_key=True)
            .filter(pk__in=links.values("contact_id"))
            .order_by("person_id")
            .values_list("pk", flat=True)
        )
        by_case: dict[int, set[int]] = {}
        for case_id, contact_id in links.values_list("case_id", "contact_id"):
            by_case.setdefault(case_id, set()).add(contact_id)
        removed = links.delete()[1].get(ContactLink._meta.label, 0)
        closed, relevelled, quarantined = [], 0, 0
        for case in Case.objects.filter(pk__in=list(by_case)).order_by("pk"):
            settled = contacts_evidence_settle(
                sorted(by_case[case.pk]), now=now, actor=actor, case=case, reason=reason, by=by
            )
            closed += settled.closed
            relevelled += settled.relevelled
            quarantined += settled.quarantined
    return EvidenceRemoved(links=removed, closed=closed, relevelled=relevelled, quarantined=quarantined)


@dataclass(frozen=True)
class WithdrawOutcome:
    case: Case
    contacts_closed: int  # candidates and confirmed contacts of no other standing case: now `case_withdrawn`
    contacts_relevelled: int  # contacts of other cases too, their level now from those cases' evidence
    contacts_quarantined: int  # in quarantine with no other case: for an official to release
    notices_withdrawn: int  # exposure notices taken off the public list


def _case_contacts_lock(case: Case) -> list[int]:
    """Lock the contacts of `case`'s links and its person's own contact, in person order (the order every trace's
    upsert locks them in, so that a trace of another case meeting the same people waits instead of deadlocking; the
    person's own contact in the same ordered query, as locked apart it was taken out of that order). The ids of the
    case's contacts, its person's left out. The withdrawal and the restore take them so."""
    locked = (
        Contact.objects.select_for_update(no_key=True)
        .filter(Q(pk__in=ContactLink.objects.filter(case=case).values("contact_id")) | Q(person_id=case.person_id))
        .order_by("person_id")
        .values_list("pk", "person_id")
    )
    return [pk for pk, person_id in locked if person_id != case.person_id]


def case_withdraw(*, actor, case: Case, reason: str) -> WithdrawOutcome:
    """Withdraw a case under treatment that is not one (a rapid test overturned by RT-PCR, a result entered in
    error), with the reason. The case stays on record, marked withdrawn; what it set off is undone:

    - its exposure notices leave the public list and the citizens' warnings;
    - its contacts who are contacts of no other standing case, if candidates or confirmed, become `case_withdrawn`:
      off the work lists and counts by the system's hand, not an official's dismissal, so that a standing case that
      meets them later makes them candidates again and traces on through them (tracing's upserts,
      contact_link_add); those in quarantine stay there for an official to release (a health decision), counted;
    - contacts of other cases too keep those cases' evidence, and their level and exposure span come from it alone
      (contacts_evidence_settle);
    - its person, if a contact closed as `became_case` and no other case of theirs stands (under treatment,
      recovered or died), is back in the quarantine it was serving if a standing case links them and it has not
      ended, else a candidate again if a standing case links them, else `case_withdrawn` too;
    - the person's status card is computed again (signals.person_case_facts_changed).

    The evidence stays, shown under the withdrawn case. A withdrawn case is not traced, given contacts or changed
    (errors.CASE_WITHDRAWN). Audited as `cases.case.withdrawn`, with the ids of the contacts it closed.
    """
    reason = _reason_collapsed(reason)
    if not reason:
        raise ApplicationError(errors.CASE_WITHDRAW_REASON_REQUIRED, extra={"field": "reason"})
    now = timezone.now()
    by = actor if getattr(actor, "is_authenticated", False) else None
    withdrawn = Contact.Status.CASE_WITHDRAWN
    with transaction.atomic():
        # FOR UPDATE waits for a trace of this case in progress (it holds FOR NO KEY UPDATE) and blocks the next.
        case = Case.objects.select_for_update().get(pk=case.pk)
        if case.status != Case.Status.UNDER_TREATMENT:
            raise ApplicationError(
                errors.CASE_STATUS_TRANSITION, extra={"from": case.status, "to": Case.Status.WITHDRAWN}
            )
        # The status it had is kept, for case_restore if the withdrawal itself was the mistake.
        case.withdrawn_from = case.status
        case.status, case.withdrawn_reason, case.status_changed_at = Case.Status.WITHDRAWN, reason, now
        case.save(update_fields=["status", "withdrawn_reason", "status_changed_at", "withdrawn_from"])
        # Marked as taken off by the withdrawal, apart from those an official kept back: a restore republishes these.
        notices = case.exposure_notices.filter(published_at__isnull=False).update(
            published_at=None, withdrawn_with_case=True
        )

        # Its contacts locked first, in person order (_case_contacts_lock says why).
        ids = _case_contacts_lock(case)
        settled = contacts_evidence_settle(ids, now=now, actor=actor, case=case, reason="case_withdrawn", by=by)
        closed, relevelled, quarantined = settled.closed, settled.relevelled, settled.quarantined
        from phongdich.calls.services import campaigns_of_case_cancel  # here: calls.services imports this module

        campaigns_of_case_cancel(case, actor)
        audit_record(
            actor=actor,
            action="cases.case.withdrawn",
            obj=case,
            area_path=case.area_path,
            extra={
                "reason": reason,
                "contacts_closed": closed,
                "contacts_relevelled": relevelled,
                "contacts_quarantined": quarantined,
                "notices": notices,
            },
        )
        standing = _standing_links()
        now_day = timezone.localdate(now)
        own = (
            Contact.objects.filter(person_id=case.person_id, status=Contact.Status.BECAME_CASE)  # locked above
            .exclude(person__cases__status__in=[Case.Status.UNDER_TREATMENT, Case.Status.RECOVERED, Case.Status.DIED])
            .annotate(linked=Exists(standing))
            .first()
        )
        if own is not None:
            # In quarantine when the false positive came (its dates are set only by a quarantine): the exposure and
            # the quarantine it was serving still stand, so it goes on serving it until its end.
            serving = own.linked and own.quarantine_start and own.quarantine_end and own.quarantine_end > now_day
            _contact_system_move(
                actor=actor,
                contact=own,
                status=(
                    Contact.Status.QUARANTINED if serving else Contact.Status.CANDIDATE if own.linked else withdrawn
                ),
                changed_by=by,
                area_path=case.area_path,
                extra={"reason": "case_withdrawn", "case": case.number},
            )
        send_person_case_facts_changed([case.person_id])
    return WithdrawOutcome(
        case=case,
        contacts_closed=len(closed),
        contacts_relevelled=relevelled,
        contacts_quarantined=quarantined,
        notices_withdrawn=notices,
    )


@dataclass(frozen=True)
class RestoreOutcome:
    case: Case
    contacts_back: int  # closed as `case_withdrawn`, this case's evidence standing again: candidates (or cases)
    contacts_relevelled: int  # contacts whose level this case's evidence, standing again, lowered
    notices_republished: int  # exposure notices the withdrawal had taken off, on the public list again
    notices_kept_back: int  # the case's notices left unpublished (kept back by an official, or not known to be off)
    contacts_found: int  # the trace again: persons it found (new or not)
    links_added: int
    links_removed: int  # check-in links of the earlier trace that the check-ins no longer give
    notices_added: int


def _restore_blocked_by(case: Case) -> Case | None:
    """Another case of `case`'s person, not withdrawn, of the same illness: under treatment, dead, or recovered on or
    after `case`'s positive sample (a recovery before it was an earlier illness, as contacts_met_again judges it). The
    latest entered, for the message; None when there is none."""
    others = Case.objects.filter(person_id=case.person_id).exclude(pk=case.pk).exclude(status=Case.Status.WITHDRAWN)
    earlier = Q(status=Case.Status.RECOVERED, status_changed_at__lt=local_midnight(case.sample_date))
    return others.exclude(earlier).order_by("-created_at").first()


def _restore_closed(other: Case) -> ApplicationError:
    return ApplicationError(
        errors.CASE_RESTORE_CLOSED,
        extra={"reason": "other_case", "case": other.number, "status": other.status},
        vi=f"Không khôi phục được: người này đã có ca bệnh {other.number} ({other.get_status_display()}) của cùng đợt "
        "bệnh. Nếu ca đó là ca nhập nhầm, hãy huỷ ca đó trước.",
        en=f"Cannot restore: the person has case {other.number} ({other.get_status_display()}) of the same illness. "
        "If that one is the wrong entry, withdraw it first.",
    )


def _restore_result_corrected(lapsed: OriginLapsed) -> ApplicationError:
    return ApplicationError(
        errors.CASE_RESTORE_RESULT_CORRECTED,
        extra=lapsed.extra,
        vi=f"Không khôi phục được: {lapsed.vi}",
        en=f"Cannot restore: {lapsed.en}",
    )


def case_restore(*, actor, case: Case, reason: str) -> RestoreOutcome:
    """Restore a case whose withdrawal was itself the mistake (the wrong one of two entries withdrawn, a negative
    RT-PCR that was another person's), with a reason (case_restore_reason_required). No time limit: whatever the
    withdrawal did, this computes again from the evidence kept (docs/cases.md, "Restoring a case withdrawn by mistake").

    Refused: a case not withdrawn (case_status_transition); a person with another case of the same illness since
    (case_restore_closed: _restore_blocked_by); a case whose origin no longer holds it up, its positive result since
    corrected to negative or invalid and no other positive of the person keeping it, as the correction judges it
    (case_restore_result_corrected: cases.origins; the lab corrects the result first). Otherwise, in one transaction:

    - the case has the status it had before the withdrawal again (Case.withdrawn_from; under treatment, the only status
      a case is withdrawn from), its withdrawal's reason kept in the audit log only; opened by a result since
      corrected and kept by another positive, that result is its origin now (as a correction moves it);
    - its person's open or `case_withdrawn` contact is closed as `became_case` again, as entering a case does;
    - its contacts closed as `case_withdrawn` whose evidence from it stands again in their current episode are
      candidates again (`became_case` for a person under treatment), audited `cases.contact.<status>` with reason
      `case_restored`; every contact of the case has its level and span from what stands, a quarantine's end moved
      on if the span grew (quarantine_ends_extend);
    - the exposure notices its withdrawal took off are published again (not those an official had kept back);
    - it is traced again from check-ins (tracing.case_trace_checkins: idempotent; it reopens a `case_withdrawn`
      contact it meets in the same episode, finds check-ins uploaded since, drops what the check-ins no longer say);
    - the person's status card is computed again. Audited as `cases.case.restored`.

    The person's row is locked after the case's, as case_outcome_undo takes them: entering a case for the person at
    the same moment (case_create locks the person first) either commits before and is seen here, or waits and sees
    this case under treatment."""
    from .tracing import case_trace_checkins  # here: tracing imports this module

    reason = _reason_collapsed(reason)
    if not reason:
        raise ApplicationError(errors.CASE_RESTORE_REASON_REQUIRED, extra={"field": "reason"})
    now = timezone.now()
    by = actor if getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        if case.status != Case.Status.WITHDRAWN:
            raise ApplicationError(
                errors.CASE_STATUS_TRANSITION,
                extra={"from": case.status, "to": Case.Status.UNDER_TREATMENT},
                vi="Ca bệnh này không bị huỷ: không có gì để khôi phục.",
                en="This case is not withdrawn: there is nothing to restore.",
            )
        _person_lock(case.person_id)
        if (other := _restore_blocked_by(case)) is not None:
            raise _restore_closed(other)
        # Under treatment again while the lab's result that opened it reads negative, the records would contradict
        # each other: the lab corrects its result first (its source locks the result row, as a correction does).
        origin = case_origin_standing(case)
        if isinstance(origin, OriginLapsed):
            raise _restore_result_corrected(origin)
        origin_was = case.origin
        withdrawn_reason, withdrawn_at = case.withdrawn_reason, case.status_changed_at
        case.status = case.withdrawn_from or Case.Status.UNDER_TREATMENT  # withdrawn before 0036: under treatment
        case.status_changed_at, case.withdrawn_reason, case.withdrawn_from = None, "", ""
        case.origin = origin[:100]
        try:
            with transaction.atomic():
                case.save(update_fields=["status", "status_changed_at", "withdrawn_reason", "withdrawn_from", "origin"])
        except IntegrityError:  # case_one_open_per_person: a case the lock above should have shown
            raise _restore_closed(
                Case.objects.filter(person_id=case.person_id, status=Case.Status.UNDER_TREATMENT).first() or case
            ) from None

        # Its contacts and its person's, locked in person order, as the withdrawal locks them.
        ids = _case_contacts_lock(case)
        if case.status == Case.Status.UNDER_TREATMENT:
            own = Contact.objects.filter(
                person_id=case.person_id, status__in=[*OPEN_CONTACT_STATUSES, Contact.Status.CASE_WITHDRAWN]
            ).first()
            if own is not None:
                _contact_system_move(
                    actor=actor,
                    contact=own,
                    status=Contact.Status.BECAME_CASE,
                    changed_by=by,
                    area_path=case.area_path,
                    extra={"from": own.status, "reason": "case_restored", "case": case.number},
                )
        standing = _standing_links()
        affected = Contact.objects.filter(pk__in=ids)
        lowest = standing.order_by().values("contact_id").annotate(low=Min("level")).values("low")
        relevelled = affected.filter(Exists(standing)).annotate(low=Subquery(lowest)).exclude(level=F("low")).count()
        back = []
        reopening = (
            affected.filter(status=Contact.Status.CASE_WITHDRAWN)
            .filter(Exists(standing.filter(case=case)))
            .select_related("person")
            .order_by("person_id")
        )
        under_treatment = set(
            Case.objects.filter(
                person_id__in=reopening.values("person_id"), status=Case.Status.UNDER_TREATMENT
            ).values_list("person_id", flat=True)
        )
        for contact in reopening:
            _contact_system_move(
                actor=actor,
                contact=contact,
                status=Contact.Status.BECAME_CASE if contact.person_id in under_treatment else Contact.Status.CANDIDATE,
                changed_by=None,
                area_path=contact.person.area_path,
                extra={"from": Contact.Status.CASE_WITHDRAWN.value, "reason": "case_restored", "case": case.number},
            )
            back.append(contact.pk)
        contacts_span_settle(affected)
        quarantine_ends_extend(ids, actor=actor)  # a quarantine counted without this case's evidence: with it now

        republished = case.exposure_notices.filter(withdrawn_with_case=True).update(
            published_at=now, withdrawn_with_case=False
        )
        traced = case_trace_checkins(case=case, actor=actor, now=now)
        kept_back = case.exposure_notices.filter(published_at__isnull=True).count()
        audit_record(
            actor=actor,
            action="cases.case.restored",
            obj=case,
            area_path=case.area_path,
            extra={
                "reason": reason,
                "status": case.status,
                "withdrawn_at": withdrawn_at.isoformat() if withdrawn_at else None,
                "withdrawn_reason": withdrawn_reason,
                "contacts_back": back,
                "contacts_relevelled": relevelled,
                "notices_republished": republished,
                "notices_kept_back": kept_back,
                **({"origin": case.origin, "origin_was": origin_was} if case.origin != origin_was else {}),
            },
        )
        send_person_case_facts_changed([case.person_id])
    return RestoreOutcome(
        case=case,
        contacts_back=len(back),
        contacts_relevelled=relevelled,
        notices_republished=republished,
        notices_kept_back=kept_back,
        contacts_found=traced.contacts_found,
        links_added=traced.links_added,
        links_removed=traced.links_removed,
        notices_added=traced.notices_added,
    )


def case_under_treatment_exists(*, person) -> bool:
    """Whether `person` is a case under treatment (a new positive result opens no second case)."""
    return Case.objects.filter(person_id=person.pk, status=Case.Status.UNDER_TREATMENT).exists()


def case_opened_by(origin: str) -> Case | None:
    """The case under treatment that `origin` opened (Case.origin), or None."""
    return Case.objects.filter(origin=origin, status=Case.Status.UNDER_TREATMENT).first() if origin else None


def cases_opened_by(origins: list[str]) -> set[str]:
    """Which of `origins` opened a case, whatever its status now."""
    return set(Case.objects.filter(origin__in=origins).values_list("origin", flat=True)) if origins else set()


def case_origin_move(*, case: Case, to: str) -> None:
    """`case`, opened by a result since corrected, is now held up by the result `to` names (Case.origin)."""
    Case.objects.filter(pk=case.pk, status=Case.Status.UNDER_TREATMENT).update(origin=to[:100])


def case_refuse_if_withdrawn(case: Case, *, lock: bool = False) -> None:
    """CASE_WITHDRAWN if the case is withdrawn, as the database has it now (`lock`: and keep it so until the
    transaction ends, as a tracer or an added contact must: case_withdraw takes the row FOR UPDATE)."""
    rows = Case.objects.filter(pk=case.pk)
    if lock:
        rows = rows.select_for_update(no_key=True)
    if rows.values_list("status", flat=True).get() == Case.Status.WITHDRAWN:
        raise ApplicationError(errors.CASE_WITHDRAWN, extra={"case": case.number})


# --- Exposure notices ----------------------------------------------------------------------------------------


def exposure_notice_publication_set(*, actor, notice: ExposureNotice, published: bool) -> ExposureNotice:
    """Publish an exposure notice (the public list, the map, the warnings of people who checked in there) or keep
    it back. Tracing publishes new notices itself unless EXPOSURE_NOTICES_AUTO_PUBLISH is off, and never touches a
    notice an official has decided on. A withdrawn case's notices stay off (case_withdrawn, 409). Audited as
    `cases.exposure_notice.published` or `.kept_back`; doing what is already done changes nothing."""
    with transaction.atomic():
        notice = ExposureNotice.objects.select_for_update().select_related("case", "venue").get(pk=notice.pk)
        if notice.case.status == Case.Status.WITHDRAWN:
            raise ApplicationError(errors.CASE_WITHDRAWN, extra={"case": notice.case.number})
        if (notice.published_at is not None) == published:
            return notice
        notice.published_at = timezone.now() if published else None
        notice.save(update_fields=["published_at"])
        action = "cases.exposure_notice.published" if published else "cases.exposure_notice.kept_back"
        audit_record(
            actor=actor,
            action=action,
            obj=notice,
            area_path=notice.case.area_path,
            extra={"case": notice.case.number, "venue": notice.venue_id},
        )
    return notice


# --- Clusters ----------------------------------------------------------------------------------------


def cluster_create(
    *, actor, name: str, area_path: str, venue=None, case: Case | None = None, case_move_from: int | None = None
) -> Cluster:
    """A new cluster ("ổ dịch"), in the venue's area when it has one, else in `area_path`, holding `case` when given
    (the case whose exposure notice it was made from: case_update, so a case in another cluster is moved only with
    `case_move_from`; refused, no cluster is made). Audited."""
    name = " ".join((name or "").split())
    if not name or len(name) > 200:
        raise ApplicationError(errors.INVALID_CLUSTER, extra={"field": "name"})
    if venue is not None:
        area_path = venue.area_path
    if not area_path:
        raise ApplicationError(errors.INVALID_CLUSTER, extra={"field": "area"})
    with transaction.atomic():
        cluster = Cluster.objects.create(
            name=name,
            venue=venue,
            area_path=area_path,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        audit_record(
            actor=actor,
            action="cases.cluster.created",
            obj=cluster,
            area_path=area_path,
            extra={"case": case.number} if case is not None else None,
        )
        if case is not None:
            case_update(actor=actor, case=case, cluster=cluster, cluster_move_from=case_move_from)
    return cluster


# --- Contacts ------------------------------------------------------------------------------------------

Status = Contact.Status
# Which status an official may move a contact to from each status. Tracing never changes a status.
CONTACT_NEXT = {
    Status.CANDIDATE: {Status.CONFIRMED, Status.DISMISSED, Status.QUARANTINED},
    Status.CONFIRMED: {Status.QUARANTINED, Status.DISMISSED},
    Status.DISMISSED: {Status.CONFIRMED},  # a dismissal made in error is undone by confirming
    Status.QUARANTINED: {Status.RELEASED},
    # A new case met after the quarantine reopens it (contacts_met_again); a release made by mistake is undone for a
    # while after it (contact_release_undo), not by a move.
    Status.RELEASED: set(),
    Status.BECAME_CASE: set(),  # the system's move, when the person is entered as a case; reopened like released
    Status.CASE_WITHDRAWN: set(),  # the system's move; a link from a case that stands makes it a candidate again
}


# The moves an official makes (every status but candidate, which only tracing gives).
CONTACT_MOVES = (Status.CONFIRMED, Status.QUARANTINED, Status.DISMISSED, Status.RELEASED)


def _quarantine_rule_on(day: dt.date) -> QuarantineRule | None:
    return QuarantineRule.objects.filter(effective_from__lte=day).order_by("-effective_from").first()


def quarantine_rule_for(day: dt.date) -> QuarantineRule:
    """The quarantine rule in force on `day` (the latest that took effect on or before it); quarantine_rule_missing
    (409) when none did: an administrator adds one in the admin."""
    rule = _quarantine_rule_on(day)
    if rule is None:
        raise ApplicationError(errors.QUARANTINE_RULE_MISSING, extra={"date": day.isoformat()})
    return rule


def quarantine_rule_today() -> QuarantineRule | None:
    """The rule a quarantine starting today takes (the pages name it); None when no rule is in force."""
    return _quarantine_rule_on(timezone.localdate())


def quarantine_rule_of(contact: Contact) -> QuarantineRule | None:
    """The rule the contact's quarantine was set under (in force on its start date); None without a quarantine."""
    return _quarantine_rule_on(contact.quarantine_start) if contact.quarantine_start else None


def _months_before(day: dt.date, months: int) -> dt.date:
    """The same day `months` calendar months earlier (the month's last day when it has fewer days)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(day.day, last))


def quarantine_rule_protects(rule: QuarantineRule, *, doses, recovered_at: dt.datetime | None, start: dt.date) -> bool:
    """Whether a contact with `doses` (healthcards.inputs.VaccineDose given on or before `start`) and `recovered_at`
    (cases.selectors.recovered_at_of_persons) is protected under `rule` on the quarantine's start date, so that it
    serves the rule's `days_protected`. Protected: fully vaccinated as the status card defines it
    (healthcards.rules.doses_in_range: a dose completing the primary series, or a later one) given at least
    `protected_min_days_after_dose` days and at most `protected_max_months_after_dose` months before the start, with
    at least `protected_min_doses` doses; or recovered at most `recovered_within_months` months before the start
    (CV 10696/BYT-MT, CV 762/BYT-DP: RULES.md §2). False for a rule that makes no distinction."""
    if rule.days_protected is None:
        return False
    if rule.recovered_within_months is not None:
        until = local_midnight(start + dt.timedelta(days=1))  # the whole start day
        since = local_midnight(_months_before(start, rule.recovered_within_months))
        if recovered_within(recovered_at, until, days=(until - since).days):
            return True
    if rule.protected_min_doses is not None and len(doses) < rule.protected_min_doses:
        return False
    months = rule.protected_max_months_after_dose
    in_range = doses_in_range(
        doses,
        start,
        min_days=rule.protected_min_days_after_dose or 0,
        max_days=(start - _months_before(start, months)).days if months is not None else None,
    )
    return bool(in_range)


@dataclass(frozen=True)
class _QuarantineTerms:
    """What a quarantine starting on `start` is set with: the rule then in force (None: none is) and the persons it
    protects (quarantine_rule_protects)."""

    start: dt.date
    rule: QuarantineRule | None
    protected: frozenset[int]

    def days(self, person_id: int) -> tuple[int, bool]:
        """The days of `person_id`'s quarantine, and whether they are the protected days (rule in force)."""
        protected = self.rule.days_protected is not None and person_id in self.protected
        return self.rule.days_for(protected), protected


def _quarantine_terms(start: dt.date, person_ids, *, rule: QuarantineRule | None = None) -> _QuarantineTerms:
    """_QuarantineTerms for the quarantine of `person_ids` from `start`: two queries however many persons (the doses
    of all through vaccination.selectors, their recoveries through selectors), none when the rule makes no
    distinction."""
    rule = rule or _quarantine_rule_on(start)
    ids = sorted(set(person_ids))
    if rule is None or rule.days_protected is None or not ids:
        return _QuarantineTerms(start, rule, frozenset())
    from .selectors import recovered_at_of_persons  # selectors imports this module

    doses = dose_inputs_of_persons(ids, until=start)
    recovered = {}
    if rule.recovered_within_months is not None:
        recovered = recovered_at_of_persons(ids, at=local_midnight(start + dt.timedelta(days=1)))
    protected = [
        person_id
        for person_id in ids
        if quarantine_rule_protects(
            rule, doses=doses.get(person_id, ()), recovered_at=recovered.get(person_id), start=start
        )
    ]
    return _QuarantineTerms(start, rule, frozenset(protected))


def contact_quarantine_today(*, contact: Contact) -> tuple[QuarantineRule | None, int | None, bool]:
    """The rule a quarantine of `contact` starting today takes, its days for this person and whether they are the
    protected days (the contact page says so); (None, None, False) when no rule is in force. Read without a lock:
    the move decides again."""
    terms = _quarantine_terms(timezone.localdate(), [contact.person_id])
    if terms.rule is None:
        return None, None, False
    days, protected = terms.days(contact.person_id)
    return terms.rule, days, protected


def _contact_status_params(status: str, reason: str, quarantine_start: dt.date | None) -> str:
    """The checks that do not depend on the contact; the reason, normalised."""
    if status not in Status.values:
        raise ApplicationError(errors.INVALID_CONTACT, extra={"field": "status"})
    reason = _reason_collapsed(reason)
    if status == Status.DISMISSED and not reason:
        raise ApplicationError(errors.CONTACT_DISMISS_REASON_REQUIRED, extra={"field": "reason"})
    if status == Status.QUARANTINED and quarantine_start is not None and quarantine_start > timezone.localdate():
        raise ApplicationError(errors.QUARANTINE_DATE_INVALID, extra={"field": "quarantine_start"})
    return reason


def _earliest_samples(contact_ids: list[int]) -> dict[int, dt.date]:
    """The sample date of each contact's earliest linked case of its current episode, in one query however many
    contacts."""
    rows = (
        ContactLink.objects.filter(contact_id__in=contact_ids)
        .filter(links_of_episode_q())
        .values("contact_id")
        .annotate(first=Min("case__sample_date"))
    )
    return {row["contact_id"]: row["first"] for row in rows.order_by()}


@dataclass(frozen=True)
class _Standing:
    """What besides its status decides whether a contact may be confirmed or quarantined (_contacts_standing)."""

    under_treatment: frozenset[int]  # persons with a case under treatment
    sources: dict[int, frozenset[str]]  # contact id -> the sources of its links from cases not withdrawn


# The moves that make a person an F1 to call and quarantine: only a contact of a standing case, not a case itself.
_F1_MOVES = (Status.CONFIRMED, Status.QUARANTINED)


def _contacts_standing(contacts: list[Contact], status: str) -> _Standing | None:
    """_Standing of `contacts` (locked by the caller) in two queries however many; None for a move that needs none."""
    if status not in _F1_MOVES:
        return None
    persons = {contact.person_id for contact in contacts}
    under_treatment = Case.objects.filter(person_id__in=persons, status=Case.Status.UNDER_TREATMENT)
    links = (
        ContactLink.objects.filter(contact_id__in=[contact.pk for contact in contacts])
        .filter(links_standing_q())  # nor a withdrawn case, nor an F1 dismissed that named them
        .filter(links_of_episode_q())  # an earlier episode's case is no reason to quarantine them now
        .values_list("contact_id", "source")
        .order_by()
        .distinct()
    )
    sources: dict[int, set[str]] = {}
    for contact_id, source in links:
        sources.setdefault(contact_id, set()).add(source)
    return _Standing(
        under_treatment=frozenset(under_treatment.values_list("person_id", flat=True)),
        sources={contact_id: frozenset(found) for contact_id, found in sources.items()},
    )


def _contact_refusal(contact: Contact, status: str, standing: _Standing | None) -> ApplicationError | None:
    """Why `contact` may not be confirmed or quarantined although its status allows the move (docs/cases.md,
    "Contacts and their status"), or None. Entering a case closes only open contacts, so a dismissed contact of a
    person now under treatment, or of withdrawn cases only, is still `dismissed`, and "dismissed -> confirmed"
    would make an F1 of a case, or of no case."""
    if standing is None or status not in _F1_MOVES:
        return None
    extra = {"from": contact.status, "to": status}
    if contact.person_id in standing.under_treatment:
        return ApplicationError(errors.CONTACT_IS_CASE, extra=extra)
    sources = standing.sources.get(contact.pk, frozenset())
    if not sources:
        return ApplicationError(errors.CONTACT_NO_STANDING_CASE, extra=extra)
    # docs/telecom.md: a shared cell is a candidate to verify by interview (the official then confirms) before
    # anyone is quarantined; a check-in or an interview link stands on its own.
    if status == Status.QUARANTINED and contact.status == Status.CANDIDATE and sources == {ContactLink.Source.TELECOM}:
        return ApplicationError(errors.CONTACT_UNVERIFIED, extra={**extra, "source": ContactLink.Source.TELECOM})
    return None


def contact_move_refusals(*, contact: Contact) -> dict[str, ApplicationError]:
    """The moves CONTACT_NEXT allows from `contact`'s status that contact_status_set would still refuse
    (_contact_refusal), each with its error: the contact page shows them with the reason instead of a button that
    fails. Two queries, none for a contact whose status allows no F1 move. Read without a lock: the move itself
    checks again."""
    moves = CONTACT_NEXT[contact.status] & set(_F1_MOVES)
    if not moves:
        return {}
    standing = _contacts_standing([contact], Status.CONFIRMED)
    refusals = {status: _contact_refusal(contact, status, standing) for status in moves}
    return {status: refusal for status, refusal in refusals.items() if refusal is not None}


def _quarantine_end(start: dt.date, last_exposure_at: dt.datetime | None, days: int) -> dt.date:
    """The rule's days counted from the local day of the last exposure, or from the start for a contact named
    without times: RULES.md §2, CĐ 600/CĐ-BCĐ (05/05/2021) "from entry or last contact" (entry: of those arriving in
    Việt Nam; an F1's is the last contact), kept by CV 5599/BYT-MT. An F1 found late serves what is left of it
    (_quarantine_left refuses one with nothing left); one quarantined while still exposed (a household) serves the
    days after the last exposure."""
    return (local_day(last_exposure_at) if last_exposure_at else start) + dt.timedelta(days=days)


def _quarantine_left(contact: Contact, start: dt.date, end: dt.date, rule: QuarantineRule, days: int) -> None:
    """Refuse a quarantine whose `days`, counted from the last exposure, are over by its start."""
    if end > start:
        return
    last = local_day(contact.last_exposure_at)
    raise ApplicationError(
        errors.QUARANTINE_PERIOD_OVER,
        extra={"field": "quarantine_start", "last_exposure": last.isoformat(), "end": end.isoformat()},
        vi=f"Đã hết thời gian cách ly theo {rule.name}: {days} ngày kể từ lần tiếp xúc cuối "
        f"({last:%d/%m/%Y}), đến hết ngày {end - dt.timedelta(days=1):%d/%m/%Y}.",
        en=f"The quarantine of {rule.name} is over: {days} days from the last exposure ({last:%d/%m/%Y}), "
        f"until the end of {end - dt.timedelta(days=1):%d/%m/%Y}.",
    )


def contact_release_early_until(contact: Contact) -> dt.date | None:
    """The last day of `contact`'s quarantine when a release today would end it before that day, else None.
    Ending a quarantine early is a health decision like a dismissal: it takes a reason, kept with the contact and in
    the audit entry. On the last day or after, the quarantine has been served."""
    last_day = contact.quarantine_last_day if contact.status == Status.QUARANTINED else None
    return last_day if last_day is not None and timezone.localdate() < last_day else None


def _quarantine_start_checked(
    contact: Contact, start: dt.date, earliest_sample: dt.date | None, terms: "_QuarantineTerms | None"
) -> tuple[QuarantineRule, int, bool]:
    """The rule, days and protected flag of a quarantine of `contact` from `start`, or the refusal: a start in the
    future or before the first exposure, too long before the earliest case's sample, or with no rule in force."""
    first = timezone.localdate(contact.first_exposure_at) if contact.first_exposure_at else None
    if start > timezone.localdate() or (first is not None and start < first):
        raise ApplicationError(errors.QUARANTINE_DATE_INVALID, extra={"field": "quarantine_start"})
    # A contact named without times has no first exposure: the case's sample date bounds it instead, as it
    # bounds an interview's exposure (a slipped year put quarantines years before the case).
    earliest = earliest_sample - dt.timedelta(days=EARLIEST_DAYS_BEFORE_SAMPLE) if earliest_sample else None
    if earliest is not None and start < earliest:
        raise ApplicationError(
            errors.QUARANTINE_DATE_INVALID,
            extra={"field": "quarantine_start", "earliest": earliest.isoformat()},
            vi=f"Ngày bắt đầu cách ly quá sớm: không thể trước ngày lấy mẫu của ca bệnh quá "
            f"{EARLIEST_DAYS_BEFORE_SAMPLE} ngày.",
            en=f"The quarantine start is too early: at most {EARLIEST_DAYS_BEFORE_SAMPLE} days before the case's "
            "sample date.",
        )
    if terms is None or terms.start != start:
        terms = _quarantine_terms(start, [contact.person_id])
    if terms.rule is None:
        raise ApplicationError(errors.QUARANTINE_RULE_MISSING, extra={"date": start.isoformat()})
    days, protected = terms.days(contact.person_id)
    return terms.rule, days, protected


def _contact_status_apply(
    *,
    actor,
    contact: Contact,
    status: str,
    reason: str,
    quarantine_start,
    earliest_sample: dt.date | None = None,
    standing: _Standing | None = None,
    terms: _QuarantineTerms | None = None,
) -> None:
    """Move one contact, locked by the caller; raises before writing anything if this contact cannot move.
    `earliest_sample`: the sample date of its earliest linked case (_earliest_samples), for a quarantine;
    `standing`: _contacts_standing of the contacts moved, for a confirmation or a quarantine; `terms`:
    _quarantine_terms of the start date for the persons moved, for a quarantine."""
    today = timezone.localdate()
    if status == contact.status:  # a colleague got there first: said plainly, same code
        raise ApplicationError(
            errors.CONTACT_STATUS_TRANSITION,
            extra={"from": contact.status, "to": status},
            vi="Người tiếp xúc đã ở tình trạng này.",
            en="The contact already has this status.",
        )
    if status not in CONTACT_NEXT[contact.status]:
        raise ApplicationError(errors.CONTACT_STATUS_TRANSITION, extra={"from": contact.status, "to": status})
    if (refusal := _contact_refusal(contact, status, standing)) is not None:
        raise refusal
    last_day = contact_release_early_until(contact) if status == Status.RELEASED else None
    early = last_day is not None
    if early and not reason:
        raise ApplicationError(
            errors.CONTACT_RELEASE_REASON_REQUIRED, extra={"field": "reason", "last_day": last_day.isoformat()}
        )
    if status == Status.QUARANTINED:
        start = quarantine_start or today
        rule, days, protected = _quarantine_start_checked(contact, start, earliest_sample, terms)
    fields = ["status", "status_changed_at", "status_changed_by"]
    if status == Status.DISMISSED:
        contact.dismissed_reason = reason
        fields.append("dismissed_reason")
    elif contact.dismissed_reason:
        contact.dismissed_reason = ""
        fields.append("dismissed_reason")
    if status == Status.QUARANTINED:
        end = _quarantine_end(start, contact.last_exposure_at, days)
        _quarantine_left(contact, start, end, rule, days)
        contact.quarantine_start = start
        contact.quarantine_end = end
        contact.quarantine_days = days
        contact.quarantine_protected = protected
        fields += ["quarantine_start", "quarantine_end", "quarantine_days", "quarantine_protected"]
    if status == Status.RELEASED:
        # The end before the release cuts it: a release made by mistake is undone back to it (contact_release_undo).
        contact.quarantine_end_before_release = contact.quarantine_end
        fields.append("quarantine_end_before_release")
    if status == Status.RELEASED and contact.quarantine_end and contact.quarantine_end > today:
        contact.quarantine_end = today  # released early: the card's quarantine ends today
        fields.append("quarantine_end")
    if status == Status.RELEASED:
        # Kept only for an early release, the reason it asks for: the work list's bulk form has one reason field for a
        # dismissal and an early release, so an on-time release may carry a reason that is not about it.
        contact.release_reason = reason if early else ""
        fields.append("release_reason")
    contact.status = status
    contact.status_changed_at = timezone.now()
    contact.status_changed_by = actor if getattr(actor, "is_authenticated", False) else None
    contact.save(update_fields=fields)
    extra = {"reason": reason} if reason else {}
    if early:
        extra.update(early=True, last_day=last_day.isoformat())
    if status == Status.QUARANTINED:
        extra = {
            "start": contact.quarantine_start.isoformat(),
            "end": contact.quarantine_end.isoformat(),
            "rule": rule.code,
            "days": days,
            # The rule's days for a fully vaccinated or recovered contact applied (quarantine_rule_protects).
            "protected": protected,
        }
    audit_record(actor=actor, action=f"cases.contact.{status}", obj=contact, area_path=contact.area_path, extra=extra)


# Moves that change what a person's status card reads (in_quarantine): the card is computed again after the commit.
_CARD_MOVES = (Status.QUARANTINED, Status.RELEASED)


# Moves that change what tracing finds beyond the contact: a dismissal ends the chain through them (and undoing it
# resumes the chain), a quarantine's start bounds the time their own contacts are traced over
# (tracing.quarantine_until).
def _moves_onward(before: str, after: str) -> bool:
    return after in (Status.DISMISSED, Status.QUARANTINED) or before == Status.DISMISSED


def _onward_trace_again(*, actor, contact_ids: list[int]) -> None:
    """The cases these contacts are check-in contacts of below the last level, by links of their current episode,
    traced again in the background (tasks.tracing_retrace, queued after the commit), so that the contacts found through
    them follow the move (docs/cases.md, "Tracing again") without waiting for an official to trace the case again. An
    old case whose link is of an episode the contact has left is not: its trace bounds them by that episode's
    quarantine, which the move leaves as it was (tracing.onward_until). A case whose re-trace is queued and not yet
    started joins it: thirty F1 dismissed one by one queue one run, not thirty."""
    if not contact_ids or tracing_max_level() < 2:
        return
    from .tasks import tracing_retrace  # tasks imports tracing, which imports this module

    links = ContactLink.objects.filter(
        contact_id__in=contact_ids, source=ContactLink.Source.CHECKIN, level__lt=tracing_max_level()
    ).filter(links_of_episode_q())
    cases = Case.objects.filter(pk__in=links.values("case_id")).exclude(status=Case.Status.WITHDRAWN).order_by("pk")
    cases = list(cases)
    if cases:
        tracing_retrace(actor=actor, cases=cases)


# --- The F2 named in the interview of an F1 dismissed, or confirmed again --------------------------------------
#
# docs/cases.md, "Contacts named in an F1's interview (F2)". A dismissal ends the chain through the F1: the check-in
# tracer's F2 found through them lose that evidence when the case is traced again (queued by the move). An interview's
# F2 links stay, an official's record, but no longer stand while their F1 is dismissed (models.links_standing_q), and
# their contacts are settled in the move's transaction as a re-trace settles those whose links went: with no other
# standing evidence, a candidate or confirmed F2 is closed as `case_withdrawn`; one in quarantine stays there for an
# official to release. Confirming the F1 again (the dismissal undone) makes the links stand again: an F2 closed for
# want of evidence is a candidate again, as a trace through a confirmed F1 makes it.


@dataclass(frozen=True)
class NamedF2Followed:
    """What dismissing F1s, or confirming them again, or quarantining them from a start before meetings they named
    (or moving that start), did to the F2 named in their interviews: the page that moved them and the API say it."""

    named: int = 0  # F2 (one per person) named in the interviews of the F1s moved (for a quarantine: those it changed)
    closed: int = 0  # left with no standing evidence by a dismissal: now `case_withdrawn`, off the work lists
    quarantined: int = 0  # in quarantine with no standing evidence left: for an official to release
    reopened: int = 0  # closed for want of evidence, a candidate again (or a case) now that their F1 is confirmed again
    # For a quarantine set or its start corrected: of `named`, those whose meeting now comes after its start (no longer
    # F2 through the F1); the others' meeting no longer does (a start corrected later), and they count again.
    after_start: int = 0


# The moves after which the F2 named in a contact's interview are settled again: a dismissal, and its undoing; a
# quarantine, whose start may fall before meetings named (_named_f2_quarantine_follow).
_FOLLOWED_BY_NAMED_F2 = (Status.DISMISSED, Status.CONFIRMED, Status.QUARANTINED)


def _named_f2_ids(f1_ids) -> set[int]:
    """The contacts of the F2 named in the interviews of `f1_ids` (read without a lock, to lock them with the F1s in
    person order)."""
    return set(_interview_links_via(f1_ids).values_list("contact_id", flat=True))


def _named_f2_lock(contact_ids) -> None:
    """Lock these F2 contacts in person order: the caller locked them with their F1s; one named in the instant before
    that lock is locked here."""
    list(
        Contact.objects.select_for_update(no_key=True)
        .filter(pk__in=sorted(contact_ids))
        .order_by("person_id")
        .values_list("pk", flat=True)
    )


def _named_f2_settle(*, actor, by_case: dict[int, set[int]], reason: str) -> tuple[set[int], int]:
    """The F2 contacts whose interview links of these cases stopped standing, settled on what still stands
    (contacts_evidence_settle per case, case order; `reason` in each closed contact's audit entry): (the contacts
    closed, how many stay in quarantine with nothing standing)."""
    closed: set[int] = set()
    if not by_case:
        return closed, 0
    now = timezone.now()
    for case in Case.objects.filter(pk__in=list(by_case)).order_by("pk"):
        settled = contacts_evidence_settle(sorted(by_case[case.pk]), now=now, actor=actor, case=case, reason=reason)
        closed.update(settled.closed)
    left = {contact_id for ids in by_case.values() for contact_id in ids}
    alone = Contact.objects.filter(pk__in=sorted(left), status=Status.QUARANTINED).exclude(Exists(_standing_links()))
    return closed, alone.count()


def _named_f2_resume(*, actor, through: dict[int, str], reason: str) -> int:
    """The F2 contacts (`through`: contact id -> the number of the case of the first of their links standing again)
    whose interview links stand again: one closed for want of evidence is a candidate again (a case when the person is
    under treatment), the system's move audited with `reason` and the case; level and span from what stands, a
    quarantine's end moved on if the span grew (quarantine_ends_extend). How many were reopened."""
    resumed = sorted(through)
    if not resumed:
        return 0
    reopening = (
        Contact.objects.filter(pk__in=resumed, status=Status.CASE_WITHDRAWN)
        .filter(Exists(_standing_links()))
        .select_related("person")
        .order_by("person_id")
    )
    reopened = 0
    for contact in reopening:
        under_treatment = Case.objects.filter(person_id=contact.person_id, status=Case.Status.UNDER_TREATMENT).exists()
        _contact_system_move(
            actor=actor,
            contact=contact,
            status=Status.BECAME_CASE if under_treatment else Status.CANDIDATE,
            changed_by=None,
            area_path=contact.person.area_path,
            extra={"reason": reason, "case": through[contact.pk]},
        )
        reopened += 1
    contacts_span_settle(Contact.objects.filter(pk__in=resumed))
    quarantine_ends_extend(resumed, actor=actor)  # a quarantine counted without the meeting: from it now
    return reopened


def _named_f2_follow(*, actor, dismissed: list[int], confirmed: list[int]) -> NamedF2Followed:
    """Settle the F2 named in the interviews of the F1s just `dismissed` and of those just `confirmed` after a
    dismissal, in the move's transaction (their contacts locked by the caller with the F1s, in person order; one named
    in the instant before that lock is locked here). A dismissal: contacts_evidence_settle per case whose F2 links
    went (case order), each closed contact audited as `cases.contact.case_withdrawn` with `reason` "f1_dismissed" and
    the case, as a re-trace audits "evidence_gone". Its undoing: a `case_withdrawn` F2 with standing evidence again is a
    candidate (a case when the person is under treatment), the system's move audited as `cases.contact.<status>` with
    `reason` "f1_confirmed" and the case, as a trace audits "met_again"; level and span from what stands, a
    quarantine's end moved on if the span grew (quarantine_ends_extend)."""
    if not dismissed and not confirmed:
        return NamedF2Followed()
    rows = list(
        _interview_links_via([*dismissed, *confirmed]).values_list(
            "via_id", "case_id", "contact_id", "case__number", "case__status"
        )
    )
    named = {contact_id for _via, _case, contact_id, *_ in rows}
    if not named:
        return NamedF2Followed()
    _named_f2_lock(named)
    dismissed_set = set(dismissed)
    by_case: dict[int, set[int]] = {}
    for via_id, case_id, contact_id, *_ in rows:
        if via_id in dismissed_set:
            by_case.setdefault(case_id, set()).add(contact_id)
    closed, quarantined = _named_f2_settle(actor=actor, by_case=by_case, reason="f1_dismissed")
    reopened = 0
    if confirmed:
        confirmed_set = set(confirmed)
        # Per F2, the case of the first of its links that stand again (case number order), for the audit.
        through: dict[int, str] = {}
        for via_id, _case, contact_id, number, case_status in sorted(rows, key=lambda row: row[3]):
            if via_id in confirmed_set and case_status != Case.Status.WITHDRAWN:
                through.setdefault(contact_id, number)
        reopened = _named_f2_resume(actor=actor, through=through, reason="f1_confirmed")
    return NamedF2Followed(named=len(named), closed=len(closed), quarantined=quarantined, reopened=reopened)


def _named_f2_quarantine_follow(*, actor, f1_ids) -> NamedF2Followed:
    """After the quarantine start of the F1s `f1_ids` was set or moved (in that transaction, their named F2 locked by
    the caller with them, in person order): each F2 link named in their interviews for a meeting begun after the
    start's day (judged as contact_interview_f2_add judges it: its whole first day counts) no longer stands
    (ContactLink.after_f1_quarantine; QĐ 3638, an F2 met the F1 "until the F1 was put in medical isolation"), unless
    the investigator marked it a breach of the quarantine; one such link of a start since moved later stands again.
    Their contacts are settled as a dismissal of the F1 settles them: closed as `case_withdrawn` with nothing else
    standing (audited with `reason` "f1_quarantined_before"), kept in quarantine for an official to release; or a
    candidate again once a link stands again ("f1_quarantine_later"). `named` counts the F2 (one per person) whose
    links changed. Check-in F2 are the tracer's: the move queues the re-trace (_onward_trace_again)."""
    f1_ids = sorted(set(f1_ids))
    if not f1_ids:
        return NamedF2Followed()
    f1s = {
        pk: (began, episode)
        for pk, began, episode in Contact.objects.filter(pk__in=f1_ids).values_list(
            "pk", "quarantine_start", "episode_start"
        )
    }
    went, back = [], []
    links = _interview_links_via(f1_ids).filter(quarantine_breach=False)
    fields = ("pk", "via_id", "case_id", "contact_id", "exposure_start", "exposure_end", "after_f1_quarantine")
    for pk, via_id, case_id, contact_id, start, end, was_after in links.values_list(*fields):
        began, episode = f1s[via_id]
        if episode is not None and (end or start) is not None and (end or start) < episode:
            continue  # named in an episode the F1 has left: judged by that episode's quarantine, left as it was
        after = began is not None and _exposure_begun_after(local_midnight(began + dt.timedelta(days=1)), start, end)
        if after and not was_after:
            went.append((pk, case_id, contact_id))
        elif was_after and not after:
            back.append((pk, case_id, contact_id))
    named = {contact_id for _pk, _case, contact_id in (*went, *back)}
    if not named:
        return NamedF2Followed()
    _named_f2_lock(named)
    ContactLink.objects.filter(pk__in=[pk for pk, *_ in went]).update(after_f1_quarantine=True)
    ContactLink.objects.filter(pk__in=[pk for pk, *_ in back]).update(after_f1_quarantine=False)
    by_case: dict[int, set[int]] = {}
    for _pk, case_id, contact_id in went:
        by_case.setdefault(case_id, set()).add(contact_id)
    closed, quarantined = _named_f2_settle(actor=actor, by_case=by_case, reason="f1_quarantined_before")
    through: dict[int, str] = {}
    numbers = dict(Case.objects.filter(pk__in={case_id for _pk, case_id, _c in back}).values_list("pk", "number"))
    standing_cases = set(
        Case.objects.filter(pk__in=list(numbers)).exclude(status=Case.Status.WITHDRAWN).values_list("pk", flat=True)
    )
    for _pk, case_id, contact_id in sorted(back, key=lambda row: numbers[row[1]]):
        if case_id in standing_cases:
            through.setdefault(contact_id, numbers[case_id])
    reopened = _named_f2_resume(actor=actor, through=through, reason="f1_quarantine_later")
    return NamedF2Followed(
        named=len(named),
        closed=len(closed),
        quarantined=quarantined,
        reopened=reopened,
        after_start=len({contact_id for _pk, _case, contact_id in went}),
    )


def contact_status_set(
    *,
    actor,
    contact: Contact,
    status: str,
    reason: str = "",
    quarantine_start: dt.date | None = None,
) -> Contact:
    """Move a contact to `status` as an official decides (CONTACT_NEXT); audited as `cases.contact.<status>`.

    dismissed needs a reason, and so does released before the quarantine's last day
    (contact_release_reason_required); confirmed and quarantined need a contact of a standing case who is no case under
    treatment, and a telecom-only candidate is confirmed before it is quarantined (_contact_refusal); quarantined
    takes a start date (default today, not in the future, not before the first exposure) and ends as many days
    after the last exposure (the start, for a contact without times) as the quarantine rule in force on the start
    date says (quarantine_rule_for; quarantine_rule_missing when none is; quarantine_period_over when they are over
    by the start). Tracing never undoes these. A dismissal, or its undoing, settles the F2 named in the contact's
    interview in the same transaction (_named_f2_follow; what it did is the returned contact's `named_f2_followed`), and
    so does a quarantine whose start falls before meetings named there (_named_f2_quarantine_follow).
    """
    reason = _contact_status_params(status, reason, quarantine_start)
    with transaction.atomic():
        # The F2 named in the contact's interview, which a dismissal or its undoing settles, are locked with it in
        # person order (as a trace's upsert locks the contacts it meets), before any is written.
        named = _named_f2_ids([contact.pk]) if status in _FOLLOWED_BY_NAMED_F2 else set()
        locked = list(
            Contact.objects.select_for_update(no_key=True)
            .filter(pk__in=sorted({contact.pk, *named}))
            .order_by("person_id")
        )
        contact = next(row for row in locked if row.pk == contact.pk)
        before = contact.status
        _contact_status_apply(
            actor=actor,
            contact=contact,
            status=status,
            reason=reason,
            quarantine_start=quarantine_start,
            earliest_sample=_earliest_samples([contact.pk]).get(contact.pk) if status == Status.QUARANTINED else None,
            standing=_contacts_standing([contact], status),
        )  # a quarantine's terms are read once the dates are checked (_contact_status_apply)
        if status in _CARD_MOVES:
            send_person_case_facts_changed([contact.person_id])
        if _moves_onward(before, status):
            _onward_trace_again(actor=actor, contact_ids=[contact.pk])
        if status == Status.QUARANTINED:
            contact.named_f2_followed = _named_f2_quarantine_follow(actor=actor, f1_ids=[contact.pk])
        else:
            contact.named_f2_followed = _named_f2_follow(
                actor=actor,
                dismissed=[contact.pk] if status == Status.DISMISSED else [],
                confirmed=[contact.pk] if before == Status.DISMISSED else [],
            )
    return contact


def contact_quarantine_start_move(*, actor, contact: Contact, quarantine_start: dt.date, reason: str) -> Contact:
    """Correct the start of `contact`'s quarantine (in quarantine): the official learns it began on another day (an F1
    in home quarantine since before the station reached them, a slipped date). Checked as a quarantine from that day
    would be (not in the future, not before the first exposure, not too long before the sample, a rule in force,
    days left to serve); the rule, days and protected flag are those of the new start's day, the end counted again
    from the last exposure (_quarantine_end). A reason is required (`quarantine_move_reason_required`); a contact
    not in quarantine is refused (`contact_status_transition`); the same start again changes nothing. Audited as
    `cases.contact.quarantine_moved` with the start and end before and after, the rule, days and reason. What lies
    beyond the F1 follows, as after a quarantine set: the F2 named in their interview in this transaction
    (_named_f2_quarantine_follow; the returned contact's `named_f2_followed`), the check-in F2 by a re-trace queued
    (_onward_trace_again); the status card is computed again."""
    reason = _reason_fits((reason or "").strip())
    if not reason:
        raise ApplicationError(errors.QUARANTINE_MOVE_REASON_REQUIRED, extra={"field": "reason"})
    with transaction.atomic():
        # The F2 named in the interview, which the move settles, locked with the F1 in person order.
        named = _named_f2_ids([contact.pk])
        locked = list(
            Contact.objects.select_for_update(no_key=True)
            .filter(pk__in=sorted({contact.pk, *named}))
            .order_by("person_id")
        )
        contact = next(row for row in locked if row.pk == contact.pk)
        contact.named_f2_followed = NamedF2Followed()
        if contact.status != Status.QUARANTINED or contact.quarantine_start is None:
            raise ApplicationError(
                errors.CONTACT_STATUS_TRANSITION,
                extra={"from": contact.status, "to": Status.QUARANTINED, "field": "quarantine_start"},
                vi="Người tiếp xúc không đang cách ly: không có ngày bắt đầu cách ly để sửa.",
                en="The contact is not in quarantine: there is no quarantine start to correct.",
            )
        if quarantine_start == contact.quarantine_start:
            return contact
        rule, days, protected = _quarantine_start_checked(
            contact, quarantine_start, _earliest_samples([contact.pk]).get(contact.pk), None
        )
        end = _quarantine_end(quarantine_start, contact.last_exposure_at, days)
        _quarantine_left(contact, quarantine_start, end, rule, days)
        before = {"from": contact.quarantine_start.isoformat(), "end_before": contact.quarantine_end.isoformat()}
        contact.quarantine_start, contact.quarantine_end = quarantine_start, end
        contact.quarantine_days, contact.quarantine_protected = days, protected
        contact.save(update_fields=["quarantine_start", "quarantine_end", "quarantine_days", "quarantine_protected"])
        audit_record(
            actor=actor,
            action="cases.contact.quarantine_moved",
            obj=contact,
            area_path=contact.person.area_path,
            extra={
                **before,
                "start": quarantine_start.isoformat(),
                "end": end.isoformat(),
                "rule": rule.code,
                "days": days,
                "protected": protected,
                "reason": reason,
            },
        )
        send_person_case_facts_changed([contact.person_id])
        _onward_trace_again(actor=actor, contact_ids=[contact.pk])
        contact.named_f2_followed = _named_f2_quarantine_follow(actor=actor, f1_ids=[contact.pk])
    return contact


# A release made by mistake (the wrong person ticked in the work list's bulk form, the wrong button) is undone this long
# after it, with a reason (contact_release_undo); after that the release stands, and a new exposure reopens the
# contact as any released one. The outcome's hours, for the same reason: long enough to notice a slip the same day,
# short enough that what followed (a status card shown at a checkpoint, the self-monitoring begun) has not gone far.
RELEASE_UNDO_HOURS = OUTCOME_UNDO_HOURS


def contact_release_undo_until(contact: Contact) -> dt.datetime | None:
    """Until when `contact`'s release may be undone (RELEASE_UNDO_HOURS after it); None when it may not (any longer):
    not released, released before the platform kept the quarantine's end (2026-12-07), or the hours are over. The
    contact page offers the undoing until then; contact_release_undo decides again, under the lock."""
    if contact.status != Status.RELEASED or contact.quarantine_end_before_release is None:
        return None
    return _undo_until(contact.status_changed_at, RELEASE_UNDO_HOURS)


def _release_undo_closed(reason: str, vi: str, en: str, **extra) -> ApplicationError:
    return ApplicationError(errors.CONTACT_RELEASE_UNDO_CLOSED, extra={"reason": reason, **extra}, vi=vi, en=en)


def _release_undo_refusal(contact: Contact) -> ApplicationError | None:
    """Why `contact`'s release may not be undone now, or None. Only the system moves a released contact on (a case
    that meets them after the quarantine reopens them as a candidate), so one that has moved on since a release this
    version recorded (quarantine_end_before_release kept) was reopened, and a release undone empties it."""
    if contact.status != Status.RELEASED:
        if contact.quarantine_end_before_release is None:
            return ApplicationError(
                errors.CONTACT_STATUS_TRANSITION,
                extra={"from": contact.status, "to": Status.QUARANTINED},
                vi="Người tiếp xúc này không ở tình trạng đã kết thúc cách ly: không có gì để huỷ.",
                en="This contact is not released: there is no release to undo.",
            )
        if contact.status == Status.BECAME_CASE:
            return _release_undo_closed(
                "became_case",
                "Sau khi kết thúc cách ly, người này đã trở thành ca bệnh (F0): không đưa lại vào cách ly như người "
                "tiếp xúc.",
                "Since the release, the person became a case (F0): they are not put back in quarantine as a contact.",
            )
        return _release_undo_closed(
            "reopened",
            "Sau khi kết thúc cách ly, người này đã gặp một ca bệnh khác và được theo dõi lại cho lần tiếp xúc mới: "
            "không huỷ được lần kết thúc cách ly trước.",
            "Since the release, another case met this person and they are followed again for the new exposure: the "
            "earlier release cannot be undone.",
            status=contact.status,
        )
    if contact_release_undo_until(contact) is None:
        return _release_undo_closed(
            "too_late",
            f"Chỉ huỷ được việc kết thúc cách ly trong {RELEASE_UNDO_HOURS} giờ sau khi kết thúc.",
            f"A release can be undone only within {RELEASE_UNDO_HOURS} hours of it.",
            hours=RELEASE_UNDO_HOURS,
        )
    # Entering a case closes only open contacts: a released contact whose person became a case stays released.
    since = (
        Case.objects.filter(person_id=contact.person_id)
        .exclude(status=Case.Status.WITHDRAWN)
        .filter(Q(status=Case.Status.UNDER_TREATMENT) | Q(created_at__gte=contact.status_changed_at))
        .order_by("-created_at")
        .first()
    )
    if since is not None:
        return _release_undo_closed(
            "became_case",
            f"Sau khi kết thúc cách ly, người này đã trở thành ca bệnh {since.number}: không đưa lại vào cách ly "
            "như người tiếp xúc.",
            f"Since the release, the person became case {since.number}: they are not put back in quarantine as a "
            "contact.",
            case=since.number,
        )
    # As for any quarantine: a contact whom only withdrawn cases link (the case withdrawn since, or the reason for
    # the release) is no F1 to quarantine.
    return _contact_refusal(contact, Status.QUARANTINED, _contacts_standing([contact], Status.QUARANTINED))


def contact_release_undo(*, actor, contact: Contact, reason: str) -> Contact:
    """Take back a release made by mistake: the contact is in quarantine again, with the start, rule, days and
    protection it was set with (a release changes none of them) and the end it had before an early release cut it
    (quarantine_end_before_release, kept by the release), moved on as quarantine_ends_extend moves a quarantine's end
    when evidence since the release has a later exposure. Within RELEASE_UNDO_HOURS of the release, with a reason
    (contact_release_undo_reason_required); refused (contact_release_undo_closed, extra.reason) after the hours
    (`too_late`, also for a release before 2026-12-07), once a case met them again and reopened them (`reopened`), or
    once the person became a case (`became_case`); contact_no_standing_case when only withdrawn cases link them.
    Audited as `cases.contact.release_undone` with the reason; the status card is computed again after the commit.
    No re-trace is queued: the release left the quarantine's start, which bounds the tracing of their own contacts
    (tracing.quarantine_until), as it was, so what tracing found in the meantime stands."""
    reason = _reason_collapsed(reason)
    if not reason:
        raise ApplicationError(errors.CONTACT_RELEASE_UNDO_REASON_REQUIRED, extra={"field": "reason"})
    with transaction.atomic():
        # The person first, as entering a case for them locks it before closing their open contact: run at once, the
        # undo sees the case, or the case entry sees the contact in quarantine and closes it as became_case.
        contact = _person_then_contact_locked(contact)
        if (refusal := _release_undo_refusal(contact)) is not None:
            raise refusal
        released_at, released_end, release_reason = (
            contact.status_changed_at,
            contact.quarantine_end,
            contact.release_reason,
        )
        contact.status = Status.QUARANTINED
        contact.quarantine_end = contact.quarantine_end_before_release
        contact.quarantine_end_before_release = None  # undone: nothing left to undo
        contact.release_reason = ""
        contact.status_changed_at = timezone.now()
        contact.status_changed_by = actor if getattr(actor, "is_authenticated", False) else None
        contact.save(
            update_fields=[
                "status",
                "quarantine_end",
                "quarantine_end_before_release",
                "release_reason",
                "status_changed_at",
                "status_changed_by",
            ]
        )
        extra = {
            "reason": reason,
            "released_at": released_at.isoformat(),
            "released_end": released_end.isoformat() if released_end else None,
            "end": contact.quarantine_end.isoformat() if contact.quarantine_end else None,
        }
        if release_reason:
            extra["release_reason"] = release_reason  # the early release's own reason, no longer on the contact
        audit_record(
            actor=actor, action="cases.contact.release_undone", obj=contact, area_path=contact.area_path, extra=extra
        )
        # Evidence added while released (not reopening them) may end later than the quarantine did: as if it had
        # come during the quarantine. Audited as cases.contact.quarantine_extended when it moves the end.
        quarantine_ends_extend([contact.pk], actor=actor)
        send_person_case_facts_changed([contact.person_id])  # in quarantine again: the card says so (_CARD_MOVES)
        contact.refresh_from_db(fields=["quarantine_end"])
    return contact


def _person_then_contact_locked(contact: Contact) -> Contact:
    """The contact read again under its row lock, its person's taken first (the order a case entry and an interview's
    link take them), with the person: for one official's move on one contact, inside the caller's transaction."""
    _person_lock(contact.person_id)
    return Contact.objects.select_for_update(no_key=True, of=("self",)).select_related("person").get(pk=contact.pk)


def contact_dismissal_keep(*, actor, contact: Contact, reason: str) -> Contact:
    """Keep a dismissal after reviewing the evidence added since it (docs/cases.md, "New evidence since a dismissal"):
    the official judges the new links are no meeting either. The contact stays dismissed with the review's reason as
    its dismissal's (dismissed_reason), and its status_changed_at is now: the evidence reviewed is before it, so no
    longer new (selectors.dismissed_new_evidence_q); evidence added later is told again. A reason is required
    (contact_dismissal_keep_reason_required, 400, held to REASON_MAX as a dismissal's); a contact not dismissed is
    refused (contact_status_transition), one dismissed with no new evidence too (contact_no_new_evidence, 409).
    Audited as `cases.contact.dismissal_kept` with the reason before and after, the dismissal's time before and the
    links reviewed. Nothing beyond the contact changes: it was dismissed and stays so (the F2 named in its interview,
    the status card). The caller has checked the official may see the contact (selectors.contact_get)."""
    from .selectors import dismissed_new_evidence  # selectors imports this module

    reason = _reason_collapsed(reason)
    if not reason:
        raise ApplicationError(errors.CONTACT_DISMISSAL_KEEP_REASON_REQUIRED, extra={"field": "reason"})
    with transaction.atomic():
        # The person first, as an interview's link to them locks it before writing (contact_link_add): one written
        # meanwhile is committed before the links are read below, and is among those reviewed.
        contact = _person_then_contact_locked(contact)
        if contact.status != Status.DISMISSED:
            raise ApplicationError(
                errors.CONTACT_STATUS_TRANSITION,
                extra={"from": contact.status, "to": Status.DISMISSED},
                vi="Người tiếp xúc này không ở tình trạng đã loại: không có việc loại nào để giữ.",
                en="This contact is not dismissed: there is no dismissal to keep.",
            )
        reviewed = dismissed_new_evidence(viewer=actor, contacts=[contact]).get(contact.pk, [])
        if not reviewed:
            raise ApplicationError(errors.CONTACT_NO_NEW_EVIDENCE, extra={"status": contact.status})
        before, dismissed_at = contact.dismissed_reason, contact.status_changed_at
        contact.dismissed_reason = reason
        contact.status_changed_at = timezone.now()
        contact.status_changed_by = actor if getattr(actor, "is_authenticated", False) else None
        contact.save(update_fields=["dismissed_reason", "status_changed_at", "status_changed_by"])
        audit_record(
            actor=actor,
            action="cases.contact.dismissal_kept",
            obj=contact,
            area_path=contact.area_path,
            extra={
                "reason": reason,
                "reason_before": before,
                "dismissed_at": dismissed_at.isoformat(),
                # Each link's case by number where the official sees it, as the page showed it to them.
                "links": [{"link": one.link, "case": one.case or None, "level": one.level} for one in reviewed],
            },
        )
    return contact


# One request moves at most this many contacts: a level of a case's page shows CASE_CONTACTS_PAGE (200), the work
# list 200 a page; the bound keeps one transaction's locks and audit rows small.
CONTACTS_STATUS_MAX = 500


def contacts_selection_check(count: int) -> None:
    """The rule on how many contacts one move takes, shared by the pages, the API and contacts_status_set: none is
    `contacts_none_selected`, more than CONTACTS_STATUS_MAX `contacts_too_many` (`extra.max`), both 400."""
    if count < 1:
        raise ApplicationError(errors.CONTACTS_NONE_SELECTED, extra={"field": "contacts"})
    if count > CONTACTS_STATUS_MAX:
        raise ApplicationError(errors.CONTACTS_TOO_MANY, extra={"field": "contacts", "max": CONTACTS_STATUS_MAX})


@dataclass(frozen=True)
class ContactsStatusOutcome:
    """What a many-contact move did: `changed` were moved; `skipped` could not be (their status does not allow
    it, the person is a case under treatment, no standing case links them, a telecom-only candidate is not
    confirmed yet, the quarantine would start before their first exposure, or would end before its last day without
    a reason), each with the reason, and are unchanged."""

    changed: list[Contact]
    skipped: list[tuple[Contact, ApplicationError]]
    # The F2 named in the interviews of the contacts dismissed, or confirmed again (_named_f2_follow), or quarantined
    # from before meetings named there (_named_f2_quarantine_follow).
    named_f2: NamedF2Followed = NamedF2Followed()


def contacts_status_set(
    *,
    actor,
    contacts: list[Contact],
    status: str,
    reason: str = "",
    quarantine_start: dt.date | None = None,
) -> ContactsStatusOutcome:
    """Move several contacts (already scoped to the actor's area by the caller) to `status` at once, as an
    official ticks them on a case's page or the work list. One transaction; every contact is locked (in one
    order, so that overlapping selections and traces cannot deadlock) and moved as contact_status_set would,
    or skipped with its reason when it alone cannot move (a release without a reason moves those whose quarantine
    is over and skips those still in it). Errors that concern every contact (no contact, too
    many, unknown status, no reason for a dismissal, a quarantine starting in the future or when no quarantine rule
    is in force) refuse the whole. A dismissal, or its undoing, settles the F2 named in the interviews of the contacts
    moved in the same transaction (_named_f2_follow; the outcome's `named_f2`), and so does a quarantine whose start
    falls before meetings named there (_named_f2_quarantine_follow)."""
    ids = sorted({contact.pk for contact in contacts})
    contacts_selection_check(len(ids))
    reason = _contact_status_params(status, reason, quarantine_start)
    rule = None
    if status == Status.QUARANTINED:
        # One start date for all: no rule in force refuses the whole move (409), not each contact in turn.
        rule = quarantine_rule_for(quarantine_start or timezone.localdate())
    changed, skipped = [], []
    with transaction.atomic():
        # Locked by person, the order in which a trace's upsert locks the contacts it meets, so that a move and
        # a trace sharing contacts wait for each other instead of deadlocking. NO KEY UPDATE is the lock an
        # UPDATE of these columns takes anyway: nothing stronger than the write needs.
        # The F2 named in their interviews too, which a dismissal or its undoing settles (_named_f2_follow): all in one
        # person order, before any is written.
        named = _named_f2_ids(ids) if status in _FOLLOWED_BY_NAMED_F2 else set()
        locked = list(
            Contact.objects.select_for_update(no_key=True, of=("self",))
            .select_related("person")  # each move's audit row carries its person's area
            .filter(pk__in=sorted({*ids, *named}))
            .order_by("person_id")
        )
        moving = set(ids)
        locked = [contact for contact in locked if contact.pk in moving]
        earliest = _earliest_samples(ids) if status == Status.QUARANTINED else {}
        standing = _contacts_standing(locked, status)
        # Who is protected under the rule, for all the persons at once (their doses in one query).
        terms = (
            _quarantine_terms(quarantine_start or timezone.localdate(), [c.person_id for c in locked], rule=rule)
            if rule is not None
            else None
        )
        onward, undone = [], []
        for contact in locked:
            before = contact.status
            try:
                _contact_status_apply(
                    actor=actor,
                    contact=contact,
                    status=status,
                    reason=reason,
                    quarantine_start=quarantine_start,
                    earliest_sample=earliest.get(contact.pk),
                    standing=standing,
                    terms=terms,
                )
            except ApplicationError as exc:
                skipped.append((contact, exc))
            else:
                changed.append(contact)
                if _moves_onward(before, status):
                    onward.append(contact.pk)
                if before == Status.DISMISSED:
                    undone.append(contact.pk)
        if status in _CARD_MOVES:
            send_person_case_facts_changed([contact.person_id for contact in changed])
        _onward_trace_again(actor=actor, contact_ids=onward)
        if status == Status.QUARANTINED:
            named_f2 = _named_f2_quarantine_follow(actor=actor, f1_ids=[contact.pk for contact in changed])
        else:
            named_f2 = _named_f2_follow(
                actor=actor,
                dismissed=[contact.pk for contact in changed] if status == Status.DISMISSED else [],
                confirmed=undone,
            )
    return ContactsStatusOutcome(changed=changed, skipped=skipped, named_f2=named_f2)


def quarantine_ends_extend(contact_ids, *, actor=None) -> int:
    """Move the end of the quarantines among `contact_ids` whose last exposure new evidence has moved on: a
    quarantine ends the rule's days after the last exposure (_quarantine_end, RULES.md §2), so quarantine_end =
    GREATEST(quarantine_end, local day of last_exposure_at + the days the quarantine was set with: `quarantine_days`,
    the protected days when they applied; the days of the rule in force on quarantine_start for one set before).
    Never shortened; contacts not in quarantine are left alone. To be called in the
    transaction that widened `last_exposure_at` (contact_link_add, the check-in tracer's upsert, the interview).
    Each move audited as `cases.contact.quarantine_extended` (the old and the new end, the last exposure, the
    rule); the persons' status cards are computed again after the commit. Returns how many ends moved."""
    ids = sorted({int(contact_id) for contact_id in contact_ids})
    quarantined = Contact.objects.filter(
        status=Status.QUARANTINED,
        quarantine_start__isnull=False,
        quarantine_end__isnull=False,
        last_exposure_at__isnull=False,
    )
    found = []
    for at in range(0, len(ids), 1000):  # a factory's trace meets tens of thousands; few are in quarantine
        found += quarantined.filter(pk__in=ids[at : at + 1000]).values_list("pk", flat=True)
    if not found:
        return 0
    rules = list(QuarantineRule.objects.order_by("-effective_from"))  # a handful of rows
    moved = []
    # Locked in person order, as every other writer of contacts locks them (contacts_status_set).
    for contact in (
        quarantined.select_for_update(no_key=True, of=("self",))
        .select_related("person")
        .filter(pk__in=found)
        .order_by("person_id")
    ):
        rule = next((rule for rule in rules if rule.effective_from <= contact.quarantine_start), None)
        if rule is None:
            continue
        days = contact.quarantine_days or rule.days
        end = _quarantine_end(contact.quarantine_start, contact.last_exposure_at, days)
        if end <= contact.quarantine_end:
            continue
        before, contact.quarantine_end = contact.quarantine_end, end
        contact.save(update_fields=["quarantine_end"])
        audit_record(
            actor=actor,
            action="cases.contact.quarantine_extended",
            obj=contact,
            area_path=contact.area_path,
            extra={
                "from": before.isoformat(),
                "end": end.isoformat(),
                "last_exposure": contact.last_exposure_at.isoformat(),
                "rule": rule.code,
                "days": days,
            },
        )
        moved.append(contact.person_id)
    if moved:
        send_person_case_facts_changed(moved)
    return len(moved)


INTERVIEW_SETTINGS = (
    ContactLink.Setting.HOUSEHOLD,
    ContactLink.Setting.WORKPLACE,
    ContactLink.Setting.TRANSPORT,
    ContactLink.Setting.OTHER,
)


def _interview_checked(
    *, setting: str, nonce: str, exposure_start: dt.datetime | None, exposure_end: dt.datetime | None
) -> str:
    """The checks an interview's answer must pass whoever was interviewed (a case, contact_interview_add, or an
    F1, contact_interview_f2_add): a setting an interview can name, a nonce of 8-100 characters (returned stripped),
    no exposure in the future, no end before the start."""
    # Each refusal says what is wrong (the pages show it next to `extra.field`), not only that something is.
    if setting not in INTERVIEW_SETTINGS:
        raise ApplicationError(
            errors.INVALID_CONTACT,
            extra={"field": "setting"},
            vi="Chọn nơi tiếp xúc: cùng hộ gia đình, nơi làm việc hoặc học tập, phương tiện đi lại, hoặc khác.",
            en="Choose where they met: household, workplace or school, transport, or other.",
        )
    nonce = (nonce or "").strip()
    if not 8 <= len(nonce) <= 100:
        raise ApplicationError(
            errors.INVALID_CONTACT,
            extra={"field": "nonce"},
            vi="Mã chống gửi trùng của biểu mẫu phải dài 8–100 ký tự: tải lại trang rồi nhập lại.",
            en="The form's nonce must be 8–100 characters: reload the page and enter it again.",
        )
    now = timezone.now()
    for name, value in (("exposure_start", exposure_start), ("exposure_end", exposure_end)):
        if value is not None and value > now + dt.timedelta(minutes=5):
            raise ApplicationError(
                errors.INVALID_CONTACT,
                extra={"field": name},
                vi=f"Thời điểm ở tương lai ({_shown(value)}): nhập lúc đã gặp.",
                en=f"The time is in the future ({_shown(value)}): enter when they met.",
            )
    if exposure_start and exposure_end and exposure_end < exposure_start:
        raise ApplicationError(
            errors.INVALID_CONTACT,
            extra={"field": "exposure_end"},
            vi=f"Giờ kết thúc trước giờ bắt đầu ({_shown(exposure_end)} trước {_shown(exposure_start)}).",
            en=f"The end time is before the start time ({_shown(exposure_end)} before {_shown(exposure_start)}).",
        )
    return nonce


def _exposure_over_before(opens: dt.datetime, start: dt.datetime | None, end: dt.datetime | None) -> bool:
    """A meeting over before `opens` (the check-in tracer keeps only overlaps, half-open): judged by its end, or by
    its start when no end was given."""
    return (end is not None and end <= opens) or (end is None and start is not None and start < opens)


def _exposure_begun_after(closes: dt.datetime, start: dt.datetime | None, end: dt.datetime | None) -> bool:
    """A meeting begun at or after `closes`: judged by its start, or by its end when no start was given."""
    return (start is not None and start >= closes) or (start is None and end is not None and end > closes)


def _shown(moment: dt.datetime) -> str:
    """A moment as the pages write it, in local time."""
    return timezone.localtime(moment, timezone.get_default_timezone()).strftime("%d/%m/%Y %H:%M")


def _overlap_minutes(start: dt.datetime | None, end: dt.datetime | None) -> int | None:
    return int((end - start).total_seconds() // 60) if start and end else None


def _same_meeting(*, person, setting: str, exposure_start: dt.datetime | None, exposure_end: dt.datetime | None):
    """The interview links that record the meeting an interview's answer describes, whatever its nonce: the same
    person, the same setting, the same start and the same end (both left empty alike). Entered twice, one meeting is
    one piece of evidence (docs/cases.md, "The same meeting entered twice"); times that differ, even overlapping,
    are another answer and kept as told. The place and the note are not compared: they describe the meeting."""
    return ContactLink.objects.filter(
        contact__person_id=person.pk,
        source=ContactLink.Source.INTERVIEW,
        setting=setting,
        exposure_start=exposure_start,
        exposure_end=exposure_end,
    )


def contact_interview_add(
    *,
    actor,
    case: Case,
    person,
    setting: str,
    nonce: str,
    place: str = "",
    exposure_start: dt.datetime | None = None,
    exposure_end: dt.datetime | None = None,
    note: str = "",
) -> tuple[ContactLink, bool]:
    """An F1 named in the case's interview (household, workplace, transport, other); (link, created).

    The evidence key is "interview:<nonce>": the form's nonce (or the API's Idempotency-Key), so a double
    submission adds one link; and the same meeting entered again under another nonce (_same_meeting: same case,
    person, setting, start and end) adds nothing either and returns the link that records it (created False).
    Audited as `cases.contact.interview_added` when it adds one. Refused, writing nothing
    (`invalid_contact`, `extra.field` the time that decides): the answer out of shape (_interview_checked), the case's
    own person, an exposure dated more than EARLIEST_DAYS_BEFORE_SAMPLE days before the sample (`extra.earliest`),
    over before the case's infectious window opened (`extra.window_start`) or begun once the case was isolated, the
    window's end (`extra.window_end`), judged as _meeting_in_window judges a meeting carried from an F1's interview.
    """
    nonce = _interview_checked(setting=setting, nonce=nonce, exposure_start=exposure_start, exposure_end=exposure_end)
    if person.pk == case.person_id:
        raise ApplicationError(
            errors.INVALID_CONTACT,
            extra={"field": "person"},
            vi="Ca bệnh không thể là người tiếp xúc của chính mình.",
            en="A case cannot be its own contact.",
        )
    earliest = case.sample_date - dt.timedelta(days=EARLIEST_DAYS_BEFORE_SAMPLE)
    for name, value in (("exposure_start", exposure_start), ("exposure_end", exposure_end)):
        if value is not None and timezone.localdate(value) < earliest:
            raise ApplicationError(
                errors.INVALID_CONTACT,
                extra={"field": name, "earliest": earliest.isoformat()},
                vi=f"Thời điểm tiếp xúc quá sớm: không thể trước ngày lấy mẫu của ca bệnh quá "
                f"{EARLIEST_DAYS_BEFORE_SAMPLE} ngày.",
                en=f"The exposure is dated too early: at most {EARLIEST_DAYS_BEFORE_SAMPLE} days before the case's "
                "sample date.",
            )
    # A meeting over before the case was infectious is no exposure (the check-in tracer keeps only overlaps with
    # the window, half-open).
    if _exposure_over_before(case.window_start, exposure_start, exposure_end):
        opens = timezone.localtime(case.window_start, timezone.get_default_timezone())
        shown = _shown(opens)
        raise ApplicationError(
            errors.INVALID_CONTACT,
            extra={"field": "exposure_end" if exposure_end else "exposure_start", "window_start": opens.isoformat()},
            vi=f"Thời điểm tiếp xúc trước thời kỳ lây truyền của ca bệnh (bắt đầu từ {shown}): lần gặp này không làm "
            "người đó thành F1.",
            en=f"The exposure is before the case's infectious window (which starts {shown}): this meeting does not "
            "make the person an F1.",
        )
    # Nor one begun once the case was isolated (its window's end): an F0 isolated passes nothing on, as the check-in
    # tracer and the carry of an F1's interview (_meeting_in_window) count it. One that began before and went on (a
    # household) is one, as told: its end is the last exposure that the quarantine counts from (_quarantine_end).
    if _exposure_begun_after(case.window_end, exposure_start, exposure_end):
        closes = timezone.localtime(case.window_end, timezone.get_default_timezone())
        shown = _shown(closes)
        raise ApplicationError(
            errors.INVALID_CONTACT,
            extra={"field": "exposure_start" if exposure_start else "exposure_end", "window_end": closes.isoformat()},
            vi=f"Thời điểm tiếp xúc sau khi ca bệnh được cách ly ({shown}): lần gặp này không làm người đó thành F1. "
            "Nếu ca bệnh được cách ly muộn hơn, hãy sửa thời điểm cách ly của ca bệnh trước.",
            en=f"The exposure is after the case was isolated ({shown}): this meeting does not make the person an F1. "
            "If the case was isolated later, correct the case's isolation time first.",
        )
    with transaction.atomic():
        # Under the locks contact_link_add takes (the case, then the person), so that the same meeting sent twice at
        # once is found by the second.
        case_refuse_if_withdrawn(case, lock=True)
        _person_lock(person.pk)
        recorded = (
            _same_meeting(person=person, setting=setting, exposure_start=exposure_start, exposure_end=exposure_end)
            .filter(case_id=case.pk, level=1)
            .select_related("contact")
            .order_by("pk")
            .first()
        )
        if recorded is not None:
            return recorded, False
        link, created = contact_link_add(
            person=person,
            case=case,
            level=1,
            source=ContactLink.Source.INTERVIEW,
            setting=setting,
            evidence_key=f"interview:{nonce}",
            place=place,
            exposure_start=exposure_start,
            exposure_end=exposure_end,
            overlap_minutes=_overlap_minutes(exposure_start, exposure_end),
            note=(note or "")[:2000],
            actor=actor,
        )
        if created:
            audit_record(
                actor=actor,
                action="cases.contact.interview_added",
                obj=link.contact,
                area_path=link.contact.area_path,
                extra={"case": case.number, "setting": setting},
            )
    return link, created


# --- F2 named in an F1's interview --------------------------------------------------------------------------
#
# RULES.md §1.2, "F2 under QĐ 3638": a close contact of an F1 "from when the F1 could have been infected by the F0
# until the F1 was put in medical isolation". The commune's health station interviewed each F1 for them
# (household, workplace, transport...), as the check-in tracer finds them at venues (cases.tracing). Which case an
# F2 link belongs to follows the tracer: it links an F2 to the case whose trace went through the F1, once per such
# case, so an F1 of two cases passes its F2 on to both; and the F2's meeting must fall in that case's F2 period of
# the F1 (from the F1's first exposure to the case). docs/cases.md, "Contacts named in an F1's interview (F2)".


@dataclass
class _F1Evidence:
    """What an F1 passes on from (read with _f1_evidence): its standing cases, and per case it is an F1 of, its
    first exposure to that case."""

    cases: dict[int, Case]  # every case not withdrawn that the contact is linked to, at any level
    opens: dict[int, dt.datetime]  # case id -> the F1's first exposure to it, for the cases it is an F1 of


def _f1_evidence(contact: Contact) -> _F1Evidence:
    """One query. A level-1 link counts from its start, or from the case's window_start when it has none (an
    interview that gave none, or only an end) or began before it (a household living together before the case was
    infectious: RULES.md §1.2, the F1 could be infected from the window's start on, not before). Only the links of
    the contact's current episode: an F1 met again names F2 of the new case, not of the one it was released from."""
    cases: dict[int, Case] = {}
    opens: dict[int, dt.datetime] = {}
    links = ContactLink.objects.filter(contact_id=contact.pk).exclude(case__status=Case.Status.WITHDRAWN)
    for link in links.select_related("case"):
        if not contact.link_in_episode(link):
            continue
        cases.setdefault(link.case_id, link.case)
        if link.level == 1:
            began = max(link.exposure_start or link.case.window_start, link.case.window_start)
            opens[link.case_id] = min(opens.get(link.case_id, began), began)
    return _F1Evidence(cases=cases, opens=opens)


def _f2_refusal(contact: Contact, evidence: _F1Evidence | None) -> ApplicationError | None:
    if tracing_max_level() < 2:
        return ApplicationError(errors.F2_NOT_TRACED, extra={"max_level": tracing_max_level()})
    if contact.level != 1:
        return ApplicationError(
            errors.CONTACT_NOT_F1,
            extra={"level": contact.level},
            vi=f"Người này là F{contact.level}, không phải F1: chỉ thêm F2 từ lời khai của một F1.",
            en=f"This contact is an F{contact.level}, not an F1: an F2 is added only from an F1's interview.",
        )
    if contact.status not in OPEN_CONTACT_STATUSES:
        return errors.contact_f1_closed(contact.status, contact.dismissed_reason)
    if evidence is not None and not evidence.opens:  # an F1 of withdrawn cases only, still in quarantine
        return ApplicationError(errors.CONTACT_NO_STANDING_CASE, extra={"from": contact.status})
    return None


def contact_f2_refusal(*, contact: Contact) -> ApplicationError | None:
    """Why no F2 may be added from `contact`'s interview, or None: F2 are not recorded (`TRACING_MAX_LEVEL` below 2,
    `f2_not_traced`), the contact is not an F1 (`contact_not_f1`), it is closed (`contact_f1_closed`, saying
    which status), or no standing case has it as its F1 (`contact_no_standing_case`). The contact page shows the
    form or this reason; read without a lock (at most one query): contact_interview_f2_add asks again under it."""
    refusal = _f2_refusal(contact, None)
    return refusal or _f2_refusal(contact, _f1_evidence(contact))


def _f2_cases(
    f1: Contact,
    person,
    exposure_start: dt.datetime | None,
    exposure_end: dt.datetime | None,
    quarantine_breach: bool = False,
    *,
    viewer,
) -> list[Case]:
    """The cases an F2 named by `f1` is linked to (id order), or the refusal: see contact_interview_f2_add. A refusal
    names a case only to a `viewer` who may see it (selectors.viewer_sees)."""
    from .selectors import viewer_sees  # selectors imports this module

    evidence = _f1_evidence(f1)
    refusal = _f2_refusal(f1, evidence)
    if refusal is not None:
        raise refusal
    if person.pk == f1.person_id:
        raise ApplicationError(
            errors.INVALID_CONTACT,
            extra={"field": "person", "reason": "itself"},
            vi="Người được khai là chính F1 này: không thể là F2 của chính mình.",
            en="The person named is this F1 themselves: not their own F2.",
        )
    own = sorted((case.number, case.area_path) for case in evidence.cases.values() if case.person_id == person.pk)
    if own:
        # A case of another area is not named, nor said to be one: the F1's page lists its cases' numbers, and
        # an official who looked this person up by phone would learn whose case it is (walk-through of 2026-12-07).
        number, area_path = own[0]
        raise errors.f2_person_is_case(number if viewer_sees(viewer, area_path) else None)
    # The tracer gives no F2 link of a case to someone it found as that case's F1.
    already_f1 = set(
        ContactLink.objects.filter(contact__person_id=person.pk, level=1, case_id__in=list(evidence.opens)).values_list(
            "case_id", flat=True
        )
    )
    open_to = {case_id: opens for case_id, opens in evidence.opens.items() if case_id not in already_f1}
    if not open_to:
        # Only the cases the official may see are named: that a person of another area is an F1 of a case of
        # another area is not theirs to learn.
        cases_of = [evidence.cases[case_id] for case_id in already_f1]
        raise errors.f2_already_f1(sorted(case.number for case in cases_of if viewer_sees(viewer, case.area_path)))
    cases = [
        evidence.cases[case_id]
        for case_id in sorted(open_to)
        if not _exposure_over_before(open_to[case_id], exposure_start, exposure_end)
    ]
    if not cases:
        first = timezone.localtime(min(open_to.values()), timezone.get_default_timezone())
        raise ApplicationError(
            errors.INVALID_CONTACT,
            extra={
                "field": "exposure_end" if exposure_end else "exposure_start",
                "f1_first_exposure": first.isoformat(),
            },
            vi=f"Thời điểm tiếp xúc trước lần tiếp xúc đầu tiên của F1 với ca bệnh ({_shown(first)}): khi đó F1 chưa "
            "thể lây cho người này.",
            en=f"The exposure is before the F1's own first exposure to the case ({_shown(first)}): the F1 could not "
            "pass it on then.",
        )
    # After the first exposure: a meeting before it is no F2 at all, ticked or not, and the breach's own refusals
    # ("untick") would send the official to a second refusal instead of the real problem.
    if quarantine_breach:
        _f2_breach_check(f1, exposure_start, exposure_end)
    # Until the F1 was isolated (QĐ 3638): its quarantine's start, whose hour is not recorded, so its whole first day
    # counts, as for the check-in tracer (tracing.quarantine_until). A meeting while the F1 broke the quarantine is
    # taken only when the investigator says so (`quarantine_breach`): a date after the start is usually a slip.
    elif f1.status == Status.QUARANTINED and f1.quarantine_start is not None:
        closes = local_midnight(f1.quarantine_start + dt.timedelta(days=1))
        if _exposure_begun_after(closes, exposure_start, exposure_end):
            started = f1.quarantine_start.strftime("%d/%m/%Y")
            raise ApplicationError(
                errors.INVALID_CONTACT,
                extra={
                    "field": "exposure_start" if exposure_start else "exposure_end",
                    "quarantine_start": f1.quarantine_start.isoformat(),
                },
                vi=f"Thời điểm tiếp xúc sau khi F1 bắt đầu cách ly ({started}): F2 là người tiếp xúc với F1 trước khi "
                "F1 được cách ly. Nếu F1 đã gặp người này khi vi phạm cách ly, đánh dấu “Gặp khi vi phạm cách ly”.",
                en=f"The exposure is after the F1's quarantine began ({started}): an F2 met the F1 before the F1 was "
                "isolated. If the F1 met this person while breaking quarantine, tick “Met while breaking quarantine”.",
            )
    return cases


def _f2_breach_check(f1: Contact, exposure_start: dt.datetime | None, exposure_end: dt.datetime | None) -> None:
    """Refuse a meeting said to be while `f1` broke their quarantine that cannot be one: the F1 is not in quarantine,
    the meeting has no time, began before the quarantine's first day (an F2 like any, without the tick) or on or after
    its end (the first day out: the F1 was free to go by then). Its first day counts both ways, its hour not being
    recorded: a meeting that day is an F2 with or without the tick."""
    field = "exposure_start" if exposure_start else "exposure_end"
    if f1.status != Status.QUARANTINED or f1.quarantine_start is None:
        raise ApplicationError(
            errors.INVALID_CONTACT,
            extra={"field": "quarantine_breach", "reason": "not_in_quarantine", "status": f1.status},
            vi="F1 này không đang cách ly: không thể gặp người khác khi vi phạm cách ly. Bỏ đánh dấu “Gặp khi vi phạm "
            "cách ly”.",
            en="This F1 is not in quarantine: no meeting can be a breach of it. Untick “Met while breaking "
            "quarantine”.",
        )
    started = f1.quarantine_start.strftime("%d/%m/%Y")
    if exposure_start is None and exposure_end is None:
        raise ApplicationError(
            errors.INVALID_CONTACT,
            extra={"field": "exposure_start", "reason": "breach_undated", "quarantine_start": str(f1.quarantine_start)},
            vi=f"Nhập thời điểm gặp: lần gặp khi vi phạm cách ly phải nằm trong thời gian cách ly của F1 (từ "
            f"{started}).",
            en=f"Enter when they met: a meeting while breaking quarantine falls within the F1's quarantine (from "
            f"{started}).",
        )
    if _exposure_begun_before(local_midnight(f1.quarantine_start), exposure_start, exposure_end):
        raise ApplicationError(
            errors.INVALID_CONTACT,
            extra={"field": field, "reason": "breach_before", "quarantine_start": f1.quarantine_start.isoformat()},
            vi=f"Thời điểm tiếp xúc trước khi F1 bắt đầu cách ly ({started}): không phải vi phạm cách ly. Bỏ đánh dấu "
            "“Gặp khi vi phạm cách ly”.",
            en=f"The exposure is before the F1's quarantine began ({started}): no breach of it. Untick “Met while "
            "breaking quarantine”.",
        )
    if f1.quarantine_end is not None and _exposure_begun_after(
        local_midnight(f1.quarantine_end), exposure_start, exposure_end
    ):
        last = quarantine_last_day(f1.quarantine_start, f1.quarantine_end) or f1.quarantine_start
        raise ApplicationError(
            errors.INVALID_CONTACT,
            extra={"field": field, "reason": "breach_after", "quarantine_end": f1.quarantine_end.isoformat()},
            vi=f"Thời điểm tiếp xúc sau khi F1 hết thời gian cách ly (đến hết ngày {last:%d/%m/%Y}): không phải vi "
            "phạm cách ly, và không làm người này thành F2.",
            en=f"The exposure is after the F1's quarantine ended (through {last:%d/%m/%Y}): no breach of it, and it "
            "does not make this person an F2.",
        )


def _exposure_begun_before(opens: dt.datetime, start: dt.datetime | None, end: dt.datetime | None) -> bool:
    """A meeting begun before `opens`: judged by its start, or by its end when no start was given."""
    return (start is not None and start < opens) or (start is None and end is not None and end <= opens)


def contact_interview_f2_add(
    *,
    actor,
    f1: Contact,
    person,
    setting: str,
    nonce: str,
    place: str = "",
    exposure_start: dt.datetime | None = None,
    exposure_end: dt.datetime | None = None,
    note: str = "",
    quarantine_breach: bool = False,
) -> tuple[list[ContactLink], bool]:
    """A person named in the interview of the F1 contact `f1` (household, workplace, transport, other), added as
    F2 (RULES.md §1.2, "F2 under QĐ 3638"); (links, created).

    One link per standing case that has `f1` as its F1 and whose F2 period the meeting falls in (not over before the
    F1's first exposure to that case), as the check-in tracer links an F2 to each case whose trace went through its
    F1; not to a case the person is an F1 of already. Each link: level 2, `via` the F1, source `interview`, evidence
    key "interview:<nonce>", written through contact_link_add (so the person's contact is one row, its level the
    lowest of its current episode's links, a closed one reopened as contact_link_add does). The same nonce again for
    the same person and F1 adds nothing and returns the links it added (created False); so does the same meeting
    under another nonce (_same_meeting through the same F1).

    Refused, writing nothing (ApplicationError, 4xx; the message says which): F2 are not recorded
    (`f2_not_traced`); `f1` is not an F1 (`contact_not_f1`), is closed (`contact_f1_closed`: dismissed, released,
    became a case, no standing evidence) or an F1 of withdrawn cases only (`contact_no_standing_case`);
    `invalid_contact` for a setting or nonce out of shape, the person the F1 itself, a case the F1 is a contact of,
    or an F1 of every such case already, an exposure in the future, ending before it starts, begun after the F1's
    quarantine started (its whole first day counts) unless `quarantine_breach`, or over before the F1's first
    exposure to every case. `quarantine_breach` (the investigator's "met while breaking quarantine"): the meeting is
    taken within the F1's quarantine, and refused without a time, before the quarantine's first day, on or after its
    end, or when the F1 is not in quarantine (_f2_breach_check); the link keeps it (ContactLink.quarantine_breach)
    and stands however the quarantine's start moves.

    Locks, in the order the other writers take them: the cases (id order), the person, then the F1's and the
    person's contacts (person order); the F1 is checked again as it is under the lock. Each link added is audited as
    `cases.contact.interview_added` on the F2's record, with the case, the F1 (`via`) and the level.
    """
    if tracing_max_level() < 2:
        raise ApplicationError(errors.F2_NOT_TRACED, extra={"max_level": tracing_max_level()})
    nonce = _interview_checked(setting=setting, nonce=nonce, exposure_start=exposure_start, exposure_end=exposure_end)
    evidence_key = f"interview:{nonce}"[:200]
    recorded = ContactLink.objects.filter(
        contact__person_id=person.pk, via_id=f1.pk, evidence_key=evidence_key
    ).select_related("case", "contact__person")
    # The same meeting entered again under another nonce (_same_meeting, through the same F1): what records it.
    meeting = (
        _same_meeting(person=person, setting=setting, exposure_start=exposure_start, exposure_end=exposure_end)
        .filter(via_id=f1.pk, level=2)
        .select_related("case", "contact__person")
    )
    done = list(recorded.order_by("case_id")) or list(meeting.order_by("case_id"))
    if done:  # the same answer sent again (a double click, a retried request, the meeting entered twice)
        return done, False
    # Read once without a lock, so that a refusal takes no lock (a case of the person's own locked before their
    # person row is the order case_create does not take).
    _f2_cases(f1, person, exposure_start, exposure_end, quarantine_breach, viewer=actor)
    with transaction.atomic():
        case_ids = sorted(_f1_evidence(f1).opens)
        list(Case.objects.select_for_update(no_key=True).filter(pk__in=case_ids).order_by("pk").values_list("pk"))
        _person_lock(person.pk)
        locked = list(
            Contact.objects.select_for_update(no_key=True)
            .filter(person_id__in={f1.person_id, person.pk})
            .order_by("person_id")
        )
        f1 = next(contact for contact in locked if contact.pk == f1.pk)
        done = list(recorded.order_by("case_id")) or list(meeting.order_by("case_id"))
        if done:  # sent twice at once: the other one added them meanwhile
            return done, False
        cases = _f2_cases(f1, person, exposure_start, exposure_end, quarantine_breach, viewer=actor)
        links, added = [], False
        for case in cases:
            link, created = contact_link_add(
                person=person,
                case=case,
                level=2,
                via=f1,
                source=ContactLink.Source.INTERVIEW,
                setting=setting,
                evidence_key=evidence_key,
                place=place,
                exposure_start=exposure_start,
                exposure_end=exposure_end,
                overlap_minutes=_overlap_minutes(exposure_start, exposure_end),
                note=(note or "")[:2000],
                quarantine_breach=quarantine_breach,
                actor=actor,
            )
            links.append(link)
            added |= created
            if created:
                audit_record(
                    actor=actor,
                    action="cases.contact.interview_added",
                    obj=link.contact,
                    area_path=link.contact.area_path,
                    extra={
                        "case": case.number,
                        "setting": setting,
                        "level": 2,
                        "via": f1.pk,
                        **({"quarantine_breach": True} if quarantine_breach else {}),
                    },
                )
    return links, added


@dataclass
class BreachMarked:
    """What contact_link_breach_set did: the link as it is now, whether it changed, and what that did to its F2's
    contact (`closed`: off the lists for want of standing evidence; `reopened`: a candidate again; `quarantined`:
    left in quarantine with nothing standing, for an official to release)."""

    link: ContactLink
    changed: bool
    closed: int = 0
    reopened: int = 0
    quarantined: int = 0


def _breach_earlier_episode(contact: Contact) -> ApplicationError:
    """A link of an episode `contact` has left (closed, then met again): it no longer counts, so its mark is not for
    this episode's status and span to follow from (Contact.link_in_episode)."""
    since = timezone.localtime(contact.episode_start)
    return ApplicationError(
        errors.INVALID_CONTACT,
        extra={"field": "link", "reason": "earlier_episode", "episode_start": since.isoformat()},
        vi=f"Lần gặp này thuộc đợt tiếp xúc trước của người này (đã kết thúc ngày {since:%d/%m/%Y}, trước khi họ được "
        "gặp lại): nó không còn được tính, nên không đánh dấu hay bỏ đánh dấu được. Chưa có gì thay đổi.",
        en=f"This meeting is of this person's earlier exposure (over on {since:%d/%m/%Y}, before they were met again): "
        "it no longer counts, so it cannot be marked or unmarked. Nothing was changed.",
    )


def contact_link_breach_set(
    *, actor, link_id: int, contact: Contact, quarantine_breach: bool, reason: str
) -> BreachMarked:
    """Mark, or unmark, an F2 link named in an F1's interview (`link_id`, a link of `contact`, the F2, read by the
    caller through a scoped selector) as a meeting while the F1 broke their quarantine, with a reason (audited as
    `cases.contact.breach_marked` or `cases.contact.breach_unmarked`, with the case, the F1 and the reason). Until
    2026-12-07 the tick could only be given at entry: the official had to name the person again.

    Marking takes the rules of the tick at entry (_f2_breach_check on the F1 as it is now, under its lock: in
    quarantine, a meeting with a time, within the quarantine); a link the F1's start had put out of the chain
    (after_f1_quarantine) then stands again, and its contact, closed for want of evidence, is a candidate again.
    Unmarking judges the link as an unticked meeting (_named_f2_quarantine_follow): begun after the F1's
    quarantine's first day, it no longer stands, and its contact is settled on what still stands. The same value
    again changes nothing and is not audited (a repeated form or request). Refused, writing nothing:
    `invalid_contact` for a link of the contact that is not an interview's F2 (`extra.reason` `not_interview_f2`),
    no reason (`extra.field` `reason`), a link of an episode the contact has left (`earlier_episode`, judged on the
    contact read under the lock by Contact.link_in_episode, as the page splits the evidence; until 2026-12-07 such a
    link sent anyway was marked or unmarked), or a meeting the tick does not take; 404 for a link not of `contact`,
    and for one whose F1 the actor may not see (selectors.viewer_sees): a mark is a judgment on the F1's quarantine,
    read from the F1's dates, so it is made where the F1 is seen, and the refusal names neither the F1 nor their
    dates.
    Until 2026-12-07 an official who saw the F2 but not the F1 (another commune) could mark or unmark it.

    Locks the link's case, then the F1's and the F2's contacts in person order, as contact_interview_f2_add does."""
    from .selectors import viewer_sees  # selectors imports this module

    reason = _reason_fits((reason or "").strip())
    link = ContactLink.objects.filter(pk=link_id, contact_id=contact.pk).select_related("case", "via__person").first()
    if link is None:
        raise ApplicationError(core_errors.NOT_FOUND)
    if link.source != ContactLink.Source.INTERVIEW or link.via_id is None or link.level != 2:
        raise ApplicationError(
            errors.INVALID_CONTACT,
            extra={"field": "link", "reason": "not_interview_f2"},
            vi="Chỉ một lần gặp F2 do F1 khai khi phỏng vấn mới được đánh dấu là gặp khi vi phạm cách ly.",
            en="Only an F2 meeting named in an F1's interview can be marked as met while breaking quarantine.",
        )
    if not viewer_sees(actor, link.via.area_path):
        raise ApplicationError(core_errors.NOT_FOUND)
    if not reason:
        raise ApplicationError(
            errors.INVALID_CONTACT,
            extra={"field": "reason", "reason": "reason_required"},
            vi="Nhập lý do (ví dụ: F1 khai lại là đã ra khỏi nơi cách ly để đi chợ ngày 12/09).",
            en="Enter the reason (for example: the F1 said again that they left quarantine for the market on 12/09).",
        )
    with transaction.atomic():
        list(Case.objects.select_for_update(no_key=True).filter(pk=link.case_id).values_list("pk"))
        locked = list(
            Contact.objects.select_for_update(no_key=True)
            .filter(pk__in={link.via_id, link.contact_id})
            .order_by("person_id")
        )
        f1 = next(row for row in locked if row.pk == link.via_id)
        f2 = next(row for row in locked if row.pk == link.contact_id)
        link = ContactLink.objects.select_for_update(no_key=True).select_related("case").get(pk=link.pk)
        if not f2.link_in_episode(link):  # read under the lock: a reopening moves the episode's start
            raise _breach_earlier_episode(f2)
        if link.quarantine_breach == quarantine_breach:
            return BreachMarked(link=link, changed=False)
        outcome = BreachMarked(link=link, changed=True)
        if quarantine_breach:
            _f2_breach_check(f1, link.exposure_start, link.exposure_end)
            was_after = link.after_f1_quarantine
            ContactLink.objects.filter(pk=link.pk).update(quarantine_breach=True, after_f1_quarantine=False)
            if was_after and link.case.status != Case.Status.WITHDRAWN:
                outcome.reopened = _named_f2_resume(
                    actor=actor, through={link.contact_id: link.case.number}, reason="breach_marked"
                )
        else:
            ContactLink.objects.filter(pk=link.pk).update(quarantine_breach=False)
            followed = _named_f2_quarantine_follow(actor=actor, f1_ids=[f1.pk])
            outcome.closed, outcome.quarantined = followed.closed, followed.quarantined
        audit_record(
            actor=actor,
            action="cases.contact.breach_marked" if quarantine_breach else "cases.contact.breach_unmarked",
            obj=link.contact,
            area_path=link.contact.area_path,
            extra={"link": link.pk, "case": link.case.number, "via": f1.pk, "reason": reason},
        )
        link.refresh_from_db()
        outcome.link = link
    return outcome
