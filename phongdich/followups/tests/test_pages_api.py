"""Queue pages and API: the right commune's official sees the task; another commune's gets an empty list and
404s, through the page and the API; calls are recorded from both; reads of the person are audited."""

import json

import pytest
from django.urls import reverse

from phongdich.accounts.models import Official
from phongdich.core.models import AuditLog
from phongdich.core.testing import make_official
from phongdich.followups.models import FollowUpCall

from .builders import declare, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def post_json(client, url, body, **headers):
    return client.post(url, json.dumps(body), content_type="application/json", headers=headers)


# --- The right commune and nowhere else ---------------------------------------------------------


def test_symptomatic_declaration_is_in_its_communes_queue_page_and_api(flagged, kim_tan_official, as_user):
    client = as_user(kim_tan_official)
    page = client.get(reverse("followups:queue"))
    assert page.status_code == 200
    assert "Lê Thị Hoa" in page.content.decode()
    assert reverse("followups:detail", args=[flagged.pk]) in page.content.decode()
    api = client.get("/api/v1/followups/").json()
    assert api["count"] == 1 and api["results"][0]["id"] == flagged.pk
    assert api["results"][0]["area"]["code"] == "15187"
    assert api["results"][0]["reason_en"] == (
        "Symptoms: fever. Exposure: A person with fever, cough, shortness of breath or pneumonia."
    )


def test_the_queue_that_names_people_is_an_audited_read_on_the_page_and_in_the_api(flagged, kim_tan_official, as_user):
    """The queue shows each task's person (full name on the page, symptoms declared): it left no audit entry."""
    client = as_user(kim_tan_official)
    assert "Lê Thị Hoa" in client.get(reverse("followups:queue")).content.decode()
    assert client.get("/api/v1/followups/").json()["count"] == 1
    listed = AuditLog.objects.filter(actor=kim_tan_official, action="followups.task.listed").order_by("id")
    assert [(entry.extra["via"], entry.extra["tasks"]) for entry in listed] == [
        ("page", [flagged.pk]),
        ("api", [flagged.pk]),
    ]


def test_another_communes_official_sees_an_empty_queue_and_404s(flagged, thach_lam_official, as_user):
    client = as_user(thach_lam_official)
    page = client.get(reverse("followups:queue"))
    assert page.status_code == 200 and "Lê Thị Hoa" not in page.content.decode()
    assert client.get("/api/v1/followups/").json()["count"] == 0
    assert client.get(reverse("followups:detail", args=[flagged.pk])).status_code == 404
    detail = client.get(f"/api/v1/followups/{flagged.pk}/")
    assert (detail.status_code, detail.json()["code"]) == (404, "not_found")
    call = post_json(client, f"/api/v1/followups/{flagged.pk}/calls/", {"outcome": "cleared"})
    assert call.status_code == 404
    page_post = client.post(
        reverse("followups:detail", args=[flagged.pk]),
        {"outcome": "cleared", "at": "2026-01-01T10:00", "nonce": "x1"},
    )
    assert page_post.status_code == 404
    # Asking for Kim Tân's queue by its area id is a 404 too, not an empty list.
    kim_tan_id = flagged.area_id
    assert client.get(reverse("followups:queue"), {"area": kim_tan_id}).status_code == 404
    assert client.get("/api/v1/followups/", {"area": kim_tan_id}).status_code == 404
    assert client.get("/api/v1/followups/stats/", {"area": kim_tan_id}).status_code == 404
    assert FollowUpCall.objects.count() == 0


def test_another_provinces_official_sees_nothing(flagged, tree, as_user):
    hanoi = make_official(Official.Role.HEALTH_DEPT, tree["hanoi"])
    client = as_user(hanoi)
    assert client.get("/api/v1/followups/", {"status": "all"}).json()["count"] == 0
    assert client.get(f"/api/v1/followups/{flagged.pk}/").status_code == 404


def test_venue_staff_get_403_from_page_and_api(flagged, tree, as_user):
    client = as_user(make_official(Official.Role.VENUE_STAFF, tree["kim_tan"]))
    assert client.get(reverse("followups:queue")).status_code == 403
    assert client.get("/api/v1/followups/").status_code == 403


def test_anonymous_is_sent_to_login_or_401(flagged, client):
    assert client.get(reverse("followups:queue")).status_code == 302
    assert client.get("/api/v1/followups/").status_code in (401, 403)


# --- Detail and calls ---------------------------------------------------------------------------


def test_detail_page_shows_answers_and_person_and_audits_the_read_as_follow_up(flagged, kim_tan_official, as_user):
    client = as_user(kim_tan_official)
    response = client.get(reverse("followups:detail", args=[flagged.pk]))
    text = response.content.decode()
    assert response.status_code == 200
    assert "Lê Thị Hoa" in text and "+84987654321" in text and "Sốt" in text
    assert "Người có biểu hiện (sốt, ho, khó thở, viêm phổi)" in text
    read = AuditLog.objects.get(action="people.person.viewed")
    assert (read.actor, read.reason, read.object_id) == (kim_tan_official, "follow-up", str(flagged.person_id))


def test_detail_page_records_a_call_once_even_if_posted_twice(flagged, kim_tan_official, as_user):
    client = as_user(kim_tan_official)
    url = reverse("followups:detail", args=[flagged.pk])
    form = {"outcome": "reached", "at": "", "notes": "Đã gọi, sốt nhẹ", "nonce": "page-nonce-1"}
    from django.utils import timezone

    form["at"] = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    first = client.post(url, form)
    second = client.post(url, form)
    assert first.status_code == second.status_code == 302
    assert FollowUpCall.objects.count() == 1
    flagged.refresh_from_db()
    assert flagged.status == "reached"
    assert "Đã gọi, sốt nhẹ" in client.get(url).content.decode()


def test_detail_page_refuses_a_call_on_a_closed_task_with_the_message(flagged, kim_tan_official, as_user):
    from phongdich.followups.services import followup_call_record

    followup_call_record(actor=kim_tan_official, task_id=flagged.pk, outcome="cleared")
    client = as_user(kim_tan_official)
    from django.utils import timezone

    response = client.post(
        reverse("followups:detail", args=[flagged.pk]),
        {"outcome": "reached", "at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "nonce": "n2"},
    )
    assert response.status_code == 409
    assert "Việc theo dõi này đã kết thúc" in response.content.decode()
    assert FollowUpCall.objects.count() == 1


def test_detail_page_with_a_bad_form_is_400_and_writes_nothing(flagged, kim_tan_official, as_user):
    client = as_user(kim_tan_official)
    response = client.post(reverse("followups:detail", args=[flagged.pk]), {"outcome": "maybe", "at": "soon"})
    assert response.status_code == 400
    assert FollowUpCall.objects.count() == 0


def test_api_call_with_idempotency_key_records_one_call(flagged, kim_tan_official, as_user):
    client = as_user(kim_tan_official)
    url = f"/api/v1/followups/{flagged.pk}/calls/"
    body = {"outcome": "referred_test", "notes": "Hẹn lấy mẫu tại trạm y tế"}
    first = post_json(client, url, body, **{"Idempotency-Key": "call-1"})
    again = post_json(client, url, body, **{"Idempotency-Key": "call-1"})
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert first.json()["task"]["status"] == "referred_test" and first.json()["task"]["closed_at"]
    assert FollowUpCall.objects.count() == 1
    closed = post_json(client, url, {"outcome": "reached"})
    assert (closed.status_code, closed.json()["code"]) == (409, "followup_task_closed")


@pytest.mark.parametrize(
    "body",
    [{}, {"outcome": "nope"}, {"outcome": "reached", "at": "yesterday"}, {"outcome": "reached", "notes": "x" * 3000}],
)
def test_api_call_bad_input_is_400_and_writes_nothing(flagged, kim_tan_official, as_user, body):
    response = post_json(as_user(kim_tan_official), f"/api/v1/followups/{flagged.pk}/calls/", body)
    assert response.status_code == 400 and response.json()["code"] == "invalid_input"
    assert FollowUpCall.objects.count() == 0


def test_api_call_junk_bodies_are_4xx(flagged, kim_tan_official, as_user):
    client = as_user(kim_tan_official)
    url = f"/api/v1/followups/{flagged.pk}/calls/"
    assert client.post(url, "{not json", content_type="application/json").status_code == 400
    assert client.post(url, "outcome=reached", content_type="text/plain").status_code == 415
    assert post_json(client, url, ["reached"]).status_code == 400
    assert post_json(client, "/api/v1/followups/99999999999999999999/calls/", {"outcome": "reached"}).status_code == 404


def test_api_detail_gives_answers_person_and_calls(flagged, kim_tan_official, as_user):
    client = as_user(kim_tan_official)
    post_json(client, f"/api/v1/followups/{flagged.pk}/calls/", {"outcome": "could_not_reach"})
    body = client.get(f"/api/v1/followups/{flagged.pk}/").json()
    assert body["declaration"]["symptoms"] == [{"code": "fever", "vi": "Sốt", "en": "Fever"}]
    assert body["person"]["full_name"] == "Lê Thị Hoa"
    assert [call["outcome"] for call in body["calls"]] == ["could_not_reach"]
    assert body["status"] == "open"


def test_api_queue_stats(flagged, kim_tan_official, as_user):
    body = as_user(kim_tan_official).get("/api/v1/followups/stats/").json()
    assert body["open_count"] == 1 and body["under_24h"] == 1 and body["over_3_days"] == 0


# --- Filters, paging and cost --------------------------------------------------------------------


def test_queue_page_bad_filter_is_400(flagged, kim_tan_official, as_user):
    client = as_user(kim_tan_official)
    assert client.get(reverse("followups:queue"), {"age": "ancient"}).status_code == 400
    assert client.get(reverse("followups:queue"), {"area": "abc"}).status_code == 400
    assert client.get("/api/v1/followups/", {"status": "lost"}).json()["code"] == "followup_invalid_filter"


def test_queue_page_in_english_shows_english_reasons(flagged, kim_tan_official, as_user):
    client = as_user(kim_tan_official)
    text = client.get("/en/followups/").content.decode()
    assert "Symptoms: fever." in text and "Follow-up queue" in text


def test_queue_page_query_count_does_not_grow_with_the_queue(
    tree, kim_tan_official, as_user, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    for index in range(60):
        with django_capture_on_commit_callbacks(execute=True):
            declare(make_person(tree["kim_tan"], name=f"Người số {index}"), symptoms=["cough"])
    client = as_user(kim_tan_official)
    client.get(reverse("followups:queue"))  # warm the session
    with django_assert_max_num_queries(12):  # 10, and the audit entry of the list and its check (AuditReadsKept)
        response = client.get(reverse("followups:queue"), {"page": 2})
    assert response.status_code == 200 and "Người số 59" in response.content.decode()


def test_detail_page_in_english_shows_english_answers(flagged, kim_tan_official, as_user):
    text = as_user(kim_tan_official).get(f"/en/followups/{flagged.pk}/").content.decode()
    assert "Fever" in text and "A person with fever, cough, shortness of breath or pneumonia" in text
    assert "Record a call" in text


def test_admin_lists_only_the_officials_area_read_only(flagged, tree, kim_tan_official, thach_lam_official, rf):
    from django.contrib.admin.sites import site

    from phongdich.followups.models import FollowUpTask

    model_admin = site._registry[FollowUpTask]
    for user, expected in ((kim_tan_official, [flagged.pk]), (thach_lam_official, [])):
        request = rf.get("/admin/followups/followuptask/")
        request.user = user
        assert list(model_admin.get_queryset(request).values_list("pk", flat=True)) == expected
        assert not model_admin.has_change_permission(request, flagged)
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_delete_permission(request, flagged)


def test_admin_change_page_is_audited(flagged, admin_client):
    response = admin_client.get(f"/admin/followups/followuptask/{flagged.pk}/change/")
    assert response.status_code == 200 and "Lê Thị Hoa" in response.content.decode()
    assert AuditLog.objects.filter(action="followups.task.viewed").count() == 1


def test_ids_beyond_a_database_integer_are_404_on_pages(flagged, kim_tan_official, as_user):
    client = as_user(kim_tan_official)
    assert client.get("/followups/99999999999999999999/").status_code == 404
    response = client.post(
        "/followups/99999999999999999999/", {"outcome": "reached", "at": "2026-01-01T10:00", "nonce": "z"}
    )
    assert response.status_code == 404
