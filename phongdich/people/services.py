"""Writes to people. Every function validates and normalises all it stores and writes the audit record."""

from datetime import date

from django.db import transaction
from django.utils import timezone

from phongdich.core import errors as core_errors
from phongdich.core.audit import audit_record
from phongdich.core.errors import ApplicationError
from phongdich.core.locks import advisory_xact_lock
from phongdich.core.scoping import area_visible
from phongdich.core.text import fold

from . import errors
from .models import Person
from .selectors import identifier_searched_audit
from .validation import (
    normalise_phone,
    validate_citizen_id,
    validate_old_id_number,
    validate_passport,
)

_GENDERS = {choice.value for choice in Person.Gender}
_CREATED_VIA = {choice.value for choice in Person.CreatedVia}
_OLDEST_BIRTH_YEAR = 1900


def _invalid(field: str, vi: str, en: str) -> ApplicationError:
    return ApplicationError(
        errors.INVALID_PERSON,
        extra={"field": field},
        vi=f"{errors.INVALID_PERSON.vi} {vi}",
        en=f"{errors.INVALID_PERSON.en} {en}",
    )


def _clean_name(full_name: str) -> str:
    name = " ".join((full_name or "").split())
    if not name or len(name) > 150:
        raise _invalid("full_name", "Họ tên phải có 1–150 ký tự.", "The full name must be 1–150 characters.")
    return name


def _clean_birth(birth_year, birth_date) -> tuple[int | None, date | None]:
    if birth_date is not None:
        if birth_date > timezone.localdate() or birth_date.year < _OLDEST_BIRTH_YEAR:
            raise _invalid("birth_date", "Ngày sinh không hợp lệ.", "The date of birth is impossible.")
        if birth_year is not None and int(birth_year) != birth_date.year:
            raise _invalid(
                "birth_year", "Năm sinh không khớp ngày sinh.", "The year of birth does not match the date of birth."
            )
        birth_year = birth_date.year
    if birth_year is not None:
        try:
            birth_year = int(birth_year)
        except (TypeError, ValueError) as exc:
            raise _invalid("birth_year", "Năm sinh không hợp lệ.", "The year of birth is impossible.") from exc
        if not _OLDEST_BIRTH_YEAR <= birth_year <= timezone.localdate().year:
            raise _invalid("birth_year", "Năm sinh không hợp lệ.", "The year of birth is impossible.")
    return birth_year, birth_date


def _clean_fields(fields: dict) -> dict:
    """Validate and normalise the given subset of a person's fields (used by create and update)."""
    cleaned = dict(fields)
    if "full_name" in cleaned:
        cleaned["full_name"] = _clean_name(cleaned["full_name"])
        cleaned["name_folded"] = fold(cleaned["full_name"])[:150]
    if "gender" in cleaned:
        cleaned["gender"] = cleaned["gender"] or ""
        if cleaned["gender"] not in _GENDERS:
            raise _invalid("gender", "Giới tính không hợp lệ.", "The gender is not one of male, female, other.")
    if "birth_year" in cleaned or "birth_date" in cleaned:
        birth = _clean_birth(cleaned.get("birth_year"), cleaned.get("birth_date"))
        cleaned["birth_year"], cleaned["birth_date"] = birth
    if cleaned.get("phone"):
        cleaned["phone"] = normalise_phone(cleaned["phone"])
    if cleaned.get("citizen_id"):
        cleaned["citizen_id"] = validate_citizen_id(
            cleaned["citizen_id"], birth_year=cleaned.get("birth_year"), gender=cleaned.get("gender")
        )
    if cleaned.get("old_id_number"):
        cleaned["old_id_number"] = validate_old_id_number(cleaned["old_id_number"])
    if cleaned.get("passport_number"):
        cleaned["passport_number"] = validate_passport(cleaned["passport_number"])
    if "nationality" in cleaned:
        nationality = (cleaned["nationality"] or "VN").strip().upper()
        if len(nationality) != 2 or not nationality.isalpha() or not nationality.isascii():
            raise _invalid("nationality", "Quốc tịch phải là mã 2 chữ cái.", "The nationality must be a 2-letter code.")
        cleaned["nationality"] = nationality
    if "address_street" in cleaned:
        cleaned["address_street"] = " ".join((cleaned["address_street"] or "").split())[:255]
    return cleaned


def _area_path_for(address_area, area_path: str | None) -> str:
    if address_area is not None:
        return address_area.path
    if area_path:
        return area_path
    raise _invalid("address_area", "Cần địa bàn của người này.", "The person's area is required.")


@transaction.atomic
def person_create(
    *,
    actor,
    full_name: str,
    phone: str = "",
    birth_year: int | None = None,
    birth_date: date | None = None,
    gender: str = "",
    citizen_id: str = "",
    old_id_number: str = "",
    passport_number: str = "",
    nationality: str = "VN",
    address_area=None,
    address_street: str = "",
    area_path: str | None = None,
    created_via: str,
    refuse_id_on_record: bool = False,
) -> Person:
    """Create a person from validated, normalised data and audit `people.person.created`.

    Guarantees: the phone is stored in E.164, ID numbers are structurally valid (a CCCD also agrees with
    the birth year and gender), `name_folded` is set, and `area_path` is the address area's path or else
    the given `area_path`. Invalid input raises ApplicationError and writes nothing.

    `refuse_id_on_record` (an official entering a person not yet on record): a CCCD or CMND already on anyone's
    record, anywhere, is refused (person_id_on_record, 409, `extra.field`), naming nobody: the official names that
    person instead (selectors.person_identify). Phones are not refused: families share them. Self check-in and
    paper forms go through person_find_or_create and keep making a second record, by design (its docstring).
    """
    if created_via not in _CREATED_VIA:
        raise _invalid("created_via", "Nguồn tạo không hợp lệ.", "Unknown created_via.")
    cleaned = _clean_fields(
        {
            "full_name": full_name,
            "phone": phone,
            "birth_year": birth_year,
            "birth_date": birth_date,
            "gender": gender,
            "citizen_id": citizen_id,
            "old_id_number": old_id_number,
            "passport_number": passport_number,
            "nationality": nationality,
            "address_street": address_street,
        }
    )
    if refuse_id_on_record:
        _id_on_record_refuse(cleaned)
    person = Person.objects.create(
        **cleaned,
        address_area=address_area,
        area_path=_area_path_for(address_area, area_path),
        created_via=created_via,
    )
    audit_record(
        actor=actor,
        action="people.person.created",
        obj=person,
        area_path=person.area_path,
        extra={"created_via": created_via},
    )
    return person


def _id_on_record_refuse(cleaned: dict) -> None:
    """person_id_on_record when the CCCD or CMND of a new person is on a record already. The number's lock is held
    until the commit, so two officials entering the same number at once make one record and one refusal."""
    for name in ("citizen_id", "old_id_number"):
        value = cleaned.get(name)
        if not value:
            continue
        advisory_xact_lock(f"person:{'cccd' if name == 'citizen_id' else 'cmnd'}:{value}")
        if Person.objects.filter(**{name: value}).exists():
            raise ApplicationError(errors.PERSON_ID_ON_RECORD, extra={"field": name})


def person_for_id_card(*, card, area_path: str) -> Person:
    """The person whose chip-based ID card was scanned (people.cccd): the record with that CCCD number whose name
    and date (or year) of birth are the card's too, or a new one from the card (filed at `area_path`, the venue's
    area, as for any person first recorded there). A number alone is not enough to attach a check-in to a record:
    CCCD numbers are written on many papers, and paper entry too needs name, phone and year of birth; a record
    with the number but another name or birth date is left alone and the new one appears beside it on the
    duplicates page. The card's data is never written over a record. Invalid card data (a number that does not
    agree with the year of birth or sex) raises ApplicationError and writes nothing."""
    # The number must agree with the card's year of birth and sex before it is looked up, so that the answer
    # does not depend on whether the number is on record.
    validate_citizen_id(card.citizen_id, birth_year=card.birth_date.year, gender=card.gender)
    name_folded = fold(" ".join(card.full_name.split()))[:150]
    advisory_xact_lock(f"person:cccd:{card.citizen_id}")  # two first scans of one card at once: one record
    for existing in Person.objects.filter(citizen_id=card.citizen_id).order_by("id")[:5]:
        same_birth = (
            existing.birth_date == card.birth_date
            if existing.birth_date
            else existing.birth_year == card.birth_date.year
        )
        if existing.name_folded == name_folded and same_birth:
            return existing
    return person_create(
        actor=None,
        full_name=card.full_name,
        birth_date=card.birth_date,
        gender=card.gender,
        citizen_id=card.citizen_id,
        old_id_number=card.old_id_number,
        address_street=card.address,
        area_path=area_path,
        created_via=Person.CreatedVia.ID_CARD,
    )


@transaction.atomic
def person_find_or_create(
    *,
    full_name: str,
    phone: str,
    birth_year: int | None,
    citizen_id: str = "",
    area_path: str,
    created_via: str,
    address_area=None,
    address_street: str = "",
) -> Person:
    """The person a citizen (self check-in) or a paper form describes: an existing record or a new one.

    Match rule: same normalised phone AND same folded name AND same birth year, and no different citizen ID
    on record → that person (a missing citizen ID is filled in). Anything else makes a new person: family
    members share phones, and a near-match is left for the duplicates page, never merged here. The result
    looks the same whether the person was found or created, so the caller learns nothing about others; the
    caller must show back only what the citizen typed. Invalid input raises ApplicationError, writes nothing.
    """
    name = _clean_name(full_name)
    cleaned = _clean_fields({"phone": phone, "birth_year": birth_year, "citizen_id": citizen_id})
    if not cleaned["phone"]:
        raise ApplicationError(errors.INVALID_PHONE, extra={"value": ""})
    candidates = Person.objects.filter(
        phone=cleaned["phone"], name_folded=fold(name)[:150], birth_year=cleaned["birth_year"]
    ).order_by("id")
    for person in candidates[:5]:
        if cleaned["citizen_id"] and person.citizen_id and person.citizen_id != cleaned["citizen_id"]:
            continue
        if cleaned["citizen_id"] and not person.citizen_id:
            person.citizen_id = cleaned["citizen_id"]
            person.save(update_fields=["citizen_id", "updated_at"])
            audit_record(
                actor=None,
                action="people.person.updated",
                obj=person,
                area_path=person.area_path,
                extra={"fields": ["citizen_id"], "created_via": created_via},
            )
        return person
    return person_create(
        actor=None,
        full_name=name,
        phone=cleaned["phone"],
        birth_year=cleaned["birth_year"],
        citizen_id=cleaned["citizen_id"],
        address_area=address_area,
        address_street=address_street,
        area_path=area_path,
        created_via=created_via,
    )


def _same_identity(person: Person, name_folded: str, birth_year: int | None, birth_date: date | None) -> bool:
    """The record names the person typed: the same folded name, and the same date (else year) of birth where both
    have one."""
    if person.name_folded != name_folded:
        return False
    if birth_date is not None and person.birth_date is not None:
        return person.birth_date == birth_date
    return birth_year is None or person.birth_year is None or person.birth_year == birth_year


def person_identity_warning(*, person: Person, field: str) -> errors.EntryWarning:
    """The warning person_for_staff_entry gives when the record found by the number `field` has another name or
    birth: the record named only as the cases look-up names it (initials, year of birth, commune). Also for an API
    answer replayed (its Idempotency-Key), which keeps only whether there was one."""
    from .selectors import _commune_name

    shown = {"initials": person.initials, "birth_year": person.birth_year, "commune": _commune_name(person)}
    year = shown["birth_year"] or "?"
    return errors.EntryWarning(
        code=errors.PERSON_IDENTITY_DIFFERS,
        extra={"field": field, **shown},
        vi=f"{errors.PERSON_IDENTITY_DIFFERS_VI} Hồ sơ: {shown['initials']}, sinh {year}, {shown['commune']}.",
        en=f"{errors.PERSON_IDENTITY_DIFFERS_EN} On record: {shown['initials']}, born {year}, {shown['commune']}.",
    )


@transaction.atomic
def person_for_staff_entry(
    *,
    actor,
    purpose: str,
    reason: str,
    full_name: str,
    phone: str,
    birth_year: int | None = None,
    birth_date: date | None = None,
    citizen_id: str = "",
    old_id_number: str = "",
    area_path: str,
    created_via: str,
    address_area=None,
    address_street: str = "",
    ip: str | None = None,
    refuse_differing: bool = False,
) -> Person:
    """The person an official, a lab, a vaccination team or control staff enter from an ID paper: the record with
    that exact CCCD (else CMND) wherever it is, else person_find_or_create (phone, name and year of birth).

    A number on record attaches the entry to that record (the oldest of those whose name and birth agree, else the
    oldest), never a second record; the record is not changed. When its name or date of birth is not the one typed,
    the returned person carries `identity_differs`, a warning (errors.EntryWarning person_identity_differs, not
    an error) with only what the cases look-up shows: initials, year of birth, commune. Each look-up of a number is
    audited as `people.person.identifier_searched` with `purpose`, on the record found (its commune sees who looked
    and why) or once without one. The number's lock is held until the commit, so two entries of one new number make
    one record. `refuse_differing` (control staff typing a citizen's paper form: not health officials, and a check-in
    on the wrong record makes the wrong F1): a differing record is refused instead, person_id_on_record (409) naming
    nobody, the way forward in the message. Citizens' own forms do not come here (person_find_or_create's docstring
    says why).
    Invalid input raises ApplicationError and writes nothing."""
    name = _clean_name(full_name)
    cleaned = _clean_fields(
        {"birth_year": birth_year, "birth_date": birth_date, "citizen_id": citizen_id, "old_id_number": old_id_number}
    )
    name_folded = fold(name)[:150]
    searched = []
    for kind in ("citizen_id", "old_id_number"):
        value = cleaned.get(kind)
        if not value:
            continue
        advisory_xact_lock(f"person:{'cccd' if kind == 'citizen_id' else 'cmnd'}:{value}")
        searched.append({"kind": kind, "value": value})
        on_record = list(Person.objects.filter(**{kind: value}).select_related("address_area").order_by("id")[:5])
        if not on_record:
            continue
        same = [p for p in on_record if _same_identity(p, name_folded, cleaned["birth_year"], cleaned["birth_date"])]
        person = (same or on_record)[0]
        details = {"kind": kind, "value": value, "purpose": purpose, "identity_differs": not same}
        identifier_searched_audit(actor=actor, found=[person], details=details, reason=reason, ip=ip)
        person.identity_differs = None
        if not same and refuse_differing:
            raise ApplicationError(
                errors.PERSON_ID_ON_RECORD,
                extra={"field": kind},
                vi="Số giấy tờ này đã có trong hồ sơ của một người khác tên hoặc năm sinh. Kiểm tra lại số, họ tên và "
                "năm sinh trên tờ khai; nếu số không đọc rõ, để trống ô số giấy tờ và ghi lại.",
                en="This ID number is on the record of a person with another name or year of birth. Check the number, "
                "name and year of birth on the paper form; if the number cannot be read, leave it empty and record "
                "again.",
            )
        if not same:
            person.identity_differs = person_identity_warning(person=person, field=kind)
        return person
    for details in searched:  # nobody has the number: the look-up is audited all the same
        identifier_searched_audit(actor=actor, found=[], details={**details, "purpose": purpose}, reason=reason, ip=ip)
    person = person_find_or_create(
        full_name=name,
        phone=phone,
        birth_year=cleaned["birth_year"],
        citizen_id=cleaned["citizen_id"],
        area_path=area_path,
        created_via=created_via,
        address_area=address_area,
        address_street=address_street,
    )
    person.identity_differs = None
    return person


_UPDATABLE = {
    "full_name",
    "phone",
    "birth_year",
    "birth_date",
    "gender",
    "citizen_id",
    "old_id_number",
    "passport_number",
    "nationality",
    "address_area",
    "address_street",
}


@transaction.atomic
def person_update(*, actor, person: Person, **fields) -> Person:
    """Change some of a person's fields with the same validation as person_create; audit `people.person.updated`.

    The actor must see the person's area (else not_found, as for a read). Changing the address area moves
    the record's scope with it. The audit entry names the changed fields, not their values.
    """
    unknown = set(fields) - _UPDATABLE
    if unknown:
        raise _invalid(sorted(unknown)[0], "Trường không sửa được.", "This field cannot be changed.")
    if actor is not None and not getattr(actor, "is_device", False) and not area_visible(actor, person.area_path):
        raise ApplicationError(core_errors.NOT_FOUND)
    merged = {
        "birth_year": person.birth_year,
        "birth_date": person.birth_date,
        "gender": person.gender,
        **fields,
    }
    if "citizen_id" not in fields and person.citizen_id and {"birth_year", "birth_date", "gender"} & set(fields):
        merged["citizen_id"] = person.citizen_id  # the CCCD must still agree with the new birth year or gender
    if "birth_date" in fields and "birth_year" not in fields and fields["birth_date"] is not None:
        merged["birth_year"] = None
    cleaned = _clean_fields(merged)
    changed = []
    for name in sorted(set(fields) | ({"name_folded"} if "full_name" in fields else set())):
        value = cleaned.get(name, fields.get(name))
        if getattr(person, name) != value:
            setattr(person, name, value)
            changed.append(name)
    if "birth_date" in fields and person.birth_year != cleaned["birth_year"]:
        person.birth_year = cleaned["birth_year"]
        changed.append("birth_year")
    if "address_area" in fields and fields["address_area"] is not None:
        if actor is not None and not getattr(actor, "is_device", False):
            if not area_visible(actor, fields["address_area"].path):
                # An official may not move a record out of their own area (they would lose sight of it).
                raise ApplicationError(core_errors.PERMISSION_DENIED, extra={"field": "address_area"})
        if person.area_path != fields["address_area"].path:
            person.area_path = fields["address_area"].path
            changed.append("area_path")
    if changed:
        person.save()
        audit_record(
            actor=actor,
            action="people.person.updated",
            obj=person,
            area_path=person.area_path,
            extra={"fields": [name for name in changed if name != "name_folded"]},
        )
    return person
