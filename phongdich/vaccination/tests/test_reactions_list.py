"""The reactions list (/vaccination/reactions/): the area's reactions, the graver first, per lot with the rate of
grave ones per 100,000 doses given; scoped like the doses, audited, bad filters a clear 400."""

import datetime as dt

import pytest
from django.utils import timezone

from phongdich.core.models import AuditLog

from .. import services
from ..selectors import reactions_by_lot
from .builders import make_person, product

pytestmark = pytest.mark.django_db

URL = "/vaccination/reactions/"


def dose(staff, person, *, lot, days_ago=3):
    return services.dose_record(
        actor=staff,
        person_id=person.pk,
        product=product(),
        lot=lot,
        dose_number=1,
        given_on=timezone.localdate() - dt.timedelta(days=days_ago),
    ).dose


def react(staff, given, severity, symptoms, hours_ago=48):
    return services.reaction_record(
        actor=staff,
        dose_id=given.pk,
        severity=severity,
        symptoms=symptoms,
        onset_at=timezone.now() - dt.timedelta(hours=hours_ago),
    )


@pytest.fixture
def reactions(areas, staff, province_official):
    people = [make_person(areas["commune_a"], name=f"Người {index}", birth_year=1970 + index) for index in range(4)]
    doses = [dose(staff, who, lot="BAD01" if index < 2 else "OK002") for index, who in enumerate(people)]
    react(staff, doses[0], "mild", "Đau chỗ tiêm")
    react(staff, doses[1], "serious", "Sốc phản vệ, nhập viện")
    react(staff, doses[2], "moderate", "Sốt 39 độ")
    other = make_person(areas["commune_b"], name="Ở xã khác")
    given_elsewhere = dose(province_official, other, lot="BAD01")  # at no site of commune A: not A's
    react(province_official, given_elsewhere, "severe", "Khó thở")
    return people


def test_the_list_puts_the_graver_first_and_is_audited(reactions, official, client):
    client.force_login(official)
    response = client.get(URL)
    assert response.status_code == 200
    text = response.content.decode()
    assert text.index("Sốc phản vệ") < text.index("Sốt 39 độ") < text.index("Đau chỗ tiêm")
    assert "Khó thở" not in text  # a person of commune B, and no site of commune A
    assert "Điểm tiêm" in text and "Điểm xét nghiệm" not in text  # its own word for the site, not the lab's
    listed = AuditLog.objects.get(action="vaccination.reactions.listed")
    assert listed.actor == official and len(listed.extra["reactions"]) == 3


def test_filters_and_bad_filters(reactions, official, client):
    client.force_login(official)
    grave = client.get(URL, {"severity": "grave"}).content.decode()
    assert "Sốc phản vệ" in grave and "Đau chỗ tiêm" not in grave
    today = timezone.localdate()
    none = client.get(URL, {"onset_from": (today + dt.timedelta(days=1)).isoformat()}).content.decode()
    assert "Sốc phản vệ" not in none
    for bad in ({"severity": "deadly"}, {"onset_from": "2026-13-40"}, {"onset_from": "9999-01-01"}):
        assert client.get(URL, bad).status_code == 400
    backwards = client.get(
        URL, {"onset_from": today.isoformat(), "onset_to": (today - dt.timedelta(days=3)).isoformat()}
    )
    assert backwards.status_code == 400 and "Ngày kết thúc trước ngày bắt đầu." in backwards.content.decode()


def test_lots_are_compared_by_rate(reactions, official):
    lots = {lot.lot: lot for lot in reactions_by_lot(viewer=official)}
    assert set(lots) == {"BAD01", "OK002"}
    bad, ok = lots["BAD01"], lots["OK002"]
    assert (bad.doses, bad.reactions, bad.grave, bad.grave_per_100000) == (2, 2, 1, 50000.0)
    assert (ok.doses, ok.reactions, ok.grave, ok.grave_per_100000) == (2, 1, 0, 0.0)
    assert [lot.lot for lot in reactions_by_lot(viewer=official)] == ["BAD01", "OK002"]  # the grave first


def test_only_vaccination_roles(reactions, areas, client):
    from phongdich.accounts.models import Official
    from phongdich.core.testing import make_official

    client.force_login(make_official(Official.Role.VENUE_STAFF, areas["commune_a"], username="quay"))
    assert client.get(URL).status_code == 403
    assert not AuditLog.objects.filter(action="vaccination.reactions.listed").exists()


def test_the_province_sees_every_commune(reactions, province_official, client):
    client.force_login(province_official)
    assert "Khó thở" in client.get(URL).content.decode()
    bad = {lot.lot: lot for lot in reactions_by_lot(viewer=province_official)}["BAD01"]
    assert (bad.doses, bad.grave) == (3, 2)


def test_a_lot_counts_the_reactions_of_the_doses_given_in_the_period(areas, staff, official):
    """Numerator and denominator are the same doses: a reaction that began in the period from a dose given before
    it belongs to the dose's period, not to this one (it made a lot of 0 doses and 1 grave reaction)."""
    person = make_person(areas["commune_a"], name="Trước kỳ")
    earlier = dose(staff, person, lot="EDGE1", days_ago=3)
    react(staff, earlier, "serious", "Sốc phản vệ", hours_ago=24)
    today = timezone.localdate()
    assert reactions_by_lot(viewer=official, given_from=today - dt.timedelta(days=2)) == []
    edge = {lot.lot: lot for lot in reactions_by_lot(viewer=official, given_from=today - dt.timedelta(days=3))}["EDGE1"]
    assert (edge.doses, edge.grave) == (1, 1)


@pytest.mark.parametrize(
    "bad",
    [
        {"severity": "deadly"},
        {"onset_from": "2026-13-40"},
        {"onset_to": "hôm qua"},
        {"onset_from": "2026-06-10", "onset_to": "2026-06-01"},
        {"severity": "grave", "onset_from": "9999-01-01"},
    ],
)
def test_a_bad_filter_says_what_is_wrong_and_lists_nothing(reactions, official, client, bad):
    """A filter that cannot be applied is refused: the page never shows the unfiltered list (nor the lots) under a
    filter the official believes is in force, and nothing was listed, so nothing is audited as listed."""
    client.force_login(official)
    response = client.get(URL, bad)
    text = response.content.decode()
    assert response.status_code == 400
    assert "Bộ lọc không hợp lệ" in text
    for symptoms in ("Sốc phản vệ", "Sốt 39 độ", "Đau chỗ tiêm"):
        assert symptoms not in text
    assert "BAD01" not in text and "OK002" not in text
    assert not AuditLog.objects.filter(action="vaccination.reactions.listed").exists()
    english = client.get("/en" + URL, bad)
    assert english.status_code == 400 and "The filter is invalid" in english.content.decode()


def test_the_selectors_refuse_a_filter_they_cannot_apply(reactions, official):
    from phongdich.core.errors import ApplicationError

    from ..selectors import reactions_list

    today = timezone.localdate()
    refusals = [
        lambda: reactions_list(viewer=official, severity="deadly"),
        lambda: reactions_list(viewer=official, onset_from=today, onset_to=today - dt.timedelta(days=1)),
        lambda: reactions_by_lot(viewer=official, given_from=today, given_to=today - dt.timedelta(days=1)),
    ]
    for refused in refusals:
        with pytest.raises(ApplicationError) as raised:
            refused()
        assert raised.value.code == "invalid_reaction_filter" and raised.value.status == 400
    assert reactions_list(viewer=official, onset_from=today, onset_to=today).count() == 0  # one day: fine
