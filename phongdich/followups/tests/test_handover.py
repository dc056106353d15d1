"""Handing a follow-up to another commune: the district or province finds the commune of a task whose address was
known only to it, or moves a task that reached the wrong commune; refusals write nothing."""

import pytest
from django.urls import reverse

from phongdich.accounts.models import Official
from phongdich.core.errors import ApplicationError
from phongdich.core.models import AuditLog, IdempotencyKey
from phongdich.core.testing import make_official
from phongdich.followups.models import FollowUpHandover, FollowUpTask
from phongdich.followups.services import followup_call_record, followup_task_hand_over

from .builders import declare, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def district_official(tree):
    return make_official(Official.Role.HEALTH_DEPT, tree["district"], "ttyt_thachthanh")


@pytest.fixture
def unplaced(tree, django_capture_on_commit_callbacks):
    """A declaration with an address known only to the district: the task waits at the district."""
    person = make_person(None, name="Phạm Văn Tùng", recorded_in=tree["district"], phone="+84911000222")
    with django_capture_on_commit_callbacks(execute=True):
        declaration = declare(person, area=tree["district"], symptoms=["cough"])
    task = declaration.followup_task
    assert (task.area, task.area_is_commune) == (tree["district"], False)
    return task


def test_the_district_hands_a_task_to_the_commune_it_found(unplaced, tree, district_official, thach_lam_official):
    task = followup_task_hand_over(
        actor=district_official, task_id=unplaced.pk, area_id=tree["thach_lam"].pk, note="Gọi được: ở thôn 3 Thạch Lâm"
    )
    task.refresh_from_db()
    assert (task.area, task.area_path, task.area_is_commune, task.assigned_to) == (
        tree["thach_lam"],
        tree["thach_lam"].path,
        True,
        None,
    )
    handover = FollowUpHandover.objects.get()
    assert (handover.from_area, handover.to_area, handover.official) == (
        tree["district"],
        tree["thach_lam"],
        district_official,
    )
    assert handover.note == "Gọi được: ở thôn 3 Thạch Lâm"
    audit = AuditLog.objects.get(action="followups.task.handed_over")
    assert audit.extra == {"handover": handover.pk, "from": "391", "to": "15196"}
    # It is now in Thạch Lâm's queue, and Thạch Lâm's staff can record calls on it.
    followup_call_record(actor=thach_lam_official, task_id=task.pk, outcome="reached")


def test_a_commune_task_leaves_its_assignee_when_handed_over(flagged, tree, district_official, kim_tan_official):
    followup_call_record(actor=kim_tan_official, task_id=flagged.pk, outcome="reached")
    followup_task_hand_over(actor=district_official, task_id=flagged.pk, area_id=tree["thach_lam"].pk)
    flagged.refresh_from_db()
    assert (flagged.area, flagged.assigned_to, flagged.status) == (tree["thach_lam"], None, "reached")


def _audit_seen_by(viewer):
    """The audit entries an area-scoped view shows the viewer (AuditLog.area_path under their area: core.scoping)."""
    from phongdich.core.scoping import scope_q

    return AuditLog.objects.filter(scope_q(viewer, "area_path"))


def test_both_communes_see_the_hand_over_in_their_audit(flagged, tree, district_official, kim_tan_official):
    """The commune the task left sees that it left (and where to), the one that received it that it came; the
    district above both sees the two sides, under two actions, so that a hand-over is not counted twice."""
    thach_lam_official = make_official(Official.Role.AREA_OFFICIAL, tree["thach_lam"], "xa_thachlam")
    followup_task_hand_over(actor=district_official, task_id=flagged.pk, area_id=tree["thach_lam"].pk)
    handover = FollowUpHandover.objects.get()
    sides = {"handover": handover.pk, "from": tree["kim_tan"].code, "to": tree["thach_lam"].code}
    (left,) = _audit_seen_by(kim_tan_official).filter(action__startswith="followups.task.handed")
    assert (left.action, left.area_path, left.extra, left.object_id) == (
        "followups.task.handed_away",
        tree["kim_tan"].path,
        sides,
        str(flagged.pk),
    )
    (came,) = _audit_seen_by(thach_lam_official).filter(action__startswith="followups.task.handed")
    assert (came.action, came.area_path, came.extra) == ("followups.task.handed_over", tree["thach_lam"].path, sides)
    assert _audit_seen_by(district_official).filter(action__startswith="followups.task.handed").count() == 2


@pytest.mark.parametrize(
    "target",
    [
        "district",  # not a commune
        "village",  # below a commune
        "kim_tan",  # where the task already is
        "hoan_kiem",  # a commune outside the official's area
        None,
    ],
)
def test_refused_areas_write_nothing(flagged, tree, district_official, target):
    area_id = tree[target].pk if target else 987654321
    with pytest.raises(ApplicationError) as raised:
        followup_task_hand_over(actor=district_official, task_id=flagged.pk, area_id=area_id)
    assert raised.value.code == "followup_handover_area_invalid" and raised.value.status == 400
    flagged.refresh_from_db()
    assert flagged.area == tree["kim_tan"]
    assert not FollowUpHandover.objects.exists()
    assert not AuditLog.objects.filter(action__startswith="followups.task.handed").exists()


def test_a_commune_cannot_hand_over_outside_its_area_nor_see_other_tasks(
    flagged, unplaced, tree, kim_tan_official, thach_lam_official
):
    with pytest.raises(ApplicationError) as raised:  # Thạch Lâm is not Kim Tân's to give to
        followup_task_hand_over(actor=kim_tan_official, task_id=flagged.pk, area_id=tree["thach_lam"].pk)
    assert raised.value.code == "followup_handover_area_invalid"
    with pytest.raises(ApplicationError) as raised:  # the district's task is not Thạch Lâm's to see
        followup_task_hand_over(actor=thach_lam_official, task_id=unplaced.pk, area_id=tree["thach_lam"].pk)
    assert raised.value.code == "not_found"


def test_a_closed_task_stays_where_it_is(flagged, tree, district_official):
    followup_call_record(actor=district_official, task_id=flagged.pk, outcome="cleared")
    with pytest.raises(ApplicationError) as raised:
        followup_task_hand_over(actor=district_official, task_id=flagged.pk, area_id=tree["thach_lam"].pk)
    assert raised.value.code == "followup_task_closed" and raised.value.status == 409
    assert FollowUpTask.objects.get(pk=flagged.pk).area == tree["kim_tan"]


def test_the_page_hands_over_and_shows_the_hand_over(unplaced, tree, district_official, client):
    client.force_login(district_official)
    detail = reverse("followups:detail", args=[unplaced.pk])
    page = client.get(detail).content.decode()
    assert 'id="hand-over"' in page and 'data-kind="commune"' in page
    url = reverse("followups:hand_over", args=[unplaced.pk])
    refused = client.post(url, {"area": "", "note": "x"})
    assert refused.status_code == 400 and "Chọn xã/phường nhận việc theo dõi." in refused.content.decode()
    outside = client.post(url, {"area": tree["hoan_kiem"].pk})
    assert outside.status_code == 400
    assert "Chỉ chuyển được cho một xã/phường" in outside.content.decode()
    garbage = client.post(url, {"area": "abc"})
    assert garbage.status_code == 400
    done = client.post(url, {"area": tree["thach_lam"].pk, "note": "Ở Thạch Lâm"})
    assert done.status_code == 302 and done["Location"] == detail
    page = client.get(detail).content.decode()
    assert 'id="handovers"' in page and "Ở Thạch Lâm" in page and "Xã Thạch Lâm" in page
    assert "Chuyển từ" in page and "Từ ngày" not in page  # its own words, not another page's "From" (a date)


def test_the_api_hands_over(unplaced, tree, district_official, client):
    client.force_login(district_official)
    url = f"/api/v1/followups/{unplaced.pk}/hand-over/"
    refused = client.post(url, {"area": tree["district"].pk}, content_type="application/json")
    assert refused.status_code == 400 and refused.json()["code"] == "followup_handover_area_invalid"
    assert client.post(url, {"area": "x"}, content_type="application/json").status_code == 400
    assert (
        client.post("/api/v1/followups/99999999/hand-over/", {"area": 1}, content_type="application/json").status_code
        == 404
    )
    done = client.post(url, {"area": tree["thach_lam"].pk, "note": "Ở Thạch Lâm"}, content_type="application/json")
    assert done.status_code == 200, done.json()
    body = done.json()
    assert body["area"]["code"] == "15196" and body["area_is_commune"] is True
    detail = client.get(f"/api/v1/followups/{unplaced.pk}/").json()
    assert [(h["from_area"]["code"], h["to_area"]["code"], h["note"]) for h in detail["handovers"]] == [
        ("391", "15196", "Ở Thạch Lâm")
    ]


def test_the_receiving_commune_sees_whom_to_call(unplaced, tree, district_official, thach_lam_official, client):
    """The person's record stays filed at the district: the commune that now follows the task up reads it for the
    task (audited with the task), the page then shows the name and phone; no other commune does."""
    followup_task_hand_over(actor=district_official, task_id=unplaced.pk, area_id=tree["thach_lam"].pk)
    client.force_login(thach_lam_official)
    page = client.get(reverse("followups:detail", args=[unplaced.pk])).content.decode()
    assert "Phạm Văn Tùng" in page and "+84911000222" in page
    read = AuditLog.objects.filter(action="people.person.viewed", actor=thach_lam_official).get()
    assert read.extra == {"duty": f"followups.task:{unplaced.pk}"} and read.reason == "follow-up"
    assert 'id="hand-over"' not in page  # a commune has no other commune to hand it to
    other = make_official(Official.Role.AREA_OFFICIAL, tree["kim_tan"], "yte_kimtan2")
    client.force_login(other)
    assert client.get(reverse("followups:detail", args=[unplaced.pk])).status_code == 404
    assert not AuditLog.objects.filter(action="people.person.viewed", actor=other).exists()


def test_a_hand_over_of_a_closed_task_says_why_on_the_page(flagged, tree, district_official, client):
    followup_call_record(actor=district_official, task_id=flagged.pk, outcome="cleared")
    client.force_login(district_official)
    response = client.post(reverse("followups:hand_over", args=[flagged.pk]), {"area": tree["thach_lam"].pk})
    assert response.status_code == 409 and 'id="hand-over-error"' in response.content.decode()


def test_past_days_count_a_handed_over_task_where_it_was_then(flagged, tree, district_official):
    """The queue's past-day counts (declaration statistics) follow the task's area at each moment."""
    import datetime as dt

    from django.utils import timezone

    from phongdich.followups.selectors import followup_open_at

    now = timezone.now()
    FollowUpTask.objects.filter(pk=flagged.pk).update(declared_at=now - dt.timedelta(days=4))
    followup_task_hand_over(actor=district_official, task_id=flagged.pk, area_id=tree["thach_lam"].pk)
    FollowUpHandover.objects.update(at=now - dt.timedelta(days=1, hours=12))
    moments = [now - dt.timedelta(days=3), now - dt.timedelta(days=2), now - dt.timedelta(days=1), now]

    def counts(area):
        return [count for count, _ in followup_open_at(area_path=area.path, moments=moments)]

    assert counts(tree["kim_tan"]) == [1, 1, 0, 0]
    assert counts(tree["thach_lam"]) == [0, 0, 1, 1]
    assert counts(tree["district"]) == [1, 1, 1, 1]  # inside the district all along
    assert counts(tree["hanoi"]) == [0, 0, 0, 0]
    oldest = followup_open_at(area_path=tree["thach_lam"].path, moments=[now])[0][1]
    assert oldest == FollowUpTask.objects.get(pk=flagged.pk).declared_at


def test_a_repeated_api_hand_over_is_read_again_and_a_field_it_does_not_take_is_refused(
    unplaced, tree, district_official, client
):
    """With its Idempotency-Key a hand-over repeated answers the task read again (not the person's initials kept in
    the store), once; a field the hand-over does not take (`commune` for `area`) is invalid_input naming it."""
    client.force_login(district_official)
    url = f"/api/v1/followups/{unplaced.pk}/hand-over/"
    misnamed = client.post(url, {"commune": tree["thach_lam"].pk, "area": tree["thach_lam"].pk}, "application/json")
    assert misnamed.status_code == 400 and list(misnamed.json()["extra"]["fields"]) == ["commune"]
    assert not FollowUpHandover.objects.exists()

    body, key = {"area": tree["thach_lam"].pk}, {"HTTP_IDEMPOTENCY_KEY": "hand-1"}
    first = client.post(url, body, content_type="application/json", **key)
    assert first.status_code == 200, first.json()
    again = client.post(url, body, content_type="application/json", **key)
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert {k: v for k, v in again.json().items() if k != "age_hours"} == {
        k: v for k, v in first.json().items() if k != "age_hours"
    }
    assert FollowUpHandover.objects.count() == 1
    stored = IdempotencyKey.objects.get(key="hand-1").response_body
    assert "person_initials" not in stored and set(stored) == {"id", "status"}
