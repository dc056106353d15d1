"""Findings of the telecom pages' walk-through of 2026-12-07: records past retention at import, an import whose
records the prune deleted, the window's coverage by import with its gaps, a trace whose import was withdrawn since,
a file of the wrong kind, and officials named as the case pages name them."""

import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from phongdich.cases.models import Case
from phongdich.core.errors import ApplicationError
from phongdich.telecom.models import SubscriberLocation, TelecomTrace
from phongdich.telecom.samples import make_samples as samples
from phongdich.telecom.services import telecom_import_withdraw, telecom_prune, telecom_trace_case

from .conftest import import_bytes, import_sample, make_case, make_person

HEADER = "so_thue_bao,ma_tram,bat_dau,ket_thuc\n"


def _row(phone, end: dt.datetime) -> str:
    end = timezone.localtime(end)
    return f"{phone},TTH-KT-01,{end - dt.timedelta(hours=1):%Y-%m-%d %H:%M},{end:%Y-%m-%d %H:%M}\n"


def _shown(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M")


def test_rows_past_retention_are_imported_and_the_page_says_the_prune_deletes_them(client, health, cells, settings):
    settings.TELECOM_RETENTION_DAYS = 30
    now = timezone.now().replace(second=0, microsecond=0)
    text = HEADER + _row("0912000111", now - dt.timedelta(days=31)) + _row("0987000222", now - dt.timedelta(days=29))
    record = import_bytes(health, text)  # all or nothing: an old row is not a bad row
    assert (record.status, record.rows_imported, record.rows_rejected, record.rows_expired) == ("done", 2, 0, 1)
    client.force_login(health)
    page = client.get(f"/telecom/imports/{record.pk}/").content.decode()
    assert 'id="rows-expired"' in page
    assert "1 dòng đã nhập kết thúc hơn 30 ngày trước, quá thời hạn lưu trữ dữ liệu vị trí thuê bao" in page
    assert telecom_prune(now=timezone.now())["locations"] == 1  # the one past retention, at the next prune
    assert list(SubscriberLocation.objects.values_list("phone", flat=True)) == ["+84987000222"]


def test_the_september_2021_sample_imports_and_says_its_rows_are_past_retention(client, health, cells, settings):
    settings.TELECOM_RETENTION_DAYS = 30
    record = import_sample(health, "viettel-locations.csv")
    assert (record.status, record.rows_imported, record.rows_rejected, record.rows_expired) == ("done", 715, 0, 715)
    client.force_login(health)
    english = client.get(f"/en/telecom/imports/{record.pk}/").content.decode()
    assert "715 imported rows ended more than 30 days ago, past the retention period" in english
    assert "the next prune (every hour) deletes them" in english


def test_the_prune_is_recorded_on_the_import_and_its_withdrawal_no_longer_offered(client, health, cells, settings):
    settings.TELECOM_RETENTION_DAYS = 30
    now = timezone.now().replace(second=0, microsecond=0)
    text = HEADER + _row("0912000111", now - dt.timedelta(days=31)) + _row("0987000222", now - dt.timedelta(days=29))
    record = import_bytes(health, text, now=now - dt.timedelta(days=2))
    client.force_login(health)
    telecom_prune(now=now)
    record.refresh_from_db()
    assert (record.records_pruned, record.pruned_at) == (1, now)
    page = client.get(f"/en/telecom/imports/{record.pk}/").content.decode()
    assert "1 of its records was deleted on" in page and 'id="withdraw-button"' in page
    assert "1 of its records was already deleted by retention" in page  # what the withdrawal no longer reaches
    later = now + dt.timedelta(days=5)
    telecom_prune(now=later)
    record.refresh_from_db()
    assert (record.records_pruned, record.pruned_at, record.status) == (2, later, "done")
    page = client.get(f"/en/telecom/imports/{record.pk}/").content.decode()
    assert 'id="records-pruned"' in page and "All its records have been deleted" in page
    assert 'id="withdraw-button"' not in page
    listed = client.get("/en/telecom/").content.decode()
    assert "records deleted (retention)" in listed
    with pytest.raises(ApplicationError) as refused:
        telecom_import_withdraw(actor=health, import_id=record.pk, reason="wrong day")
    assert refused.value.code == "telecom_import_records_deleted"
    answer = client.post(f"/api/v1/telecom/imports/{record.pk}/withdraw/", {"reason": "x"}, "application/json")
    assert answer.status_code == 409 and answer.json()["code"] == "telecom_import_records_deleted"


def test_coverage_is_judged_by_import_and_names_the_gap_between_two(client, health, cells, areas):
    first_file = import_sample(health, "viettel-locations.csv")  # 14–17/09/2021
    second_file = import_sample(health, "viettel-locations.xlsx")  # 18–20/09/2021
    assert first_file.records_to < second_file.records_from
    case = make_case(health, make_person(areas["kim_tan"], "Không Có Số", "+84912999999"))  # 13/09 – 20/09 12:00
    client.force_login(health)
    page = client.post(f"/en/telecom/trace/{case.pk}/").content.decode()
    trace = TelecomTrace.objects.get()
    assert len(trace.window_covered) == 2
    gaps = [
        (case.window_start, first_file.records_from),
        (first_file.records_to, second_file.records_from),
    ]
    if second_file.records_to < case.window_end:
        gaps.append((second_file.records_to, case.window_end))
    shown = "; ".join(f"{_shown(a)} – {_shown(b)}" for a, b in gaps)
    assert f'<span id="window-gaps">{shown}</span>' in page
    assert "cover the infectious window only in part" in page


def test_the_whole_window_covered_says_so(client, health, cells, areas):
    import_sample(health, "viettel-locations.csv")  # 14–17/09/2021
    case = make_case(health, make_person(areas["kim_tan"], "Không Có Số", "+84912999999"))
    # A window inside the records' period (set directly: no rule gives one this short on these dates).
    start = SubscriberLocation.objects.order_by("start").first().start + dt.timedelta(hours=1)
    Case.objects.filter(pk=case.pk).update(window_start=start, window_end=start + dt.timedelta(days=1))
    client.force_login(health)
    page = client.post(f"/en/telecom/trace/{case.pk}/").content.decode()
    assert "The periods of the records imported in your area cover the whole infectious window." in page
    assert 'id="window-gaps"' not in page


def test_a_trace_whose_import_was_withdrawn_says_so_and_no_longer_offers_its_numbers(client, health, cells, areas):
    record = import_sample(health, "viettel-locations.csv")
    case = make_case(health, make_person(areas["kim_tan"], "Lê Văn Ca", samples.CASE_PHONE))
    make_person(areas["kim_tan"], "Bùi Thị Hoa", samples.CONTACT_PHONE)
    trace = telecom_trace_case(case=case, actor=health).trace
    assert trace.imports_read == [record.pk] and trace.links_added == 1
    assert trace.unknown and all(item["sources"] == [[record.pk, record.pk]] for item in trace.unknown)
    telecom_import_withdraw(actor=health, import_id=record.pk, reason="wrong day")
    client.force_login(health)
    page = client.get(f"/telecom/trace/{case.pk}/?numbers=full").content.decode()
    assert 'id="imports-withdrawn"' in page and f"#{record.pk} viettel-locations.csv" in page
    assert samples.UNKNOWN_PHONE not in page and 'class="phone"' not in page
    assert "Tải danh sách gửi nhà mạng" not in page
    sheet = load_workbook(io.BytesIO(client.get(f"/telecom/trace/{case.pk}/unknown.xlsx").content)).active
    assert len(list(sheet.iter_rows(values_only=True))) == 1  # the header only


def test_a_file_of_the_other_kind_is_said_to_be_the_wrong_kind(health, cells):
    with pytest.raises(ApplicationError) as records_as_cells:
        import_sample(health, "viettel-locations.csv", kind="cells")
    assert records_as_cells.value.extra["kind_detected"] == "locations"
    assert "the wrong kind of file was probably chosen" in records_as_cells.value.as_dict("en")["message"]
    assert "có lẽ đã chọn nhầm loại tệp" in records_as_cells.value.as_dict("vi")["message"]
    with pytest.raises(ApplicationError) as cells_as_records:
        import_bytes(health, "ma_tram,vi_do,kinh_do,ban_kinh\nX-1,20.1,105.6,800\n", name="cells2.csv")
    assert cells_as_records.value.extra["kind_detected"] == "cells"
    with pytest.raises(ApplicationError) as neither:
        import_bytes(health, "so_thue_bao,ma_tram\n0912000111,TTH-KT-01\n")
    assert "kind_detected" not in neither.value.extra


def test_uploaders_and_tracers_are_named_with_their_area(client, health, cells, areas):
    health.first_name, health.last_name = "Hoa", "Trần Thị"
    health.save(update_fields=["first_name", "last_name"])
    named = f"{health.get_full_name()} (Tỉnh Thanh Hóa)"
    record = import_sample(health, "viettel-locations.csv")
    case = make_case(health, make_person(areas["kim_tan"], "Lê Văn Ca", samples.CASE_PHONE))
    client.force_login(health)
    assert named in client.get("/telecom/").content.decode()
    assert named in client.get(f"/telecom/imports/{record.pk}/").content.decode()
    assert named in client.post(f"/telecom/trace/{case.pk}/").content.decode()
