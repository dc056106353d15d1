"""Writes of declarations. Every function validates all it stores, writes in one transaction, audits, and sends
`declaration_submitted` after the commit (declarations.signals). Bad input raises ApplicationError and writes
nothing (no declaration, no person).

The accepted `data` keys, by kind, are in DATA_FIELDS below; docs/declarations.md explains each one.
"""

from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from phongdich.core.audit import audit_record
from phongdich.core.errors import ApplicationError
from phongdich.core.scoping import area_visible
from phongdich.geo.models import Area
from phongdich.people.models import Person
from phongdich.people.services import person_find_or_create, person_for_staff_entry, person_update
from phongdich.people.validation import validate_passport

from . import errors, questions
from .countries import country_validate
from .models import Declaration, PortOfEntry
from .signals import declaration_submitted

KINDS = {choice.value for choice in Declaration.Kind}
SOURCES = {choice.value for choice in Declaration.Source}

# Fields asked by every form (identity aside), then those of each kind (RULES.md §6).
COMMON_FIELDS = (
    "email",
    "area",
    "address_street",
    "travelled_14d",
    "travel_places",
    "symptoms",
    "symptom_notes",
    "exposures",
)
MOVEMENT_FIELDS = (
    "vehicle_type",
    "vehicle_number",
    "seat",
    "origin_area",
    "origin_point",
    "destination_area",
    "destination_point",
    "departure_date",
)
ENTRY_FIELDS = (
    "vehicle_type",
    "vehicle_number",
    "seat",
    "departure_date",
    "passport_number",
    "nationality",
    "port_of_entry",
    "arrival_date",
    "countries_visited",
    "vaccination_declared",
)
DATA_FIELDS = {
    Declaration.Kind.DOMESTIC: COMMON_FIELDS,
    Declaration.Kind.MOVEMENT: COMMON_FIELDS + MOVEMENT_FIELDS,
    Declaration.Kind.ENTRY: COMMON_FIELDS + ENTRY_FIELDS,
}
ALL_FIELDS = frozenset(COMMON_FIELDS + MOVEMENT_FIELDS + ENTRY_FIELDS)

# Longest text per field (the model's column, or a bound for free text so one form cannot fill the database).
MAX_LENGTH = {
    "email": 150,
    "address_street": 255,
    "travel_places": 500,
    "symptom_notes": 500,
    "vehicle_number": 30,
    "seat": 10,
    "origin_point": 150,
    "destination_point": 150,
    "passport_number": 30,
    "vaccine": 100,
    "vehicle_type": 10,
}
# Plausibility bounds of dates (ours, not a rule): an arrival is declared from a month before to a month after it;
# a trip is declared for the coming month or the past one; a vaccine dose given before WHO's first emergency use
# listing (31/12/2020, Pfizer-BioNTech) is a typing error.
ARRIVAL_WINDOW = timedelta(days=30)
DEPARTURE_WINDOW = timedelta(days=30)
FIRST_VACCINE_DATE = date(2020, 12, 1)
MAX_DOSES = 10
MAX_COUNTRIES = 50
# One phone declares for a family: as many people as a device remembers (checkins.views.MAX_REMEMBERED).
MAX_FAMILY = 8


def _invalid(field: str, vi: str, en: str) -> ApplicationError:
    return ApplicationError(
        errors.INVALID_DECLARATION,
        extra={"field": field},
        vi=f"{errors.INVALID_DECLARATION.vi} {vi}",
        en=f"{errors.INVALID_DECLARATION.en} {en}",
    )


def _required(field: str) -> ApplicationError:
    return _invalid(field, "Thiếu thông tin bắt buộc.", "A required answer is missing.")


def _text(data: dict, field: str, *, required: bool = False) -> str:
    value = data.get(field)
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise _invalid(field, "Phải là chuỗi ký tự.", "Must be text.")
    value = " ".join(value.split()) if field != "symptom_notes" and field != "travel_places" else value.strip()
    limit = MAX_LENGTH.get(field, 100)
    if len(value) > limit:
        raise ApplicationError(
            errors.TEXT_TOO_LONG,
            extra={"field": field, "max_length": limit},
            vi=f"{errors.TEXT_TOO_LONG.vi} ({field}: tối đa {limit} ký tự)",
            en=f"{errors.TEXT_TOO_LONG.en} ({field}: at most {limit} characters)",
        )
    if "\x00" in value:
        raise _invalid(field, "Có ký tự không hợp lệ.", "Contains an invalid character.")
    if required and not value:
        raise _required(field)
    return value


def _bool(data: dict, field: str) -> bool:
    value = data.get(field, False)
    if value in (True, False, None):
        return bool(value)
    if isinstance(value, str) and value.lower() in ("yes", "true", "1", "no", "false", "0", ""):
        return value.lower() in ("yes", "true", "1")
    raise _invalid(field, "Phải là Có hoặc Không.", "Must be yes or no.")


def _date(data: dict, field: str, *, required: bool = False) -> date | None:
    value = data.get(field)
    if value in (None, ""):
        if required:
            raise _required(field)
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            pass
    raise _invalid(field, "Ngày không hợp lệ (YYYY-MM-DD).", "Invalid date (YYYY-MM-DD).")


def _codes(data: dict, field: str, allowed: dict, error) -> list[str]:
    value = data.get(field) or []
    if not isinstance(value, list | tuple) or len(value) > max(len(allowed), MAX_COUNTRIES):
        raise _invalid(field, "Phải là một danh sách mã.", "Must be a list of codes.")
    seen = []
    for code in value:
        if not isinstance(code, str) or code not in allowed:
            raise ApplicationError(error, extra={"field": field, "value": str(code)[:40]})
        if code not in seen:
            seen.append(code)
    return seen


def _area(data: dict, field: str, *, required: bool = False) -> Area | None:
    value = data.get(field)
    if value in (None, ""):
        if required:
            raise _required(field)
        return None
    if isinstance(value, Area):
        return value
    try:
        return Area.objects.get(pk=int(value))
    except (TypeError, ValueError, Area.DoesNotExist) as exc:
        raise ApplicationError(errors.UNKNOWN_AREA, extra={"field": field}) from exc


def _port(value) -> PortOfEntry:
    if isinstance(value, PortOfEntry):
        port = value
    else:
        port = PortOfEntry.objects.filter(code=str(value or "").strip().upper()[:20]).first()
    if port is None or not port.active:
        raise ApplicationError(errors.UNKNOWN_PORT, extra={"field": "port_of_entry", "value": str(value)[:20]})
    return port


def _within(day: date | None, today: date, window: timedelta, error, field: str) -> None:
    if day is not None and not (today - window <= day <= today + window):
        raise ApplicationError(error, extra={"field": field, "value": day.isoformat()})


def _vaccination(value, today: date) -> dict:
    if value in (None, "", {}):
        return {}
    if not isinstance(value, dict) or set(value) - {"doses", "vaccine", "last_dose_date"}:
        raise _invalid(
            "vaccination_declared", "Chỉ gồm doses, vaccine, last_dose_date.", "Only doses, vaccine, last_dose_date."
        )
    doses = value.get("doses")
    try:
        doses = int(doses) if doses not in (None, "") else 0
    except (TypeError, ValueError) as exc:
        raise _invalid("vaccination_declared", "Số mũi không hợp lệ.", "Invalid number of doses.") from exc
    if not 0 <= doses <= MAX_DOSES:
        raise _invalid("vaccination_declared", "Số mũi không hợp lệ.", "Invalid number of doses.")
    vaccine = _text(value, "vaccine")
    last = _date(value, "last_dose_date")
    if last is not None and not (FIRST_VACCINE_DATE <= last <= today):
        raise ApplicationError(errors.DATE_OUT_OF_RANGE, extra={"field": "last_dose_date", "value": last.isoformat()})
    if doses == 0 and (vaccine or last):
        raise _invalid("vaccination_declared", "Chưa tiêm thì không có vắc xin.", "No doses means no vaccine or date.")
    return {"doses": doses, "vaccine": vaccine, "last_dose_date": last.isoformat() if last else None}


def _other_kind_check(kind: str, data: dict) -> None:
    asked = DATA_FIELDS[kind]
    for field, value in data.items():
        if field not in ALL_FIELDS:
            raise _invalid(field, "Trường không có trong tờ khai.", "No such field in a declaration.")
        if field not in asked and value not in (None, "", [], {}, False):
            raise _invalid(field, "Tờ khai loại này không hỏi thông tin này.", "This form does not ask for this.")


def declaration_clean(*, kind: str, data: dict, source: str = "online", today: date | None = None) -> dict:
    """The model field values of a declaration of `kind` from `data`, validated; ApplicationError otherwise.

    Writes nothing and reads only reference data (areas, ports), so forms and the API may call it to check a
    declaration before anything is created (the family form checks every member first).
    """
    if kind not in KINDS:
        raise ApplicationError(errors.UNKNOWN_DECLARATION_KIND, extra={"value": str(kind)[:20]})
    if not isinstance(data, dict):
        raise _invalid("data", "Phải là một đối tượng.", "Must be an object.")
    _other_kind_check(kind, data)
    today = today or timezone.localdate()
    symptoms_allowed = dict(questions.symptoms_for(kind))
    if source == Declaration.Source.VENUE_INLINE:
        symptoms_allowed[questions.SYMPTOMS_ANY] = questions.SYMPTOMS[questions.SYMPTOMS_ANY]
    email = _text(data, "email")
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise _invalid("email", "Email không hợp lệ.", "Invalid email address.") from exc
    travelled = _bool(data, "travelled_14d")
    cleaned = {
        "email": email,
        # The address in Vietnam is required on the domestic forms; an entrant may not know it yet.
        # (The short declaration of a venue check-in does not ask it: the person's own area scopes it.)
        "area": _area(
            data, "area", required=kind != Declaration.Kind.ENTRY and source != Declaration.Source.VENUE_INLINE
        ),
        "address_street": _text(data, "address_street"),
        "travelled_14d": travelled,
        "travel_places": _text(data, "travel_places") if travelled else "",
        "symptoms": _codes(data, "symptoms", symptoms_allowed, errors.UNKNOWN_SYMPTOM),
        "symptom_notes": _text(data, "symptom_notes"),
        "exposures": _codes(data, "exposures", questions.exposures_for(kind), errors.UNKNOWN_SYMPTOM),
    }
    if kind in (Declaration.Kind.MOVEMENT, Declaration.Kind.ENTRY):
        vehicle = _text(data, "vehicle_type", required=kind == Declaration.Kind.MOVEMENT)
        if vehicle and vehicle not in questions.vehicles_for(kind):
            raise _invalid("vehicle_type", "Phương tiện không có trong danh sách.", "Not one of the listed vehicles.")
        cleaned["vehicle_type"] = vehicle
        cleaned["vehicle_number"] = _text(data, "vehicle_number", required=kind == Declaration.Kind.MOVEMENT)
        cleaned["seat"] = _text(data, "seat")
        departure = _date(data, "departure_date", required=kind == Declaration.Kind.MOVEMENT)
        _within(departure, today, DEPARTURE_WINDOW, errors.DATE_OUT_OF_RANGE, "departure_date")
        cleaned["departure_date"] = departure
    if kind == Declaration.Kind.MOVEMENT:
        # RULES.md §6, movement block: Nơi đi*, Điểm đi*, Nơi đến*, Điểm đến* are required.
        cleaned["origin_area"] = _area(data, "origin_area", required=True)
        cleaned["origin_point"] = _text(data, "origin_point", required=True)
        cleaned["destination_area"] = _area(data, "destination_area", required=True)
        cleaned["destination_point"] = _text(data, "destination_point", required=True)
    if kind == Declaration.Kind.ENTRY:
        passport = _text(data, "passport_number", required=True)
        cleaned["passport_number"] = validate_passport(passport)
        cleaned["nationality"] = country_validate(data.get("nationality"), field="nationality")
        if data.get("port_of_entry") in (None, ""):
            raise _required("port_of_entry")
        cleaned["port_of_entry"] = _port(data.get("port_of_entry"))
        arrival = _date(data, "arrival_date", required=True)
        _within(arrival, today, ARRIVAL_WINDOW, errors.ARRIVAL_DATE_OUT_OF_RANGE, "arrival_date")
        cleaned["arrival_date"] = arrival
        visited = data.get("countries_visited") or []
        if not isinstance(visited, list | tuple) or len(visited) > MAX_COUNTRIES:
            raise _invalid("countries_visited", "Phải là danh sách mã quốc gia.", "Must be a list of country codes.")
        codes = []
        for code in visited:
            code = country_validate(code, field="countries_visited")
            if code not in codes:
                codes.append(code)
        cleaned["countries_visited"] = codes
        cleaned["vaccination_declared"] = _vaccination(data.get("vaccination_declared"), today)
    return cleaned


def _scope_path(kind: str, cleaned: dict, person: Person | None) -> str:
    """The declaration's scope: the declared address; for an entrant without one, the port's province; else the
    person's own area."""
    if cleaned.get("area") is not None:
        return cleaned["area"].path
    port = cleaned.get("port_of_entry")
    if port is not None and port.province_id is not None:
        return port.province.path
    if port is not None and port.province_code:
        # Seeded before the areas were loaded: the province by its code (a foreigner's first stay is often not
        # known at the border; the address was refused, and the declaration with it).
        province = Area.objects.filter(parent__isnull=True, code=port.province_code).first()
        if province is not None:
            return province.path
    if person is not None and person.area_path:
        return person.area_path
    raise _invalid("area", "Cần địa chỉ tại Việt Nam.", "An address in Vietnam is required.")


def _actor_check(actor, path: str) -> None:
    """A staff user (paper entry) may only record declarations inside their own area (core.scoping)."""
    if actor is None or getattr(actor, "is_device", False) or not getattr(actor, "is_authenticated", False):
        return
    if not area_visible(actor, path):
        raise ApplicationError(errors.AREA_NOT_VISIBLE, extra={"area_path": path})


def _is_user(actor) -> bool:
    return getattr(actor, "is_authenticated", False) and not getattr(actor, "is_device", False)


def _save(*, person, kind, cleaned, path, source, actor, now, nonce) -> Declaration:
    declaration = Declaration(
        person=person,
        kind=kind,
        submitted_at=now,
        source=source,
        recorded_by=actor if _is_user(actor) else None,
        nonce=(nonce or None) and str(nonce)[:80],
        area_path=path,
        flagged=bool(cleaned["symptoms"] or cleaned["exposures"]),
        **cleaned,
    )
    if declaration.nonce:
        existing = Declaration.objects.filter(person=person, nonce=declaration.nonce).first()
        if existing is not None:
            existing.replayed = True
            return existing
    try:
        with transaction.atomic():  # a savepoint: a concurrent twin with the same nonce must not break the caller
            declaration.save()
    except IntegrityError:
        existing = Declaration.objects.filter(person=person, nonce=declaration.nonce).first()
        if existing is None:
            raise
        existing.replayed = True
        return existing
    declaration.replayed = False
    audit_record(
        actor=actor,
        action="declarations.declaration.submitted",
        obj=declaration,
        area_path=path,
        extra={"kind": kind, "source": source, "flagged": declaration.flagged},
    )
    transaction.on_commit(lambda: declaration_submitted.send(sender=Declaration, declaration=declaration))
    return declaration


@transaction.atomic
def declaration_submit(
    *,
    person: Person,
    kind: str,
    data: dict,
    source: str = Declaration.Source.ONLINE,
    actor=None,
    now: datetime | None = None,
    nonce: str | None = None,
) -> Declaration:
    """Record one declaration of `kind` for `person` from `data` (keys: DATA_FIELDS[kind]).

    Guarantees: every field is validated for its kind (unknown symptom, country or port, out-of-range dates,
    oversize text, a field the form does not ask → ApplicationError, nothing written); `flagged` is True exactly
    when a symptom or an exposure was declared; `area_path` is the declared address's path (else the port's
    province, else the person's area); a staff `actor` must see that area (area_not_visible); audited as
    `declarations.declaration.submitted`; `declaration_submitted` is sent after the commit. The same `nonce` for
    the same person answers the first declaration again (`replayed` True) and writes and sends nothing.
    """
    if source not in SOURCES:
        raise _invalid("source", "Nguồn không hợp lệ.", "Unknown source.")
    now = now or timezone.now()
    cleaned = declaration_clean(kind=kind, data=data, source=source, today=timezone.localdate(now))
    path = _scope_path(kind, cleaned, person)
    _actor_check(actor, path)
    return _save(person=person, kind=kind, cleaned=cleaned, path=path, source=source, actor=actor, now=now, nonce=nonce)


_MEMBER_KEYS = {"full_name", "birth_year", "citizen_id", "gender", "nationality", "phone", "data"}


def _member_data(member: dict, shared: dict) -> dict:
    extra = member.get("data") or {}
    if not isinstance(extra, dict):
        raise _invalid("members", "Phần riêng phải là đối tượng.", "A member's own data must be an object.")
    return {**shared, **extra}


@transaction.atomic
def declaration_submit_for_family(
    *,
    declarer_phone: str,
    members: list[dict],
    kind: str,
    data: dict,
    source: str = Declaration.Source.ONLINE,
    actor=None,
    now: datetime | None = None,
    nonce: str | None = None,
) -> list[Declaration]:
    """One phone declares for several people of a family: each member becomes (or is found as) a person of their
    own (people.services.person_find_or_create, phone = the member's own or the declarer's) and gets their own
    declaration. Staff entering a paper form (`actor`, source paper) find each member by the exact CCCD first
    (people.services.person_for_staff_entry: person_id_on_record 409 for a CCCD on record under another name or
    year of birth).

    `members`: [{"full_name", "birth_year", "citizen_id"?, "gender"?, "nationality"?, "phone"?, "data"?}], 1–8 of
    them; "data" holds the member's own answers (e.g. symptoms), merged over the shared `data` (address, travel).
    For an entry declaration the passport number and nationality are each member's own ("data").
    Guarantees: all members are validated before anything is written; all or nothing (one transaction); a new
    person's gender, passport and nationality are filled from the declaration; an existing person's recorded
    values are never overwritten. Each declaration is audited and signalled as in declaration_submit. With a
    `nonce`, member i's declaration uses `<nonce>:<i>`, so a re-sent form records nothing new.
    """
    if not isinstance(members, list | tuple) or not members:
        raise _invalid("members", "Cần ít nhất một người.", "At least one person is needed.")
    if len(members) > MAX_FAMILY:
        raise ApplicationError(errors.FAMILY_TOO_LARGE, extra={"max": MAX_FAMILY})
    if source not in SOURCES:
        raise _invalid("source", "Nguồn không hợp lệ.", "Unknown source.")
    now = now or timezone.now()
    today = timezone.localdate(now)
    checked = []
    for index, member in enumerate(members):
        if not isinstance(member, dict) or set(member) - _MEMBER_KEYS:
            raise _invalid(f"members[{index}]", "Thông tin người khai không hợp lệ.", "Invalid member.")
        cleaned = declaration_clean(kind=kind, data=_member_data(member, data), source=source, today=today)
        if member.get("nationality"):
            member = {**member, "nationality": country_validate(member["nationality"])}
        path = _scope_path(kind, cleaned, None)
        _actor_check(actor, path)
        checked.append((member, cleaned, path))
    paper = source == Declaration.Source.PAPER
    created_via = Person.CreatedVia.PAPER if paper else Person.CreatedVia.SELF_REGISTRATION
    declarations = []
    for index, (member, cleaned, path) in enumerate(checked):
        identity = {
            "full_name": member.get("full_name") or "",
            "phone": member.get("phone") or declarer_phone,
            "birth_year": member.get("birth_year"),
            "citizen_id": member.get("citizen_id") or "",
            "area_path": path,
            "created_via": created_via,
            "address_area": cleaned.get("area"),
            "address_street": cleaned.get("address_street", ""),
        }
        if paper and actor is not None:
            # Staff typing a paper form: the record with that exact CCCD wherever it is (audited), not a second one;
            # one with another name or year of birth is refused (person_id_on_record), never attached: a
            # declaration on the wrong record flags the wrong person, and staff are not shown who is on record.
            person = person_for_staff_entry(
                actor=actor, purpose="declarations.paper", reason="Nhập tờ khai giấy", refuse_differing=True, **identity
            )
        else:
            person = person_find_or_create(**identity)
        _fill_gaps(person, member, cleaned)
        declarations.append(
            _save(
                person=person,
                kind=kind,
                cleaned=cleaned,
                path=path,
                source=source,
                actor=actor,
                now=now,
                nonce=f"{nonce}:{index}" if nonce else None,
            )
        )
    return declarations


def _fill_gaps(person: Person, member: dict, cleaned: dict) -> None:
    """Fill fields the person's record lacks (never overwrite what an earlier declaration or an official recorded)."""
    fields = {}
    if member.get("gender") and not person.gender:
        fields["gender"] = member["gender"]
    if cleaned.get("passport_number") and not person.passport_number:
        fields["passport_number"] = cleaned["passport_number"]
    nationality = cleaned.get("nationality") or member.get("nationality")
    if nationality and person.nationality != nationality and not person.passport_number and not person.citizen_id:
        fields["nationality"] = nationality
    if fields:
        person_update(actor=None, person=person, **fields)


def declaration_submit_venue_inline(
    *,
    person: Person,
    venue,
    has_symptoms: bool | None,
    had_contact: bool | None,
    travelled: bool | None,
    nonce: str | None = None,
    now: datetime | None = None,
) -> Declaration:
    """The short declaration asked on a venue's check-in page when the venue requires a recent declaration
    (Venue.declaration_required_hours) and the person has none: the three yes/no answers of the check-in.

    Recorded as a domestic declaration with source venue_inline: "yes" to the symptom question is the code
    `any_listed` (the short question does not say which sign), "yes" to contact is `contact_case`, travel is
    `travelled_14d`. Call it inside the check-in's transaction, so both are written or neither. The address is
    not asked: the person's own area scopes it. Audited and signalled as declaration_submit.
    """
    data = {
        "area": person.address_area if person.address_area_id else None,
        "address_street": person.address_street if person.address_area_id else "",
        "travelled_14d": bool(travelled),
        "symptoms": [questions.SYMPTOMS_ANY] if has_symptoms else [],
        "exposures": ["contact_case"] if had_contact else [],
    }
    return declaration_submit(
        person=person,
        kind=Declaration.Kind.DOMESTIC,
        data=data,
        source=Declaration.Source.VENUE_INLINE,
        now=now,
        nonce=f"venue:{venue.pk}:{nonce}" if nonce else None,
    )


def declaration_prefill(*, person: Person, kind: str | None = None) -> dict:
    """The `data` (and kind) of the person's last declaration (of `kind`, if given), for a new one to start from.

    The answers about the last 14 days (travel, symptoms, exposures) are NOT carried over: each declaration is a
    new statement of them. Returns {} when the person has none. Values are in the form declaration_submit accepts
    (areas as Area, the port as its code, dates as date).
    """
    from .selectors import declaration_latest

    last = declaration_latest(person=person, kind=kind)
    if last is None:
        return {}
    fields = DATA_FIELDS[last.kind]
    skipped = {"travelled_14d", "travel_places", "symptoms", "symptom_notes", "exposures"}
    data = {"kind": last.kind}
    for field in fields:
        if field in skipped:
            continue
        value = getattr(last, field)
        if field == "port_of_entry":
            value = value.code if value is not None else ""
        if value not in (None, "", [], {}):
            data[field] = value
    return data
