"""Recording calls: outcomes move the task on, closing statuses set closed_at, and refusals write nothing."""

import datetime as dt

import pytest
from django.utils import timezone

from phongdich.accounts.models import Official
from phongdich.core.errors import ApplicationError
from phongdich.core.models import AuditLog
from phongdich.core.testing import make_official
from phongdich.followups.models import FollowUpCall, FollowUpTask
from phongdich.followups.services import followup_call_record

pytestmark = pytest.mark.django_db


def record(actor, task, outcome, **kwargs):
    return followup_call_record(actor=actor, task_id=task.pk, outcome=outcome, **kwargs)


def test_reached_keeps_the_task_in_the_queue_and_assigns_the_caller(flagged, kim_tan_official):
    call = record(kim_tan_official, flagged, "reached", notes="Sốt nhẹ, hẹn gọi lại")
    flagged.refresh_from_db()
    assert (flagged.status, flagged.closed_at, flagged.assigned_to) == ("reached", None, kim_tan_official)
    assert (flagged.calls_count, flagged.last_call_at) == (1, call.at)
    assert call.closed_task is False and call.notes == "Sốt nhẹ, hẹn gọi lại"
    audit = AuditLog.objects.get(action="followups.call.recorded")
    assert (audit.actor, audit.object_id, audit.extra["outcome"]) == (kim_tan_official, str(flagged.pk), "reached")


@pytest.mark.parametrize("outcome", ["referred_test", "cleared"])
def test_referred_and_cleared_close_the_task(flagged, kim_tan_official, outcome):
    now = timezone.now()
    record(kim_tan_official, flagged, "reached", now=now)
    call = record(kim_tan_official, flagged, outcome, now=now)
    flagged.refresh_from_db()
    assert (flagged.status, flagged.closed_at, flagged.calls_count) == (outcome, now, 2)
    assert call.closed_task is True


def test_could_not_reach_leaves_the_task_open_until_the_official_stops_trying(flagged, kim_tan_official):
    record(kim_tan_official, flagged, "could_not_reach")
    flagged.refresh_from_db()
    assert (flagged.status, flagged.closed_at) == ("open", None)
    record(kim_tan_official, flagged, "could_not_reach", close_unreachable=True)
    flagged.refresh_from_db()
    assert flagged.status == FollowUpTask.Status.UNREACHABLE and flagged.closed_at is not None


def test_a_closed_task_takes_no_more_calls(flagged, kim_tan_official):
    record(kim_tan_official, flagged, "cleared")
    with pytest.raises(ApplicationError) as exc:
        record(kim_tan_official, flagged, "reached")
    assert (exc.value.code, exc.value.status) == ("followup_task_closed", 409)
    assert FollowUpCall.objects.count() == 1


def test_stop_trying_only_with_could_not_reach(flagged, kim_tan_official):
    with pytest.raises(ApplicationError) as exc:
        record(kim_tan_official, flagged, "reached", close_unreachable=True)
    assert exc.value.code == "followup_close_not_allowed"
    assert FollowUpCall.objects.count() == 0


def test_call_time_before_the_declaration_or_in_the_future_is_refused(flagged, kim_tan_official):
    for at in (flagged.declared_at - dt.timedelta(minutes=2), timezone.now() + dt.timedelta(hours=1)):
        with pytest.raises(ApplicationError) as exc:
            record(kim_tan_official, flagged, "reached", at=at)
        assert exc.value.code == "followup_call_time_invalid"
    flagged.refresh_from_db()
    assert (FollowUpCall.objects.count(), flagged.status, flagged.calls_count) == (0, "open", 0)


def test_unknown_outcome_and_oversize_notes_are_invalid_input(flagged, kim_tan_official):
    with pytest.raises(ApplicationError) as exc:
        record(kim_tan_official, flagged, "sent_flowers")
    assert exc.value.code == "invalid_input" and "outcome" in exc.value.extra["fields"]
    with pytest.raises(ApplicationError) as exc:
        record(kim_tan_official, flagged, "reached", notes="x" * 2001)
    assert "notes" in exc.value.extra["fields"]
    assert FollowUpCall.objects.count() == 0


def test_the_same_nonce_records_one_call(flagged, kim_tan_official):
    first = record(kim_tan_official, flagged, "reached", nonce="n-1")
    again = record(kim_tan_official, flagged, "reached", nonce="n-1")
    assert (again.pk, again.replayed, first.replayed) == (first.pk, True, False)
    flagged.refresh_from_db()
    assert flagged.calls_count == 1


def test_official_of_another_commune_cannot_record_a_call(flagged, thach_lam_official):
    with pytest.raises(ApplicationError) as exc:
        record(thach_lam_official, flagged, "cleared")
    assert exc.value.code == "not_found"
    flagged.refresh_from_db()
    assert (flagged.status, FollowUpCall.objects.count()) == ("open", 0)


def test_officials_above_the_commune_may_record_calls(flagged, tree):
    district = make_official(Official.Role.HEALTH_DEPT, tree["district"])
    record(district, flagged, "referred_test")
    flagged.refresh_from_db()
    assert flagged.status == "referred_test"


def test_venue_roles_may_not_record_calls(flagged, tree):
    staff = make_official(Official.Role.VENUE_STAFF, tree["kim_tan"])
    with pytest.raises(ApplicationError) as exc:
        record(staff, flagged, "reached")
    assert exc.value.code == "permission_denied"
