"""Declaration statistics on a hand-made data set: per day, share with symptoms, queue size and age, breakdown,
scoping through selector, page, API and export, and formula-safe export."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from phongdich.accounts.models import Official
from phongdich.core.errors import ApplicationError
from phongdich.core.testing import assert_formula_safe, make_area, make_official
from phongdich.followups.models import FollowUpTask
from phongdich.followups.services import followup_call_record
from phongdich.followups.tests.builders import declare, local, make_person, make_tree
from phongdich.stats.declarations import declaration_stats

pytestmark = pytest.mark.django_db

D1, D2, D3 = dt.date(2026, 11, 10), dt.date(2026, 11, 11), dt.date(2026, 11, 12)
NOW = local(2026, 11, 14, 12, 0)  # D5 at noon


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return local(day.year, day.month, day.day, hour, minute)


@pytest.fixture
def data(django_capture_on_commit_callbacks):
    """Kim Tân: D1 fever (t1, cleared D2 15:00), D1 exposure only (t2), D1 nothing; D2 nothing.
    Thạch Lâm: D2 two with symptoms (t3 referred D3 10:00, t4); D3 nothing, D3 23:30 cough (t5); D4 00:10 fever
    (t6, after the period). Hạc Thành (outside the district): D3 fever. Hà Nội (another province): D2 fever."""
    tree = make_tree()
    officer = make_official(Official.Role.HEALTH_DEPT, tree["province"], "so_y_te")

    def d(area, when, **answers):
        with django_capture_on_commit_callbacks(execute=True):
            return declare(make_person(area, name=f"Người {when:%d%H%M}"), now=when, **answers)

    t1 = d(tree["kim_tan"], at(D1, 8), symptoms=["fever"]).followup_task
    d(tree["kim_tan"], at(D1, 9), exposures=["contact_case"])
    d(tree["kim_tan"], at(D1, 10))
    d(tree["kim_tan"], at(D2, 11))
    t3 = d(tree["thach_lam"], at(D2, 9), symptoms=["cough", "fever"]).followup_task
    d(tree["thach_lam"], at(D2, 10), symptoms=["sore_throat"])
    d(tree["thach_lam"], at(D3, 10))
    d(tree["thach_lam"], at(D3, 23, 30), symptoms=["cough"])
    d(tree["thach_lam"], at(dt.date(2026, 11, 13), 0, 10), symptoms=["fever"])
    d(tree["hac_thanh"], at(D3, 14), symptoms=["fever"])
    d(tree["hoan_kiem"], at(D2, 14), symptoms=["fever"])
    followup_call_record(actor=officer, task_id=t1.pk, outcome="cleared", now=at(D2, 15))
    followup_call_record(actor=officer, task_id=t3.pk, outcome="referred_test", now=at(D3, 10))
    return {**tree, "officer": officer}


def stats_for(viewer, area):
    return declaration_stats(viewer=viewer, area=area, start_date=D1, end_date=D3, now=NOW)


def test_per_day_counts_share_with_symptoms_and_queue_at_the_end_of_each_day(data):
    stats = stats_for(data["officer"], data["district"])
    rows = [
        (d.day, d.declarations, d.with_symptoms, d.symptoms_share, d.queue_open, d.queue_oldest_hours)
        for d in stats.days
    ]
    assert rows == [
        # End of D1: t1 (16 h) and t2 open.
        (D1, 3, 1, 33.33, 2, 16.0),
        # End of D2: t1 cleared at 15:00; t2 (since D1 09:00: 39 h), t3, t4 open.
        (D2, 3, 2, 66.67, 3, 39.0),
        # End of D3: t3 referred at 10:00; t2 (63 h), t4, t5 (23:30) open. The 00:10 one is on D4: not counted.
        (D3, 2, 1, 50.0, 3, 63.0),
    ]
    assert (stats.declarations, stats.with_symptoms, stats.symptoms_share) == (8, 4, 50.0)


def test_breakdown_by_child_area_with_the_queue_as_it_stands_now(data):
    stats = stats_for(data["officer"], data["district"])
    rows = {
        row.area.name: (
            row.declarations,
            row.with_symptoms,
            row.symptoms_share,
            row.queue_open,
            row.queue_over_3_days,
            row.queue_oldest_hours,
        )
        for row in stats.breakdown
    }
    assert rows == {
        # t2 open since D1 09:00: 99 h at NOW, over 3 days.
        "Thị trấn Kim Tân": (4, 1, 25.0, 1, 1, 99.0),
        # t4 (D2 10:00, 74 h, over 3 days), t5 (36.5 h), t6 (D4 00:10, 59.8 h).
        "Xã Thạch Lâm": (4, 3, 75.0, 3, 1, 74.0),
    }
    total = stats.total
    assert (total.queue_open, total.queue_over_3_days, total.queue_oldest_hours) == (4, 2, 99.0)


def test_province_counts_its_district_and_direct_communes_not_another_province(data):
    stats = stats_for(data["officer"], data["province"])
    rows = {row.area.name: (row.declarations, row.with_symptoms) for row in stats.breakdown}
    assert rows == {"Huyện Thạch Thành": (8, 4), "Phường Hạc Thành": (1, 1)}
    assert stats.total.queue_open == 5  # t2, t4, t5, t6 and Hạc Thành's


def test_commune_official_cannot_see_another_area_through_selector_page_api_or_export(data, client):
    official = make_official(Official.Role.AREA_OFFICIAL, data["kim_tan"])
    with pytest.raises(ApplicationError) as exc:
        stats_for(official, data["thach_lam"])
    assert exc.value.code == "not_found"
    client.force_login(official)
    query = {"area": data["thach_lam"].pk, "date_from": D1, "date_to": D3}
    assert client.get(reverse("stats:declarations"), query).status_code == 404
    assert client.get(reverse("stats:declarations-export"), query).status_code == 404
    assert client.get(f"/api/v1/stats/areas/{data['thach_lam'].pk}/declarations/").status_code == 404
    own = client.get(f"/api/v1/stats/areas/{data['kim_tan'].pk}/declarations/", {"date_from": D1, "date_to": D3}).json()
    assert own["totals"]["declarations"] == 4 and own["totals"]["with_symptoms"] == 1
    # Without an area, the page opens on the official's own commune.
    page = client.get(reverse("stats:declarations"), {"date_from": D1, "date_to": D3})
    assert page.status_code == 200 and page.context["stats"].area == data["kim_tan"]


def test_api_gives_per_day_and_breakdown(data, client):
    client.force_login(data["officer"])
    body = client.get(
        f"/api/v1/stats/areas/{data['district'].pk}/declarations/", {"date_from": D1, "date_to": D3}
    ).json()
    assert [(d["day"], d["declarations"], d["with_symptoms"], d["queue_open"]) for d in body["per_day"]] == [
        ("2026-11-10", 3, 1, 2),
        ("2026-11-11", 3, 2, 3),
        ("2026-11-12", 2, 1, 3),
    ]
    assert {row["area"]["code"]: row["declarations"] for row in body["breakdown"]} == {"15187": 4, "15196": 4}
    assert body["totals"]["symptoms_share"] == 50.0


def test_bad_periods_and_dates_are_400(data, client):
    client.force_login(data["officer"])
    url = f"/api/v1/stats/areas/{data['district'].pk}/declarations/"
    assert client.get(url, {"date_from": D3, "date_to": D1}).json()["code"] == "invalid_period"
    assert client.get(url, {"date_from": "yesterday"}).json()["code"] == "invalid_date"
    assert client.get(reverse("stats:declarations"), {"date_from": "2026-13-40"}).status_code == 400
    assert client.get("/api/v1/stats/areas/99999999999999999999/declarations/").status_code == 404


def test_page_shows_figures_and_charts_in_a_fixed_number_of_queries(data, client, django_assert_max_num_queries):
    client.force_login(data["officer"])
    query = {"area": data["district"].pk, "date_from": D1, "date_to": D3}
    client.get(reverse("stats:declarations"), query)
    # 15: the follow-up queue's past days read the handed-over tasks apart (followup_open_at), one query more.
    with django_assert_max_num_queries(15):
        response = client.get(reverse("stats:declarations"), query)
    text = response.content.decode()
    assert response.status_code == 200
    assert text.count('<svg class="chart"') == 2
    assert "Xã Thạch Lâm" in text and "75,0%" in text


def test_export_has_the_figures_and_neutralises_formulas(data, client, django_capture_on_commit_callbacks):
    trap = make_area("15199", '=HYPERLINK("http://evil.example","x")', "commune", data["district"])
    with django_capture_on_commit_callbacks(execute=True):
        declare(make_person(trap, name="@SUM(1+1)"), now=at(D2, 8), symptoms=["fever"])
    client.force_login(data["officer"])
    response = client.get(
        reverse("stats:declarations-export"), {"area": data["district"].pk, "date_from": D1, "date_to": D3}
    )
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    by_area = {row[0]: row for row in book.worksheets[2].iter_rows(min_row=2, values_only=True)}
    assert by_area["15199"][1] == '=HYPERLINK("http://evil.example","x")'  # as entered: no apostrophe to see
    assert_formula_safe(response.content, '=HYPERLINK("http://evil.example","x")')
    assert by_area["15196"][2:5] == (4, 3, 75.0)
    per_day = list(book.worksheets[1].iter_rows(min_row=2, values_only=True))
    assert [row[1:3] for row in per_day] == [(3, 1), (4, 3), (2, 1)]
    summary = dict(book.worksheets[0].iter_rows(min_row=2, values_only=True))
    assert len(summary) == 10


def test_dashboard_links_the_declarations_and_shows_the_queue_ageing(data, client):
    client.force_login(data["officer"])
    text = client.get(reverse("stats:dashboard"), {"area": data["district"].pk}).content.decode()
    assert reverse("stats:declarations") in text
    assert "followup-ageing" in text
    assert FollowUpTask.objects.filter(status__in=FollowUpTask.OPEN_STATUSES).count() == 6


def test_the_longest_period_runs_in_one_queue_query(data, django_assert_max_num_queries):
    # 366 days: two aggregates per day in one statement must stay within SQLite's and PostgreSQL's limits.
    with django_assert_max_num_queries(6):
        stats = declaration_stats(
            viewer=data["officer"],
            area=data["district"],
            start_date=D3 - dt.timedelta(days=365),
            end_date=D3,
            now=NOW,
        )
    assert len(stats.days) == 366
    assert stats.days[-1].queue_open == 3 and stats.declarations == 8
