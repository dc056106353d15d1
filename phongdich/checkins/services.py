"""Writes of the check-in domain: the four ways in (self scan, staff scan, paper, offline batch), check-out,
scanner devices, the claim of a LINKED record on a phone by a code sent by SMS, and the periodic roll-up, purge
and automatic check-out.

Every scan is decided in one fixed order (docs/algorithms.md "Check-in", after pretix's
doc/development/algorithms/checkin.rst): malformed input → unknown code → revoked code → not venue staff →
venue not verified → personal QR invalid/expired → scan in the future → scan too old → duplicate nonce
(answered with the existing check-in) → record. A refusal raises ApplicationError with a stable code and
writes nothing.

The hot path (a scanner device scanning a personal QR) costs one database round trip in the steady state:
the device, the venue code and the person are cached for a few seconds per process, the QR signature is
checked in memory, and the check-in is one INSERT in autocommit.
"""

import hashlib
import re
import secrets
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Max
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from phongdich.core import errors as core_errors
from phongdich.core import otp
from phongdich.core.audit import audit_record
from phongdich.core.errors import ApplicationError
from phongdich.core.locks import advisory_xact_lock
from phongdich.people.cccd import looks_like_cccd_qr

from . import errors
from .auth import device_cache_clear, hash_device_token
from .models import CheckIn, ClaimCode, RollupState, ScannerDevice, VenueDailyCount
from .selectors import day_start, local_day, person_ids_by_public_id

# A day is rolled up only this long after it ended, so that every transaction that stamped a check-in
# with that day (received_at in it) has committed: a request never runs this long.
ROLLUP_GRACE = timedelta(minutes=10)
# public_id -> (expires_monotonic, Person). Brief, per process: the hot path must not look a person up
# on every scan; a deleted person fails the INSERT and is dropped from here.
PERSON_CACHE_SECONDS = 30
# Verified personal QR tokens -> (expires_monotonic, claims): the Ed25519 check is the costliest step of an
# offline batch, and scanners upload the same codes again and again.
QR_CACHE_SECONDS = 60
_CACHE_MAX = 100_000
_person_cache: dict[str, tuple[float, object]] = {}
_qr_cache: dict[str, tuple[float, object]] = {}

NONCE_MAX = 64  # CheckIn.nonce max_length
# venues.models.new_code_token makes URL-safe base64; anything else (spaces, NUL…) is no code of ours.
_CODE_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,32}\Z")


# --- helpers --------------------------------------------------------------------------------------


def _invalid(field: str, vi: str, en: str) -> ApplicationError:
    return ApplicationError(
        core_errors.INVALID_INPUT, extra={"fields": {field: [core_errors.field_message(vi, en)]}}, vi=vi, en=en
    )


def nonce_for_key(key: str | None) -> str | None:
    """An Idempotency-Key or client id as a nonce: kept as is when short, else its SHA-256 (same length always)."""
    if key is None:
        return None
    if not isinstance(key, str) or not key or not key.isprintable() or len(key) > 255:
        raise _invalid("nonce", "Mã chống gửi trùng không hợp lệ.", "The nonce is invalid.")
    return key if len(key) <= NONCE_MAX else hashlib.sha256(key.encode()).hexdigest()


def principal_scope(actor) -> str:
    """The nonce scope of a sender: the same strings as core.api uses for Idempotency-Key principals."""
    if getattr(actor, "is_device", False):
        return f"device:{actor.pk}"
    return f"user:{actor.pk}"


def _code_resolve(code_token, *, now: datetime):
    """Unknown code → revoked code. Returns the (cached) VenueCode with its venue and venue type."""
    from phongdich.venues.selectors import venue_code_get

    if not isinstance(code_token, str) or not _CODE_TOKEN.match(code_token):
        # Malformed tokens cannot match any code: answered like unknown ones, without a query.
        raise ApplicationError(errors.UNKNOWN_CODE)
    code = venue_code_get(code_token)
    if code is None:
        raise ApplicationError(errors.UNKNOWN_CODE)
    if code.revoked_at is not None and code.revoked_at <= now:
        raise ApplicationError(errors.CODE_REVOKED)
    return code


def _venue_check(venue) -> None:
    from phongdich.venues.models import Venue

    if venue.status != Venue.Status.VERIFIED:
        raise ApplicationError(errors.VENUE_NOT_VERIFIED, extra={"status": venue.status})


def user_can_record_at(user, venue) -> bool:
    """A user may record check-ins at a venue as its manager or staff, or as an official of its area."""
    from phongdich.venues.models import VenueMembership

    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    official = getattr(user, "official", None)
    if (
        official is not None
        and official.is_active
        and official.sees_people
        and venue.area_path.startswith(official.area.path)
    ):
        return True
    return VenueMembership.objects.filter(venue_id=venue.pk, user_id=user.pk).exists()


def actor_check(actor, venue) -> None:
    """Not venue staff: a device only at its own venue; a user through user_can_record_at."""
    if getattr(actor, "is_device", False):
        if actor.revoked_at is not None:
            raise ApplicationError(errors.DEVICE_REVOKED)
        if actor.venue_id != venue.pk:
            raise ApplicationError(errors.NOT_VENUE_STAFF)
        return
    if not user_can_record_at(actor, venue):
        raise ApplicationError(errors.NOT_VENUE_STAFF)


def personal_qr_claims(personal_qr, *, at: datetime):
    """Verify a personal QR code as it was at `at` (the scan time): signature and expiry. Cached per process."""
    from phongdich.people import errors as people_errors
    from phongdich.people.personal_qr import personal_qr_verify

    if not isinstance(personal_qr, str) or not personal_qr:
        raise ApplicationError(people_errors.PERSONAL_QR_MALFORMED)
    hit = _qr_cache.get(personal_qr)
    if hit is not None and hit[0] > time.monotonic():
        claims = hit[1]
        if at >= claims.expires_at:
            raise ApplicationError(
                people_errors.PERSONAL_QR_EXPIRED, extra={"expired_at": claims.expires_at.isoformat()}
            )
        return claims
    claims = personal_qr_verify(personal_qr, now=at)
    if len(_qr_cache) >= _CACHE_MAX:
        _qr_cache.clear()
    _qr_cache[personal_qr] = (time.monotonic() + QR_CACHE_SECONDS, claims)
    return claims


def _person_cached(public_id: str):
    hit = _person_cache.get(public_id)
    if hit is not None and hit[0] > time.monotonic():
        return hit[1]
    return None


def person_for_public_id(public_id: str):
    """The person with this public_id (cached briefly per process), or unknown_person."""
    from phongdich.people.selectors import person_get_by_public_id

    person = _person_cached(public_id)
    if person is not None:
        return person
    person = person_get_by_public_id(public_id)
    if person is None:
        raise ApplicationError(errors.UNKNOWN_PERSON)
    if len(_person_cache) >= _CACHE_MAX:
        _person_cache.clear()
    _person_cache[public_id] = (time.monotonic() + PERSON_CACHE_SECONDS, person)
    return person


def _time_check(at: datetime, *, now: datetime) -> None:
    """Scan in the future (beyond the clock skew) → scan too old (beyond the offline upload window)."""
    if at > now + timedelta(seconds=settings.CHECKIN_CLOCK_SKEW_SECONDS):
        raise ApplicationError(errors.SCAN_IN_FUTURE, extra={"max_skew_seconds": settings.CHECKIN_CLOCK_SKEW_SECONDS})
    if at < now - timedelta(days=settings.CHECKIN_BATCH_MAX_AGE_DAYS):
        raise ApplicationError(errors.SCAN_TOO_OLD, extra={"max_age_days": settings.CHECKIN_BATCH_MAX_AGE_DAYS})


def parse_client_time(value, field: str) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str) and len(value) <= 40:
        try:
            parsed = parse_datetime(value)
        except ValueError:
            parsed = None
    else:
        parsed = None
    if parsed is None or timezone.is_naive(parsed):
        raise _invalid(
            field,
            "Thời điểm phải theo ISO 8601 và có múi giờ.",
            "The time must be ISO 8601 with a time zone.",
        )
    return parsed


def _late_counts_add(counts: dict[tuple[int, str, date], int]) -> None:
    """Add late check-ins to the daily counts of days already rolled up. Call inside the inserting transaction.

    Locking the RollupState row orders this against checkin_rollup: either the roll-up counted our rows
    (it ran after we committed) or we see its new `rolled_through` and add them ourselves.
    """
    if not counts:
        return
    state = RollupState.objects.select_for_update().filter(pk=1).first()
    if state is None or state.rolled_through is None:
        return
    for (venue_id, area_path, day), n in counts.items():
        if day > state.rolled_through:
            continue
        updated = VenueDailyCount.objects.filter(venue_id=venue_id, day=day).update(checkins=F("checkins") + n)
        if not updated:
            VenueDailyCount.objects.create(venue_id=venue_id, day=day, area_path=area_path, checkins=n)


def _replay_or_refuse(existing: CheckIn, candidate: CheckIn, *, compare_time: bool) -> CheckIn:
    """The same nonce again: the same check-in if it is the same scan, else idempotency_key_reused."""
    if candidate.person_id is None:  # resolved by the INSERT (see _insert): compare by public id
        same_person = existing.person.public_id == getattr(candidate, "person_public_id", None)
    else:
        same_person = existing.person_id == candidate.person_id
    same = same_person and existing.venue_id == candidate.venue_id
    if compare_time:
        same = same and existing.checked_in_at == candidate.checked_in_at
    if not same:
        raise ApplicationError(core_errors.IDEMPOTENCY_KEY_REUSED)
    existing.replayed = True
    return existing


_insert_sql: dict[str, tuple[str, list]] = {}


def _insert(checkin: CheckIn) -> None:
    """INSERT one check-in and set its id: what `save(force_insert=True)` does, without the ORM's query
    compiler, which is a sixth of a scan's CPU on the hot path. Values are prepared by the model's own fields,
    so they are stored exactly as the ORM would store them; no signals are attached to CheckIn."""
    vendor = connection.vendor
    if vendor not in _insert_sql:
        ops = connection.ops
        fields = [field for field in CheckIn._meta.concrete_fields if not field.primary_key]
        sql = "INSERT INTO {} ({}) VALUES ({}) RETURNING {}".format(
            ops.quote_name(CheckIn._meta.db_table),
            ", ".join(ops.quote_name(field.column) for field in fields),
            ", ".join(["%s"] * len(fields)),
            ops.quote_name(CheckIn._meta.pk.column),
        )
        _insert_sql[vendor] = (sql, fields)
    sql, fields = _insert_sql[vendor]
    public_id = getattr(checkin, "person_public_id", None)
    if checkin.person_id is None and public_id is not None:
        _insert_resolving_person(checkin, public_id, fields)
    else:
        params = [field.get_db_prep_save(getattr(checkin, field.attname), connection) for field in fields]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            checkin.pk = cursor.fetchone()[0]
    checkin._state.adding = False
    checkin._state.db = connection.alias


_insert_person_sql: dict[str, str] = {}


def _insert_resolving_person(checkin: CheckIn, public_id: str, fields) -> None:
    """INSERT … SELECT from people_person by public id, RETURNING the new id, the person's id and name: the
    person lookup and the write in one statement (the hot path's round trip). No such person: unknown_person."""
    from phongdich.people.models import Person, initials_of

    vendor = connection.vendor
    if vendor not in _insert_person_sql:
        ops = connection.ops
        table = ops.quote_name(CheckIn._meta.db_table)
        person_table = ops.quote_name(Person._meta.db_table)
        columns = ", ".join(ops.quote_name(field.column) for field in fields)
        values = ", ".join("p.id" if field.attname == "person_id" else "%s" for field in fields)
        _insert_person_sql[vendor] = (
            f"INSERT INTO {table} ({columns}) SELECT {values} FROM {person_table} p WHERE p.public_id = %s "
            f"RETURNING {ops.quote_name('id')}, {ops.quote_name('person_id')}, "
            f"(SELECT q.full_name FROM {person_table} q WHERE q.id = {table}.{ops.quote_name('person_id')})"
        )
    params = [
        field.get_db_prep_save(getattr(checkin, field.attname), connection)
        for field in fields
        if field.attname != "person_id"
    ]
    with connection.cursor() as cursor:
        cursor.execute(_insert_person_sql[vendor], [*params, public_id])
        row = cursor.fetchone()
    if row is None:
        raise ApplicationError(errors.UNKNOWN_PERSON)
    checkin.pk = row[0]
    # The answer needs only the initials: no Person instance (checkin.person would load it if asked).
    checkin.person_id = row[1]
    checkin.person_initials = initials_of(row[2])


def _record(checkin: CheckIn, *, compare_time: bool = False) -> CheckIn:
    """Duplicate nonce → record. One INSERT in autocommit when the scan is of today; a scan of an earlier day
    also takes the roll-up lock in the same transaction (statistics stay exact).

    The returned check-in has `replayed` True when its nonce had been used by the same scan before.
    """
    past_day = local_day(checkin.checked_in_at) < local_day(checkin.received_at)
    try:
        if past_day or connection.in_atomic_block:
            # Inside a caller's transaction, a savepoint keeps a nonce conflict from breaking it.
            with transaction.atomic():
                _insert(checkin)
                if past_day:
                    _late_counts_add({(checkin.venue_id, checkin.area_path, local_day(checkin.checked_in_at)): 1})
        else:
            _insert(checkin)
    except IntegrityError:
        existing = (
            CheckIn.objects.filter(nonce_scope=checkin.nonce_scope, nonce=checkin.nonce).first()
            if checkin.nonce is not None
            else None
        )
        if existing is None:
            # Not the nonce: the person was deleted after we cached them.
            _person_cache.clear()
            raise ApplicationError(errors.UNKNOWN_PERSON) from None
        return _replay_or_refuse(existing, checkin, compare_time=compare_time)
    checkin.replayed = False
    return checkin


# --- check-in, four ways -------------------------------------------------------------------------------


def checkin_code_resolve(*, code_token: str, now: datetime | None = None):
    """The venue code a citizen scanned, if a check-in there is possible: unknown_code, code_revoked or
    venue_not_verified otherwise. Writes nothing; pages call it before asking anything of the citizen."""
    now = now or timezone.now()
    code = _code_resolve(code_token, now=now)
    _venue_check(code.venue)
    return code


def checkin_self(
    *,
    code_token: str,
    person,
    has_symptoms: bool | None,
    had_contact: bool | None,
    travelled: bool | None,
    nonce: str | None = None,
    now: datetime | None = None,
) -> CheckIn:
    """A citizen scanned a venue QR code with their phone: record the visit with the three answers.

    Guarantees: the checks of docs/algorithms.md in order, nothing written on a refusal; the same nonce
    (scope: the person) answers the first check-in and records nothing; check-in time = receive time. A venue
    that requires a recent declaration (Venue.declaration_required_hours) and a person without one, or a "yes" to
    symptoms or contact (declarations.selectors.declaration_from_checkin_answers): the three answers are recorded
    as the short declaration in the same transaction (declarations.services), for every interface alike.
    """
    from phongdich.declarations.selectors import declaration_from_checkin_answers

    now = now or timezone.now()
    code = _code_resolve(code_token, now=now)
    _venue_check(code.venue)
    if declaration_from_checkin_answers(
        person=person, venue=code.venue, has_symptoms=has_symptoms, had_contact=had_contact, now=now
    ):
        from phongdich.declarations.services import declaration_submit_venue_inline

        with transaction.atomic():
            checkin = _checkin_self_record(code, person, has_symptoms, had_contact, travelled, nonce, now)
            if not checkin.replayed:
                declaration_submit_venue_inline(
                    person=person,
                    venue=code.venue,
                    has_symptoms=has_symptoms,
                    had_contact=had_contact,
                    travelled=travelled,
                    nonce=nonce,
                    now=now,
                )
            return checkin
    return _checkin_self_record(code, person, has_symptoms, had_contact, travelled, nonce, now)


def _checkin_self_record(code, person, has_symptoms, had_contact, travelled, nonce, now) -> CheckIn:
    checkin = CheckIn(
        person=person,
        venue=code.venue,
        code=code,
        area_path=code.venue.area_path,
        checked_in_at=now,
        received_at=now,
        source=CheckIn.Source.SELF_SCAN,
        nonce_scope=f"person:{person.pk}",
        nonce=nonce_for_key(nonce),
        has_symptoms=has_symptoms,
        had_contact=had_contact,
        travelled=travelled,
    )
    return _record(checkin)


def checkin_self_declare(
    *,
    code_token: str,
    full_name: str,
    phone: str,
    birth_year: int | None,
    citizen_id: str = "",
    has_symptoms: bool | None,
    had_contact: bool | None,
    travelled: bool | None,
    nonce: str | None = None,
    now: datetime | None = None,
) -> CheckIn:
    """A first-time citizen: the venue is checked first, then the person is found or created
    (people.services.person_find_or_create) and checked in, all in one transaction: a refusal writes nothing."""
    from phongdich.people.models import Person
    from phongdich.people.services import person_find_or_create

    now = now or timezone.now()
    code = checkin_code_resolve(code_token=code_token, now=now)
    with transaction.atomic():
        person = person_find_or_create(
            full_name=full_name,
            phone=phone,
            birth_year=birth_year,
            citizen_id=citizen_id,
            area_path=code.venue.area_path,
            created_via=Person.CreatedVia.SELF_CHECKIN,
        )
        return checkin_self(
            code_token=code_token,
            person=person,
            has_symptoms=has_symptoms,
            had_contact=had_contact,
            travelled=travelled,
            nonce=nonce,
            now=now,
        )


def checkin_staff_scan(
    *,
    actor,
    personal_qr: str,
    code_token: str | None = None,
    venue=None,
    scanned_at: datetime | None = None,
    nonce: str | None = None,
    now: datetime | None = None,
) -> CheckIn:
    """Control staff scanned a citizen's personal QR code at a venue.

    `actor` is a ScannerDevice (its venue, or one of its venue's codes) or a user who is manager/staff of
    the venue or an official of its area. Guarantees: the checks of docs/algorithms.md in order, nothing
    written on a refusal; both scan time and receive time kept; the same nonce (scope: the device or user)
    answers the first check-in (`replayed`) or 422 if it named another scan. One INSERT in the steady state.
    """
    now = now or timezone.now()
    is_device = getattr(actor, "is_device", False)
    code = None
    if code_token:
        code = _code_resolve(code_token, now=now)
        if venue is not None and code.venue_id != venue.pk:
            raise _invalid("code_token", "Mã QR không thuộc địa điểm này.", "The code does not belong to this venue.")
        venue = code.venue
    elif venue is None:
        if not is_device:
            raise _invalid("venue", "Cần chọn địa điểm.", "Choose a venue.")
        venue = actor.venue
    actor_check(actor, venue)
    _venue_check(venue)
    at = scanned_at or now
    if looks_like_cccd_qr(personal_qr):
        return _checkin_id_card(
            actor, personal_qr, venue=venue, code=code, at=at, now=now, nonce=nonce, scanned_at=scanned_at
        )
    claims = personal_qr_claims(personal_qr, at=at)
    if scanned_at is not None:
        _time_check(scanned_at, now=now)
    # A person seen lately comes from the cache; any other is looked up by the INSERT itself (one round trip).
    person = _person_cached(claims.public_id)
    checkin = _scanned(
        actor, person, venue=venue, code=code, at=at, now=now, nonce=nonce, source=CheckIn.Source.STAFF_SCAN
    )
    if person is None:
        checkin.person_public_id = claims.public_id
    return _record(checkin, compare_time=scanned_at is not None)


def _scanned(actor, person, *, venue, code, at, now, nonce, source) -> CheckIn:
    """The (unsaved) check-in of a scan at the desk: by a scanner device or a member of the staff."""
    is_device = getattr(actor, "is_device", False)
    return CheckIn(
        person=person,
        venue=venue,
        code=code,
        area_path=venue.area_path,
        checked_in_at=at,
        received_at=now,
        source=source,
        device=actor if is_device else None,
        recorded_by=None if is_device else actor,
        nonce_scope=principal_scope(actor),
        nonce=nonce_for_key(nonce),
    )


def _checkin_id_card(actor, text: str, *, venue, code, at, now, nonce, scanned_at) -> CheckIn:
    """The staff scanned the QR code of a citizen's chip-based ID card instead of a personal QR code (a person
    without a smartphone): the person with that CCCD number, or a new record from the card, checked in; in one
    transaction, so that a refused check-in creates nobody. Not the hot path: a look-up by the indexed number."""
    from phongdich.people.cccd import cccd_qr_parse
    from phongdich.people.models import initials_of
    from phongdich.people.services import person_for_id_card

    card = cccd_qr_parse(text)  # before anything is written
    if scanned_at is not None:
        _time_check(scanned_at, now=now)
    with transaction.atomic():
        person = person_for_id_card(card=card, area_path=venue.area_path)
        checkin = _scanned(
            actor, person, venue=venue, code=code, at=at, now=now, nonce=nonce, source=CheckIn.Source.ID_CARD
        )
        recorded = _record(checkin, compare_time=scanned_at is not None)
    # The answer names the card that was scanned, never the record it matched (the staff learn nothing new).
    recorded.person_initials = initials_of(card.full_name)
    return recorded


def checkin_paper(
    *,
    actor,
    venue,
    code=None,
    full_name: str,
    phone: str,
    birth_year,
    citizen_id: str = "",
    address_area=None,
    address_street: str = "",
    has_symptoms: bool | None,
    had_contact: bool | None,
    travelled: bool | None,
    checked_in_at: datetime | None = None,
    nonce: str | None = None,
) -> CheckIn:
    """Control staff enter a paper declaration (a person without a smartphone).

    Guarantees: the venue and time checks first, then the person is found by the exact CCCD or else found or
    created (people.services.person_for_staff_entry: person_id_on_record 409 for a CCCD on record under another
    name or year of birth; invalid_phone, invalid_citizen_id… from the people app) and checked in, in one
    transaction with an audit entry `checkins.checkin.paper_recorded`: a refusal writes nothing.
    """
    from phongdich.declarations.selectors import declaration_from_checkin_answers
    from phongdich.declarations.services import declaration_submit_venue_inline
    from phongdich.people.models import Person
    from phongdich.people.services import person_for_staff_entry

    now = timezone.now()
    if code is not None:
        if code.venue_id != venue.pk:
            raise _invalid("code", "Lối vào không thuộc địa điểm này.", "The entrance does not belong to this venue.")
        if code.revoked_at is not None and code.revoked_at <= now:
            raise ApplicationError(errors.CODE_REVOKED)
    actor_check(actor, venue)
    _venue_check(venue)
    at = checked_in_at or now
    _time_check(at, now=now)
    is_device = getattr(actor, "is_device", False)
    with transaction.atomic():
        # The record with that exact CCCD, wherever it is (audited), not a second one; one with another name or
        # year of birth is refused (person_id_on_record), never attached: a check-in on the wrong record makes the
        # wrong F1, and control staff are not shown who is on record.
        person = person_for_staff_entry(
            actor=actor,
            purpose=f"checkins.venue:{venue.pk}",
            reason="Nhập tờ khai giấy",
            refuse_differing=True,
            full_name=full_name,
            phone=phone,
            birth_year=birth_year,
            citizen_id=citizen_id,
            area_path=venue.area_path,
            created_via=Person.CreatedVia.PAPER,
            address_area=address_area,
            address_street=address_street,
        )
        checkin = _record(
            CheckIn(
                person=person,
                venue=venue,
                code=code,
                area_path=venue.area_path,
                checked_in_at=at,
                received_at=now,
                source=CheckIn.Source.PAPER,
                device=actor if is_device else None,
                recorded_by=None if is_device else actor,
                nonce_scope=principal_scope(actor),
                nonce=nonce_for_key(nonce),
                has_symptoms=has_symptoms,
                had_contact=had_contact,
                travelled=travelled,
            ),
            compare_time=checked_in_at is not None,
        )
        if not checkin.replayed and declaration_from_checkin_answers(
            person=person, venue=venue, has_symptoms=has_symptoms, had_contact=had_contact, now=now
        ):
            # A "yes" on the paper form, as on the phone, is the short declaration: a follow-up of the commune the
            # form gives as the person's address.
            declaration_submit_venue_inline(
                person=person,
                venue=venue,
                has_symptoms=has_symptoms,
                had_contact=had_contact,
                travelled=travelled,
                nonce=nonce,
                now=now,
            )
        if not checkin.replayed:
            audit_record(
                actor=actor,
                action="checkins.checkin.paper_recorded",
                obj=checkin,
                area_path=checkin.area_path,
                extra={"person_id": person.pk, "venue_id": venue.pk},
            )
    return checkin


@dataclass
class BatchItemResult:
    client_id: str | None
    status: str  # accepted | duplicate | refused
    code: str = ""
    message_vi: str = ""
    message_en: str = ""
    checkin_id: int | None = None

    @classmethod
    def refused(cls, client_id, error: ApplicationError) -> "BatchItemResult":
        data = error.as_dict()
        return cls(client_id, "refused", error.code, data["message_vi"], data["message_en"])


def _batch_item_parse(item) -> tuple[str, str, str | None, datetime, str]:
    """Malformed input: the first check of every item."""
    if not isinstance(item, dict):
        raise _invalid("item", "Mỗi lượt quét phải là một đối tượng JSON.", "Each scan must be a JSON object.")
    client_id = item.get("client_id")
    if not isinstance(client_id, str) or not (1 <= len(client_id) <= NONCE_MAX) or not client_id.isprintable():
        raise _invalid(
            "client_id", "client_id phải dài 1–64 ký tự in được.", "client_id must be 1–64 printable characters."
        )
    personal_qr = item.get("personal_qr")
    if not isinstance(personal_qr, str) or not personal_qr:
        raise _invalid("personal_qr", "Thiếu mã QR cá nhân.", "personal_qr is missing.")
    code_token = item.get("code_token") or None
    if code_token is not None and not isinstance(code_token, str):
        raise _invalid("code_token", "code_token phải là chuỗi.", "code_token must be a string.")
    scanned_at = parse_client_time(item.get("scanned_at"), "scanned_at")
    if scanned_at is None:
        raise _invalid("scanned_at", "Thiếu thời điểm quét.", "scanned_at is missing.")
    direction = item.get("direction") or "in"
    if direction not in ("in", "out"):
        raise _invalid("direction", 'direction phải là "in" hoặc "out".', 'direction must be "in" or "out".')
    return client_id, personal_qr, code_token, scanned_at, direction


_BATCH_COLUMNS = (
    "person_id",
    "venue_id",
    "code_id",
    "area_path",
    "checked_in_at",
    "received_at",
    "source",
    "device_id",
    "nonce_scope",
    "nonce",
    "checkout_kind",
)


def _batch_insert(ins: dict[str, tuple[int, tuple]], *, device, scope: str, now: datetime) -> dict[str, int]:
    """Insert the new rows of a batch; returns nonce -> id of the rows actually inserted.

    `INSERT … ON CONFLICT (nonce_scope, nonce) DO NOTHING RETURNING id, nonce`: one statement over column
    arrays on PostgreSQL, multi-row VALUES chunks on SQLite (3.35+): the rows already there are skipped by
    the unique constraint and the answer says which rows are new, with no second query. Raw SQL because
    the ORM's bulk_create cannot return ids with ignore_conflicts, and building 1,000 model instances costs
    more than the insert (target: 20,000 rows/s, docs/algorithms.md).
    """
    ops = connection.ops
    table = ops.quote_name(CheckIn._meta.db_table)
    columns = ", ".join(ops.quote_name(CheckIn._meta.get_field(c.removesuffix("_id")).column) for c in _BATCH_COLUMNS)
    conflict = f"{ops.quote_name('nonce_scope')}, {ops.quote_name('nonce')}"
    received = ops.adapt_datetimefield_value(now)
    source = CheckIn.Source.OFFLINE_BATCH
    rows = [
        (
            person_id,
            venue_id,
            code_id,
            area_path,
            ops.adapt_datetimefield_value(at),
            received,
            source,
            device.pk,
            scope,
            nonce,
            "",
        )
        for nonce, (_index, (person_id, venue_id, code_id, area_path, at)) in ins.items()
    ]
    inserted: dict[str, int] = {}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One statement with one array per column: psycopg adapts 6 arrays much faster than 11,000
            # placeholders, and PostgreSQL plans it once.
            values = list(zip(*[(row[0], row[1], row[2], row[3], row[4], row[9]) for row in rows], strict=True))
            cursor.execute(
                f"INSERT INTO {table} ({columns}) "
                "SELECT p, v, c, a, t, %s::timestamptz, %s::text, %s::bigint, %s::text, n, '' FROM unnest("
                "%s::bigint[], %s::bigint[], %s::bigint[], %s::text[], %s::timestamptz[], %s::text[]"
                ") AS u(p, v, c, a, t, n) "
                f"ON CONFLICT ({conflict}) DO NOTHING RETURNING id, nonce",
                [received, source, device.pk, scope, *[list(column) for column in values]],
            )
            inserted.update((nonce, checkin_id) for checkin_id, nonce in cursor.fetchall())
            return inserted
        per_statement = max(1, min(500, (connection.features.max_query_params or 16_000) // len(_BATCH_COLUMNS)))
        placeholder = "(" + ", ".join(["%s"] * len(_BATCH_COLUMNS)) + ")"
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            sql = (
                f"INSERT INTO {table} ({columns}) VALUES {', '.join([placeholder] * len(chunk))} "
                f"ON CONFLICT ({conflict}) DO NOTHING RETURNING id, nonce"
            )
            cursor.execute(sql, [value for row in chunk for value in row])
            inserted.update((nonce, checkin_id) for checkin_id, nonce in cursor.fetchall())
    return inserted


def checkin_batch(*, device: ScannerDevice, items: list[dict], now: datetime | None = None) -> list[BatchItemResult]:
    """An offline scanner uploads the scans it made while offline, each with its client id and scan time.

    Guarantees: one result per item, in order, each accepted, duplicate or refused with its own reason (the
    checks of docs/algorithms.md per item); one transaction for the whole batch, refused items do not block
    the others; the client id is the nonce (scope "device:<id>"), so sending the same batch twice records
    nothing twice; scan time and receive time kept; a scan of a day already rolled up is added to that day's
    VenueDailyCount in the same transaction. Persons and codes are resolved in bulk and rows inserted in bulk.
    """
    from phongdich.venues.models import VenueCode

    now = now or timezone.now()
    if not isinstance(items, list):
        raise _invalid("items", "items phải là một danh sách.", "items must be a list.")
    if len(items) > settings.CHECKIN_BATCH_MAX_ITEMS:
        raise ApplicationError(errors.BATCH_TOO_LARGE, extra={"max_items": settings.CHECKIN_BATCH_MAX_ITEMS})
    if device.revoked_at is not None:
        raise ApplicationError(errors.DEVICE_REVOKED)
    scope = principal_scope(device)

    results: list[BatchItemResult | None] = [None] * len(items)
    parsed: list[tuple | None] = [None] * len(items)
    for index, item in enumerate(items):
        client_id = item.get("client_id") if isinstance(item, dict) else None
        client_id = client_id[:NONCE_MAX] if isinstance(client_id, str) else None
        try:
            parsed[index] = _batch_item_parse(item)
        except ApplicationError as error:
            results[index] = BatchItemResult.refused(client_id, error)

    tokens = {p[2] for p in parsed if p is not None and p[2] and _CODE_TOKEN.match(p[2])}
    codes = {c.token: c for c in VenueCode.objects.select_related("venue").filter(token__in=tokens)} if tokens else {}
    claims_by_index: dict[int, object] = {}
    for index, entry in enumerate(parsed):
        if entry is None:
            continue
        client_id, personal_qr, code_token, scanned_at, direction = entry
        try:
            code = None
            venue = device.venue
            if code_token:
                code = codes.get(code_token)
                if code is None:
                    raise ApplicationError(errors.UNKNOWN_CODE)
                if code.revoked_at is not None and code.revoked_at <= scanned_at:
                    raise ApplicationError(errors.CODE_REVOKED)
                venue = code.venue
            actor_check(device, venue)
            _venue_check(venue)
            claims_by_index[index] = personal_qr_claims(personal_qr, at=scanned_at)
            _time_check(scanned_at, now=now)
            parsed[index] = (client_id, personal_qr, code, scanned_at, direction, venue)
        except ApplicationError as error:
            results[index] = BatchItemResult.refused(client_id, error)
            parsed[index] = None

    person_ids = person_ids_by_public_id({c.public_id for c in claims_by_index.values()})
    ins: dict[str, tuple[int, tuple]] = {}
    outs: list[tuple[int, str, int, object, datetime]] = []
    first_index: dict[str, int] = {}
    for index, entry in enumerate(parsed):
        if entry is None:
            continue
        client_id, _qr, code, scanned_at, direction, venue = entry
        person_id = person_ids.get(claims_by_index[index].public_id)
        if person_id is None:
            results[index] = BatchItemResult.refused(client_id, ApplicationError(errors.UNKNOWN_PERSON))
            continue
        if client_id in first_index:
            # The same client id twice in one upload: the second is a repeat of the first.
            results[index] = BatchItemResult(client_id, "duplicate")
            continue
        first_index[client_id] = index
        if direction == "out":
            outs.append((index, client_id, person_id, venue, scanned_at))
            continue
        ins[client_id] = (index, (person_id, venue.pk, code.pk if code else None, venue.area_path, scanned_at))

    with transaction.atomic():
        if ins:
            inserted = _batch_insert(ins, device=device, scope=scope, now=now)
            late: dict[tuple[int, str, date], int] = defaultdict(int)
            today = local_day(now)
            for nonce, checkin_id in inserted.items():
                index, (_person_id, venue_id, _code_id, area_path, scanned_at) = ins[nonce]
                results[index] = BatchItemResult(nonce, "accepted", checkin_id=checkin_id)
                day = local_day(scanned_at)
                if day < today:
                    late[(venue_id, area_path, day)] += 1
            _late_counts_add(late)
            # Not inserted: the nonce was there already (an earlier upload, or a concurrent one of this batch).
            repeats = [nonce for nonce in ins if nonce not in inserted]
            if repeats:
                for nonce, checkin_id, person_id, venue_id in CheckIn.objects.filter(
                    nonce_scope=scope, nonce__in=repeats
                ).values_list("nonce", "id", "person_id", "venue_id"):
                    index, (candidate_person, candidate_venue, *_rest) = ins[nonce]
                    if person_id == candidate_person and venue_id == candidate_venue:
                        results[index] = BatchItemResult(nonce, "duplicate", checkin_id=checkin_id)
                    else:
                        results[index] = BatchItemResult.refused(
                            nonce, ApplicationError(core_errors.IDEMPOTENCY_KEY_REUSED)
                        )
        for index, client_id, person_id, venue, scanned_at in outs:
            results[index] = _batch_checkout(client_id, person_id, venue, scanned_at)
    for client_id, (index, _candidate) in ins.items():
        if results[index] is None:  # every inserted or conflicting row is found again; this is a safety net
            results[index] = BatchItemResult(client_id, "duplicate")
    for result in results:
        if result is not None and result.status == "duplicate" and result.checkin_id is None:
            first = first_index.get(result.client_id)
            if first is not None and results[first] is not None:
                result.checkin_id = results[first].checkin_id
    return results  # type: ignore[return-value]


def _batch_checkout(client_id: str, person_id: int, venue, scanned_at: datetime) -> BatchItemResult:
    """An "out" scan: closes the person's latest visit to the venue that began before it."""
    checkin = (
        CheckIn.objects.select_for_update()
        .filter(person_id=person_id, venue_id=venue.pk, checked_in_at__lte=scanned_at)
        .order_by("-checked_in_at")
        .first()
    )
    if checkin is None:
        return BatchItemResult.refused(client_id, ApplicationError(errors.NO_OPEN_CHECKIN))
    if checkin.checked_out_at is not None:
        return BatchItemResult(client_id, "duplicate", checkin_id=checkin.pk)
    checkin.checked_out_at = scanned_at
    checkin.checkout_kind = CheckIn.CheckoutKind.STAFF
    checkin.save(update_fields=["checked_out_at", "checkout_kind"])
    return BatchItemResult(client_id, "accepted", checkin_id=checkin.pk)


# --- check-out -----------------------------------------------------------------------------------------


def checkout(*, checkin: CheckIn, actor=None, at: datetime | None = None, kind: str) -> CheckIn:
    """Close a visit at `at` (default now).

    Guarantees: an actor (device or user) must be allowed at the venue (not_venue_staff); an explicit time
    before check-in is checkout_before_checkin, one beyond the clock skew scan_in_future; a visit already
    closed is returned unchanged (a repeat is harmless); the row is locked while it changes; a user's
    check-out is audited as `checkins.checkin.checked_out`.
    """
    now = timezone.now()
    if actor is not None:
        actor_check(actor, checkin.venue)
    if at is not None:
        if at > now + timedelta(seconds=settings.CHECKIN_CLOCK_SKEW_SECONDS):
            raise ApplicationError(errors.SCAN_IN_FUTURE)
    with transaction.atomic():
        row = CheckIn.objects.select_for_update().get(pk=checkin.pk)
        if row.checked_out_at is not None:
            return row
        if at is not None and at < row.checked_in_at:
            raise ApplicationError(errors.CHECKOUT_BEFORE_CHECKIN)
        # Without an explicit time, a check-in stamped slightly ahead by a scanner's clock closes at its start.
        row.checked_out_at = max(at or now, row.checked_in_at)
        row.checkout_kind = kind
        row.save(update_fields=["checked_out_at", "checkout_kind"])
        if actor is not None and not getattr(actor, "is_device", False):
            audit_record(
                actor=actor,
                action="checkins.checkin.checked_out",
                obj=row,
                area_path=row.area_path,
                extra={"kind": kind},
            )
    return row


def checkin_checkout_self(*, checkin_id: int, person, now: datetime | None = None) -> CheckIn:
    """The citizen pressed "check out" on their phone: only their own visit (else not_found), kind PERSON."""
    if not isinstance(checkin_id, int) or not 1 <= checkin_id < 2**63:
        raise ApplicationError(core_errors.NOT_FOUND)
    checkin = CheckIn.objects.select_related("venue").filter(pk=checkin_id, person_id=person.pk).first()
    if checkin is None:
        raise ApplicationError(core_errors.NOT_FOUND)
    return checkout(checkin=checkin, at=now, kind=CheckIn.CheckoutKind.PERSON)


# --- scanner devices ----------------------------------------------------------------------------------


def user_can_manage_devices(user, venue) -> bool:
    """The venue's manager or an official who may decide on it: the same people who manage its QR codes."""
    from phongdich.venues.services import can_manage

    return not getattr(user, "is_device", False) and can_manage(user, venue)


def _device_manager_check(user, venue) -> None:
    if not user_can_manage_devices(user, venue):
        raise ApplicationError(errors.NOT_VENUE_STAFF)


def scanner_device_create(*, venue, name: str, created_by) -> tuple[ScannerDevice, str]:
    """Register a scanner device for a venue; only its manager or an official of its area may.

    Guarantees: the token (256 random bits) is returned once and only its SHA-256 is stored; audited as
    `checkins.device.created`.
    """
    _device_manager_check(created_by, venue)
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise _invalid("name", "Tên thiết bị dài 1–100 ký tự.", "The device name must be 1–100 characters.")
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        device = ScannerDevice.objects.create(
            name=name, venue=venue, token_hash=hash_device_token(token), token_prefix=token[:8], created_by=created_by
        )
        audit_record(actor=created_by, action="checkins.device.created", obj=device, area_path=venue.area_path)
    return device, token


def scanner_device_revoke(*, device: ScannerDevice, actor) -> ScannerDevice:
    """Revoke a device: its token stops working at once in this process and within the device cache time
    (SCANNER_DEVICE_CACHE_SECONDS) elsewhere. Repeating is harmless. Audited as `checkins.device.revoked`."""
    _device_manager_check(actor, device.venue)
    with transaction.atomic():
        row = ScannerDevice.objects.select_for_update().get(pk=device.pk)
        if row.revoked_at is None:
            row.revoked_at = timezone.now()
            row.save(update_fields=["revoked_at"])
            audit_record(actor=actor, action="checkins.device.revoked", obj=row, area_path=device.venue.area_path)
    device_cache_clear(row.token_hash)
    return row


# --- periodic work ----------------------------------------------------------------------------------


def checkin_auto_checkout(*, now: datetime | None = None, chunk: int = 1000) -> int:
    """Close visits nobody checked out of, once their venue type's auto_checkout_minutes have passed.

    Guarantees: the visit is closed at check-in + that duration (the stay it is assumed to have lasted),
    kind AUTO; work goes in chunks of `chunk` rows, each its own short transaction; repeatable.
    Returns the number of visits closed.
    """
    from phongdich.venues.models import VenueType

    now = now or timezone.now()
    closed = 0
    for venue_type_code, minutes in VenueType.objects.values_list("code", "auto_checkout_minutes"):
        stay = timedelta(minutes=minutes)
        while True:
            with transaction.atomic():
                ids = list(
                    CheckIn.objects.filter(
                        checked_out_at__isnull=True,
                        checked_in_at__lte=now - stay,
                        venue__venue_type_id=venue_type_code,
                    )
                    .order_by("checked_in_at")
                    .values_list("id", flat=True)[:chunk]
                )
                if not ids:
                    break
                closed += CheckIn.objects.filter(id__in=ids, checked_out_at__isnull=True).update(
                    checked_out_at=F("checked_in_at") + stay, checkout_kind=CheckIn.CheckoutKind.AUTO
                )
            if len(ids) < chunk:
                break
    return closed


def checkin_rollup(*, now: datetime | None = None) -> list[date]:
    """Roll every finished local day into VenueDailyCount and advance RollupState.rolled_through.

    A day is finished ROLLUP_GRACE after its local midnight. Each day is counted in its own transaction
    holding the RollupState lock (see _late_counts_add), and its counts are written, not added, so a
    crash or a second run changes nothing. Returns the days rolled.
    """
    now = now or timezone.now()
    last_finished = local_day(now - ROLLUP_GRACE) - timedelta(days=1)
    rolled: list[date] = []
    while True:
        with transaction.atomic():
            state, _created = RollupState.objects.select_for_update().get_or_create(pk=1)
            if state.rolled_through is None:
                first = CheckIn.objects.order_by("checked_in_at").values_list("checked_in_at", flat=True).first()
                if first is None or local_day(first) > last_finished:
                    # Nothing to count yet: mark the finished days as rolled (they have no check-ins).
                    state.rolled_through = last_finished
                    state.save(update_fields=["rolled_through"])
                    return rolled
                day = local_day(first)
            else:
                day = state.rolled_through + timedelta(days=1)
            if day > last_finished:
                return rolled
            window = (day_start(day), day_start(day + timedelta(days=1)))
            rows = (
                CheckIn.objects.filter(checked_in_at__gte=window[0], checked_in_at__lt=window[1])
                .values("venue_id")
                .annotate(n=Count("id"), area=Max("area_path"))
            )
            counts = [
                VenueDailyCount(venue_id=row["venue_id"], day=day, area_path=row["area"], checkins=row["n"])
                for row in rows
            ]
            if counts:
                VenueDailyCount.objects.bulk_create(
                    counts,
                    update_conflicts=True,
                    unique_fields=["venue", "day"],
                    update_fields=["checkins", "area_path"],
                )
            state.rolled_through = day
            state.save(update_fields=["rolled_through"])
            rolled.append(day)


def checkin_prune(*, now: datetime | None = None, chunk: int = 5000) -> int:
    """Delete check-ins older than CHECKIN_RETENTION_DAYS, only for days already rolled up.

    Guarantees: statistics read the same before and after (the days deleted are in VenueDailyCount);
    deletes go in chunks of `chunk` rows, oldest first, each its own short transaction; repeatable.
    Returns the number deleted.
    """
    now = now or timezone.now()
    state = RollupState.objects.filter(pk=1).first()
    if state is None or state.rolled_through is None:
        return 0
    keep_from = local_day(now) - timedelta(days=settings.CHECKIN_RETENTION_DAYS)
    limit = day_start(min(keep_from, state.rolled_through + timedelta(days=1)))
    deleted = 0
    while True:
        ids = list(
            CheckIn.objects.filter(checked_in_at__lt=limit)
            .order_by("checked_in_at")
            .values_list("id", flat=True)[:chunk]
        )
        if not ids:
            return deleted
        with transaction.atomic():
            deleted += CheckIn.objects.filter(id__in=ids).delete()[0]
        if len(ids) < chunk:
            return deleted


# --- Claiming a LINKED record on a phone ------------------------------------------------------------
# A phone that matched an existing record (name, phone, year of birth: no secret) holds it LINKED, without its
# personal QR code (checkins.views.LINKED_MARK). Its owner, on a new phone or after "Forget this device", proves
# they hold the phone number on the record with a one-time code (core.otp, as the test result look-up). The view
# lets only a public id this very device holds as LINKED get here, so the flow cannot probe other people.

CLAIM_PURPOSE = "phongdich.checkins.claim"
# One SMS part (160 GSM-7 characters) at the default 10 minutes: a code must not cost two.
CLAIM_SMS = (
    "Ma {code}: hien ma QR ca nhan tren dien thoai moi, hieu luc {minutes} phut. Khong dua ai. / "
    "Code {code} shows your QR code on a new phone, valid {minutes} min. Do not share."
)


@dataclass(frozen=True)
class ClaimStarted:
    challenge: str  # kept in the asking browser's session, never in a form
    expires_at: datetime
    code: str  # shown on the page only with SMS_ECHO_ON_PAGE (demo)


def claim_code_send(*, person, ip: str | None, now: datetime | None = None) -> ClaimStarted:
    """Send a one-time code by SMS to the phone on `person`'s record; store only its keyed hash.

    Guarantees: at most CHECKIN_CLAIM_PER_PHONE codes per phone number in its window, counted in the database
    under a lock on the number (a count in the cache was per process without Redis, and sends at the same moment
    all read the same count: each code sent is 5 more guesses), and CHECKIN_CLAIM_PER_IP per address in the
    cache (claim_rate_limited, nothing sent); the SMS is masked in the outbox once sent; the sending is audited.
    Raises claim_no_phone for a record without a phone number.
    """
    if not person.phone:
        raise ApplicationError(errors.CLAIM_NO_PHONE)
    otp.limits_check(
        [
            (
                f"checkins:claim:ip:{ip or '-'}",
                settings.CHECKIN_CLAIM_PER_IP,
                settings.CHECKIN_CLAIM_PER_IP_WINDOW_SECONDS,
            )
        ],
        errors.CLAIM_RATE_LIMITED,
    )
    from phongdich.notifications.services import notify

    now = now or timezone.now()
    ttl = settings.CHECKIN_CLAIM_CODE_TTL_SECONDS
    challenge, code = otp.otp_challenge(), otp.otp_draw()
    expires_at = now + timedelta(seconds=ttl)
    window = settings.CHECKIN_CLAIM_PER_PHONE_WINDOW_SECONDS
    with transaction.atomic():
        advisory_xact_lock(f"claim:{person.phone}")  # serialises the sends to one number
        sent = ClaimCode.objects.filter(
            person__phone=person.phone, created_at__gt=now - timedelta(seconds=window)
        ).count()
        if sent >= settings.CHECKIN_CLAIM_PER_PHONE:
            raise ApplicationError(errors.CLAIM_RATE_LIMITED, extra={"retry_after_seconds": window})
        ClaimCode.objects.create(
            person=person,
            challenge=challenge,
            code_hash=otp.otp_hash(purpose=CLAIM_PURPOSE, challenge=challenge, code=code),
            created_at=now,
            expires_at=expires_at,
        )
        notify(
            phone=person.phone,
            text=CLAIM_SMS.format(code=code, minutes=max(1, ttl // 60)),
            kind="otp",
            person=person,
            secret=True,
        )
        audit_record(actor=None, action="checkins.claim.code_sent", obj=person, area_path=person.area_path, ip=ip)
    return ClaimStarted(challenge=challenge, expires_at=expires_at, code=code)


def claim_code_verify(*, person, challenge: str | None, code: str | None, ip: str | None) -> None:
    """Check the code typed for `person` against the one sent for this browser's `challenge`; spend it if right.

    Guarantees: a right code works once (claim_expired after, as after CHECKIN_CLAIM_CODE_TTL_SECONDS); a wrong one
    (claim_failed) is counted in the database, and the CHECKIN_CLAIM_MAX_ATTEMPTS-th voids the code (claim_locked),
    whatever the session; a code that is not 6 digits is refused (claim_code_format) without counting a try;
    the claim is audited. The caller then drops the LINKED mark on the device.
    """
    typed = otp.otp_typed(code)
    if not otp.otp_well_formed(typed):
        raise ApplicationError(errors.CLAIM_CODE_FORMAT)
    if not challenge:
        raise ApplicationError(errors.CLAIM_EXPIRED)
    now = timezone.now()
    max_attempts = settings.CHECKIN_CLAIM_MAX_ATTEMPTS
    typed_hash = otp.otp_hash(purpose=CLAIM_PURPOSE, challenge=challenge, code=typed)
    with transaction.atomic():
        row = ClaimCode.objects.select_for_update().filter(challenge=challenge, person=person).first()
        if row is None or row.used_at is not None or row.expires_at <= now:
            raise ApplicationError(errors.CLAIM_EXPIRED)
        if row.attempts >= max_attempts:
            raise ApplicationError(errors.CLAIM_LOCKED)
        good = otp.otp_matches(stored_hash=row.code_hash, typed_hash=typed_hash, typed=typed)
        if good:
            row.used_at = now
            row.save(update_fields=["used_at"])
            audit_record(actor=None, action="checkins.claim.verified", obj=person, area_path=person.area_path, ip=ip)
        else:
            row.attempts += 1
            row.save(update_fields=["attempts"])
            if row.attempts >= max_attempts:  # guessed at: the owner's trail shows it
                audit_record(actor=None, action="checkins.claim.locked", obj=person, area_path=person.area_path, ip=ip)
    if not good:  # raised after the block, so that the counted try is committed
        left = max(0, max_attempts - row.attempts)
        raise ApplicationError(errors.CLAIM_FAILED if left else errors.CLAIM_LOCKED, extra={"attempts_left": left})


def claim_codes_prune(*, now: datetime | None = None) -> int:
    """Delete claim codes that expired more than a day ago (they prove nothing any more). Returns the number."""
    now = now or timezone.now()
    return ClaimCode.objects.filter(expires_at__lt=now - timedelta(days=1)).delete()[0]
