"""Writes to venues ("Điểm kiểm dịch"): registration, verification, QR codes, members.

Every service validates all of its input before it writes anything, runs in one transaction and writes
an audit record (core.audit), so a refused request leaves no trace but its error.
Status changes follow `ALLOWED_TRANSITIONS`; who may decide follows `can_decide` (seed 002: commune
officials check that registered venue details are accurate).
"""

import re
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from phongdich.accounts.models import Official
from phongdich.core import errors as core_errors
from phongdich.core.audit import audit_record
from phongdich.core.errors import ApplicationError
from phongdich.core.text import fold
from phongdich.geo.models import Area

from . import errors
from .models import Venue, VenueCode, VenueMembership, VenueType
from .selectors import venue_code_cache_clear

# Officials who may verify, reject or suspend a venue of their area (seed 002 names commune officials;
# the district/province health department and administrators above them may do it too).
VERIFIER_ROLES = frozenset({Official.Role.AREA_OFFICIAL, Official.Role.HEALTH_DEPT, Official.Role.PROVINCE_ADMIN})
VENUE_ROLES = frozenset({Official.Role.VENUE_MANAGER, Official.Role.VENUE_STAFF})

S = Venue.Status
# The status a decision leads to, and the statuses it may start from. A rejected venue is not
# re-opened here: its manager registers again with corrected details.
ALLOWED_TRANSITIONS = {
    "verify": (S.VERIFIED, {S.PENDING, S.SUSPENDED}),
    "reject": (S.REJECTED, {S.PENDING}),
    "suspend": (S.SUSPENDED, {S.VERIFIED}),
}

# Mainland Vietnam and its coastal islands: Lũng Cú 23°23′N (north), Đất Mũi 8°34′N (south),
# A Pa Chải 102°08′E (west), Mũi Đôi 109°27′E (east), per the General Statistics Office's yearbook
# ("Niên giám thống kê", chapter "Đơn vị hành chính, đất đai và khí hậu") and Wikipedia "Extreme points
# of Vietnam". Rounded outwards by a few km. The offshore Hoàng Sa and Trường Sa districts lie outside.
LAT_MIN, LAT_MAX = Decimal("8.0"), Decimal("23.5")
LON_MIN, LON_MAX = Decimal("102.0"), Decimal("110.0")

# Mã số thuế: 10 digits for an enterprise, 10 digits + "-" + 3 digits for a dependent unit (branch),
# Thông tư 105/2020/TT-BTC, Article 5(1).
TAX_CODE_RE = re.compile(r"^\d{10}(-\d{3})?$")

DEFAULT_ENTRANCE = "Cổng chính"
MAX_ENTRANCES = 20  # a public form must not mint thousands of codes in one request


# --- permissions --------------------------------------------------------------------------------------


def _official(user) -> Official | None:
    if user is None or getattr(user, "is_device", False) or not user.is_authenticated:
        return None
    official = getattr(user, "official", None)
    return official if official is not None and official.is_active else None


def can_decide(user, venue: Venue) -> bool:
    """May this user verify, reject or suspend the venue? An official of a verifying role above its commune."""
    if user is None or getattr(user, "is_device", False) or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    official = _official(user)
    return official is not None and official.role in VERIFIER_ROLES and venue.area_path.startswith(official.area.path)


def is_venue_manager(user, venue: Venue) -> bool:
    if user is None or getattr(user, "is_device", False) or not user.is_authenticated:
        return False
    return VenueMembership.objects.filter(venue=venue, user=user, role=VenueMembership.Role.MANAGER).exists()


def can_manage(user, venue: Venue) -> bool:
    """May this user add or revoke the venue's codes and members? Its manager, or an official who may decide."""
    return can_decide(user, venue) or is_venue_manager(user, venue)


def _deny():
    return ApplicationError(core_errors.PERMISSION_DENIED)


# --- validation (no writes) ---------------------------------------------------------------------------


def _field_error(field: str, vi: str, en: str) -> ApplicationError:
    return ApplicationError(
        core_errors.INVALID_INPUT,
        extra={"fields": {field: [core_errors.field_message(vi, en)]}, "field": field},
        vi=vi,
        en=en,
    )


def _clean_text(value, *, field: str, max_length: int, required: bool, label_vi: str, label_en: str) -> str:
    text = " ".join(str(value or "").split())
    if required and not text:
        raise _field_error(field, f"Cần nhập {label_vi}.", f"{label_en} is required.")
    if len(text) > max_length:
        raise _field_error(
            field,
            f"{label_vi[:1].upper()}{label_vi[1:]} dài quá {max_length} ký tự.",
            f"{label_en} is longer than {max_length} characters.",
        )
    return text


def _resolve_type(venue_type) -> VenueType:
    if isinstance(venue_type, VenueType):
        return venue_type
    found = VenueType.objects.filter(code=str(venue_type or "")).first()
    if found is None:
        raise ApplicationError(errors.UNKNOWN_VENUE_TYPE, extra={"value": str(venue_type)[:40]})
    return found


def _resolve_area(area) -> Area:
    if not isinstance(area, Area):
        try:
            area = Area.objects.filter(pk=int(area)).first()
        except (TypeError, ValueError):
            area = None
        if area is None:
            raise ApplicationError(errors.INVALID_VENUE_AREA)
    if area.kind != Area.Kind.COMMUNE:
        raise ApplicationError(errors.INVALID_VENUE_AREA, extra={"area": area.pk})
    return area


def validate_coordinates(latitude, longitude) -> tuple[Decimal | None, Decimal | None]:
    """Both or neither, as decimals with 6 places (about 0.1 m), inside Vietnam's bounding box."""
    blank = [v is None or str(v).strip() == "" for v in (latitude, longitude)]
    if all(blank):
        return None, None
    if any(blank):
        raise ApplicationError(
            errors.INVALID_COORDINATES,
            extra={"reason": "incomplete"},
            vi="Cần nhập cả vĩ độ và kinh độ, hoặc bỏ trống cả hai.",
            en="Give both latitude and longitude, or neither.",
        )
    try:
        lat = Decimal(str(latitude).strip().replace(",", "."))
        lon = Decimal(str(longitude).strip().replace(",", "."))
    except InvalidOperation:
        raise ApplicationError(errors.INVALID_COORDINATES, extra={"reason": "not_a_number"}) from None
    if not (lat.is_finite() and lon.is_finite()):
        raise ApplicationError(errors.INVALID_COORDINATES, extra={"reason": "not_a_number"})
    if not (LAT_MIN <= lat <= LAT_MAX and LON_MIN <= lon <= LON_MAX):
        raise ApplicationError(
            errors.INVALID_COORDINATES,
            extra={
                "reason": "outside_vietnam",
                "latitude_range": [str(LAT_MIN), str(LAT_MAX)],
                "longitude_range": [str(LON_MIN), str(LON_MAX)],
            },
            vi=f"Tọa độ nằm ngoài Việt Nam (vĩ độ {LAT_MIN}–{LAT_MAX}, kinh độ {LON_MIN}–{LON_MAX}).",
            en=f"The coordinates are outside Vietnam (latitude {LAT_MIN}–{LAT_MAX}, longitude {LON_MIN}–{LON_MAX}).",
        )
    q = Decimal("0.000001")
    return lat.quantize(q), lon.quantize(q)


def _clean_phone(raw: str, *, required: bool) -> str:
    from phongdich.people.validation import normalise_phone

    if not (raw or "").strip():
        if required:
            raise _field_error("contact_phone", "Cần nhập số điện thoại liên hệ.", "A contact phone is required.")
        return ""
    return normalise_phone(raw)


def _clean_tax_code(raw: str) -> str:
    text = (raw or "").strip().replace(" ", "")
    if text and not TAX_CODE_RE.match(text):
        raise ApplicationError(errors.INVALID_TAX_CODE, extra={"value": text[:40]})
    return text


def _clean_label(label) -> str:
    text = " ".join(str(label or "").split())
    if not text or len(text) > 100:
        raise ApplicationError(errors.INVALID_ENTRANCE_LABEL, extra={"value": text[:100]})
    return text


def _clean_entrances(entrances) -> list[str]:
    if isinstance(entrances, str):
        entrances = entrances.splitlines()
    labels = [" ".join(str(e or "").split()) for e in (entrances or [])]
    labels = [label for label in labels if label]
    if not labels:
        raise ApplicationError(errors.ENTRANCES_REQUIRED)
    if len(labels) > MAX_ENTRANCES:
        raise ApplicationError(
            errors.INVALID_ENTRANCE_LABEL,
            extra={"max": MAX_ENTRANCES},
            vi=f"Tối đa {MAX_ENTRANCES} lối vào mỗi lần đăng ký.",
            en=f"At most {MAX_ENTRANCES} entrances at a time.",
        )
    cleaned = [_clean_label(label) for label in labels]
    if len({fold(label) for label in cleaned}) != len(cleaned):
        raise ApplicationError(errors.INVALID_ENTRANCE_LABEL, extra={"reason": "duplicate"})
    return cleaned


def _venue_fields(
    *, name, venue_type, area, street_address, latitude, longitude, contact_name, contact_phone, tax_code, required
) -> dict:
    """Every venue field validated and normalised; raises the first error found, writes nothing."""
    name = _clean_text(name, field="name", max_length=200, required=True, label_vi="tên địa điểm", label_en="Name")
    vtype = _resolve_type(venue_type)
    area = _resolve_area(area)
    street = _clean_text(
        street_address, field="street_address", max_length=255, required=True, label_vi="địa chỉ", label_en="Address"
    )
    lat, lon = validate_coordinates(latitude, longitude)
    contact = _clean_text(
        contact_name,
        field="contact_name",
        max_length=150,
        required=required,
        label_vi="tên người liên hệ",
        label_en="Contact name",
    )
    return {
        "name": name,
        "name_folded": fold(name),
        "venue_type": vtype,
        "area": area,
        "area_path": area.path,
        "street_address": street,
        "latitude": lat,
        "longitude": lon,
        "contact_name": contact,
        "contact_phone": _clean_phone(contact_phone, required=required),
        "tax_code": _clean_tax_code(tax_code),
    }


def _create_codes(venue: Venue, labels: list[str]) -> list[VenueCode]:
    return [VenueCode.objects.create(venue=venue, label=label) for label in labels]


# --- registration ---------------------------------------------------------------------------------


def venue_register_public(
    *,
    name: str,
    venue_type,
    area,
    street_address: str,
    latitude=None,
    longitude=None,
    contact_name: str,
    contact_phone: str,
    tax_code: str = "",
    username: str,
    password: str,
    email: str = "",
    entrances: list[str],
    ip: str | None = None,
) -> Venue:
    """A venue manager registers on the public form.

    Guarantees, all or nothing: a PENDING venue (check-ins are refused until an official of its commune
    verifies it), a new user with the Official role venue_manager bound to the venue's commune, a manager
    membership, and one QR code per entrance (at least one). Audited as venues.venue.registered.
    """
    User = get_user_model()
    fields = _venue_fields(
        name=name,
        venue_type=venue_type,
        area=area,
        street_address=street_address,
        latitude=latitude,
        longitude=longitude,
        contact_name=contact_name,
        contact_phone=contact_phone,
        tax_code=tax_code,
        required=True,
    )
    labels = _clean_entrances(entrances)
    username = (username or "").strip()
    if not username or len(username) > 150:
        raise _field_error("username", "Cần nhập tên đăng nhập (tối đa 150 ký tự).", "A username (≤150) is required.")
    try:
        User.username_validator(username)
    except ValidationError:
        raise _field_error(
            "username",
            "Tên đăng nhập chỉ gồm chữ, số và các ký tự @ . + - _.",
            "A username may contain only letters, digits and @ . + - _.",
        ) from None
    email = (email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise _field_error("email", "Địa chỉ email không hợp lệ.", "The email address is invalid.") from None
    if User.objects.filter(username__iexact=username).exists():
        raise ApplicationError(errors.USERNAME_TAKEN)
    try:
        password_validation.validate_password(password or "", user=User(username=username, email=email))
    except ValidationError as exc:
        raise ApplicationError(errors.WEAK_PASSWORD, extra={"reasons": list(exc.messages)}) from None

    try:
        with transaction.atomic():
            user = User.objects.create_user(username=username, password=password, email=email)
            Official.objects.create(
                user=user,
                role=Official.Role.VENUE_MANAGER,
                area=fields["area"],
                organisation=fields["name"][:200],
                phone=fields["contact_phone"],
            )
            venue = Venue.objects.create(
                **fields,
                status=Venue.Status.PENDING,
                registered_via=Venue.RegisteredVia.PUBLIC_FORM,
                registered_by=user,
            )
            VenueMembership.objects.create(venue=venue, user=user, role=VenueMembership.Role.MANAGER)
            codes = _create_codes(venue, labels)
            audit_record(
                actor=user,
                action="venues.venue.registered",
                obj=venue,
                area_path=venue.area_path,
                ip=ip,
                extra={"codes": [c.pk for c in codes], "via": Venue.RegisteredVia.PUBLIC_FORM},
            )
    except IntegrityError:
        # Two registrations raced for the same username; the loser writes nothing.
        raise ApplicationError(errors.USERNAME_TAKEN) from None
    return venue


def venue_create(
    *,
    actor,
    name: str,
    venue_type,
    area,
    street_address: str,
    latitude=None,
    longitude=None,
    contact_name: str = "",
    contact_phone: str = "",
    tax_code: str = "",
    entrances: list[str] | None = None,
    ip: str | None = None,
) -> Venue:
    """A logged-in user registers a venue: an official of a verifying role in the venue's area (the venue is
    VERIFIED at once: they would verify it anyway) or a venue manager of that area (PENDING, and they become
    its manager). One QR code per entrance ("Cổng chính" when none is given). Audited as venues.venue.created.
    """
    official = _official(actor)
    if official is None and not getattr(actor, "is_superuser", False):
        raise _deny()
    fields = _venue_fields(
        name=name,
        venue_type=venue_type,
        area=area,
        street_address=street_address,
        latitude=latitude,
        longitude=longitude,
        contact_name=contact_name,
        contact_phone=contact_phone,
        tax_code=tax_code,
        required=False,
    )
    labels = _clean_entrances(entrances if entrances is not None else [DEFAULT_ENTRANCE])
    probe = Venue(area_path=fields["area_path"])
    verifies = can_decide(actor, probe)
    manages = (
        not verifies
        and official is not None
        and official.role == Official.Role.VENUE_MANAGER
        and fields["area_path"].startswith(official.area.path)
    )
    if not (verifies or manages):
        raise _deny()
    now = timezone.now()
    with transaction.atomic():
        venue = Venue.objects.create(
            **fields,
            status=Venue.Status.VERIFIED if verifies else Venue.Status.PENDING,
            status_changed_at=now if verifies else None,
            status_changed_by=actor if verifies else None,
            registered_via=Venue.RegisteredVia.OFFICIAL,
            registered_by=actor,
        )
        if manages:
            VenueMembership.objects.create(venue=venue, user=actor, role=VenueMembership.Role.MANAGER)
        codes = _create_codes(venue, labels)
        audit_record(
            actor=actor,
            action="venues.venue.created",
            obj=venue,
            area_path=venue.area_path,
            ip=ip,
            extra={"codes": [c.pk for c in codes], "status": venue.status},
        )
    return venue


# --- decisions --------------------------------------------------------------------------------------


def _decide(*, actor, venue: Venue, decision: str, reason: str, ip: str | None) -> Venue:
    if not can_decide(actor, venue):
        raise _deny()
    reason = " ".join((reason or "").split())
    if decision in ("reject", "suspend") and not reason:
        raise ApplicationError(errors.STATUS_REASON_REQUIRED)
    if len(reason) > 500:
        raise _field_error("reason", "Lý do dài quá 500 ký tự.", "The reason is longer than 500 characters.")
    target, sources = ALLOWED_TRANSITIONS[decision]
    with transaction.atomic():
        # Lock the row: two officials deciding at once must not both pass the status check.
        locked = Venue.objects.select_for_update().get(pk=venue.pk)
        if locked.status not in sources:
            raise ApplicationError(errors.INVALID_STATUS_TRANSITION, extra={"from": locked.status, "to": target.value})
        previous = locked.status
        locked.status = target
        locked.status_reason = reason
        locked.status_changed_at = timezone.now()
        locked.status_changed_by = actor
        locked.save(update_fields=["status", "status_reason", "status_changed_at", "status_changed_by"])
        audit_record(
            actor=actor,
            action=f"venues.venue.{target.value}",
            obj=locked,
            area_path=locked.area_path,
            reason=reason,
            ip=ip,
            extra={"from": previous, "to": target.value},
        )
        tokens = list(locked.codes.values_list("token", flat=True))
    # The cached codes carry the venue's status: drop them so this process sees the change at once.
    for token in tokens:
        venue_code_cache_clear(token)
    return locked


def venue_verify(*, actor, venue: Venue, ip: str | None = None) -> Venue:
    """Mark a PENDING (or SUSPENDED) venue VERIFIED: its codes then accept check-ins.

    Only an area official, health department or province administrator whose area contains the venue's
    commune (seed 002), else permission_denied; other statuses: invalid_status_transition. Audited.
    """
    return _decide(actor=actor, venue=venue, decision="verify", reason="", ip=ip)


def venue_reject(*, actor, venue: Venue, reason: str, ip: str | None = None) -> Venue:
    """Mark a PENDING venue REJECTED with a reason (required, shown to its manager). Same permission as verify."""
    return _decide(actor=actor, venue=venue, decision="reject", reason=reason, ip=ip)


def venue_suspend(*, actor, venue: Venue, reason: str, ip: str | None = None) -> Venue:
    """Mark a VERIFIED venue SUSPENDED with a reason: its codes refuse check-ins until it is verified again."""
    return _decide(actor=actor, venue=venue, decision="suspend", reason=reason, ip=ip)


# --- the declaration rule ---------------------------------------------------------------------------


def venue_declaration_rule_set(*, actor, venue: Venue, hours: int | None, ip: str | None = None) -> Venue:
    """Require (or, with None, stop requiring) a health declaration made within the last `hours` hours before a
    check-in at the venue (issue 3, item 3). The venue's manager or an official who may decide for it; 1 to
    DECLARATION_REQUIRED_MAX_HOURS hours (the 14 days of the declaration's questions, RULES.md §6). Audited as
    `venues.venue.declaration_rule_set`."""
    from .models import DECLARATION_REQUIRED_MAX_HOURS

    if not can_manage(actor, venue):
        raise _deny()
    if hours is not None:
        if isinstance(hours, bool) or not isinstance(hours, int) or not 1 <= hours <= DECLARATION_REQUIRED_MAX_HOURS:
            raise _field_error(
                "declaration_required_hours",
                f"Số giờ phải từ 1 đến {DECLARATION_REQUIRED_MAX_HOURS}.",
                f"The number of hours must be 1 to {DECLARATION_REQUIRED_MAX_HOURS}.",
            )
    with transaction.atomic():
        Venue.objects.filter(pk=venue.pk).update(declaration_required_hours=hours)
        venue.declaration_required_hours = hours
        audit_record(
            actor=actor,
            action="venues.venue.declaration_rule_set",
            obj=venue,
            area_path=venue.area_path,
            ip=ip,
            extra={"hours": hours},
        )
    venue_code_cache_clear()
    return venue


# --- codes and members ------------------------------------------------------------------------------


def venue_code_add(*, actor, venue: Venue, label: str, ip: str | None = None) -> VenueCode:
    """A new QR code for another entrance (seed 004: several points so that people do not crowd).

    The venue's manager or an official who may decide for it. Labels are unique among active codes.
    """
    if not can_manage(actor, venue):
        raise _deny()
    label = _clean_label(label)
    with transaction.atomic():
        Venue.objects.select_for_update().filter(pk=venue.pk).first()  # serialise label checks per venue
        active = venue.codes.filter(revoked_at__isnull=True)
        if any(fold(existing) == fold(label) for existing in active.values_list("label", flat=True)):
            raise ApplicationError(errors.INVALID_ENTRANCE_LABEL, extra={"reason": "duplicate"})
        if active.count() >= MAX_ENTRANCES * 5:
            raise ApplicationError(
                errors.INVALID_ENTRANCE_LABEL,
                extra={"max": MAX_ENTRANCES * 5},
                vi="Địa điểm đã có quá nhiều mã QR.",
                en="The venue has too many QR codes.",
            )
        code = VenueCode.objects.create(venue=venue, label=label)
        audit_record(
            actor=actor,
            action="venues.code.added",
            obj=code,
            area_path=venue.area_path,
            ip=ip,
            extra={"venue": venue.pk, "label": label},
        )
    return code


def venue_code_revoke(*, actor, code: VenueCode, ip: str | None = None) -> VenueCode:
    """Revoke a QR code (a lost or defaced poster): check-ins with it are refused from now on.

    The venue's manager or an official who may decide for it. Clears this process's cache of the token
    at once; other processes see it within VENUE_CODE_CACHE_SECONDS.
    """
    venue = code.venue
    if not can_manage(actor, venue):
        raise _deny()
    with transaction.atomic():
        locked = VenueCode.objects.select_for_update().get(pk=code.pk)
        if locked.revoked_at is not None:
            raise ApplicationError(errors.VENUE_CODE_REVOKED)
        locked.revoked_at = timezone.now()
        locked.revoked_by = actor
        locked.save(update_fields=["revoked_at", "revoked_by"])
        audit_record(
            actor=actor,
            action="venues.code.revoked",
            obj=locked,
            area_path=venue.area_path,
            ip=ip,
            extra={"venue": venue.pk, "label": locked.label},
        )
    venue_code_cache_clear(locked.token)
    return locked


def venue_member_add(*, actor, venue: Venue, user, role: str, ip: str | None = None) -> VenueMembership:
    """Make a user manager or control staff of the venue (or change their role there).

    The venue's manager or an official who may decide for it. A user with no Official record gets one
    (venue_manager or venue_staff, bound to the venue's commune) so that they can log in to the venue pages.
    """
    if not can_manage(actor, venue):
        raise _deny()
    if role not in VenueMembership.Role.values:
        raise ApplicationError(errors.INVALID_MEMBER_ROLE, extra={"value": str(role)[:40]})
    with transaction.atomic():
        membership, created = VenueMembership.objects.update_or_create(venue=venue, user=user, defaults={"role": role})
        if not Official.objects.filter(user=user).exists():
            Official.objects.create(
                user=user,
                role=Official.Role.VENUE_MANAGER if role == VenueMembership.Role.MANAGER else Official.Role.VENUE_STAFF,
                area=venue.area,
                organisation=venue.name[:200],
            )
        audit_record(
            actor=actor,
            action="venues.member.added" if created else "venues.member.changed",
            obj=membership,
            area_path=venue.area_path,
            ip=ip,
            extra={"venue": venue.pk, "user": user.pk, "role": role},
        )
    return membership
