from datetime import timedelta

import pytest
from django.utils import timezone

from phongdich.core.errors import ApplicationError
from phongdich.core.testing import make_province_with_communes

from .. import services
from ..models import CheckIn, RollupState, VenueDailyCount
from ..selectors import daily_scan_counts, day_start, local_day, venue_scan_counts
from . import builders as b

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_caches():
    b.clear_caches()
    yield
    b.clear_caches()


@pytest.fixture
def setup():
    areas = make_province_with_communes()
    venue = b.make_venue(areas["commune_a"])
    device, _token = b.make_device(venue)
    people = [b.make_person(areas["commune_a"], name=f"Người {i}", phone=f"+8491200000{i}") for i in range(3)]
    return {"areas": areas, "venue": venue, "device": device, "people": people}


def _item(client_id, person, scanned_at, **extra):
    return {
        "client_id": client_id,
        "personal_qr": b.personal_qr(person, now=scanned_at - timedelta(minutes=1)),
        "scanned_at": scanned_at.isoformat(),
        **extra,
    }


def test_sending_the_same_batch_twice_records_nothing_twice(setup):
    now = timezone.now()
    items = [_item(f"c{i}", p, now - timedelta(minutes=10 + i)) for i, p in enumerate(setup["people"])]
    first = services.checkin_batch(device=setup["device"], items=items, now=now)
    assert [r.status for r in first] == ["accepted"] * 3
    assert CheckIn.objects.count() == 3
    second = services.checkin_batch(device=setup["device"], items=items, now=now + timedelta(seconds=5))
    assert [r.status for r in second] == ["duplicate"] * 3
    assert [r.checkin_id for r in second] == [r.checkin_id for r in first]
    assert CheckIn.objects.count() == 3


def test_batch_keeps_scan_time_and_receive_time(setup):
    now = timezone.now()
    scanned = now - timedelta(hours=2)
    [result] = services.checkin_batch(device=setup["device"], items=[_item("x", setup["people"][0], scanned)], now=now)
    checkin = CheckIn.objects.get(pk=result.checkin_id)
    assert checkin.checked_in_at == scanned and checkin.received_at == now
    assert checkin.source == CheckIn.Source.OFFLINE_BATCH and checkin.nonce_scope == f"device:{setup['device'].pk}"


def test_each_item_is_refused_with_its_own_reason_and_others_are_accepted(setup, settings):
    now = timezone.now()
    person = setup["people"][0]
    other_venue_code = b.make_code(b.make_venue(setup["areas"]["commune_a"]))
    revoked = b.make_code(setup["venue"], label="Cổng cũ")
    revoked.revoked_at = now - timedelta(days=1)
    revoked.save()
    items = [
        _item("ok", person, now - timedelta(minutes=5)),
        "not an object",
        {"client_id": "no-qr", "scanned_at": now.isoformat()},
        _item("unknown", person, now - timedelta(minutes=5), code_token="nope-nope-nope"),
        _item("revoked", person, now - timedelta(minutes=5), code_token=revoked.token),
        _item("other-venue", person, now - timedelta(minutes=5), code_token=other_venue_code.token),
        {**_item("bad-qr", person, now), "personal_qr": "PD1:XYZ"},
        _item("future", person, now + timedelta(seconds=settings.CHECKIN_CLOCK_SKEW_SECONDS + 60)),
        _item("old", person, now - timedelta(days=settings.CHECKIN_BATCH_MAX_AGE_DAYS + 1)),
        {**_item("naive", person, now), "scanned_at": "2026-01-01T10:00:00"},
        _item("ok", person, now - timedelta(minutes=4)),  # same client id again in one upload
    ]
    results = services.checkin_batch(device=setup["device"], items=items, now=now)
    assert [(r.status, r.code) for r in results] == [
        ("accepted", ""),
        ("refused", "invalid_input"),
        ("refused", "invalid_input"),
        ("refused", "unknown_code"),
        ("refused", "code_revoked"),
        ("refused", "not_venue_staff"),
        ("refused", "personal_qr_malformed"),
        ("refused", "scan_in_future"),
        ("refused", "scan_too_old"),
        ("refused", "invalid_input"),
        ("duplicate", ""),
    ]
    assert all(r.message_vi and r.message_en for r in results if r.status == "refused")
    assert results[-1].checkin_id == results[0].checkin_id
    assert CheckIn.objects.count() == 1


def test_unverified_venue_items_are_refused(setup):
    setup["venue"].status = "suspended"
    setup["venue"].save()
    setup["device"].refresh_from_db()
    now = timezone.now()
    [result] = services.checkin_batch(
        device=setup["device"], items=[_item("a", setup["people"][0], now - timedelta(minutes=1))], now=now
    )
    assert result.code == "venue_not_verified" and CheckIn.objects.count() == 0


def test_batch_with_too_many_items_or_not_a_list_is_refused_whole(setup, settings):
    settings.CHECKIN_BATCH_MAX_ITEMS = 2
    now = timezone.now()
    items = [_item(f"c{i}", setup["people"][0], now) for i in range(3)]
    with pytest.raises(ApplicationError) as info:
        services.checkin_batch(device=setup["device"], items=items, now=now)
    assert info.value.code == "batch_too_large"
    with pytest.raises(ApplicationError) as info:
        services.checkin_batch(device=setup["device"], items={"client_id": "x"}, now=now)
    assert info.value.code == "invalid_input"
    assert CheckIn.objects.count() == 0


def test_out_scan_closes_the_open_visit(setup):
    now = timezone.now()
    person = setup["people"][0]
    items = [
        _item("in-1", person, now - timedelta(minutes=30)),
        _item("out-1", person, now - timedelta(minutes=5), direction="out"),
    ]
    results = services.checkin_batch(device=setup["device"], items=items, now=now)
    assert [r.status for r in results] == ["accepted", "accepted"]
    checkin = CheckIn.objects.get()
    assert checkin.checked_out_at == now - timedelta(minutes=5) and checkin.checkout_kind == "staff"
    again = services.checkin_batch(device=setup["device"], items=items, now=now)
    assert [r.status for r in again] == ["duplicate", "duplicate"]
    lone = services.checkin_batch(
        device=setup["device"], items=[_item("out-2", setup["people"][1], now, direction="out")], now=now
    )
    assert lone[0].code == "no_open_checkin"


def test_late_batch_into_a_rolled_day_keeps_statistics_exact(setup):
    now = timezone.now()
    venue = setup["venue"]
    # 10:00 two days ago, Vietnam time: the late scans a few minutes after it stay on that day (two days before
    # "now" they crossed midnight after 23:57 and counted on the next day).
    day = local_day(now) - timedelta(days=2)
    two_days_ago = day_start(day) + timedelta(hours=10)
    services.checkin_batch(device=setup["device"], items=[_item("early", setup["people"][0], two_days_ago)], now=now)
    services.checkin_rollup(now=now)
    assert RollupState.objects.get().rolled_through >= day
    assert VenueDailyCount.objects.get(venue=venue, day=day).checkins == 1

    late = [_item(f"late{i}", p, two_days_ago + timedelta(minutes=i)) for i, p in enumerate(setup["people"])]
    results = services.checkin_batch(device=setup["device"], items=late, now=now)
    assert [r.status for r in results] == ["accepted"] * 3
    assert VenueDailyCount.objects.get(venue=venue, day=day).checkins == 4
    assert venue_scan_counts(area_path="38/", start_date=day, end_date=day) == {venue.pk: 4}
    assert daily_scan_counts(area_path="38/", start_date=day, end_date=day) == {day: 4}
    # The same late batch again adds nothing.
    services.checkin_batch(device=setup["device"], items=late, now=now + timedelta(seconds=1))
    assert VenueDailyCount.objects.get(venue=venue, day=day).checkins == 4


def test_batch_inserts_in_bulk_with_few_queries(setup, django_assert_max_num_queries):
    now = timezone.now()
    items = [
        _item(f"bulk{i}", setup["people"][i % 3], now - timedelta(minutes=1, seconds=i), code_token=None)
        for i in range(300)
    ]
    with django_assert_max_num_queries(12):
        results = services.checkin_batch(device=setup["device"], items=items, now=now)
    assert {r.status for r in results} == {"accepted"}
    assert CheckIn.objects.count() == 300
