"""What an official is shown of a person or a case goes through the scoped, audited selectors, on every path.

- A case entered through the API with an Idempotency-Key: a repeat of the request reads the case again (core.api
  idempotent's stored=/replayed=), so it is audited, and answers 404 to an official moved to another area since; the
  idempotency store keeps the case's id, not the person's name, phone and birth year. The same for an interview's
  contact.
- A move of several contacts that skips some names them in its warning: each name is an audited read of the contact
  (a forged list of ids would otherwise read up to 500 names unaudited).
- A tracing run's page and API show its cases' figures: a run with a case outside the official's area (a re-trace
  their move on a contact asked for, of another area's case) answers 404.
- Odd values in the API's bodies answer 4xx, never 500.
"""

import datetime as dt
import hashlib
import json

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from phongdich.accounts.models import Official
from phongdich.core.models import AuditLog

from .. import services, tasks
from ..models import TracingRun
from ..tracing import case_trace_checkins
from .builders import case, checkin, link, local, person, venue

# --- The idempotency store --------------------------------------------------------------------------------------


def _create_case(client, person_id: int, key: str):
    body = {"person": person_id, "sample_date": str(timezone.localdate() - dt.timedelta(days=1)), "test_type": "pcr"}
    return client.post("/api/v1/cases/", json.dumps(body), content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)


def test_a_repeated_case_entry_is_answered_only_while_the_official_still_sees_the_case(client, tree, kim_tan_official):
    entered_for = person(tree["kim_tan"], "Lê Văn Ca", phone="+84912345678")
    client.force_login(kim_tan_official)
    first = _create_case(client, entered_for.pk, "entry-0001")
    assert first.status_code == 201 and first.json()["person"]["full_name"] == "Lê Văn Ca"
    # The official now works for Thạch Lâm: Kim Tân's cases answer 404 to them...
    Official.objects.filter(user=kim_tan_official).update(area=tree["thach_lam"])
    assert client.get(f"/api/v1/cases/{first.json()['id']}/").status_code == 404
    # ... but the same request again is answered from the store, person and phone included.
    again = _create_case(client, entered_for.pk, "entry-0001")
    assert again.status_code == 404, again.json()
    assert all(private not in again.content.decode() for private in ("Lê Văn Ca", "+84912345678", "0912345678"))


def test_a_repeated_case_entry_that_shows_the_person_again_is_audited(client, tree, kim_tan_official):
    entered_for = person(tree["kim_tan"], "Lê Văn Ca")
    client.force_login(kim_tan_official)
    assert _create_case(client, entered_for.pk, "entry-0002").status_code == 201
    before = AuditLog.objects.filter(actor=kim_tan_official).count()
    again = _create_case(client, entered_for.pk, "entry-0002")
    assert again.status_code == 201 and again.json()["person"]["full_name"] == "Lê Văn Ca"
    reads = AuditLog.objects.filter(actor=kim_tan_official).count() - before
    assert reads >= 1, "the repeated answer showed the person's record and left no audit entry"


def test_a_repeated_interview_contact_is_read_again_within_the_area(client, tree, kim_tan_official):
    entered = case(kim_tan_official, person(tree["kim_tan"], "Ca Bệnh"))
    named = person(tree["kim_tan"], "Người Nhà")
    client.force_login(kim_tan_official)
    body = json.dumps({"person": named.pk, "setting": "household", "note": "ở cùng nhà"})

    def add():
        path = f"/api/v1/cases/{entered.pk}/contacts/"
        return client.post(path, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="iv-00001")

    first = add()
    assert first.status_code == 201
    before = AuditLog.objects.filter(actor=kim_tan_official, action="cases.case.viewed").count()
    again = add()
    assert again.status_code == 201 and again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert AuditLog.objects.filter(actor=kim_tan_official, action="cases.case.viewed").count() == before + 1
    Official.objects.filter(user=kim_tan_official).update(area=tree["thach_lam"])
    moved = add()
    assert moved.status_code == 404 and "ở cùng nhà" not in moved.content.decode()


def test_answers_stored_whole_before_the_markers_are_reduced_to_them_and_replay(client, tree, kim_tan_official):
    """Answers a key stored whole before 2026-12-07 (the person's name and phone) would fail the new replay (a 500)
    and keep the person in the store: cases 0027 reduces them to the markers."""
    from importlib import import_module

    from django.apps import apps

    from phongdich.core.models import IdempotencyKey

    migration = import_module("phongdich.cases.migrations.0027_idempotent_answers_kept_as_markers")
    entered_for = person(tree["kim_tan"], "Lê Văn Ca", phone="+84912345678")
    named = person(tree["kim_tan"], "Người Nhà")
    client.force_login(kim_tan_official)
    first = _create_case(client, entered_for.pk, "old-entry-01")
    case_id = first.json()["id"]
    path = f"/api/v1/cases/{case_id}/contacts/"
    body = json.dumps({"person": named.pk, "setting": "household"})
    interview = client.post(path, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="old-iv-0001")
    assert interview.status_code == 201
    IdempotencyKey.objects.filter(key="old-entry-01").update(response_body=first.json())  # as stored before
    IdempotencyKey.objects.filter(key="old-iv-0001").update(response_body=interview.json())

    migration.answers_to_markers(apps, None)

    assert IdempotencyKey.objects.get(key="old-entry-01").response_body == {"case": case_id}
    assert IdempotencyKey.objects.get(key="old-iv-0001").response_body == {
        "link": interview.json()["id"],
        "created": True,
    }
    assert _create_case(client, entered_for.pk, "old-entry-01").json() == first.json()
    again = client.post(path, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="old-iv-0001")
    assert again.status_code == 201 and again.json() == interview.json()


# --- Names in a refused move ------------------------------------------------------------------------------------


def test_a_move_refused_for_every_contact_names_no_one_it_did_not_audit(client, tree, kim_tan_official):
    entered = case(kim_tan_official, person(tree["kim_tan"], "Ca Bệnh"))
    ids = [link(person(tree["kim_tan"], name), entered)[0].contact_id for name in ("Đỗ Thị Một", "Vũ Văn Hai")]
    client.force_login(kim_tan_official)
    response = client.post(
        "/cases/contacts/status/", {"contact": ids, "status": "released", "next": "/cases/worklist/"}
    )
    assert response.status_code == 302
    shown = " ".join(str(message) for message in get_messages(response.wsgi_request))
    named = [name for name in ("Đỗ Thị Một", "Vũ Văn Hai") if name in shown]
    audited = set(
        AuditLog.objects.filter(object_type="cases.contact", object_id__in=[str(pk) for pk in ids]).values_list(
            "object_id", flat=True
        )
    )
    # Either the warning names nobody, or the names it reads are in the audit log as any read of a contact is.
    assert not named or audited == {str(pk) for pk in ids}, (named, audited)


# --- A re-trace run of another area's case ---------------------------------------------------------------------


@pytest.fixture
def kim_tan_case_traced(tree, kim_tan_official):
    """A Kim Tân case whose market visit yesterday met two Kim Tân residents and one of Thạch Lâm (F1 of it)."""
    market = venue(tree["kim_tan"])
    the_case = case(kim_tan_official, person(tree["kim_tan"], "Ca Kim Tân"))
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    start = local(yesterday, 9)
    checkin(the_case.person, market, start)
    for who in (person(tree["kim_tan"], "Hàng Xóm Một"), person(tree["kim_tan"], "Hàng Xóm Hai")):
        checkin(who, market, start)
    visitor = person(tree["thach_lam"], "Khách Thạch Lâm")
    checkin(visitor, market, start)
    case_trace_checkins(case=the_case, actor=kim_tan_official)
    return the_case, visitor


def test_a_re_trace_of_another_areas_case_tells_the_official_who_moved_a_contact_nothing_of_it(
    client, tree, kim_tan_case_traced, thach_lam_official
):
    the_case, visitor = kim_tan_case_traced
    contact = visitor.contact
    client.force_login(thach_lam_official)
    assert client.get(f"/api/v1/cases/{the_case.pk}/").status_code == 404  # not theirs
    moved = client.post(
        f"/api/v1/contacts/{contact.pk}/status/",
        json.dumps({"status": "dismissed", "reason": "không có mặt ở chợ"}),
        content_type="application/json",
    )
    assert moved.status_code == 200
    run = TracingRun.objects.get(retrace_case=the_case)
    assert run.created_by == thach_lam_official
    tasks.tracing_run_task(run.pk)  # the worker's job
    api = client.get(f"/api/v1/tracing-runs/{run.pk}/")
    page = client.get(f"/cases/runs/{run.pk}/")
    # The run traced a Kim Tân case only: its figures are Kim Tân's (404, as the case is).
    assert api.status_code == 404, {key: api.json()[key] for key in ("total", "contacts_found", "links_added")}
    assert page.status_code == 404, page.content.decode()[:300]


def test_a_batch_run_is_shown_to_its_starter_only_while_its_cases_are_in_their_area(
    client, tree, kim_tan_case_traced, kim_tan_official
):
    the_case, _visitor = kim_tan_case_traced
    run = tasks.tracing_run_start(actor=kim_tan_official, cases=[the_case])
    client.force_login(kim_tan_official)
    assert client.get(f"/api/v1/tracing-runs/{run.pk}/").status_code == 200
    assert client.get(f"/cases/runs/{run.pk}/").status_code == 200
    Official.objects.filter(user=kim_tan_official).update(area=tree["thach_lam"])
    assert client.get(f"/api/v1/tracing-runs/{run.pk}/").status_code == 404
    assert client.get(f"/cases/runs/{run.pk}/").status_code == 404


def test_services_still_queue_that_re_trace(tree, kim_tan_case_traced, thach_lam_official):
    """The move still re-traces the case (docs/cases.md, "Tracing again"): only what its requester is shown of it
    is scoped."""
    the_case, visitor = kim_tan_case_traced
    services.contact_status_set(
        actor=thach_lam_official, contact=visitor.contact, status="dismissed", reason="không có mặt ở chợ"
    )
    assert TracingRun.objects.filter(retrace_case=the_case).exists()


# --- Odd values through the API answer 4xx, never 500 ---------------------------------------------------------

ODD_DATETIMES = [
    "0001-01-01T00:00:00+14:00",
    "0001-01-01T00:00:00-14:00",
    "9999-12-31T23:59:59-14:00",
    "9999-12-31T23:59:59+14:00",
    "2021-02-30T10:00:00",
    "2021-09-15T25:00:00",
    "１２３",
    "",
    "null",
]


@pytest.mark.parametrize("value", ODD_DATETIMES)
def test_odd_times_in_case_and_interview_bodies_are_4xx(tree, kim_tan_official, value):
    from django.test import Client

    client = Client(raise_request_exception=False)
    client.force_login(kim_tan_official)
    who = person(tree["kim_tan"], "Ca Bệnh")
    body = {"person": who.pk, "sample_date": value[:10], "test_type": "pcr", "isolated_at": value}
    created = client.post("/api/v1/cases/", json.dumps(body), content_type="application/json")
    assert created.status_code < 500, created.content[:300]
    entered = case(kim_tan_official, person(tree["kim_tan"], "Ca Khác"))
    named = person(tree["kim_tan"], "Người Nhà")
    interview = {
        "person": named.pk,
        "setting": "household",
        "exposure_start": value,
        "exposure_end": value,
        "nonce": "nonce-" + hashlib.sha256(value.encode()).hexdigest()[:10],
    }
    added = client.post(f"/api/v1/cases/{entered.pk}/contacts/", json.dumps(interview), content_type="application/json")
    assert added.status_code < 500, added.content[:300]
    contact = link(person(tree["kim_tan"], "Người Gặp"), entered)[0].contact
    moved = client.post(
        f"/api/v1/contacts/{contact.pk}/status/",
        json.dumps({"status": "quarantined", "quarantine_start": value[:10]}),
        content_type="application/json",
    )
    assert moved.status_code < 500, moved.content[:300]


def test_nul_and_huge_ids_in_api_bodies_are_4xx(tree, kim_tan_official):
    from django.test import Client

    client = Client(raise_request_exception=False)
    client.force_login(kim_tan_official)
    entered = case(kim_tan_official, person(tree["kim_tan"], "Ca Bệnh"))
    for path, body in [
        (f"/api/v1/cases/{entered.pk}/withdraw/", {"reason": "sai\u0000người"}),
        ("/api/v1/contacts/status/", {"contacts": [2**70], "status": "confirmed"}),
        ("/api/v1/contacts/status/", {"contacts": [1] * 501, "status": "confirmed"}),
        ("/api/v1/cases/", {"person": 2**70, "sample_date": "2021-09-15", "test_type": "pcr"}),
        ("/api/v1/clusters/", {"name": "Ổ\u0000dịch", "venue": 2**70}),
        (f"/api/v1/cases/{entered.pk}/contacts/", {"person": 2**70, "setting": "household", "nonce": "x" * 8}),
    ]:
        answer = client.post(path, json.dumps(body), content_type="application/json")
        assert 400 <= answer.status_code < 500, (path, answer.status_code, answer.content[:200])
    entered.refresh_from_db()
    assert entered.status == "under_treatment"
