"""A dismissed contact linked again after the dismissal (docs/cases.md, "New evidence since a dismissal"): the
dismissal stands (a dismissal is the person's), but the evidence added since is told where officials look, on the
contact's page, on the case page's row of the case that added it, on the work list (its `dismissed_new_evidence`
filter and a line above the list), in its export and in the API; another area's case by no number.

The demo's Hoàng Thanh Ngọc: dismissed for BN-38-000007 ("ngồi phòng khác"), then traced as an F1 of BN-38-000001 at
another venue and time, and nothing said so."""

import datetime as dt

import pytest
from django.utils import timezone

from phongdich.core.errors import ApplicationError
from phongdich.core.models import AuditLog
from phongdich.core.testing import download_export

from .. import selectors, services
from ..models import Contact, ContactLink
from .builders import case, checkin, link, local, person, venue

NEW_EVIDENCE = "Căn cứ mới sau khi loại (New evidence since the dismissal)"


def _dismissed(contact: Contact, actor, reason: str = "ngồi phòng khác") -> Contact:
    # The evidence so far written two hours ago, the dismissal an hour ago: the evidence the tests add "later" is
    # later however fast the machine is.
    ContactLink.objects.filter(contact=contact).update(created_at=timezone.now() - dt.timedelta(hours=2))
    services.contact_status_set(actor=actor, contact=contact, status="dismissed", reason=reason)
    Contact.objects.filter(pk=contact.pk).update(status_changed_at=timezone.now() - dt.timedelta(hours=1))
    return Contact.objects.get(pk=contact.pk)


@pytest.fixture
def ngoc(tree, kim_tan_official):
    """Ngọc, an F1 of case A dismissed, then linked as an F1 of case B (both of Kim Tân); Bảo, dismissed from case A
    with nothing since."""
    kim_tan = tree["kim_tan"]
    first = case(kim_tan_official, person(kim_tan, "Ca Bảy"))
    later = case(kim_tan_official, person(kim_tan, "Ca Một"), days_ago=2)
    found, _ = link(person(kim_tan, "Hoàng Thanh Ngọc"), first)
    contact = _dismissed(found.contact, kim_tan_official)
    other, _ = link(person(kim_tan, "Trần Văn Bảo"), first)
    _dismissed(other.contact, kim_tan_official, "không có mặt")
    new, _ = link(contact.person, later)
    return {"contact": contact, "first": first, "later": later, "new": new, "other": other.contact}


# --- The selectors -------------------------------------------------------------------------------------------


def test_evidence_added_after_a_dismissal_is_told_and_the_dismissal_stands(ngoc, kim_tan_official):
    contact = Contact.objects.get(pk=ngoc["contact"].pk)
    assert contact.status == "dismissed"  # a dismissal is the person's
    found = selectors.dismissed_new_evidence(viewer=kim_tan_official, contacts=[contact, ngoc["other"]])
    assert list(found) == [contact.pk]
    [one] = found[contact.pk]
    assert (one.link, one.case, one.level) == (ngoc["new"].pk, ngoc["later"].number, 1)
    listed = selectors.contact_worklist(viewer=kim_tan_official, status="dismissed_new_evidence")
    assert [c.pk for c in listed] == [contact.pk]
    assert selectors.dismissed_new_evidence_count(viewer=kim_tan_official) == 1


def test_the_evidence_the_dismissal_judged_is_no_new_evidence(ngoc, kim_tan_official):
    other = ngoc["other"]
    assert selectors.dismissed_new_evidence(viewer=kim_tan_official, contacts=[other]) == {}
    # The same case traced again brings its link up to date, not a new one: still nothing new.
    link(other.person, ngoc["first"], key=other.links.get().evidence_key)
    assert selectors.dismissed_new_evidence(viewer=kim_tan_official, contacts=[other]) == {}


def test_evidence_of_a_withdrawn_case_is_no_new_evidence(ngoc, kim_tan_official):
    services.case_withdraw(actor=kim_tan_official, case=ngoc["later"], reason="Nhập nhầm kết quả")
    assert selectors.dismissed_new_evidence(viewer=kim_tan_official, contacts=[ngoc["contact"]]) == {}
    assert not selectors.contact_worklist(viewer=kim_tan_official, status="dismissed_new_evidence").exists()


def test_confirming_the_contact_again_ends_the_review(ngoc, kim_tan_official):
    services.contact_status_set(actor=kim_tan_official, contact=ngoc["contact"], status="confirmed")
    contact = Contact.objects.get(pk=ngoc["contact"].pk)
    assert selectors.dismissed_new_evidence(viewer=kim_tan_official, contacts=[contact]) == {}
    assert selectors.dismissed_new_evidence_count(viewer=kim_tan_official) == 0


def test_a_later_dismissal_judges_the_evidence_before_it(ngoc, kim_tan_official):
    services.contact_status_set(actor=kim_tan_official, contact=ngoc["contact"], status="confirmed")
    contact = Contact.objects.get(pk=ngoc["contact"].pk)
    services.contact_status_set(actor=kim_tan_official, contact=contact, status="dismissed", reason="đã xác minh lại")
    assert selectors.dismissed_new_evidence_count(viewer=kim_tan_official) == 0


# --- The pages -----------------------------------------------------------------------------------------------


def test_the_contact_page_tells_the_new_evidence_by_the_confirm_action(client, ngoc, kim_tan_official):
    client.force_login(kim_tan_official)
    page = client.get(f"/cases/contacts/{ngoc['contact'].pk}/").content.decode()
    assert 'id="new-evidence"' in page
    note = page.split('id="new-evidence"')[1].split("</div>")[0]
    assert ngoc["later"].number in note and ngoc["first"].number not in note
    assert 'value="confirmed"' in page.split('id="status"')[1]  # the way to act on it, in the same card
    quiet = client.get(f"/cases/contacts/{ngoc['other'].pk}/").content.decode()
    assert 'id="new-evidence"' not in quiet


def test_the_case_page_marks_the_row_of_the_case_that_added_the_evidence(client, ngoc, kim_tan_official):
    client.force_login(kim_tan_official)
    later = client.get(f"/cases/{ngoc['later'].pk}/").content.decode()
    assert later.count('class="status new-evidence"') == 1
    first = client.get(f"/cases/{ngoc['first'].pk}/").content.decode()
    assert 'class="status new-evidence"' not in first  # its evidence is what the dismissal judged


def test_the_work_list_finds_them_by_a_filter_and_a_line_above_the_list(client, ngoc, kim_tan_official):
    client.force_login(kim_tan_official)
    page = client.get("/cases/worklist/").content.decode()
    assert 'id="dismissed-new-evidence"' in page and "status=dismissed_new_evidence" in page
    listed = client.get("/cases/worklist/?status=dismissed_new_evidence").content.decode()
    assert "Hoàng Thanh Ngọc" in listed and "Trần Văn Bảo" not in listed
    # The line counts as the list it links to would: of the level filtered (Ngọc is an F1).
    assert 'id="dismissed-new-evidence"' not in client.get("/cases/worklist/?level=2").content.decode()
    services.contact_status_set(actor=kim_tan_official, contact=ngoc["contact"], status="confirmed")
    assert 'id="dismissed-new-evidence"' not in client.get("/cases/worklist/").content.decode()


def test_the_export_of_that_filter_names_the_new_evidence(
    client, ngoc, kim_tan_official, django_capture_on_commit_callbacks
):
    client.force_login(kim_tan_official)
    _, workbook = download_export(
        client, "/cases/worklist/export/?status=dismissed_new_evidence", capture=django_capture_on_commit_callbacks
    )
    sheet = workbook.worksheets[0]
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    header = [cell.value for cell in sheet[1]]
    rows = [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert [row["Họ tên (Name)"] for row in rows] == ["Hoàng Thanh Ngọc"]
    assert rows[0][NEW_EVIDENCE].startswith(f"{ngoc['later'].number} (F1), ")


# --- The API -------------------------------------------------------------------------------------------------


def test_the_api_gives_the_flag_and_the_links(client, ngoc, kim_tan_official):
    client.force_login(kim_tan_official)
    body = client.get(f"/api/v1/contacts/{ngoc['contact'].pk}/").json()
    assert body["new_evidence_since_dismissal"] is True
    assert [(one["link"], one["case"], one["level"]) for one in body["new_evidence"]] == [
        (ngoc["new"].pk, ngoc["later"].number, 1)
    ]
    quiet = client.get(f"/api/v1/contacts/{ngoc['other'].pk}/").json()
    assert quiet["new_evidence_since_dismissal"] is False and quiet["new_evidence"] == []
    listed = client.get("/api/v1/contacts/worklist/?status=dismissed_new_evidence").json()
    assert [(row["id"], row["new_evidence_since_dismissal"]) for row in listed["results"]] == [
        (ngoc["contact"].pk, True)
    ]


def test_the_api_refuses_a_malformed_filter_as_before(client, ngoc, kim_tan_official):
    client.force_login(kim_tan_official)
    bad = client.get("/api/v1/contacts/worklist/?status=dismissed_new&level=9")
    assert bad.status_code == 400
    body = bad.json()
    assert body["code"] == "cases_invalid_filter" and set(body["extra"]["fields"]) == {"status", "level"}


# --- Another area's case ---------------------------------------------------------------------------------------


def test_another_areas_case_is_told_without_its_number(client, tree, kim_tan_official, thach_lam_official):
    """Ngọc lives in Kim Tân; the case that names her later is Thạch Lâm's: Kim Tân is told of new evidence, not the
    number of a case it does not see."""
    kim_tan = tree["kim_tan"]
    first = case(kim_tan_official, person(kim_tan, "Ca Bảy"))
    elsewhere = case(thach_lam_official, person(tree["thach_lam"], "Ca Thạch Lâm"), days_ago=2)
    found, _ = link(person(kim_tan, "Hoàng Thanh Ngọc"), first)
    contact = _dismissed(found.contact, kim_tan_official)
    new, _ = link(contact.person, elsewhere)
    [one] = selectors.dismissed_new_evidence(viewer=kim_tan_official, contacts=[contact])[contact.pk]
    assert (one.link, one.case, one.case_id) == (new.pk, "", None)
    client.force_login(kim_tan_official)
    page = client.get(f"/cases/contacts/{contact.pk}/").content.decode()
    note = page.split('id="new-evidence"')[1].split("</div>")[0]
    assert elsewhere.number not in note and "F1" in note
    body = client.get(f"/api/v1/contacts/{contact.pk}/").json()
    assert body["new_evidence_since_dismissal"] is True and body["new_evidence"][0]["case"] is None
    listed = client.get("/api/v1/contacts/worklist/?status=dismissed_new_evidence").json()["results"]
    assert [row["new_evidence"][0]["case"] for row in listed] == [None]
    # Thạch Lâm sees neither the contact (not of its area) nor, on its work list, anyone.
    client.force_login(thach_lam_official)
    assert client.get(f"/api/v1/contacts/{contact.pk}/").status_code == 404
    assert client.get("/api/v1/contacts/worklist/?status=dismissed_new_evidence").json()["results"] == []


# --- A trace that adds it --------------------------------------------------------------------------------------


def test_a_trace_that_links_a_dismissed_contact_says_so_on_the_case_page(client, tree, kim_tan_official):
    kim_tan = tree["kim_tan"]
    first = case(kim_tan_official, person(kim_tan, "Ca Bảy"))
    found, _ = link(person(kim_tan, "Hoàng Thanh Ngọc"), first)
    contact = _dismissed(found.contact, kim_tan_official)
    patient, market = person(kim_tan, "Ca Một"), venue(kim_tan)
    at = local(timezone.localdate() - dt.timedelta(days=1), 9)
    checkin(patient, market, at)
    checkin(contact.person, market, at + dt.timedelta(minutes=10))
    later = case(kim_tan_official, patient)
    client.force_login(kim_tan_official)
    page = client.post(f"/cases/{later.pk}/", {"case_form": "trace"}, follow=True).content.decode()
    assert "1 người đã loại có căn cứ mới từ ca này sau khi loại" in page
    assert Contact.objects.get(pk=contact.pk).status == "dismissed"
    # Traced again: still to review, and said again.
    again = client.post(f"/cases/{later.pk}/", {"case_form": "trace"}, follow=True).content.decode()
    assert "1 người đã loại có căn cứ mới từ ca này sau khi loại" in again


# --- Keeping the dismissal after review ------------------------------------------------------------------------
# Reviewed, and still no contact: the dismissal is kept with the review's reason and the evidence reviewed is no
# longer new (services.contact_dismissal_keep). Until 2026-12-07 only confirming them took a contact off the filter.

KEPT = "gọi lại: không đến chợ hôm đó"


def _audits(action: str = "cases.contact.dismissal_kept"):
    return AuditLog.objects.filter(action=action)


def test_keeping_the_dismissal_clears_the_flag_and_keeps_the_status(ngoc, kim_tan_official):
    kept = services.contact_dismissal_keep(actor=kim_tan_official, contact=ngoc["contact"], reason=f"  {KEPT}\n ")
    contact = Contact.objects.get(pk=ngoc["contact"].pk)
    assert (contact.status, contact.dismissed_reason) == ("dismissed", KEPT)
    assert contact.status_changed_by == kim_tan_official and contact.status_changed_at == kept.status_changed_at
    assert selectors.dismissed_new_evidence(viewer=kim_tan_official, contacts=[contact]) == {}
    assert not selectors.contact_worklist(viewer=kim_tan_official, status="dismissed_new_evidence").exists()
    assert selectors.dismissed_new_evidence_count(viewer=kim_tan_official) == 0
    [entry] = _audits()
    assert (entry.actor, entry.object_id) == (kim_tan_official, str(contact.pk))
    assert entry.extra["reason"] == KEPT and entry.extra["reason_before"] == "ngồi phòng khác"
    assert entry.extra["links"] == [{"link": ngoc["new"].pk, "case": ngoc["later"].number, "level": 1}]


def test_evidence_added_after_the_review_is_told_again(ngoc, tree, kim_tan_official):
    services.contact_dismissal_keep(actor=kim_tan_official, contact=ngoc["contact"], reason=KEPT)
    third = case(kim_tan_official, person(tree["kim_tan"], "Ca Ba"), days_ago=1)
    newer, _ = link(ngoc["contact"].person, third)
    contact = Contact.objects.get(pk=ngoc["contact"].pk)
    [one] = selectors.dismissed_new_evidence(viewer=kim_tan_official, contacts=[contact])[contact.pk]
    assert one.link == newer.pk


@pytest.mark.parametrize("reason", ["", "   \n "])
def test_keeping_the_dismissal_takes_a_reason(ngoc, kim_tan_official, reason):
    with pytest.raises(ApplicationError) as refused:
        services.contact_dismissal_keep(actor=kim_tan_official, contact=ngoc["contact"], reason=reason)
    assert refused.value.code == "contact_dismissal_keep_reason_required"
    assert refused.value.status == 400 and refused.value.extra["field"] == "reason"
    contact = Contact.objects.get(pk=ngoc["contact"].pk)
    assert contact.dismissed_reason == "ngồi phòng khác" and not _audits().exists()
    assert selectors.dismissed_new_evidence(viewer=kim_tan_official, contacts=[contact])


def test_a_reason_longer_than_a_dismissals_is_refused(ngoc, kim_tan_official):
    with pytest.raises(ApplicationError) as refused:
        services.contact_dismissal_keep(
            actor=kim_tan_official, contact=ngoc["contact"], reason="x" * (services.REASON_MAX + 1)
        )
    assert refused.value.code == "invalid_input" and refused.value.extra["max_length"] == services.REASON_MAX
    assert not _audits().exists()


def test_a_dismissal_with_no_new_evidence_is_not_kept(ngoc, kim_tan_official):
    with pytest.raises(ApplicationError) as refused:
        services.contact_dismissal_keep(actor=kim_tan_official, contact=ngoc["other"], reason=KEPT)
    assert (refused.value.code, refused.value.status) == ("contact_no_new_evidence", 409)
    assert Contact.objects.get(pk=ngoc["other"].pk).dismissed_reason == "không có mặt" and not _audits().exists()


def test_a_contact_not_dismissed_has_no_dismissal_to_keep(ngoc, kim_tan_official):
    services.contact_status_set(actor=kim_tan_official, contact=ngoc["contact"], status="confirmed")
    with pytest.raises(ApplicationError) as refused:
        services.contact_dismissal_keep(actor=kim_tan_official, contact=ngoc["contact"], reason=KEPT)
    assert (refused.value.code, refused.value.extra["from"]) == ("contact_status_transition", "confirmed")
    assert Contact.objects.get(pk=ngoc["contact"].pk).status == "confirmed" and not _audits().exists()


def test_the_contact_page_keeps_the_dismissal_from_the_note(client, ngoc, kim_tan_official):
    client.force_login(kim_tan_official)
    url = f"/cases/contacts/{ngoc['contact'].pk}/"
    note = client.get(url).content.decode().split('id="new-evidence"')[1]
    assert 'name="contact_form" value="dismissal_keep"' in note.split("</form>")[0]
    done = client.post(url, {"contact_form": "dismissal_keep", "reason": KEPT}, follow=True)
    page = done.content.decode()
    assert done.status_code == 200 and done.redirect_chain[-1][0].startswith(url)
    assert "Đã giữ việc loại sau khi xem xét" in page
    assert 'id="new-evidence"' not in page and KEPT in page
    assert Contact.objects.get(pk=ngoc["contact"].pk).status == "dismissed" and _audits().count() == 1


def test_the_contact_page_tells_a_refusal_in_the_note_with_what_was_typed(client, ngoc, kim_tan_official):
    client.force_login(kim_tan_official)
    url = f"/cases/contacts/{ngoc['contact'].pk}/"
    empty = client.post(url, {"contact_form": "dismissal_keep", "reason": "  "})
    assert empty.status_code == 400
    note = empty.content.decode().split('id="new-evidence"')[1].split("</form>")[0]
    assert "Cần ghi lý do giữ việc loại sau khi xem xét căn cứ mới" in note
    long = "quá dài " * 80
    refused = client.post(url, {"contact_form": "dismissal_keep", "reason": long})
    assert refused.status_code == 400
    note = refused.content.decode().split('id="new-evidence"')[1].split("</form>")[0]
    assert long.strip() in note and "500" in note
    # Nothing new to review (another official kept it meanwhile): said where the note was.
    quiet = client.post(
        f"/cases/contacts/{ngoc['other'].pk}/", {"contact_form": "dismissal_keep", "reason": KEPT}
    ).content.decode()
    assert 'id="dismissal-keep-refused"' in quiet and "Không có căn cứ mới nào sau khi loại người này" in quiet
    assert not _audits().exists()


def test_another_area_cannot_keep_the_dismissal(client, ngoc, thach_lam_official):
    client.force_login(thach_lam_official)
    page = client.post(f"/cases/contacts/{ngoc['contact'].pk}/", {"contact_form": "dismissal_keep", "reason": KEPT})
    assert page.status_code == 404
    api = client.post(
        f"/api/v1/contacts/{ngoc['contact'].pk}/dismissal-keep/", {"reason": KEPT}, content_type="application/json"
    )
    assert api.status_code == 404
    assert Contact.objects.get(pk=ngoc["contact"].pk).dismissed_reason == "ngồi phòng khác"
    assert not _audits().exists()


def test_the_api_keeps_the_dismissal(client, ngoc, kim_tan_official):
    client.force_login(kim_tan_official)
    url = f"/api/v1/contacts/{ngoc['contact'].pk}/dismissal-keep/"
    refused = client.post(url, {}, content_type="application/json")
    assert refused.status_code == 400 and refused.json()["code"] == "contact_dismissal_keep_reason_required"
    done = client.post(url, {"reason": KEPT}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="keep-0001")
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["dismissed_reason"]) == ("dismissed", KEPT)
    detail = client.get(f"/api/v1/contacts/{ngoc['contact'].pk}/").json()
    assert detail["new_evidence_since_dismissal"] is False and detail["new_evidence"] == []
    # The same key again reads the contact again; another request is refused, nothing being new any more.
    again = client.post(url, {"reason": KEPT}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="keep-0001")
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    other = client.post(url, {"reason": KEPT}, content_type="application/json")
    assert other.status_code == 409 and other.json()["code"] == "contact_no_new_evidence"
    assert _audits().count() == 1
    unknown = client.post(url, {"reason": KEPT, "status": "confirmed"}, content_type="application/json")
    assert unknown.status_code == 400


def test_the_api_schema_lists_the_keeping_with_its_idempotency_key(client, kim_tan_official):
    client.force_login(kim_tan_official)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/v1/contacts/{contact_id}/dismissal-keep/"]["post"]
    assert operation["operationId"] == "contacts_dismissal_keep"
    assert "Idempotency-Key" in [p["name"] for p in operation.get("parameters", []) if p.get("in") == "header"]
    assert {"400", "404", "409"} <= set(operation["responses"])
    assert "contact_no_new_evidence" in operation["description"]
