"""The check-in scanner (/checkins/scan/) shows the health status colour of the code it has just accepted."""

import pytest

from phongdich.accounts.models import Official
from phongdich.checkins.models import CheckIn
from phongdich.checkins.tests.builders import add_member, clear_caches, make_code, make_person, make_venue, personal_qr
from phongdich.core.testing import make_official, make_province_with_communes
from phongdich.healthcards.services import status_qr_issue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_scanner_colours_its_answer_with_the_card(live_server, phone, default_rule_set):
    clear_caches()
    areas = make_province_with_communes()
    venue = make_venue(areas["commune_a"], name="Chợ Thạch Lập")
    make_code(venue)
    add_member(venue, make_official(Official.Role.VENUE_STAFF, areas["commune_a"], username="kiemsoat"))
    red_person = make_person(areas["commune_a"], name="Lê Văn Hùng")
    plain_person = make_person(areas["commune_a"], name="Đỗ Thị Lan", phone="+84912345672")
    token, card = status_qr_issue(person=red_person)
    assert card.colour == "red"

    phone.goto(f"{live_server.url}/accounts/login/?next=/checkins/scan/")
    phone.fill("input[name=username]", "kiemsoat")
    phone.fill("input[name=password]", "pass-for-tests-1")
    phone.press("input[name=password]", "Enter")
    phone.wait_for_url(lambda url: url.endswith("/checkins/scan/") and "/accounts/login/" not in url)

    phone.fill("#manual-token", token)
    phone.press("#manual-token", "Enter")
    phone.locator("#result.ok.card-red").wait_for()
    assert phone.locator("#result .scan-colour").inner_text().lower() == "thẻ đỏ"
    assert phone.locator("#result .scan-initials").inner_text() == "LVH"

    # A code without a colour (issued before the status card existed): a plain answer, no stale colour.
    phone.fill("#manual-token", personal_qr(plain_person))
    phone.press("#manual-token", "Enter")
    phone.locator("#result.ok:not(.card-red)").wait_for()
    assert phone.locator("#result .scan-colour").count() == 0
    assert phone.locator("#result .scan-initials").inner_text() == "ĐTL"
    assert CheckIn.objects.count() == 2
    clear_caches()
