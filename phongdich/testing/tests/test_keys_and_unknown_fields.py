"""The last testing writes without an Idempotency-Key (a result's correction, a lab-sheet upload) take one, and a
write refuses a field it does not take (core.api.StrictInput)."""

import json

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import encode_multipart

from phongdich.accounts.models import Official
from phongdich.core.audit import AuditLog
from phongdich.core.models import IdempotencyKey

from ..models import ImportJob, ResultCorrection, TestResult
from ..services import result_enter
from .builders import make_sample

REASON = "Nhập nhầm mẫu: phiếu của người khác"


def _post(client, path, body, key):
    return client.post(path, json.dumps(body), content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)


def _upload(client, content: bytes, key: str, boundary: str):
    """A multipart POST with the boundary a client chose: curl and browsers draw a new one for each request."""
    body = encode_multipart(boundary, {"file": SimpleUploadedFile("ket-qua.xlsx", content)})
    return client.generic(
        "POST",
        "/api/v1/testing/imports/",
        body,
        content_type=f"multipart/form-data; boundary={boundary}",
        HTTP_IDEMPOTENCY_KEY=key,
    )


def test_a_repeated_correction_is_read_again_audited_and_refused_once_the_lab_moved(client, lab, site, person, areas):
    sample = make_sample(site, person)
    result_enter(actor=lab, barcode=sample.barcode, outcome="negative")
    client.force_login(lab)
    body = {"barcode": sample.barcode, "result": "invalid", "reason": REASON}
    first = _post(client, "/api/v1/testing/results/corrections/", body, "fix-1")
    assert first.status_code == 200, first.json()
    assert first.json()["result"]["result"] == "invalid"
    reads = AuditLog.objects.filter(actor=lab, action="testing.result.viewed")
    assert reads.count() == 0

    again = _post(client, "/api/v1/testing/results/corrections/", body, "fix-1")
    assert again.status_code == 200 and again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert ResultCorrection.objects.count() == 1 and reads.count() == 1
    stored = json.dumps(IdempotencyKey.objects.get(key="fix-1").response_body)
    assert "invalid" not in stored and sample.barcode not in stored, stored

    other = _post(client, "/api/v1/testing/results/corrections/", {**body, "result": "positive"}, "fix-1")
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"

    Official.objects.filter(user=lab).update(area=areas["commune_b"])
    moved = _post(client, "/api/v1/testing/results/corrections/", body, "fix-1")
    assert moved.status_code == 404 and "invalid" not in moved.content.decode()


def test_a_lab_sheet_sent_again_with_its_key_is_one_import_and_another_file_is_refused(client, lab):
    client.force_login(lab)
    first = _upload(client, b"sheet-one", "sheet-1", "boundary-first")
    assert first.status_code == 202, first.json()
    again = _upload(client, b"sheet-one", "sheet-1", "boundary-again")
    assert again.status_code == 202 and again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert ImportJob.objects.count() == 1

    other = _upload(client, b"sheet-two", "sheet-1", "boundary-other")
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    assert ImportJob.objects.count() == 1


def test_a_result_with_a_field_it_does_not_take_is_refused_naming_it(client, lab, site, person):
    sample = make_sample(site, person)
    client.force_login(lab)
    body = {"barcode": sample.barcode, "result": "negative", "ct": "22.5"}  # ct_value misspelt
    refused = client.post("/api/v1/testing/results/", body, content_type="application/json")
    assert refused.status_code == 400 and refused.json()["code"] == "invalid_input"
    assert list(refused.json()["extra"]["fields"]) == ["ct"]
    assert not TestResult.objects.exists()
