"""Pages and API: who may see what (403 for venue roles, 404 for another area), the full list audited, the
outcome recorded by hand, the export, and the API's endpoints in the OpenAPI schema."""

import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from phongdich.accounts.models import Official
from phongdich.cases import services as case_services
from phongdich.cases.tests.builders import case, local, official, person, venue
from phongdich.core.models import AuditLog

from .. import services
from ..models import Call, CallCampaign
from .scene import build, contact_with


@pytest.fixture
def scene(tree, kim_tan_official, calls_settings):
    return build(tree, kim_tan_official)


def test_the_case_page_links_to_the_robot_call(client, scene, kim_tan_official):
    client.force_login(kim_tan_official)
    html = client.get(f"/cases/{scene['case'].pk}/").content.decode()
    assert f'href="/calls/new/{scene["case"].pk}/"' in html and ">Gọi tự động</a>" in html
    assert "robot call" not in html.lower()  # the Vietnamese button in Vietnamese only (walk of 2026-12-07)
    english = client.get(f"/en/cases/{scene['case'].pk}/").content.decode()
    assert ">Robot call (automatic switchboard)</a>" in english


def test_create_page_counts_and_shows_the_script_without_personal_data(client, scene, kim_tan_official):
    client.force_login(kim_tan_official)
    response = client.get(f"/calls/new/{scene['case'].pk}/")
    html = response.content.decode()
    assert response.status_code == 200 and "Sẽ gọi 2 số điện thoại." in html  # F1 candidate and confirmed
    assert "Chợ Kim Tân" in html and "nhấn phím 1" in html
    for private in ("Trần Thị Một", "Lê Văn Hai", "0912000001", "+84912000001", scene["case"].person.full_name):
        assert private not in html.split('id="script-example"')[1].split("</p>")[0]
    html = client.get(f"/calls/new/{scene['case'].pk}/?preview=1&f2=on").content.decode()
    assert "Sẽ gọi 1 số điện thoại." in html


def test_other_area_and_other_roles_are_refused(client, scene, thach_lam_official, tree):
    client.force_login(thach_lam_official)
    assert client.get(f"/calls/new/{scene['case'].pk}/").status_code == 404
    assert client.post(f"/calls/new/{scene['case'].pk}/", {"f1_candidates": "on"}).status_code == 404
    venue_manager = official(tree["kim_tan"], "quanly", role=Official.Role.VENUE_MANAGER)
    client.force_login(venue_manager)
    assert client.get(f"/calls/new/{scene['case'].pk}/").status_code == 403
    assert client.get("/calls/").status_code == 403
    assert client.get("/api/v1/calls/campaigns/").status_code == 403


def test_campaign_page_flow_with_the_outbox(client, scene, kim_tan_official, thach_lam_official):
    client.force_login(kim_tan_official)
    response = client.post(f"/calls/new/{scene['case'].pk}/", {"f1_candidates": "on", "f1_confirmed": "on"})
    campaign = CallCampaign.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/calls/{campaign.pk}/"
    page = client.get(f"/calls/{campaign.pk}/").content.decode()
    assert "+8491•••••01" in page and "+84912000001" not in page and "Trần Thị Một" not in page
    assert not AuditLog.objects.filter(action="calls.campaign.numbers_viewed").exists()
    assert client.post(f"/calls/{campaign.pk}/start/").status_code == 302
    tomorrow = services.timezone.now() + services.dt.timedelta(days=1)
    services.calls_dispatch(now=tomorrow.replace(hour=3))  # 10:00 in Vietnam (03:00 UTC)
    call = campaign.calls.get(phone="+84912000001")
    assert call.status == Call.Status.DIALING and call.placed_via == "outbox"
    response = client.post(f"/calls/{campaign.pk}/calls/{call.pk}/result/", {"result": "present"})
    assert response.status_code == 302
    call.refresh_from_db()
    assert call.outcome == "present" and call.sms_id and call.recorded_by == kim_tan_official
    # Recorded again: refused (final), nothing changes.
    client.post(f"/calls/{campaign.pk}/calls/{call.pk}/result/", {"result": "not_present"})
    call.refresh_from_db()
    assert call.outcome == "present"
    full = client.get(f"/calls/{campaign.pk}/?numbers=full").content.decode()
    assert "+84912000001" in full and "Trần Thị Một" in full
    assert AuditLog.objects.filter(action="calls.campaign.numbers_viewed", object_id=str(campaign.pk)).count() == 1
    # Another area: 404 for the page, the actions, the result form and the export.
    client.force_login(thach_lam_official)
    for url in (f"/calls/{campaign.pk}/", f"/calls/{campaign.pk}/export.xlsx"):
        assert client.get(url).status_code == 404
    assert client.post(f"/calls/{campaign.pk}/pause/").status_code == 404
    other = campaign.calls.exclude(pk=call.pk).get()
    assert client.post(f"/calls/{campaign.pk}/calls/{other.pk}/result/", {"result": "busy"}).status_code == 404
    assert Call.objects.get(pk=other.pk).attempts == 1
    client.force_login(kim_tan_official)
    assert f"#{campaign.pk}" in client.get("/calls/").content.decode()


def test_the_campaign_page_and_api_say_why_a_call_is_not_made(client, scene, kim_tan_official):
    campaign = services.call_campaign_create(
        actor=kim_tan_official, case_id=scene["case"].pk, f1_candidates=True, f1_confirmed=True
    )
    services.call_campaign_action(actor=kim_tan_official, campaign_id=campaign.pk, action="start")
    case_services.contact_status_set(
        actor=kim_tan_official, contact=scene["f1_candidate"], status="dismissed", reason="x"
    )
    tomorrow = services.timezone.now() + services.dt.timedelta(days=1)
    services.calls_dispatch(now=tomorrow.replace(hour=3))  # 10:00 in Vietnam
    client.force_login(kim_tan_official)
    page = client.get(f"/calls/{campaign.pk}/?status=cancelled").content.decode()
    assert 'id="n-cancelled">1<' in page and page.count('class="call-row"') == 1
    assert "Người tiếp xúc đã bị loại" in page
    api = client.get(f"/api/v1/calls/campaigns/{campaign.pk}/calls/?status=cancelled").json()
    assert api["count"] == 1 and api["results"][0]["stop_reason"] == "contact_dismissed"
    assert client.get(f"/api/v1/calls/campaigns/{campaign.pk}/").json()["progress"]["cancelled"] == 1
    # The case withdrawn: the campaign is cancelled, says why, and offers no start or result form.
    case_services.case_withdraw(actor=kim_tan_official, case=scene["case"], reason="Dương tính giả")
    page = client.get(f"/calls/{campaign.pk}/").content.decode()
    assert 'id="case-withdrawn"' in page and "Ca bệnh đã bị hủy (không phải ca bệnh)" in page
    assert 'id="n-cancelled">2<' in page and 'class="calls-result"' not in page and 'id="resume"' not in page
    refused = client.post(f"/api/v1/calls/campaigns/{campaign.pk}/start/")
    assert refused.status_code == 409 and refused.json()["code"] == "case_withdrawn"
    sheet = load_workbook(io.BytesIO(client.get(f"/calls/{campaign.pk}/export.xlsx").content)).active
    assert {row[8] for row in list(sheet.iter_rows(values_only=True))[1:]} == {
        "Người tiếp xúc đã bị loại",
        "Ca bệnh đã bị hủy (không phải ca bệnh)",
    }


def test_the_export_is_audited_and_formula_safe(client, scene, kim_tan_official):
    campaign = services.call_campaign_create(actor=kim_tan_official, case_id=scene["case"].pk, f1_candidates=True)
    client.force_login(kim_tan_official)
    response = client.get(f"/calls/{campaign.pk}/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][1] == "0912000001" and rows[1][2] == "Trần Thị Một"
    assert AuditLog.objects.filter(action="calls.campaign.exported").count() == 1


def test_manual_results_only_with_the_outbox(scene, kim_tan_official, calls_settings):
    campaign = services.call_campaign_create(actor=kim_tan_official, case_id=scene["case"].pk, f1_candidates=True)
    services.call_campaign_action(actor=kim_tan_official, campaign_id=campaign.pk, action="start")
    calls_settings.CALLS_BACKEND = "http"
    from phongdich.core.errors import ApplicationError

    with pytest.raises(ApplicationError) as refused:
        services.call_outcome_record(actor=kim_tan_official, call_id=campaign.calls.get().pk, result="present")
    assert refused.value.code == "calls_manual_not_allowed"


def test_api_create_start_pause_cancel_and_calls(client, scene, kim_tan_official, thach_lam_official):
    client.force_login(kim_tan_official)
    response = client.post(
        "/api/v1/calls/campaigns/", {"case": scene["case"].pk, "f1_candidates": True}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "draft" and body["progress"]["total"] == 1 and body["skipped_invalid"] == 1
    campaign_id = body["id"]
    refused = client.post("/api/v1/calls/campaigns/", {"case": scene["case"].pk}, content_type="application/json")
    assert refused.status_code == 400 and refused.json()["code"] == "calls_no_targets"
    assert client.post(f"/api/v1/calls/campaigns/{campaign_id}/pause/").json()["code"] == "calls_campaign_state"
    assert client.post(f"/api/v1/calls/campaigns/{campaign_id}/start/").json()["status"] == "running"
    assert client.post(f"/api/v1/calls/campaigns/{campaign_id}/pause/").json()["status"] == "paused"
    assert client.get(f"/api/v1/calls/campaigns/{campaign_id}/").json()["status"] == "paused"
    calls = client.get(f"/api/v1/calls/campaigns/{campaign_id}/calls/").json()
    assert calls["count"] == 1 and calls["results"][0]["phone"] == "+8491•••••01"
    assert calls["results"][0]["person"] == "TTM"
    assert not AuditLog.objects.filter(action="calls.campaign.numbers_viewed").exists()
    full = client.get(f"/api/v1/calls/campaigns/{campaign_id}/calls/?full=true").json()
    assert full["results"][0]["phone"] == "+84912000001" and full["results"][0]["person"] == "Trần Thị Một"
    assert AuditLog.objects.filter(action="calls.campaign.numbers_viewed").count() == 1
    assert client.get("/api/v1/calls/campaigns/").json()["count"] == 1
    client.force_login(thach_lam_official)
    assert client.get(f"/api/v1/calls/campaigns/{campaign_id}/").status_code == 404
    assert client.get(f"/api/v1/calls/campaigns/{campaign_id}/calls/").status_code == 404
    assert client.post(f"/api/v1/calls/campaigns/{campaign_id}/cancel/").status_code == 404
    assert client.get("/api/v1/calls/campaigns/").json()["count"] == 0
    client.force_login(kim_tan_official)
    assert client.post(f"/api/v1/calls/campaigns/{campaign_id}/cancel/").json()["status"] == "cancelled"


def test_the_api_is_in_the_schema(client):
    schema = client.get("/api/schema/").content.decode()
    for path in ("/api/v1/calls/campaigns/", "/api/v1/calls/result/", "/api/v1/calls/campaigns/{campaign_id}/calls/"):
        assert path in schema


def test_the_sms_fits_one_part():
    from phongdich.core.text import without_diacritics

    assert len(without_diacritics(services.sms_text())) <= 160


def test_the_campaign_page_dates_an_exposure_that_ends_on_a_later_day(client, tree, kim_tan_official, calls_settings):
    """Call-centre staff read the column "Place and time read" to the person on the phone: a night shift that
    ended the next day at 12:24 read "05/12 16:30–12:24", as if it ended before it began (found in the demo)."""
    night_shift = venue(tree["kim_tan"], "Xưởng chế biến gỗ Vân")
    the_case = case(kim_tan_official, person(tree["kim_tan"], "Hoàng Văn Bệnh", phone="+84911000001"))
    day = timezone.localdate() - dt.timedelta(days=2)
    contact_with(
        kim_tan_official,
        the_case,
        person(tree["kim_tan"], "Trần Thị Ca Đêm", phone="+84912000001"),
        place_venue=night_shift,
        start=local(day, 16, 30),
        minutes=20 * 60 - 6,  # until 12:24 the next day
    )
    campaign = services.call_campaign_create(actor=kim_tan_official, case_id=the_case.pk, f1_candidates=True)
    client.force_login(kim_tan_official)
    html = client.get(f"/calls/{campaign.pk}/").content.decode()
    start, end = local(day, 16, 30), local(day + dt.timedelta(days=1), 12, 24)
    assert f"{start:%d/%m %H:%M}–{end:%H:%M}" not in html, "the end is printed without its day"
    assert f"{end:%d/%m}" in html


def test_a_campaign_with_a_field_it_does_not_take_is_refused_naming_it(client, scene, kim_tan_official):
    client.force_login(kim_tan_official)
    body = {"case": scene["case"].pk, "f1_candidate": True}  # f1_candidates misspelt: no group chosen at all
    refused = client.post("/api/v1/calls/campaigns/", body, content_type="application/json")
    assert refused.status_code == 400 and list(refused.json()["extra"]["fields"]) == ["f1_candidate"]
    assert not CallCampaign.objects.exists()


def test_api_writes_repeated_with_their_idempotency_key_act_once(client, scene, kim_tan_official):
    client.force_login(kim_tan_official)
    body, key = {"case": scene["case"].pk, "f1_candidates": True}, {"HTTP_IDEMPOTENCY_KEY": "campaign-0001"}
    first = client.post("/api/v1/calls/campaigns/", body, content_type="application/json", **key)
    again = client.post("/api/v1/calls/campaigns/", body, content_type="application/json", **key)
    assert first.status_code == again.status_code == 201 and again.json() == first.json()
    assert CallCampaign.objects.count() == 1
    start = f"/api/v1/calls/campaigns/{first.json()['id']}/start/"
    started = client.post(start, HTTP_IDEMPOTENCY_KEY="start-0001")
    # Without the key a second start is 409 calls_campaign_state: with it, the first answer.
    repeated = client.post(start, HTTP_IDEMPOTENCY_KEY="start-0001")
    assert started.status_code == repeated.status_code == 200 and repeated["Idempotent-Replayed"] == "true"
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    for path in ("/api/v1/calls/campaigns/", "/api/v1/calls/campaigns/{campaign_id}/start/"):
        names = [p["name"] for p in schema["paths"][path]["post"].get("parameters", []) if p.get("in") == "header"]
        assert names == ["Idempotency-Key"], path
