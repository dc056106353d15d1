"""/c/me/ as a citizen reads it: their own recent check-ins, only theirs, only once the record is theirs on this
phone, audited."""

import datetime as dt
import re

import pytest
from django.http import HttpResponse
from django.utils import timezone

from phongdich.checkins.models import CheckIn
from phongdich.checkins.views import DEVICE_COOKIE, remember
from phongdich.core.audit import AuditLog
from phongdich.core.testing import make_province_with_communes

from .builders import clear_caches, make_person, make_venue

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_caches():
    clear_caches()


@pytest.fixture
def areas():
    return make_province_with_communes()


def _on_phone(client, people, *, linked=()):
    carrier = HttpResponse()
    remember(carrier, [p.public_id for p in people], linked={p.public_id for p in linked})
    client.cookies[DEVICE_COOKIE] = carrier.cookies[DEVICE_COOKIE].value


def _checkin(who, venue, start, minutes=None):
    return CheckIn.objects.create(
        person=who,
        venue=venue,
        area_path=venue.area_path,
        checked_in_at=start,
        checked_out_at=start + dt.timedelta(minutes=minutes) if minutes else None,
        received_at=start,
        source=CheckIn.Source.STAFF_SCAN,
    )


def _my_checkins(html: str) -> str:
    return "".join(re.findall(r'<section class="card my-checkins">.*?</section>', html, re.S))


def test_my_page_lists_my_own_recent_checkins_and_nobody_elses(client, areas):
    me = make_person(areas["commune_a"], name="Trần Thị Bích", phone="+84912000001")
    neighbour = make_person(areas["commune_a"], name="Lê Văn Hàng", phone="+84912000002")
    market = make_venue(areas["commune_a"], name="Chợ Kim Tân")
    school = make_venue(areas["commune_a"], name="Trường Một")
    shop = make_venue(areas["commune_a"], name="Tiệm Của Hàng Xóm")
    day = timezone.localdate() - dt.timedelta(days=2)
    at = timezone.make_aware(dt.datetime.combine(day, dt.time(18, 57)))
    _checkin(me, market, at - dt.timedelta(hours=9), minutes=30)
    _checkin(me, school, at, minutes=8 * 60)  # past midnight: both days
    _checkin(me, shop, at - dt.timedelta(days=40), minutes=30)  # older than the days the page looks back
    _checkin(neighbour, shop, at)
    _on_phone(client, [me])
    listed = _my_checkins(client.get("/c/me/").content.decode())
    assert "Chợ Kim Tân" in listed and "Trường Một" in listed and "Tiệm Của Hàng Xóm" not in listed
    nxt = day + dt.timedelta(days=1)
    assert f"18:57 {day:%d/%m/%Y}–02:57 {nxt:%d/%m/%Y}" in listed
    assert f"09:57–10:27 {day:%d/%m/%Y}" in listed
    assert listed.index("Trường Một") < listed.index("Chợ Kim Tân")  # newest first
    assert "Nơi tôi đã quét mã" in listed and "Places I checked in at" in listed
    read = AuditLog.objects.get(action="checkins.checkin.listed_by_citizen")
    assert read.object_id == str(me.pk) and read.actor is None and len(read.extra["checkins"]) == 2


def test_a_linked_record_shows_no_checkins_until_the_sms_code_claims_it(client, areas):
    """A phone that typed someone's name and ID holds them as LINKED: it shows neither their QR code nor their
    check-ins (nothing is read, nothing audited) until the code sent to the record's phone is typed."""
    other = make_person(areas["commune_a"], name="Lê Văn Hàng", phone="+84912000002")
    _checkin(other, make_venue(areas["commune_a"], name="Tiệm Riêng"), timezone.now() - dt.timedelta(hours=3))
    _on_phone(client, [other], linked=[other])
    html = client.get("/c/me/").content.decode()
    assert "Tiệm Riêng" not in html and 'class="card my-checkins"' not in html
    assert not AuditLog.objects.filter(action="checkins.checkin.listed_by_citizen").exists()


def test_my_page_says_so_when_there_is_no_checkin(client, areas):
    _on_phone(client, [make_person(areas["commune_a"])])
    listed = _my_checkins(client.get("/c/me/").content.decode())
    assert "Không có lần quét mã nào trong 14 ngày qua." in listed and "No check-in in the last 14 days." in listed
