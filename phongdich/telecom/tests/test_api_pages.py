"""The API and pages: upload to a finished import through the task, the progress and rejected rows, tracing,
who may do what, and the audit of reads."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from phongdich.cases.models import ContactLink
from phongdich.core.models import AuditLog, IdempotencyKey
from phongdich.telecom import tasks
from phongdich.telecom.models import SubscriberLocation, TelecomImport, TelecomTrace
from phongdich.telecom.samples import make_samples as samples

from .conftest import SAMPLES, import_bytes, import_sample, make_case, make_person


@pytest.fixture
def run_tasks(monkeypatch):
    """Queued tasks run in this process when the upload's transaction commits (the worker's job)."""
    monkeypatch.setattr(tasks.telecom_import_process, "delay", lambda pk: tasks.telecom_import_process.apply(args=[pk]))


def _upload(name: str, content: bytes | None = None):
    return SimpleUploadedFile(name, content if content is not None else (SAMPLES / name).read_bytes())


def test_api_upload_answers_202_and_the_task_imports_the_file(
    client, health, cells, run_tasks, django_capture_on_commit_callbacks
):
    client.force_login(health)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(
            "/api/v1/telecom/imports/",
            {"operator": "viettel", "kind": "locations", "file": _upload("viettel-locations.csv")},
        )
    assert response.status_code == 202, response.json()
    body = response.json()
    assert body["status"] == "queued" and body["file_format"] == "csv" and len(callbacks) == 1
    status = client.get(f"/api/v1/telecom/imports/{body['id']}/").json()
    assert (status["status"], status["rows_imported"], status["rows_rejected"], status["percent"]) == (
        "done",
        715,
        0,
        100,
    )
    listed = client.get("/api/v1/telecom/imports/").json()
    assert [item["id"] for item in listed["results"]] == [body["id"], cells.pk]


def test_api_import_status_lists_rejected_rows_with_lines(
    client, health, cells, run_tasks, django_capture_on_commit_callbacks
):
    client.force_login(health)
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(
            "/api/v1/telecom/imports/",
            {
                "operator": "viettel",
                "kind": "locations",
                "policy": "skip_bad_rows",
                "file": _upload("broken-locations.csv"),
            },
        ).json()
    status = client.get(f"/api/v1/telecom/imports/{created['id']}/").json()
    assert status["status"] == "done" and status["rows_imported"] == 2
    assert [(e["line"], e["column"], e["code"]) for e in status["errors"]][:3] == [
        (3, "so_thue_bao", "invalid_phone"),
        (4, "ket_thuc", "end_before_start"),
        (5, "ma_tram", "unknown_cell"),
    ]


@pytest.mark.parametrize(
    "name, content, status, code",
    [
        ("wrong-columns.csv", None, 400, "telecom_columns"),
        ("photo.csv", b"\x89PNG\r\n\x1a\n" + b"\x00" * 32, 415, "telecom_file_type"),
        ("empty.csv", b"", 400, "telecom_file_empty"),  # the service's words, not DRF's (test_import_outcomes)
        ("bare-cr.csv", b"a\rb\n", 415, "telecom_file_type"),  # csv cannot read the header line: a 500 once
    ],
)
def test_api_upload_refuses_bad_files_at_once(client, health, cells, name, content, status, code):
    client.force_login(health)
    response = client.post(
        "/api/v1/telecom/imports/", {"operator": "viettel", "kind": "locations", "file": _upload(name, content)}
    )
    assert response.status_code == status and response.json()["code"] == code
    assert response.json()["message_vi"] and response.json()["message_en"]
    assert TelecomImport.objects.count() == 1


def test_api_duplicate_upload_is_409(client, health, cells):
    client.force_login(health)
    response = client.post(
        "/api/v1/telecom/imports/", {"operator": "viettel", "kind": "cells", "file": _upload("viettel-cells.csv")}
    )
    assert response.status_code == 409 and response.json()["extra"] == {"import_id": cells.pk}


def test_a_duplicate_upload_does_not_name_an_import_of_another_area(client, hanoi_health, cells):
    """The same cell list uploaded in another province is refused (one list per operator in the platform), but
    without `extra.import_id`: that import is one the uploader cannot open (404); the message says another area
    imported it."""
    client.force_login(hanoi_health)
    response = client.post(
        "/api/v1/telecom/imports/", {"operator": "viettel", "kind": "cells", "file": _upload("viettel-cells.csv")}
    )
    assert client.get(f"/api/v1/telecom/imports/{cells.pk}/").status_code == 404
    body = response.json()
    assert response.status_code == 409 and body["code"] == "telecom_duplicate_file"
    assert body["extra"] == {}, body
    assert "another area" in body["message_en"].lower() and "địa bàn khác" in body["message_vi"]


@pytest.mark.parametrize("role", ["area_official", "venue_staff"])
def test_other_roles_can_neither_import_nor_read_imports(request, client, role, cells):
    client.force_login(request.getfixturevalue(role))
    upload = client.post(
        "/api/v1/telecom/imports/", {"operator": "viettel", "kind": "cells", "file": _upload("viettel-cells.csv")}
    )
    assert upload.status_code == 403
    assert client.get(f"/api/v1/telecom/imports/{cells.pk}/").status_code == 403
    assert client.get("/telecom/").status_code == 403
    assert client.get(f"/telecom/imports/{cells.pk}/").status_code == 403


def test_anonymous_gets_401_and_the_login_page(client, cells):
    assert client.get("/api/v1/telecom/imports/").status_code == 401
    assert client.get("/telecom/").status_code == 302


def test_an_import_of_another_province_is_not_found(client, hanoi_health, cells):
    client.force_login(hanoi_health)
    assert client.get(f"/api/v1/telecom/imports/{cells.pk}/").status_code == 404
    assert client.get(f"/telecom/imports/{cells.pk}/").status_code == 404
    assert client.get("/api/v1/telecom/imports/").json()["results"] == []


def test_upload_page_queues_the_import_and_shows_its_progress(
    client, health, cells, django_capture_on_commit_callbacks
):
    client.force_login(health)
    page = client.get("/telecom/")
    assert page.status_code == 200 and "Tải tệp lên" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            "/telecom/",
            {
                "operator": "viettel",
                "kind": "locations",
                "policy": "all_or_nothing",
                "file": _upload("viettel-locations.csv"),
            },
        )
    assert response.status_code == 302 and len(callbacks) == 1
    record = TelecomImport.objects.get(file_name="viettel-locations.csv")
    assert response["Location"] == f"/telecom/imports/{record.pk}/"
    waiting = client.get(response["Location"]).content.decode()
    assert 'http-equiv="refresh"' in waiting and "Đang chờ" in waiting
    tasks.telecom_import_process.apply(args=[record.pk])
    done = client.get(response["Location"]).content.decode()
    assert 'http-equiv="refresh"' not in done and "Xong" in done


def test_upload_page_shows_a_refused_file_in_both_languages(client, health, cells):
    client.force_login(health)
    data = {
        "operator": "viettel",
        "kind": "locations",
        "policy": "all_or_nothing",
        "file": _upload("wrong-columns.csv"),
    }
    vi = client.post("/telecom/", data)
    assert vi.status_code == 400 and "Dòng 1: thiếu cột ma_tram / cell_id" in vi.content.decode()
    data["file"] = _upload("wrong-columns.csv")
    en = client.post("/en/telecom/", data)
    assert en.status_code == 400 and "Line 1: missing column(s) ma_tram / cell_id" in en.content.decode()


def test_detail_page_lists_rejected_rows_and_exports_them(client, health, cells):
    record = import_sample(health, "broken-locations.csv")
    client.force_login(health)
    page = client.get(f"/telecom/imports/{record.pk}/").content.decode()
    assert "Không nhập" in page and "<td>3</td><td>so_thue_bao</td>" in page
    assert "Số thuê bao không hợp lệ: 0123456." in page
    english = client.get(f"/en/telecom/imports/{record.pk}/").content.decode()
    assert "Invalid subscriber number: 0123456." in english and "Rejected rows" in english
    export = client.get(f"/telecom/imports/{record.pk}/errors.xlsx")
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Dòng / Line" and [row[0] for row in rows[1:]] == [3, 4, 5, 6, 7, 8, 9, 10]
    actions = list(AuditLog.objects.filter(object_id=str(record.pk)).values_list("action", flat=True))
    assert actions.count("telecom.import.viewed") == 2 and "telecom.import.errors_exported" in actions


def test_rejected_rows_export_survives_a_control_character_in_the_operator_value(client, health, cells):
    """A rejected row quotes the operator's value in its reason; one holding a control character (old billing
    systems' exports) made the errors.xlsx download a 500 (openpyxl's IllegalCharacterError)."""
    header = "so_thue_bao,ma_tram,bat_dau,ket_thuc\n"
    record = import_bytes(health, header + "0912000111,TTH-KT-01,2021-09-15 08:00,2021-09-15\x01 09:00\n")
    client.force_login(health)
    assert client.get(f"/telecom/imports/{record.pk}/").status_code == 200
    # An import stored before control characters were refused quotes them raw: the export writes them visibly.
    TelecomImport.objects.filter(pk=record.pk).update(
        errors=[{**record.errors[0], "reason_en": "Invalid subscriber number: 0912000111\x01."}]
    )
    export = client.get(f"/telecom/imports/{record.pk}/errors.xlsx")
    assert export.status_code == 200
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert rows[1][:3] == (2, "ket_thuc", "control_character") and "2021-09-15\u2401 09:00" in rows[1][3]
    assert rows[1][4] == "Invalid subscriber number: 0912000111\u2401."


def test_trace_page_asks_then_traces_and_shows_the_outcome(client, health, cells, areas):
    import_sample(health, "viettel-locations.csv")
    person = make_person(areas["kim_tan"], "Lê Văn Ca", samples.CASE_PHONE)
    make_person(areas["kim_tan"], "Bùi Thị Hoa", samples.CONTACT_PHONE)
    case = make_case(health, person)
    client.force_login(health)
    url = f"/telecom/trace/{case.pk}/"
    confirm = client.get(url).content.decode()
    assert "Truy vết bằng dữ liệu nhà mạng" in confirm and '<form method="post">' in confirm
    assert not ContactLink.objects.exists()
    result = client.post(url).content.decode()
    assert "Bùi Thị Hoa" in result and "Trạm TTH-KT-01 (Viettel)" in result
    assert samples.UNKNOWN_PHONE not in result and "+8439•••••66" in result  # masked until asked
    assert ContactLink.objects.filter(source="telecom").count() == 1
    # The last run is shown again later, and that read is audited.
    client.get(url)
    assert AuditLog.objects.filter(action="telecom.trace.viewed", object_id=str(case.pk)).exists()


def test_api_trace_answers_the_outcome_with_the_numbers_to_ask_the_operator_about(
    client, health, province_admin, cells, areas
):
    import_sample(health, "viettel-locations.csv")
    case = make_case(health, make_person(areas["kim_tan"], "Lê Văn Ca", samples.CASE_PHONE))
    make_person(areas["kim_tan"], "Bùi Thị Hoa", samples.CONTACT_PHONE)
    client.force_login(province_admin)
    body = client.post(f"/api/v1/telecom/trace/{case.pk}/").json()
    assert body["links_added"] == 1 and body["links"][0]["person_initials"] == "BTH"
    assert body["links"][0]["overlap_minutes"] == 40
    phones = [item["phone"] for item in body["unknown"]]
    assert samples.UNKNOWN_PHONE in phones  # a province official may trace, so may ask the operator
    entry = AuditLog.objects.get(action="telecom.trace.numbers_viewed")
    assert (entry.actor, entry.object_id, entry.extra["numbers"]) == (province_admin, str(case.pk), len(phones))


def test_a_replayed_trace_answer_is_audited_as_a_read_of_the_numbers(client, health, cells, areas):
    """POST /api/v1/telecom/trace/<case>/ with an Idempotency-Key answers the unknown subscribers' numbers in full
    and audits `telecom.trace.numbers_viewed`; the same request again is answered from the stored run, and is
    audited the same way (docs/telecom.md: "The API's answer holds them in full, audited the same way"). The
    idempotency store keeps only the run's id, not the numbers (they go with the run after TELECOM_RETENTION_DAYS)."""
    import_sample(health, "viettel-locations.csv")
    entered = make_case(health, make_person(areas["kim_tan"], "Lê Văn Ca", samples.CASE_PHONE))
    client.force_login(health)
    url, key = f"/api/v1/telecom/trace/{entered.pk}/", {"HTTP_IDEMPOTENCY_KEY": "trace-once-1"}
    first = client.post(url, **key)
    again = client.post(url, **key)
    assert first.status_code == again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again.json()["unknown"] and again.json() == first.json()
    reads = AuditLog.objects.filter(action="telecom.trace.numbers_viewed", actor=health).count()
    assert reads == 2, f"two answers with the numbers in full, {reads} audit entries"
    assert TelecomTrace.objects.count() == 1  # the replay traced nothing again
    stored = json.dumps(IdempotencyKey.objects.get(key="trace-once-1").response_body)
    assert samples.UNKNOWN_PHONE not in stored


@pytest.mark.parametrize("role, status", [("area_official", 403), ("venue_staff", 403), ("hanoi_health", 404)])
def test_trace_is_refused_to_other_roles_and_areas(request, client, health, areas, role, status):
    case = make_case(health, make_person(areas["kim_tan"], "Lê Văn Ca", samples.CASE_PHONE))
    client.force_login(request.getfixturevalue(role))
    assert client.post(f"/api/v1/telecom/trace/{case.pk}/").status_code == status
    assert client.get(f"/telecom/trace/{case.pk}/").status_code == status
    assert client.post(f"/telecom/trace/{case.pk}/").status_code == status
    assert not AuditLog.objects.filter(action="telecom.case.traced").exists()


def test_trace_page_of_a_case_without_phone_explains_why(client, health, cells, areas):
    case = make_case(health, make_person(areas["kim_tan"], "Không Số", ""))
    client.force_login(health)
    response = client.post(f"/telecom/trace/{case.pk}/")
    assert response.status_code == 409 and "chưa có số điện thoại" in response.content.decode()


def test_superuser_may_import(client, superuser, cells):
    client.force_login(superuser)
    response = client.post(
        "/api/v1/telecom/imports/",
        {
            "operator": "mobifone",
            "kind": "cells",
            "file": _upload("cells.csv", b"cell_id,lat,lon,radius_m\nM-1,20.1,105.6,900\n"),
        },
    )
    assert response.status_code == 202
    assert SubscriberLocation.objects.count() == 0


def test_upload_page_refuses_a_body_over_the_limit_before_reading_it(client, health, settings):
    settings.TELECOM_MAX_UPLOAD_MB = 1
    client.force_login(health)
    content = b"so_thue_bao,ma_tram,bat_dau,ket_thuc\n" + b"x" * (1024 * 1024 + 70 * 1024)
    response = client.post(
        "/telecom/", {"operator": "viettel", "kind": "locations", "file": _upload("big.csv", content)}
    )
    assert response.status_code == 413 and "Tệp quá lớn: tối đa 1 MB." in response.content.decode()
    assert not TelecomImport.objects.exists()


def test_upload_page_checks_the_csrf_token(health, cells):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(health)
    data = {"operator": "viettel", "kind": "cells", "policy": "all_or_nothing", "file": _upload("viettel-cells.csv")}
    assert client.post("/telecom/", data).status_code == 403
    assert TelecomImport.objects.count() == 1


# --- The trace's schema -------------------------------------------------------------------------------------


def _operation(client, path: str, method: str) -> dict:
    schema = client.get("/api/schema/", {"format": "json"}).json()
    return schema["paths"][path][method]


def test_telecom_trace_schema_lists_the_422_it_answers_to_a_reused_key(client, health):
    """POST /api/v1/telecom/trace/<case>/ is `@idempotent`: a key sent again for another case (or another body)
    answers 422 `idempotency_key_reused` (seen on the demo: trace/5/ then trace/4/ with one key). The schema's
    responses for the operation were 200, 400, 401, 403, 404, 409, 413, 415 (telecom.api.ERRORS): no 422, so a
    generated client has no type for it and schemathesis' status check cannot see it."""
    client.force_login(health)
    operation = _operation(client, "/api/v1/telecom/trace/{case_id}/", "post")
    assert "422" in operation["responses"], sorted(operation["responses"])


def test_telecom_trace_schema_documents_its_idempotency_key_header(client, health):
    """docs/telecom.md: "Idempotency-Key accepted: a repeat reads the same run again". The cases API documents the
    header on every idempotent write (cases.api.IDEMPOTENCY_HEADER); the telecom trace did not list it among its
    parameters, so a client reading the schema does not learn that a retry can be made harmless."""
    client.force_login(health)
    operation = _operation(client, "/api/v1/telecom/trace/{case_id}/", "post")
    headers = [p["name"] for p in operation.get("parameters", []) if p.get("in") == "header"]
    assert "Idempotency-Key" in headers, operation.get("parameters")


def _upload_as(client, name: str, key: str, boundary: str, **fields):
    """A multipart POST with the boundary a client chose: curl and browsers draw a new one for each request."""
    from django.test.client import encode_multipart

    body = encode_multipart(boundary, {"operator": "viettel", "kind": "cells", **fields, "file": _upload(name)})
    return client.generic(
        "POST",
        "/api/v1/telecom/imports/",
        body,
        content_type=f"multipart/form-data; boundary={boundary}",
        HTTP_IDEMPOTENCY_KEY=key,
    )


def test_an_upload_sent_again_with_its_key_is_answered_as_the_first_and_another_file_is_refused(client, health):
    """Without the key the same file again is 409 telecom_duplicate_file; with it, the first answer, whatever the
    multipart boundary. The same key with another file, or another field, is 422; a field the upload does not take
    is invalid_input naming it."""
    client.force_login(health)
    first = _upload_as(client, "viettel-cells.csv", "upload-1", "boundary-first")
    assert first.status_code == 202, first.json()
    again = _upload_as(client, "viettel-cells.csv", "upload-1", "boundary-again")
    assert again.status_code == 202 and again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert TelecomImport.objects.count() == 1
    for other in (
        _upload_as(client, "viettel-locations.csv", "upload-1", "boundary-other"),
        _upload_as(client, "viettel-cells.csv", "upload-1", "boundary-other", policy="skip_bad_rows"),
    ):
        assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    typo = _upload_as(client, "viettel-cells.csv", "upload-2", "boundary-typo", polcy="skip_bad_rows")
    assert typo.status_code == 400 and list(typo.json()["extra"]["fields"]) == ["polcy"]
    assert TelecomImport.objects.count() == 1


def _records_csv(rows: int) -> bytes:
    """A locations file of `rows` valid-looking lines (about 60 bytes each)."""
    lines = [b"so_thue_bao,ma_tram,bat_dau,ket_thuc"]
    lines += [b"0912345678,VT-TT-001,2021-09-14 08:%02d,2021-09-14 08:%02d" % (i % 50, i % 50 + 5) for i in range(rows)]
    return b"\n".join(lines) + b"\n"


def test_api_upload_takes_a_file_over_the_apis_general_limit(client, health, cells, settings):
    """Until 2026-12-07 the API refused any body over MAX_REQUEST_BYTES (1 MB), so an operator's file of tens of MB
    could only go through the page; the upload now takes what the page takes (TELECOM_MAX_UPLOAD_MB)."""
    settings.MAX_REQUEST_BYTES = 64 * 1024
    client.force_login(health)
    content = _records_csv(3_000)
    assert len(content) > 2 * settings.MAX_REQUEST_BYTES

    response = client.post(
        "/api/v1/telecom/imports/", {"operator": "viettel", "kind": "locations", "file": _upload("big.csv", content)}
    )

    assert response.status_code == 202, response.json()
    assert TelecomImport.objects.get(pk=response.json()["id"]).file_size == len(content)


@pytest.mark.parametrize("language, words", [("vi", "tối đa 1 MB"), ("en", "at most 1 MB")])
def test_api_upload_over_the_files_limit_is_413_naming_it(client, health, cells, settings, language, words):
    settings.TELECOM_MAX_UPLOAD_MB = 1
    client.force_login(health)
    content = b"so_thue_bao,ma_tram,bat_dau,ket_thuc\n" + b"x" * (1024 * 1024 + 70 * 1024)
    imports = TelecomImport.objects.count()  # the cell list's

    response = client.post(
        "/api/v1/telecom/imports/",
        {"operator": "viettel", "kind": "locations", "file": _upload("big.csv", content)},
        HTTP_ACCEPT_LANGUAGE=language,
    )

    body = response.json()
    assert response.status_code == 413 and body["code"] == "request_too_large", body
    assert words in body["message"] and body["extra"]["max_bytes"] == 1024 * 1024 + 64 * 1024
    assert TelecomImport.objects.count() == imports
