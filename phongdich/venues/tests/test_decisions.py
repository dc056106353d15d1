import pytest
from django.urls import reverse

from phongdich.core.errors import ApplicationError
from phongdich.core.models import AuditLog
from phongdich.core.testing import make_official
from phongdich.venues.models import Venue
from phongdich.venues.services import venue_reject, venue_suspend, venue_verify

pytestmark = pytest.mark.django_db


def test_commune_official_verifies_a_venue_of_their_commune(official_a, venue_a):
    venue = venue_verify(actor=official_a, venue=venue_a)
    venue_a.refresh_from_db()
    assert venue_a.status == Venue.Status.VERIFIED == venue.status
    assert venue_a.status_changed_by == official_a and venue_a.status_changed_at is not None
    log = AuditLog.objects.get(action="venues.venue.verified")
    assert log.actor == official_a and log.extra == {"from": "pending", "to": "verified"}


def test_province_health_department_may_verify_venues_of_its_communes(areas, venue_a):
    health = make_official("health_dept", areas["province"])
    assert venue_verify(actor=health, venue=venue_a).status == Venue.Status.VERIFIED


@pytest.mark.parametrize("role", ["venue_manager", "venue_staff"])
def test_venue_roles_may_not_verify_even_in_the_commune(areas, venue_a, role):
    user = make_official(role, areas["commune_a"])
    with pytest.raises(ApplicationError) as info:
        venue_verify(actor=user, venue=venue_a)
    assert info.value.code == "permission_denied"


def test_another_communes_official_may_not_verify_and_nothing_changes(official_b, venue_a):
    with pytest.raises(ApplicationError) as info:
        venue_verify(actor=official_b, venue=venue_a)
    assert info.value.code == "permission_denied"
    venue_a.refresh_from_db()
    assert venue_a.status == Venue.Status.PENDING
    assert not AuditLog.objects.filter(action="venues.venue.verified").exists()


def test_the_registering_manager_cannot_verify_their_own_venue(venue_a):
    with pytest.raises(ApplicationError) as info:
        venue_verify(actor=venue_a.registered_by, venue=venue_a)
    assert info.value.code == "permission_denied"


def test_reject_needs_a_reason(official_a, venue_a):
    with pytest.raises(ApplicationError) as info:
        venue_reject(actor=official_a, venue=venue_a, reason="   ")
    assert info.value.code == "status_reason_required"
    venue_a.refresh_from_db()
    assert venue_a.status == Venue.Status.PENDING


def test_reject_with_reason_is_recorded_and_audited(official_a, venue_a):
    venue_reject(actor=official_a, venue=venue_a, reason="Sai địa chỉ")
    venue_a.refresh_from_db()
    assert venue_a.status == Venue.Status.REJECTED and venue_a.status_reason == "Sai địa chỉ"
    assert AuditLog.objects.get(action="venues.venue.rejected").reason == "Sai địa chỉ"


def test_only_allowed_transitions(official_a, venue_a):
    with pytest.raises(ApplicationError) as info:
        venue_suspend(actor=official_a, venue=venue_a, reason="x")  # pending cannot be suspended
    assert info.value.code == "invalid_status_transition"
    venue_verify(actor=official_a, venue=venue_a)
    with pytest.raises(ApplicationError) as info:
        venue_verify(actor=official_a, venue=venue_a)  # already verified
    assert info.value.code == "invalid_status_transition"
    with pytest.raises(ApplicationError) as info:
        venue_reject(actor=official_a, venue=venue_a, reason="x")  # verified cannot be rejected
    assert info.value.code == "invalid_status_transition"
    venue_suspend(actor=official_a, venue=venue_a, reason="Không kiểm soát quét mã")
    assert venue_verify(actor=official_a, venue=venue_a).status == Venue.Status.VERIFIED  # reinstated


def test_rejected_venue_cannot_be_verified_later(official_a, venue_a):
    venue_reject(actor=official_a, venue=venue_a, reason="Trùng đăng ký")
    with pytest.raises(ApplicationError) as info:
        venue_verify(actor=official_a, venue=venue_a)
    assert info.value.code == "invalid_status_transition"


# --- through the API -------------------------------------------------------------------------------------


def test_api_verify_in_own_commune_and_404_for_another_commune(api, official_a, venue_a, venue_b):
    api.force_authenticate(official_a)
    ok = api.post(reverse("api-venues-verify", args=[venue_a.pk]), format="json")
    assert ok.status_code == 200 and ok.json()["status"] == "verified"
    other = api.post(reverse("api-venues-verify", args=[venue_b.pk]), format="json")
    assert other.status_code == 404 and other.json()["code"] == "not_found"
    venue_b.refresh_from_db()
    assert venue_b.status == Venue.Status.PENDING


def test_api_reject_without_reason_is_400(api, official_a, venue_a):
    api.force_authenticate(official_a)
    response = api.post(reverse("api-venues-reject", args=[venue_a.pk]), {"reason": ""}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "status_reason_required"
    response = api.post(reverse("api-venues-reject", args=[venue_a.pk]), {"reason": "Sai loại"}, format="json")
    assert response.status_code == 200 and response.json()["status_reason"] == "Sai loại"


def test_api_verify_twice_is_409_invalid_status_transition(api, official_a, venue_a):
    api.force_authenticate(official_a)
    api.post(reverse("api-venues-verify", args=[venue_a.pk]), format="json")
    response = api.post(reverse("api-venues-verify", args=[venue_a.pk]), format="json")
    assert response.status_code == 409 and response.json()["code"] == "invalid_status_transition"


def test_api_verify_replays_with_the_same_idempotency_key(api, official_a, venue_a):
    api.force_authenticate(official_a)
    url = reverse("api-venues-verify", args=[venue_a.pk])
    first = api.post(url, format="json", HTTP_IDEMPOTENCY_KEY="v-1")
    again = api.post(url, format="json", HTTP_IDEMPOTENCY_KEY="v-1")
    assert first.status_code == again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert AuditLog.objects.filter(action="venues.venue.verified").count() == 1


def test_api_detail_list_and_pdfs_are_scoped_to_the_commune(api, official_a, venue_a, venue_b):
    api.force_authenticate(official_a)
    assert api.get(reverse("api-venues-detail", args=[venue_a.pk])).status_code == 200
    assert api.get(reverse("api-venues-detail", args=[venue_b.pk])).status_code == 404
    listed = api.get(reverse("api-venues")).json()
    assert [v["id"] for v in listed["results"]] == [venue_a.pk]
    code_b = venue_b.codes.first()
    assert api.get(reverse("api-venues-posters", args=[venue_b.pk])).status_code == 404
    assert api.get(reverse("api-venues-code-poster", args=[venue_b.pk, code_b.pk])).status_code == 404
    response = api.get(reverse("api-venues-posters", args=[venue_a.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"


def test_api_requires_login_except_registration_and_types(api, venue_a):
    assert api.get(reverse("api-venues")).status_code == 401
    assert api.post(reverse("api-venues-verify", args=[venue_a.pk]), format="json").status_code == 401
    types = api.get(reverse("api-venue-types"))
    assert types.status_code == 200 and len(types.json()) == 13


def test_api_official_creates_a_verified_venue_in_their_commune_only(api, official_a, areas):
    api.force_authenticate(official_a)
    data = {
        "name": "Trạm Y tế xã",
        "venue_type": "health_facility",
        "area": areas["commune_a"].pk,
        "street_address": "Thôn 1",
    }
    response = api.post(reverse("api-venues"), data, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "verified"
    assert [c["label"] for c in response.json()["codes"]] == ["Cổng chính"]
    data["area"] = areas["commune_b"].pk
    response = api.post(reverse("api-venues"), data, format="json")
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert Venue.objects.count() == 1


# --- through the pages -----------------------------------------------------------------------------------


def test_page_verify_in_own_commune_and_404_for_another_commune(client, official_a, venue_a, venue_b):
    client.force_login(official_a)
    response = client.post(reverse("venues:verify", args=[venue_a.pk]))
    assert response.status_code == 302
    venue_a.refresh_from_db()
    assert venue_a.status == Venue.Status.VERIFIED
    assert client.post(reverse("venues:verify", args=[venue_b.pk])).status_code == 404
    assert client.get(reverse("venues:detail", args=[venue_b.pk])).status_code == 404
    assert client.get(reverse("venues:posters", args=[venue_b.pk])).status_code == 404
    code_b = venue_b.codes.first()
    assert client.get(reverse("venues:poster", args=[venue_b.pk, code_b.pk])).status_code == 404
    venue_b.refresh_from_db()
    assert venue_b.status == Venue.Status.PENDING


def test_page_verify_refuses_get(client, official_a, venue_a):
    client.force_login(official_a)
    assert client.get(reverse("venues:verify", args=[venue_a.pk])).status_code == 405


def test_page_reject_without_reason_shows_the_error_and_keeps_pending(client, official_a, venue_a):
    client.force_login(official_a)
    response = client.post(reverse("venues:reject", args=[venue_a.pk]), {"reason": ""}, follow=True)
    assert "Cần ghi rõ lý do" in response.content.decode()
    venue_a.refresh_from_db()
    assert venue_a.status == Venue.Status.PENDING
    client.post(reverse("venues:reject", args=[venue_a.pk]), {"reason": "Không có thật"})
    venue_a.refresh_from_db()
    assert venue_a.status == Venue.Status.REJECTED


def test_manager_page_shows_pending_notice_but_no_decision_buttons(client, venue_a):
    client.force_login(venue_a.registered_by)
    detail_url = reverse("venues:detail", args=[venue_a.pk])
    verify_url = reverse("venues:verify", args=[venue_a.pk])
    posters_url = reverse("venues:posters", args=[venue_a.pk])
    page = client.get(detail_url).content.decode()
    assert verify_url not in page
    assert posters_url in page
    english = client.get("/en" + detail_url).content.decode()
    assert "check-ins are refused until the venue is verified" in english


def test_page_verify_by_a_venue_manager_is_403(client, venue_a):
    client.force_login(venue_a.registered_by)
    assert client.post(reverse("venues:verify", args=[venue_a.pk])).status_code == 403
