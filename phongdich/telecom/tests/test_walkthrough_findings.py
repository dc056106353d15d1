"""Findings of the telecom walk-through of 2026-12-07 (as tinh.thanhhoa): rows past retention counted on rows not
imported, the withdrawal form's address after a refusal, a withdrawal reason longer than is stored, the API's answer
to unknown options, and a UTF-16 CSV taken for a binary file."""

import codecs

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from phongdich.core.errors import ApplicationError
from phongdich.telecom.models import TelecomImport
from phongdich.telecom.services import telecom_import_create

from .conftest import import_bytes, import_sample

HEADER = "so_thue_bao,ma_tram,bat_dau,ket_thuc\n"
ROWS = (
    "0912000111,TTH-KT-01,21/09/2021 08:00,21/09/2021 09:00\n0987000222,TTH-KT-02,21/09/2021 08:00,21/09/2021 09:00\n"
)


@pytest.fixture
def done_import(health, cells):
    record = import_bytes(health, HEADER + ROWS)
    assert record.status == "done", record.errors
    return record


def test_a_failed_import_counts_no_row_past_retention_and_the_page_warns_of_none(client, health, cells, settings):
    settings.TELECOM_RETENTION_DAYS = 30
    record = import_sample(health, "broken-locations.csv")
    assert (record.status, record.rows_imported, record.rows_expired) == ("failed", 0, 0)
    client.force_login(health)
    page = client.get(f"/telecom/imports/{record.pk}/").content.decode()
    assert "quá thời hạn lưu trữ" not in page and 'id="rows-expired"' not in page


def test_rows_past_retention_are_only_rows_imported(client, health, cells, settings):
    """Line 6 of the sample repeats line 2 (overlap_in_file, refused when the chunk is checked): it was counted past
    retention before it was refused, 3 of 2 imported."""
    settings.TELECOM_RETENTION_DAYS = 30
    record = import_sample(health, "broken-locations.csv", policy="skip_bad_rows")
    assert (record.status, record.rows_imported, record.rows_expired) == ("done", 2, 2)
    assert record.rejected_by_code["overlap_in_file"] == 1
    client.force_login(health)
    page = client.get(f"/telecom/imports/{record.pk}/").content.decode()
    assert "2 dòng đã nhập kết thúc hơn 30 ngày trước" in page


def test_a_get_at_the_withdrawal_address_goes_to_the_imports_page(client, health, done_import):
    client.force_login(health)
    refused = client.post(f"/telecom/imports/{done_import.pk}/withdraw/", {"reason": "   "})
    html = refused.content.decode()
    assert refused.status_code == 400 and 'id="withdraw"' in html and "Cần ghi lý do" in html
    assert 'name="reason" rows="2" maxlength="500" required>   </textarea>' in html  # the text kept
    reload = client.get(f"/telecom/imports/{done_import.pk}/withdraw/")
    assert reload.status_code == 302 and reload["Location"] == f"/telecom/imports/{done_import.pk}/"
    english = client.get(f"/en/telecom/imports/{done_import.pk}/withdraw/")  # the language switch
    assert english.status_code == 302 and english["Location"] == f"/en/telecom/imports/{done_import.pk}/"
    assert client.put(f"/telecom/imports/{done_import.pk}/withdraw/").status_code == 405
    assert TelecomImport.objects.get(pk=done_import.pk).status == "done"


def test_the_page_refuses_a_withdrawal_reason_longer_than_is_stored(client, health, done_import):
    client.force_login(health)
    long_reason = "x" * 5000
    refused = client.post(f"/en/telecom/imports/{done_import.pk}/withdraw/", {"reason": long_reason})
    html = refused.content.decode()
    assert refused.status_code == 400 and "at most 500 characters (it has 5000)" in html
    assert long_reason in html  # the text kept, to shorten
    assert TelecomImport.objects.get(pk=done_import.pk).status == "done"
    just_right = client.post(f"/telecom/imports/{done_import.pk}/withdraw/", {"reason": "y" * 500})
    assert just_right.status_code == 302
    assert TelecomImport.objects.get(pk=done_import.pk).withdrawn_reason == "y" * 500


@pytest.mark.parametrize("field, value", [("kind", "planets"), ("operator", "nokia"), ("policy", "maybe")])
def test_the_api_refuses_unknown_options_as_the_docs_say(client, health, cells, field, value):
    client.force_login(health)
    options = {"operator": "viettel", "kind": "locations", "policy": "all_or_nothing", field: value}
    upload = SimpleUploadedFile("locations.csv", (HEADER + ROWS).encode())
    answer = client.post("/api/v1/telecom/imports/", {**options, "file": upload})
    body = answer.json()
    assert answer.status_code == 400 and body["code"] == "telecom_invalid_options"
    assert body["extra"]["field"] == field and value not in body["extra"]["allowed"]
    missing = client.post("/api/v1/telecom/imports/", {"operator": "viettel", "kind": "locations"})
    assert missing.json()["code"] == "invalid_input"  # no file: not an option


@pytest.mark.parametrize(
    "encoding, named",
    [
        ("utf-16", "UTF-16"),  # with its byte order mark, as Python and Excel's "Unicode Text" write it
        ("utf-16-le", "UTF-16"),  # without
        ("utf-16-be", "UTF-16"),
        ("utf-32", "UTF-32"),
    ],
)
def test_a_csv_in_another_unicode_encoding_is_refused_naming_it(health, cells, encoding, named):
    content = ("Số thuê bao,Mã trạm,Bắt đầu,Kết thúc\n" + ROWS).encode(encoding)
    with pytest.raises(ApplicationError) as refused:
        telecom_import_create(
            actor=health, operator="viettel", kind="locations", file_name="x.csv", chunks=[content], enqueue=False
        )
    assert refused.value.code == "telecom_file_encoding"
    assert refused.value.extra == {"detected": named, "expected": "UTF-8"}
    assert named in refused.value.as_dict("vi")["message_vi"] and "UTF-8" in refused.value.as_dict("en")["message_en"]


def test_the_api_answers_a_utf16_csv_with_the_encoding_error(client, health, cells):
    client.force_login(health)
    upload = SimpleUploadedFile("locations.csv", codecs.BOM_UTF16_LE + (HEADER + ROWS).encode("utf-16-le"))
    answer = client.post("/api/v1/telecom/imports/", {"operator": "viettel", "kind": "locations", "file": upload})
    assert answer.status_code == 400 and answer.json()["code"] == "telecom_file_encoding"
    assert answer.json()["extra"]["detected"] == "UTF-16"


def test_a_binary_file_with_nul_bytes_is_still_not_a_csv(health, cells):
    content = bytes(range(256)) * 16
    with pytest.raises(ApplicationError) as refused:
        telecom_import_create(
            actor=health, operator="viettel", kind="locations", file_name="x.csv", chunks=[content], enqueue=False
        )
    assert refused.value.code == "telecom_file_type" and refused.value.extra["detected"] == "binary"
