"""Provinces edit rule sets in the admin: a bad set is refused with each problem named; a good one is stored
through the service (audited) and is never edited afterwards."""

import datetime as dt
import json

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from phongdich.core.models import AuditLog
from phongdich.core.testing import make_province_with_communes
from phongdich.healthcards.models import StatusRuleSet

pytestmark = pytest.mark.django_db
ADD_URL = "/admin/healthcards/statusruleset/add/"


@pytest.fixture
def admin_client(client):
    user = get_user_model().objects.create_superuser("so-y-te", password="pass-for-tests-1")
    client.force_login(user)
    client.user = user
    return client


def form(rules, **extra):
    return {
        "name": "Thanh Hóa 2021-12",
        "area": "",
        "effective_from_0": "2021-12-01",
        "effective_from_1": "00:00:00",
        "rules": rules if isinstance(rules, str) else json.dumps(rules),
        "source": "Quyết định của UBND tỉnh (test)",
        **extra,
    }


def test_a_bad_rule_set_is_refused_with_each_problem_named(admin_client, default_rule_set):
    bad = [{"colour": "purple", "when": {"input": "moon_phase"}}, {"colour": "red", "when": {"always": True}}]
    response = admin_client.post(ADD_URL, form(bad))
    assert response.status_code == 200
    page = response.content.decode()
    assert "rules[0].colour: one of green, yellow, red" in page
    assert "rules[0].when.input: unknown input &#x27;moon_phase&#x27;" in page
    assert StatusRuleSet.objects.count() == 1


def test_rules_that_are_not_json_are_refused(admin_client, default_rule_set):
    response = admin_client.post(ADD_URL, form("[{colour: red"))
    assert response.status_code == 200
    assert StatusRuleSet.objects.count() == 1


def test_a_good_rule_set_is_stored_through_the_service_and_then_read_only(admin_client, default_rule_set):
    areas = make_province_with_communes()
    rules = [{"colour": "green", "when": {"always": True}}]
    response = admin_client.post(ADD_URL, form(rules, area=str(areas["province"].pk)))
    assert response.status_code == 302, response.content.decode()[:3000]
    rule_set = StatusRuleSet.objects.exclude(pk=default_rule_set.pk).get()
    assert (rule_set.rules, rule_set.area, rule_set.created_by) == (rules, areas["province"], admin_client.user)
    assert AuditLog.objects.filter(action="healthcards.rule_set.created", object_id=str(rule_set.pk)).count() == 1
    change_url = f"/admin/healthcards/statusruleset/{rule_set.pk}/change/"
    admin_client.post(change_url, form([{"colour": "red", "when": {"always": True}}]))
    rule_set.refresh_from_db()
    assert rule_set.rules == rules


def test_the_add_form_starts_from_the_latest_default(admin_client, default_rule_set):
    page = admin_client.get(ADD_URL).content.decode()
    assert "symptoms_within_days" in page


@pytest.fixture
def province_official_client(client):
    """A provincial health official given the right to add rule sets (an administrator grants it)."""
    from django.contrib.auth.models import Permission

    from phongdich.accounts.models import Official
    from phongdich.core.testing import make_official

    areas = make_province_with_communes()
    user = make_official(Official.Role.HEALTH_DEPT, areas["province"])
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.add(*Permission.objects.filter(codename__in=["add_statusruleset", "view_statusruleset"]))
    client.force_login(user)
    client.areas = areas
    return client


@pytest.mark.parametrize("where", ["province", "commune_a"])
def test_an_official_adds_a_rule_set_for_their_area_or_one_within_it(province_official_client, default_rule_set, where):
    area = province_official_client.areas[where]
    rules = [{"colour": "green", "when": {"always": True}}]
    response = province_official_client.post(ADD_URL, form(rules, area=str(area.pk)))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert StatusRuleSet.objects.exclude(pk=default_rule_set.pk).get().area == area


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("other_province", "Chỉ được thêm bộ quy tắc cho địa bàn của mình"),
        ("", "bộ quy tắc cho mọi địa bàn do quản trị viên đặt"),
    ],
)
def test_an_official_cannot_add_a_rule_set_for_another_area_or_for_every_area(
    province_official_client, default_rule_set, where, message
):
    area = province_official_client.areas[where].pk if where else ""
    response = province_official_client.post(ADD_URL, form([{"colour": "red", "when": {"always": True}}], area=area))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert StatusRuleSet.objects.count() == 1


def test_the_pre_filled_rules_are_a_list_that_can_be_saved_as_they_are(admin_client, default_rule_set):
    """The form starts from the latest default as rules, not as a JSON string of them (which was refused)."""
    import re
    from html import unescape

    page = admin_client.get(ADD_URL).content.decode()
    textarea = unescape(re.search(r'<textarea name="rules"[^>]*>(.*?)</textarea>', page, re.S).group(1))
    assert json.loads(textarea) == default_rule_set.rules
    response = admin_client.post(ADD_URL, form(textarea.strip()))
    assert response.status_code == 302, response.content.decode()[:3000]


def test_a_date_typed_day_first_in_the_admin_is_that_day(admin_client, default_rule_set):
    """The admin is in Vietnamese: "01/12/2021" is 1 December (phongdich/formats), not 12 January."""
    rules = [{"colour": "green", "when": {"always": True}}]
    response = admin_client.post(ADD_URL, form(rules, effective_from_0="01/12/2021"), HTTP_ACCEPT_LANGUAGE="vi")
    assert response.status_code == 302, response.content.decode()[:3000]
    rule_set = StatusRuleSet.objects.exclude(pk=default_rule_set.pk).get()
    assert timezone.localtime(rule_set.effective_from).date() == dt.date(2021, 12, 1)
