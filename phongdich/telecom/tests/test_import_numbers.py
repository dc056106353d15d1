"""An import's figures in the page's number format, as the other pages write theirs ("1.028"): the progress of a
large file read "6000 trên khoảng 300000 dòng" (walk of 2026-12-07). Vietnamese groups thousands with a dot, English
with a comma (phongdich/formats)."""

from phongdich.telecom.models import TelecomImport
from phongdich.telecom.services import telecom_import_create

from .conftest import SAMPLES


def _record(health, **fields):
    data = (SAMPLES / "viettel-locations.csv").read_bytes()
    record = telecom_import_create(
        actor=health, operator="viettel", kind="locations", file_name="v.csv", chunks=[data], enqueue=False
    )
    TelecomImport.objects.filter(pk=record.pk).update(**fields)
    return record


def test_the_progress_of_a_large_import_groups_thousands(client, health, cells):
    record = _record(health, status="running", phase="validating", attempt=1, rows_done=6000, rows_total=300000)
    client.force_login(health)

    vietnamese = client.get(f"/telecom/imports/{record.pk}/").content.decode()
    assert "Đã kiểm tra 6.000 trên khoảng 300.000 dòng…" in vietnamese
    assert "<b>300.000</b>" in vietnamese and "300000" not in vietnamese
    english = client.get(f"/en/telecom/imports/{record.pk}/").content.decode()
    assert "6,000 of about 300,000 rows checked…" in english and "<b>300,000</b>" in english

    TelecomImport.objects.filter(pk=record.pk).update(phase="writing", rows_done=300000)
    assert "Đã kiểm tra cả 300.000 dòng" in client.get(f"/telecom/imports/{record.pk}/").content.decode()


def test_the_imports_list_groups_thousands(client, health, cells):
    _record(health, status="done", rows_total=300000, rows_imported=298765, rows_rejected=1235)
    client.force_login(health)

    assert "298.765 đã nhập · 1.235 bị từ chối" in client.get("/telecom/").content.decode()
    assert "298,765 imported · 1,235 rejected" in client.get("/en/telecom/").content.decode()
