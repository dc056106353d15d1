"""What an import tells the official who uploaded it (finding 8 and the smaller one of the December 2026 walk-through):
location records of an operator without a cell list are refused before they are read, an import that imported nothing
is a failure whatever the policy, its rejected rows are summed up by reason, the empty and header-only files are said
in the project's words, and a file already imported names that import."""

import datetime as dt
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from phongdich.core.errors import ApplicationError
from phongdich.core.models import AuditLog
from phongdich.telecom import services
from phongdich.telecom.models import Cell, SubscriberLocation, TelecomImport

from .conftest import SAMPLES, import_bytes, import_sample

HEADER = "so_thue_bao,ma_tram,bat_dau,ket_thuc\n"
GOOD_ROW = "0912000111,TTH-KT-01,2021-09-15 08:00,2021-09-15 09:00\n"


def _form(operator="mobifone", kind="locations", policy="skip_bad_rows", name="viettel-locations.csv", content=None):
    content = (SAMPLES / name).read_bytes() if content is None else content
    return {"operator": operator, "kind": kind, "policy": policy, "file": SimpleUploadedFile(name, content)}


def _mobifone_cells():
    """MobiFone with a cell list of its own, none of whose ids are Viettel's."""
    Cell.objects.create(operator="mobifone", cell_id="MF-TT-01", latitude=20.13, longitude=105.65, radius_m=900)


# --- An operator without a cell list ---------------------------------------------------------------------------------


def test_location_records_of_an_operator_without_a_cell_list_are_refused_before_reading_them(health, cells, settings):
    with pytest.raises(ApplicationError) as caught:
        # Not even a CSV: the refusal comes before the file is looked at.
        import_bytes(health, b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, operator="mobifone", policy="skip_bad_rows")
    error = caught.value
    assert (error.code, error.status, error.extra) == ("telecom_no_cell_list", 409, {"operator": "mobifone"})
    assert error.as_dict("vi")["message"] == (
        "MobiFone chưa có danh sách trạm — nhập danh sách trạm trước hoặc kiểm tra nhà mạng đã chọn."
    )
    assert error.as_dict("en")["message"] == (
        "MobiFone has no cell list yet: import its cell list first, or check the operator chosen."
    )
    assert not TelecomImport.objects.filter(operator="mobifone").exists()
    assert not list((settings.VAR_DIR / "telecom-uploads").iterdir())
    # Its cell list itself is of course accepted, and then its records.
    import_bytes(health, "cell_id,lat,lon,radius_m\nMF-1,20.1,105.6,900\n", kind="cells", operator="mobifone")
    done = import_bytes(health, HEADER + "0912000111,MF-1,2021-09-15 08:00,2021-09-15 09:00\n", operator="mobifone")
    assert (done.status, done.rows_imported) == ("done", 1)


def test_the_upload_page_refuses_them_in_the_pages_language(client, health, cells):
    client.force_login(health)
    vi = client.post("/telecom/", _form())
    assert vi.status_code == 409
    assert "MobiFone chưa có danh sách trạm — nhập danh sách trạm trước hoặc kiểm tra nhà mạng đã chọn" in (
        vi.content.decode()
    )
    en = client.post("/en/telecom/", _form())
    assert en.status_code == 409 and "MobiFone has no cell list yet" in en.content.decode()
    assert not TelecomImport.objects.filter(kind="locations").exists()


def test_the_api_refuses_them_with_its_code(client, health, cells):
    client.force_login(health)
    response = client.post("/api/v1/telecom/imports/", _form())
    body = response.json()
    assert response.status_code == 409 and body["code"] == "telecom_no_cell_list"
    assert body["extra"] == {"operator": "mobifone"} and "MobiFone chưa có danh sách trạm" in body["message_vi"]
    assert not TelecomImport.objects.filter(kind="locations").exists()


def test_the_import_command_refuses_them_too(health, cells):
    with pytest.raises(CommandError, match="MobiFone has no cell list yet"):
        call_command(
            "telecom_import",
            str(SAMPLES / "viettel-locations.csv"),
            operator="mobifone",
            kind="locations",
            user=health.username,
            skip_bad_rows=True,
            verbosity=0,
        )
    assert not TelecomImport.objects.filter(kind="locations").exists()


# --- Nothing imported is a failure -----------------------------------------------------------------------------------


def test_a_skip_bad_rows_import_of_which_no_row_is_good_fails(health, cells):
    """The walk-through's import #6: 715 rows, 0 imported, marked done ("Xong")."""
    _mobifone_cells()
    # A Viettel file, MobiFone chosen in the form.
    record = import_bytes(
        health, (SAMPLES / "viettel-locations.csv").read_bytes(), operator="mobifone", policy="skip_bad_rows"
    )
    assert (record.status, record.rows_imported, record.rows_rejected) == ("failed", 0, 715)
    assert record.failure_code == "" and record.rejected_by_code == {"unknown_cell": 715}
    assert not SubscriberLocation.objects.filter(source_import=record).exists()
    finished = AuditLog.objects.get(action="telecom.import.finished", object_id=str(record.pk))
    assert finished.extra["status"] == "failed"
    # Failed: the same file may come again under that operator (once its cells are imported, say).
    again = import_bytes(
        health, (SAMPLES / "viettel-locations.csv").read_bytes(), operator="mobifone", policy="skip_bad_rows"
    )
    assert again.status == "failed" and again.pk != record.pk


def test_a_skip_bad_rows_cell_list_of_which_no_row_is_good_fails(health):
    record = import_bytes(health, "cell_id,lat,lon,radius_m\nX,99,105.6,900\n", kind="cells", policy="skip_bad_rows")
    assert (record.status, record.rows_imported, record.rejected_by_code) == ("failed", 0, {"invalid_coordinate": 1})
    assert not Cell.objects.exists()


def test_the_page_of_such_an_import_says_so_once_up_front(client, health, cells):
    _mobifone_cells()
    record = import_bytes(
        health, (SAMPLES / "viettel-locations.csv").read_bytes(), operator="mobifone", policy="skip_bad_rows"
    )
    client.force_login(health)
    page = client.get(f"/telecom/imports/{record.pk}/").content.decode()
    assert '<span class="status tc-failed">Không nhập</span>' in page and "tc-done" not in page
    assert "Các dòng đúng đã được nhập" not in page
    assert (
        "Không dòng nào trong 715 dòng có mã trạm thuộc danh sách trạm của MobiFone; không nhập gì. Hãy kiểm tra nhà"
        " mạng đã chọn (có phải tệp của nhà mạng khác?), hoặc nhập danh sách trạm của MobiFone trước." in page
    )
    summary = page.split('id="rejected-reasons"', 1)[1].split("</ul>", 1)[0]
    assert "715 dòng: mã trạm không có trong danh sách trạm của nhà mạng" in summary
    english = client.get(f"/en/telecom/imports/{record.pk}/").content.decode()
    assert "None of its 715 rows names a cell of MobiFone's cell list; nothing was imported." in english
    assert "715 rows: cell not in this operator&#x27;s cell list" in english  # a variable: escaped


def test_an_import_with_no_good_row_of_mixed_reasons_says_none_was_imported(client, health, cells):
    text = HEADER + "0123,TTH-KT-01,2021-09-15 08:00,2021-09-15 09:00\n" + "0912000111,TTH-KT-01,31/09/2021 08:00,x\n"
    record = import_bytes(health, text, policy="skip_bad_rows")
    assert record.status == "failed" and record.rejected_by_code == {"invalid_phone": 1, "invalid_time": 1}
    client.force_login(health)
    page = client.get(f"/en/telecom/imports/{record.pk}/").content.decode()
    assert "No row of the file could be imported: every row was rejected (reasons below). Nothing was imported." in page
    assert "1 row: invalid subscriber number" in page and "1 row: unreadable time" in page


def test_an_all_or_nothing_import_with_no_good_row_offers_no_import_of_the_good_rows(client, health, cells):
    record = import_bytes(health, HEADER + "0123,TTH-KT-01,2021-09-15 08:00,2021-09-15 09:00\n")
    client.force_login(health)
    page = client.get(f"/en/telecom/imports/{record.pk}/").content.decode()
    assert record.status == "failed" and "Upload it again, importing the good rows" not in page
    some_good = import_sample(health, "broken-locations.csv")
    page = client.get(f"/en/telecom/imports/{some_good.pk}/").content.decode()
    assert "Upload it again, importing the good rows" in page


def test_reasons_are_counted_for_every_rejected_row_not_only_those_listed(health, cells, monkeypatch):
    monkeypatch.setattr(services, "ERRORS_STORED_MAX", 3)
    rows = "".join(f"0123{i:03d},TTH-KT-01,2021-09-15 08:00,2021-09-15 09:00\n" for i in range(5))
    rows += "".join(f"0912000{i:03d},TTH-ZZ,2021-09-15 08:00,2021-09-15 09:00\n" for i in range(4))
    record = import_bytes(health, HEADER + rows + GOOD_ROW, policy="skip_bad_rows")
    assert (record.status, record.rows_imported, len(record.errors), record.errors_truncated) == ("done", 1, 3, True)
    assert record.rejected_by_code == {"invalid_phone": 5, "unknown_cell": 4}


def test_the_api_answers_the_reasons_and_the_period_of_the_records(client, health, cells):
    record = import_sample(health, "viettel-locations.csv")
    client.force_login(health)
    body = client.get(f"/api/v1/telecom/imports/{record.pk}/").json()
    stays = SubscriberLocation.objects.filter(source_import=record)
    first, last = min(stays.values_list("start", flat=True)), max(stays.values_list("end", flat=True))
    assert (body["records_from"], body["records_to"]) == (
        timezone.localtime(first).isoformat(),
        timezone.localtime(last).isoformat(),
    )
    assert body["rejected_by_code"] == {}
    page = client.get(f"/telecom/imports/{record.pk}/").content.decode()
    assert f"Dữ liệu của lần nhập này từ {timezone.localtime(first):%d/%m/%Y %H:%M} đến" in page


# --- Empty and header-only files -------------------------------------------------------------------------------------


def test_an_empty_file_is_refused_in_the_projects_words_on_the_page_and_the_api(client, health, cells):
    client.force_login(health)
    page = client.post("/telecom/", _form(operator="viettel", name="empty.csv", content=b""))
    html = page.content.decode()
    assert page.status_code == 400 and "Tệp trống (0 byte): không có gì để nhập." in html
    assert "Tập tin được gửi là rỗng" not in html
    english = client.post("/en/telecom/", _form(operator="viettel", name="empty.csv", content=b""))
    assert "The file is empty (0 bytes): there is nothing to import." in english.content.decode()
    api = client.post("/api/v1/telecom/imports/", _form(operator="viettel", name="empty.csv", content=b""))
    assert api.status_code == 400 and api.json()["code"] == "telecom_file_empty"
    assert not TelecomImport.objects.filter(kind="locations").exists()


def test_a_header_only_file_is_refused_at_upload_on_the_page_and_the_api(client, health, cells):
    client.force_login(health)
    form = _form(operator="viettel", name="header.csv", content=HEADER.encode() + b"\n\n")
    page = client.post("/telecom/", form)
    assert page.status_code == 400
    assert "Tệp chỉ có dòng tiêu đề, không có dòng dữ liệu nào: không có gì để nhập." in page.content.decode()
    english = client.post("/en/telecom/", _form(operator="viettel", name="header.csv", content=HEADER.encode()))
    assert "The file has only its header line and no data rows: there is nothing to import." in english.content.decode()
    api = client.post("/api/v1/telecom/imports/", _form(operator="viettel", name="header.csv", content=HEADER.encode()))
    assert api.status_code == 400 and api.json()["code"] == "telecom_file_empty"
    assert api.json()["extra"] == {"line": 2}
    assert not TelecomImport.objects.filter(kind="locations").exists()
    assert not list(services.upload_dir().glob("*.part"))  # nothing kept of a refused file


def test_a_queued_file_found_header_only_when_run_is_said_to_have_no_data_rows_not_to_be_unreadable(
    client, health, cells
):
    """Files queued before the upload refused them: the import fails with the same code, and says why."""
    queued = services.telecom_import_create(
        actor=health,
        operator="viettel",
        kind="locations",
        file_name="a.csv",
        chunks=[(HEADER + GOOD_ROW).encode()],
        enqueue=False,
    )
    Path(queued.stored_path).write_bytes(HEADER.encode())
    record = services.telecom_import_run(import_id=queued.pk)
    assert record.status == "failed" and record.failure_code == "telecom_file_empty"
    client.force_login(health)
    page = client.get(f"/telecom/imports/{record.pk}/").content.decode()
    assert "Tệp không có dòng dữ liệu nào, chỉ có dòng tiêu đề; không nhập gì." in page
    assert "Không đọc được tệp" not in page
    english = client.get(f"/en/telecom/imports/{record.pk}/").content.decode()
    assert "The file has no data rows, only its header line; nothing was imported." in english
    assert "The file has only its header line and no data rows" in record.errors[0]["reason_en"]


# --- A file already imported -----------------------------------------------------------------------------------------


def test_a_file_already_imported_names_that_import_and_when_it_was_uploaded(client, health, cells):
    when = timezone.localtime(cells.created_at).strftime("%d/%m/%Y %H:%M")
    client.force_login(health)
    page = client.post("/telecom/", _form(operator="viettel", kind="cells", name="viettel-cells.csv"))
    assert page.status_code == 409
    assert f"Tệp này đã được nhập: lần nhập #{cells.pk}, tải lên lúc {when}." in page.content.decode()
    api = client.post("/api/v1/telecom/imports/", _form(operator="viettel", kind="cells", name="viettel-cells.csv"))
    body = api.json()
    assert api.status_code == 409 and body["extra"] == {"import_id": cells.pk}
    assert body["message_en"] == f"This file was already imported: import #{cells.pk}, uploaded {when}."


def test_a_file_being_imported_is_said_to_be_so(health, cells):
    queued = services.telecom_import_create(
        actor=health,
        operator="viettel",
        kind="locations",
        file_name="a.csv",
        chunks=[(HEADER + GOOD_ROW).encode()],
        enqueue=False,
    )
    with pytest.raises(ApplicationError) as caught:
        import_bytes(health, HEADER + GOOD_ROW)
    assert caught.value.as_dict("en")["message"].startswith(f"This file is being imported: import #{queued.pk}")
    assert caught.value.as_dict("vi")["message"].startswith(f"Tệp này đang được nhập: lần nhập #{queued.pk}")


def test_retention_keeps_an_imports_period_to_the_records_left(health, cells, settings):
    settings.TELECOM_RETENTION_DAYS = 30
    now = timezone.now().replace(second=0, microsecond=0)
    old_end, recent_end = now - dt.timedelta(days=31), now - dt.timedelta(days=29)
    rows = "".join(
        f"{phone},TTH-KT-01,{timezone.localtime(end) - dt.timedelta(hours=1):%Y-%m-%d %H:%M},"
        f"{timezone.localtime(end):%Y-%m-%d %H:%M}\n"
        for phone, end in (("0912000111", old_end), ("0987000222", recent_end))
    )
    record = import_bytes(health, "so_thue_bao,ma_tram,bat_dau,ket_thuc\n" + rows, now=now - dt.timedelta(days=2))
    assert (record.records_from, record.records_to) == (old_end - dt.timedelta(hours=1), recent_end)
    services.telecom_prune(now=now)
    record.refresh_from_db()
    assert (record.records_from, record.records_to) == (recent_end - dt.timedelta(hours=1), recent_end)
    services.telecom_prune(now=now + dt.timedelta(days=5))
    record.refresh_from_db()
    assert (record.records_from, record.records_to) == (None, None)
