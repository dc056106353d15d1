"""Reads of declarations. An official's read of a person's declarations is scoped and audited; the reads other
apps need for rules (the venue rule, the health card) answer yes/no and return no personal data.

There is no unscoped way to list declarations: every selector returning them to an official takes the viewer
and filters with core.scoping.
"""

from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from phongdich.core import errors as core_errors
from phongdich.core.audit import audit_record
from phongdich.core.errors import ApplicationError
from phongdich.core.scoping import NOTHING, area_visible, scope_q
from phongdich.people.selectors import people_visible_q

from .models import Declaration


def declaration_latest(*, person, kind: str | None = None) -> Declaration | None:
    """The person's most recent declaration (of `kind`). For the person's own pages and for rules; not an
    official's read (use declaration_history for that)."""
    declarations = Declaration.objects.filter(person=person)
    if kind:
        declarations = declarations.filter(kind=kind)
    return declarations.select_related("area", "port_of_entry").order_by("-submitted_at", "-id").first()


def declaration_own_history(*, person, limit: int = 20) -> list[Declaration]:
    """A person's own declarations, newest first, for the citizen page of a remembered device (their own data)."""
    return list(
        Declaration.objects.filter(person=person)
        .select_related("area", "port_of_entry")
        .order_by("-submitted_at", "-id")[:limit]
    )


def declaration_history(*, viewer, person, ip: str | None = None) -> QuerySet[Declaration]:
    """An official's view of one person's declarations, newest first; audited `declarations.declaration.listed`.

    The viewer must see the person (people.selectors.people_visible_q: their area's subtree, a role that sees
    people); otherwise not_found, the same as for an unknown person.
    """
    from phongdich.people.models import Person

    if not Person.objects.filter(people_visible_q(viewer), pk=getattr(person, "pk", None)).exists():
        raise ApplicationError(core_errors.NOT_FOUND)
    audit_record(actor=viewer, action="declarations.declaration.listed", obj=person, area_path=person.area_path, ip=ip)
    return (
        Declaration.objects.filter(person=person)
        .select_related("area", "port_of_entry", "person")
        .order_by("-submitted_at", "-id")
    )


def declaration_get(*, viewer, declaration_id, ip: str | None = None) -> Declaration:
    """One declaration for an official, scoped by the declaration's area; audited `declarations.declaration.viewed`.
    Out of scope and unknown give the same not_found."""
    try:
        declaration_id = int(declaration_id)
    except (TypeError, ValueError) as exc:
        raise ApplicationError(core_errors.NOT_FOUND) from exc
    declaration = (
        Declaration.objects.filter(_visible_q(viewer), pk=declaration_id)
        .select_related("person", "area", "port_of_entry")
        .first()
    )
    if declaration is None:
        raise ApplicationError(core_errors.NOT_FOUND)
    audit_record(
        actor=viewer,
        action="declarations.declaration.viewed",
        obj=declaration,
        area_path=declaration.area_path,
        ip=ip,
    )
    return declaration


def declaration_people(*, declaration_ids) -> dict[int, int]:
    """Whose each declaration is (ids only, no personal data): what a repeated submission is checked by."""
    return dict(Declaration.objects.filter(pk__in=list(declaration_ids)).values_list("pk", "person_id"))


def declarations_submitted_again(*, viewer, submitted, ip: str | None = None) -> list[Declaration]:
    """The declarations of a submission answered again (repeated with its Idempotency-Key, api.DeclarationApi), in
    order: `submitted` holds each one's (id, the person it was made for). Each must still be that person's (a citizen's
    own declaration: no official's read); an official who entered them on paper must still see their area, as when
    they entered them, and the read is audited `declarations.declaration.viewed`. not_found otherwise."""
    # A key reduced by migration 0007 after its declaration was purged holds no person: not found, as a purge is.
    if any(declaration_id is None or person_id is None for declaration_id, person_id in submitted):
        raise ApplicationError(core_errors.NOT_FOUND)
    submitted = [(int(declaration_id), int(person_id)) for declaration_id, person_id in submitted]
    found = {
        declaration.pk: declaration
        for declaration in Declaration.objects.filter(pk__in=[pk for pk, _ in submitted]).select_related("person")
    }
    official = getattr(viewer, "is_authenticated", False) and not getattr(viewer, "is_device", False)
    declarations = []
    for declaration_id, person_id in submitted:
        declaration = found.get(declaration_id)
        if declaration is None or declaration.person_id != person_id:
            raise ApplicationError(core_errors.NOT_FOUND)
        if official and not area_visible(viewer, declaration.area_path):
            raise ApplicationError(core_errors.NOT_FOUND)
        declarations.append(declaration)
    if official:
        for declaration in declarations:
            audit_record(
                actor=viewer,
                action="declarations.declaration.viewed",
                obj=declaration,
                area_path=declaration.area_path,
                ip=ip,
            )
    return declarations


def _visible_q(viewer):
    if viewer is None or not viewer.is_authenticated:
        return NOTHING
    if not viewer.is_superuser:
        official = getattr(viewer, "official", None)
        if official is None or not official.is_active or not official.sees_people:
            return NOTHING
    return scope_q(viewer, "area_path")


def declarations_visible(*, viewer) -> QuerySet[Declaration]:
    """Declarations whose area the viewer sees (roles that see people). Listing is not audited; opening one is."""
    return Declaration.objects.filter(_visible_q(viewer))


def declaration_recent_exists(*, person, hours: int, now: datetime | None = None) -> bool:
    """Whether the person declared (any kind, any source) within the last `hours` hours: the venue rule."""
    now = now or timezone.now()
    return Declaration.objects.filter(
        person=person, submitted_at__gt=now - timedelta(hours=hours), submitted_at__lte=now + timedelta(minutes=5)
    ).exists()


def declaration_required(*, person, venue, now: datetime | None = None) -> bool:
    """Whether the venue's rule asks this person for the short declaration before checking in: the venue requires
    a declaration made within N hours (Venue.declaration_required_hours) and the person made none since. A person
    not yet known (first visit on a phone) is asked whenever the venue has the rule."""
    hours = getattr(venue, "declaration_required_hours", None)
    if not hours:
        return False
    if person is None:
        return True
    return not declaration_recent_exists(person=person, hours=hours, now=now)


# A person who answers "yes" at every venue of the day is one person for the health station to call, not five.
CHECKIN_ANSWER_DECLARATION_HOURS = 24


def declaration_from_checkin_answers(*, person, venue, has_symptoms, had_contact, now: datetime | None = None) -> bool:
    """Whether a check-in's three answers are recorded as the short declaration (declaration_submit_venue_inline):
    when the venue's rule asks for one (declaration_required), and whenever the person says "yes" to symptoms or
    to contact with a case, unless they made a flagged declaration in the last CHECKIN_ANSWER_DECLARATION_HOURS.
    A "yes" kept on the check-in alone reached no health station (walk-through of 2026-12-06): as a declaration it
    is flagged and becomes a follow-up task of the person's commune (followups)."""
    if declaration_required(person=person, venue=venue, now=now):
        return True
    if not (has_symptoms or had_contact) or person is None:
        return False
    now = now or timezone.now()
    since = now - timedelta(hours=CHECKIN_ANSWER_DECLARATION_HOURS)
    return not Declaration.objects.filter(person=person, flagged=True, submitted_at__gt=since).exists()


def declarations_in_area(*, viewer, area_path: str, start: datetime, end: datetime) -> QuerySet[Declaration]:
    """Declarations submitted in [start, end) whose area lies in `area_path`'s subtree and in the viewer's scope
    (core.scoping), for statistics. An area outside the viewer's scope gives an empty set. Not audited: callers
    aggregate; showing a person's declaration goes through declaration_get."""
    if not area_visible(viewer, area_path or ""):
        # A province official asking for the whole country gets their own province (scope_q), nothing else.
        if area_path:
            return Declaration.objects.none()
    return Declaration.objects.filter(
        scope_q(viewer, "area_path"),
        area_path__startswith=area_path or "",
        submitted_at__gte=start,
        submitted_at__lt=end,
    )


def declaration_symptoms_since(*, person, since: datetime) -> bool:
    """Whether the person declared any symptom in a declaration submitted at or after `since` (the health card)."""
    # A person declares a few times a month: reading the lists beats a JSON query that differs per database.
    return any(
        symptoms
        for symptoms in Declaration.objects.filter(person=person, submitted_at__gte=since).values_list(
            "symptoms", flat=True
        )
    )


def declaration_last_symptom_at(*, person, since: datetime, until: datetime) -> datetime | None:
    """When the person last declared a symptom in [since, until], or None (the health card's input). One query."""
    rows = (
        Declaration.objects.filter(person=person, submitted_at__gte=since, submitted_at__lte=until)
        .order_by("-submitted_at")
        .values_list("submitted_at", "symptoms")
    )
    # Reading one person's few lists beats a JSON query that differs per database (as above).
    return next((submitted_at for submitted_at, symptoms in rows if symptoms), None)


def declaration_reasons(declaration: Declaration) -> list[str]:
    """Why a declaration is flagged, as stable codes: "symptom:<code>" and "exposure:<code>" (for follow-ups)."""
    return [f"symptom:{code}" for code in declaration.symptoms] + [f"exposure:{code}" for code in declaration.exposures]
