from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIRequestFactory

from phongdich.accounts.models import Official
from phongdich.accounts.permissions import IsOfficial, SeesPeople, require_role
from phongdich.accounts.selectors import official_of
from phongdich.core.errors import ApplicationError
from phongdich.core.models import AuditLog
from phongdich.core.testing import make_official, make_province_with_communes, make_user

pytestmark = pytest.mark.django_db
Role = Official.Role


@pytest.fixture
def areas():
    return make_province_with_communes()


def test_official_of_returns_only_active_officials(areas):
    user = make_official(Role.AREA_OFFICIAL, areas["commune_a"])
    assert official_of(user).area == areas["commune_a"]
    Official.objects.filter(user=user).update(is_active=False)
    user.refresh_from_db()
    assert official_of(user) is None
    assert official_of(make_user()) is None
    assert official_of(None) is None


def test_require_role_raises_permission_denied(areas):
    staff = make_official(Role.VENUE_STAFF, areas["commune_a"])
    require_role(staff, Role.VENUE_STAFF, Role.VENUE_MANAGER)
    with pytest.raises(ApplicationError) as exc:
        require_role(staff, Role.AREA_OFFICIAL)
    assert exc.value.code == "permission_denied" and exc.value.status == 403
    with pytest.raises(ApplicationError):
        require_role(make_user())
    require_role(get_user_model().objects.create_superuser("root", password="x-long-password-1"), Role.HEALTH_DEPT)


def test_drf_permissions(areas):
    request = APIRequestFactory().get("/")
    request.user = make_official(Role.VENUE_MANAGER, areas["commune_a"])
    assert IsOfficial().has_permission(request, None)
    assert not SeesPeople().has_permission(request, None)
    request.user = make_user()
    assert not IsOfficial().has_permission(request, None)


def _create(*args):
    out = StringIO()
    call_command("accounts_create_official", *args, stdout=out)
    return out.getvalue()


def test_command_creates_then_updates_an_official_by_path_or_code(client, areas):
    out = _create(
        "--username", "canbo", "--password", "Thanh-Hoa-2021", "--role", "area_official", "--area-code", "15085"
    )
    assert "created" in out
    official = Official.objects.get(user__username="canbo")
    assert official.area == areas["commune_a"] and official.role == "area_official"
    assert client.login(username="canbo", password="Thanh-Hoa-2021")
    out = _create(
        "--username", "canbo", "--password", "Thanh-Hoa-2022", "--role", "province_admin", "--area-code", "38/"
    )
    assert "updated" in out
    official.refresh_from_db()
    assert official.area == areas["province"] and official.role == "province_admin"
    assert AuditLog.objects.filter(action__startswith="accounts.official.").count() == 2


@pytest.mark.parametrize(
    ("area_code", "password", "message"),
    [("99999", "Thanh-Hoa-2021", "area"), ("38/", "123", "password")],
)
def test_command_refuses_unknown_areas_and_weak_passwords(areas, area_code, password, message):
    with pytest.raises(CommandError, match=f"(?i){message}"):
        _create("--username", "x", "--password", password, "--role", "health_dept", "--area-code", area_code)
    assert not Official.objects.exists()
    assert not get_user_model().objects.filter(username="x").exists()


def test_a_refused_password_or_role_is_told_in_both_languages(areas):
    """The validators' messages were kept in whichever language was active, under `message_en` too."""
    from phongdich.accounts.services import official_create

    with pytest.raises(ApplicationError) as weak:
        official_create(username="x", password="123", role="health_dept", area_code="38/")
    vi, en = weak.value.as_dict("vi"), weak.value.as_dict("en")
    assert vi["extra"]["fields"]["password"][0].startswith("Mật khẩu quá ngắn")
    assert en["extra"]["fields"]["password"][0].startswith("This password is too short")
    assert len(vi["extra"]["fields"]["password"]) == len(en["extra"]["fields"]["password"]) > 1
    assert vi["message_vi"].startswith("Mật khẩu quá ngắn") and vi["message_en"].startswith(
        "This password is too short"
    )
    with pytest.raises(ApplicationError) as role:
        official_create(username="x", password="Thanh-Hoa-2021", role="boss", area_code="38/")
    assert role.value.as_dict("vi")["extra"]["fields"]["role"] == [
        "Hãy chọn một lựa chọn hợp lệ. boss không phải là một trong các lựa chọn khả thi."
    ]
    assert role.value.as_dict("en")["extra"]["fields"]["role"] == [
        "Select a valid choice. boss is not one of the available choices."
    ]


def test_user_admin_shows_the_official_inline(client, areas):
    admin = get_user_model().objects.create_superuser("root", password="x-long-password-1")
    user = make_official(Role.AREA_OFFICIAL, areas["commune_a"], username="canbo")
    client.force_login(admin)
    page = client.get(f"/admin/auth/user/{user.pk}/change/")
    assert page.status_code == 200
    assert 'name="official-0-role"' in page.content.decode()


@pytest.mark.parametrize(
    ("role", "page"),
    [
        (Official.Role.VENUE_STAFF, "/checkins/scan/"),
        (Official.Role.VENUE_MANAGER, "/venues/"),
        (Official.Role.LAB_STAFF, "/testing/"),
        (Official.Role.VACCINATION_STAFF, "/vaccination/sessions/"),
        (Official.Role.AREA_OFFICIAL, "/stats/"),
        (Official.Role.HEALTH_DEPT, "/stats/"),
    ],
)
def test_an_official_logs_in_to_the_page_of_their_role(client, areas, role, page):
    """Control staff landed on the commune's statistics (every venue's scans), not on their scanner."""
    official = make_official(role, areas["commune_a"])
    official.set_password("pass-for-tests-1")
    official.save()
    response = client.post("/accounts/login/", {"username": official.username, "password": "pass-for-tests-1"})
    assert response.status_code == 302
    assert client.get(response["Location"])["Location"] == page
