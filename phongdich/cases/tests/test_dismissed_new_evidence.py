"""A dismissed contact linked again after the dismissal (docs/cases.md, "New evidence since a dismissal"): the
dismissal stands (a dismissal is the person's), but the evidence added since is told where officials look, on the
contact's page, on the case page's row of the case that added it, on the work list (its `dismissed_new_evidence`
filter and a line above the list), in its export and in the API; another area's case by no number.

The demo's Hoàng Thanh Ngọc: dismissed for BN-38-000007 ("ngồi phòng khác"), then traced as an F1 of BN-38-000001 at
another venue and time, and nothing said so."""

import datetime as dt

import pytest
from django.utils import timezone

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
