"""PHONGDICH_TEST_CLOCK (phongdich/conftest.py, docs/testing.md "Running the tests at a given hour")."""

import datetime as dt
import time

import pytest
from django.utils import timezone

from phongdich import conftest


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-12-07T23:30+07:00", dt.datetime(2026, 12, 7, 16, 30, tzinfo=dt.UTC)),
        ("2026-12-07T23:30", dt.datetime(2026, 12, 7, 16, 30, tzinfo=dt.UTC)),
        ("2026-12-07T00:00Z", dt.datetime(2026, 12, 7, 0, 0, tzinfo=dt.UTC)),
    ],
)
def test_a_moment_without_a_zone_is_vietnam_time(monkeypatch, value, expected):
    monkeypatch.setenv(conftest.TEST_CLOCK_VARIABLE, value)
    assert conftest._test_clock() == expected


def test_a_time_of_day_is_today_in_vietnam(monkeypatch):
    monkeypatch.setenv(conftest.TEST_CLOCK_VARIABLE, "00:30")
    moment = conftest._test_clock()
    assert (moment.hour, moment.minute) == (0, 30)
    assert moment.tzinfo == conftest.PROJECT_TIME_ZONE
    assert moment.date() == dt.datetime.now(conftest.PROJECT_TIME_ZONE).date()


def test_unset_or_empty_is_the_real_clock(monkeypatch):
    monkeypatch.setenv(conftest.TEST_CLOCK_VARIABLE, "")
    assert conftest._test_clock() is None
    monkeypatch.delenv(conftest.TEST_CLOCK_VARIABLE)
    assert conftest._test_clock() is None


def test_a_wrong_value_says_what_to_give(monkeypatch):
    monkeypatch.setenv(conftest.TEST_CLOCK_VARIABLE, "tomorrow")
    with pytest.raises(pytest.UsageError, match="23:30"):
        conftest._test_clock()


def test_the_body_moment_is_the_next_such_time_of_day_after_the_fixtures(monkeypatch):
    monkeypatch.setenv(conftest.TEST_CLOCK_VARIABLE, "2026-12-07T23:59:59")
    monkeypatch.setenv(conftest.TEST_CLOCK_CALL_VARIABLE, "00:00:01")
    vietnam = conftest.PROJECT_TIME_ZONE
    assert conftest._test_clocks() == (
        dt.datetime(2026, 12, 7, 23, 59, 59, tzinfo=vietnam),
        dt.datetime(2026, 12, 8, 0, 0, 1, tzinfo=vietnam),
    )
    monkeypatch.setenv(conftest.TEST_CLOCK_CALL_VARIABLE, "2026-12-08T00:00:01+07:00")
    assert conftest._test_clocks()[1] == dt.datetime(2026, 12, 7, 17, 0, 1, tzinfo=dt.UTC)
    monkeypatch.delenv(conftest.TEST_CLOCK_CALL_VARIABLE)
    assert conftest._test_clocks()[1] is None


@pytest.mark.parametrize(
    ("clock", "call", "message"),
    [("", "00:00:01", "needs PHONGDICH_TEST_CLOCK"), ("2026-12-07T23:59:59", "2026-12-07T23:00", "must come after")],
)
def test_a_body_moment_without_the_clock_or_before_it_is_refused(monkeypatch, clock, call, message):
    monkeypatch.setenv(conftest.TEST_CLOCK_VARIABLE, clock)
    monkeypatch.setenv(conftest.TEST_CLOCK_CALL_VARIABLE, call)
    with pytest.raises(pytest.UsageError, match=message):
        conftest._test_clocks()


@pytest.mark.skipif(conftest.TEST_CLOCK is None, reason="PHONGDICH_TEST_CLOCK is not set")
def test_every_clock_starts_at_the_given_moment():
    # Each test starts at the moment (a few seconds of ticking at most: the test's own set-up); its body at
    # PHONGDICH_TEST_CLOCK_CALL's when that is set.
    start = conftest.TEST_CLOCK_CALL or conftest.TEST_CLOCK
    for now in (
        timezone.now(),
        dt.datetime.now(dt.UTC),
        dt.datetime.fromtimestamp(time.time(), dt.UTC),
    ):
        assert dt.timedelta(0) <= now - start < dt.timedelta(minutes=1)
    assert timezone.localdate() == start.astimezone(conftest.PROJECT_TIME_ZONE).date()
    assert dt.date.today() == dt.datetime.fromtimestamp(start.timestamp()).date()
