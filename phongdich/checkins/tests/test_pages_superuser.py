"""The system administrator (a superuser, no official) on the desk pages: an administrator checking a province's
setup opens the scanner, the paper entry and the card verifier; a check-in still belongs to a verified venue, so with
none the scan and paper pages refuse and the menu does not offer them."""

import pytest
from django.contrib.auth import get_user_model

from phongdich.checkins.models import CheckIn
from phongdich.core.testing import make_province_with_communes, refused_links
from phongdich.venues.models import Venue

from .builders import clear_caches, make_code, make_venue
from .test_pages_staff import paper_form

DESK = ("/checkins/scan/", "/checkins/paper/")


@pytest.fixture(autouse=True)
def _fresh_caches():
    clear_caches()
    yield
    clear_caches()


@pytest.fixture
def areas(db):
    return make_province_with_communes()


@pytest.fixture
def admin(db):
    return get_user_model().objects.create_superuser("quantri", password="pass-for-tests-1")


def _menu(client) -> str:
    html = client.get("/stats/").content.decode()
    return html.split("</nav>")[0]


def test_the_administrator_opens_the_desk_pages_of_a_verified_venue(client, areas, admin):
    venue = make_venue(areas["commune_a"], name="Chợ Thạch Lập")
    make_venue(areas["commune_b"], name="Chợ chờ duyệt", status=Venue.Status.PENDING)
    code = make_code(venue, label="Cổng chính")
    client.force_login(admin)
    for page in DESK:
        response = client.get(page)
        assert response.status_code == 200, page
        text = response.content.decode()
        assert "Chợ Thạch Lập" in text and "Chợ chờ duyệt" not in text  # only where a check-in can be recorded
    assert client.get("/health/verify/").status_code == 200
    menu = _menu(client)
    assert all(page in menu for page in (*DESK, "/health/verify/"))
    assert refused_links(client, ["/stats/"]) == []
    # The check-in the administrator records belongs to the venue picked, like anyone's.
    assert client.post("/checkins/paper/", paper_form(venue, code)).status_code == 302
    checkin = CheckIn.objects.get()
    assert (checkin.venue, checkin.code, checkin.recorded_by, checkin.source) == (venue, code, admin, "paper")


def test_without_a_verified_venue_the_scan_and_paper_pages_stay_refused_and_unoffered(client, areas, admin):
    make_venue(areas["commune_a"], status=Venue.Status.PENDING)
    client.force_login(admin)
    for page in DESK:
        assert client.get(page).status_code == 403, page
    menu = _menu(client)
    assert all(page not in menu for page in DESK)
    assert "/health/verify/" in menu  # the card verifier needs no venue: it checks signatures only
    assert client.get("/health/verify/").status_code == 200
    assert refused_links(client, ["/stats/"]) == []
