"""The same meeting entered twice (docs/cases.md, "The same meeting entered twice"): the same case, person, setting,
start and end under another nonce adds nothing, says so on the page, answers 200 with the link already there in the
API; other times (even overlapping) or another setting are another meeting, kept as told. The same for an F2 named
in an F1's interview."""

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from phongdich.core.models import AuditLog

from .. import services
from ..models import ContactLink
from .builders import case, person

HOUR = dt.timedelta(hours=1)


def _local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def scene(tree, kim_tan_official):
    now = timezone.now().replace(second=0, microsecond=0)
    return {
        "case": case(kim_tan_official, person(tree["kim_tan"], "Cao Văn Nguồn")),
        "wife": person(tree["kim_tan"], "Cao Thị Vợ"),
        "start": now - 40 * HOUR,
        "end": now - 39 * HOUR,
    }


def _page_post(client, scene, nonce, **fields):
    body = {
        "nonce": nonce,
        "person": scene["wife"].pk,
        "setting": "household",
        "exposure_start": _local(scene["start"]),
        "exposure_end": _local(scene["end"]),
        **fields,
    }
    return client.post(f"/cases/{scene['case'].pk}/interview/", body)


def test_the_same_meeting_entered_twice_on_the_page_is_recorded_once_and_said_so(client, scene, kim_tan_official):
    client.force_login(kim_tan_official)
    first = _page_post(client, scene, "interview-nonce-1")
    assert [str(m) for m in get_messages(first.wsgi_request)] == ["Đã thêm Cao Thị Vợ là F1."]
    second = _page_post(client, scene, "interview-nonce-2", place="Nhà riêng", note="nhập lại")
    assert second.status_code == 302
    # The first's message was not read yet (no page between): the second's comes after it, and says nothing added.
    assert [str(m) for m in get_messages(second.wsgi_request)] == [
        "Đã thêm Cao Thị Vợ là F1.",
        "Lần tiếp xúc này của Cao Thị Vợ đã được ghi nhận là căn cứ F1 của ca bệnh này: không thêm gì.",
    ]
    assert ContactLink.objects.count() == 1
    assert AuditLog.objects.filter(action="cases.contact.interview_added").count() == 1


def test_other_times_or_another_setting_are_another_meeting(client, scene, kim_tan_official):
    client.force_login(kim_tan_official)
    _page_post(client, scene, "interview-nonce-1")
    # Overlapping, not the same: a later, longer meeting told apart by the official, kept as told.
    _page_post(client, scene, "interview-nonce-2", exposure_end=_local(scene["end"] + HOUR))
    _page_post(client, scene, "interview-nonce-3", setting="transport")
    assert ContactLink.objects.count() == 3


def test_the_api_answers_200_with_the_link_already_recorded(client, scene, kim_tan_official):
    client.force_login(kim_tan_official)
    url = f"/api/v1/cases/{scene['case'].pk}/contacts/"
    body = {
        "person": scene["wife"].pk,
        "setting": "household",
        "exposure_start": scene["start"].isoformat(),
        "exposure_end": scene["end"].isoformat(),
    }
    first = client.post(url, {**body, "nonce": "api-nonce-001"}, content_type="application/json")
    second = client.post(url, {**body, "nonce": "api-nonce-002"}, content_type="application/json")
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json()["id"] == first.json()["id"]
    assert ContactLink.objects.count() == 1
    # Without times, the same setting twice is the same meeting too.
    bare = {"person": scene["wife"].pk, "setting": "workplace"}
    assert client.post(url, {**bare, "nonce": "api-nonce-003"}, content_type="application/json").status_code == 201
    assert client.post(url, {**bare, "nonce": "api-nonce-004"}, content_type="application/json").status_code == 200
    assert ContactLink.objects.count() == 2


def test_an_f2_meeting_entered_twice_through_the_same_f1_is_recorded_once(scene, tree, kim_tan_official):
    f1, _ = services.contact_interview_add(
        actor=kim_tan_official,
        case=scene["case"],
        person=scene["wife"],
        setting="household",
        nonce="f1-interview-1",
        exposure_start=scene["start"],
        exposure_end=scene["end"],
    )
    colleague = person(tree["kim_tan"], "Lê Thị Đồng Nghiệp")
    meeting = {
        "actor": kim_tan_official,
        "f1": f1.contact,
        "person": colleague,
        "setting": "workplace",
        "exposure_start": scene["start"] + 10 * HOUR,
        "exposure_end": scene["start"] + 11 * HOUR,
    }
    links, created = services.contact_interview_f2_add(nonce="f2-interview-1", **meeting)
    again, created_again = services.contact_interview_f2_add(nonce="f2-interview-2", **meeting)
    assert (created, created_again) == (True, False)
    assert [link.pk for link in again] == [link.pk for link in links]
    assert ContactLink.objects.filter(level=2).count() == 1
