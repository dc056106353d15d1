"""The citizen's 'my vaccination' page in a real headless Chromium, after the one-time-code verification (the
session is set as people.citizen.citizen_mark_verified leaves it): two doses, full vaccination, the booster."""

import datetime as dt
import os
from importlib import import_module
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from phongdich.core.testing import make_province_with_communes
from phongdich.people.citizen import SESSION_AT_KEY, SESSION_KEY

from ..models import Dose
from .builders import make_person, make_site, product

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp"))


def test_citizen_sees_two_doses_and_full_vaccination(reference_data, live_server, phone):
    areas = make_province_with_communes()
    site = make_site(areas["commune_a"], name="Trung tâm Y tế huyện Thạch Thành")
    person = make_person(areas["commune_a"], name="Lê Văn Quân", birth_date=dt.date(1945, 3, 15))
    for number, on in ((1, dt.date(2021, 8, 2)), (2, dt.date(2021, 10, 4))):
        Dose.objects.create(
            person=person, product=product("astrazeneca"), lot=f"ABV580{number}", dose_number=number, given_on=on,
            site=site, completes_series=number == 2, area_path=person.area_path,
        )  # fmt: skip
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = person.pk
    store[SESSION_AT_KEY] = timezone.now().timestamp()
    store.create()
    host = live_server.url.split("//", 1)[1].split(":")[0]
    phone.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": store.session_key, "domain": host,
                                "path": "/"}])  # fmt: skip

    phone.goto(f"{live_server.url}/vaccination/me/")

    assert "Đã tiêm đủ liều từ 04/10/2021" in phone.locator("#vaccination-status").inner_text()
    rows = phone.locator("#doses tbody tr")
    assert rows.count() == 2
    assert "ABV5802" in rows.nth(1).inner_text() and "Trung tâm Y tế huyện Thạch Thành" in rows.nth(1).inner_text()
    assert "02/04/2022" in phone.locator("#next-dose").inner_text()  # booster: 180 days after the second dose
    assert phone.locator("a[href='/certificates/me/']").count() == 1
    phone.screenshot(path=str(SCREENSHOTS / "vaccination-me.png"), full_page=True)


def test_without_verification_the_page_sends_to_the_lookup(live_server, phone):
    phone.goto(f"{live_server.url}/vaccination/me/", wait_until="commit")
    # The look-up page belongs to the testing app; only the redirect is this app's.
    assert "next=/vaccination/me/" in phone.url
