from datetime import timedelta

import pytest
from django.utils import timezone

from phongdich.core.testing import make_province_with_communes

from .. import services, tasks
from ..models import CheckIn, RollupState, VenueDailyCount
from ..selectors import daily_scan_counts, day_start, local_day, venue_scan_counts
from . import builders as b

pytestmark = pytest.mark.django_db


def _visit(person, venue, at):
    return CheckIn.objects.create(
        person=person,
        venue=venue,
        area_path=venue.area_path,
        checked_in_at=at,
        received_at=at,
        source=CheckIn.Source.SELF_SCAN,
    )


@pytest.fixture
def history(settings):
    """Check-ins spread over the last 45 days in two communes; retention 30 days."""
    settings.CHECKIN_RETENTION_DAYS = 30
    areas = make_province_with_communes()
    venue_a = b.make_venue(areas["commune_a"])
    venue_b = b.make_venue(areas["commune_b"])
    person = b.make_person(areas["commune_a"])
    # Local noon: far from midnight, so "yesterday" is finished whatever the grace period.
    now = day_start(local_day(timezone.now())) + timedelta(hours=12)
    for days_ago in range(0, 45):
        for n in range(days_ago % 3 + 1):
            _visit(person, venue_a, now - timedelta(days=days_ago, minutes=n))
        _visit(person, venue_b, now - timedelta(days=days_ago, hours=1))
    return {"now": now, "venue_a": venue_a, "venue_b": venue_b, "areas": areas}


def _stats(now):
    start, end = local_day(now) - timedelta(days=50), local_day(now)
    return (
        venue_scan_counts(area_path="38/", start_date=start, end_date=end),
        venue_scan_counts(area_path="38/15085/", start_date=end - timedelta(days=6), end_date=end),
        daily_scan_counts(area_path="", start_date=start, end_date=end),
    )


def test_retention_purge_keeps_statistics_identical(history):
    now = history["now"]
    before = _stats(now)
    rolled = services.checkin_rollup(now=now)
    assert rolled[-1] == RollupState.objects.get().rolled_through == local_day(now) - timedelta(days=1)
    assert _stats(now) == before
    deleted = services.checkin_prune(now=now)
    assert deleted > 0
    oldest_kept = CheckIn.objects.order_by("checked_in_at").first().checked_in_at
    assert local_day(oldest_kept) >= local_day(now) - timedelta(days=30)
    assert _stats(now) == before
    assert sum(before[0].values()) == sum(before[2].values()) > CheckIn.objects.count()


def test_rollup_and_prune_are_idempotent(history):
    now = history["now"]
    services.checkin_rollup(now=now)
    services.checkin_prune(now=now)
    counts = list(VenueDailyCount.objects.order_by("venue_id", "day").values_list("venue_id", "day", "checkins"))
    remaining = CheckIn.objects.count()
    assert services.checkin_rollup(now=now) == []
    assert services.checkin_prune(now=now) == 0
    assert list(VenueDailyCount.objects.order_by("venue_id", "day").values_list("venue_id", "day", "checkins")) == (
        counts
    )
    assert CheckIn.objects.count() == remaining


def test_prune_deletes_only_rolled_days(history):
    now = history["now"]
    # Nothing rolled yet: nothing may be deleted, whatever its age.
    RollupState.objects.update_or_create(pk=1, defaults={"rolled_through": None})
    assert services.checkin_prune(now=now) == 0
    old_day = local_day(now) - timedelta(days=40)
    RollupState.objects.filter(pk=1).update(rolled_through=old_day)
    services.checkin_prune(now=now, chunk=2)
    assert local_day(CheckIn.objects.order_by("checked_in_at").first().checked_in_at) == old_day + timedelta(days=1)


def test_statistics_count_today_from_raw_checkins(history):
    now = history["now"]
    services.checkin_rollup(now=now)
    today = local_day(now)
    expected = {}
    for checkin in CheckIn.objects.all():
        if local_day(checkin.checked_in_at) == today:
            expected[checkin.venue_id] = expected.get(checkin.venue_id, 0) + 1
    assert venue_scan_counts(area_path="38/", start_date=today, end_date=today) == expected
    assert daily_scan_counts(area_path="38/", start_date=today, end_date=today) == {today: sum(expected.values())}
    # Scoped to one commune: only its venue.
    assert venue_scan_counts(area_path="38/15142/", start_date=today, end_date=today) == {
        history["venue_b"].pk: expected[history["venue_b"].pk]
    }


def test_celery_task_rolls_up_and_prunes(history, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    result = tasks.checkins_rollup_and_prune.apply().get()
    assert result["rolled"] and result["deleted"] > 0
    assert tasks.checkins_auto_checkout.apply().get() >= 0
