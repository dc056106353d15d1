"""The top navigation offers each role what it may open."""

import pytest

from phongdich.accounts.models import Official
from phongdich.core.testing import make_official, make_province_with_communes, refused_links


def test_venue_staff_are_not_offered_people_or_follow_up(client, db):
    areas = make_province_with_communes()
    client.force_login(_viewer("venue_staff", areas))
    html = client.get("/stats/").content.decode()
    assert "/people/" not in html and "/followups/" not in html
    assert "/checkins/scan/" in html and "/health/verify/" in html


def test_commune_officials_are_offered_people_and_follow_up(client, db):
    areas = make_province_with_communes()
    client.force_login(make_official("area_official", areas["commune_a"]))
    html = client.get("/stats/").content.decode()
    assert "/people/" in html and "/followups/" in html


def test_commune_officials_are_offered_cases_testing_and_vaccination_but_not_telecom(client, db):
    areas = make_province_with_communes()
    client.force_login(make_official("area_official", areas["commune_a"]))
    html = client.get("/stats/").content.decode()
    assert all(path in html for path in ("/cases/", "/cases/worklist/", "/testing/", "/vaccination/"))
    assert "/telecom/" not in html


def test_lab_staff_see_testing_only_and_the_health_department_sees_telecom(client, db):
    areas = make_province_with_communes()
    client.force_login(make_official("lab_staff", areas["commune_a"]))
    html = client.get("/stats/").content.decode()
    assert "/testing/" in html and "/cases/" not in html and "/people/" not in html and "/vaccination/" not in html
    client.force_login(make_official("health_dept", areas["province"]))
    assert "/telecom/" in client.get("/stats/").content.decode()


def test_citizens_get_one_page_with_every_public_service(client, db):
    html = client.get("/citizens/").content.decode()
    for path in ("/declarations/", "/c/me/", "/testing/register/", "/testing/lookup/", "/vaccination/register/",
                 "/vaccination/me/", "/certificates/me/", "/certificates/verify/", "/cases/exposures/"):  # fmt: skip
        assert f'href="{path}' in html, path
    assert 'href="/citizens/"' in client.get("/accounts/login/").content.decode()


def test_officials_find_the_desk_tools_in_a_menu_and_venue_staff_keep_them_in_view(client, db):
    """The long menu fits one row on a 1366-pixel screen with the desk tools in a drop-down; for venue staff
    scanning is the job, so their short menu shows it."""
    from django.contrib.auth import get_user_model

    areas = make_province_with_communes()
    client.force_login(get_user_model().objects.create_superuser("so-y-te", password="pass-for-tests-1"))
    html = client.get("/stats/").content.decode()
    assert "/vaccination/" in html.split("</nav>")[0]
    menu = html[html.index('<details class="menu">') : html.index("</details>")]
    assert all(path in menu for path in ("/declarations/enter/", "/telecom/", "/certificates/verify/", "/exports/"))
    # The system administrator opens the card verifier; the scan and paper pages need a verified venue, and this
    # province has none yet, so they are not offered (checkins/tests/test_pages_superuser.py).
    assert "/health/verify/" in menu
    assert all(path not in menu for path in ("/checkins/scan/", "/checkins/paper/"))
    assert "/vaccination/coverage/" not in html.split("</nav>")[0]  # linked from the vaccination pages
    client.force_login(make_official("lab_staff", areas["commune_a"]))
    assert '<details class="menu">' in client.get("/stats/").content.decode()
    client.force_login(_viewer("venue_staff", areas))
    html = client.get("/stats/").content.decode()
    assert '<details class="menu">' not in html and "/checkins/scan/" in html and "/exports/" in html


# Every role of accounts.Official, and the system administrator (a superuser with no Official record).
ROLES = [*(role.value for role in Official.Role), "superuser"]
# The pages of the top menu, the testing and vaccination menus and the desk tools.
MENU_PAGES = ["/stats/", "/exports/", "/testing/", "/vaccination/sessions/", "/checkins/"]


def _viewer(role, areas):
    """A user with `role` in commune A, where a verified venue is; venue roles work at it."""
    from django.contrib.auth import get_user_model

    from phongdich.checkins.tests.builders import add_member, make_venue

    venue = make_venue(areas["commune_a"])
    if role == "superuser":
        return get_user_model().objects.create_superuser("quantri", password="pass-for-tests-1")
    user = make_official(role, areas["commune_a"])
    if role in (Official.Role.VENUE_MANAGER, Official.Role.VENUE_STAFF):
        add_member(venue, user, role="manager" if role == Official.Role.VENUE_MANAGER else "staff")
    return user


@pytest.mark.parametrize("role", ROLES)
def test_no_role_is_offered_a_link_it_is_refused(client, db, role):
    """Each link of the menus opens for the viewer who sees it: a page a role may not use is not offered."""
    client.force_login(_viewer(role, make_province_with_communes()))
    pages = [page for page in MENU_PAGES if client.get(page).status_code == 200]
    assert "/stats/" in pages
    assert refused_links(client, pages) == []


def test_officials_are_offered_the_scan_page_when_their_area_has_a_verified_venue(client, db):
    from phongdich.checkins.tests.builders import make_venue

    areas = make_province_with_communes()
    client.force_login(make_official("area_official", areas["commune_b"]))
    assert "/checkins/scan/" not in client.get("/stats/").content.decode()
    assert client.get("/checkins/scan/").status_code == 403
    make_venue(areas["commune_b"])
    client.force_login(make_official("area_official", areas["commune_b"]))  # a new request's user: nothing kept
    assert "/checkins/scan/" in client.get("/stats/").content.decode()
    assert client.get("/checkins/scan/").status_code == 200
