import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from phongdich.accounts.models import Official
from phongdich.checkins.models import CheckIn, VenueDailyCount
from phongdich.checkins.tasks import checkins_rollup_and_prune
from phongdich.core.errors import ApplicationError
from phongdich.core.testing import assert_formula_safe, make_area, make_official
from phongdich.people.models import Person
from phongdich.stats.selectors import area_breakdown, area_stats, stats_default_period
from phongdich.venues.models import Venue

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
END = TODAY - dt.timedelta(days=1)
START = END - dt.timedelta(days=6)


def local(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)), timezone.get_current_timezone())


@pytest.fixture
def tree():
    province = make_area("38", "Tỉnh Thanh Hóa", "province")
    district = make_area("391", "Huyện Thạch Thành", "district", province)
    return {
        "province": province,
        "district": district,
        "kim_tan": make_area("15187", "Thị trấn Kim Tân", "commune", district),
        "thach_lam": make_area("15196", "Xã Thạch Lâm", "commune", district),
        "other": make_area("16000", "Phường Hạc Thành", "commune", province),
    }


def venue(area, name, status=Venue.Status.VERIFIED, created=None):
    obj = Venue.objects.create(
        name=name,
        name_folded=name.lower(),
        venue_type_id="market",
        area=area,
        area_path=area.path,
        street_address="Thôn 1",
        status=status,
        registered_via=Venue.RegisteredVia.OFFICIAL,
    )
    Venue.objects.filter(pk=obj.pk).update(created_at=created or local(START - dt.timedelta(days=30)))
    return obj


def scans(target, day, count, hour=10):
    person = Person.objects.create(full_name="Bùi Văn Hùng", area_path=target.area_path, created_via="official")
    CheckIn.objects.bulk_create(
        CheckIn(
            person=person,
            venue=target,
            area_path=target.area_path,
            checked_in_at=local(day, hour),
            received_at=local(day, hour),
            source=CheckIn.Source.SELF_SCAN,
        )
        for _ in range(count)
    )


@pytest.fixture
def data(tree):
    """Kim Tân: a busy market, a quiet pending shop, a rejected one; Thạch Lâm: one active school;
    elsewhere in the province: one active venue that the district must not count."""
    market = venue(tree["kim_tan"], "Chợ Kim Tân")
    shop = venue(tree["kim_tan"], "Tạp hóa Lan", status=Venue.Status.PENDING)
    venue(tree["kim_tan"], "Quán Hùng", status=Venue.Status.REJECTED)
    school = venue(tree["thach_lam"], "Trường THCS Thạch Lâm")
    venue(tree["thach_lam"], "Trạm Y tế xã Thạch Lâm")
    late = venue(tree["thach_lam"], "Registered after the period", created=local(TODAY))
    outside = venue(tree["other"], "Chợ Hạc Thành")
    scans(market, START, 5)
    scans(market, END, 7, hour=23)  # late evening: still the same local day
    scans(school, START + dt.timedelta(days=2), 3)
    scans(school, START - dt.timedelta(days=1), 100)  # the day before the period
    scans(late, TODAY, 4)  # today: after the period
    scans(outside, END, 9)
    return {"market": market, "shop": shop, "school": school, "outside": outside, **tree}


def district_figures(viewer, district):
    stats = area_stats(viewer=viewer, area=district, start_date=START, end_date=END)
    f = stats.figures
    return stats, (f.registered, f.verified, f.pending, f.rejected, f.active, f.scans)


def test_area_figures_count_registered_verified_pending_active_and_scans(data):
    viewer = make_official(Official.Role.PROVINCE_ADMIN, data["province"])
    stats, figures = district_figures(viewer, data["district"])
    assert figures == (5, 3, 1, 1, 2, 15)
    assert stats.figures.active_share == 40.0
    per_day = dict(stats.scans_per_day)
    assert len(per_day) == 7
    assert per_day[START] == 5 and per_day[END] == 7 and per_day[START + dt.timedelta(days=2)] == 3
    assert sum(per_day.values()) == 15
    assert [(v.name, v.scans) for v in stats.active_venues] == [("Chợ Kim Tân", 12), ("Trường THCS Thạch Lâm", 3)]


def test_breakdown_has_one_row_per_child_area_with_the_same_figures(data):
    viewer = make_official(Official.Role.PROVINCE_ADMIN, data["province"])
    rows = area_breakdown(viewer=viewer, area=data["district"], start_date=START, end_date=END)
    by_name = {row.area.name: row.figures for row in rows}
    assert set(by_name) == {"Thị trấn Kim Tân", "Xã Thạch Lâm"}
    kim_tan, thach_lam = by_name["Thị trấn Kim Tân"], by_name["Xã Thạch Lâm"]
    assert (kim_tan.registered, kim_tan.verified, kim_tan.pending, kim_tan.active, kim_tan.scans) == (3, 1, 1, 1, 12)
    assert (thach_lam.registered, thach_lam.active, thach_lam.scans) == (2, 1, 3)
    assert kim_tan.active_share == pytest.approx(33.33)
    province_rows = area_breakdown(viewer=viewer, area=data["province"], start_date=START, end_date=END)
    assert {row.area.name: row.figures.scans for row in province_rows} == {
        "Huyện Thạch Thành": 15,
        "Phường Hạc Thành": 9,
    }


def test_figures_stay_the_same_after_the_retention_purge(data, settings):
    """Check-ins older than the retention period are deleted; the daily counts keep the statistics."""
    settings.CHECKIN_RETENTION_DAYS = 15
    old_day = TODAY - dt.timedelta(days=40)
    scans(data["market"], old_day, 6)
    viewer = make_official(Official.Role.PROVINCE_ADMIN, data["province"])

    def old_stats():
        return area_stats(viewer=viewer, area=data["district"], start_date=old_day, end_date=END)

    before = old_stats()
    checkins_rollup_and_prune()
    assert not CheckIn.objects.filter(checked_in_at__lt=local(TODAY - dt.timedelta(days=16))).exists()
    assert VenueDailyCount.objects.filter(day=old_day, venue=data["market"], checkins=6).exists()
    after = old_stats()
    assert after.figures == before.figures
    assert after.figures.scans == 15 + 6 + 100
    assert dict(after.scans_per_day)[old_day] == 6
    _, figures = district_figures(viewer, data["district"])
    assert figures == (5, 3, 1, 1, 2, 15)


def test_default_period_is_the_seven_days_ending_yesterday():
    period = stats_default_period(today=dt.date(2021, 9, 22))
    assert (period.start_date, period.end_date) == (dt.date(2021, 9, 15), dt.date(2021, 9, 21))


def test_backwards_or_too_long_period_is_refused(data):
    viewer = make_official(Official.Role.PROVINCE_ADMIN, data["province"])
    with pytest.raises(ApplicationError) as exc:
        area_stats(viewer=viewer, area=data["district"], start_date=END, end_date=START)
    assert exc.value.code == "invalid_period"
    with pytest.raises(ApplicationError):
        area_stats(viewer=viewer, area=data["district"], start_date=END - dt.timedelta(days=400), end_date=END)


def test_commune_official_gets_404_for_another_commune_through_selector_page_api_and_export(client, data):
    official = make_official(Official.Role.AREA_OFFICIAL, data["kim_tan"])
    with pytest.raises(ApplicationError) as exc:
        area_stats(viewer=official, area=data["thach_lam"])
    assert exc.value.code == "not_found"
    client.force_login(official)
    other = {"area": data["thach_lam"].pk}
    assert client.get(reverse("stats:dashboard"), other).status_code == 404
    assert client.get(reverse("stats:export"), other).status_code == 404
    response = client.get(reverse("stats-area", args=[data["thach_lam"].pk]))
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    # The district above them is out of scope too; their own commune is not.
    assert client.get(reverse("stats-area", args=[data["district"].pk])).status_code == 404
    own = client.get(reverse("stats-area", args=[data["kim_tan"].pk]))
    assert own.status_code == 200 and own.json()["figures"]["registered"] == 3


def test_dashboard_opens_on_the_viewers_area_and_links_each_child(client, data):
    client.force_login(make_official(Official.Role.AREA_OFFICIAL, data["district"]))
    response = client.get(reverse("stats:dashboard"), {"date_from": START, "date_to": END})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Huyện Thạch Thành" in html and "Chợ Kim Tân" in html
    assert f"?area={data['kim_tan'].pk}&amp;date_from={START}" in html
    assert "<svg" in html and "<title>" in html
    assert "Chợ Hạc Thành" not in html  # outside the district


def test_dashboard_needs_a_login(client, data):
    response = client.get(reverse("stats:dashboard"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_dashboard_runs_a_fixed_number_of_queries(client, data, django_assert_max_num_queries):
    for index in range(30):
        scans(venue(data["thach_lam"], f"Quán {index}"), END, 1)
    client.force_login(make_official(Official.Role.PROVINCE_ADMIN, data["province"]))
    # 17: the menu asks once whether the official has a venue to scan at (checkins.selectors.records_checkins).
    with django_assert_max_num_queries(17):
        response = client.get(reverse("stats:dashboard"), {"area": data["district"].pk})
    assert response.status_code == 200


def test_export_has_three_sheets_and_neutralises_formulas_in_venue_names(client, data):
    hostile = venue(data["kim_tan"], '=HYPERLINK("http://evil.example","x")')
    scans(hostile, END, 2)
    client.force_login(make_official(Official.Role.AREA_OFFICIAL, data["district"]))
    response = client.get(reverse("stats:export"), {"date_from": START, "date_to": END})
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    summary, by_area, active = workbook.worksheets[:3]
    values = {row[0]: row[1] for row in summary.iter_rows(min_row=2, values_only=True)}
    assert 6 in values.values() and 17 in values.values()  # registered, scans
    assert sorted(row[1] for row in by_area.iter_rows(min_row=2, values_only=True)) == [
        "Thị trấn Kim Tân",
        "Xã Thạch Lâm",
    ]
    names = [row[0] for row in active.iter_rows(min_row=2, values_only=True)]
    assert '=HYPERLINK("http://evil.example","x")' in names  # as entered: no apostrophe to see
    assert_formula_safe(response.content, '=HYPERLINK("http://evil.example","x")')
    # The status's label, not its code ("verified" showed in the file).
    statuses = {row[4] for row in active.iter_rows(min_row=2, values_only=True)}
    assert statuses and "verified" not in statuses and statuses <= {"Đã xác minh", "Chờ xác minh", "Đã tạm dừng"}


def test_api_returns_figures_breakdown_and_days(client, data):
    client.force_login(make_official(Official.Role.HEALTH_DEPT, data["province"]))
    response = client.get(reverse("stats-area", args=[data["district"].pk]), {"date_from": START, "date_to": END})
    assert response.status_code == 200
    body = response.json()
    assert body["figures"] == {
        "registered": 5,
        "verified": 3,
        "pending": 1,
        "rejected": 1,
        "suspended": 0,
        "active": 2,
        "active_share": 40.0,
        "scans": 15,
    }
    assert body["date_from"] == str(START) and len(body["scans_per_day"]) == 7
    assert {row["area"]["name"]: row["figures"]["active"] for row in body["breakdown"]} == {
        "Thị trấn Kim Tân": 1,
        "Xã Thạch Lâm": 1,
    }
    assert [v["name"] for v in body["active_venues"]] == ["Chợ Kim Tân", "Trường THCS Thạch Lâm"]


def test_api_refuses_bad_dates_with_a_stable_code(client, data):
    client.force_login(make_official(Official.Role.PROVINCE_ADMIN, data["province"]))
    url = reverse("stats-area", args=[data["district"].pk])
    response = client.get(url, {"date_from": "21/09/2021"})
    assert response.status_code == 400 and response.json()["code"] == "invalid_date"
    response = client.get(url, {"date_from": str(END), "date_to": str(START)})
    assert response.status_code == 400 and response.json()["code"] == "invalid_period"


def test_api_refuses_users_without_an_official_role(client, data, django_user_model):
    client.force_login(django_user_model.objects.create_user("citizen", password="x-very-long-pass"))
    response = client.get(reverse("stats-area", args=[data["district"].pk]))
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"


@pytest.mark.parametrize(
    "query",
    ["date_from=9999-12-31", "date_to=0001-01-01", "date_from=0001-01-01", "date_to=9999-12-31"],
)
@pytest.mark.parametrize("page", ["stats:dashboard", "stats:export", "stats-area"])
def test_a_date_at_the_calendars_edge_is_refused_with_a_400(client, tree, page, query):
    """Alone, such a date overflowed `stats_period`'s arithmetic (date ± 6 days) or the day bounds (OverflowError,
    a 500; 0001-01-01 only on SQLite) on the dashboard (which carries the F0/F1/F2 card of the cases app), its export
    and the API. Dates outside core.dates' TYPED_DATE_MIN..MAX are `invalid_date`."""
    client.raise_request_exception = False
    client.force_login(make_official(Official.Role.HEALTH_DEPT, tree["district"]))
    url = reverse(page, args=[tree["district"].pk]) if page == "stats-area" else reverse(page)
    response = client.get(url + "?" + query)
    assert response.status_code == 400, response.status_code
    if page == "stats-area":
        assert response.json()["code"] == "invalid_date" and response.json()["extra"]["field"] == query.split("=")[0]
    else:
        assert "YYYY-MM-DD" in response.content.decode()
