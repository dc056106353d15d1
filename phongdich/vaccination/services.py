"""Writes of the vaccination domain. Each function validates everything first, runs in one transaction (nothing
is half-written), locks the rows whose counts it changes, writes the audit record, and queues messages and
status-card refreshes only after the commit. docs/vaccination.md describes the flows."""

import datetime as dt
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from phongdich.accounts.permissions import has_role
from phongdich.core import errors as core_errors
from phongdich.core.audit import audit_record
from phongdich.core.errors import ApplicationError
from phongdich.core.ids import id_or_404
from phongdich.core.scoping import area_visible
from phongdich.geo.models import Area

from . import errors
from .models import (
    Dose,
    Invitation,
    PriorityGroup,
    Reaction,
    TimeSlot,
    VaccinationRegistration,
    VaccinationSession,
    VaccinationSite,
    VaccineProduct,
)
from .selectors import DOSE_ROLES, SESSION_ROLES, VACCINATION_ROLES, registrations_visible_q

Status = VaccinationRegistration.Status
# A lot number as printed on the vial and its carton: upper-case letters and digits, at times a hyphen, a dot or a
# slash (e.g. AstraZeneca "ABV5811", Pfizer "FF2588"), never a space. Our choice (docs/vaccination.md "Lot
# numbers"): what desks type is folded to that form (lot_normalise), so one lot is one lot in the rates.
LOT_RE = re.compile(r"^[A-Z0-9][A-Z0-9./-]{0,39}$")
# No COVID-19 vaccine was given anywhere before December 2020; an earlier date is a typing error.
EARLIEST_DOSE_DATE = dt.date(2020, 12, 1)
MAX_SLOTS = 48
MAX_CAPACITY = 10_000
SYMPTOMS_MAX = 500
NOTES_MAX = 2000
# A reported reaction may be dated up to this long after the dose (later ones are not reactions to it).
REACTION_MAX_DAYS = 42
# extra.fields' messages of invalid_input.
SITE_NAME_LENGTH = core_errors.field_message(
    "Tên điểm tiêm phải có từ 1 đến 200 ký tự.", "The site's name must have 1 to 200 characters."
)
BIRTH_DATE_FUTURE = core_errors.field_message(
    "Ngày sinh không được sau hôm nay.", "The date of birth cannot be after today."
)


def _require(actor, roles) -> None:
    if not has_role(actor, *roles):
        raise ApplicationError(core_errors.PERMISSION_DENIED)


def _field_error(code, field_name: str, vi: str, en: str) -> ApplicationError:
    return ApplicationError(code, extra={"field": field_name}, vi=f"{code.vi} {vi}", en=f"{code.en} {en}")


def _today() -> dt.date:
    return timezone.localdate()


# --- products and the EU DCC value sets -----------------------------------------------------------------------


def product_check(product: VaccineProduct) -> VaccineProduct:
    """The product, if it is active and its mp, ma and vp codes are active codes of the EU DCC value sets
    (certificates/valuesets): a certificate can only be issued from a dose whose codes exist there."""
    from phongdich.certificates.valuesets import vaccine_manufacturers, vaccine_products, vaccine_prophylaxis

    if (
        not product.active
        or product.medicinal_product not in vaccine_products()
        or product.manufacturer not in vaccine_manufacturers()
        or product.prophylaxis not in vaccine_prophylaxis()
    ):
        raise ApplicationError(errors.UNKNOWN_PRODUCT, extra={"product": product.code})
    return product


def product_by_code(code: str) -> VaccineProduct:
    product = VaccineProduct.objects.filter(code=str(code)[:40]).first()
    if product is None:
        raise ApplicationError(errors.UNKNOWN_PRODUCT, extra={"product": str(code)[:40]})
    return product_check(product)


def priority_group_by_code(code: str) -> PriorityGroup:
    group = PriorityGroup.objects.filter(code=str(code)[:20], active=True).first()
    if group is None:
        raise ApplicationError(errors.UNKNOWN_PRIORITY_GROUP, extra={"priority_group": str(code)[:20]})
    return group


# --- sites and sessions ---------------------------------------------------------------------------------------


@transaction.atomic
def site_create(*, actor, name: str, area: Area, address: str = "") -> VaccinationSite:
    """A vaccination site in the actor's area (sites are also kept in the admin)."""
    _require(actor, SESSION_ROLES)
    if actor is not None and not area_visible(actor, area.path):
        raise ApplicationError(core_errors.NOT_FOUND)
    name = " ".join((name or "").split())
    if not 1 <= len(name) <= 200:
        raise ApplicationError(core_errors.INVALID_INPUT, extra={"fields": {"name": [SITE_NAME_LENGTH]}})
    site = VaccinationSite.objects.create(name=name, area=area, address=" ".join(address.split())[:255])
    audit_record(actor=actor, action="vaccination.site.created", obj=site, area_path=site.area_path)
    return site


# Our choice: a campaign is planned weeks ahead, with the vaccine lots it has; a session dated 9999 was a typing slip
# that was accepted (fuzzing, 2026-12-06).
SESSION_MAX_DAYS_AHEAD = 366


@transaction.atomic
def session_create(
    *,
    actor,
    site: VaccinationSite,
    date: dt.date,
    product: VaccineProduct,
    slots: list[tuple[dt.time, dt.time, int]],
    notes: str = "",
) -> VaccinationSession:
    """A session of `site` on `date` with time slots (start, end, capacity); its capacity is the slots' sum.

    Refused (invalid_session, `extra.field`): a past date, no slot or more than MAX_SLOTS, a slot ending before it
    starts, overlapping slots, a capacity of 0 or above MAX_CAPACITY. The product must pass product_check.
    """
    _require(actor, SESSION_ROLES)
    if not area_visible(actor, site.area_path):
        raise ApplicationError(core_errors.NOT_FOUND)
    product_check(product)
    if date < _today():
        raise _field_error(errors.INVALID_SESSION, "date", "Ngày đã qua.", "The date is past.")
    if date > _today() + dt.timedelta(days=SESSION_MAX_DAYS_AHEAD):
        raise _field_error(
            errors.INVALID_SESSION,
            "date",
            f"Chỉ lên lịch buổi tiêm trong vòng {SESSION_MAX_DAYS_AHEAD} ngày tới.",
            f"Sessions are planned at most {SESSION_MAX_DAYS_AHEAD} days ahead.",
        )
    if not slots or len(slots) > MAX_SLOTS:
        raise _field_error(errors.INVALID_SESSION, "slots", "Cần 1–48 khung giờ.", "1–48 time slots are needed.")
    ordered = sorted(slots)
    for index, (start, end, capacity) in enumerate(ordered):
        if end <= start:
            raise _field_error(
                errors.INVALID_SESSION,
                "slots",
                "Khung giờ kết thúc trước khi bắt đầu.",
                "A slot ends before it starts.",
            )
        if not 1 <= capacity <= MAX_CAPACITY:
            raise _field_error(
                errors.INVALID_SESSION, "slots", "Sức chứa khung giờ không hợp lệ.", "A slot's capacity is invalid."
            )
        if index and ordered[index - 1][1] > start:
            raise _field_error(errors.INVALID_SESSION, "slots", "Các khung giờ chồng nhau.", "Time slots overlap.")
    capacity = sum(slot[2] for slot in ordered)
    if capacity > MAX_CAPACITY:
        raise _field_error(errors.INVALID_SESSION, "capacity", "Sức chứa quá lớn.", "The capacity is too large.")
    session = VaccinationSession.objects.create(
        site=site, date=date, product=product, capacity=capacity, notes=(notes or "")[:300], created_by=actor
    )
    TimeSlot.objects.bulk_create(
        [TimeSlot(session=session, starts_at=start, ends_at=end, capacity=cap) for start, end, cap in ordered]
    )
    audit_record(
        actor=actor,
        action="vaccination.session.created",
        obj=session,
        area_path=site.area_path,
        extra={"date": date.isoformat(), "product": product.code, "capacity": capacity, "slots": len(ordered)},
    )
    return session


# --- capacity -------------------------------------------------------------------------------------------------


def slot_over(slot: TimeSlot, *, date: dt.date, now: dt.datetime | None = None) -> bool:
    """Whether a slot (of a session on `date`) has ended, in local time: comparing dates alone let people book
    or be invited into this morning's slots in the afternoon, a booking nobody can keep."""
    local = timezone.localtime(now or timezone.now())
    return (date, slot.ends_at) <= (local.date(), local.time())


def _take_place(slot_id: int, *, now: dt.datetime) -> TimeSlot:
    """Take one place in a slot and its session. Must run inside a transaction: both rows are locked (session
    first, then slot, always in this order so that two bookings never wait for each other) and their counts
    rise together, or a 409 is raised and nothing changes."""
    slot = TimeSlot.objects.filter(pk=slot_id).select_related("session__site").first()
    if slot is None:
        raise ApplicationError(core_errors.NOT_FOUND)
    session = VaccinationSession.objects.select_for_update().get(pk=slot.session_id)
    slot = TimeSlot.objects.select_for_update().get(pk=slot_id)
    if (
        slot_over(slot, date=session.date, now=now)
        or not VaccinationSite.objects.filter(pk=session.site_id, active=True).exists()
    ):
        raise ApplicationError(errors.SLOT_CLOSED, extra={"slot": slot_id})
    if slot.booked_count >= slot.capacity:
        raise ApplicationError(errors.SLOT_FULL, extra={"slot": slot_id, "capacity": slot.capacity})
    if session.booked_count >= session.capacity:
        raise ApplicationError(errors.SESSION_FULL, extra={"session": session.pk, "capacity": session.capacity})
    VaccinationSession.objects.filter(pk=session.pk).update(booked_count=F("booked_count") + 1)
    TimeSlot.objects.filter(pk=slot.pk).update(booked_count=F("booked_count") + 1)
    slot.booked_count += 1
    slot.session = session
    return slot


def _free_place(slot_id: int) -> None:
    """Give back one place of a slot and its session (same lock order as _take_place)."""
    slot = TimeSlot.objects.filter(pk=slot_id).only("session_id").first()
    if slot is None:
        return
    VaccinationSession.objects.select_for_update().filter(pk=slot.session_id).update(booked_count=F("booked_count") - 1)
    TimeSlot.objects.select_for_update().filter(pk=slot_id).update(booked_count=F("booked_count") - 1)


def _slot_text(slot: TimeSlot) -> str:
    session = slot.session
    return (
        f"{session.site.name}, ngày {session.date:%d/%m/%Y}, {slot.starts_at:%H:%M}–{slot.ends_at:%H:%M}"
        f" ({session.product.name})"
    )


# --- registration ---------------------------------------------------------------------------------------------


@dataclass
class RegistrationReceipt:
    """What a registration answers. A citizen sees only what they typed and `slot_text` of the place they asked
    for, whether or not the person was known (no enumeration); an official also gets the registration."""

    registration: VaccinationRegistration | None
    slot_text: str = ""
    created: bool = False
    warnings: list[str] = field(default_factory=list)


def _registration_new(*, person, group, dose_number, via, actor, preferred_site, preferred_area, now):
    site_path = preferred_site.area_path if preferred_site else (preferred_area.path if preferred_area else "")
    return VaccinationRegistration.objects.create(
        person=person,
        priority_group=group,
        dose_number=dose_number,
        preferred_site=preferred_site,
        preferred_area=preferred_area,
        area_path=person.area_path,
        site_area_path=site_path,
        registered_via=via,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        created_at=now,
    )


def registration_submit(
    *,
    actor,
    full_name: str,
    phone: str,
    birth_date: dt.date,
    area: Area,
    priority_group: str,
    citizen_id: str = "",
    address_street: str = "",
    preferred_site: VaccinationSite | None = None,
    slot_id: int | None = None,
    now: dt.datetime | None = None,
) -> RegistrationReceipt:
    """Register a person for vaccination: the citizen page (actor None) or an official for someone (actor).

    The person is found or created by people.services.person_find_or_create (same phone, name and birth year);
    an official's entry first by the exact CCCD, wherever the person lives (person_for_staff_entry: audited, a name
    or birth date that differs is a warning on `receipt.registration.person`, the record unchanged).
    With `slot_id` the slot is booked at once (slot_full / session_full 409 when it is full; checked before the
    person is looked up, so the answer does not depend on who it is). A person who already has a registration in
    progress keeps it: a citizen gets the same answer as anyone (and an SMS to the phone on record says so); an
    official gets already_registered (409). Every change is in one transaction; the SMS goes after the commit.
    """
    from phongdich.notifications.services import notify
    from phongdich.people.models import Person
    from phongdich.people.services import person_find_or_create, person_for_staff_entry, person_update

    citizen = actor is None
    if not citizen:
        _require(actor, VACCINATION_ROLES)
        if not area_visible(actor, area.path):
            raise ApplicationError(core_errors.NOT_FOUND)
    group = priority_group_by_code(priority_group)
    if birth_date > _today():
        raise ApplicationError(core_errors.INVALID_INPUT, extra={"fields": {"birth_date": [BIRTH_DATE_FUTURE]}})
    now = now or timezone.now()
    try:
        with transaction.atomic():
            slot = _take_place(id_or_404(slot_id), now=now) if slot_id else None
            if slot is not None:
                preferred_site = slot.session.site
            if citizen:
                person = person_find_or_create(
                    full_name=full_name,
                    phone=phone,
                    birth_year=birth_date.year,
                    citizen_id=citizen_id,
                    area_path=area.path,
                    address_area=area,
                    address_street=address_street,
                    created_via=Person.CreatedVia.SELF_REGISTRATION,
                )
            else:
                # A vaccination team's entry: the record with that exact CCCD wherever it is (audited), never a
                # second one; a name or birth date that differs is a warning (`person.identity_differs`).
                person = person_for_staff_entry(
                    actor=actor,
                    purpose="vaccination.registration",
                    reason="Đăng ký tiêm chủng",
                    full_name=full_name,
                    phone=phone,
                    birth_year=birth_date.year,
                    birth_date=birth_date,
                    citizen_id=citizen_id,
                    area_path=area.path,
                    address_area=area,
                    address_street=address_street,
                    created_via=Person.CreatedVia.OFFICIAL,
                )
            if person.birth_date is None and getattr(person, "identity_differs", None) is None:
                # Fill in a missing date of birth only (never change a recorded one from a public form).
                person = person_update(actor=None, person=person, birth_date=birth_date)
            existing = VaccinationRegistration.objects.select_for_update().filter(
                person=person, status__in=VaccinationRegistration.ACTIVE
            )
            if existing.exists():
                if not citizen:
                    raise ApplicationError(errors.ALREADY_REGISTERED, extra={"registration": existing.first().pk})
                # The citizen's answer stays the same; the place taken is given back (the exception rolls the block
                # back); the owner of the phone on record learns it by SMS.
                raise _KeepExisting(person=person, slot_text=_slot_text(slot) if slot else "")
            else:
                registration = _registration_new(
                    person=person,
                    group=group,
                    dose_number=_doses_count(person) + 1,
                    via=VaccinationRegistration.Via.CITIZEN if citizen else VaccinationRegistration.Via.OFFICIAL,
                    actor=actor,
                    preferred_site=preferred_site,
                    preferred_area=None if preferred_site else area,
                    now=now,
                )
                if slot is not None:
                    registration.slot = slot
                    registration.status = Status.BOOKED
                    registration.site_area_path = slot.session.site.area_path
                    registration.save(update_fields=["slot", "status", "site_area_path"])
                audit_record(
                    actor=actor,
                    action="vaccination.registration.created",
                    obj=registration,
                    area_path=registration.area_path,
                    extra={"via": registration.registered_via, "group": group.code, "slot": slot.pk if slot else None},
                )
                # SMS texts without diacritics: one GSM-7 message holds 160 of them, against 70 in UCS-2.
                text = "Phong Dich: Da nhan dang ky tiem vac xin COVID-19."
                if slot is not None:
                    text += " Lich tiem: " + _slot_text(slot) + "."
                else:
                    text += " Ban se nhan tin nhan moi tiem khi co lich."
                notify(phone=person.phone, text=text, kind="vaccination_registered", person=person)
                return RegistrationReceipt(
                    registration=registration, slot_text=_slot_text(slot) if slot else "", created=True
                )
    except _KeepExisting as keep:
        with transaction.atomic():
            notify(
                phone=keep.person.phone,
                text="Phong Dich: Ban da co mot dang ky tiem vac xin dang cho. Xem tai trang Tiem chung cua toi.",
                kind="vaccination_registered",
                person=keep.person,
            )
        return RegistrationReceipt(registration=None, slot_text=keep.slot_text)


class _KeepExisting(Exception):
    def __init__(self, *, person, slot_text: str):
        super().__init__("registration in progress")
        self.person = person
        self.slot_text = slot_text


def _doses_count(person) -> int:
    return Dose.objects.filter(person=person).count()


def _registration_locked(*, actor, registration_id) -> VaccinationRegistration:
    registration = (
        VaccinationRegistration.objects.select_for_update()
        .filter(registrations_visible_q(actor), pk=id_or_404(registration_id))
        .first()
    )
    if registration is None:
        raise ApplicationError(core_errors.NOT_FOUND)
    return registration


def registration_book(*, actor, registration_id, slot_id, now: dt.datetime | None = None) -> VaccinationRegistration:
    """Book a waiting registration into a slot (an official on the phone with the person). 409 when full."""
    _require(actor, VACCINATION_ROLES)
    now = now or timezone.now()
    with transaction.atomic():
        registration = _registration_locked(actor=actor, registration_id=registration_id)
        if registration.status != Status.REGISTERED:
            raise ApplicationError(errors.REGISTRATION_NOT_WAITING, extra={"status": registration.status})
        slot = _take_place(id_or_404(slot_id), now=now)
        if not area_visible(actor, slot.session.site.area_path):
            raise ApplicationError(core_errors.NOT_FOUND)
        registration.slot = slot
        registration.status = Status.BOOKED
        registration.site_area_path = slot.session.site.area_path
        registration.save(update_fields=["slot", "status", "site_area_path"])
        audit_record(
            actor=actor,
            action="vaccination.registration.booked",
            obj=registration,
            area_path=registration.area_path,
            extra={"slot": slot.pk},
        )
    return registration


def registration_cancel(
    *, actor=None, registration_id, citizen_person=None, now: dt.datetime | None = None
) -> VaccinationRegistration:
    """Cancel a registration in progress and give its place back. An official of the area (actor) or the citizen
    whose registration it is (citizen_person, from their verified session). Vaccinated or cancelled: 409."""
    now = now or timezone.now()
    with transaction.atomic():
        if citizen_person is not None:
            registration = (
                VaccinationRegistration.objects.select_for_update()
                .filter(pk=id_or_404(registration_id), person=citizen_person)
                .first()
            )
            if registration is None:
                raise ApplicationError(core_errors.NOT_FOUND)
        else:
            _require(actor, VACCINATION_ROLES)
            registration = _registration_locked(actor=actor, registration_id=registration_id)
        if registration.status not in VaccinationRegistration.ACTIVE:
            raise ApplicationError(errors.REGISTRATION_CLOSED, extra={"status": registration.status})
        if registration.status in VaccinationRegistration.HOLDING:
            _free_place(registration.slot_id)
        Invitation.objects.filter(registration=registration, responded=False).update(responded=True)
        registration.status = Status.CANCELLED
        registration.cancelled_at = now
        registration.save(update_fields=["status", "cancelled_at"])
        audit_record(
            actor=actor,
            action="vaccination.registration.cancelled",
            obj=registration,
            area_path=registration.area_path,
            extra={"by": "citizen" if citizen_person is not None else "official"},
        )
    return registration


# --- invitations ----------------------------------------------------------------------------------------------


def invitations_send(
    *,
    actor,
    session_id,
    priority_group: PriorityGroup | None = None,
    area: Area | None = None,
    limit: int | None = None,
    now: dt.datetime | None = None,
) -> list[Invitation]:
    """Invite waiting registrations of the actor's area into the free places of a session's slots.

    Order: priority group, then the oldest registration. Only registrations for the session's dose kind (its
    product starts a series: first doses; or the same product for a later dose) are chosen. Each invitation books
    its slot (the counts rise under the same locks as a booking) and sends an SMS with the site, date and time
    after the commit (notifications.notify, kind "vaccination_invite"). When the session is full nothing more is
    invited; an empty result is not an error.
    """
    from phongdich.notifications.services import notify

    from .selectors import session_get

    _require(actor, VACCINATION_ROLES)
    now = now or timezone.now()
    session = session_get(viewer=actor, session_id=session_id)
    # Only slots still to come are offered (a slot that ended this morning cannot be kept).
    if not any(not slot_over(slot, date=session.date, now=now) for slot in session.slots.all()):
        raise ApplicationError(errors.SLOT_CLOSED, extra={"session": session.pk})
    invitations = []
    with transaction.atomic():
        # Lock order everywhere: registrations, then the session, then its slots (as bookings and cancellations).
        bound = session.capacity - session.booked_count
        if limit is not None:
            bound = min(bound, max(0, int(limit)))
        if bound <= 0:
            return []
        waiting = VaccinationRegistration.objects.filter(registrations_visible_q(actor), status=Status.REGISTERED)
        if priority_group is not None:
            waiting = waiting.filter(priority_group=priority_group)
        if area is not None:
            waiting = waiting.filter(area_path__startswith=area.path)
        waiting = list(
            waiting.select_for_update(of=("self",))
            .select_related("person", "priority_group")
            .order_by("priority_group__order", "created_at", "id")[: bound * 3]
        )
        locked = VaccinationSession.objects.select_for_update().select_related("site", "product").get(pk=session.pk)
        free = max(0, locked.capacity - locked.booked_count)
        if limit is not None:
            free = min(free, max(0, int(limit)))
        slots = [
            slot
            for slot in TimeSlot.objects.select_for_update().filter(session=locked).order_by("starts_at", "id")
            if not slot_over(slot, date=locked.date, now=now)
        ]
        chosen = [registration for registration in waiting if _fits(registration, locked)][:free]
        slot_index = 0
        for registration in chosen:
            while slot_index < len(slots) and slots[slot_index].booked_count >= slots[slot_index].capacity:
                slot_index += 1
            if slot_index >= len(slots):
                break
            slot = slots[slot_index]
            slot.booked_count += 1
            TimeSlot.objects.filter(pk=slot.pk).update(booked_count=F("booked_count") + 1)
            VaccinationSession.objects.filter(pk=locked.pk).update(booked_count=F("booked_count") + 1)
            slot.session = locked
            registration.slot = slot
            registration.status = Status.INVITED
            registration.site_area_path = locked.site.area_path
            registration.save(update_fields=["slot", "status", "site_area_path"])
            person = registration.person
            message = notify(
                phone=person.phone,
                text=f"Phong Dich: Moi ban tiem vac xin COVID-19 mui {registration.dose_number} tai "
                + _slot_text(slot)
                + ". Mang CCCD hoac ma QR ca nhan.",  # staff also check people in by hand (no phone needed)
                kind="vaccination_invite",
                person=person,
            )
            invitations.append(
                Invitation.objects.create(
                    registration=registration, slot=slot, sent_at=now, message=message, created_by=actor
                )
            )
        audit_record(
            actor=actor,
            action="vaccination.invitations.sent",
            obj=locked,
            area_path=locked.site.area_path,
            extra={"count": len(invitations), "group": priority_group.code if priority_group else None},
        )
    return invitations


def _fits(registration: VaccinationRegistration, session: VaccinationSession) -> bool:
    """A first dose may be any product; a later dose goes to a session of the product that started the series
    (mixing is allowed when staff record it, not chosen by the invitation: docs/vaccination.md)."""
    if registration.dose_number <= 1:
        return True
    first = Dose.objects.filter(person_id=registration.person_id).order_by("dose_number").first()
    return first is None or first.product_id == session.product_id


# --- check-in at the site -------------------------------------------------------------------------------------


def vaccination_checkin(*, actor, site_id, token: str, now: dt.datetime | None = None) -> VaccinationRegistration:
    """Check a person in at a site by their personal QR code (people.personal_qr): the registration booked or
    invited for today at this site becomes checked_in. A second scan answers the same registration. Refused:
    personal_qr_* (400) for a bad code, no_booking_here_today (409) for anyone else (also for an unknown
    person: the answer does not say whether the person exists)."""
    from phongdich.people.personal_qr import personal_qr_verify
    from phongdich.people.selectors import person_get_by_public_id

    from .selectors import site_get

    _require(actor, DOSE_ROLES)
    site = site_get(viewer=actor, site_id=site_id)
    now = now or timezone.now()
    claims = personal_qr_verify((token or "").strip(), now=now)
    person = person_get_by_public_id(claims.public_id)
    return _check_in(actor=actor, site=site, person=person, now=now, via="qr")


def _check_in(*, actor, site, person, now, via: str, registration_id: int | None = None) -> VaccinationRegistration:
    """The one check-in of both paths (QR scan, manual from the session list): the person's registration booked
    or invited for today at this site becomes checked_in, audited; already checked in answers it unchanged;
    anything else (another day or site, cancelled, vaccinated) is no_booking_here_today."""
    with transaction.atomic():
        registrations = VaccinationRegistration.objects.select_for_update(of=("self",)).filter(
            person=person,
            status__in=VaccinationRegistration.HOLDING,
            slot__session__site=site,
            slot__session__date=timezone.localdate(now),
        )
        if registration_id is not None:
            registrations = registrations.filter(pk=registration_id)
        registration = (
            registrations.select_related("person", "slot__session__product").first() if person is not None else None
        )
        if registration is None:
            raise ApplicationError(errors.NO_BOOKING_HERE_TODAY, extra={"site": site.pk})
        if registration.status != Status.CHECKED_IN:
            registration.status = Status.CHECKED_IN
            registration.checked_in_at = now
            registration.save(update_fields=["status", "checked_in_at"])
            Invitation.objects.filter(registration=registration).update(responded=True)
            audit_record(
                actor=actor,
                action="vaccination.registration.checked_in",
                obj=registration,
                area_path=registration.area_path,
                extra={"site": site.pk, "via": via},
            )
    return registration


def registration_checkin(
    *, actor, session_id, registration_id, now: dt.datetime | None = None
) -> VaccinationRegistration:
    """Check in by hand a registration of a session (staff ticking the list): for a person with no phone or no
    personal QR code (online registrants never get one). Same effect, audit and refusals as the QR scan; a
    registration outside the staff's area or of another session is not_found."""
    from .selectors import session_get

    _require(actor, DOSE_ROLES)
    now = now or timezone.now()
    session = session_get(viewer=actor, session_id=session_id)
    registration = (
        VaccinationRegistration.objects.filter(
            registrations_visible_q(actor), pk=id_or_404(registration_id), slot__session=session
        )
        .select_related("person")
        .first()
    )
    if registration is None:
        raise ApplicationError(core_errors.NOT_FOUND)
    person, site = registration.person, session.site
    return _check_in(actor=actor, site=site, person=person, now=now, via="manual", registration_id=registration.pk)


# --- doses ----------------------------------------------------------------------------------------------------


@dataclass
class DoseResult:
    dose: Dose
    warnings: list[str] = field(default_factory=list)  # "mixed_products"


def lot_normalise(lot) -> str:
    """The lot number as the vial prints it: without any white space (around or inside: " AB 1234 "), in capitals
    ("ab1234"), so that the same lot typed at two desks is one lot. Refuses (invalid_lot) what is then not 1–40
    ASCII letters, digits, `.`, `/`, `-` starting with a letter or digit; non-ASCII text is refused before it is
    upper-cased, so that no letter becomes another ("ß" is not "SS")."""
    text = "".join(str(lot or "").split())
    if not text.isascii() or not LOT_RE.match(text.upper()):
        raise ApplicationError(errors.INVALID_LOT, extra={"field": "lot"})
    return text.upper()


def dose_record(
    *,
    actor,
    person_id,
    product: VaccineProduct,
    lot: str,
    dose_number: int,
    given_on: dt.date,
    site_id=None,
    registration_id=None,
    vaccinator=None,
    now: dt.datetime | None = None,
) -> DoseResult:
    """Record a dose given. Checked in this order, before anything is written:

    1. the actor records doses (vaccination staff, health department) and sees the site (else not_found);
    2. the product passes product_check (EU DCC value sets), the lot is 1–40 letters, digits, . / - once
       lot_normalise has taken out white space and upper-cased it;
    3. dose_number = the person's doses + 1 (dose_number_skips for a gap or a repeat);
    4. given_on is not in the future, not before EARLIEST_DOSE_DATE nor the previous dose (dose_date_invalid), and
       at least the previous dose's product's min_interval_days after it (after a complete series:
       VACCINATION_ADDITIONAL_DOSE_MIN_DAYS) – dose_interval_too_short;
    5. with a registration: it must be this person's and checked in (not_checked_in).

    Mixing products is allowed (MoH, docs/vaccination.md) and marked (`mixed_schedule`, warning
    "mixed_products"). The dose, the registration's status and the next dose's registration are written in one
    transaction; two concurrent recordings of the same number leave one (the other: dose_number_skips). After the
    commit the person's status card is recomputed.
    """
    from phongdich.people.models import Person

    from .selectors import site_get

    _require(actor, DOSE_ROLES)
    site = site_get(viewer=actor, site_id=site_id) if site_id else None
    product_check(product)
    lot = lot_normalise(lot)
    now = now or timezone.now()
    today = timezone.localdate(now)
    person = Person.objects.filter(pk=id_or_404(person_id)).first()
    if person is None:
        raise ApplicationError(core_errors.NOT_FOUND)
    if site is None and not area_visible(actor, person.area_path):
        raise ApplicationError(core_errors.NOT_FOUND)
    try:
        dose_number = int(dose_number)
    except (TypeError, ValueError):
        raise ApplicationError(errors.DOSE_NUMBER_SKIPS, extra={"dose_number": str(dose_number)[:10]}) from None
    try:
        with transaction.atomic():
            registration = None
            if registration_id:
                registration = (
                    VaccinationRegistration.objects.select_for_update(of=("self",))
                    .filter(registrations_visible_q(actor), pk=id_or_404(registration_id), person=person)
                    .select_related("slot__session__site")
                    .first()
                )
                if registration is None:
                    raise ApplicationError(core_errors.NOT_FOUND)
                if registration.status != Status.CHECKED_IN:
                    raise ApplicationError(errors.NOT_CHECKED_IN, extra={"status": registration.status})
            previous = list(Dose.objects.filter(person=person).select_related("product").order_by("dose_number"))
            expected = len(previous) + 1
            if dose_number != expected:
                raise ApplicationError(
                    errors.DOSE_NUMBER_SKIPS, extra={"dose_number": dose_number, "expected": expected}
                )
            if given_on > today or given_on < EARLIEST_DOSE_DATE:
                raise ApplicationError(errors.DOSE_DATE_INVALID, extra={"given_on": given_on.isoformat()})
            warnings = []
            first_product = previous[0].product if previous else product
            series = first_product.series_doses
            if previous:
                last = previous[-1]
                if given_on < last.given_on:
                    raise ApplicationError(
                        errors.DOSE_DATE_INVALID,
                        extra={"given_on": given_on.isoformat(), "previous": last.given_on.isoformat()},
                    )
                complete = any(dose.completes_series for dose in previous)
                min_days = (
                    settings.VACCINATION_ADDITIONAL_DOSE_MIN_DAYS if complete else (last.product.min_interval_days or 0)
                )
                earliest = last.given_on + dt.timedelta(days=min_days)
                if given_on < earliest:
                    raise ApplicationError(
                        errors.DOSE_INTERVAL_TOO_SHORT,
                        extra={"earliest": earliest.isoformat(), "min_days": min_days, "product": last.product.code},
                    )
            mixed = any(dose.product_id != product.pk for dose in previous)
            if mixed:
                warnings.append("mixed_products")
            completes = dose_number >= series or product.single_dose
            session = registration.slot.session if registration and registration.slot_id else None
            where = site or (session.site if session else None)
            dose = Dose.objects.create(
                person=person,
                product=product,
                lot=lot,
                dose_number=dose_number,
                given_on=given_on,
                site=where,
                vaccinator=vaccinator or actor,
                session=session,
                registration=registration,
                completes_series=completes,
                mixed_schedule=mixed,
                area_path=person.area_path,
                site_area_path=where.area_path if where else "",
                recorded_by=actor,
            )
            _close_registrations(person=person, registration=registration, dose=dose, actor=actor, now=now)
            audit_record(
                actor=actor,
                action="vaccination.dose.recorded",
                obj=dose,
                area_path=person.area_path,
                extra={"person": person.pk, "dose_number": dose_number, "product": product.code, "mixed": mixed},
            )
    except IntegrityError:
        # The same number recorded at the same moment by someone else: this one is a repeat.
        raise ApplicationError(errors.DOSE_NUMBER_SKIPS, extra={"dose_number": dose_number}) from None
    transaction.on_commit(lambda: _refresh_card(person.pk))
    return DoseResult(dose=dose, warnings=warnings)


def _close_registrations(*, person, registration, dose: Dose, actor, now) -> None:
    """The registration that led to the dose is done; an unrelated one in progress for this dose number too
    (its future place is given back). While the series is incomplete, the next dose's registration waits."""
    others = VaccinationRegistration.objects.select_for_update().filter(
        person=person, status__in=VaccinationRegistration.ACTIVE
    )
    template = registration
    for other in others:
        if other.pk != (registration.pk if registration else None):
            if other.status in VaccinationRegistration.HOLDING and other.slot.session.date > dose.given_on:
                _free_place(other.slot_id)
            template = template or other
        other.status = Status.VACCINATED
        other.save(update_fields=["status"])
    if not dose.completes_series:
        group = template.priority_group if template else PriorityGroup.objects.order_by("-order").first()
        if group is not None:
            follow = _registration_new(
                person=person,
                group=group,
                dose_number=dose.dose_number + 1,
                via=VaccinationRegistration.Via.FOLLOW_ON,
                actor=actor,
                preferred_site=dose.site,
                preferred_area=None,
                now=now,
            )
            audit_record(
                actor=actor,
                action="vaccination.registration.created",
                obj=follow,
                area_path=follow.area_path,
                extra={"via": "follow_on", "dose_number": follow.dose_number},
            )


def _refresh_card(person_id: int) -> None:
    """The status card follows the doses (healthcards); a province without a rule set is not our failure."""
    from phongdich.healthcards.services import status_cards_refresh

    status_cards_refresh([person_id])


# --- reactions ------------------------------------------------------------------------------------------------


def reaction_record(
    *,
    actor=None,
    dose_id,
    severity: str,
    symptoms: str,
    onset_at: dt.datetime,
    treated_at: dt.datetime | None = None,
    notes: str = "",
    citizen_person=None,
    now: dt.datetime | None = None,
) -> Reaction:
    """A reaction after a dose, reported by the citizen (their own dose) or recorded by staff of the area.
    invalid_reaction (`extra.field`): unknown severity, empty or long symptoms, an onset before the dose's day or
    after now or more than REACTION_MAX_DAYS after it, a treatment before the onset."""
    from .selectors import doses_visible_q

    now = now or timezone.now()
    if citizen_person is not None:
        dose = Dose.objects.filter(pk=id_or_404(dose_id), person=citizen_person).first()
    else:
        _require(actor, VACCINATION_ROLES)
        dose = Dose.objects.filter(doses_visible_q(actor), pk=id_or_404(dose_id)).first()
    if dose is None:
        raise ApplicationError(core_errors.NOT_FOUND)
    if severity not in Reaction.Severity.values:
        raise _field_error(errors.INVALID_REACTION, "severity", "Mức độ không hợp lệ.", "Unknown severity.")
    symptoms = " ".join((symptoms or "").split())
    if not 1 <= len(symptoms) <= SYMPTOMS_MAX:
        raise _field_error(
            errors.INVALID_REACTION, "symptoms", "Mô tả triệu chứng (1–500 ký tự).", "Describe the symptoms (1–500)."
        )
    notes = (notes or "").strip()
    if len(notes) > NOTES_MAX:
        raise _field_error(errors.INVALID_REACTION, "notes", "Ghi chú quá dài.", "The notes are too long.")
    for name in ("onset_at", "treated_at"):
        value = locals()[name]
        if value is not None and timezone.is_naive(value):
            raise _field_error(errors.INVALID_REACTION, name, "Thiếu múi giờ.", "A time zone is needed.")
    onset_day = timezone.localtime(onset_at).date()
    if onset_day < dose.given_on or onset_at > now or onset_day > dose.given_on + dt.timedelta(days=REACTION_MAX_DAYS):
        raise _field_error(
            errors.INVALID_REACTION,
            "onset_at",
            f"Thời điểm khởi phát phải từ ngày tiêm đến {REACTION_MAX_DAYS} ngày sau và không ở tương lai.",
            f"The onset must be from the day of the dose to {REACTION_MAX_DAYS} days after, and not in the future.",
        )
    if treated_at is not None and (treated_at < onset_at or treated_at > now):
        raise _field_error(
            errors.INVALID_REACTION, "treated_at", "Thời điểm xử trí không hợp lệ.", "Invalid treatment time."
        )
    with transaction.atomic():
        reaction = Reaction.objects.create(
            dose=dose,
            onset_at=onset_at,
            severity=severity,
            symptoms=symptoms,
            treated_at=treated_at,
            notes=notes,
            reported_via=Reaction.Via.CITIZEN if citizen_person is not None else Reaction.Via.STAFF,
            reported_by=actor if citizen_person is None else None,
            area_path=dose.area_path,
        )
        audit_record(
            actor=actor,
            action="vaccination.reaction.recorded",
            obj=reaction,
            area_path=dose.area_path,
            extra={"dose": dose.pk, "severity": severity, "via": reaction.reported_via},
        )
    return reaction
