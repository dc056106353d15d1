"""Finding 9 of the December 2026 walk-through: a trace that finds no record of the case's phone says so, with the
period the records it could read cover, and so tells "no data" from "no contacts"."""

import datetime as dt

from django.utils import timezone

from phongdich.telecom.models import SubscriberLocation, TelecomImport, TelecomTrace
from phongdich.telecom.samples import make_samples as samples
from phongdich.telecom.services import telecom_trace_case

from .conftest import import_sample, make_case, make_person


def _shown(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M")


def _recent_case(health, area):
    """A case of this week: the sample records are of September 2021."""
    today = timezone.localdate()
    person = make_person(area, "Lê Văn Ca", samples.CASE_PHONE)
    return make_case(
        health,
        person,
        onset=today - dt.timedelta(days=2),
        sample=today - dt.timedelta(days=1),
        isolated=timezone.now() - dt.timedelta(hours=1),
    )


def _sample_period() -> tuple[dt.datetime, dt.datetime]:
    stays = SubscriberLocation.objects.all()
    return min(stays.values_list("start", flat=True)), max(stays.values_list("end", flat=True))


def test_a_trace_whose_window_the_records_do_not_cover_says_so_with_their_period(client, health, cells, areas):
    import_sample(health, "viettel-locations.csv")
    first, last = _sample_period()
    case = _recent_case(health, areas["kim_tan"])
    client.force_login(health)
    page = client.post(f"/telecom/trace/{case.pk}/").content.decode()
    window = f"({_shown(case.window_start)} – {_shown(case.window_end)})"
    notice = page.split('id="no-records"', 1)[1].split("</div>", 1)[0]
    assert f"Không có bản ghi nào của số 0912000111 trong thời kỳ lây truyền {window}." in notice
    assert "Dữ liệu nhà mạng đã nhập ở địa bàn của bạn không có phần nào của thời kỳ lây truyền." in notice
    assert "Đề nghị các nhà mạng gửi dữ liệu của thời kỳ lây truyền" in notice
    trace = TelecomTrace.objects.get()
    assert (trace.case_records, trace.records_from, trace.records_to, trace.records_imports) == (0, first, last, 1)
    assert trace.window_covered == []
    english = client.get(f"/en/telecom/trace/{case.pk}/").content.decode()
    assert f"No record of number 0912000111 in the infectious window {window}." in english
    assert "No records imported in your area cover the infectious window." in english


def test_a_trace_whose_window_the_records_cover_says_the_phone_is_not_in_them(client, health, cells, areas):
    import_sample(health, "viettel-locations.csv")
    case = make_case(health, make_person(areas["kim_tan"], "Không Có Số", "+84912999999"))  # September 2021
    client.force_login(health)
    page = client.post(f"/en/telecom/trace/{case.pk}/").content.decode()
    assert "No record of number 0912999999 in the infectious window" in page
    # The sample's records (14–17/09) cover the window (13/09 00:00 – 20/09 12:00) in part: the gaps are named.
    first, last = _sample_period()
    assert "cover the infectious window only in part" in page
    gaps = f"{_shown(case.window_start)} – {_shown(first)}; {_shown(last)} – {_shown(case.window_end)}"
    assert f'<span id="window-gaps">{gaps}</span>' in page
    assert "The case's phone is not in the part they cover" in page


def test_a_trace_with_no_records_imported_in_the_area_says_so(client, health, hanoi_health, cells, areas):
    """Thanh Hóa's records are not Hà Nội's to read (docs/telecom.md "Whose records a trace reads"): Hà Nội's trace
    of its case read none."""
    import_sample(health, "viettel-locations.csv")
    case = _recent_case(hanoi_health, areas["hoan_kiem"])
    client.force_login(hanoi_health)
    page = client.post(f"/telecom/trace/{case.pk}/").content.decode()
    assert "Chưa có dữ liệu vị trí thuê bao nào được nhập ở địa bàn của bạn" in page
    assert "Dữ liệu nhà mạng đã nhập ở địa bàn của bạn có từ" not in page
    body = client.post(f"/api/v1/telecom/trace/{case.pk}/").json()
    found = (body["case_records"], body["records_from"], body["records_to"], body["records_imports"])
    assert found == (0, None, None, 0)


def test_a_trace_that_found_the_cases_records_shows_their_period_without_the_warning(client, health, cells, areas):
    import_sample(health, "viettel-locations.csv")
    first, last = _sample_period()
    case = make_case(health, make_person(areas["kim_tan"], "Lê Văn Ca", samples.CASE_PHONE))
    client.force_login(health)
    page = client.post(f"/telecom/trace/{case.pk}/").content.decode()
    assert 'id="no-records"' not in page
    assert "Dữ liệu nhà mạng đã nhập ở địa bàn của bạn chỉ có một phần thời kỳ lây truyền." in page
    assert f"{_shown(last)} – {_shown(case.window_end)}</span>" in page


def test_the_api_answers_the_period_the_records_cover(client, health, cells, areas):
    import_sample(health, "viettel-locations.csv")
    first, last = _sample_period()
    case = _recent_case(health, areas["kim_tan"])
    client.force_login(health)
    url, key = f"/api/v1/telecom/trace/{case.pk}/", {"HTTP_IDEMPOTENCY_KEY": "coverage-1"}
    body = client.post(url, **key).json()
    assert body["case_records"] == 0 and body["records_imports"] == 1
    assert (body["records_from"], body["records_to"]) == (
        timezone.localtime(first).isoformat(),
        timezone.localtime(last).isoformat(),
    )
    assert client.post(url, **key).json() == body  # a replay reads the same run


def test_withdrawn_and_failed_imports_are_not_counted_in_the_period(client, health, cells, areas):
    import_sample(health, "broken-locations.csv")  # failed (all or nothing)
    assert TelecomImport.objects.filter(kind="locations", status="failed").count() == 1
    case = _recent_case(health, areas["kim_tan"])
    trace = telecom_trace_case(case=case, actor=health).trace
    assert (trace.records_imports, trace.records_from) == (0, None)


def test_the_api_gives_the_window_covered_in_the_projects_time_zone(client, health, province_admin, cells, areas):
    """Every time of the API is in TIME_ZONE (+07:00); `window_covered`, kept as ISO texts in a JSON field, came back
    as stored, in UTC (+00:00)."""
    import_sample(health, "viettel-locations.csv")
    case = make_case(health, make_person(areas["kim_tan"], "Không Có Số", "+84912999999"))  # September 2021
    first, last = _sample_period()
    client.force_login(health)
    body = client.post(f"/api/v1/telecom/trace/{case.pk}/").json()
    assert body["window_covered"] == [[timezone.localtime(first).isoformat(), timezone.localtime(last).isoformat()]]
    assert body["window_covered"][0][0].endswith("+07:00")
    traced = make_case(health, make_person(areas["kim_tan"], "Lê Văn Ca", samples.CASE_PHONE))
    client.force_login(province_admin)  # who may see the unknown subscribers' numbers
    answer = client.post(f"/api/v1/telecom/trace/{traced.pk}/").json()
    times = [row[key] for row in answer["unknown"] for key in ("first", "last")]
    assert times and all(time.endswith("+07:00") for time in times)
