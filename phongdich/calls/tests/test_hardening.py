"""What the review of the robot calls found, each shown failing before its fix: people of another commune in a
district's campaign, telecom numbers past their retention, a result posted under another campaign's address, a
switchboard outage, a late key 1, cancelling with calls in hand, junk signatures, a paused backlog, phones never
reached, the script's wording for F2 and beyond, and unverified venue names."""

import datetime as dt
import io
import json
import time
import zoneinfo

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from phongdich.cases import services as case_services
from phongdich.cases.models import ContactLink
from phongdich.cases.tests.builders import local, official, person, venue
from phongdich.core.errors import ApplicationError
from phongdich.core.models import AuditLog
from phongdich.notifications.models import Message
from phongdich.venues.models import Venue

from .. import services
from ..models import Call, CallCampaign
from .scene import build, contact_with

VN = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")


def at(hour, minute=0, day=dt.date(2021, 9, 15)):
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=VN)


@pytest.fixture
def scene(tree, kim_tan_official, calls_settings):
    return build(tree, kim_tan_official)


def _campaign(actor, scene, **kinds):
    kinds = kinds or {"f1_candidates": True, "f1_confirmed": True, "f2": True}
    campaign = services.call_campaign_create(actor=actor, case_id=scene["case"].pk, **kinds)
    services.call_campaign_action(actor=actor, campaign_id=campaign.pk, action="start", now=at(7))
    return campaign


def test_a_districts_campaign_shows_a_commune_only_its_own_people(scene, tree, kim_tan_official):
    """The district calls the whole district; the Kim Tân official sees the Thạch Lâm resident by initials and a
    masked number, in the page, the API and the export, as on the case page."""
    district = official(tree["district"], "huyen")
    campaign = _campaign(district, scene)
    outside = campaign.calls.get(phone="+84912000006")
    client = Client()
    client.force_login(kim_tan_official)
    page = client.get(f"/calls/{campaign.pk}/?numbers=full").content.decode()
    assert "Ngô Văn Sáu" not in page and "+84912000006" not in page
    assert "Trần Thị Một" in page  # a Kim Tân resident, in full
    rows = client.get(f"/api/v1/calls/campaigns/{campaign.pk}/calls/?full=true").json()["results"]
    shown = {row["id"]: row for row in rows}[outside.pk]
    assert shown["phone"] != "+84912000006" and shown["person"] != "Ngô Văn Sáu"
    sheet = load_workbook(io.BytesIO(client.get(f"/calls/{campaign.pk}/export.xlsx").content)).active
    cells = {str(cell.value) for row in sheet.iter_rows() for cell in row}
    assert "0912000006" not in cells and "Ngô Văn Sáu" not in cells and "0912000001" in cells
    client.force_login(district)
    page = client.get(f"/calls/{campaign.pk}/?numbers=full").content.decode()
    assert "Ngô Văn Sáu" in page  # the district's own


def test_unknown_subscribers_numbers_go_with_the_telecom_retention(scene, kim_tan_official, settings):
    settings.TELECOM_RETENTION_DAYS = 30
    campaign = _campaign(kim_tan_official, scene)
    stranger = Call.objects.create(
        campaign=campaign,
        phone="+84394000666",
        source=Call.Source.TELECOM,
        place="khu vực trạm phát sóng TTH-KT-01",
        exposure_start=at(9),
        exposure_end=at(10),
        next_attempt_at=at(9),
    )
    contact_call = campaign.calls.get(phone="+84912000001")
    assert services.calls_telecom_prune(now=timezone.now() + dt.timedelta(days=29)) == 0
    assert services.calls_telecom_prune(now=timezone.now() + dt.timedelta(days=31)) == 1
    stranger.refresh_from_db()
    assert stranger.phone == f"x{stranger.pk}" and stranger.place == "" and stranger.exposure_start is None
    assert stranger.status == Call.Status.CANCELLED and stranger.next_attempt_at is None
    contact_call.refresh_from_db()
    assert contact_call.phone == "+84912000001"  # a contact's call is the case's record, kept


def test_a_result_posted_under_another_campaigns_address_writes_nothing(scene, tree, kim_tan_official):
    first = _campaign(kim_tan_official, scene, f1_candidates=True)
    contact_with(kim_tan_official, scene["case"], person(tree["kim_tan"], "Mai Văn Bảy", phone="+84912000007"))
    second = _campaign(kim_tan_official, scene, f1_candidates=True)
    services.calls_dispatch(now=at(9))
    other = second.calls.get()
    client = Client()
    client.force_login(kim_tan_official)
    response = client.post(f"/calls/{first.pk}/calls/{other.pk}/result/", {"result": "present"})
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.status == Call.Status.DIALING and other.sms_id is None


def _signed(body: dict, secret="s3cret-for-tests"):
    raw = json.dumps(body).encode()
    timestamp = str(int(time.time()))
    return raw, timestamp, services.call_result_signature(timestamp=timestamp, body=raw, secret=secret)


def _post(raw, timestamp, signature):
    return Client().post(
        "/api/v1/calls/result/",
        data=raw,
        content_type="application/json",
        HTTP_X_TIMESTAMP=timestamp,
        HTTP_X_SIGNATURE=signature,
    )


def test_a_key_1_that_comes_after_the_timeout_still_counts(scene, kim_tan_official, calls_settings):
    campaign = _campaign(kim_tan_official, scene, f1_candidates=True)
    call = campaign.calls.get()
    Call.objects.filter(pk=call.pk).update(
        status=Call.Status.DIALING, attempts=1, next_attempt_at=None, placed_via="http", provider_id="sb-9",
        last_attempt_at=timezone.now() - dt.timedelta(minutes=31),
    )  # fmt: skip
    assert services.calls_dispatch(now=timezone.now()).timed_out == 1
    call.refresh_from_db()
    assert call.status == Call.Status.FAILED and call.next_attempt_at
    raw, timestamp, signature = _signed({"id": str(call.pk), "status": "answered", "key": "1", "provider_id": "sb-9"})
    response = _post(raw, timestamp, signature)
    assert response.status_code == 200 and response.json()["changed"] is True
    call.refresh_from_db()
    assert call.outcome == Call.Outcome.PRESENT and call.next_attempt_at is None and call.sms_id
    # The same late answer under another attempt's id changes nothing.
    raw, timestamp, signature = _signed({"id": str(call.pk), "status": "answered", "key": "2", "provider_id": "sb-1"})
    assert _post(raw, timestamp, signature).json()["changed"] is False


@pytest.mark.parametrize(
    "timestamp, signature",
    [
        (None, "é" * 64),  # compare_digest refuses non-ASCII: was a 500
        ("9" * 400, "a" * 64),  # a float overflow in the clock check: was a 500
        (None, "g" * 64),
        ("١٧٠٠٠٠٠٠٠٠", "a" * 64),  # Arabic-Indic digits, which int() reads
    ],
)
def test_junk_signature_headers_are_refused_not_a_500(scene, kim_tan_official, timestamp, signature):
    raw = json.dumps({"id": "1", "status": "answered", "key": "1"}).encode()
    response = _post(raw, timestamp or str(int(time.time())), signature)
    assert response.status_code == 403 and response.json()["code"] == "calls_bad_signature"


def test_cancelling_takes_calls_back_from_staff_and_a_late_no_answer_is_not_tried_again(scene, kim_tan_official):
    campaign = _campaign(kim_tan_official, scene)
    services.calls_dispatch(now=at(9))  # handed to staff (outbox)
    by_switchboard = campaign.calls.order_by("id").first()
    Call.objects.filter(pk=by_switchboard.pk).update(placed_via="http", provider_id="sb-3")
    services.call_campaign_action(actor=kim_tan_official, campaign_id=campaign.pk, action="cancel")
    statuses = dict(campaign.calls.values_list("pk", "status"))
    assert statuses.pop(by_switchboard.pk) == Call.Status.DIALING  # the switchboard is on the line
    assert set(statuses.values()) == {Call.Status.CANCELLED}
    services.call_result_apply(call_id=by_switchboard.pk, status="no_answer", provider_id="sb-3")
    by_switchboard.refresh_from_db()
    assert by_switchboard.status == Call.Status.NO_ANSWER and by_switchboard.is_final


def test_staff_recording_present_after_the_case_was_withdrawn_sends_no_sms(scene, kim_tan_official):
    campaign = _campaign(kim_tan_official, scene)
    services.calls_dispatch(now=at(9))  # outbox: handed to staff
    call = campaign.calls.filter(status=Call.Status.DIALING).first()
    case_services.case_withdraw(actor=kim_tan_official, case=scene["case"], reason="Nhập nhầm kết quả")
    with pytest.raises(ApplicationError) as refused:
        services.call_outcome_record(
            actor=kim_tan_official, call_id=call.pk, result="present", campaign_id=campaign.pk, now=at(9, 5)
        )
    # The SMS "make a health declaration" for an exposure to a case that never was.
    assert not Message.objects.filter(phone=call.phone).exists()
    assert refused.value.code == "calls_call_cancelled" and refused.value.extra == {"reason": "case_withdrawn"}
    message = refused.value.as_dict()
    assert "Ca bệnh đã bị hủy" in message["message_vi"] and "Case withdrawn" in message["message_en"]
    call.refresh_from_db()
    assert call.status == Call.Status.CANCELLED and call.outcome == ""


def test_staff_recording_a_call_whose_contact_was_just_dismissed_cancels_it(scene, kim_tan_official):
    campaign = _campaign(kim_tan_official, scene)
    services.calls_dispatch(now=at(9))  # outbox: handed to staff
    candidate = scene["f1_candidate"]
    call = campaign.calls.get(contact=candidate)
    case_services.contact_status_set(actor=kim_tan_official, contact=candidate, status="dismissed", reason="x")
    # Before the next dispatch takes it back, the operator records what the person said.
    with pytest.raises(ApplicationError) as refused:
        services.call_outcome_record(actor=kim_tan_official, call_id=call.pk, result="present", now=at(9, 5))
    assert refused.value.code == "calls_call_cancelled" and refused.value.extra == {"reason": "contact_dismissed"}
    call.refresh_from_db()  # cancelled, and that was committed though the operator was refused
    assert (call.status, call.stop_reason, call.outcome) == (Call.Status.CANCELLED, "contact_dismissed", "")
    assert not Message.objects.exists()
    assert AuditLog.objects.filter(action="calls.call.cancelled", object_id=str(call.pk)).exists()


def test_a_key_1_from_the_switchboard_after_the_withdrawal_is_kept_without_an_sms(scene, kim_tan_official):
    campaign = _campaign(kim_tan_official, scene, f1_candidates=True)
    services.calls_dispatch(now=at(9))
    call = campaign.calls.get()
    Call.objects.filter(pk=call.pk).update(placed_via="http", provider_id="sb-9")  # on the line when withdrawn
    case_services.case_withdraw(actor=kim_tan_official, case=scene["case"], reason="Nhập nhầm kết quả")
    call.refresh_from_db()
    assert call.status == Call.Status.DIALING
    assert services.call_result_apply(call_id=call.pk, status="answered", key="1", provider_id="sb-9")[1]
    call.refresh_from_db()
    assert (call.outcome, call.sms_id, call.stop_reason) == ("present", None, "case_withdrawn")
    assert not Message.objects.exists()


def test_a_paused_campaign_leaves_the_dispatchers_index_and_comes_back(scene, kim_tan_official):
    campaign = _campaign(kim_tan_official, scene)
    services.call_campaign_action(actor=kim_tan_official, campaign_id=campaign.pk, action="pause")
    assert not Call.objects.filter(next_attempt_at__isnull=False).exists()
    assert campaign.calls.filter(parked_next_attempt_at=at(7)).count() == 3
    page = Client()
    page.force_login(kim_tan_official)
    assert ">3</b>" in page.get(f"/calls/{campaign.pk}/").content.decode()  # still counted as waiting
    services.call_campaign_action(actor=kim_tan_official, campaign_id=campaign.pk, action="resume")
    assert campaign.calls.filter(next_attempt_at=at(7), parked_next_attempt_at__isnull=True).count() == 3
    assert services.calls_dispatch(now=at(9)).placed == 3


def test_phones_never_reached_may_be_called_by_a_new_campaign(scene, kim_tan_official, calls_settings):
    calls_settings.CALLS_MAX_ATTEMPTS = 1
    campaign = _campaign(kim_tan_official, scene, f1_candidates=True)
    services.calls_dispatch(now=at(9))
    call = campaign.calls.get()
    services.call_outcome_record(actor=kim_tan_official, call_id=call.pk, result="no_answer")
    call.refresh_from_db()
    assert call.is_final
    campaign.refresh_from_db()
    assert campaign.status == CallCampaign.Status.FINISHED
    again = services.call_campaign_create(actor=kim_tan_official, case_id=scene["case"].pk, f1_candidates=True)
    assert list(again.calls.values_list("phone", flat=True)) == ["+84912000001"]


def test_a_reached_phone_is_not_called_again(scene, kim_tan_official):
    campaign = _campaign(kim_tan_official, scene, f1_candidates=True)
    services.calls_dispatch(now=at(9))
    services.call_outcome_record(actor=kim_tan_official, call_id=campaign.calls.get().pk, result="not_present")
    with pytest.raises(Exception) as refused:
        services.call_campaign_create(actor=kim_tan_official, case_id=scene["case"].pk, f1_candidates=True)
    assert refused.value.error.code == "calls_nothing_to_call"


def test_the_voice_reads_who_was_there_by_level_and_only_verified_venue_names(tree, scene, kim_tan_official, settings):
    settings.TRACING_MAX_LEVEL = 3  # a province that traces F3 (a setting)
    unchecked = venue(tree["kim_tan"], "Karaoke Tên Tự Đặt")
    Venue.objects.filter(pk=unchecked.pk).update(status=Venue.Status.PENDING)
    contact_with(
        kim_tan_official,
        scene["case"],
        person(tree["kim_tan"], "Lý Thị Tám", phone="+84912000008"),
        place_venue=unchecked,
        start=local(dt.date.today() - dt.timedelta(days=1), 20, 0),
    )
    contact_with(kim_tan_official, scene["case"], person(tree["kim_tan"], "Hà Văn Chín", phone="+84912000009"), level=3)
    campaign = services.call_campaign_create(
        actor=kim_tan_official, case_id=scene["case"].pk, f1_candidates=True, f1_confirmed=True, f2=True
    )
    texts = {
        call.phone: services.call_script(
            campaign.script_template,
            place=call.place,
            start=call.exposure_start,
            end=call.exposure_end,
            level=call.level,
        )
        for call in campaign.calls.all()
    }
    assert "Chợ Kim Tân" in texts["+84912000001"]  # verified: its name is read
    assert "Karaoke" not in texts["+84912000008"] and "một địa điểm công cộng" in texts["+84912000008"]
    assert "nơi có người có liên quan đến người mắc COVID-19." in texts["+84912000009"]  # F3


def test_the_sms_to_a_person_who_pressed_1_does_not_say_they_were_with_a_case(scene, kim_tan_official):
    """It goes to F2 too: it speaks of a risk, not of a case they met."""
    text = services.sms_text()
    assert "COVID-19" in text and "ca COVID" not in text and len(text) <= 160
    campaign = _campaign(kim_tan_official, scene)
    services.calls_dispatch(now=at(9))
    f2 = campaign.calls.get(level=2)
    services.call_outcome_record(actor=kim_tan_official, call_id=f2.pk, result="present")
    assert Message.objects.get(phone="+84912000003").text.startswith("Nganh Y te")


def test_telecom_places_are_read_in_one_query_whatever_the_number_of_contacts(
    tree, scene, kim_tan_official, django_assert_max_num_queries
):
    for number in range(30):
        who = person(tree["kim_tan"], f"Người {number}", phone=f"+849140{number:05d}")
        contact_with(kim_tan_official, scene["case"], who)
        ContactLink.objects.filter(contact__person=who).update(
            source=ContactLink.Source.TELECOM, setting=ContactLink.Setting.CELL, place="viettel TTH-KT-01"
        )
    with django_assert_max_num_queries(12):
        plan = services.campaign_targets(
            viewer=kim_tan_official, case=scene["case"], kinds={"f1_candidates", "f1_confirmed", "f2"}
        )
    assert sum(1 for target in plan.targets if "TTH-KT-01" in target.place) == 30


def test_a_call_answered_while_its_campaign_is_paused_is_not_dialled_again_after_resume(scene, kim_tan_official):
    """Staff recorded an answer for a waiting call of a paused campaign; the parked time came back on resume, the
    dispatcher took the answered call and the database's check refused the whole run, every minute, for every
    campaign (second review)."""
    campaign = _campaign(kim_tan_official, scene)
    services.call_campaign_action(actor=kim_tan_official, campaign_id=campaign.pk, action="pause")
    answered = campaign.calls.order_by("id").first()
    services.call_outcome_record(actor=kim_tan_official, call_id=answered.pk, result="present")
    answered.refresh_from_db()
    assert answered.parked_next_attempt_at is None and answered.next_attempt_at is None
    services.call_campaign_action(actor=kim_tan_official, campaign_id=campaign.pk, action="resume")
    assert services.calls_dispatch(now=at(9)).placed == 2
    answered.refresh_from_db()
    assert (answered.status, answered.attempts) == (Call.Status.ANSWERED, 1)


def test_numbers_go_with_the_trace_that_listed_them_not_the_campaign(scene, kim_tan_official, settings):
    settings.TELECOM_RETENTION_DAYS = 30
    campaign = _campaign(kim_tan_official, scene)
    stranger = Call.objects.create(
        campaign=campaign,
        phone="+84394000777",
        source=Call.Source.TELECOM,
        place="",  # a subscriber the trace listed without a cell
        telecom_trace_at=timezone.now() - dt.timedelta(days=20),
    )
    assert services.calls_telecom_prune(now=timezone.now() + dt.timedelta(days=9)) == 0
    assert services.calls_telecom_prune(now=timezone.now() + dt.timedelta(days=11)) == 1
    stranger.refresh_from_db()
    assert stranger.pruned and stranger.phone == f"x{stranger.pk}"
    assert services.calls_telecom_prune(now=timezone.now() + dt.timedelta(days=12)) == 0  # once
