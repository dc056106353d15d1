import pytest
from django.urls import reverse

from phongdich.core.errors import ApplicationError
from phongdich.core.models import AuditLog
from phongdich.core.testing import make_official, make_user
from phongdich.venues.models import VenueMembership
from phongdich.venues.selectors import venue_code_get
from phongdich.venues.services import venue_code_add, venue_code_revoke, venue_member_add, venue_verify

pytestmark = pytest.mark.django_db


def test_revoke_clears_the_cache_so_the_lookup_sees_it_revoked(venue_a, settings):
    settings.VENUE_CODE_CACHE_SECONDS = 3600  # long enough that only the clearing can explain a fresh answer
    code = venue_a.codes.first()
    assert venue_code_get(code.token).revoked_at is None  # now cached
    venue_code_revoke(actor=venue_a.registered_by, code=code)
    seen = venue_code_get(code.token)
    assert seen is not None and seen.revoked_at is not None
    assert AuditLog.objects.filter(action="venues.code.revoked", object_id=str(code.pk)).exists()


def test_verifying_refreshes_the_cached_venue_status(official_a, venue_a, settings):
    settings.VENUE_CODE_CACHE_SECONDS = 3600
    code = venue_a.codes.first()
    assert venue_code_get(code.token).venue.status == "pending"
    venue_verify(actor=official_a, venue=venue_a)
    assert venue_code_get(code.token).venue.status == "verified"


def test_revoking_twice_is_refused(venue_a):
    code = venue_a.codes.first()
    venue_code_revoke(actor=venue_a.registered_by, code=code)
    with pytest.raises(ApplicationError) as info:
        venue_code_revoke(actor=venue_a.registered_by, code=code)
    assert info.value.code == "venue_code_already_revoked"


def test_manager_adds_a_code_for_another_entrance_but_not_a_duplicate(venue_a):
    code = venue_code_add(actor=venue_a.registered_by, venue=venue_a, label="Cổng sau")
    assert code.label == "Cổng sau" and code.token
    with pytest.raises(ApplicationError) as info:
        venue_code_add(actor=venue_a.registered_by, venue=venue_a, label="cong sau")
    assert info.value.code == "invalid_entrance_label"
    assert venue_a.codes.count() == 3


def test_control_staff_and_other_communes_may_not_manage_codes(areas, venue_a, official_b):
    staff = make_user()
    venue_member_add(actor=venue_a.registered_by, venue=venue_a, user=staff, role="staff")
    assert staff.official.role == "venue_staff"
    for actor in (staff, official_b):
        with pytest.raises(ApplicationError) as info:
            venue_code_add(actor=actor, venue=venue_a, label="Cổng X")
        assert info.value.code == "permission_denied"
        with pytest.raises(ApplicationError):
            venue_code_revoke(actor=actor, code=venue_a.codes.first())
    assert venue_a.codes.filter(revoked_at__isnull=False).count() == 0


def test_commune_official_may_revoke_a_code_of_their_commune(official_a, venue_a):
    assert venue_code_revoke(actor=official_a, code=venue_a.codes.first()).revoked_at is not None


def test_member_add_validates_the_role_and_is_audited(venue_a):
    user = make_user()
    with pytest.raises(ApplicationError) as info:
        venue_member_add(actor=venue_a.registered_by, venue=venue_a, user=user, role="owner")
    assert info.value.code == "invalid_member_role"
    venue_member_add(actor=venue_a.registered_by, venue=venue_a, user=user, role="manager")
    assert VenueMembership.objects.get(venue=venue_a, user=user).role == "manager"
    assert AuditLog.objects.filter(action="venues.member.added").count() == 1


def test_api_add_and_revoke_codes(api, venue_a, areas):
    api.force_authenticate(venue_a.registered_by)
    added = api.post(reverse("api-venues-codes", args=[venue_a.pk]), {"label": "Cổng kho"}, format="json")
    assert added.status_code == 201 and added.json()["label"] == "Cổng kho"
    revoked = api.post(reverse("api-venue-codes-revoke", args=[added.json()["id"]]), format="json")
    assert revoked.status_code == 200 and revoked.json()["is_active"] is False
    again = api.post(reverse("api-venue-codes-revoke", args=[added.json()["id"]]), format="json")
    assert again.status_code == 409 and again.json()["code"] == "venue_code_already_revoked"
    empty = api.post(reverse("api-venues-codes", args=[venue_a.pk]), {"label": "  "}, format="json")
    assert empty.status_code == 400 and empty.json()["code"] == "invalid_entrance_label"


def test_api_revoke_of_another_communes_code_is_404(api, official_a, venue_b):
    api.force_authenticate(official_a)
    code = venue_b.codes.first()
    response = api.post(reverse("api-venue-codes-revoke", args=[code.pk]), format="json")
    assert response.status_code == 404
    code.refresh_from_db()
    assert code.revoked_at is None


def test_page_revoke_and_add(client, venue_a):
    client.force_login(venue_a.registered_by)
    code = venue_a.codes.first()
    assert client.post(reverse("venues:code_revoke", args=[venue_a.pk, code.pk])).status_code == 302
    code.refresh_from_db()
    assert code.revoked_at is not None
    # A revoked code's poster is no longer served.
    assert client.get(reverse("venues:poster", args=[venue_a.pk, code.pk])).status_code == 404
    client.post(reverse("venues:code_add", args=[venue_a.pk]), {"label": "Cổng mới"})
    assert venue_a.codes.filter(label="Cổng mới", revoked_at__isnull=True).exists()


def test_staff_member_sees_the_venue_but_gets_403_when_revoking(client, areas, venue_a):
    staff = make_official("venue_staff", areas["commune_a"])
    VenueMembership.objects.create(venue=venue_a, user=staff, role="staff")
    client.force_login(staff)
    assert client.get(reverse("venues:detail", args=[venue_a.pk])).status_code == 200
    code = venue_a.codes.first()
    assert client.post(reverse("venues:code_revoke", args=[venue_a.pk, code.pk])).status_code == 403
