"""Shared pytest fixtures for the browser tests (@pytest.mark.browser), and the property tests' settings.

Playwright drives Debian's Chromium at /usr/bin/chromium (`make browser` installs it); it never downloads a
browser. Without Chromium the browser tests are skipped with the reason, except under CI (the CI environment
variable set), where a missing browser is a failure: the check-in page must be proven in a real browser.
"""

import datetime as dt
import os
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import settings as hypothesis_settings

# No per-example time limit for the property tests: on a shared, loaded CI machine one slow example (a pause of
# the collector, a busy core) would fail a test whose answers were right. Speed is measured in bench/.
hypothesis_settings.register_profile("phongdich", deadline=None)
hypothesis_settings.load_profile("phongdich")

# PHONGDICH_TEST_CLOCK (docs/testing.md, "Running the tests at a given hour"): each test starts at that moment and
# the clock ticks on from it, so that a test which holds only at some hours of the day fails at every run at one of
# them. "2026-12-07T23:30+07:00" is a moment; "23:30" is that time today, Vietnam time (the project's time zone).
TEST_CLOCK_VARIABLE = "PHONGDICH_TEST_CLOCK"
PROJECT_TIME_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


# PHONGDICH_TEST_CLOCK_CALL (with PHONGDICH_TEST_CLOCK): the test's body starts at this moment, its fixtures at
# PHONGDICH_TEST_CLOCK's, so that data a fixture builds on one day is checked on the next however fast the test is. A
# time of day is the first one after PHONGDICH_TEST_CLOCK ("23:59:59" then "00:00:01" is one day, then the next).
TEST_CLOCK_CALL_VARIABLE = "PHONGDICH_TEST_CLOCK_CALL"


def _moment(variable: str, after: dt.datetime | None = None) -> dt.datetime | None:
    value = os.environ.get(variable, "").strip()
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        try:
            time_of_day = dt.time.fromisoformat(value)
        except ValueError:
            raise pytest.UsageError(
                f"{variable}={value!r}: give a moment (2026-12-07T23:30+07:00) or a time of day (23:30)"
            ) from None
        day = (after or dt.datetime.now(PROJECT_TIME_ZONE)).astimezone(PROJECT_TIME_ZONE).date()
        moment = dt.datetime.combine(day, time_of_day, tzinfo=PROJECT_TIME_ZONE)
        if after is not None and moment <= after:
            moment += dt.timedelta(days=1)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=PROJECT_TIME_ZONE)
    return moment


def _test_clock() -> dt.datetime | None:
    return _moment(TEST_CLOCK_VARIABLE)


def _test_clocks() -> tuple[dt.datetime | None, dt.datetime | None]:
    clock = _test_clock()
    if clock is None:
        if os.environ.get(TEST_CLOCK_CALL_VARIABLE, "").strip():
            raise pytest.UsageError(f"{TEST_CLOCK_CALL_VARIABLE} needs {TEST_CLOCK_VARIABLE} (the fixtures' moment)")
        return None, None
    call = _moment(TEST_CLOCK_CALL_VARIABLE, after=clock)
    if call is not None and call <= clock:
        raise pytest.UsageError(f"{TEST_CLOCK_CALL_VARIABLE} must come after {TEST_CLOCK_VARIABLE}")
    return clock, call


TEST_CLOCK, TEST_CLOCK_CALL = _test_clocks()

CHROMIUM = Path(os.environ.get("PHONGDICH_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# A mid-range Android phone, as a citizen scanning a venue's code would hold.
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "vi-VN",
    "timezone_id": "Asia/Ho_Chi_Minh",
    "user_agent": (
        "Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/124.0 Mobile Safari/537.36"
    ),
}


def _launch(playwright, extra_args=()):
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=[*CHROMIUM_ARGS, *extra_args], headless=True)


@pytest.fixture(scope="session")
def playwright_driver():
    """Playwright itself; skips (or fails under CI) when Chromium is missing."""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: install it with `make browser` (scripts/install-chromium.sh)"
        if os.environ.get("CI"):
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are still plain
    # synchronous code, so Django's "async context" guard must be told so.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            yield playwright
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def chromium(playwright_driver):
    """A headless Chromium, shared by the session's browser tests."""
    browser = _launch(playwright_driver)
    try:
        yield browser
    finally:
        browser.close()


@pytest.fixture
def chromium_with_camera(playwright_driver):
    """Launch a Chromium whose camera films the given Y4M video (Chromium's fake capture device), with
    camera permission granted without a prompt: `browser = chromium_with_camera(path)`."""
    browsers = []

    def launch(video: Path):
        browser = _launch(
            playwright_driver,
            [
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-video-capture={video}",
            ],
        )
        browsers.append(browser)
        return browser

    yield launch
    for browser in browsers:
        browser.close()


@pytest.fixture
def phone(chromium):
    """A fresh browser context that looks like a phone (its own cookies: a new device)."""
    context = chromium.new_context(**PHONE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        yield page
    finally:
        context.close()


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    # Tests create many users; the production hasher's deliberate slowness is not what they test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _exports_in_a_temporary_folder(settings, tmp_path):
    # Exported files go where each test can look, never into the checkout's var/.
    settings.EXPORT_DIR = tmp_path / "exports"


@pytest.fixture(autouse=True)
def _default_language():
    # A request to an /en/ page leaves English active in the test's thread (LocaleMiddleware activates, nothing
    # deactivates), and reverse() then gives /en/ addresses to the next test: each test starts in Vietnamese.
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    # The cache database's test copy is a file, not SQLite's in-memory database: Django shares one in-memory
    # connection between the test and every thread of the live server, and two pages' API calls at once then each
    # began a count's IMMEDIATE transaction on that one connection ("cannot start a transaction within a
    # transaction", a 500 of /api/v1/map/exposure-places/ in a map browser test on PostgreSQL). With a file each
    # thread has its own connection, as each server process has in production.
    from django.conf import settings

    if "cache" in settings.DATABASES:
        test = settings.DATABASES["cache"].setdefault("TEST", {})
        test["NAME"] = str(tmp_path_factory.mktemp("cache") / "cache.sqlite3")


def pytest_report_header(config):
    if TEST_CLOCK is None:
        return None
    header = f"{TEST_CLOCK_VARIABLE}: each test starts at {TEST_CLOCK.isoformat()} (the clock ticks)"
    if TEST_CLOCK_CALL is not None:
        header += f"; {TEST_CLOCK_CALL_VARIABLE}: its body at {TEST_CLOCK_CALL.isoformat()}"
    return header


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    # Around the whole test, its fixtures' set-up and tear-down included: data a fixture builds from "now" must be
    # built at the same moment as the test reads it. time-machine moves time.time, datetime.now, date.today and so
    # Django's timezone.now, in every thread of this process (the live server's too), not in other processes.
    if TEST_CLOCK is None:
        yield
        return
    import time_machine

    # In UTC: a ZoneInfo destination would also change the process's time zone (TZ), which Django has set already.
    with time_machine.travel(TEST_CLOCK.astimezone(dt.UTC), tick=True) as traveller:
        item.stash[_traveller] = traveller
        yield


_traveller = pytest.StashKey()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    # The body on the next day (PHONGDICH_TEST_CLOCK_CALL); its tear-down follows on from there.
    if TEST_CLOCK_CALL is not None and _traveller in item.stash:
        item.stash[_traveller].move_to(TEST_CLOCK_CALL.astimezone(dt.UTC))
    yield


def _skip_tests_that_need_the_real_clock(items):
    for item in items:
        marker = item.get_closest_marker("real_clock")
        if marker is not None:
            reason = marker.args[0] if marker.args else marker.kwargs.get("reason", "needs the real clock")
            item.add_marker(pytest.mark.skip(reason=f"{TEST_CLOCK_VARIABLE} is set: {reason}"))


def pytest_collection_modifyitems(config, items):
    if TEST_CLOCK is not None:
        _skip_tests_that_need_the_real_clock(items)
    # Without REDIS_URL the cache (rate limits) is a database of its own (the "cache" alias, core/cachedb.py): every
    # test that uses the database uses that one too, so that pytest-django creates its test copy (never the file in
    # var/) and rolls each test's counts back with the test.
    from django.conf import settings

    if "cache" not in settings.DATABASES:
        return
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker is None and not {"db", "transactional_db", "live_server"} & set(item.fixturenames):
            continue
        kwargs = dict(marker.kwargs) if marker is not None else {}
        databases = kwargs.get("databases")
        if databases == "__all__":
            continue
        kwargs["databases"] = sorted({*(databases or ["default"]), "cache"})
        item.add_marker(pytest.mark.django_db(*(marker.args if marker is not None else ()), **kwargs), append=False)


@pytest.fixture(autouse=True)
def _empty_cache(request):
    # Rate limits count in the cache; the live server shares it, and a transactional test commits its counts, so
    # one test's requests must not use up the next test's allowance. A cache kept in a database is reached only by
    # tests that use the database.
    from django.conf import settings
    from django.core.cache import cache

    if "cache" in settings.DATABASES:
        if request.node.get_closest_marker("django_db") is None:
            yield
            return
        # The database as the test's marker has it: pytest-django's `db` defers to a transactional database when
        # the test asks for one (its marker, `transactional_db` or `live_server`).
        request.getfixturevalue("db")
    cache.clear()
    yield


@pytest.fixture(autouse=True, scope="session")
def _celery_runs_tasks_in_process():
    # Tests run tasks where they are queued (after the commit callbacks a test executes), never through a broker:
    # a task sent to the embedded filesystem queue would wait for a worker that tests don't start.
    from phongdich.config.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
