"""The cases API's writes as docs/api.md promises them: every write honours the Idempotency-Key (a repeat gets the first
answer and writes nothing, read again when it shows a person; another body with the same key is 422), refuses fields
it does not take, and the schema says what the answers hold."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from phongdich.core.models import AuditLog, IdempotencyKey

from ..models import Case, Contact, ExposureNotice
from .builders import case, link, person, venue

NAME = "Lê Thị Hoà"


def _post(client, url, body, key=None, method="post"):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return getattr(client, method)(url, json.dumps(body), content_type="application/json", **headers)


@pytest.fixture
def f0(tree, kim_tan_official):
    return case(kim_tan_official, person(tree["kim_tan"], NAME))


@pytest.fixture
def candidate(tree, f0):
    return link(person(tree["kim_tan"], "Trần Văn Ánh"), f0)[0].contact


def _stored(key: str) -> str:
    return json.dumps(IdempotencyKey.objects.get(key=key).response_body, ensure_ascii=False)


# --- Idempotency-Key ----------------------------------------------------------------------------------------------


def test_a_contact_move_repeated_with_its_key_answers_the_same_and_moves_once(client, candidate, kim_tan_official):
    client.force_login(kim_tan_official)
    url = f"/api/v1/contacts/{candidate.pk}/status/"
    first = _post(client, url, {"status": "confirmed"}, key="move-0001")
    assert first.status_code == 200 and first.json()["status"] == "confirmed"
    reads = AuditLog.objects.filter(actor=kim_tan_official, action="cases.contact.viewed")
    before = reads.count()
    again = _post(client, url, {"status": "confirmed"}, key="move-0001")
    # Without the key a repeat is 409 contact_status_transition: with it, the first answer, the contact read again.
    assert again.status_code == 200 and again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert reads.count() == before + 1
    assert AuditLog.objects.filter(action="cases.contact.confirmed").count() == 1
    assert "Trần Văn Ánh" not in _stored("move-0001") and candidate.person.phone not in _stored("move-0001")


def test_the_same_key_with_another_body_is_refused_and_writes_nothing(client, candidate, kim_tan_official):
    client.force_login(kim_tan_official)
    url = f"/api/v1/contacts/{candidate.pk}/status/"
    assert _post(client, url, {"status": "confirmed"}, key="move-0002").status_code == 200
    reused = _post(client, url, {"status": "dismissed", "reason": "Không gặp"}, key="move-0002")
    assert reused.status_code == 422 and reused.json()["code"] == "idempotency_key_reused"
    assert Contact.objects.get(pk=candidate.pk).status == Contact.Status.CONFIRMED
    many = _post(client, "/api/v1/contacts/status/", {"contacts": [candidate.pk], "status": "dismissed"}, "move-0002")
    assert many.status_code == 422


def test_a_key_the_api_cannot_take_is_refused_before_anything_is_written(client, candidate, kim_tan_official):
    client.force_login(kim_tan_official)
    url = f"/api/v1/contacts/{candidate.pk}/status/"
    refused = _post(client, url, {"status": "confirmed"}, key="x" * 256)
    assert refused.status_code == 400 and refused.json()["code"] == "idempotency_key_invalid"
    assert Contact.objects.get(pk=candidate.pk).status == Contact.Status.CANDIDATE


def test_moving_several_contacts_repeated_with_its_key_moves_them_once(client, candidate, kim_tan_official):
    client.force_login(kim_tan_official)
    body = {"contacts": [candidate.pk], "status": "confirmed"}
    first = _post(client, "/api/v1/contacts/status/", body, key="many-0001")
    again = _post(client, "/api/v1/contacts/status/", body, key="many-0001")
    assert first.status_code == again.status_code == 200 and again.json() == first.json()
    assert first.json()["changed"] == [{"id": candidate.pk, "status": "confirmed"}]
    assert AuditLog.objects.filter(action="cases.contact.confirmed").count() == 1


def test_a_case_outcome_and_its_undoing_repeated_with_their_keys_are_read_again(client, f0, kim_tan_official):
    client.force_login(kim_tan_official)
    url = f"/api/v1/cases/{f0.pk}/status/"
    body = {"status": "died", "date": str(timezone.localdate())}
    first = _post(client, url, body, key="outcome-0001")
    again = _post(client, url, body, key="outcome-0001")
    assert first.status_code == again.status_code == 200 and again.json() == first.json()
    assert again.json()["status"] == "died" and again["Idempotent-Replayed"] == "true"
    assert AuditLog.objects.filter(action="cases.case.died").count() == 1
    assert NAME not in _stored("outcome-0001")

    undo = f"/api/v1/cases/{f0.pk}/outcome-undo/"
    body = {"reason": "Nhập nhầm ca bệnh khác"}
    first = _post(client, undo, body, key="undo-0001")
    again = _post(client, undo, body, key="undo-0001")
    assert first.status_code == again.status_code == 200 and again.json()["status"] == "under_treatment"
    assert AuditLog.objects.filter(action="cases.case.outcome_undone").count() == 1
    assert NAME not in _stored("undo-0001")


def test_a_case_edit_repeated_with_its_key_is_read_again_as_the_case_now_stands(client, f0, kim_tan_official):
    client.force_login(kim_tan_official)
    url = f"/api/v1/cases/{f0.pk}/"
    first = _post(client, url, {"isolation_place": "Bệnh viện Đa khoa huyện"}, key="edit-0001", method="patch")
    assert first.status_code == 200 and first.json()["isolation_place"] == "Bệnh viện Đa khoa huyện"
    Case.objects.filter(pk=f0.pk).update(notes="Ghi chú sau đó")
    again = _post(client, url, {"isolation_place": "Bệnh viện Đa khoa huyện"}, key="edit-0001", method="patch")
    assert again.status_code == 200 and again.json()["notes"] == "Ghi chú sau đó"
    assert AuditLog.objects.filter(action="cases.case.updated").count() == 1
    assert NAME not in _stored("edit-0001")


def test_a_withdrawal_repeated_with_its_key_answers_the_same_counts(client, f0, candidate, kim_tan_official):
    client.force_login(kim_tan_official)
    url = f"/api/v1/cases/{f0.pk}/withdraw/"
    body = {"reason": "Kết quả xét nghiệm của người khác"}
    first = _post(client, url, body, key="withdraw-0001")
    again = _post(client, url, body, key="withdraw-0001")
    assert first.status_code == again.status_code == 200 and again.json() == first.json()
    assert first.json()["contacts_closed"] == 1 and first.json()["case"]["status"] == "withdrawn"
    assert AuditLog.objects.filter(action="cases.case.withdrawn").count() == 1
    assert NAME not in _stored("withdraw-0001")


def test_a_notice_publication_repeated_with_its_key_is_answered_once(client, tree, f0, kim_tan_official):
    market = venue(tree["kim_tan"])
    start = timezone.now() - dt.timedelta(hours=5)
    notice = ExposureNotice.objects.create(
        case=f0, venue=market, area_path=market.area_path, start=start, end=start + dt.timedelta(hours=1)
    )
    client.force_login(kim_tan_official)
    url = f"/api/v1/exposure-notices/{notice.pk}/publication/"
    first = _post(client, url, {"published": True}, key="notice-0001")
    ExposureNotice.objects.filter(pk=notice.pk).update(published_at=None)  # kept back since, on the page
    again = _post(client, url, {"published": True}, key="notice-0001")
    assert again.status_code == 200 and again.json() == first.json()
    assert ExposureNotice.objects.get(pk=notice.pk).published_at is None  # the repeat wrote nothing
    assert _post(client, url, {"published": False}, key="notice-0001").status_code == 422


# Look-ups sent by POST (an identifier stays out of URLs and access logs): they write nothing a repeat could double.
LOOKUPS_BY_POST = {"/api/v1/cases/{case_id}/contacts/identify/", "/api/v1/contacts/{contact_id}/contacts/identify/"}


def test_every_write_of_the_cases_app_declares_the_idempotency_key(client, kim_tan_official):
    client.force_login(kim_tan_official)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    writes = {
        (path, method): operation
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if method in ("post", "put", "patch", "delete")
        and "cases" in operation.get("tags", [])
        and path not in LOOKUPS_BY_POST
    }
    assert len(writes) >= 11, sorted(writes)
    assert ("/api/v1/contacts/{contact_id}/quarantine-start/", "post") in writes
    for (path, method), operation in writes.items():
        headers = [p["name"] for p in operation.get("parameters", []) if p.get("in") == "header"]
        assert headers == ["Idempotency-Key"], (path, method)


# --- Fields a write does not take -----------------------------------------------------------------------------


def test_a_case_edit_with_a_field_it_does_not_take_is_refused_naming_it(client, f0, kim_tan_official):
    client.force_login(kim_tan_official)
    response = _post(client, f"/api/v1/cases/{f0.pk}/", {"status": "died", "notes": "x"}, method="patch")
    answer = response.json()
    assert response.status_code == 400 and answer["code"] == "invalid_input"
    assert list(answer["extra"]["fields"]) == ["status"]
    assert "không được nhận" in answer["extra"]["fields"]["status"][0]
    assert Case.objects.get(pk=f0.pk).status == Case.Status.UNDER_TREATMENT and Case.objects.get(pk=f0.pk).notes == ""
    english = client.patch(
        f"/api/v1/cases/{f0.pk}/", {"numbr": "X"}, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert english.json()["extra"]["fields"] == {
        "numbr": ["This field is not taken here: it is unknown or cannot be changed."]
    }


def test_a_field_it_does_not_take_is_named_beside_the_wrong_ones(client, candidate, kim_tan_official):
    client.force_login(kim_tan_official)
    response = _post(client, f"/api/v1/contacts/{candidate.pk}/status/", {"status": "bogus", "statut": "confirmed"})
    assert response.status_code == 400 and set(response.json()["extra"]["fields"]) == {"status", "statut"}


# --- The schema says what the answers hold ----------------------------------------------------------------------


def test_the_schema_says_a_case_needs_its_sample_date_and_the_api_names_it(client, tree, kim_tan_official):
    client.force_login(kim_tan_official)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    case_input = schema["components"]["schemas"]["CaseInputRequest"]
    assert "sample_date" in case_input["required"]
    assert not case_input["properties"]["sample_date"].get("nullable")
    body = {"person": person(tree["kim_tan"]).pk, "test_type": "pcr"}
    for sent in (body, {**body, "sample_date": None}):
        response = _post(client, "/api/v1/cases/", sent)
        assert response.status_code == 400 and response.json()["code"] == "case_date_missing"
        assert response.json()["extra"] == {"field": "sample_date"}


def test_the_cluster_graph_answer_is_what_its_schema_documents(client, f0, kim_tan_official):
    client.force_login(kim_tan_official)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    documented = schema["components"]["schemas"]["GraphOutput"]
    cluster = _post(client, "/api/v1/clusters/", {"name": "Chợ Kim Tân", "case": f0.pk}).json()
    answer = client.get(f"/api/v1/clusters/{cluster['id']}/graph/").json()
    assert set(answer) == set(documented["properties"]) == set(documented["required"])
    assert answer["cases"] == 1 and answer["caption"]


def test_a_contacts_link_says_when_its_case_was_withdrawn(client, f0, candidate, kim_tan_official):
    client.force_login(kim_tan_official)
    link = client.get(f"/api/v1/contacts/{candidate.pk}/").json()["links"][0]
    assert link["case_status"] == "under_treatment" and link["case_withdrawn"] is False
    _post(client, f"/api/v1/cases/{f0.pk}/withdraw/", {"reason": "Nhầm kết quả"})
    link = client.get(f"/api/v1/contacts/{candidate.pk}/").json()["links"][0]
    assert link["case_status"] == "withdrawn" and link["case_withdrawn"] is True
    rows = client.get(f"/api/v1/cases/{f0.pk}/contacts/").json()["results"]
    assert rows[0]["links"][0]["case_withdrawn"] is True
