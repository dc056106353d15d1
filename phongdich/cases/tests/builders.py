"""Builders for the cases tests: an area tree, officials, people, a venue and check-ins. Each makes only what
it is asked for; cases and links go through the real services."""

import datetime as dt
import itertools

from django.utils import timezone

from phongdich.accounts.models import Official
from phongdich.checkins.models import CheckIn
from phongdich.core.testing import make_area, make_official
from phongdich.core.text import fold
from phongdich.people.models import Person
from phongdich.venues.models import Venue, VenueType

from .. import services
from ..models import Case, ContactLink

ROLE = Official.Role
_seq = itertools.count(1)


def ensure_rules() -> None:
    """The window rules of migrations 0002 and 0012 and the quarantine rules of 0017 (a transactional test's flush
    empties every table, data included)."""
    from importlib import import_module

    from django.apps import apps

    import_module("phongdich.cases.migrations.0002_window_rules").load(apps, None)
    import_module("phongdich.cases.migrations.0012_window_rule_summaries").load(apps, None)
    import_module("phongdich.cases.migrations.0017_quarantine_rules").load(apps, None)


def make_tree() -> dict:
    """Thanh Hóa → Thạch Thành → Kim Tân and Thạch Lâm; Hà Nội → Hoàn Kiếm."""
    province = make_area("38", "Tỉnh Thanh Hóa", "province")
    district = make_area("391", "Huyện Thạch Thành", "district", province)
    hanoi = make_area("01", "Thành phố Hà Nội", "province")
    return {
        "province": province,
        "district": district,
        "kim_tan": make_area("15187", "Thị trấn Kim Tân", "commune", district),
        "thach_lam": make_area("15196", "Xã Thạch Lâm", "commune", district),
        "hanoi": hanoi,
        "hoan_kiem": make_area("00070", "Phường Hoàn Kiếm", "commune", hanoi),
    }


def official(area, username=None, role=ROLE.AREA_OFFICIAL):
    return make_official(role, area, username)


def person(area, name: str = "Nguyễn Văn An", phone: str | None = None, birth_year: int = 1985) -> Person:
    return Person.objects.create(
        full_name=name,
        name_folded=fold(name),
        phone=phone or f"+8491{next(_seq):07d}",
        birth_year=birth_year,
        address_area=area,
        address_street="Khu phố 3",
        area_path=area.path,
        created_via=Person.CreatedVia.OFFICIAL,
    )


def local(day: dt.date, hour: int = 9, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)), timezone.get_current_timezone())


def venue(area, name: str = "Chợ Kim Tân", minutes: int = 120) -> Venue:
    venue_type, _ = VenueType.objects.update_or_create(
        code="test_market", defaults={"name_vi": "Chợ", "name_en": "Market", "auto_checkout_minutes": minutes}
    )
    return Venue.objects.create(
        name=name,
        name_folded=fold(name),
        venue_type=venue_type,
        area=area,
        area_path=area.path,
        street_address="1 Đường Lê Lợi",
        status=Venue.Status.VERIFIED,
        registered_via=Venue.RegisteredVia.OFFICIAL,
    )


def checkin(who: Person, where: Venue, start: dt.datetime, minutes: int | None = 60) -> CheckIn:
    out = start + dt.timedelta(minutes=minutes) if minutes is not None else None
    return CheckIn.objects.create(
        person=who,
        venue=where,
        area_path=where.area_path,
        checked_in_at=start,
        checked_out_at=out,
        checkout_kind=CheckIn.CheckoutKind.PERSON if out else "",
        received_at=start,
        source=CheckIn.Source.STAFF_SCAN,
    )


def case(actor, who: Person, *, days_ago: int = 1, onset_days_ago: int | None = 2, **extra) -> Case:
    today = timezone.localdate()
    return services.case_create(
        actor=actor,
        person=who,
        sample_date=today - dt.timedelta(days=days_ago),
        test_type=extra.pop("test_type", Case.TestType.PCR),
        onset_date=today - dt.timedelta(days=onset_days_ago) if onset_days_ago is not None else None,
        **extra,
    )


def link(who: Person, of: Case, *, level: int = 1, key: str | None = None, via=None, **extra):
    """Evidence as the check-in tracer would write it."""
    return services.contact_link_add(
        person=who,
        case=of,
        level=level,
        via=via,
        source=extra.pop("source", ContactLink.Source.CHECKIN),
        setting=extra.pop("setting", ContactLink.Setting.VENUE),
        evidence_key=key or f"checkin:test:{next(_seq)}",
        **extra,
    )


def login(page, url: str, next_path: str, username: str = "yte_kimtan") -> None:
    """Log an official in through the login form in a Playwright page and wait until the browser has left it for
    `next_path` (the login URL's own ?next= holds that path too)."""
    page.goto(f"{url}/accounts/login/?next={next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", "pass-for-tests-1")
    page.keyboard.press("Enter")
    page.wait_for_url(lambda u: next_path in u and "login" not in u)
