"""Reads of people. Every read an official makes of a person's record is audited (see person_get).

There is no unscoped way to list people: every selector here takes the viewer and filters with
core.scoping.scope_q; venue roles (manager, control staff) see nobody (Official.sees_people).
"""

import re

from django.db.models import Count, Q, QuerySet

from phongdich.core import errors as core_errors
from phongdich.core.audit import audit_record
from phongdich.core.errors import ApplicationError
from phongdich.core.scoping import NOTHING, scope_q
from phongdich.core.text import fold

from . import errors
from .models import Person
from .validation import phone_digits_for_search


def person_get_by_public_id(public_id: str) -> Person | None:
    """For check-in: resolve the id inside a personal QR code or a remembered device. Not an official's read."""
    try:  # get(), not first(): first() would sort by the model's ordering for a unique key
        return Person.objects.get(public_id=public_id)
    except Person.DoesNotExist:
        return None


def people_visible_q(viewer) -> Q:
    """The filter of people a viewer may see: their area's subtree, and only for roles that see people."""
    if viewer is None or not viewer.is_authenticated:
        return NOTHING
    if not viewer.is_superuser:
        official = getattr(viewer, "official", None)
        if official is None or not official.sees_people:
            return NOTHING
    return scope_q(viewer, "area_path")


_ID_LIKE = re.compile(r"^[A-Za-z0-9]+$")


def person_list(*, viewer, q: str = "", ip: str | None = None) -> QuerySet[Person]:
    """People in the viewer's scope, optionally matching `q`; a search is audited as `people.person.searched`.

    `q` matches the name without diacritics or case ("nguyen van a" finds "Nguyễn Văn A"), a phone number
    in any way of writing it ("0912 345", "+84912…"), or the start of a citizen ID, old ID or passport number.
    Browsing without `q` is not audited (it shows only the list columns); opening a record is (person_get).
    """
    people = Person.objects.filter(people_visible_q(viewer)).select_related("address_area")
    q = (q or "").strip()[:100]
    if not q:
        return people
    if viewer is not None and viewer.is_authenticated:
        audit_record(actor=viewer, action="people.person.searched", ip=ip, extra={"q": q})
    compact = re.sub(r"[\s.\-()+]", "", q)
    match = Q(name_folded__contains=fold(q))
    if compact.isdigit():
        match |= Q(citizen_id__startswith=compact) | Q(old_id_number__startswith=compact)
        digits = phone_digits_for_search(compact)
        if len(digits) >= 3:
            match |= Q(phone__contains=digits)
    if _ID_LIKE.match(compact):
        match |= Q(passport_number__startswith=compact.upper())
    return people.filter(match)


def person_get(*, viewer, person_id: int, reason: str, ip: str | None = None) -> Person:
    """One person's record for an official, with the purpose of access; audited as `people.person.viewed`.

    An empty reason is refused (reason_required) before anything is looked up. A person outside the
    viewer's scope and an unknown id give the same not_found, so existence does not leak.
    """
    return _person_read(viewer, person_id, reason, ip, scope=people_visible_q(viewer))


def person_get_for_duty(*, viewer, person_id: int, reason: str, duty: str, ip: str | None = None) -> Person:
    """A person's record for an official whom a record of their own area names as responsible for that person,
    though the person's record is filed elsewhere: `duty` names it ("followups.task:12": the commune that follows
    up the person's declaration, which needs the name and phone to call). The caller has checked that the record
    of the duty is in the viewer's scope. Audited as `people.person.viewed` with the reason and the duty."""
    if not duty:
        raise ApplicationError(errors.REASON_REQUIRED)
    return _person_read(viewer, person_id, reason, ip, scope=Q(), extra={"duty": duty})


def _person_read(viewer, person_id, reason: str, ip: str | None, *, scope: Q, extra: dict | None = None) -> Person:
    reason = " ".join((reason or "").split())
    if not reason:
        raise ApplicationError(errors.REASON_REQUIRED)
    try:
        person_id = int(person_id)
    except (TypeError, ValueError) as exc:
        raise ApplicationError(core_errors.NOT_FOUND) from exc
    person = Person.objects.filter(scope, pk=person_id).select_related("address_area__parent").first()
    if person is None:
        raise ApplicationError(core_errors.NOT_FOUND)
    audit_record(
        actor=viewer,
        action="people.person.viewed",
        obj=person,
        area_path=person.area_path,
        reason=reason,
        ip=ip,
        extra=extra or {},
    )
    return person


def person_duplicates(*, viewer) -> list[dict]:
    """Groups of people in the viewer's scope that share a citizen ID, an old ID, a passport or a phone.

    Each group is {"kind": "citizen_id" | "old_id_number" | "passport_number" | "phone", "value", "people"}.
    A shared phone is often a family, so these are candidates to check, not certain duplicates.
    """
    visible = Person.objects.filter(people_visible_q(viewer))
    groups = []
    for kind in ("citizen_id", "old_id_number", "passport_number", "phone"):
        values = (
            visible.exclude(**{kind: ""})
            .values(kind)
            .annotate(n=Count("id"))
            .filter(n__gt=1)
            .order_by(kind)
            .values_list(kind, flat=True)
        )
        values = list(values[:500])
        if not values:
            continue
        members: dict[str, list[Person]] = {value: [] for value in values}
        for person in visible.filter(**{f"{kind}__in": values}).order_by("id"):
            members[getattr(person, kind)].append(person)
        groups.extend({"kind": kind, "value": value, "people": people} for value, people in members.items())
    if groups and viewer is not None and viewer.is_authenticated:
        audit_record(actor=viewer, action="people.person.duplicates_listed", extra={"groups": len(groups)})
    return groups
