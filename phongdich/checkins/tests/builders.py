"""Builders for check-in tests: each makes only what it is asked for."""

import itertools

from phongdich.core.text import fold
from phongdich.people.models import Person
from phongdich.people.personal_qr import personal_qr_issue
from phongdich.venues.models import Venue, VenueCode, VenueMembership, VenueType
from phongdich.venues.selectors import venue_code_cache_clear

from ..auth import device_cache_clear
from ..services import _person_cache, _qr_cache, scanner_device_create

_seq = itertools.count(1)


def clear_caches() -> None:
    """The per-process caches of the hot path would otherwise carry rows from one test into the next."""
    venue_code_cache_clear()
    device_cache_clear()
    _person_cache.clear()
    _qr_cache.clear()


def make_venue_type(code: str = "test_market", minutes: int = 120) -> VenueType:
    # Own codes: the venues app's migrations load the real types, with their own durations.
    venue_type, _ = VenueType.objects.update_or_create(
        code=code, defaults={"name_vi": code, "name_en": code, "auto_checkout_minutes": minutes}
    )
    return venue_type


def make_venue(area, *, status: str = Venue.Status.VERIFIED, venue_type: VenueType | None = None, name=None) -> Venue:
    name = name or f"Chợ số {next(_seq)}"
    return Venue.objects.create(
        name=name,
        name_folded=fold(name),
        venue_type=venue_type or make_venue_type(),
        area=area,
        area_path=area.path,
        street_address="1 Đường Lê Lợi",
        status=status,
        registered_via=Venue.RegisteredVia.OFFICIAL,
    )


def make_code(venue: Venue, label: str = "Cổng chính") -> VenueCode:
    return VenueCode.objects.create(venue=venue, label=label)


def make_person(area, name: str = "Nguyễn Văn An", phone: str = "+84912345678") -> Person:
    return Person.objects.create(
        full_name=name,
        name_folded=fold(name),
        phone=phone,
        birth_year=1990,
        area_path=area.path,
        created_via=Person.CreatedVia.OFFICIAL,
    )


def personal_qr(person: Person, **kwargs) -> str:
    return personal_qr_issue(person=person, **kwargs)


def add_member(venue: Venue, user, role: str = VenueMembership.Role.STAFF) -> VenueMembership:
    return VenueMembership.objects.create(venue=venue, user=user, role=role)


def make_device(venue: Venue, manager=None):
    """A scanner device and its token; registered by a (new) manager of the venue."""
    from phongdich.core.testing import make_user

    manager = manager or make_user()
    if not VenueMembership.objects.filter(venue=venue, user=manager).exists():
        add_member(venue, manager, VenueMembership.Role.MANAGER)
    return scanner_device_create(venue=venue, name=f"Máy quét {next(_seq)}", created_by=manager)
