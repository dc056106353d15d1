"""A case in Kim Tân with contacts of each kind, built through the cases services (tests of the calls app)."""

import datetime as dt
import zoneinfo

from phongdich.cases import services as case_services
from phongdich.cases.models import Contact
from phongdich.cases.tests.builders import case, link, local, person, venue

VN = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")


def at(hour, minute=0, day=dt.date(2021, 9, 15)):
    """A local time on the scene's calling day."""
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=VN)


def contact_with(actor, of, who, *, level=1, status=None, place_venue=None, start=None, minutes=60):
    start = start or local(dt.date.today() - dt.timedelta(days=2), 9, 0)
    extra = {}
    if place_venue is not None:
        extra = {"venue": place_venue, "place": place_venue.name}
    found, _ = link(
        who,
        of,
        level=level,
        exposure_start=start,
        exposure_end=start + dt.timedelta(minutes=minutes),
        overlap_minutes=minutes,
        **extra,
    )
    contact = found.contact
    if status and status != Contact.Status.CANDIDATE:
        case_services.contact_status_set(actor=actor, contact=contact, status=status, reason="x")
        contact.refresh_from_db()
    return contact


def build(tree, actor) -> dict:
    """One case; F1 candidate and confirmed at the market, an F2, a dismissed F1, an F1 with a landline-less junk
    number, and an F1 who lives in Thạch Lâm (outside a Kim Tân official's area)."""
    kim_tan = tree["kim_tan"]
    market = venue(kim_tan, "Chợ Kim Tân")
    the_case = case(actor, person(kim_tan, "Hoàng Văn Bệnh", phone="+84911000001"))
    return {
        "case": the_case,
        "market": market,
        "f1_candidate": contact_with(
            actor, the_case, person(kim_tan, "Trần Thị Một", phone="+84912000001"), place_venue=market
        ),
        "f1_confirmed": contact_with(
            actor, the_case, person(kim_tan, "Lê Văn Hai", phone="+84912000002"), status="confirmed"
        ),
        "f2": contact_with(actor, the_case, person(kim_tan, "Phạm Thị Ba", phone="+84912000003"), level=2),
        "dismissed": contact_with(
            actor, the_case, person(kim_tan, "Đỗ Văn Bốn", phone="+84912000004"), status="dismissed"
        ),
        "bad_phone": contact_with(actor, the_case, person(kim_tan, "Vũ Thị Năm", phone="12345")),
        "outside": contact_with(actor, the_case, person(tree["thach_lam"], "Ngô Văn Sáu", phone="+84912000006")),
    }
