"""Reads of cases, contacts, clusters and exposure notices.

Every read of personal data takes the viewer and filters with core.scoping (an official sees the cases
and contacts of their own area's subtree; anything else answers not_found) and writes the audit entry.
The public reads at the end (exposure notices) carry no person and no case number.
"""

import bisect
import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Count, Exists, F, IntegerField, Max, Min, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext, ngettext, pgettext_lazy

from phongdich.accounts.permissions import PEOPLE_ROLES, has_role
from phongdich.core import errors as core_errors
from phongdich.core.audit import audit_record
from phongdich.core.dates import local_day, local_midnight
from phongdich.core.errors import ApplicationError
from phongdich.core.ids import MAX_ID, id_or_404, id_or_none
from phongdich.core.scoping import NOTHING, scope_q, viewer_area_path
from phongdich.core.text import fold
from phongdich.geo.models import Area
from phongdich.geo.selectors import area_from_text
from phongdich.people.models import initials_of

from . import errors
from .models import (
    OPEN_CONTACT_STATUSES,
    Case,
    Cluster,
    Contact,
    ContactLink,
    ExposureNotice,
    QuarantineRule,
    TracingRun,
    links_of_episode_q,
    links_standing_q,
    quarantine_last_day,
)
from .samples import sample_days_of_persons
from .services import contacts_selection_check, tracing_max_level

# Contacts still to be handled: on the work list and counted as F1 on the map.
# "quarantine_over": in quarantine with its end reached (today or before), to be released; the commune ticks them
# all on the work list and releases them together.
# "tests_due": in quarantine, the test of the day (due today, or missed and not yet made up) not done; "monitoring":
# released, still within the rule's health self-monitoring after the quarantine (worklist_follow_up).
FOLLOW_UP_FILTERS = ("tests_due", "monitoring")
# "dismissed_new_evidence": dismissed, with evidence added since the dismissal (dismissed_new_evidence_q).
DISMISSED_NEW_EVIDENCE = "dismissed_new_evidence"
WORKLIST_STATUS_FILTERS = (
    "open",
    "all",
    "quarantine_over",
    *FOLLOW_UP_FILTERS,
    DISMISSED_NEW_EVIDENCE,
    *Contact.Status.values,
)


CONTACT_AREA = "person__area_path"  # a contact's area is its person's (Contact.area_path)


def cases_visible_q(viewer, field_name: str = "area_path") -> Q:
    """Rows of the viewer's area subtree, for roles that see people (venue roles see nothing here)."""
    if not has_role(viewer, *PEOPLE_ROLES):
        return NOTHING
    return scope_q(viewer, field_name)


def viewer_sees(viewer, area_path: str) -> bool:
    path = viewer_area_path(viewer)
    return has_role(viewer, *PEOPLE_ROLES) and path is not None and area_path.startswith(path)


def filter_area(*, viewer, area_id, area_text: str | None = None) -> Area | None:
    """The area of an area filter: None for none; cases_invalid_filter for junk; not_found outside the scope.
    `area_text`, the picker's typed text when the page sent it (None otherwise): it decides, as
    geo.selectors.area_from_text says (area_not_chosen when it names none or several of the viewer's areas)."""
    path = viewer_area_path(viewer)
    area = None
    if area_id not in (None, ""):
        try:
            area_id = int(area_id)
        except (TypeError, ValueError):
            raise errors.invalid_filter(area=str(area_id)[:40]) from None
        area = Area.objects.select_related("parent").filter(pk=area_id).first() if 1 <= area_id <= MAX_ID else None
        if area is None or path is None or not area.path.startswith(path):
            raise ApplicationError(core_errors.NOT_FOUND)
    return area_from_text(text=area_text, chosen=area, within_path=path)


# --- Cases -----------------------------------------------------------------------------------------------


# Per case, in a subquery that PostgreSQL evaluates after the sort and the page's LIMIT: a join counted every link
# of every case in the area before the first page came out (40 traced cases, 600,000 links: 420 ms; a province's
# thousand would be seconds). People, not links, like the case page's count (a person with two pieces of evidence
# is one contact): measured on PostgreSQL, 130 ms for 40 cases of 15,000 links each, where counting links took 30.
_contacts_count = Coalesce(
    Subquery(
        ContactLink.objects.filter(case=OuterRef("pk"))
        .order_by()
        .values("case")
        .annotate(n=Count("contact_id", distinct=True))
        .values("n")
    ),
    0,
)


def case_list(
    *,
    viewer,
    status: str = "",
    area: Area | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    cluster: Cluster | None = None,
) -> QuerySet[Case]:
    """Cases of the viewer's area, newest sample first, filtered. The list shows names: audited as
    `cases.case.listed` with the filters."""
    cases = Case.objects.filter(cases_visible_q(viewer))
    if status:
        if status not in Case.Status.values:
            raise errors.invalid_filter(status=status[:40])
        cases = cases.filter(status=status)
    if area is not None:
        cases = cases.filter(area_path__startswith=area.path)
    if date_from and date_to and date_from > date_to:
        raise errors.invalid_filter(date_from=date_from.isoformat())
    if date_from:
        cases = cases.filter(sample_date__gte=date_from)
    if date_to:
        cases = cases.filter(sample_date__lte=date_to)
    if cluster is not None:
        cases = cases.filter(cluster=cluster)
    audit_record(
        actor=viewer,
        action="cases.case.listed",
        extra={"status": status, "area": area.path if area else "", "cluster": cluster.pk if cluster else None},
    )
    return (
        cases.select_related("person", "rule", "cluster", "infected_by")
        .annotate(contacts_count=_contacts_count)
        .order_by("-sample_date", "-id")
    )


def case_get(*, viewer, case_id, ip: str | None = None) -> Case:
    """One case of the viewer's area, with its person; not_found otherwise (also when it exists elsewhere).
    Audited as `cases.case.viewed`."""
    case = (
        Case.objects.filter(cases_visible_q(viewer), pk=id_or_404(case_id))
        .select_related("person__address_area", "rule", "cluster", "infected_by", "investigator__official__area")
        .first()
    )
    if case is None:
        raise ApplicationError(core_errors.NOT_FOUND)
    audit_record(actor=viewer, action="cases.case.viewed", obj=case, area_path=case.area_path, ip=ip)
    return case


def interview_purpose(interviewed: Case | Contact) -> str:
    """What an exact look-up of a person beyond the area is for when an interview names them (a case's, naming an F1;
    an F1's, naming an F2): bound into the look-up's refs (people.selectors.person_identify) and kept in its audit."""
    kind = "case" if isinstance(interviewed, Case) else "contact"
    return f"cases.{kind}:{interviewed.pk}"


def case_link_get(*, case: Case, link_id: int) -> ContactLink:
    """One piece of `case`'s evidence (the caller has read the case through case_get, which scopes and audits);
    not_found once it is gone (a withdrawn telecom file, evidence a re-trace no longer finds)."""
    link = ContactLink.objects.filter(case=case, pk=link_id).select_related("case").first()
    if link is None:
        raise ApplicationError(core_errors.NOT_FOUND)
    return link


def f2_links_get(*, f1: Contact, link_ids) -> list[ContactLink]:
    """The evidence an F1's interview added (through contact_get's scoped, audited read of the F1); not_found once
    none of it stands (removed with its case's withdrawal, or dismissed evidence deleted)."""
    links = list(
        ContactLink.objects.filter(via=f1, pk__in=list(link_ids)).select_related("case", "contact").order_by("pk")
    )
    if not links:
        raise ApplicationError(core_errors.NOT_FOUND)
    return links


def case_investigators(*, case: Case):
    """The users who may investigate `case`: active officials of a role that investigates cases (INVESTIGATOR_ROLES:
    the health department / CDC and area officials, not the province administrator), of its area or an area
    containing it (the commune's health station, the district's, the province's CDC)."""
    from django.contrib.auth import get_user_model

    from phongdich.accounts.permissions import INVESTIGATOR_ROLES
    from phongdich.geo.selectors import area_path_prefixes

    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            official__is_active=True,
            official__role__in=INVESTIGATOR_ROLES,
            official__area__path__in=area_path_prefixes(case.area_path),
        )
        .select_related("official__area")
        .order_by("official__area__path", "username")
    )


def investigator_for_new_case(viewer):
    """The investigator of a case `viewer` enters: themselves when their role investigates cases, else nobody yet (a
    province administrator or the system administrator enters it; the case's page then names one)."""
    from phongdich.accounts.permissions import INVESTIGATOR_ROLES
    from phongdich.accounts.selectors import official_of

    official = official_of(viewer)
    return viewer if official is not None and official.role in INVESTIGATOR_ROLES else None


def case_find_for_source(*, viewer, value, keeping: Case | None = None) -> Case | None:
    """A source case (infected_by) named by its number or id, within the viewer's area; None for empty input;
    case_source_invalid when there is no such case there (a withdrawn one is refused as a new source by
    services.case_source_check: a case already naming it keeps it).

    The source that `keeping` (a case being edited) names already is kept wherever it lives: a commune's form shows
    the number of a source in another commune and sends it back with every edit."""
    value = str(value or "").strip()
    if not value:
        return None
    current = keeping.infected_by if keeping is not None else None
    if current is not None and value.upper() in (current.number, str(current.pk)):
        return current
    cases = Case.objects.filter(cases_visible_q(viewer))
    case = cases.filter(number=value.upper()).first()
    if case is None and (case_id := id_or_none(value)):
        case = cases.filter(pk=case_id).first()
    if case is None:
        raise errors.case_source_invalid("not_found", value[:40])
    return case


def case_presences(*, viewer, case: Case) -> list:
    """The case's check-ins that overlap its infectious window, wherever they were: whoever may see the case (it
    was read through case_get) needs all of its movements to trace it, and they are the case's own data. Read
    through checkins.selectors, which checks the case's area against the viewer's and audits the read. A check-in
    without a check-out, or closed by the sweep (`auto`), lasts what tracing assumes of the case's stays
    (tracing.stay_end: the venue type's buffer, cut at the person's next check-in): `assumed_end` on each such
    check-in (None on the others), so that the page lists every visit the tracer counts and its end as estimated."""
    from phongdich.checkins.models import CheckIn
    from phongdich.checkins.selectors import checkin_list_of_record_person

    from .tracing import checkins_next_start, later_starts, open_checkin_buffers, stay_end

    buffers = open_checkin_buffers()
    reach = max(buffers.values(), default=dt.timedelta(0))
    # A visit that began up to a day (or the longest buffer) before the window may still overlap it; the check-ins up
    # to the longest buffer after it are read for their starts, which may end an assumed stay. Until 2026-12-07 a
    # commune's official saw only the check-ins at venues of the commune (3 of the 6 the district saw, and all 6 in
    # the notices).
    checkins = checkin_list_of_record_person(
        viewer=viewer,
        person=case.person,
        record_area_path=case.area_path,
        start=case.window_start - max(dt.timedelta(days=1), reach),
        end=case.window_end + reach,
    )
    rows = list(checkins.select_related("venue__area", "venue__venue_type"))
    rows.reverse()  # oldest first, as the investigator reads a timeline (and as later_starts takes them)
    next_starts = later_starts([checkin.checked_in_at for checkin in rows])
    # An `auto` stay longer than the read reaches after it: its next check-in looked up (tracing._presences_of).
    unsure = [
        checkin.pk
        for checkin, next_in in zip(rows, next_starts, strict=True)
        if next_in is None
        and checkin.checkout_kind == CheckIn.CheckoutKind.AUTO
        and checkin.checked_out_at > case.window_end + reach
    ]
    next_of = checkins_next_start(unsure) if unsure else {}
    found = []
    for checkin, next_in in zip(rows, next_starts, strict=True):
        if checkin.checked_in_at >= case.window_end:
            break
        end, assumed = stay_end(
            checkin.checked_in_at,
            checkin.checked_out_at,
            checkin.checkout_kind,
            buffer=buffers.get(checkin.venue.venue_type_id, dt.timedelta(0)),
            next_checkin_at=next_of.get(checkin.pk, next_in),
        )
        checkin.assumed_end = end if assumed else None
        if end >= case.window_start:
            found.append(checkin)
    return found


@dataclass
class ContactRow:
    """A contact of one case as the case page shows it: the level for this case and the evidence."""

    contact: Contact
    level: int
    links: list[ContactLink] = field(default_factory=list)
    visible: bool = True  # False: the person lives outside the viewer's area (initials only)
    # Dismissed, and this case's evidence of them was added since the dismissal (dismissed_new_evidence).
    new_evidence: list = field(default_factory=list)


@dataclass
class ContactLevel:
    """The contacts of a case at one level: how many, and the page of them shown (ContactRow)."""

    level: int
    count: int
    page: Page


def case_contact_counts(*, case: Case) -> dict[int, int]:
    """How many contacts the case has at each level (a contact's level for the case: its lowest link to it)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT level, count(*) FROM (SELECT contact_id, min(level) AS level"
            f" FROM {ContactLink._meta.db_table} WHERE case_id = %s GROUP BY contact_id) per_contact"
            " GROUP BY level ORDER BY level",
            [case.pk],
        )
        return dict(cursor.fetchall())


def level_filter(level) -> int | None:
    """A contact level filter as given (1, "2", "" or None): the level, None for none; cases_invalid_filter for
    anything that is not a level tracing records (1 to TRACING_MAX_LEVEL), as the work list page's choices."""
    if level in (None, ""):
        return None
    try:
        level = int(level)
    except (TypeError, ValueError):
        raise errors.invalid_filter(level=str(level)[:10]) from None
    if not 1 <= level <= tracing_max_level():
        raise errors.invalid_filter(level=level)
    return level


def case_contacts(*, case: Case, level=None) -> QuerySet[Contact]:
    """The contacts of a case, each with `case_level` (its lowest link to the case), by level then name; only
    those of `level` if given (level_filter). case_contact_rows turns a page of them into rows with their
    evidence."""
    level = level_filter(level)
    if level is None:
        return (
            Contact.objects.filter(links__case=case)
            .annotate(case_level=Min("links__level"))  # over the links the filter joined: this case's
            .select_related("person")
            .order_by("case_level", "person__name_folded", "id")
        )
    # One level: its contacts are those with a link of that level to the case and none lower, read through the
    # links' (case, level) index. Grouping all the case's links to find each contact's lowest level took a
    # factory case's page 200 ms per level shown (47,000 links).
    links = ContactLink.objects.filter(case=case)
    return (
        Contact.objects.filter(pk__in=links.filter(level=level).values("contact_id"))
        .exclude(pk__in=links.filter(level__lt=level).values("contact_id"))
        .annotate(case_level=Value(level, output_field=IntegerField()))
        .select_related("person")
        .order_by("person__name_folded", "id")
    )


def case_contact_rows(*, viewer, case: Case, contacts) -> list[ContactRow]:
    """Rows for these contacts of the case (from case_contacts), each with its evidence for the case, in their
    order. Contacts who live outside the viewer's area are shown by initials (their commune handles them).
    Audited as `cases.case.contacts_listed`."""
    contacts = list(contacts)
    links: dict[int, list[ContactLink]] = defaultdict(list)
    evidence = (
        ContactLink.objects.filter(case=case, contact__in=[contact.pk for contact in contacts])
        .select_related("venue", "via__person")
        .order_by("exposure_start", "id")
    )
    for link in evidence:
        link.case = case  # the answer shows the case's number and status on every link: not one query each
        links[link.contact_id].append(link)
    mark_via_visible(viewer, [link for found in links.values() for link in found])
    new_evidence = dismissed_new_evidence(viewer=viewer, contacts=contacts, case=case)
    rows = [
        ContactRow(
            contact=contact,
            level=contact.case_level,
            links=links[contact.pk],
            visible=viewer_sees(viewer, contact.area_path),
            new_evidence=new_evidence.get(contact.pk, []),
        )
        for contact in contacts
    ]
    audit_record(
        actor=viewer,
        action="cases.case.contacts_listed",
        obj=case,
        area_path=case.area_path,
        extra={"contacts": len(rows)},
    )
    return rows


def case_contact_levels(
    *, viewer, case: Case, pages: dict[int, str] | None = None, per_page: int | None = None
) -> list[ContactLevel]:
    """The case page's contacts: per level, its count and the page asked for in `pages` (level -> page number;
    the first by default, the last for one past it), one audit entry for all that is shown."""
    pages = pages or {}
    levels = []
    for level, count in case_contact_counts(case=case).items():
        # A factory's case has tens of thousands of F2: a page at a time (all of them at once took 13 s and 26 MB
        # of HTML for 23,661 F2); the work list and its export are where they are handled.
        paginator = Paginator(case_contacts(case=case, level=level), per_page or settings.CASE_CONTACTS_PAGE)
        paginator.count = count  # known: no second count of a grouped query
        levels.append(ContactLevel(level, count, paginator.get_page(pages.get(level))))
    rows = iter(case_contact_rows(viewer=viewer, case=case, contacts=[c for lv in levels for c in lv.page]))
    for lv in levels:
        lv.page.object_list = [next(rows) for _ in lv.page.object_list]
    return levels


def case_exposure_notices(*, case: Case) -> QuerySet[ExposureNotice]:
    return case.exposure_notices.select_related("venue__area").order_by("start")


def exposure_notice_get(*, viewer, notice_id) -> ExposureNotice:
    """One exposure notice of a case of the viewer's area (the officials who see the case decide its notices);
    not_found otherwise."""
    notice = (
        ExposureNotice.objects.filter(cases_visible_q(viewer, "case__area_path"), pk=id_or_404(notice_id))
        .select_related("case", "venue")
        .first()
    )
    if notice is None:
        raise ApplicationError(core_errors.NOT_FOUND)
    return notice


# --- Contacts --------------------------------------------------------------------------------------------


def contact_get(*, viewer, contact_id, ip: str | None = None) -> Contact:
    """One contact of the viewer's area with its person; not_found otherwise. Audited as `cases.contact.viewed`."""
    contact = (
        Contact.objects.filter(cases_visible_q(viewer, CONTACT_AREA), pk=id_or_404(contact_id))
        .select_related("person__address_area", "status_changed_by__official__area")
        .first()
    )
    if contact is None:
        raise ApplicationError(core_errors.NOT_FOUND)
    audit_record(actor=viewer, action="cases.contact.viewed", obj=contact, area_path=contact.area_path, ip=ip)
    return contact


def contacts_get_many(*, viewer, contact_ids) -> list[Contact]:
    """The contacts with these ids, for a move of several at once; not_found if any is not in the viewer's area
    (or does not exist), so that a forged list tells no more than contact_get would. Only the persons' names are
    read, to name the contacts a move skipped (the official has just ticked them on a page that showed them);
    the move audits each change. More than services.CONTACTS_STATUS_MAX are refused before anything is read."""
    if contact_ids:  # none is refused by the move itself (services.contacts_status_set), after the form's checks
        contacts_selection_check(len(contact_ids))
    ids = {id_or_404(value) for value in contact_ids}
    visible = Contact.objects.filter(cases_visible_q(viewer, CONTACT_AREA), pk__in=ids).select_related("person")
    contacts = list(visible.only("id", "person__full_name", "person__area_path")) if ids else []
    if len(contacts) != len(ids):
        raise ApplicationError(core_errors.NOT_FOUND)
    return contacts


def contacts_named_audit(*, viewer, contacts: list[Contact], ip: str | None = None) -> None:
    """The contacts (from contacts_get_many) that a refused or partly refused move names back to the official: each
    such name is a read of the contact, audited as contact_get audits it (`cases.contact.viewed`, `extra.reason`
    "move_skipped"). A forged list of ids would otherwise read up to CONTACTS_STATUS_MAX names unaudited."""
    for contact in contacts:
        audit_record(
            actor=viewer,
            action="cases.contact.viewed",
            obj=contact,
            area_path=contact.area_path,
            ip=ip,
            extra={"reason": "move_skipped"},
        )


def mark_via_visible(viewer, links) -> None:
    """Sets each link's `via_visible`: whether the viewer's area holds the contact it came through (named and linked
    on the page; initials otherwise, like any person outside the area). Read from the `via__person` the links were
    read with: no query per link."""
    for link in links:
        link.via_visible = link.via_id is not None and viewer_sees(viewer, link.via.area_path)


def mark_breach_markable(viewer, contact: Contact, links) -> None:
    """Sets on each of `links` (of `contact`, read with their case and `via__person`) `via_visible` (mark_via_visible),
    `breach_markable`: whether `viewer` may mark or unmark it as met while the F1 broke quarantine
    (services.contact_link_breach_set): an F2 named in an F1's interview, of the contact's current episode
    (Contact.link_in_episode), whose F1 the viewer sees; and `breach_elsewhere`: such a link whose F1 they do not see
    (marked by an official who sees the F1 too). The contact page offers its form, and the API tells, from this."""
    mark_via_visible(viewer, links)
    for link in links:
        interview_f2 = link.source == ContactLink.Source.INTERVIEW and link.level == 2 and link.via_id is not None
        current = interview_f2 and contact.link_in_episode(link)
        link.breach_markable = current and link.via_visible
        link.breach_elsewhere = current and not link.via_visible


def contact_links(*, contact: Contact) -> QuerySet[ContactLink]:
    """All the evidence of a contact (already read through contact_get), oldest exposure first."""
    return contact.links.select_related("case", "venue", "via__person").order_by("exposure_start", "id")


def links_by_episode(contact: Contact, links) -> tuple[list[ContactLink], list[ContactLink]]:
    """`links` of `contact` (read with their case) split: those of its current episode, and those of earlier ones,
    kept and shown apart, no longer counted (Contact.episode_start)."""
    current, earlier = [], []
    for link in links:
        (current if contact.link_in_episode(link) else earlier).append(link)
    return current, earlier


def worklist_filters_checked(*, viewer, status, level, area_id) -> tuple[str, int | None, Area | None]:
    """The work list's filters as the API reads them (query values): (status, level, area). Every malformed one is
    named in one cases_invalid_filter (`extra.fields`, and the value refused of each), as the page's form names
    them all: until 2026-12-07 the API named the first alone. An area outside the viewer's scope is not_found, once
    the others are well formed."""
    refused: dict = {}
    status = status or "open"
    if status not in WORKLIST_STATUS_FILTERS:
        refused["status"] = status[:40]
    try:
        level = level_filter(level)
    except ApplicationError as exc:
        refused.update({name: value for name, value in exc.extra.items() if name != "fields"})
    try:
        area = filter_area(viewer=viewer, area_id=area_id)
    except ApplicationError as exc:
        if exc.error != errors.CASES_INVALID_FILTER and not refused:
            raise
        refused.update({name: value for name, value in exc.extra.items() if name != "fields"})
    if refused:
        raise errors.invalid_filter(**refused)
    return status, level, area


def contact_worklist(
    *,
    viewer,
    area: Area | None = None,
    level: int | None = None,
    status: str = "open",
    follow_up: "WorklistFollowUp | None" = None,
) -> QuerySet[Contact]:
    """The contacts to contact and quarantine in the viewer's area: by commune, then name.

    status: "open" (candidate, confirmed, quarantined), "all", "quarantine_over" (quarantined, its end
    reached), "tests_due" (quarantined, the test of the day due or missed), "monitoring" (released, still within the
    self-monitoring after the quarantine), "dismissed_new_evidence" (dismissed, with evidence added since:
    dismissed_new_evidence_q) or one status; level: 1, 2, ... or None. The last two read the quarantine
    schedules (worklist_follow_up; `follow_up` when the caller has it already, for the same viewer, area and level).
    Unknown values give cases_invalid_filter. The caller audits what it shows or exports.
    """
    contacts = Contact.objects.filter(cases_visible_q(viewer, CONTACT_AREA))
    status = status or "open"
    if status not in WORKLIST_STATUS_FILTERS:
        raise errors.invalid_filter(status=status[:40])
    level = level_filter(level)
    if status == "open":
        contacts = contacts.filter(status__in=OPEN_CONTACT_STATUSES)
    elif status == "quarantine_over":
        contacts = contacts.filter(status=Contact.Status.QUARANTINED, quarantine_end__lte=timezone.localdate())
    elif status in FOLLOW_UP_FILTERS:
        follow_up = follow_up or worklist_follow_up(viewer=viewer, area=area, level=level)
        ids = follow_up.tests if status == "tests_due" else follow_up.monitoring
        contacts = _ids_among(contacts, ids)
    elif status == DISMISSED_NEW_EVIDENCE:
        contacts = contacts.filter(dismissed_new_evidence_q())
    elif status != "all":
        contacts = contacts.filter(status=status)
    if level is not None:
        contacts = contacts.filter(level=level)
    if area is not None:
        contacts = contacts.filter(person__area_path__startswith=area.path)
    return contacts.select_related("person__address_area").order_by(CONTACT_AREA, "level", "person__name_folded", "id")


# --- Dismissed contacts with new evidence -------------------------------------------------------------------
# A dismissal is the person's (docs/cases.md, "A dismissal is the person's"): a trace or an interview that links a
# dismissed person later does not reopen them. The evidence added since is shown to the official instead, who
# confirms them again if it is real ("New evidence since a dismissal").


def _new_evidence_links_q(*, contact=None, episode_start=None, dismissed_at=None) -> Q:
    """The links (ContactLink) that are new evidence against a dismissal: standing (links_standing_q), of the
    contact's current episode (links_of_episode_q) and written after the dismissal (the contact's status_changed_at,
    which only a move out of `dismissed`, or the dismissal kept after review (services.contact_dismissal_keep),
    changes). The expressions default to the link's contact's (a join)."""
    dismissed_at = F("contact__status_changed_at") if dismissed_at is None else dismissed_at
    return (
        links_standing_q()
        & links_of_episode_q(episode_start)
        & Q(created_at__gt=dismissed_at)
        & (Q(contact__status=Contact.Status.DISMISSED) if contact is None else Q(contact=contact))
    )


def dismissed_new_evidence_q() -> Q:
    """The contacts (Contact) dismissed with new evidence since: the work list's `dismissed_new_evidence`."""
    links = ContactLink.objects.filter(
        _new_evidence_links_q(
            contact=OuterRef("pk"), episode_start=OuterRef("episode_start"), dismissed_at=OuterRef("status_changed_at")
        )
    )
    return Q(status=Contact.Status.DISMISSED, status_changed_at__isnull=False) & Q(Exists(links))


@dataclass(frozen=True)
class NewEvidence:
    """One piece of evidence added since a contact's dismissal, as the viewer may see it: the case's number only
    when the case is of the viewer's area (`case` empty otherwise: the case is handled elsewhere)."""

    link: int
    case: str
    case_id: int | None
    level: int
    created_at: dt.datetime


def dismissed_new_evidence(*, viewer, contacts, case: Case | None = None) -> dict[int, list[NewEvidence]]:
    """For each of `contacts` (Contact rows) dismissed, the evidence added since its dismissal (oldest first); those
    without any are left out. With `case`, only that case's. One query, none without a dismissed contact."""
    ids = [c.pk for c in contacts if c.status == Contact.Status.DISMISSED and c.status_changed_at is not None]
    if not ids:
        return {}
    links = ContactLink.objects.filter(_new_evidence_links_q(), contact__in=ids)
    if case is not None:
        links = links.filter(case=case)
    found: dict[int, list[NewEvidence]] = defaultdict(list)
    rows = links.order_by("created_at", "id").values_list(
        "pk", "contact_id", "case_id", "case__number", "case__area_path", "level", "created_at"
    )
    for pk, contact_id, case_id, number, case_area, level, created_at in rows:
        seen = viewer_sees(viewer, case_area)
        found[contact_id].append(
            NewEvidence(
                link=pk,
                case=number if seen else "",
                case_id=case_id if seen else None,
                level=level,
                created_at=created_at,
            )
        )
    return dict(found)


def case_dismissed_new_evidence_count(*, viewer, case: Case) -> int:
    """How many dismissed contacts of the viewer's area this case's evidence linked after their dismissal: the case
    page says so after a trace ("N dismissed contacts have new evidence: review them")."""
    links = ContactLink.objects.filter(_new_evidence_links_q(), case=case).filter(
        cases_visible_q(viewer, "contact__person__area_path")
    )
    return links.values("contact_id").distinct().count()


def dismissed_new_evidence_count(*, viewer, area: Area | None = None, level=None) -> int:
    """How many contacts of the viewer's area (of `area` within it, of `level`) are dismissed with new evidence since:
    the work list says so above the list, with a link to its `dismissed_new_evidence` filter (the same area and
    level)."""
    contacts = Contact.objects.filter(cases_visible_q(viewer, CONTACT_AREA)).filter(dismissed_new_evidence_q())
    if area is not None:
        contacts = contacts.filter(person__area_path__startswith=area.path)
    if (level := level_filter(level)) is not None:
        contacts = contacts.filter(level=level)
    return contacts.count()


def worklist_area_counts(contacts: QuerySet[Contact], paths) -> dict[str, int]:
    """How many of `contacts` (a work list, filtered: contact_worklist) live in each area of `paths`, in one grouped
    query however many: a commune's heading gives its whole count when its contacts run over several pages (it
    gave the count on the page: 67 on one page and 16 on the next, where the export and the map said 83). An area
    without any is left out."""
    rows = (
        contacts.filter(person__area_path__in=sorted(paths))
        .order_by()
        .values_list(CONTACT_AREA)
        .annotate(n=Count("id"))
    )
    return dict(rows)


def _ids_among(contacts: QuerySet[Contact], ids) -> QuerySet[Contact]:
    """The contacts whose id is one of `ids`, as one parameter however many (a province's list may hold tens of
    thousands, past SQLite's limit on parameters): an array on PostgreSQL, a JSON list on SQLite. A set to join, as
    cases.tracing's _id_filters explains."""
    if not ids:
        return contacts.none()
    column = f'"{Contact._meta.db_table}"."id"'
    # extra(): the ORM has no lookup for one parameter holding a list; the column is quoted from the model.
    if connection.vendor == "postgresql":
        return contacts.extra(where=[f"{column} IN (SELECT unnest(%s::bigint[]))"], params=[sorted(ids)])
    return contacts.extra(where=[f"{column} IN (SELECT value FROM json_each(%s))"], params=[json.dumps(sorted(ids))])


def worklist_cases(contacts) -> dict[int, list[str]]:
    """For each contact id, the numbers of the cases it is linked to (one query)."""
    return {
        contact_id: [number for number, _level in levels]
        for contact_id, levels in worklist_case_levels(contacts).items()
    }


def worklist_case_levels(contacts) -> dict[int, list[tuple[str, int]]]:
    """For each contact id, (case number, level) for each case it is linked to, its lowest level for that case: a
    person may be the F1 of one case and the F2 of another (one query). Withdrawn cases are no reason to call, nor an
    F1 dismissed that named them (links_standing_q), nor the cases of an episode the contact has left (a released F1
    met again: links_of_episode_q)."""
    levels: dict[int, list[tuple[str, int]]] = defaultdict(list)
    rows = (
        ContactLink.objects.filter(contact__in=contacts)
        .filter(links_standing_q())
        .filter(links_of_episode_q())
        .values_list("contact_id", "case__number")
        .annotate(level=Min("level"))
        .order_by("contact_id", "case__number")
    )
    for contact_id, number, level in rows:
        levels[contact_id].append((number, level))
    return levels


@dataclass
class WorklistEvidence:
    """Where and why the work list's export says a contact is one, for whoever calls the person. `first` and `last`:
    the earliest and the most recent evidence **of the contact's level** (for an F1, its links to a case: what makes
    it an F1; the caller asks about that visit). The contact's first and last exposure are those of the same links
    (Contact): a further level's evidence (an F1's F2 links) is on the contact's page."""

    first: ContactLink | None = None
    last: ContactLink | None = None


def worklist_evidence(contacts) -> dict[int, WorklistEvidence]:
    """For each of these contacts (Contact rows, their `level` read), its WorklistEvidence: one query, no person.
    A withdrawn case's evidence is no reason to call, nor a dismissed F1's naming them (links_standing_q), nor an
    earlier episode's (links_of_episode_q), nor a further level's than the contact's."""
    levels = {contact.pk: contact.level for contact in contacts}
    by_contact: dict[int, list[ContactLink]] = {}
    links = (
        ContactLink.objects.filter(contact__in=list(levels))
        .filter(links_standing_q())
        .filter(links_of_episode_q())
        .only(
            "contact_id",
            "level",
            "source",
            "setting",
            "place",
            "exposure_start",
            "exposure_end",
            "overlap_minutes",
            "occasions",
            "end_assumed",
        )
        .order_by("contact_id", "id")
    )
    for link in links:
        if link.level <= levels[link.contact_id]:
            by_contact.setdefault(link.contact_id, []).append(link)
    return {
        contact_id: WorklistEvidence(first=min(own, key=_exposure_began), last=max(own, key=_exposure_ended))
        for contact_id, own in by_contact.items()
    }


def _exposure_began(link: ContactLink) -> tuple:
    # Evidence without a time (a household told in interview) after any with one: it says nothing about when.
    return (link.exposure_start is None, link.exposure_start or dt.datetime.min.replace(tzinfo=dt.UTC), link.pk)


def _exposure_ended(link: ContactLink) -> tuple:
    ended = link.exposure_end or link.exposure_start
    return (ended is not None, ended or dt.datetime.min.replace(tzinfo=dt.UTC), link.pk)


# --- Counts per area (the map and the statistics; no personal data) ------------------------------------------


@dataclass
class AreaCount:
    area: Area
    f0: int = 0  # cases under treatment
    f1: int = 0  # open F1 contacts (candidate, confirmed, quarantined)
    f2: int = 0
    f3: int = 0  # open contacts of level 3 and further (TRACING_MAX_LEVEL >= 3), listed on the work list too


def _counts_by_path(area_path: str) -> dict[tuple[str, int], int]:
    """(area path, level) → count in one query: level 0 for cases under treatment, 1, 2... for open contacts."""
    cases = (
        Case.objects.filter(area_path__startswith=area_path, status=Case.Status.UNDER_TREATMENT)
        .order_by()
        .values("area_path")
        .annotate(level=Value(0, output_field=IntegerField()), n=Count("id"))
        .values_list("area_path", "level", "n")
    )
    contacts = (
        Contact.objects.filter(person__area_path__startswith=area_path, status__in=OPEN_CONTACT_STATUSES)
        .order_by()
        .values(path=F(CONTACT_AREA), contact_level=F("level"))
        .annotate(n=Count("id"))
        .values_list("path", "contact_level", "n")
    )
    return {(path, level): n for path, level, n in cases.union(contacts, all=True)}


def _roll_up(targets: list[Area], area_path: str) -> list[AreaCount]:
    """Counts of the subtree `area_path` added up into `targets` (areas inside it): each row counts for the
    deepest target whose path is a prefix of its own; rows above every target are dropped."""
    rows = {area.path: AreaCount(area=area) for area in targets}
    by_length = sorted(rows, key=len, reverse=True)

    def target(path: str) -> AreaCount | None:
        for candidate in by_length:
            if path.startswith(candidate):
                return rows[candidate]
        return None

    for (path, level), n in _counts_by_path(area_path).items():
        row = target(path)
        if row is None:
            continue
        if level == 0:
            row.f0 += n
        elif level == 1:
            row.f1 += n
        elif level == 2:
            row.f2 += n
        else:
            row.f3 += n
    return list(rows.values())


def area_counts_by_commune(*, viewer, area: Area | None = None) -> list[AreaCount]:
    """F0 and open contacts per level (F1, F2, F3 and further) per commune of the viewer's area (or of `area` inside
    it), for the map: every commune, also those at zero, by name. Counts only: not audited."""
    path = viewer_area_path(viewer)
    if path is None or not has_role(viewer, *PEOPLE_ROLES):
        raise ApplicationError(core_errors.PERMISSION_DENIED)
    within = area.path if area is not None else path
    communes = list(Area.objects.filter(path__startswith=within, kind=Area.Kind.COMMUNE).order_by("name_folded"))
    if area is not None and area.kind == Area.Kind.COMMUNE and area not in communes:
        communes.append(area)
    return _roll_up(communes, within)


def area_counts_by_child(*, area: Area, children: list[Area] | None = None) -> tuple[list[AreaCount], AreaCount]:
    """F0/F1/F2/F3+ per child area of `area` (given, or read) and the total of `area` (the statistics dashboard;
    the caller has checked that the viewer sees `area`)."""
    if children is None:
        children = list(Area.objects.filter(parent=area).order_by("name_folded", "code"))
    rows = _roll_up([*children, area], area.path)
    total = AreaCount(area=area)
    for row in rows:
        total.f0 += row.f0
        total.f1 += row.f1
        total.f2 += row.f2
        total.f3 += row.f3
    return [row for row in rows if row.area.pk != area.pk], total


# --- Clusters --------------------------------------------------------------------------------------------


def clusters_visible_q(viewer) -> Q:
    """The clusters an official sees: those of their area (the venue's, or the creator's without a venue), and those
    holding a case of their area. A district's cluster at a venue of one commune holds cases of others: each of those
    communes' officials sees it (their cases' page links it), the other communes' cases and contacts masked as
    cluster_graph and cluster_cases say (docs/cases.md)."""
    if not has_role(viewer, *PEOPLE_ROLES):
        return NOTHING
    path = viewer_area_path(viewer)
    if path is None:
        return NOTHING
    if path == "":
        return Q()
    holding = Case.objects.filter(area_path__startswith=path, cluster__isnull=False).values("cluster_id")
    return Q(area_path__startswith=path) | Q(pk__in=holding)


def cluster_visible(*, viewer, cluster: Cluster) -> bool:
    return Cluster.objects.filter(clusters_visible_q(viewer), pk=cluster.pk).exists()


def cluster_list(*, viewer) -> QuerySet[Cluster]:
    return (
        Cluster.objects.filter(clusters_visible_q(viewer))
        .select_related("venue")
        .annotate(cases_count=Count("cases", filter=~Q(cases__status=Case.Status.WITHDRAWN)))
        .order_by("-created_at", "-id")
    )


def cluster_get(*, viewer, cluster_id) -> Cluster:
    cluster = (
        Cluster.objects.filter(clusters_visible_q(viewer), pk=id_or_404(cluster_id)).select_related("venue").first()
    )
    if cluster is None:
        raise ApplicationError(core_errors.NOT_FOUND)
    return cluster


def cluster_cases_elsewhere(*, viewer, cluster: Cluster) -> list[dict]:
    """The cluster's cases outside the viewer's area, as the graph draws them: number and status only (no person, no
    page, no area), newest sample first; withdrawn ones left out as the cluster list counts. The viewer's own are
    case_list's (named, audited)."""
    path = viewer_area_path(viewer)
    if not path:  # "" sees every case named in case_list; None sees none
        return []
    cases = (
        Case.objects.filter(cluster=cluster).exclude(status=Case.Status.WITHDRAWN).exclude(area_path__startswith=path)
    )
    return list(cases.order_by("-sample_date", "-id").values("number", "status"))


def graph_summary_label(level: int, count: int) -> str:
    """A summed-up level's node: "F2 × 30.391" in Vietnamese, "F2 × 30,391" in English (the active language)."""
    return f"F{level} × {number_format(count, force_grouping=True)}"


def cluster_graph(*, viewer, cluster: Cluster) -> dict:
    """The transmission graph of a cluster as Cytoscape.js elements: {"nodes": [...], "edges": [...]}, and
    "contacts": how many persons are contacts of its cases (a summary node counts per case, so its numbers may
    add up to more), "cases" / "outside": how many cases of the cluster (wherever they are, as the cluster list
    counts them) / linked to it from outside the cluster are drawn, "caption": all that in words.

    Nodes: the cluster's cases (`in_cluster` true); the cases they were infected by and those they infected that
    are not in the cluster (`in_cluster` false), wherever they are, so that the chain on screen is whole. A case
    outside the viewer's area, in the cluster or not, is its number only, without a link, and its contacts are
    not drawn; the contacts linked to the cluster's cases in the viewer's area (F1, F2...) are; a level beyond what
    the browser can draw is one node per case ("summary", _graph_levels).
    Edges: source case → case (infected_by); case → F1 and F1 → F2 (contact links, one edge per pair however
    much evidence); case → its summary. Contacts are labelled by initials; only the viewer's own area's contacts
    carry their name (`name`) and a link to their page. Audited as `cases.cluster.graph_viewed`.
    """
    drawn = ("pk", "number", "status", "cluster_id", "infected_by_id", "area_path", "person_id")
    # A withdrawn case was no case: not a link in any chain (services.case_withdraw). A district's cluster holds
    # cases of several communes: each is in the cluster, for a commune's official too (as the cluster list counts),
    # but only those of the official's area with their page and their contacts (personal data).
    cases = list(Case.objects.filter(cluster=cluster).exclude(status=Case.Status.WITHDRAWN).only(*drawn))
    members = {case.pk for case in cases}
    case_ids = {case.pk for case in cases if viewer_sees(viewer, case.area_path)}
    # One step either way along "infected by", across clusters and areas: a source, or an onward case, that is in
    # another cluster (or none) still belongs to this chain.
    sources = [case.infected_by_id for case in cases if case.infected_by_id]
    linked = list(
        Case.objects.filter(Q(pk__in=sources) | Q(infected_by__in=members))
        .exclude(pk__in=members)
        .exclude(status=Case.Status.WITHDRAWN)
        .only(*drawn)
    )
    nodes, edges = [], []
    for case in cases + linked:
        seen = viewer_sees(viewer, case.area_path)
        nodes.append(
            {
                "data": {
                    "id": f"case-{case.pk}",
                    "label": case.number,
                    "kind": "case",
                    "level": 0,
                    "status": case.status,
                    "in_cluster": case.cluster_id == cluster.pk,
                    "url": reverse("cases:detail", args=[case.pk]) if seen else "",
                }
            }
        )
    cases += linked
    shown = {case.pk for case in cases}
    for case in cases:
        if case.infected_by_id in shown:
            edges.append(
                {
                    "data": {
                        "id": f"inf-{case.infected_by_id}-{case.pk}",
                        "source": f"case-{case.infected_by_id}",
                        "target": f"case-{case.pk}",
                        "kind": "infected_by",
                        "level": 0,
                    }
                }
            )
    # Only the cluster's own cases' contacts: a linked case's may be a cluster of their own, of thousands.
    in_full, summaries = _graph_levels(case_ids)
    # A contact who became one of the drawn cases is that case's node, not a second node for the same person.
    case_of_person = {case.person_id: case.pk for case in cases}
    contact_as_case = {
        contact_id: f"case-{case_of_person[person_id]}"
        for contact_id, person_id in Contact.objects.filter(person_id__in=case_of_person).values_list("pk", "person_id")
    }
    links = (
        ContactLink.objects.filter(case_id__in=case_ids, level__in=in_full)
        .select_related("contact__person")
        .values_list(
            "contact_id", "case_id", "via_id", "level", "contact__person__full_name", f"contact__{CONTACT_AREA}"
        )
    )
    contact_nodes: dict[int, dict] = {}
    edge_ids = set()
    for contact_id, case_id, via_id, level, full_name, area_path in links:
        target = contact_as_case.get(contact_id, f"contact-{contact_id}")
        node = contact_nodes.get(contact_id)
        if contact_id in contact_as_case:
            pass  # drawn as its case
        elif node is None:
            node = contact_nodes[contact_id] = {
                "data": {
                    "id": f"contact-{contact_id}",
                    "label": f"F{level} {initials_of(full_name)}",
                    "kind": "contact",
                    "level": level,
                    "url": reverse("cases:contact", args=[contact_id]) if viewer_sees(viewer, area_path) else "",
                }
            }
            if node["data"]["url"]:
                node["data"]["name"] = full_name
        elif level < node["data"]["level"]:
            node["data"]["level"] = level
            node["data"]["label"] = f"F{level} {node['data']['label'].split(' ', 1)[1]}"
        source = contact_as_case.get(via_id, f"contact-{via_id}") if via_id else f"case-{case_id}"
        edge_id = f"link-{source}-{target}"
        if edge_id not in edge_ids and source != target:
            edge_ids.add(edge_id)
            edges.append(
                {
                    "data": {
                        "id": edge_id,
                        "source": source,
                        "target": target,
                        "kind": "contact",
                        "level": level,
                    }
                }
            )
    nodes.extend(contact_nodes.values())
    for case_id, level, count in summaries:
        node_id = f"more-{case_id}-{level}"
        nodes.append(
            {
                "data": {
                    "id": node_id,
                    "label": graph_summary_label(level, count),
                    "kind": "summary",
                    "level": level,
                    "count": count,
                    "url": reverse("cases:detail", args=[case_id]) + f"#contacts-f{level}",
                }
            }
        )
        edges.append(
            {
                "data": {
                    "id": f"link-case-{case_id}-{node_id}",
                    "source": f"case-{case_id}",
                    "target": node_id,
                    "kind": "summary",
                    "level": level,
                }
            }
        )
    known = {node["data"]["id"] for node in nodes}
    edges = [edge for edge in edges if edge["data"]["source"] in known and edge["data"]["target"] in known]
    audit_record(
        actor=viewer,
        action="cases.cluster.graph_viewed",
        obj=cluster,
        area_path=cluster.area_path,
        extra={"cases": len(cases), "contacts": len(contact_nodes), "summed_up": sum(n for *_, n in summaries)},
    )
    # A contact drawn as its own case is counted among the F0, not again among the F1/F2.
    contacts = (
        ContactLink.objects.filter(case_id__in=case_ids)
        .exclude(contact_id__in=list(contact_as_case))
        .values("contact_id")
        .distinct()
        .count()
    )
    # Per level what is drawn: the persons drawn one by one at their lowest level, or those counted together in the
    # summary nodes (the walk-through read "650 người tiếp xúc F1/F2" where the F2 were a few nodes "F2 × n").
    drawn_per_level = defaultdict(int)
    for node in contact_nodes.values():
        drawn_per_level[node["data"]["level"]] += 1
    grouped_per_level = dict(
        ContactLink.objects.filter(case_id__in=case_ids)
        .exclude(level__in=in_full)
        .exclude(contact_id__in=list(contact_as_case))
        .order_by()
        .values("level")
        .annotate(n=Count("contact_id", distinct=True))
        .values_list("level", "n")
    )
    levels = [{"level": level, "count": n, "grouped": False} for level, n in sorted(drawn_per_level.items())]
    levels += [{"level": level, "count": n, "grouped": True} for level, n in sorted(grouped_per_level.items())]
    counts = {"cases": len(members), "outside": len(linked), "contacts": contacts, "links": len(edges)}
    caption = graph_caption(**counts, levels=levels)
    return {"nodes": nodes, "edges": edges, **counts, "levels": levels, "caption": caption}


def graph_caption(*, cases: int, outside: int, contacts: int, links: int, levels: list[dict] | None = None) -> str:
    """ "3 ca F0, 40 F1, 610 F2 (gộp theo ca), 255 mối liên hệ": what the graph draws, in words: the contacts level by
    level (`levels`, cluster_graph's), a level drawn as one node per case said so; without levels, `contacts`."""
    if levels:
        contacts_said = [
            (gettext("%(n)s F%(level)s (counted together per case)") if row["grouped"] else gettext("%(n)s F%(level)s"))
            % {"n": number_format(row["count"], force_grouping=True), "level": row["level"]}
            for row in levels
        ]
    else:
        contacts_said = [
            ngettext("%(n)s contact", "%(n)s contacts", contacts) % {"n": number_format(contacts, force_grouping=True)}
        ]
    said = [
        ngettext("%(n)s F0 case", "%(n)s F0 cases", cases) % {"n": number_format(cases, force_grouping=True)},
        *contacts_said,
        ngettext("%(n)s link", "%(n)s links", links) % {"n": number_format(links, force_grouping=True)},
    ]
    if outside:
        outside_said = ngettext(
            "%(n)s linked case outside the cluster", "%(n)s linked cases outside the cluster", outside
        )
        said.insert(1, outside_said % {"n": outside})
    return ", ".join(said)


def _graph_levels(case_ids: set[int]) -> tuple[list[int], list[tuple[int, int, int]]]:
    """Which contact levels the graph of these cases draws person by person: the lowest ones while their
    contacts together stay within CLUSTER_GRAPH_MAX_CONTACTS. The rest is one node per case and level, (case,
    level, how many contacts). Cytoscape's force-directed layout takes seconds for a few hundred nodes and half a
    minute for 1,400 (headless Chromium here); a factory's cluster has a thousand F1 and tens of thousands of F2."""
    links = ContactLink.objects.filter(case_id__in=case_ids).order_by()
    per_level = dict(links.values("level").annotate(n=Count("contact_id", distinct=True)).values_list("level", "n"))
    in_full, total = [], 0
    for level in sorted(per_level):
        total += per_level[level]
        if total > settings.CLUSTER_GRAPH_MAX_CONTACTS:
            break
        in_full.append(level)
    summaries = list(
        links.exclude(level__in=in_full)
        .values("case_id", "level")
        .annotate(n=Count("contact_id", distinct=True))
        .values_list("case_id", "level", "n")
        .order_by("case_id", "level")
    )
    return in_full, summaries


# --- Tracing runs ----------------------------------------------------------------------------------------


def tracing_run_get(*, viewer, run_id) -> TracingRun:
    """A tracing run its creator (or a superuser) may follow, while every case of it is in the creator's area;
    not_found otherwise. A run's figures (contacts found, people, evidence) are its cases': an official's move on a
    contact of their area re-traces the case it is an F1 of wherever that case is (tasks.tracing_retrace, in the
    official's name), and an official moved to another area keeps the runs they started."""
    runs = TracingRun.objects.all()
    superuser = getattr(viewer, "is_superuser", False)
    if not superuser:
        runs = runs.filter(created_by_id=getattr(viewer, "pk", None))
    run = runs.filter(pk=id_or_404(run_id)).first()
    if run is None or not has_role(viewer, *PEOPLE_ROLES):
        raise ApplicationError(core_errors.NOT_FOUND)
    if not superuser and run.cases.exclude(cases_visible_q(viewer)).exists():
        raise ApplicationError(core_errors.NOT_FOUND)
    return run


def tracing_run_case_figures(*, cases: list[Case]) -> dict[int, dict]:
    """For a finished run's page, per case: its contacts at each level now (as case_contact_counts), its exposure
    notices and how many of them are published. Two grouped queries, read once (the page stops reloading)."""
    figures = {case.pk: {"levels": {}, "notices": 0, "published": 0} for case in cases}
    ids = list(figures)
    for start in range(0, len(ids), 500):  # a run of a thousand cases: bounded parameter lists
        chunk = ids[start : start + 500]
        marks = ", ".join(["%s"] * len(chunk))
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT case_id, level, count(*) FROM (SELECT case_id, contact_id, min(level) AS level"
                f" FROM {ContactLink._meta.db_table} WHERE case_id IN ({marks}) GROUP BY case_id, contact_id)"
                " per_contact GROUP BY case_id, level",
                chunk,
            )
            for case_id, level, count in cursor.fetchall():
                figures[case_id]["levels"][level] = count
        notices = (
            ExposureNotice.objects.filter(case_id__in=chunk)
            .values("case_id")
            .annotate(n=Count("id"), published=Count("id", filter=Q(published_at__isnull=False)))
        )
        for row in notices:
            figures[row["case_id"]].update(notices=row["n"], published=row["published"])
    return figures


def tracing_run_people(*, run: TracingRun) -> int:
    """How many distinct people are contacts of the run's cases now, from every source (the run's contacts_found
    adds up each case's, so a person found for two cases counts twice there)."""
    return ContactLink.objects.filter(case__in=run.cases.all()).values("contact_id").distinct().count()


# --- Public: exposure notices (no person, no case number) -----------------------------------------------


def exposure_notices_public(
    *, now: dt.datetime | None = None, area_path: str = "", name: str = ""
) -> QuerySet[ExposureNotice]:
    """Published notices that ended within EXPOSURE_NOTICE_PUBLIC_DAYS, newest first, optionally in an area
    and at places whose name holds `name` (without diacritics, as the venue search)."""
    now = now or timezone.now()
    since = now - dt.timedelta(days=getattr(settings, "EXPOSURE_NOTICE_PUBLIC_DAYS", 14))
    notices = ExposureNotice.objects.filter(published_at__isnull=False, published_at__lte=now, end__gte=since)
    if area_path:
        notices = notices.filter(area_path__startswith=area_path)
    if folded := fold(name):
        notices = notices.filter(venue__name_folded__contains=folded)
    return notices.select_related("venue__area").order_by("-start", "id")


def exposure_notice_areas(*, now: dt.datetime | None = None) -> list[tuple[Area, int]]:
    """The areas of the places with a published notice now and every area above them (district, province),
    in tree order, each with how many notices lie within it: what choosing it in the public list's area
    filter shows (`exposure_notices_public(area_path=...)` takes the whole subtree)."""
    counts = dict(exposure_notices_public(now=now).order_by().values_list("venue__area_id").annotate(count=Count("id")))
    places = list(Area.objects.filter(pk__in=counts).only("pk", "path"))
    # "38/391/15187/" lies within "38/" and "38/391/": its notices count for each of them too.
    within: dict[str, int] = defaultdict(int)
    for place in places:
        codes = place.path.rstrip("/").split("/")
        for depth in range(1, len(codes) + 1):
            within["/".join(codes[:depth]) + "/"] += counts[place.pk]
    areas = Area.objects.filter(path__in=within).order_by("path")
    return [(area, within[area.path]) for area in areas]


def exposure_matches_for_person(*, person, now: dt.datetime | None = None) -> list[tuple[ExposureNotice, object]]:
    """The published notices that one of the person's own check-ins overlaps: (notice, check-in) pairs, newest
    notice first; not those of the person's own cases.

    For the citizen's own page (/c/me/): the person is the one remembered on this phone, so nothing about
    anybody else is shown. A check-in without check-out lasts what tracing assumes (tracing.open_checkin_buffers:
    the venue type's auto check-out time, or the TRACING_OPEN_CHECKIN_BUFFER_MINUTES override), so that the
    citizen is warned of exactly the stays tracing would count (also the case's minimum overlap).
    Read from the person's side (their check-ins of the period, then the notices at those venues), so that
    every notice counts however many a province has published.
    """
    from phongdich.checkins.models import CheckIn

    from .tracing import max_stay, min_overlap_for, open_checkin_buffers

    now = now or timezone.now()
    since = now - dt.timedelta(days=getattr(settings, "EXPOSURE_NOTICE_PUBLIC_DAYS", 14))
    # A notice still listed ends after `since`; a check-in that overlaps it began at most a stay before.
    checkins = list(
        CheckIn.objects.filter(person_id=person.pk)
        .filter(Q(checked_in_at__gte=since - max_stay()) | Q(checked_out_at__gte=since))
        .select_related("venue")
    )
    if not checkins:
        return []
    by_venue = defaultdict(list)
    for checkin in checkins:
        by_venue[checkin.venue_id].append(checkin)
    # The case's own visits wrote these notices: it was the person with COVID-19 there, not someone exposed.
    notices = list(
        exposure_notices_public(now=now)
        .filter(venue_id__in=list(by_venue))
        .exclude(case__person_id=person.pk)
        .select_related("case__rule")
    )
    if not notices:
        return []
    buffers = open_checkin_buffers()
    matches = []
    for notice in notices:
        for checkin in by_venue[notice.venue_id]:
            end = checkin.checked_out_at or checkin.checked_in_at + buffers[checkin.venue.venue_type_id]
            # Half-open stays and the case's minimum overlap, as tracing counts them (docs/cases.md, "Overlap"): who
            # left as the case arrived did not meet it, nor did who shared less than the rule's minutes.
            shared = min(end, notice.end) - max(checkin.checked_in_at, notice.start)
            if shared > dt.timedelta(0) and shared >= min_overlap_for(notice.case):
                matches.append((notice, checkin))
                break
    return matches


# --- A quarantine's tests and the monitoring after it -------------------------------------------------------

# What became of a test the rule schedules (docs/cases.md, "Tests and monitoring").
TEST_DONE = "done"  # a sample taken on its day, or later before the next test's day (then "late")
TEST_DUE = "due"  # its day is today, no sample yet
TEST_MISSED = "missed"  # its day is past, no sample taken since
TEST_UPCOMING = "upcoming"
TEST_NOT_NEEDED = "not_needed"  # the quarantine ended before its day (an early release)
TEST_STATE_LABELS = {
    TEST_DONE: pgettext_lazy("scheduled test", "done"),
    TEST_DUE: pgettext_lazy("scheduled test", "due today"),
    TEST_MISSED: pgettext_lazy("scheduled test", "missed"),
    TEST_UPCOMING: pgettext_lazy("scheduled test", "to come"),
    TEST_NOT_NEEDED: pgettext_lazy("scheduled test", "not needed: released before"),
}


@dataclass(frozen=True)
class ScheduledTest:
    """One test of a contact's schedule: the day numbers it stands for, its date, and whether a sample was taken."""

    days: tuple[int, ...]  # day numbers of the quarantine or the monitoring (several: merged on the quarantine's start)
    on: dt.date
    # A sample from `on` to the day before `until` counts for this test: the next test's day, or the period's end.
    until: dt.date
    state: str
    sampled_on: dt.date | None = None  # the day of the first sample that counts for it
    during_monitoring: bool = False  # a test of the self-monitoring after the quarantine (its day numbers are its)

    @property
    def late(self) -> bool:
        return self.sampled_on is not None and self.sampled_on > self.on

    @property
    def needs_attention(self) -> bool:
        return self.state in (TEST_DUE, TEST_MISSED)

    @property
    def state_label(self) -> str:
        return str(TEST_STATE_LABELS[self.state])

    @property
    def days_text(self) -> str:
        return ", ".join(str(day) for day in self.days)


def quarantine_unconfirmed_text(rule: QuarantineRule | None, level: int, protected: bool = False) -> str:
    """What no source confirms of a quarantine of a contact at `level` under `rule`, in the page's language: the
    rule's own `unconfirmed` text (for a `protected` contact, without what concerns only the others) and, for an F2
    (or further), that the F1's rule is applied to them though RULES.md §2 gives F2 only "home quarantine" (QĐ
    5053/QĐ-BYT's tracing handbook), no confirmed length, test days or self-monitoring."""
    text = rule.unconfirmed_text(protected) if rule is not None else ""
    said = [text] if text else []
    if level >= 2:
        said.append(
            gettext(
                "F%(level)s: the quarantine, its test days and its self-monitoring are the F1's rule, applied here to"
                " a contact of an F1; for F2 the sources read (QĐ 5053/QĐ-BYT's tracing handbook) say home quarantine"
                " and confirm no length."
            )
            % {"level": level}
        )
    return " ".join(said)


def quarantine_setting_note(rule: QuarantineRule | None, level: int, protected: bool = False) -> str:
    """What an official reads on the contact page where quarantine_unconfirmed_text has something to say: in plain
    words, that part of this quarantine is a setting of the province and not a national rule. The precise notes on
    the sources (which document, what was read of it) stay in the admin, the API and docs/cases.md: they are for
    whoever maintains the rules, not for the official deciding a quarantine."""
    said = []
    if rule is not None and rule.unconfirmed_text(protected):
        said.append(
            gettext(
                "Part of this quarantine (its days, test days or health monitoring) is a setting of the province,"
                " not a national rule: %(rule)s does not give it."
            )
            % {"rule": rule.name}
        )
    if level >= 2:
        said.append(
            gettext(
                "For an F%(level)s the province applies the F1's quarantine, test days and health monitoring: a"
                " setting of the province, not a national rule."
            )
            % {"level": level}
        )
    return " ".join(said)


@dataclass(frozen=True)
class QuarantineSchedule:
    """A contact's quarantine tests and the self-monitoring after it, dated from the rule its quarantine took and
    whether it was protected (quarantine_schedules)."""

    rule: QuarantineRule
    protected: bool
    days: int  # the quarantine's days (Contact.quarantine_days)
    day_one: dt.date  # the first of the days the rule counts: the last exposure's day
    start: dt.date  # Contact.quarantine_start
    end: dt.date  # Contact.quarantine_end: the first day OUT of quarantine (exclusive; the monitoring's first)
    released: bool
    tests: tuple[ScheduledTest, ...]
    monitoring_days: int | None  # None: the rule gives none
    monitoring_tests: tuple[ScheduledTest, ...]
    today: dt.date
    level: int = 1  # the contact's (an F2's quarantine is unconfirmed: unconfirmed_text)

    @property
    def last_day(self) -> dt.date | None:
        """The last day in quarantine (Contact.quarantine_last_day): the day before `end`; None when released on
        the day it began."""
        return quarantine_last_day(self.start, self.end)

    @property
    def unconfirmed_text(self) -> str:
        return quarantine_unconfirmed_text(self.rule, self.level, self.protected)

    @property
    def setting_note(self) -> str:
        return quarantine_setting_note(self.rule, self.level, self.protected)

    @property
    def monitoring_until(self) -> dt.date | None:
        """The last day of the self-monitoring (its first is the quarantine's end); None when the rule gives none."""
        if self.monitoring_days is None:
            return None
        return self.end + dt.timedelta(days=self.monitoring_days - 1)

    @property
    def quarantine_over(self) -> bool:
        return self.today >= self.end

    @property
    def in_monitoring(self) -> bool:
        """Released, and within the self-monitoring today: what the work list's `monitoring` filter counts. A
        contact whose quarantine is over but who is not released yet is not (the work list's "quarantine over: to
        release"; the contact page says to release them): `awaiting_release`."""
        until = self.monitoring_until
        return self.released and until is not None and self.end <= self.today <= until

    @property
    def awaiting_release(self) -> bool:
        """The quarantine is over and the contact still in it: to release (the work list's `quarantine_over`)."""
        return not self.released and self.quarantine_over

    @property
    def current(self) -> ScheduledTest | None:
        """The test whose time holds today (from its day to the next test's, or its period's end), else None."""
        tests = (*self.tests, *self.monitoring_tests)
        return next((test for test in tests if test.on <= self.today < test.until), None)

    @property
    def shown(self) -> ScheduledTest | None:
        """The test a list shows: the current one, else the next to come, else, for a quarantine over and not yet
        released, its last test when that was missed: what the health station must see before the release (the
        row sits under "quarantine over: to release", where it showed nothing)."""
        current = self.current
        if current is not None:
            return current
        upcoming = next((test for test in (*self.tests, *self.monitoring_tests) if test.state == TEST_UPCOMING), None)
        if upcoming is not None or self.released or not self.tests:
            return upcoming
        last = self.tests[-1]
        return last if last.state == TEST_MISSED else None

    @property
    def test_needed(self) -> bool:
        """In quarantine, and its current test is due today or missed: the work list's "tests_due"."""
        current = self.current
        return not self.released and not self.quarantine_over and current is not None and current.needs_attention


def _tests(
    numbers, *, day_one: dt.date, floor: dt.date, end: dt.date, sampled, today: dt.date, monitoring: bool = False
) -> list[ScheduledTest]:
    """The tests of day `numbers` (day 1 = `day_one`) of a period ending on `end` (excluded). A day before `floor`
    (the quarantine's start: the person was reached after it) is tested on `floor`, once for all such days. Each test
    counts a sample from its day to the next test's day (or `end`); a test after `end` is not needed, nor one on
    `end` (a release that day cut the period short) unless a sample was taken that day: the release day's test
    was done (a contact quarantined and released the same day, swabbed before the release)."""
    dated: dict[dt.date, list[int]] = {}
    for number in numbers:
        dated.setdefault(max(day_one + dt.timedelta(days=number - 1), floor), []).append(number)
    dates = sorted(dated)
    tests = []
    for index, on in enumerate(dates):
        until = max(on, min(dates[index + 1] if index + 1 < len(dates) else end, end))
        sample = next((day for day in sampled if on <= day < until), None)
        if on == end and on in sampled:
            state, sample = TEST_DONE, on
        elif on >= end:
            state, sample = TEST_NOT_NEEDED, None
        elif sample is not None:
            state = TEST_DONE
        elif on > today:
            state = TEST_UPCOMING
        elif on == today:
            state = TEST_DUE
        else:
            state = TEST_MISSED
        tests.append(ScheduledTest(tuple(dated[on]), on, until, state, sample, during_monitoring=monitoring))
    return tests


def official_name(user) -> str:
    """An official as the pages name them, the same everywhere (the case page's investigator, its edit form's list,
    who changed a contact's status): the full name, else the login, with the official's area; "" for nobody. Reads
    `user.official.area`: select it with the user."""
    if user is None:
        return ""
    name = user.get_full_name() or user.get_username()
    official = getattr(user, "official", None)
    return f"{name} ({official.area.name})" if official is not None else name


def quarantine_counted_from(contact: Contact) -> dt.date | None:
    """The day a contact's quarantine counts its days from: the local day of the last exposure, or the quarantine's
    start for a contact named without times (services._quarantine_end); None without a quarantine."""
    if contact.quarantine_start is None:
        return None
    return local_day(contact.last_exposure_at) if contact.last_exposure_at else contact.quarantine_start


def _rule_on(rules: list[QuarantineRule], starts: list[dt.date], day: dt.date) -> QuarantineRule | None:
    """The rule in force on `day` among `rules` (ordered by effective_from, `starts` their dates)."""
    index = bisect.bisect_right(starts, day)
    return rules[index - 1] if index else None


def quarantine_schedules(contacts, *, today: dt.date | None = None) -> dict[int, QuarantineSchedule]:
    """Contact id -> QuarantineSchedule, for the contacts among `contacts` in quarantine or released from it (with
    its dates, under a rule in force on its start). Nothing is stored: the rule in force on the quarantine's start
    (what services.quarantine_rule_of reads) and the protection it was set with give the test days and monitoring
    (QuarantineRule.schedule_for), dated from day 1 = the first of the days the quarantine counts: its end minus
    its days (the last exposure's day), or that day itself after an early release cut the end short. The samples
    come from the registered sample sources (cases.samples: the testing app's), one call for all the contacts; the
    rules in one query. The caller has read the contacts through a scoped, audited selector."""
    today = today or timezone.localdate()
    eligible = [
        contact
        for contact in contacts
        if contact.status in (Contact.Status.QUARANTINED, Contact.Status.RELEASED)
        and contact.quarantine_start is not None
        and contact.quarantine_end is not None
    ]
    if not eligible:
        return {}
    rules = list(QuarantineRule.objects.order_by("effective_from"))
    starts = [rule.effective_from for rule in rules]
    said_of: dict[tuple[int, bool], object] = {}  # each rule's day lists parsed once, not once a contact
    plans = []
    for contact in eligible:
        rule = _rule_on(rules, starts, contact.quarantine_start)
        if rule is None:
            continue
        protected = bool(contact.quarantine_protected) and rule.days_protected is not None
        days = contact.quarantine_days or rule.days_for(protected)
        counted_from = quarantine_counted_from(contact)
        day_one = max(contact.quarantine_end - dt.timedelta(days=days), min(counted_from, contact.quarantine_end))
        said = said_of.get((rule.pk, protected))
        if said is None:
            said = said_of[(rule.pk, protected)] = rule.schedule_for(protected)
        plans.append((contact, rule, protected, days, day_one, said))
    sampled: dict[int, list[dt.date]] = {}
    with_tests = [plan for plan in plans if plan[5].test_days or plan[5].monitoring_test_days]
    if with_tests:
        since = min(plan[0].quarantine_start for plan in with_tests)
        until = max(plan[0].quarantine_end + dt.timedelta(days=plan[5].monitoring_days or 0) for plan in with_tests)
        sampled = sample_days_of_persons([plan[0].person_id for plan in with_tests], since=since, until=until)
    schedules = {}
    for contact, rule, protected, days, day_one, said in plans:
        end = contact.quarantine_end
        own = sampled.get(contact.person_id, [])
        monitoring_end = end + dt.timedelta(days=said.monitoring_days or 0)
        schedules[contact.pk] = QuarantineSchedule(
            rule=rule,
            protected=protected,
            days=days,
            day_one=day_one,
            start=contact.quarantine_start,
            end=end,
            released=contact.status == Contact.Status.RELEASED,
            tests=tuple(
                _tests(
                    said.test_days, day_one=day_one, floor=contact.quarantine_start, end=end, sampled=own, today=today
                )
            ),
            monitoring_days=said.monitoring_days,
            monitoring_tests=tuple(
                _tests(
                    said.monitoring_test_days,
                    day_one=end,
                    floor=end,
                    end=monitoring_end,
                    sampled=own,
                    today=today,
                    monitoring=True,
                )
                if said.monitoring_days
                else ()
            ),
            today=today,
            level=contact.level,
        )
    return schedules


def contact_quarantine_schedule(*, contact: Contact, today: dt.date | None = None) -> QuarantineSchedule | None:
    """The schedule of one contact read through contact_get (quarantine_schedules); None without a quarantine."""
    return quarantine_schedules([contact], today=today).get(contact.pk)


@dataclass(frozen=True)
class WorklistFollowUp:
    """The contacts of a work list the health station follows up today (worklist_follow_up)."""

    tests: frozenset[int]  # in quarantine, the current test due today or missed
    monitoring: frozenset[int]  # released, still within the self-monitoring after the quarantine


# What the follow-up reads of a contact to date its schedule.
_SCHEDULE_FIELDS = (
    "id",
    "person_id",
    "status",
    "quarantine_start",
    "quarantine_end",
    "quarantine_days",
    "quarantine_protected",
    "last_exposure_at",
    "level",
)


class _ScheduleRow(NamedTuple):
    """A contact's _SCHEDULE_FIELDS as quarantine_schedules reads them: a province's follow-up dates tens of
    thousands of quarantines on each work list view, and building a model instance for each took half its time."""

    pk: int
    person_id: int
    status: str
    quarantine_start: dt.date | None
    quarantine_end: dt.date | None
    quarantine_days: int | None
    quarantine_protected: bool | None
    last_exposure_at: dt.datetime | None
    level: int


def worklist_follow_up(
    *, viewer, area: Area | None = None, level: int | None = None, today: dt.date | None = None
) -> WorklistFollowUp:
    """Which contacts of the viewer's area (within `area`, at `level`) have a test to take or are under
    self-monitoring today: the quarantines going on (started, not over) and the releases whose end is within the
    longest monitoring any rule gives are read (their dates only), then dated by quarantine_schedules, with one call
    to the sample sources. The caller audits the list it shows."""
    today = today or timezone.localdate()
    contacts = Contact.objects.filter(cases_visible_q(viewer, CONTACT_AREA))
    level = level_filter(level)
    if level is not None:
        contacts = contacts.filter(level=level)
    if area is not None:
        contacts = contacts.filter(person__area_path__startswith=area.path)
    going_on = Q(status=Contact.Status.QUARANTINED, quarantine_start__lte=today, quarantine_end__gt=today)
    longest = max(
        (
            days
            for pair in QuarantineRule.objects.values_list("monitoring_days", "monitoring_days_protected")
            for days in pair
            if days
        ),
        default=0,
    )
    if longest:
        going_on |= Q(
            status=Contact.Status.RELEASED,
            quarantine_end__lte=today,
            quarantine_end__gt=today - dt.timedelta(days=longest),
        )
    rows = contacts.filter(going_on).order_by().values_list(*_SCHEDULE_FIELDS)
    schedules = quarantine_schedules([_ScheduleRow(*row) for row in rows], today=today)
    return WorklistFollowUp(
        tests=frozenset(pk for pk, schedule in schedules.items() if schedule.test_needed),
        monitoring=frozenset(pk for pk, schedule in schedules.items() if schedule.in_monitoring),
    )


# --- Other apps' inputs (healthcards, certificates) --------------------------------------------------------


def recovered_at_of_persons(person_ids, *, at: dt.datetime) -> dict[int, dt.datetime]:
    """When each of `person_ids` last recovered, as known at `at`: the latest moment a case of theirs entered before
    `at` was marked recovered (its status_changed_at), in one query however many persons. The status card's
    `recovered_at` (case_facts_for_person) and a quarantine rule's protected days (services) read it."""
    rows = (
        Case.objects.filter(
            person_id__in=list(person_ids),
            status=Case.Status.RECOVERED,
            status_changed_at__lte=at,  # marked recovered by then (so entered by then too)
        )
        .values("person_id")
        .annotate(last=Max("status_changed_at"))
        .order_by()
    )
    return {row["person_id"]: row["last"] for row in rows}


def case_facts_for_person(*, person, at: dt.datetime) -> dict:
    """What the health status card needs to know from this app about `person` at `at` (healthcards.inputs)."""
    facts: dict = {}
    if Case.objects.filter(person_id=person.pk, created_at__lte=at, status=Case.Status.UNDER_TREATMENT).exists():
        facts["active_case"] = True
    recovered_at = recovered_at_of_persons([person.pk], at=at).get(person.pk)
    if recovered_at is not None:
        facts["recovered_at"] = recovered_at
    contact = Contact.objects.filter(person_id=person.pk, status=Contact.Status.QUARANTINED).first()
    if contact is not None and contact.quarantine_end and contact.quarantine_start:
        until = timezone.make_aware(
            dt.datetime.combine(contact.quarantine_end, dt.time.min), timezone.get_default_timezone()
        )
        if timezone.localdate(at) >= contact.quarantine_start and until > at:
            facts["in_quarantine_until"] = until
    return facts


@dataclass(frozen=True)
class ContactCaseDefaults:
    """What the contact evidence tells about a case about to be opened for its person (contact_case_defaults)."""

    # An open F1 (candidate, confirmed or in quarantine) of a case not withdrawn: CV 11042's "F1" whose one positive
    # rapid antigen test confirms a case (RULES.md §1.2).
    is_f1: bool = False
    # The local day of the first exposure to the standing cases an official confirmed the person an F1 of (QĐ 3638:
    # an F0 without symptoms is infectious from its first contact with a known source); None when unknown.
    source_exposure_date: dt.date | None = None
    infected_by: Case | None = None  # that case, when exactly one
    sources: tuple[str, ...] = ()  # the numbers of those cases
    # The end of the local day the person's quarantine began, when it had not ended before the sample day.
    isolated_at: dt.datetime | None = None
    quarantine_start: dt.date | None = None

    def note(self) -> str:
        """Where the defaults came from, for the case's notes (data, in Vietnamese as the case's other notes)."""
        lines = []
        first = (
            f"ngày tiếp xúc đầu tiên {self.source_exposure_date:%d/%m/%Y} lấy từ bằng chứng tiếp xúc"
            if self.source_exposure_date
            else "ngày tiếp xúc đầu tiên chưa rõ (tính như nguồn lây chưa biết)"
        )
        if len(self.sources) == 1:
            lines.append(f"F1 của ca {self.sources[0]}: nguồn lây là ca này; {first}.")
        elif self.sources:
            cases = ", ".join(self.sources)
            lines.append(f"F1 của nhiều ca ({cases}): chưa ghi nguồn lây, điều tra viên xác định; {first}.")
        if self.isolated_at is not None:
            lines.append(f"Đang cách ly từ {self.quarantine_start:%d/%m/%Y}: thời điểm cách ly tính đến hết ngày đó.")
        return "\n".join(lines)


def contact_case_defaults(*, person, sample_date: dt.date) -> ContactCaseDefaults:
    """What the platform knows about the case a positive sample of `person`, taken on `sample_date`, opens, from the
    person's contact (docs/cases.md, "A case opened for a contact"); the caller has the person in hand (a result of
    its sample, a person the official sees). Read before the case is entered, which closes the contact.

    - F1 links (level 1) of cases not withdrawn make an open contact an F1 (`is_f1`).
    - Confirmed or in quarantine by an official: the first exposure to those cases is the known source's
      (`source_exposure_date`, unless a link has no start time, or it falls after the sample or further back than a
      case's dates may be: then the source is treated as unknown, the longer window); `infected_by` is the case when
      exactly one. A candidate nobody confirmed gives neither: the tracer's guess does not shorten a window.
    - In quarantine, not ended before the sample day: isolated from the end of the day the quarantine began (its time
      of day is not kept; the end of the day is the longer window), never later than now.
    """
    from .services import EARLIEST_DAYS_BEFORE_SAMPLE

    contact = Contact.objects.filter(person_id=person.pk, status__in=OPEN_CONTACT_STATUSES).first()
    if contact is None:
        return ContactCaseDefaults()
    earliest = sample_date - dt.timedelta(days=EARLIEST_DAYS_BEFORE_SAMPLE)
    isolated_at = None
    start = contact.quarantine_start
    if (
        contact.status == Contact.Status.QUARANTINED
        and start is not None
        and earliest <= start
        and (contact.quarantine_end is None or sample_date <= contact.quarantine_end)
    ):
        isolated_at = min(timezone.now(), local_midnight(start + dt.timedelta(days=1)))
    links = [  # of the current episode: the case a released F1 was quarantined for is not the source of a new one
        link
        for link in ContactLink.objects.filter(contact=contact, level=1)
        .exclude(case__status=Case.Status.WITHDRAWN)
        .select_related("case")
        .order_by("case__number", "pk")
        if contact.link_in_episode(link)
    ]
    found = ContactCaseDefaults(
        is_f1=bool(links), isolated_at=isolated_at, quarantine_start=start if isolated_at else None
    )
    if not links or contact.status == Contact.Status.CANDIDATE:
        return found
    cases = {link.case.number: link.case for link in links}
    starts = [link.exposure_start for link in links]
    first_day = local_day(min(starts)) if all(starts) else None
    if first_day is not None and not earliest <= first_day <= sample_date:
        first_day = None
    return ContactCaseDefaults(
        is_f1=True,
        source_exposure_date=first_day,
        infected_by=next(iter(cases.values())) if len(cases) == 1 else None,
        sources=tuple(cases),
        isolated_at=isolated_at,
        quarantine_start=found.quarantine_start,
    )


def cases_of_person(*, viewer, person_id: int) -> list[Case]:
    """The cases of a contact's person that the viewer sees, newest first: a contact who became a case leads to it."""
    cases = Case.objects.filter(cases_visible_q(viewer), person_id=person_id)
    return list(cases.order_by("-sample_date", "-pk").only("pk", "number", "sample_date", "status"))


def recovered_cases(*, person) -> QuerySet[Case]:
    return Case.objects.filter(person_id=person.pk, status=Case.Status.RECOVERED).order_by("sample_date")


def contact_link_keys(*, source: str):
    """The evidence keys of the links of `source`, each once, as an iterator: no person, no case (a telecom
    withdrawal looks among them for those naming its records)."""
    return ContactLink.objects.filter(source=source).values_list("evidence_key", flat=True).distinct().iterator()
