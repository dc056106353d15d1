"""A call stopped because its contact closed, when the contact opens again (docs/calls.md, "A contact open again"): a
campaign still calling re-arms it, or sends the SMS a key 1 was held back from; an ended one does nothing."""

import datetime as dt

import pytest
from django.utils import timezone

from phongdich.cases import services as case_services
from phongdich.cases.models import Contact, ContactLink
from phongdich.cases.tests.builders import case as make_case
from phongdich.cases.tests.builders import link, person
from phongdich.core.dates import local_midnight
from phongdich.core.models import AuditLog
from phongdich.notifications.models import Message

from .. import services
from ..models import Call, CallCampaign
from .scene import at


def _dismiss(actor, contact):
    case_services.contact_status_set(actor=actor, contact=contact, status="dismissed", reason="Nhầm người")


def _undo(actor, contact):
    case_services.contact_status_set(actor=actor, contact=Contact.objects.get(pk=contact.pk), status="confirmed")


def test_a_dismissal_undone_while_the_campaign_runs_calls_the_contact_again(running, scene, kim_tan_official):
    candidate = scene["f1_candidate"]
    _dismiss(kim_tan_official, candidate)
    services.calls_dispatch(now=at(9))
    call = running.calls.get(contact=candidate)
    assert (call.status, call.stop_reason) == ("cancelled", "contact_dismissed")

    _undo(kim_tan_official, candidate)  # the camera was wrong: a contact after all
    outcome = services.calls_dispatch(now=at(9, 1))
    assert outcome.rearmed == 1
    call.refresh_from_db()
    # Re-armed and, in the same run, handed to staff (outbox) as any due call.
    assert (call.status, call.stop_reason, call.attempts, call.placed_via) == ("dialing", "", 1, "outbox")
    audit = AuditLog.objects.get(action="calls.call.rearmed")
    assert audit.extra == {
        "campaign": running.pk,
        "calls": {str(call.pk): "contact_dismissed"},
        "reason": "contact_reopened",
    }
    assert services.calls_dispatch(now=at(9, 2)).rearmed == 0  # once


def test_a_call_taken_back_from_staff_is_handed_out_again_when_the_contact_reopens(running, scene, kim_tan_official):
    services.calls_dispatch(now=at(9))  # outbox: all three with staff
    candidate = scene["f1_candidate"]
    _dismiss(kim_tan_official, candidate)
    assert services.calls_dispatch(now=at(9, 1)).taken_back == 1
    _undo(kim_tan_official, candidate)
    assert services.calls_dispatch(now=at(9, 2)).rearmed == 1
    call = running.calls.get(contact=candidate)
    assert (call.status, call.stop_reason, call.attempts) == ("dialing", "", 2)


def test_a_released_contact_met_by_a_new_case_is_called_again(running, scene, kim_tan_official, tree):
    confirmed = scene["f1_confirmed"]
    case_services.contact_status_set(actor=kim_tan_official, contact=confirmed, status="quarantined")
    case_services.contact_status_set(
        actor=kim_tan_official, contact=Contact.objects.get(pk=confirmed.pk), status="released", reason="Về sớm"
    )
    services.calls_dispatch(now=at(9))
    call = running.calls.get(contact=confirmed)
    assert (call.status, call.stop_reason) == ("cancelled", "contact_released")
    # A new case meets them after their quarantine: a candidate again (cases: "A closed contact met again").
    other = make_case(kim_tan_official, person(tree["kim_tan"], "Ca Mới"))
    # Met today, after the release ended the quarantine today (a meeting counts from its end day's midnight): "two
    # hours ago" fell on the day before between 00:00 and 02:00 (Vietnam), and the test failed then.
    now = timezone.now()
    met = max(now - dt.timedelta(hours=2), local_midnight(timezone.localdate(now)))
    minutes = max(1, int((now - met).total_seconds() // 60))
    link(confirmed.person, other, exposure_start=met, exposure_end=now, overlap_minutes=minutes)
    assert Contact.objects.get(pk=confirmed.pk).status == "candidate"
    assert services.calls_dispatch(now=at(9, 1)).rearmed == 1


def test_a_contact_whose_own_case_was_a_false_positive_is_called_again(running, scene, kim_tan_official):
    confirmed = scene["f1_confirmed"]
    own = make_case(kim_tan_official, confirmed.person)
    services.calls_dispatch(now=at(9))
    assert running.calls.get(contact=confirmed).stop_reason == "contact_became_case"
    case_services.case_withdraw(actor=kim_tan_official, case=own, reason="RT-PCR âm tính: test nhanh dương tính giả")
    assert Contact.objects.get(pk=confirmed.pk).status in ("candidate", "confirmed", "quarantined")
    assert services.calls_dispatch(now=at(9, 1)).rearmed == 1
    assert running.calls.get(contact=confirmed).status == "dialing"


def test_a_paused_campaign_keeps_the_rearmed_call_aside(running, scene, kim_tan_official):
    candidate = scene["f1_candidate"]
    _dismiss(kim_tan_official, candidate)
    services.calls_dispatch(now=at(9))
    services.call_campaign_action(actor=kim_tan_official, campaign_id=running.pk, action="pause")
    _undo(kim_tan_official, candidate)
    assert services.calls_dispatch(now=at(9, 1)).rearmed == 1
    call = running.calls.get(contact=candidate)
    assert (call.status, call.next_attempt_at, call.parked_next_attempt_at) == ("queued", None, at(9, 1))
    services.call_campaign_action(actor=kim_tan_official, campaign_id=running.pk, action="resume")
    services.calls_dispatch(now=at(9, 2))
    call.refresh_from_db()
    assert call.status == "dialing"


@pytest.mark.parametrize("ended", ["finished", "cancelled"])
def test_a_contact_reopened_after_the_campaign_ended_is_not_called(running, scene, kim_tan_official, ended):
    candidate = scene["f1_candidate"]
    _dismiss(kim_tan_official, candidate)
    services.calls_dispatch(now=at(9))
    CallCampaign.objects.filter(pk=running.pk).update(status=ended)
    _undo(kim_tan_official, candidate)
    assert services.calls_dispatch(now=at(9, 1)).rearmed == 0
    assert running.calls.get(contact=candidate).status == "cancelled"
    assert not AuditLog.objects.filter(action="calls.call.rearmed").exists()


def test_a_contact_open_again_only_through_another_case_is_not_called_about_this_one(
    running, scene, kim_tan_official, tree
):
    """The call reads this case's place and time: a contact whose evidence for it is gone stands on another case."""
    candidate = scene["f1_candidate"]
    _dismiss(kim_tan_official, candidate)
    services.calls_dispatch(now=at(9))
    other = make_case(kim_tan_official, person(tree["kim_tan"], "Ca Khác"))
    link(candidate.person, other, exposure_start=at(8), exposure_end=at(8, 30), overlap_minutes=30)
    ContactLink.objects.filter(contact=candidate, case=scene["case"]).delete()  # its check-in no longer found
    _undo(kim_tan_official, candidate)
    assert services.calls_dispatch(now=at(9, 1)).rearmed == 0


def test_a_phone_a_newer_campaign_of_the_case_took_meanwhile_is_not_called_twice(running, scene, kim_tan_official):
    candidate = scene["f1_candidate"]
    _dismiss(kim_tan_official, candidate)
    services.calls_dispatch(now=at(9))
    _undo(kim_tan_official, candidate)
    # Before the dispatcher's next run, a new campaign of the case takes the phone (a cancelled call is no reach).
    newer = services.call_campaign_create(actor=kim_tan_official, case_id=scene["case"].pk, f1_confirmed=True)
    assert newer.calls.filter(contact=candidate).exists()
    assert services.calls_dispatch(now=at(9, 1)).rearmed == 0
    assert running.calls.get(contact=candidate).status == "cancelled"


def test_a_key_1_held_back_while_the_contact_was_dismissed_gets_its_sms_when_they_reopen(
    scene, kim_tan_official, calls_settings
):
    """Key 1 is "I was there": the SMS asks for a health declaration. Held back while the official said "not a
    contact"; once that is undone, the answer stands and the SMS goes, within the calling hours."""
    campaign = services.call_campaign_create(
        actor=kim_tan_official, case_id=scene["case"].pk, f1_candidates=True, f1_confirmed=True
    )
    services.call_campaign_action(actor=kim_tan_official, campaign_id=campaign.pk, action="start", now=at(7))
    services.calls_dispatch(now=at(9))  # both placed; the other stays with staff, so the campaign goes on
    call = campaign.calls.get(contact=scene["f1_candidate"])
    Call.objects.filter(pk=call.pk).update(placed_via="http", provider_id="sb-1")  # on the line
    _dismiss(kim_tan_official, scene["f1_candidate"])
    services.call_result_apply(call_id=call.pk, status="answered", key="1", provider_id="sb-1", now=at(9, 2))
    call.refresh_from_db()
    assert (call.outcome, call.sms_id, call.stop_reason) == ("present", None, "contact_dismissed")
    _undo(kim_tan_official, scene["f1_candidate"])

    assert services.calls_dispatch(now=at(21)).sms_sent == 0  # not at night
    assert not Message.objects.exists()
    assert services.calls_dispatch(now=at(8, day=dt.date(2021, 9, 16))).sms_sent == 1
    call.refresh_from_db()
    assert call.sms_id and call.stop_reason == "" and call.status == "answered"
    assert Message.objects.get().phone == call.phone
    audit = AuditLog.objects.get(action="calls.call.sms_sent")
    assert audit.extra["calls"] == {str(call.pk): "contact_dismissed"}
    assert services.calls_dispatch(now=at(8, 1, day=dt.date(2021, 9, 16))).sms_sent == 0  # once


def test_a_key_1_held_back_in_a_campaign_that_finished_sends_nothing(scene, kim_tan_official):
    campaign = services.call_campaign_create(actor=kim_tan_official, case_id=scene["case"].pk, f1_candidates=True)
    services.call_campaign_action(actor=kim_tan_official, campaign_id=campaign.pk, action="start", now=at(7))
    services.calls_dispatch(now=at(9))
    call = campaign.calls.get()
    Call.objects.filter(pk=call.pk).update(placed_via="http", provider_id="sb-1")
    _dismiss(kim_tan_official, scene["f1_candidate"])
    services.call_result_apply(call_id=call.pk, status="answered", key="1", provider_id="sb-1", now=at(9, 2))
    assert CallCampaign.objects.get(pk=campaign.pk).status == "finished"
    _undo(kim_tan_official, scene["f1_candidate"])
    assert services.calls_dispatch(now=at(9, 5)).sms_sent == 0
    assert not Message.objects.exists()
