"""Restoring a case withdrawn by mistake (services.case_restore): its status, its contacts, its exposure notices and
its person's contact come back, it is traced again, and it is refused where it cannot be; through the service, the
case page and the API."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from phongdich.core.errors import ApplicationError
from phongdich.core.models import AuditLog, IdempotencyKey

from .. import errors, services
from ..models import Case, Contact, ContactLink, ExposureNotice
from ..selectors import area_counts_by_commune
from .builders import case, checkin, local, person
from .test_withdraw import _contact, outbreak  # noqa: F401 (a fixture)

REASON = "Huỷ nhầm: kết quả RT-PCR âm tính là của người khác"


def _withdrawn(outbreak, official):  # noqa: F811
    services.case_withdraw(actor=official, case=outbreak["a"], reason="RT-PCR âm tính")
    return outbreak["a"]


def test_restoring_brings_back_the_status_the_contacts_and_the_notices(outbreak, kim_tan_official):  # noqa: F811
    case_a = outbreak["a"]
    published = set(ExposureNotice.objects.filter(case=case_a, published_at__isnull=False).values_list("pk", flat=True))
    assert published
    _withdrawn(outbreak, kim_tan_official)
    assert _contact(outbreak, "Bình").status == Contact.Status.CASE_WITHDRAWN

    outcome = services.case_restore(actor=kim_tan_official, case=case_a, reason=f" {REASON}  ")

    case_a.refresh_from_db()
    assert case_a.status == Case.Status.UNDER_TREATMENT
    assert (case_a.withdrawn_reason, case_a.withdrawn_from, case_a.status_changed_at) == ("", "", None)
    # Bình (F1) and Dũng (F2 through Bình), closed with the withdrawal: on the lists again; Em still in quarantine.
    assert [_contact(outbreak, name).status for name in ("Bình", "Dũng")] == [Contact.Status.CANDIDATE] * 2
    assert (_contact(outbreak, "Bình").level, _contact(outbreak, "Dũng").level) == (1, 2)
    assert _contact(outbreak, "Em").status == Contact.Status.QUARANTINED
    assert outcome.contacts_back == 2
    # Cường, an F1 of B too, stays at level 1; Bảo (B itself) is an F2 of A through Cường.
    assert _contact(outbreak, "Cường").level == 1
    # The notices it took off are on the public list again; the trace found the same people and added nothing.
    assert set(ExposureNotice.objects.filter(case=case_a, published_at__isnull=False).values_list("pk", flat=True)) == (
        published
    )
    assert outcome.notices_republished == len(published) and outcome.notices_kept_back == 0
    assert outcome.contacts_found == 5 and outcome.links_added == 0 and outcome.links_removed == 0
    counts = {row.area.code: (row.f0, row.f1, row.f2) for row in area_counts_by_commune(viewer=kim_tan_official)}
    assert counts["15187"][0] == 2
    entry = AuditLog.objects.get(action="cases.case.restored", object_id=str(case_a.pk))
    assert entry.extra["reason"] == REASON and entry.extra["withdrawn_reason"] == "RT-PCR âm tính"
    assert sorted(entry.extra["contacts_back"]) == sorted(_contact(outbreak, n).pk for n in ("Bình", "Dũng"))
    back = AuditLog.objects.filter(action="cases.contact.candidate", extra__reason="case_restored")
    assert back.count() == 2


def test_a_contact_named_in_the_interview_comes_back_too(outbreak, tree, kim_tan_official):  # noqa: F811
    """Not from check-ins: the trace would not meet them again; the restore's own settling does."""
    case_a = outbreak["a"]
    sister = person(tree["kim_tan"], "Giang")
    services.contact_interview_add(
        actor=kim_tan_official, case=case_a, person=sister, setting=ContactLink.Setting.HOUSEHOLD, nonce="nonce-giang"
    )
    _withdrawn(outbreak, kim_tan_official)
    assert Contact.objects.get(person=sister).status == Contact.Status.CASE_WITHDRAWN

    services.case_restore(actor=kim_tan_official, case=case_a, reason=REASON)

    contact = Contact.objects.get(person=sister)
    assert (contact.status, contact.level) == (Contact.Status.CANDIDATE, 1)


def test_a_notice_an_official_kept_back_stays_back(outbreak, kim_tan_official):  # noqa: F811
    case_a = outbreak["a"]
    kept = ExposureNotice.objects.filter(case=case_a).first()
    services.exposure_notice_publication_set(actor=kim_tan_official, notice=kept, published=False)
    _withdrawn(outbreak, kim_tan_official)

    outcome = services.case_restore(actor=kim_tan_official, case=case_a, reason=REASON)

    kept.refresh_from_db()
    assert kept.published_at is None and not kept.withdrawn_with_case
    assert outcome.notices_kept_back == 1
    assert outcome.notices_republished == ExposureNotice.objects.filter(case=case_a).count() - 1


def test_checkins_uploaded_while_withdrawn_are_traced(outbreak, tree, kim_tan_official):  # noqa: F811
    """The trace again is a real one: an offline scanner's upload at the market while the case was withdrawn."""
    _withdrawn(outbreak, kim_tan_official)
    late = person(tree["kim_tan"], "Hải")
    checkin(late, outbreak["market"], local(timezone.localdate() - dt.timedelta(days=2), 9, 15))

    outcome = services.case_restore(actor=kim_tan_official, case=outbreak["a"], reason=REASON)

    assert outcome.links_added >= 1
    contact = Contact.objects.get(person=late)
    assert (contact.status, contact.level) == (Contact.Status.CANDIDATE, 1)


def test_the_persons_own_contact_is_a_case_again(outbreak, kim_tan_official):  # noqa: F811
    """Cường, an F1 of A and B, entered as a case; the case withdrawn (a candidate of B's again), then restored."""
    cuong_case = case(kim_tan_official, outbreak["people"]["Cường"])
    assert _contact(outbreak, "Cường").status == Contact.Status.BECAME_CASE
    services.case_withdraw(actor=kim_tan_official, case=cuong_case, reason="Nhập nhầm người")
    assert _contact(outbreak, "Cường").status == Contact.Status.CANDIDATE

    services.case_restore(actor=kim_tan_official, case=cuong_case, reason=REASON)

    assert _contact(outbreak, "Cường").status == Contact.Status.BECAME_CASE
    entry = AuditLog.objects.filter(action="cases.contact.became_case", extra__reason="case_restored").get()
    assert entry.extra["from"] == Contact.Status.CANDIDATE


# --- Refused -------------------------------------------------------------------------------------------------------


def test_a_case_not_withdrawn_or_without_a_reason_is_refused(outbreak, kim_tan_official):  # noqa: F811
    with pytest.raises(ApplicationError) as refused:
        services.case_restore(actor=kim_tan_official, case=outbreak["a"], reason=REASON)
    assert refused.value.error.code == "case_status_transition"
    assert "không bị huỷ" in refused.value.vi and "not withdrawn" in refused.value.en
    _withdrawn(outbreak, kim_tan_official)
    with pytest.raises(ApplicationError) as refused:
        services.case_restore(actor=kim_tan_official, case=outbreak["a"], reason="  ")
    assert refused.value.error.code == "case_restore_reason_required"
    assert Case.objects.get(pk=outbreak["a"].pk).status == Case.Status.WITHDRAWN


def test_a_person_with_another_case_of_the_same_illness_since_is_refused(outbreak, kim_tan_official):  # noqa: F811
    """The duplicate kept stands: the one withdrawn is not restored beside it, under treatment or recovered since."""
    case_a = _withdrawn(outbreak, kim_tan_official)
    again = case(kim_tan_official, outbreak["people"]["Ánh"])
    with pytest.raises(ApplicationError) as refused:
        services.case_restore(actor=kim_tan_official, case=case_a, reason=REASON)
    assert refused.value.error.code == "case_restore_closed" and refused.value.error.status == 409
    assert refused.value.extra == {"reason": "other_case", "case": again.number, "status": "under_treatment"}
    assert again.number in refused.value.vi and again.number in refused.value.en
    services.case_status_set(
        actor=kim_tan_official, case=again, status=Case.Status.RECOVERED, on=timezone.localdate(), date_confirmed=True
    )
    with pytest.raises(ApplicationError) as refused:
        services.case_restore(actor=kim_tan_official, case=case_a, reason=REASON)
    assert refused.value.extra["status"] == "recovered"
    assert Case.objects.get(pk=case_a.pk).status == Case.Status.WITHDRAWN
    assert not AuditLog.objects.filter(action="cases.case.restored").exists()


def test_a_recovery_before_the_sample_was_another_illness(tree, kim_tan_official):
    someone = person(tree["kim_tan"], "Khánh")
    earlier = case(kim_tan_official, someone, days_ago=40, onset_days_ago=41)
    services.case_status_set(
        actor=kim_tan_official,
        case=earlier,
        status=Case.Status.RECOVERED,
        on=timezone.localdate() - dt.timedelta(days=25),
    )
    later = case(kim_tan_official, someone)
    services.case_withdraw(actor=kim_tan_official, case=later, reason="Nhập nhầm")

    services.case_restore(actor=kim_tan_official, case=later, reason=REASON)

    assert Case.objects.get(pk=later.pk).status == Case.Status.UNDER_TREATMENT


# --- The page ------------------------------------------------------------------------------------------------------


def test_the_case_page_restores_with_a_reason_and_a_tick(outbreak, kim_tan_official, client):  # noqa: F811
    case_a = _withdrawn(outbreak, kim_tan_official)
    client.force_login(kim_tan_official)
    page = client.get(f"/en/cases/{case_a.pk}/").content.decode()
    assert 'id="restore"' in page and "Restore the case: withdrawn by mistake" in page
    unticked = client.post(f"/en/cases/{case_a.pk}/restore/", {"reason": REASON})
    assert unticked.status_code == 400 and 'id="restore" open' in unticked.content.decode()
    assert Case.objects.get(pk=case_a.pk).status == Case.Status.WITHDRAWN
    done = client.post(f"/en/cases/{case_a.pk}/restore/", {"reason": REASON, "confirm": "on"}, follow=True)
    text = done.content.decode()
    assert "The case was restored: Under treatment again. Contacts back on the lists: 2" in text
    assert 'id="restore"' not in text and 'id="withdraw"' in text
    # A second click: the case stands, its page says there is nothing to restore.
    again = client.post(f"/en/cases/{case_a.pk}/restore/", {"reason": REASON, "confirm": "on"}, follow=True)
    assert "not withdrawn: there is nothing to restore" in again.content.decode()
    assert AuditLog.objects.filter(action="cases.case.restored").count() == 1


def test_the_page_in_vietnamese_says_what_came_back(outbreak, kim_tan_official, client):  # noqa: F811
    case_a = _withdrawn(outbreak, kim_tan_official)
    client.force_login(kim_tan_official)
    assert "Khôi phục ca bệnh" in client.get(f"/cases/{case_a.pk}/").content.decode()
    done = client.post(f"/cases/{case_a.pk}/restore/", {"reason": REASON, "confirm": "on"}, follow=True)
    assert "Đã khôi phục ca bệnh" in done.content.decode()


def test_a_refused_restore_comes_back_unticked_with_its_message(outbreak, kim_tan_official, client):  # noqa: F811
    case_a = _withdrawn(outbreak, kim_tan_official)
    case(kim_tan_official, outbreak["people"]["Ánh"])
    client.force_login(kim_tan_official)
    response = client.post(f"/en/cases/{case_a.pk}/restore/", {"reason": REASON, "confirm": "on"})
    text = response.content.decode()
    assert response.status_code == 409 and "of the same illness" in text and REASON in text
    form = text[text.index('id="restore"') :]
    form = form[: form.index("</form>")]
    assert 'name="confirm"' in form and "checked" not in form


@pytest.mark.parametrize("prefix", ["", "/en"])
@pytest.mark.parametrize("reason", ["", "   "])
def test_a_restore_without_a_reason_says_what_reason_is_asked(outbreak, kim_tan_official, client, prefix, reason):  # noqa: F811
    """The page's words are the API's (case_restore_reason_required), with an example, as the withdrawal's and the
    outcome undo's: until 2026-12-07 it said only "Trường này là bắt buộc." ("This field is required.")."""
    case_a = _withdrawn(outbreak, kim_tan_official)
    client.force_login(kim_tan_official)
    response = client.post(f"{prefix}/cases/{case_a.pk}/restore/", {"reason": reason, "confirm": "on"})
    text = response.content.decode()
    form = text[text.index('id="restore"') :]
    form = form[: form.index("</form>")]
    told = errors.CASE_RESTORE_REASON_REQUIRED.en if prefix else errors.CASE_RESTORE_REASON_REQUIRED.vi
    assert response.status_code == 400 and told.replace("'", "&#x27;") in form
    assert "bắt buộc" not in form and "This field is required" not in form
    assert Case.objects.get(pk=case_a.pk).status == Case.Status.WITHDRAWN


def test_another_communes_official_cannot_restore(outbreak, kim_tan_official, thach_lam_official, client):  # noqa: F811
    case_a = _withdrawn(outbreak, kim_tan_official)
    client.force_login(thach_lam_official)
    assert client.post(f"/cases/{case_a.pk}/restore/", {"reason": REASON, "confirm": "on"}).status_code == 404
    api = client.post(f"/api/v1/cases/{case_a.pk}/restore/", {"reason": REASON}, content_type="application/json")
    assert api.status_code == 404
    assert Case.objects.get(pk=case_a.pk).status == Case.Status.WITHDRAWN


# --- The API -------------------------------------------------------------------------------------------------------


def test_the_api_restores_says_what_it_did_and_refuses_plainly(outbreak, kim_tan_official, client):  # noqa: F811
    case_a = _withdrawn(outbreak, kim_tan_official)
    client.force_login(kim_tan_official)
    url = f"/api/v1/cases/{case_a.pk}/restore/"
    refused = client.post(url, {}, content_type="application/json")
    assert refused.status_code == 400 and refused.json()["code"] == "case_restore_reason_required"
    done = client.post(url, {"reason": REASON}, content_type="application/json")
    body = done.json()
    assert done.status_code == 200 and body["case"]["status"] == "under_treatment"
    assert body["case"]["withdrawn_reason"] == ""
    assert body["contacts_back"] == 2 and body["notices_republished"] >= 1 and body["notices_kept_back"] == 0
    assert body["contacts_found"] == 5 and body["links_added"] == 0
    again = client.post(url, {"reason": REASON}, content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "case_status_transition"


def test_the_api_repeated_with_its_idempotency_key_reads_the_case_again(outbreak, kim_tan_official, client):  # noqa: F811
    case_a = _withdrawn(outbreak, kim_tan_official)
    client.force_login(kim_tan_official)
    url, body = f"/api/v1/cases/{case_a.pk}/restore/", json.dumps({"reason": REASON})
    first = client.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="restore-0001")
    assert first.status_code == 200
    reads = AuditLog.objects.filter(actor=kim_tan_official, action="cases.case.viewed")
    before = reads.count()
    again = client.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="restore-0001")
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert reads.count() == before + 1  # read again, audited
    assert AuditLog.objects.filter(action="cases.case.restored").count() == 1
    stored = json.dumps(IdempotencyKey.objects.get(key="restore-0001").response_body, ensure_ascii=False)
    assert "Ánh" not in stored and case_a.person.phone not in stored


def test_the_api_schema_documents_the_restore(client, kim_tan_official):
    client.force_login(kim_tan_official)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/v1/cases/{case_id}/restore/"]["post"]
    assert operation["operationId"] == "cases_restore" and "case_restore_closed" in operation["description"]
    assert "Idempotency-Key" in [p["name"] for p in operation.get("parameters", []) if p.get("in") == "header"]
    assert {"400", "404", "409"} <= set(operation["responses"])
    output = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    fields = schema["components"]["schemas"][output]["properties"]
    assert {"case", "contacts_back", "notices_republished", "notices_kept_back", "links_added"} <= set(fields)


# --- Cases withdrawn before cases migration 0037 -------------------------------------------------------------------


def _withdrawn_before_0037(outbreak, official, *, kept_back: int = 0):  # noqa: F811
    """A's withdrawal as the code before 0037 left it: no status kept, its notices unpublished and not marked."""
    case_a = outbreak["a"]
    for notice in ExposureNotice.objects.filter(case=case_a)[:kept_back]:
        services.exposure_notice_publication_set(actor=official, notice=notice, published=False)
    services.case_withdraw(actor=official, case=case_a, reason="RT-PCR âm tính")
    Case.objects.filter(pk=case_a.pk).update(withdrawn_from="")
    ExposureNotice.objects.filter(case=case_a).update(withdrawn_with_case=False)
    return case_a


def _migrate_0037():
    import importlib

    from django.apps import apps

    importlib.import_module("phongdich.cases.migrations.0037_case_restore").withdrawals_read_again(apps, None)


def test_0037_reads_older_withdrawals_again_and_the_restore_republishes(outbreak, kim_tan_official):  # noqa: F811
    case_a = _withdrawn_before_0037(outbreak, kim_tan_official)
    notices = ExposureNotice.objects.filter(case=case_a).count()

    _migrate_0037()

    case_a.refresh_from_db()
    assert case_a.withdrawn_from == Case.Status.UNDER_TREATMENT
    assert ExposureNotice.objects.filter(case=case_a, withdrawn_with_case=True).count() == notices
    outcome = services.case_restore(actor=kim_tan_official, case=case_a, reason=REASON)
    assert outcome.case.status == Case.Status.UNDER_TREATMENT and outcome.notices_republished == notices


def test_0037_marks_no_notice_when_the_log_cannot_say_which(outbreak, tree, kim_tan_official):  # noqa: F811
    """One notice of two kept back by an official before the withdrawal: the log counts one taken off, not which."""
    second = checkin(outbreak["people"]["Ánh"], outbreak["school"], local(timezone.localdate() - dt.timedelta(2), 16))
    from ..tracing import case_trace_checkins

    case_trace_checkins(case=outbreak["a"], actor=kim_tan_official)
    assert second and ExposureNotice.objects.filter(case=outbreak["a"]).count() == 2
    case_a = _withdrawn_before_0037(outbreak, kim_tan_official, kept_back=1)

    _migrate_0037()

    assert not ExposureNotice.objects.filter(case=case_a, withdrawn_with_case=True).exists()
    outcome = services.case_restore(actor=kim_tan_official, case=case_a, reason=REASON)
    assert (outcome.notices_republished, outcome.notices_kept_back) == (0, 2)
