"""Reads of the vaccination domain, scoped to the viewer's area (core.scoping); reads of a person's vaccination
record are audited. `coverage_by_area` is the aggregate other modules (the zone-level rules) call."""

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from phongdich.accounts.models import Official
from phongdich.accounts.permissions import PEOPLE_ROLES, has_role
from phongdich.core import errors as core_errors
from phongdich.core.audit import audit_record
from phongdich.core.dates import local_midnight
from phongdich.core.errors import ApplicationError
from phongdich.core.ids import id_or_404
from phongdich.core.scoping import NOTHING, viewer_area_path
from phongdich.geo.models import Area

from . import errors
from .models import (
    AreaPopulation,
    Dose,
    PriorityGroup,
    Reaction,
    TimeSlot,
    VaccinationRegistration,
    VaccinationSession,
    VaccinationSite,
    VaccineProduct,
)

Role = Official.Role
# Officials who see people of their area, and the staff of vaccination sites (their site's area).
VACCINATION_ROLES = (*PEOPLE_ROLES, Role.VACCINATION_STAFF)
# Who runs sites and sessions, and who records doses (a vaccinator or the health department).
SESSION_ROLES = (Role.PROVINCE_ADMIN, Role.HEALTH_DEPT, Role.VACCINATION_STAFF)
DOSE_ROLES = (Role.HEALTH_DEPT, Role.VACCINATION_STAFF)

# Age bands of coverage (issue 5; QĐ 4800/QĐ-BYT uses 18+ with ≥1 dose, 65+ and 50+ fully vaccinated: RULES.md §4.2).
BANDS = (18, 50, 65)


def records_doses(viewer) -> bool:
    """The site's check-in and the dose pages are for DOSE_ROLES: the officials who only follow the area's sessions
    are not offered them (the pages' links ask this, the pages check the roles themselves)."""
    return has_role(viewer, *DOSE_ROLES)


def visible_q(viewer, *fields: str) -> Q:
    """Rows whose area path in any of `fields` is inside the viewer's area, for vaccination roles only."""
    if not has_role(viewer, *VACCINATION_ROLES):
        return NOTHING
    path = viewer_area_path(viewer)
    if path is None:
        return NOTHING
    if path == "":
        return Q()
    q = NOTHING
    for name in fields:
        q |= Q(**{f"{name}__startswith": path})
    return q


def registrations_visible_q(viewer) -> Q:
    return visible_q(viewer, "area_path", "site_area_path")


def doses_visible_q(viewer) -> Q:
    return visible_q(viewer, "area_path", "site_area_path")


# --- reference data (public) ---------------------------------------------------------------------------------


def priority_groups() -> QuerySet[PriorityGroup]:
    return PriorityGroup.objects.filter(active=True).order_by("order", "code")


def products() -> QuerySet[VaccineProduct]:
    return VaccineProduct.objects.filter(active=True).order_by("name")


def sites_visible(*, viewer) -> QuerySet[VaccinationSite]:
    return VaccinationSite.objects.filter(visible_q(viewer, "area_path")).select_related("area")


def site_get(*, viewer, site_id) -> VaccinationSite:
    site = sites_visible(viewer=viewer).filter(pk=id_or_404(site_id)).first()
    if site is None:
        raise ApplicationError(core_errors.NOT_FOUND)
    return site


def sessions_open(
    *, now: dt.datetime | None = None, area_path: str = "", days: int = 30
) -> QuerySet[VaccinationSession]:
    """Sessions from now on at active sites (public: no personal data), with their slots that have not ended:
    today's session keeps only its later slots and is gone once its last has ended, as booking refuses them
    (services.slot_over)."""
    local = timezone.localtime(now or timezone.now())
    today, time_now = local.date(), local.time()
    sessions = VaccinationSession.objects.filter(
        Q(date__gt=today) | Q(date=today, slots__ends_at__gt=time_now),
        date__lte=today + dt.timedelta(days=days),
        site__active=True,
    ).distinct()
    if area_path:
        sessions = sessions.filter(site__area_path__startswith=area_path)
    open_slots = TimeSlot.objects.filter(Q(session__date__gt=today) | Q(ends_at__gt=time_now)).order_by("starts_at")
    return (
        sessions.select_related("site", "product")
        .order_by("date", "site__name", "id")
        .prefetch_related(Prefetch("slots", queryset=open_slots))
    )


def sessions_visible(*, viewer, date_from: dt.date | None = None) -> QuerySet[VaccinationSession]:
    sessions = VaccinationSession.objects.filter(visible_q(viewer, "site__area_path"))
    if date_from is not None:
        sessions = sessions.filter(date__gte=date_from)
    return sessions.select_related("site", "product").order_by("date", "site__name", "id")


def session_get(*, viewer, session_id) -> VaccinationSession:
    session = sessions_visible(viewer=viewer).filter(pk=id_or_404(session_id)).first()
    if session is None:
        raise ApplicationError(core_errors.NOT_FOUND)
    return session


def session_bookings(*, viewer, session: VaccinationSession, ip: str | None = None) -> list[tuple[TimeSlot, list]]:
    """Each slot of a session with the registrations holding it (names: audited as a list read)."""
    slots = list(session.slots.order_by("starts_at", "id"))
    holding = (
        VaccinationRegistration.objects.filter(
            slot__session=session, status__in=[*VaccinationRegistration.HOLDING, "vaccinated"]
        )
        .select_related("person", "priority_group")
        .order_by("slot_id", "person__name_folded", "id")
    )
    by_slot: dict[int, list] = {slot.pk: [] for slot in slots}
    for registration in holding:
        by_slot.setdefault(registration.slot_id, []).append(registration)
    audit_record(
        actor=viewer,
        action="vaccination.session.bookings_viewed",
        obj=session,
        area_path=session.site.area_path,
        ip=ip,
        extra={"people": sum(len(v) for v in by_slot.values())},
    )
    return [(slot, by_slot.get(slot.pk, [])) for slot in slots]


def registrations_list(
    *, viewer, status: str = "registered", priority_group: PriorityGroup | None = None, area: Area | None = None
) -> QuerySet[VaccinationRegistration]:
    """Registrations in the viewer's area, by priority then age of the registration (the invitation order)."""
    registrations = VaccinationRegistration.objects.filter(registrations_visible_q(viewer))
    if status and status != "all":
        registrations = registrations.filter(status=status)
    if priority_group is not None:
        registrations = registrations.filter(priority_group=priority_group)
    if area is not None:
        registrations = registrations.filter(
            Q(area_path__startswith=area.path) | Q(site_area_path__startswith=area.path)
        )
    return registrations.select_related("person", "priority_group", "slot__session__site").order_by(
        "priority_group__order", "created_at", "id"
    )


# One record read again for an answer that shows it (an API write repeated with its Idempotency-Key,
# core.api.read_again): in the viewer's scope (not_found otherwise), audited as a read of the person's record.


def registration_get(*, viewer, registration_id, ip: str | None = None) -> VaccinationRegistration:
    """One registration of the viewer's area (the person's or the site's); audited `vaccination.registration.viewed`."""
    registration = (
        VaccinationRegistration.objects.filter(registrations_visible_q(viewer), pk=id_or_404(registration_id))
        .select_related("person", "priority_group")
        .first()
    )
    if registration is None:
        raise ApplicationError(core_errors.NOT_FOUND)
    audit_record(
        actor=viewer,
        action="vaccination.registration.viewed",
        obj=registration,
        area_path=registration.area_path,
        ip=ip,
    )
    return registration


def dose_get(*, viewer, dose_id, ip: str | None = None) -> Dose:
    """One dose of the viewer's area (the person's or the site's); audited `vaccination.dose.viewed`."""
    dose = Dose.objects.filter(doses_visible_q(viewer), pk=id_or_404(dose_id)).select_related("product", "site").first()
    if dose is None:
        raise ApplicationError(core_errors.NOT_FOUND)
    audit_record(actor=viewer, action="vaccination.dose.viewed", obj=dose, area_path=dose.area_path, ip=ip)
    return dose


def reaction_get(*, viewer, dose_id, reaction_id, ip: str | None = None) -> Reaction:
    """One reaction after a dose of the viewer's area; audited `vaccination.reaction.viewed`."""
    reaction = Reaction.objects.filter(
        pk=id_or_404(reaction_id), dose__in=Dose.objects.filter(doses_visible_q(viewer), pk=id_or_404(dose_id))
    ).first()
    if reaction is None:
        raise ApplicationError(core_errors.NOT_FOUND)
    audit_record(actor=viewer, action="vaccination.reaction.viewed", obj=reaction, area_path=reaction.area_path, ip=ip)
    return reaction


def area_in_scope(*, viewer, area_id) -> Area | None:
    """An area filter: None for none; not_found outside the viewer's area (as if it did not exist)."""
    if area_id in (None, ""):
        return None
    path = viewer_area_path(viewer)
    area = Area.objects.filter(pk=id_or_404(area_id)).first()
    if area is None or path is None or not area.path.startswith(path):
        raise ApplicationError(core_errors.NOT_FOUND)
    return area


# --- a person's vaccination record ----------------------------------------------------------------------------


@dataclass
class VaccinationState:
    """What a person's doses say: full vaccination and the next dose (docs/vaccination.md "Next dose")."""

    doses: list = field(default_factory=list)
    fully_vaccinated: bool = False
    completed_on: dt.date | None = None
    next_dose_number: int = 1
    next_due_on: dt.date | None = None  # recommended date
    next_earliest_on: dt.date | None = None  # not before (the minimum interval)
    next_is_booster: bool = False
    mixed: bool = False


def doses_of(person, *, until: dt.date | None = None) -> list[Dose]:
    doses = Dose.objects.filter(person=person).select_related("product", "site")
    if until is not None:
        doses = doses.filter(given_on__lte=until)
    return list(doses.order_by("dose_number"))


def dose_inputs_of_persons(person_ids, *, until: dt.date) -> dict[int, tuple]:
    """The doses of each of `person_ids` given on or before `until`, as the status card reads them
    (healthcards.inputs.VaccineDose), in one query however many persons (a move of 500 contacts to quarantine asks
    for all of them at once: cases.services). Persons without a dose are left out. Not audited: the caller reads
    them for a decision about a person whose record it audits."""
    from phongdich.healthcards.inputs import VaccineDose

    found: dict[int, list] = {}
    doses = (
        Dose.objects.filter(person_id__in=list(person_ids), given_on__lte=until)
        .select_related("product")
        .order_by("person_id", "dose_number")
    )
    for dose in doses:
        found.setdefault(dose.person_id, []).append(
            VaccineDose(
                given_on=dose.given_on,
                vaccine=dose.product.code,
                dose_number=dose.dose_number,
                single_dose_vaccine=dose.product.single_dose,
                series_doses=dose.product.series_doses,
            )
        )
    return {person_id: tuple(doses) for person_id, doses in found.items()}


def vaccination_state(doses: list[Dose]) -> VaccinationState:
    """Full vaccination = a dose that completes the primary series (the first product's number of doses; a
    single-dose product completes it at once: RULES.md §5). Next dose while the series is incomplete: the last
    dose's date + its product's intervals; after it, a booster VACCINATION_BOOSTER_DAYS later (0: none)."""
    state = VaccinationState(doses=doses, next_dose_number=len(doses) + 1)
    if not doses:
        return state
    completing = next((dose for dose in doses if dose.completes_series), None)
    state.fully_vaccinated = completing is not None
    state.completed_on = completing.given_on if completing else None
    state.mixed = any(dose.mixed_schedule for dose in doses)
    last = doses[-1]
    if not state.fully_vaccinated:
        recommended = last.product.recommended_interval_days or last.product.min_interval_days or 0
        state.next_due_on = last.given_on + dt.timedelta(days=recommended)
        state.next_earliest_on = last.given_on + dt.timedelta(days=last.product.min_interval_days or 0)
    elif settings.VACCINATION_BOOSTER_DAYS:
        state.next_is_booster = True
        state.next_due_on = last.given_on + dt.timedelta(days=settings.VACCINATION_BOOSTER_DAYS)
        state.next_earliest_on = last.given_on + dt.timedelta(days=settings.VACCINATION_ADDITIONAL_DOSE_MIN_DAYS)
    return state


def vaccination_record(*, viewer, person_id, reason: str = "vaccination", ip: str | None = None) -> dict:
    """A person's doses, reactions and registrations for an official or site staff of the area; audited as
    `vaccination.record.viewed`. A person none of whose records (nor address) is in the viewer's area: not_found."""
    from phongdich.people.models import Person

    person_id = id_or_404(person_id)
    if not has_role(viewer, *VACCINATION_ROLES):
        raise ApplicationError(core_errors.NOT_FOUND)
    person = Person.objects.filter(pk=person_id).first()
    if person is None:
        raise ApplicationError(core_errors.NOT_FOUND)
    path = viewer_area_path(viewer)
    seen = path is not None and (
        person.area_path.startswith(path)
        or Dose.objects.filter(doses_visible_q(viewer), person=person).exists()
        or VaccinationRegistration.objects.filter(registrations_visible_q(viewer), person=person).exists()
    )
    if not seen:
        raise ApplicationError(core_errors.NOT_FOUND)
    audit_record(
        actor=viewer, action="vaccination.record.viewed", obj=person, area_path=person.area_path, reason=reason, ip=ip
    )
    doses = doses_of(person)
    return {
        "person": person,
        "state": vaccination_state(doses),
        "reactions": list(Reaction.objects.filter(dose__person=person).select_related("dose__product")),
        "registrations": list(
            VaccinationRegistration.objects.filter(person=person)
            .select_related("priority_group", "slot__session__site")
            .order_by("-created_at")
        ),
    }


def citizen_record(*, person) -> dict:
    """The citizen's own record (their verified session, people.citizen): no official read, nothing audited
    beyond the one-time-code look-up that proved who they are."""
    doses = doses_of(person)
    return {
        "person": person,
        "state": vaccination_state(doses),
        "reactions": list(Reaction.objects.filter(dose__person=person).select_related("dose__product")),
        "registrations": list(
            VaccinationRegistration.objects.filter(person=person)
            .select_related("priority_group", "slot__session__site", "slot__session__product")
            .order_by("-created_at")
        ),
    }


# --- coverage -------------------------------------------------------------------------------------------------


@dataclass
class BandCoverage:
    band: int
    people: int  # the denominator: known people of the band, or the official figure (AreaPopulation)
    known_people: int  # people of the band known to the system
    at_least_one: int
    fully: int
    official_population: bool = False

    @property
    def share_one(self) -> float | None:
        return round(100 * self.at_least_one / self.people, 1) if self.people else None

    @property
    def share_full(self) -> float | None:
        return round(100 * self.fully / self.people, 1) if self.people else None


@dataclass
class AreaCoverage:
    area: Area
    bands: dict[int, BandCoverage]
    unknown_age: int = 0  # people known without a birth year: in no band


def _in_band_q(band: int, at: dt.date) -> Q:
    """Age ≥ band at `at`: with a date of birth, the birthday has passed; with a birth year only, the age reached
    in `at`'s calendar year (the 2021 campaigns said "born in 2003 or before" for 18+: docs/vaccination.md)."""
    try:
        cutoff = at.replace(year=at.year - band)
    except ValueError:  # 29 February
        cutoff = at.replace(year=at.year - band, day=28)
    return Q(birth_date__lte=cutoff) | Q(birth_date__isnull=True, birth_year__lte=at.year - band)


def coverage_by_area(*, user, parent_area: Area, at: dt.date | dt.datetime | None = None) -> list[AreaCoverage]:
    """Coverage of each child area of `parent_area` (its communes, or districts) at the date `at`: per age band
    (18+, 50+, 65+) the people, those with at least one dose given by `at` and those fully vaccinated by `at`.

    `parent_area` must be inside the user's area (else not_found; a commune official asks for their commune and
    gets one row, the commune itself, when it has no children). People are counted where they live
    (Person.area_path). The denominator is the people known to the system, or the area's AreaPopulation figure for
    the band when the province has set one. One query for the counts, one for the official figures. No personal
    data leaves this function.
    """
    from phongdich.people.models import Person

    if not has_role(user, *VACCINATION_ROLES):
        raise ApplicationError(core_errors.PERMISSION_DENIED)
    path = viewer_area_path(user)
    if path is None or not parent_area.path.startswith(path):
        raise ApplicationError(core_errors.NOT_FOUND)
    if at is None:
        at = timezone.localdate()
    elif isinstance(at, dt.datetime):
        at = timezone.localtime(at).date() if timezone.is_aware(at) else at.date()
    if at.year < 1900:
        raise ApplicationError(errors.INVALID_COVERAGE_QUERY, extra={"at": at.isoformat()})
    children = list(Area.objects.filter(parent=parent_area).order_by("code")) or [parent_area]
    child_case = Case(
        *[When(area_path__startswith=child.path, then=Value(child.pk)) for child in children],
        default=Value(None),
        output_field=IntegerField(),
    )
    one_dose = Exists(Dose.objects.filter(person=OuterRef("pk"), given_on__lte=at))
    full = Exists(Dose.objects.filter(person=OuterRef("pk"), given_on__lte=at, completes_series=True))
    aggregates = {"unknown_age": Count("id", filter=Q(birth_date__isnull=True, birth_year__isnull=True))}
    for band in BANDS:
        in_band = _in_band_q(band, at)
        aggregates[f"p{band}"] = Count("id", filter=in_band)
        aggregates[f"o{band}"] = Count("id", filter=in_band & Q(has_one=True))
        aggregates[f"f{band}"] = Count("id", filter=in_band & Q(has_full=True))
    rows = (
        Person.objects.filter(area_path__startswith=parent_area.path)
        .annotate(child=child_case, has_one=one_dose, has_full=full)
        .exclude(child=None)
        .values("child")
        .order_by()
        .annotate(**aggregates)
    )
    by_child = {row["child"]: row for row in rows}
    official = {
        (population.area_id, int(population.band)): population.population
        for population in AreaPopulation.objects.filter(area__in=children)
    }
    result = []
    for child in children:
        row = by_child.get(child.pk, {})
        bands = {}
        for band in BANDS:
            known = row.get(f"p{band}", 0)
            figure = official.get((child.pk, band))
            bands[band] = BandCoverage(
                band=band,
                people=figure if figure is not None else known,
                known_people=known,
                at_least_one=row.get(f"o{band}", 0),
                fully=row.get(f"f{band}", 0),
                official_population=figure is not None,
            )
        result.append(AreaCoverage(area=child, bands=bands, unknown_age=row.get("unknown_age", 0)))
    return result


def coverage_total(rows: list[AreaCoverage]) -> dict[int, BandCoverage]:
    """The sum of the rows, per band (the parent area's line)."""
    total = {}
    for band in BANDS:
        total[band] = BandCoverage(
            band=band,
            people=sum(row.bands[band].people for row in rows),
            known_people=sum(row.bands[band].known_people for row in rows),
            at_least_one=sum(row.bands[band].at_least_one for row in rows),
            fully=sum(row.bands[band].fully for row in rows),
            official_population=any(row.bands[band].official_population for row in rows),
        )
    return total


# --- reactions after vaccination (AEFI surveillance) -----------------------------------------------------------

# Listed first: what must be reported and followed up at once (docs/vaccination.md "Reactions").
GRAVE_SEVERITIES = (Reaction.Severity.SERIOUS, Reaction.Severity.SEVERE)


def reactions_visible_q(viewer) -> Q:
    """Reactions after doses of the viewer's area: the person's or the site's (as the doses themselves)."""
    return visible_q(viewer, "area_path", "dose__site_area_path")


def reactions_list(
    *, viewer, severity: str = "", onset_from: dt.date | None = None, onset_to: dt.date | None = None
) -> QuerySet[Reaction]:
    """The reactions of the viewer's area, the graver first, then the latest onset first. `severity`: one value of
    Reaction.Severity, "grave" (serious and severe) or "" (all). A filter that cannot be applied (another severity,
    an end before the start) is invalid_reaction_filter, never an unfiltered list."""
    if severity not in ("", "grave", *Reaction.Severity.values):
        raise ApplicationError(errors.INVALID_REACTION_FILTER, extra={"field": "severity"})
    _period_check(onset_from, onset_to, field="onset_to")
    rows = Reaction.objects.filter(reactions_visible_q(viewer))
    if severity == "grave":
        rows = rows.filter(severity__in=GRAVE_SEVERITIES)
    elif severity:
        rows = rows.filter(severity=severity)
    if onset_from:
        rows = rows.filter(onset_at__gte=local_midnight(onset_from))
    if onset_to:
        rows = rows.filter(onset_at__lt=local_midnight(onset_to + dt.timedelta(days=1)))
    graver_first = Case(
        When(severity=Reaction.Severity.SERIOUS, then=Value(0)),
        When(severity=Reaction.Severity.SEVERE, then=Value(1)),
        When(severity=Reaction.Severity.MODERATE, then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )
    return rows.select_related("dose__product", "dose__site", "dose__person").order_by(graver_first, "-onset_at", "-id")


@dataclass
class LotReactions:
    product: str
    lot: str
    doses: int
    by_severity: dict[str, int]

    @property
    def reactions(self) -> int:
        return sum(self.by_severity.values())

    @property
    def grave(self) -> int:
        return sum(self.by_severity.get(severity, 0) for severity in GRAVE_SEVERITIES)

    @property
    def grave_per_100000(self) -> float | None:
        """Grave reactions per 100,000 doses of the lot given in the area and period: a lot far above the others is
        what the surveillance looks for."""
        return round(self.grave * 100_000 / self.doses, 1) if self.doses else None


def reactions_by_lot(
    *, viewer, given_from: dt.date | None = None, given_to: dt.date | None = None
) -> list[LotReactions]:
    """Per vaccine lot with reactions: for the doses of that lot given in the viewer's area in the period (given_on),
    their number and their reactions by severity, so that lots are compared by rate, not by count. Numerator and
    denominator are the same doses: a reaction counts with the period its dose was given in, whatever its onset.
    Two grouped queries. A period that ends before it starts is invalid_reaction_filter."""
    _period_check(given_from, given_to, field="given_to")
    reactions = Reaction.objects.filter(reactions_visible_q(viewer))
    doses = Dose.objects.filter(doses_visible_q(viewer))
    if given_from:
        reactions = reactions.filter(dose__given_on__gte=given_from)
        doses = doses.filter(given_on__gte=given_from)
    if given_to:
        reactions = reactions.filter(dose__given_on__lte=given_to)
        doses = doses.filter(given_on__lte=given_to)
    counted = reactions.values("dose__product_id", "dose__product__name", "dose__lot", "severity").annotate(
        n=Count("id")
    )
    lots: dict[tuple[int, str], LotReactions] = {}
    for row in counted:
        key = (row["dose__product_id"], row["dose__lot"])
        lot = lots.setdefault(key, LotReactions(row["dose__product__name"], row["dose__lot"], 0, {}))
        lot.by_severity[row["severity"]] = row["n"]
    if not lots:
        return []
    for row in doses.filter(lot__in={lot for _, lot in lots}).values("product_id", "lot").annotate(n=Count("id")):
        if (row["product_id"], row["lot"]) in lots:
            lots[(row["product_id"], row["lot"])].doses = row["n"]
    return sorted(lots.values(), key=lambda lot: (-lot.grave, -lot.reactions, lot.product, lot.lot))


def _period_check(start: dt.date | None, end: dt.date | None, *, field: str) -> None:
    if start and end and start > end:
        raise ApplicationError(errors.INVALID_REACTION_FILTER, extra={"field": field})
