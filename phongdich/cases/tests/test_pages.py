"""The pages: case entry (found or new person), the case page with its evidence, contacts, the work list and its
export, per-area counts and clusters and their graph (the public exposure notices: test_exposures.py)."""

import datetime as dt
import importlib.util
import io
import re

import pytest
from django.utils import timezone, translation
from django.utils.html import escape
from openpyxl import load_workbook

from phongdich.core.errors import ApplicationError
from phongdich.core.models import AuditLog
from phongdich.core.testing import assert_formula_safe, download_export, download_export_bytes
from phongdich.people.models import Person
from phongdich.venues.forms import VenueByNameMixin

from .. import errors, services, views
from ..models import Case, Cluster, Contact, ContactLink
from ..selectors import (
    area_counts_by_child,
    area_counts_by_commune,
    cluster_graph,
    cluster_list,
    contact_worklist,
    graph_summary_label,
)
from .builders import case, checkin, link, local, official, person, venue

TODAY = timezone.localdate
HAS_TRACER = importlib.util.find_spec("phongdich.cases.tracing") is not None


def test_case_entry_for_a_person_found_in_the_area(client, tree, kim_tan_official):
    who = person(tree["kim_tan"], "Hoàng Văn Bệnh", phone="+84912000111")
    client.force_login(kim_tan_official)
    found = client.get("/cases/new/", {"q": "hoang van benh"}).content.decode()
    assert f"?person={who.pk}" in found
    form = client.get("/cases/new/", {"person": who.pk})
    assert "Hoàng Văn Bệnh" in form.content.decode()
    response = client.post(
        "/cases/new/",
        {
            "person": who.pk,
            "sample_date": str(TODAY() - dt.timedelta(days=1)),
            "test_type": "pcr",
            "onset_date": str(TODAY() - dt.timedelta(days=2)),
            "isolation_place": "Bệnh viện huyện",
        },
    )
    entered = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/cases/{entered.pk}/"
    assert entered.investigator == kim_tan_official and entered.person == who
    page = client.get(f"/cases/{entered.pk}/").content.decode()
    assert entered.number in page and "CV 1909/BYT-DP" in page


def test_case_entry_for_a_quarantined_f1_is_prefilled_from_the_contact_evidence(client, tree, kim_tan_official):
    """The form offers what a case opened by a positive result takes (selectors.contact_case_defaults): the first
    contact with the one case the person is a confirmed F1 of, that case, and the end of the day the quarantine
    began; the official keeps what they type."""
    source = case(kim_tan_official, person(tree["kim_tan"], "Trần Văn Nguồn", phone="+84912000112"), days_ago=4)
    who = person(tree["kim_tan"], "Hoàng Văn Bệnh", phone="+84912000111")
    (found, _) = link(who, source, exposure_start=local(TODAY() - dt.timedelta(days=5), 19))
    services.contact_status_set(
        actor=kim_tan_official, contact=found.contact, status="quarantined", quarantine_start=TODAY() - dt.timedelta(3)
    )
    client.force_login(kim_tan_official)

    form = client.get("/cases/new/", {"person": who.pk}).context["form"]

    assert form.initial["source_exposure_date"] == TODAY() - dt.timedelta(days=5)
    assert form.initial["infected_by"] == source.number
    assert form.initial["isolated_at"] == timezone.localtime(local(TODAY() - dt.timedelta(days=2), 0))
    nobody = person(tree["kim_tan"], "Lê Thị Khác", phone="+84912000113")
    assert "source_exposure_date" not in client.get("/cases/new/", {"person": nobody.pk}).context["form"].initial


def test_case_entry_with_a_new_person_writes_both_or_neither(client, tree, kim_tan_official):
    client.force_login(kim_tan_official)
    body = {
        "new-full_name": "Đinh Thị Mới",
        "new-birth_year": "1990",
        "new-phone": "0912345670",
        "new-address_area": tree["kim_tan"].pk,
        "test_type": "pcr",
        "sample_date": "",  # missing: nothing may be written, not even the person
    }
    response = client.post("/cases/new/", body)
    assert response.status_code == 400 and "Thiếu ngày lấy mẫu" in response.content.decode()
    assert not Person.objects.filter(full_name="Đinh Thị Mới").exists() and not Case.objects.exists()
    response = client.post("/cases/new/", {**body, "sample_date": str(TODAY())})
    assert response.status_code == 302
    assert Case.objects.get().person.full_name == "Đinh Thị Mới"


def _form_nonce(html: str) -> str:
    return re.search(r'name="nonce" value="([^"]+)"', html).group(1)


def test_case_entry_sent_twice_enters_one_person_and_one_case(client, tree, kim_tan_official):
    """A double click, or "send again" after a time-out: the form's nonce makes the second copy go to the case the
    first entered (found by Chromium: two people and two F0, BN-38-000009 and BN-38-000010)."""
    client.force_login(kim_tan_official)
    body = {
        "new-full_name": "Đỗ Văn Hai Lần",
        "new-birth_year": "1980",
        "new-address_area": tree["kim_tan"].pk,
        "test_type": "pcr",
        "sample_date": str(TODAY() - dt.timedelta(days=1)),
        "nonce": _form_nonce(client.get("/cases/new/").content.decode()),
    }
    first = client.post("/cases/new/", body)
    second = client.post("/cases/new/", body, follow=True)
    entered = Case.objects.get(person__full_name="Đỗ Văn Hai Lần")
    assert Person.objects.filter(full_name="Đỗ Văn Hai Lần").count() == 1
    assert first["Location"] == f"/cases/{entered.pk}/"
    assert second.redirect_chain == [(f"/cases/{entered.pk}/", 302)]
    assert "Biểu mẫu này đã được gửi" in second.content.decode()
    # The same nonce from another official is their own form: it is not sent to the first official's case.
    client.force_login(official(tree["kim_tan"], "yte_kimtan_2"))
    again = client.post("/cases/new/", body)
    assert again.status_code == 302 and again["Location"] != first["Location"]


def test_the_same_nonce_with_another_person_enters_that_persons_case_too(client, tree, kim_tan_official):
    """The back button brings the entry page back with its hidden nonce as it was; the official picks the next
    person and sends it. That is another entry, not the same form sent again: the claim keys what was sent too
    (the second case was swallowed, review of 2026-12-06)."""
    first, second = person(tree["kim_tan"], "Người Thứ Nhất"), person(tree["kim_tan"], "Người Thứ Hai")
    client.force_login(kim_tan_official)
    nonce = _form_nonce(client.get("/cases/new/").content.decode())
    sample = str(TODAY() - dt.timedelta(days=1))
    body = {"test_type": "pcr", "sample_date": sample, "nonce": nonce}
    assert client.post("/cases/new/", {**body, "person": first.pk}).status_code == 302
    client.post("/cases/new/", {**body, "person": second.pk})
    assert Case.objects.filter(person=second).exists(), "the second person's case was swallowed"
    assert client.post("/cases/new/", {**body, "person": second.pk})["Location"].startswith("/cases/")
    assert Case.objects.filter(person=second).count() == 1  # and that one, sent again, is still entered once


def test_the_same_cluster_nonce_with_another_name_makes_that_cluster_too(client, tree, kim_tan_official):
    client.force_login(kim_tan_official)
    nonce = _form_nonce(client.get("/cases/clusters/").content.decode())
    client.post("/cases/clusters/", {"name": "Ổ dịch chợ", "nonce": nonce})
    client.post("/cases/clusters/", {"name": "Ổ dịch trường học", "nonce": nonce})
    assert sorted(Cluster.objects.values_list("name", flat=True)) == ["Ổ dịch chợ", "Ổ dịch trường học"]


def test_entering_a_person_already_under_treatment_links_their_open_case(client, tree, kim_tan_official):
    """The second of two forms for a found person (another page, another nonce) is refused, and says which case is
    open instead of leaving the official to think the entry failed."""
    who = person(tree["kim_tan"], "Bùi Văn Tùng", phone="+84912000111")
    client.force_login(kim_tan_official)
    body = {"person": who.pk, "test_type": "pcr", "sample_date": str(TODAY() - dt.timedelta(days=1))}
    assert client.post("/cases/new/", {**body, "nonce": _form_nonce(client.get("/cases/new/").content.decode())})
    entered = Case.objects.get(person=who)
    refused = client.post("/cases/new/", {**body, "nonce": _form_nonce(client.get("/cases/new/").content.decode())})
    html = refused.content.decode()
    assert refused.status_code == 409 and "Người này đã là ca bệnh đang điều trị." in html
    assert f'href="/cases/{entered.pk}/"' in html and f"Ca bệnh đang mở {entered.number}" in html


def test_case_page_groups_f1_and_f2_with_their_evidence_and_a_click_confirms(client, tree, kim_tan_official):
    entered = case(kim_tan_official, person(tree["kim_tan"], "Ca Một"))
    market = venue(tree["kim_tan"])
    start = timezone.now() - dt.timedelta(hours=30)
    f1, _ = link(
        person(tree["kim_tan"], "Người Tiếp Xúc"),
        entered,
        venue=market,
        place=market.name,
        exposure_start=start,
        exposure_end=start + dt.timedelta(minutes=45),
        overlap_minutes=45,
        end_assumed=True,
    )
    link(person(tree["kim_tan"], "Người Thứ Hai"), entered, level=2, via=f1.contact, place="Quán nước")
    client.force_login(kim_tan_official)
    html = client.get(f"/cases/{entered.pk}/").content.decode()
    assert html.index("Người Tiếp Xúc") < html.index("Người Thứ Hai")
    assert "Chợ Kim Tân" in html and "45 phút" in html and "ước tính" in html  # "end assumed", in Vietnamese
    response = client.post(
        f"/cases/contacts/{f1.contact_id}/status/", {"status": "confirmed", "next": f"/cases/{entered.pk}/"}
    )
    assert response.status_code == 302 and response["Location"] == f"/cases/{entered.pk}/"
    assert Contact.objects.get(pk=f1.contact_id).status == "confirmed"


def test_case_page_lists_the_presences_in_the_window(client, tree, kim_tan_official):
    who = person(tree["kim_tan"])
    market = venue(tree["kim_tan"], "Chợ Thạch Thành")
    checkin(who, market, timezone.now() - dt.timedelta(days=1))
    checkin(who, venue(tree["kim_tan"], "Chợ Cũ"), timezone.now() - dt.timedelta(days=20))
    entered = case(kim_tan_official, who, days_ago=0, onset_days_ago=1)
    client.force_login(kim_tan_official)
    html = client.get(f"/cases/{entered.pk}/").content.decode()
    assert "Chợ Thạch Thành" in html and "Chợ Cũ" not in html


def test_dismiss_on_the_contact_page_needs_a_reason(client, tree, kim_tan_official):
    entered = case(kim_tan_official, person(tree["kim_tan"]))
    found, _ = link(person(tree["kim_tan"], "C"), entered)
    client.force_login(kim_tan_official)
    response = client.post(f"/cases/contacts/{found.contact_id}/status/", {"status": "dismissed"})
    assert response.status_code == 400 and "lý do" in response.content.decode()
    assert Contact.objects.get().status == "candidate"


def _status_buttons(html: str) -> dict[str, bool]:
    """Each status form's move and whether its button is disabled."""
    forms_ = re.findall(r'class="status-action status-(\w+)".*?<button([^>]*)>', html, flags=re.S)
    return {move: "disabled" in attributes for move, attributes in forms_}


def test_the_contact_page_shows_a_move_its_cases_refuse_disabled_with_the_reason(client, tree, kim_tan_official):
    """A dismissed contact whose person is a case under treatment: "Confirm" would be refused (contact_is_case),
    so the page shows it disabled with the reason, rather than a button that answers 409."""
    kim_tan = tree["kim_tan"]
    source = case(kim_tan_official, person(kim_tan, "Ca Nguồn"))
    neighbour = person(kim_tan, "Hàng Xóm")
    contact = link(neighbour, source)[0].contact
    fine = link(person(kim_tan, "Người Khác"), source)[0].contact
    services.contact_status_set(actor=kim_tan_official, contact=contact, status="dismissed", reason="Không có mặt")
    case(kim_tan_official, neighbour)
    client.force_login(kim_tan_official)

    html = client.get(f"/cases/contacts/{contact.pk}/").content.decode()
    assert _status_buttons(html) == {"confirmed": True}
    with translation.override("vi"):
        refusal = ApplicationError(errors.CONTACT_IS_CASE).as_dict()["message"]
    assert escape(refusal) in html
    assert _status_buttons(client.get(f"/cases/contacts/{fine.pk}/").content.decode()) == {
        "confirmed": False,
        "dismissed": False,
        "quarantined": False,
    }


def test_interview_form_adds_one_f1_even_when_submitted_twice(client, tree, kim_tan_official):
    entered = case(kim_tan_official, person(tree["kim_tan"]))
    spouse = person(tree["kim_tan"], "Vợ Của Ca")
    client.force_login(kim_tan_official)
    assert "Vợ Của Ca" in client.get(f"/cases/{entered.pk}/", {"iq": "vo cua ca"}).content.decode()
    body = {"person": spouse.pk, "setting": "household", "place": "Nhà", "nonce": "abcdefgh12345"}
    assert client.post(f"/cases/{entered.pk}/interview/", body).status_code == 302
    assert client.post(f"/cases/{entered.pk}/interview/", body).status_code == 302
    assert ContactLink.objects.filter(source="interview", contact__person=spouse).count() == 1


@pytest.mark.skipif(not HAS_TRACER, reason="cases.tracing is not installed yet")
def test_the_trace_button_finds_people_who_were_at_the_same_venue(client, tree, kim_tan_official):
    who = person(tree["kim_tan"], "Ca Chợ")
    other = person(tree["kim_tan"], "Người Đi Chợ")
    market = venue(tree["kim_tan"])
    at = local(TODAY() - dt.timedelta(days=1), 9)
    checkin(who, market, at, 60)
    checkin(other, market, at + dt.timedelta(minutes=10), 40)
    entered = case(kim_tan_official, who, days_ago=0, onset_days_ago=0)
    client.force_login(kim_tan_official)
    first = client.post(f"/cases/{entered.pk}/trace/", follow=True).content.decode()
    assert Contact.objects.filter(person=other, level=1).exists()
    assert "Người Đi Chợ" in client.get(f"/cases/{entered.pk}/").content.decode()
    # Which levels, and whether anything is new ("1 contact, 0 new evidence" read as a contradiction).
    assert "Truy vết xong: 1 F1 và 0 F2 qua quét mã; 1 căn cứ mới." in first
    again = client.post(f"/cases/{entered.pk}/trace/", follow=True).content.decode()
    assert "1 F1 và 0 F2 qua quét mã, tất cả đã được ghi từ lần truy vết trước." in again


@pytest.mark.skipif(not HAS_TRACER, reason="cases.tracing is not installed yet")
def test_the_trace_message_names_every_level_found(client, tree, kim_tan_official, settings):
    """With TRACING_MAX_LEVEL = 3 the trace writes F3: the message named only F1 and F2 ("1 F1 and 1 F2 ... 3 new
    pieces of evidence"), the F3 left unsaid."""
    settings.TRACING_MIN_OVERLAP_MINUTES = None
    settings.TRACING_OPEN_CHECKIN_BUFFER_MINUTES = {}
    settings.EXPOSURE_NOTICES_AUTO_PUBLISH = True
    settings.TRACING_MAX_LEVEL = 3
    kim_tan = tree["kim_tan"]
    market, shop, school = venue(kim_tan, "Chợ Kim Tân"), venue(kim_tan, "Quán Tư"), venue(kim_tan, "Trường")
    day = TODAY() - dt.timedelta(days=2)
    source, f1, f2, f3 = (person(kim_tan, name) for name in ("Nguồn", "Một", "Hai", "Ba"))
    checkin(source, market, local(day, 9))
    checkin(f1, market, local(day, 9, 10))
    checkin(f1, shop, local(day, 12))
    checkin(f2, shop, local(day, 12, 10))
    checkin(f2, school, local(day, 15))
    checkin(f3, school, local(day, 15, 10))
    entered = case(kim_tan_official, source)
    client.force_login(kim_tan_official)

    page = client.post(f"/cases/{entered.pk}/trace/", follow=True).content.decode()

    assert ContactLink.objects.filter(case=entered, level=3, contact__person=f3).exists()
    assert "F3" in page.split("Truy vết xong", 1)[1].split("<", 1)[0]
    assert "Truy vết xong: 1 F1, 1 F2 và 1 F3 qua quét mã; 3 căn cứ mới." in page
    with translation.override("en"):
        assert views._levels_found({1: 1, 3: 2}) == "1 F1, 0 F2 and 2 F3"


def export(client, query="", *, capture):
    return download_export(client, f"/cases/worklist/export/{query}", capture=capture)


def test_worklist_export_is_formula_safe_and_audited(
    client, tree, kim_tan_official, django_capture_on_commit_callbacks
):
    entered = case(kim_tan_official, person(tree["kim_tan"]))
    link(person(tree["kim_tan"], '=HYPERLINK("http://evil.example","x")'), entered)
    link(person(tree["thach_lam"], "Ngoài Xã"), entered)
    client.force_login(kim_tan_official)
    page = client.get("/cases/worklist/").content.decode()
    assert "HYPERLINK" in page and "Ngoài Xã" not in page
    assert client.get("/cases/worklist/export/")["Location"] == "/cases/worklist/"  # a GET exports nothing
    job_id, data = download_export_bytes(client, "/cases/worklist/export/", capture=django_capture_on_commit_callbacks)
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    names = [row[2] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert names == ['=HYPERLINK("http://evil.example","x")']  # as entered: no apostrophe to see
    assert_formula_safe(data, '=HYPERLINK("http://evil.example","x")')
    assert AuditLog.objects.filter(action="cases.contact.exported", actor=kim_tan_official).get().extra["rows"] == 1
    assert AuditLog.objects.filter(action="core.export.downloaded", object_id=str(job_id)).exists()


def test_a_place_with_a_control_character_does_not_fail_the_whole_worklist_export(
    client, tree, kim_tan_official, django_capture_on_commit_callbacks
):
    """One piece of evidence whose place holds a control character (an operator's cell id through telecom tracing,
    a name pasted from another program) made openpyxl raise IllegalCharacterError: the commune's whole export
    failed. The character is written as its control picture."""
    entered = case(kim_tan_official, person(tree["kim_tan"]))
    link(person(tree["kim_tan"], "Người Một"), entered)
    link(person(tree["kim_tan"], "Người Hai"), entered, place="Viettel KT\x0201")
    client.force_login(kim_tan_official)
    _job, workbook = export(client, capture=django_capture_on_commit_callbacks)
    rows = list(workbook.worksheets[0].iter_rows(min_row=2, values_only=True))
    assert sorted(row[2] for row in rows) == ["Người Hai", "Người Một"]
    assert any("Viettel KT\u240201" in str(value) for row in rows for value in row)


def test_a_long_worklist_export_is_whole(
    client, tree, kim_tan_official, django_capture_on_commit_callbacks, monkeypatch
):
    """Read in chunks (here of 2) and written with progress: every contact is in the file, none twice."""
    from phongdich.cases import exports as case_exports
    from phongdich.core.models import ExportJob

    monkeypatch.setattr(case_exports, "_CHUNK", 2)
    entered = case(kim_tan_official, person(tree["kim_tan"]))
    wanted = {f"Người {n}" for n in range(7)}
    for name in wanted:
        link(person(tree["kim_tan"], name), entered)
    client.force_login(kim_tan_official)
    job_id, workbook = export(client, capture=django_capture_on_commit_callbacks)
    names = [row[2] for row in workbook.worksheets[0].iter_rows(min_row=2, values_only=True)]
    assert sorted(names) == sorted(wanted)
    job = ExportJob.objects.get(pk=job_id)
    assert (job.status, job.rows_done, job.rows_total) == ("done", 7, 7)


def test_a_built_worklist_export_is_not_served_once_its_requester_left_the_area(
    client, tree, kim_tan_official, django_capture_on_commit_callbacks
):
    """The file is built with the requester's scope, then kept EXPORT_KEEP_HOURS: an official moved to Thạch Lâm no
    longer gets Kim Tân's contacts (names, phones, citizen ids) from it, nor its page, nor a line in "My exports"."""
    from phongdich.accounts.models import Official

    entered = case(kim_tan_official, person(tree["kim_tan"], "Lê Văn Ca"))
    link(person(tree["kim_tan"], "Trần Thị Tiếp"), entered)
    client.force_login(kim_tan_official)
    job_id, workbook = export(client, capture=django_capture_on_commit_callbacks)
    assert [row[2] for row in workbook.worksheets[0].iter_rows(min_row=2, values_only=True)] == ["Trần Thị Tiếp"]
    Official.objects.filter(user=kim_tan_official).update(area=tree["thach_lam"])
    assert "Trần Thị Tiếp" not in client.get("/cases/worklist/").content.decode()
    assert client.get(f"/exports/{job_id}/file/").status_code == 404
    assert client.get(f"/exports/{job_id}/").status_code == 404
    assert f'href="/exports/{job_id}/"' not in client.get("/exports/").content.decode()
    # Moved up to the district, which contains Kim Tân: theirs again.
    Official.objects.filter(user=kim_tan_official).update(area=tree["district"])
    assert client.get(f"/exports/{job_id}/file/").status_code == 200


def test_a_built_worklist_export_is_not_served_once_the_role_was_withdrawn(
    client, tree, kim_tan_official, django_capture_on_commit_callbacks
):
    from phongdich.accounts.models import Official

    entered = case(kim_tan_official, person(tree["kim_tan"], "Lê Văn Ca"))
    link(person(tree["kim_tan"], "Trần Thị Tiếp"), entered)
    client.force_login(kim_tan_official)
    job_id, _workbook = export(client, capture=django_capture_on_commit_callbacks)
    Official.objects.filter(user=kim_tan_official).update(is_active=False)
    assert client.get("/cases/worklist/").status_code == 403
    assert client.get(f"/exports/{job_id}/file/").status_code == 404
    # Given a role that does not see people (venue staff), in the same commune: still not theirs.
    Official.objects.filter(user=kim_tan_official).update(is_active=True, role=Official.Role.VENUE_STAFF)
    assert client.get(f"/exports/{job_id}/file/").status_code == 404


def test_a_worklist_export_keeps_the_page_filters(client, tree, kim_tan_official, django_capture_on_commit_callbacks):
    entered = case(kim_tan_official, person(tree["kim_tan"]))
    link(person(tree["kim_tan"], "Một Một"), entered)
    link(person(tree["kim_tan"], "Hai Hai", phone="+84912000222"), entered, level=2)
    client.force_login(kim_tan_official)
    _, workbook = export(client, "?level=2", capture=django_capture_on_commit_callbacks)
    rows = list(workbook.worksheets[0].iter_rows(min_row=2, values_only=True))
    assert [(row[1], row[2], row[4], row[7]) for row in rows] == [("F2", "Hai Hai", "0912000222", "Cần xác minh")]


def test_worklist_export_tells_where_why_and_level_in_vietnamese_dates(
    client, tree, kim_tan_official, django_capture_on_commit_callbacks
):
    entered = case(kim_tan_official, person(tree["kim_tan"]))
    second = case(kim_tan_official, person(tree["kim_tan"], "Ca Hai"))
    market, day = venue(tree["kim_tan"], "Chợ Kim Tân"), TODAY() - dt.timedelta(days=1)
    who = person(tree["kim_tan"], "Người Đi Chợ")
    visit = {"exposure_start": local(day, 10), "exposure_end": local(day, 11, 30)}
    link(who, entered, venue=market, place="Chợ Kim Tân", **visit)
    link(who, second, level=2, source="interview", setting="household", key="interview:1")
    Contact.objects.filter(person=who).update(quarantine_start=day, quarantine_end=day + dt.timedelta(days=14))
    client.force_login(kim_tan_official)
    _, workbook = export(client, capture=django_capture_on_commit_callbacks)
    sheet = workbook.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    row = dict(zip(header, sheet[2], strict=True))
    assert row["Ca bệnh, cấp (Cases, level)"].value == f"{entered.number} (F1), {second.number} (F2)"
    first = row["Tiếp xúc đầu (First exposure)"]
    assert first.value == local(day, 10).replace(tzinfo=None) and first.number_format == "dd/mm/yyyy hh:mm"
    # The last day in quarantine (quarantine_end is the first day out), as the work list and the contact page say.
    last_day = row["Cách ly đến hết ngày (Quarantine through)"]
    assert last_day.number_format == "dd/mm/yyyy" and last_day.value.date() == day + dt.timedelta(days=13)
    assert row["Ở đâu, vì sao: lần đầu (Where, why: first)"].value == (
        f"Cùng địa điểm: Chợ Kim Tân, {day:%d/%m/%Y} 10:00–11:30"
    )
    # The household told in interview has no time: the visit stays the most recent thing known.
    assert row["Ở đâu, vì sao: gần nhất (Where, why: most recent)"].value == row[header[10]].value
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, len(header)).column_letter}2" and sheet.freeze_panes == "A2"


def test_worklist_export_reads_where_and_why_without_a_query_per_contact(tree, kim_tan_official):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ..exports import worklist_export_plan

    entered = case(kim_tan_official, person(tree["kim_tan"]))
    market, at = venue(tree["kim_tan"]), local(TODAY() - dt.timedelta(days=1), 9)

    def queries_for_rows() -> tuple[int, list]:
        with CaptureQueriesContext(connection) as queries:
            plan = worklist_export_plan(kim_tan_official, {})
            rows = list(plan.sheets[0][2])
        return len(queries), rows

    for n in range(2):
        link(person(tree["kim_tan"], f"Ít {n}"), entered, venue=market, place="Chợ", exposure_start=at)
    few, rows = queries_for_rows()
    for n in range(12):
        who = person(tree["kim_tan"], f"Nhiều {n}")
        link(who, entered, venue=market, place="Chợ", exposure_start=at)
        link(who, entered, source="interview", setting="household", key=f"interview:{n}")
    many, rows = queries_for_rows()
    assert len(rows) == 14 and all(row[10].startswith("Cùng địa điểm: Chợ") for row in rows)
    assert many == few


def test_a_bad_worklist_filter_is_refused_before_anything_is_queued(client, tree, kim_tan_official):
    from phongdich.core.models import ExportJob

    client.force_login(kim_tan_official)
    response = client.post("/cases/worklist/export/?status=bogus")
    assert response.status_code == 400
    assert not ExportJob.objects.exists()


def test_worklist_filters_by_status_and_level(client, tree, kim_tan_official):
    entered = case(kim_tan_official, person(tree["kim_tan"]))
    f1, _ = link(person(tree["kim_tan"], "Một Một"), entered)
    link(person(tree["kim_tan"], "Hai Hai"), entered, level=2, via=f1.contact)
    services.contact_status_set(actor=kim_tan_official, contact=f1.contact, status="dismissed", reason="Không gặp")
    client.force_login(kim_tan_official)
    html = client.get("/cases/worklist/").content.decode()
    assert "Hai Hai" in html and "Một Một" not in html
    html = client.get("/cases/worklist/", {"status": "dismissed", "level": "1"}).content.decode()
    assert "Một Một" in html and "Hai Hai" not in html
    assert client.get("/cases/worklist/", {"status": "bogus"}).status_code == 400


def test_the_work_list_page_filters_f3_as_the_api_does(client, tree, kim_tan_official, settings):
    """The API's work list takes level=3 (selectors.level_filter: 1-9) and the page lists F3, but the page's filter
    form (forms.LEVEL_CHOICES: "", 1, 2) answered 400 to level=3, and so did the export: the F3 a commune is told to
    call could not be listed or exported apart."""
    settings.TRACING_MAX_LEVEL = 3
    kim_tan = tree["kim_tan"]
    entered = case(kim_tan_official, person(kim_tan, "Nguồn"))
    link(person(kim_tan, "Ba"), entered, level=3, key="checkin:level:3")
    client.force_login(kim_tan_official)
    assert client.get("/api/v1/contacts/worklist/?level=3").status_code == 200

    page = client.get("/cases/worklist/?level=3")

    assert page.status_code == 200 and "Ba" in page.content.decode()


def test_the_work_list_refuses_a_level_tracing_does_not_record_on_the_page_and_in_the_api(
    client, tree, kim_tan_official
):
    """A level past TRACING_MAX_LEVEL (2 by default): the page's choices refused level=7 but the API's filter took 1-9
    and answered an empty list, as if the commune had no such contacts."""
    client.force_login(kim_tan_official)
    for url in (
        "/api/v1/contacts/worklist/",
        "/cases/worklist/",
        f"/api/v1/cases/{case(kim_tan_official, person(tree['kim_tan'])).pk}/contacts/",
    ):
        answer = client.get(url, {"level": "7"})
        assert answer.status_code == 400, url
    body = client.get("/api/v1/contacts/worklist/", {"level": "3"}).json()
    assert body["code"] == "cases_invalid_filter" and body["extra"]["level"] == 3
    assert client.get("/api/v1/contacts/worklist/", {"level": "2"}).status_code == 200


def test_f1_counts_per_commune_for_the_map_and_the_dashboard(client, tree, district_official, kim_tan_official):
    first = case(kim_tan_official, person(tree["kim_tan"], "A"))
    for index in range(3):
        link(person(tree["kim_tan"], f"K{index}"), first)
    link(person(tree["thach_lam"], "L0"), first)
    dismissed, _ = link(person(tree["thach_lam"], "L1"), first)
    services.contact_status_set(actor=kim_tan_official, contact=dismissed.contact, status="dismissed", reason="x")
    link(person(tree["thach_lam"], "L2"), first, level=2)
    client.force_login(district_official)
    rows = {row["area_code"]: row for row in client.get("/api/v1/cases/area-counts/").json()}
    assert (rows["15187"]["f0"], rows["15187"]["f1"]) == (1, 3)
    assert (rows["15196"]["f0"], rows["15196"]["f1"], rows["15196"]["f2"]) == (0, 1, 1)
    dashboard = client.get("/stats/", {"area": tree["district"].pk}).content.decode()
    assert 'id="cases-f1">4<' in dashboard and 'id="cases-f0">1<' in dashboard


def test_open_f3_contacts_are_counted_per_area_like_the_work_list_lists_them(client, tree, kim_tan_official, settings):
    """With TRACING_MAX_LEVEL = 3 tracing writes F3 (docs/cases.md, "F3 and further"); the work list lists them as
    contacts to handle, but the per-area counts (map, statistics card) added up levels 1 and 2 only: an F3 vanished
    from every count, and a commune whose only contacts were F3 was left off the map."""
    settings.TRACING_MAX_LEVEL = 3
    kim_tan = tree["kim_tan"]
    entered = case(kim_tan_official, person(kim_tan, "Nguồn"))
    link(person(kim_tan, "Ba"), entered, level=3, key="checkin:level:3")
    listed = contact_worklist(viewer=kim_tan_official).filter(person__area_path__startswith=kim_tan.path).count()
    assert listed == 1

    [row] = [r for r in area_counts_by_commune(viewer=kim_tan_official) if r.area.pk == kim_tan.pk]
    counted = sum(getattr(row, name, 0) for name in ("f1", "f2", "f3"))
    _rows, total = area_counts_by_child(area=tree["district"])
    counted_district = sum(getattr(total, name, 0) for name in ("f1", "f2", "f3"))

    assert (counted, counted_district) == (listed, listed)
    client.force_login(kim_tan_official)
    [api_row] = [r for r in client.get("/api/v1/cases/area-counts/").json() if r["area_id"] == kim_tan.pk]
    assert (api_row["f1"], api_row["f2"], api_row["f3"]) == (0, 0, 1)
    [commune] = client.get("/api/v1/map/communes/").json()["unplaced"]  # no position set in this tree
    assert commune["f3"] == 1
    assert 'id="cases-f3">1<' in client.get("/stats/", {"area": kim_tan.pk}).content.decode()


def test_cluster_graph_has_cases_chains_and_contacts_coloured_by_level(client, tree, kim_tan_official):
    market = venue(tree["kim_tan"])
    cluster = services.cluster_create(actor=kim_tan_official, name="Ổ dịch chợ", venue=market, area_path="")
    first = case(kim_tan_official, person(tree["kim_tan"], "A"), cluster=cluster)
    second = case(kim_tan_official, person(tree["kim_tan"], "B"), infected_by=first, cluster=cluster)
    f1, _ = link(person(tree["kim_tan"], "C"), second)
    link(person(tree["kim_tan"], "D"), second, level=2, via=f1.contact)
    client.force_login(kim_tan_official)
    graph = client.get(f"/cases/clusters/{cluster.pk}/graph.json").json()
    kinds = sorted((node["data"]["kind"], node["data"]["level"]) for node in graph["nodes"])
    assert kinds == [("case", 0), ("case", 0), ("contact", 1), ("contact", 2)]
    edges = {(e["data"]["source"], e["data"]["target"], e["data"]["kind"]) for e in graph["edges"]}
    assert (f"case-{first.pk}", f"case-{second.pk}", "infected_by") in edges
    assert (f"contact-{f1.contact_id}", f"contact-{Contact.objects.get(level=2).pk}", "contact") in edges
    assert client.get(f"/cases/clusters/{cluster.pk}/").status_code == 200
    assert AuditLog.objects.filter(action="cases.cluster.graph_viewed").exists()


def test_a_contact_who_became_a_case_of_the_cluster_is_one_node(client, tree, kim_tan_official):
    """Cao Thị Oanh, an F1 of one case entered as a case herself, was drawn twice: as her case and as "F1 CTO"."""
    cluster = services.cluster_create(
        actor=kim_tan_official, name="Ổ dịch chợ", venue=venue(tree["kim_tan"]), area_path=""
    )
    first = case(kim_tan_official, person(tree["kim_tan"], "A"), cluster=cluster)
    oanh = person(tree["kim_tan"], "Cao Thị Oanh")
    f1, _ = link(oanh, first)
    link(person(tree["kim_tan"], "Hàng Xóm"), first, level=2, via=f1.contact)
    second = case(kim_tan_official, oanh, infected_by=first, cluster=cluster)
    client.force_login(kim_tan_official)

    graph = client.get(f"/cases/clusters/{cluster.pk}/graph.json").json()

    assert sorted(node["data"]["kind"] for node in graph["nodes"]) == ["case", "case", "contact"]
    edges = {(e["data"]["source"], e["data"]["target"], e["data"]["kind"]) for e in graph["edges"]}
    assert (f"case-{first.pk}", f"case-{second.pk}", "contact") in edges  # the evidence of how they met
    level2 = Contact.objects.get(level=2).pk
    assert (f"case-{second.pk}", f"contact-{level2}", "contact") in edges  # her F2 hang from her case


def test_cluster_graph_shows_the_whole_chain_and_says_what_it_draws(client, tree, kim_tan_official):
    """Cases infected by, or infecting, the cluster's cases without being in it are drawn, marked outside the
    cluster; one outside the official's area is its number only. Names only for people of the official's area."""
    market = venue(tree["kim_tan"])
    cluster = services.cluster_create(actor=kim_tan_official, name="Ổ dịch chợ", venue=market, area_path="")
    source = case(kim_tan_official, person(tree["kim_tan"], "Nguồn Lây"))
    member = case(kim_tan_official, person(tree["kim_tan"], "Trong Ổ"), infected_by=source, cluster=cluster)
    elsewhere = case(kim_tan_official, person(tree["thach_lam"], "Xã Khác"), infected_by=member)
    onward = case(kim_tan_official, person(tree["kim_tan"], "Lây Tiếp"), infected_by=member)
    link(person(tree["kim_tan"], "Vợ Trong Ổ"), member)
    link(person(tree["thach_lam"], "Bạn Ở Xa"), member)
    link(person(tree["kim_tan"], "Người Của Nguồn"), source)  # the source's own contacts are not this cluster's
    client.force_login(kim_tan_official)
    graph = client.get(f"/cases/clusters/{cluster.pk}/graph.json").json()
    nodes = {node["data"]["id"]: node["data"] for node in graph["nodes"]}
    assert {key for key in nodes if key.startswith("case-")} == {
        f"case-{c.pk}" for c in (source, member, elsewhere, onward)
    }
    assert [nodes[f"case-{c.pk}"]["in_cluster"] for c in (source, member, elsewhere, onward)] == [
        False,
        True,
        False,
        False,
    ]
    assert nodes[f"case-{elsewhere.pk}"]["url"] == "" and nodes[f"case-{onward.pk}"]["url"] == f"/cases/{onward.pk}/"
    edges = {(e["data"]["source"], e["data"]["target"]) for e in graph["edges"] if e["data"]["kind"] == "infected_by"}
    assert edges == {
        (f"case-{source.pk}", f"case-{member.pk}"),
        (f"case-{member.pk}", f"case-{elsewhere.pk}"),
        (f"case-{member.pk}", f"case-{onward.pk}"),
    }
    contacts = sorted((n["label"], n.get("name")) for n in nodes.values() if n["kind"] == "contact")
    assert contacts == [("F1 BỞX", None), ("F1 VTỔ", "Vợ Trong Ổ")]
    assert "Xã Khác" not in str(graph) and "Bạn Ở Xa" not in str(graph)
    assert (graph["cases"], graph["outside"], graph["contacts"], graph["links"]) == (1, 3, 2, 5)
    assert graph["caption"] == "1 ca F0, 3 ca liên quan ngoài ổ dịch, 2 F1, 5 mối liên hệ"
    page = client.get(f"/cases/clusters/{cluster.pk}/").content.decode()
    assert 'id="cluster-graph-legend"' in page and 'id="cluster-graph-f2"' in page


def test_a_cluster_case_outside_the_viewers_area_is_not_called_outside_the_cluster(
    tree, kim_tan_official, district_official
):
    """A district cluster at the Kim Tân market holds a Kim Tân case and the Thạch Lâm case that infected it. For the
    Kim Tân official the cluster list said 2 cases; the graph drew the Thạch Lâm case as a linked case "outside the
    cluster" (counted in `outside`, said so in the caption) though its node said in_cluster."""
    market = venue(tree["kim_tan"], "Chợ Kim Tân")
    cluster = services.cluster_create(actor=district_official, name="Ổ dịch chợ Kim Tân", area_path="", venue=market)
    source = case(district_official, person(tree["thach_lam"], "Nguồn Thạch Lâm"), cluster=cluster)
    case(district_official, person(tree["kim_tan"], "Ca Kim Tân"), cluster=cluster, infected_by=source)
    # Another Thạch Lâm case of the cluster, linked by no "infected by": it was left out of the graph entirely.
    unlinked = case(district_official, person(tree["thach_lam"], "Khác Thạch Lâm"), cluster=cluster)
    link(person(tree["thach_lam"], "Vợ Khác Thạch Lâm"), unlinked)

    [listed] = [c for c in cluster_list(viewer=kim_tan_official) if c.pk == cluster.pk]
    graph = cluster_graph(viewer=kim_tan_official, cluster=cluster)

    node = next(n for n in graph["nodes"] if n["data"]["id"] == f"case-{source.pk}")
    assert node["data"]["in_cluster"] is True
    assert (graph["cases"] + graph["outside"], graph["outside"]) == (listed.cases_count, 0)
    assert "ngoài ổ dịch" not in graph["caption"] and "outside the cluster" not in graph["caption"]
    # Outside the official's area: the number only, no page, no contacts, no name (an official sees their own area).
    nodes = {n["data"]["id"]: n["data"] for n in graph["nodes"]}
    assert nodes[f"case-{unlinked.pk}"] == {
        "id": f"case-{unlinked.pk}",
        "label": unlinked.number,
        "kind": "case",
        "level": 0,
        "status": "under_treatment",
        "in_cluster": True,
        "url": "",
    }
    assert nodes[f"case-{source.pk}"]["url"] == "" and "name" not in nodes[f"case-{source.pk}"]
    assert [n for n in nodes.values() if n["kind"] == "contact"] == []
    assert "Thạch Lâm" not in str(graph)


def test_clusters_are_created_from_a_venue_and_cases_attached(client, tree, kim_tan_official):
    market = venue(tree["kim_tan"])
    entered = case(kim_tan_official, person(tree["kim_tan"]))
    client.force_login(kim_tan_official)
    response = client.post("/cases/clusters/", {"name": "Ổ dịch Chợ Kim Tân", "venue": market.pk})
    cluster = Cluster.objects.get()
    assert response.status_code == 302 and cluster.area_path == market.area_path
    client.post(f"/cases/clusters/{cluster.pk}/", {"case_number": entered.number})
    entered.refresh_from_db()
    assert entered.cluster == cluster
    assert client.post("/cases/clusters/", {"name": "  "}).status_code == 400


def test_clusters_come_in_pages_on_the_page_and_in_the_api(client, tree, kim_tan_official, monkeypatch):
    """A province in a large outbreak has hundreds of clusters: the list pages them (the API used to answer the
    first 500 and drop the rest without saying so)."""
    from .. import views

    for number in range(5):
        services.cluster_create(actor=kim_tan_official, name=f"Ổ dịch số {number}", area_path=tree["kim_tan"].path)
    client.force_login(kim_tan_official)
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    first = client.get("/cases/clusters/").content.decode()
    assert "Ổ dịch số 4" in first and "Ổ dịch số 2" not in first and "Trang 1 / 3" in first
    last = client.get("/cases/clusters/?page=3").content.decode()
    assert "Ổ dịch số 0" in last and "Ổ dịch số 1" not in last
    answer = client.get("/api/v1/clusters/?limit=2&offset=2").json()
    assert answer["count"] == 5 and [row["name"] for row in answer["results"]] == ["Ổ dịch số 2", "Ổ dịch số 1"]


def test_a_clusters_venue_is_searched_by_name_not_picked_from_every_venue(client, tree, kim_tan_official, monkeypatch):
    market = venue(tree["kim_tan"], "Chợ Kim Tân")
    other_market = venue(tree["kim_tan"], "Chợ Đông Kim Tân")
    school = venue(tree["kim_tan"], "Trường Tiểu học Kim Tân")
    elsewhere = venue(tree["thach_lam"], "Trường Thạch Lâm")
    client.force_login(kim_tan_official)
    few = client.get("/cases/clusters/").content.decode()
    assert f'<option value="{school.pk}">' in few and "venue_query" not in few  # a few venues: a drop-down

    monkeypatch.setattr(VenueByNameMixin, "VENUE_SELECT_MAX", 2)  # more venues than that: searched by name
    page = client.get("/cases/clusters/").content.decode()
    assert "<select" not in page and school.name not in page and 'name="venue_query"' in page

    one = client.post("/cases/clusters/", {"name": "Ổ dịch trường", "venue_query": "truong tieu hoc"})
    assert one.status_code == 302 and Cluster.objects.get(name="Ổ dịch trường").venue == school

    several = client.post("/cases/clusters/", {"name": "Ổ dịch chợ", "venue_query": "chợ"})
    html = several.content.decode()
    assert several.status_code == 400 and "Nhiều địa điểm khớp" in html  # Vietnamese by default
    assert "Chọn địa điểm" in html and f'<option value="{market.pk}">' in html
    assert f'<option value="{other_market.pk}">' in html and f'<option value="{school.pk}">' not in html
    chosen = client.post("/cases/clusters/", {"name": "Ổ dịch chợ", "venue_query": "chợ", "venue": other_market.pk})
    assert chosen.status_code == 302 and Cluster.objects.get(name="Ổ dịch chợ").venue == other_market

    none = client.post("/cases/clusters/", {"name": "Ổ dịch khác", "venue_query": "Thạch Lâm"})
    assert none.status_code == 400 and "Thạch Lâm" in none.content.decode()  # another area's venue is not found
    outside = client.post("/cases/clusters/", {"name": "Ổ dịch khác", "venue": elsewhere.pk})
    assert outside.status_code == 400 and not Cluster.objects.filter(name="Ổ dịch khác").exists()

    # The case page's "Cluster at this venue" link fills the venue in; typing another name searches again.
    prefilled = client.get("/cases/clusters/", {"venue": market.pk, "name": "Ổ dịch"}).content.decode()
    assert f'value="{market.name}"' in prefilled and f'value="{market.pk}"' in prefilled
    changed = client.post("/cases/clusters/", {"name": "Ổ dịch mới", "venue_query": "tieu hoc", "venue": market.pk})
    assert changed.status_code == 302 and Cluster.objects.get(name="Ổ dịch mới").venue == school


def test_a_cluster_or_a_batch_trace_sent_twice_is_made_once(client, tree, kim_tan_official):
    from ..models import TracingRun

    entered = case(kim_tan_official, person(tree["kim_tan"]))
    client.force_login(kim_tan_official)
    body = {"name": "Ổ dịch chợ", "nonce": _form_nonce(client.get("/cases/clusters/").content.decode())}
    first, second = client.post("/cases/clusters/", body), client.post("/cases/clusters/", body)
    cluster = Cluster.objects.get()
    assert first["Location"] == second["Location"] == f"/cases/clusters/{cluster.pk}/"

    body = {"case": [entered.pk], "nonce": _form_nonce(client.get("/cases/").content.decode())}
    first, second = client.post("/cases/trace/", body), client.post("/cases/trace/", body)
    run = TracingRun.objects.get()
    assert first["Location"] == second["Location"] == f"/cases/runs/{run.pk}/"


def test_tracing_run_page_is_only_for_its_creator(client, tree, kim_tan_official, thach_lam_official):
    from ..models import TracingRun

    run = TracingRun.objects.create(total=4, done=1, created_by=kim_tan_official)
    client.force_login(kim_tan_official)
    html = client.get(f"/cases/runs/{run.pk}/").content.decode()
    assert "1" in html and 'http-equiv="refresh"' in html
    assert client.get(f"/api/v1/tracing-runs/{run.pk}/").json()["done"] == 1
    client.force_login(thach_lam_official)
    assert client.get(f"/cases/runs/{run.pk}/").status_code == 404


def test_the_case_page_and_api_show_contacts_a_page_at_a_time(client, tree, kim_tan_official, settings):
    """A factory's case has tens of thousands of F2: each level is paged on its own (its count in full), the
    API by limit/offset or level; a contact with links of two levels to the case is one row, under the lower."""
    settings.CASE_CONTACTS_PAGE = 2
    entered = case(kim_tan_official, person(tree["kim_tan"], "Lê Văn Ca"))
    f1 = [link(person(tree["kim_tan"], f"F1 Người {n}"), entered)[0] for n in "ABCDE"]
    for n in "XYZ":
        link(person(tree["kim_tan"], f"F2 Người {n}"), entered, level=2, key=f"interview:f2{n}", via=f1[0].contact)
    link(f1[0].contact.person, entered, level=2, key="interview:also-f2", via=f1[1].contact)
    client.force_login(kim_tan_official)

    html = client.get(f"/cases/{entered.pk}/").content.decode()
    assert "(8)" in html and "F1 Người A" in html and "F1 Người B" in html and "F1 Người C" not in html
    assert "F2 Người X" in html and "F2 Người Z" not in html
    assert "?p1=2#contacts-f1" in html and "Trang 1 / 3" in html  # Vietnamese by default
    third = client.get(f"/cases/{entered.pk}/", {"p1": 3, "p2": 2}).content.decode()
    third_f1 = third.split('id="contacts-f2"')[0]  # the F2 below name A, the F1 they came through
    assert "F1 Người E" in third_f1 and "F1 Người A" not in third_f1 and "F2 Người Z" in third
    back = f"/cases/{entered.pk}/?p1=3&p2=2#contacts-f1"  # confirming a contact keeps the pages shown
    assert f'name="next" value="{back.replace("&", "&amp;")}"' in third
    confirmed = client.post(f"/cases/contacts/{f1[4].contact_id}/status/", {"status": "confirmed", "next": back})
    assert confirmed.status_code == 302 and confirmed["Location"] == back
    assert client.get(f"/cases/{entered.pk}/", {"p1": "junk"}).status_code == 200  # the first page

    body = client.get(f"/api/v1/cases/{entered.pk}/contacts/", {"limit": 3}).json()
    assert body["count"] == 8 and [row["name"] for row in body["results"]] == [
        "F1 Người A",
        "F1 Người B",
        "F1 Người C",
    ]
    assert len(body["results"][0]["links"]) == 2  # its F1 link and its F2 link
    f2 = client.get(f"/api/v1/cases/{entered.pk}/contacts/", {"level": 2}).json()
    assert f2["count"] == 3 and {row["level"] for row in f2["results"]} == {2}
    bad = client.get(f"/api/v1/cases/{entered.pk}/contacts/", {"level": "x"})
    assert bad.status_code == 400 and bad.json()["code"] == "cases_invalid_filter"


def test_a_cluster_graph_too_large_to_draw_sums_up_its_further_levels_per_case(
    client, tree, kim_tan_official, settings
):
    """Past CLUSTER_GRAPH_MAX_CONTACTS, the further levels are one node per case with their count, linking to the
    case page's list."""

    settings.CLUSTER_GRAPH_MAX_CONTACTS = 4
    factory = venue(tree["kim_tan"], "Nhà máy May")
    cluster = services.cluster_create(actor=kim_tan_official, name="Ổ dịch nhà máy", venue=factory, area_path="")
    factory_case = case(kim_tan_official, person(tree["kim_tan"], "A"), cluster=cluster)
    f1 = [link(person(tree["kim_tan"], f"F1 {n}"), factory_case)[0] for n in "BCD"]
    for n in "EFGH":
        link(person(tree["kim_tan"], f"F2 {n}"), factory_case, level=2, key=f"interview:{n}", via=f1[0].contact)
    client.force_login(kim_tan_official)
    graph = client.get(f"/cases/clusters/{cluster.pk}/graph.json").json()
    kinds = sorted((node["data"]["kind"], node["data"]["level"]) for node in graph["nodes"])
    assert kinds == [("case", 0), ("contact", 1), ("contact", 1), ("contact", 1), ("summary", 2)]
    summary = next(node["data"] for node in graph["nodes"] if node["data"]["kind"] == "summary")
    assert summary["count"] == 4 and summary["label"] == "F2 × 4" and graph["contacts"] == 7
    assert summary["url"] == f"/cases/{factory_case.pk}/#contacts-f2"
    edges = {(e["data"]["source"], e["data"]["target"]) for e in graph["edges"]}
    assert (f"case-{factory_case.pk}", summary["id"]) in edges

    settings.CLUSTER_GRAPH_MAX_CONTACTS = 7  # all fit: drawn one by one
    graph = client.get(f"/cases/clusters/{cluster.pk}/graph.json").json()
    assert sum(node["data"]["kind"] == "contact" for node in graph["nodes"]) == 7

    settings.CLUSTER_GRAPH_MAX_CONTACTS = 2  # not even the F1: both levels summed up
    graph = client.get(f"/cases/clusters/{cluster.pk}/graph.json").json()
    assert sorted(node["data"]["label"] for node in graph["nodes"] if node["data"]["kind"] == "summary") == [
        "F1 × 3",
        "F2 × 4",
    ]


def test_graph_summary_label_groups_thousands_in_the_page_language():
    with translation.override("vi"):
        assert graph_summary_label(2, 30391) == "F2 × 30.391"
    with translation.override("en"):
        assert graph_summary_label(2, 30391) == "F2 × 30,391"
    assert graph_summary_label(1, 7) == "F1 × 7"


def test_the_case_list_counts_each_cases_contacts(client, tree, kim_tan_official):
    traced = case(kim_tan_official, person(tree["kim_tan"], "Đã Truy Vết"))
    untraced = case(kim_tan_official, person(tree["kim_tan"], "Chưa Truy Vết"))
    f1 = link(person(tree["kim_tan"], "F1"), traced)[0]
    link(person(tree["kim_tan"], "F2"), traced, level=2, key="interview:f2", via=f1.contact)
    link(f1.contact.person, traced, key="interview:again")  # a second piece of evidence for the same F1
    client.force_login(kim_tan_official)
    rows = client.get("/cases/").content.decode().split('<tr class="case-row"')[1:]
    counts = {
        number: re.search(r'<td class="num case-contacts"[^>]*>([^<]*)<', row).group(1)
        for number in (traced.number, untraced.number)
        for row in rows
        if number in row
    }
    assert counts == {traced.number: "2", untraced.number: "0"}  # people: the F1's two pieces of evidence are one
