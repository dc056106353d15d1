"""Reads of people. Every read an official makes of a person's record is audited (see person_get).

There is no unscoped way to list people: every selector here takes the viewer and filters with
core.scoping.scope_q; venue roles (manager, control staff) see nobody (Official.sees_people).
"""

import datetime as dt
import re
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.core import signing
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from phongdich.core import errors as core_errors
from phongdich.core.audit import audit_record
from phongdich.core.errors import ApplicationError
from phongdich.core.scoping import NOTHING, area_visible, scope_q
from phongdich.core.text import fold
from phongdich.core.throttling import SimpleRateThrottle

from . import errors
from .models import Person
from .validation import normalise_phone, phone_digits_for_search


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


# --- An exact look-up beyond the viewer's area ------------------------------------------------------------------
#
# People cross commune lines (workplaces, markets, families): a case's interview names someone who lives elsewhere,
# and that contact must be the record their own commune follows, not a second one typed in the investigator's
# commune. An exact identifier finds them anywhere on the platform (a deployment is one province's, and a visitor
# recorded here under a commune of another province is followed from here too); the answer shows only what
# confirms the person (initials, year of birth, commune), each look-up is audited with its purpose and capped per
# official (RATE_LIMIT_PERSON_IDENTIFY), so that it cannot sweep numbers. A partial search stays in the area
# (person_list). docs/cases.md, "A contact who lives in another area".

IDENTIFIED_MAX = 5  # matches shown for one number (a family sharing a phone); more is a number to check, not a list
IDENTIFIED_REF_MAX_AGE = 3600  # seconds: the choice is posted within the interview it was looked up for
_IDENTIFIED_SALT = "people.person_identified"


class PersonIdentifyThrottle(SimpleRateThrottle):
    """Exact look-ups per official (page and API together), whatever address they work from."""

    scope = "person_identify"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}

    def paused_until(self) -> dt.datetime:
        """After allow_request refused: when the next look-up is allowed, once the oldest of the look-ups still counted
        leaves the window (DRF keeps their times, newest first, and counts those within `duration`)."""
        counted = self.history[self.num_requests - 1] if 0 < self.num_requests <= len(self.history) else self.now
        return dt.datetime.fromtimestamp(counted + self.duration, tz=dt.UTC)


@dataclass(frozen=True)
class PersonIdentified:
    """One person an exact look-up found, as shown to an official who may not see their record: `ref` names them
    for this official and purpose only (person_identified_get)."""

    ref: str
    initials: str
    birth_year: int | None
    commune: str
    in_viewer_area: bool
    person: Person = field(repr=False, compare=False)


def identifier_exact(text: str) -> tuple[str, str] | None:
    """(field, value) when `text` is a whole identifier: a CCCD (12 digits), a CMND (9 digits) or a Vietnamese
    mobile number (normalised to E.164, as people are stored); None for anything else (a name, part of a number)."""
    compact = re.sub(r"[\s.\-()]", "", text or "")
    if compact.isascii() and compact.isdigit() and len(compact) == 12:
        return "citizen_id", compact
    if compact.isascii() and compact.isdigit() and len(compact) == 9:
        return "old_id_number", compact
    try:
        return "phone", normalise_phone(compact)
    except ApplicationError:
        return None


def _sees_people(viewer) -> bool:
    return people_visible_q(viewer) is not NOTHING


def _commune_name(person: Person) -> str:
    if person.address_area is not None:
        return person.address_area.name
    from phongdich.geo.models import Area

    return Area.objects.filter(path=person.area_path).values_list("name", flat=True).first() or ""


def identifier_searched_audit(*, actor, found, details: dict, reason: str, ip: str | None) -> None:
    """`people.person.identifier_searched` on each record `found` by an exact number (its area, so the person's own
    commune sees who looked them up and why), or once without a record (`found`: 0) when nobody has it; `details`
    names the number's kind and value and the purpose (person_identify, services.person_for_staff_entry)."""
    if not found:
        audit_record(
            actor=actor, action="people.person.identifier_searched", reason=reason, ip=ip, extra={**details, "found": 0}
        )
    for person in found:
        audit_record(
            actor=actor,
            action="people.person.identifier_searched",
            obj=person,
            area_path=person.area_path,
            reason=reason,
            ip=ip,
            extra=details,
        )


def person_identify(*, viewer, identifier: str, purpose: str, reason: str, ip: str | None = None):
    """The people whose CCCD, CMND or phone is exactly `identifier`, anywhere on the platform, as PersonIdentified
    (at most IDENTIFIED_MAX, oldest record first). `purpose` names what the look-up is for ("cases.case:12"); each
    `ref` is valid for this viewer and purpose only, for IDENTIFIED_REF_MAX_AGE seconds.

    Refused: a viewer who sees no people (permission_denied); an identifier that is not a whole one
    (identifier_not_exact, 400: a partial search stays in the area, person_list); more than
    RATE_LIMIT_PERSON_IDENTIFY look-ups by this official (rate_limited, 429, `extra.until`: the time it resumes, in
    the message too). Audited as
    `people.person.identifier_searched` (a read: kept when the request's write is rolled back) on each record found
    (its area, so the person's own commune sees who looked them up and why), or once without a record when nobody
    has the number; the entry keeps the number looked up and the purpose."""
    if not _sees_people(viewer):
        raise ApplicationError(core_errors.PERMISSION_DENIED)
    reason = " ".join((reason or "").split())
    if not reason or not purpose:
        raise ApplicationError(errors.REASON_REQUIRED)
    exact = identifier_exact(identifier)
    if exact is None:
        raise ApplicationError(errors.IDENTIFIER_NOT_EXACT, extra={"field": "identifier"})
    throttle = PersonIdentifyThrottle()
    if not throttle.allow_request(SimpleNamespace(user=viewer), None):
        # The time it resumes, not "later": a tired official told only "try again" enters the person anew.
        until = timezone.localtime(throttle.paused_until(), timezone.get_default_timezone())
        shown = until.strftime("%H:%M %d/%m/%Y")
        raise ApplicationError(
            core_errors.RATE_LIMITED,
            extra={
                "scope": "person_identify",
                "until": until.isoformat(),
                "retry_after_seconds": max(1, int((until - timezone.now()).total_seconds()) + 1),
            },
            vi=f"Bạn đã tra cứu theo số giấy tờ hoặc số điện thoại quá nhiều lần: việc tra cứu tạm dừng đến {shown}.",
            en=f"You have looked people up by ID or phone number too many times: look-ups are paused until {shown}.",
        )
    kind, value = exact
    found = list(Person.objects.filter(**{kind: value}).select_related("address_area").order_by("id")[:IDENTIFIED_MAX])
    identifier_searched_audit(
        actor=viewer, found=found, details={"kind": kind, "value": value, "purpose": purpose}, reason=reason, ip=ip
    )
    answers = []
    for person in found:
        ref = signing.dumps({"p": person.pk, "u": viewer.pk, "for": purpose}, salt=_IDENTIFIED_SALT)
        answers.append(
            PersonIdentified(
                ref=ref,
                initials=person.initials,
                birth_year=person.birth_year,
                commune=_commune_name(person),
                in_viewer_area=area_visible(viewer, person.area_path),
                person=person,
            )
        )
    return answers


def person_identified_get(*, viewer, ref: str, purpose: str, reason: str, ip: str | None = None) -> Person:
    """The person that this viewer's exact look-up for `purpose` found (a `ref` of person_identify), wherever they
    live: for naming them (a case's contact), not for showing their record. A ref that is not one (forged, another
    official's, for another purpose, older than IDENTIFIED_REF_MAX_AGE) is not_found, as an id out of the area is.
    Audited as `people.person.viewed` with `extra.identified` the purpose."""
    if not _sees_people(viewer):
        raise ApplicationError(core_errors.NOT_FOUND)
    try:
        data = signing.loads(ref or "", salt=_IDENTIFIED_SALT, max_age=IDENTIFIED_REF_MAX_AGE)
    except signing.BadSignature as exc:
        raise ApplicationError(core_errors.NOT_FOUND) from exc
    if not isinstance(data, dict) or data.get("u") != viewer.pk or data.get("for") != purpose:
        raise ApplicationError(core_errors.NOT_FOUND)
    return _person_read(viewer, data.get("p"), reason, ip, scope=Q(), extra={"identified": purpose})
