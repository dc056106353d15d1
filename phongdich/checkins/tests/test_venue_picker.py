"""The venue picker of the scan and paper pages for an official with many venues: a search by name (without
diacritics), number or tax code, scoped to the venues the user records at, through a page's plain GET form and
a rate-limited JSON endpoint. The pages once listed the first 500 venues only, and the 501st could not be chosen."""

import pytest

from phongdich.accounts.models import Official
from phongdich.checkins.models import CheckIn
from phongdich.core.testing import make_official, make_province_with_communes
from phongdich.core.text import fold
from phongdich.venues.models import Venue

from .builders import add_member, clear_caches, make_code, make_venue, make_venue_type
from .test_pages_staff import paper_form

API = "/api/v1/checkins/venues/"
MANY = 520  # past the 500 the picker used to stop at


@pytest.fixture(autouse=True)
def _fresh_caches():
    clear_caches()
    yield
    clear_caches()


def make_many_venues(area, count: int = MANY, *, prefix: str = "Điểm kiểm dịch") -> list[Venue]:
    """`count` verified venues named "<prefix> 0001"… (by name, number 0510 comes after 509 others)."""
    venue_type = make_venue_type()
    venues = []
    for number in range(1, count + 1):
        name = f"{prefix} {number:04d}"
        venues.append(
            Venue(
                name=name,
                name_folded=fold(name),
                venue_type=venue_type,
                area=area,
                area_path=area.path,
                street_address=f"{number} Đường Bà Triệu",
                status=Venue.Status.VERIFIED,
                registered_via=Venue.RegisteredVia.OFFICIAL,
            )
        )
    Venue.objects.bulk_create(venues)
    return list(Venue.objects.filter(area=area).order_by("name_folded"))


@pytest.fixture
def areas(db):
    return make_province_with_communes()


@pytest.fixture
def many(areas):
    return make_many_venues(areas["commune_a"])


@pytest.fixture
def official(areas, client):
    user = make_official(Official.Role.AREA_OFFICIAL, areas["commune_a"], username="xa-thach-lap")
    client.force_login(user)
    return user


def test_the_scan_page_finds_a_venue_past_the_500th_by_name_without_diacritics(client, many, official):
    target = many[509]
    code = make_code(target, label="Cổng sau")

    page = client.get("/checkins/scan/", {"venue_q": "diem kiem dich 0510"}).content.decode()

    assert f'href="?venue={target.pk}"' in page and "Điểm kiểm dịch 0510" in page
    page = client.get("/checkins/scan/", {"venue": target.pk}).content.decode()
    assert f'data-code="{code.token}"' in page and "Điểm kiểm dịch 0510 – Cổng sau" in page
    # Only the chosen venue's entrances: the page does not list the district.
    assert page.count("<option") == 1
    # Chosen once, offered again on the next visit.
    assert f'data-code="{code.token}"' in client.get("/checkins/scan/").content.decode()


def test_a_venue_of_another_area_or_no_id_cannot_be_chosen_on_the_scan_page(client, many, official, areas):
    elsewhere = make_venue(areas["commune_b"], name="Điểm kiểm dịch 0510 xã khác")
    assert client.get("/checkins/scan/", {"venue": elsewhere.pk}).status_code == 404
    assert client.get("/checkins/scan/", {"venue": "[]"}).status_code == 404
    page = client.get("/en/checkins/scan/", {"venue_q": "xa khac"}).content.decode()
    assert f"?venue={elsewhere.pk}" not in page and "None of your venues matches." in page


def test_a_few_venues_stay_a_drop_down_of_all_their_entrances(client, areas):
    venue = make_venue(areas["commune_a"], name="Chợ Thạch Lập")
    code = make_code(venue)
    staff = make_official(Official.Role.VENUE_STAFF, areas["commune_a"])
    add_member(venue, staff)
    client.force_login(staff)
    page = client.get("/checkins/scan/").content.decode()
    assert 'id="venue-search"' not in page and f'data-code="{code.token}"' in page


def test_the_api_searches_names_numbers_and_tax_codes_within_the_users_venues(client, many, official, areas):
    target = many[509]
    Venue.objects.filter(pk=target.pk).update(tax_code="2801234567")
    make_code(target, label="Cổng chính")
    make_venue(areas["commune_b"], name="Điểm kiểm dịch 0510 xã khác")

    by_name = client.get(API, {"q": "Diem KIEM dịch 0510"}).json()
    assert [row["id"] for row in by_name["results"]] == [target.pk] and by_name["more"] is False
    assert by_name["results"][0]["entrances"][0]["label"] == "Cổng chính"
    assert [row["id"] for row in client.get(API, {"q": f"#{target.pk}"}).json()["results"]][0] == target.pk
    assert [row["id"] for row in client.get(API, {"q": "28012"}).json()["results"]] == [target.pk]
    assert client.get(API, {"venue": target.pk}).json()["results"][0]["name"] == "Điểm kiểm dịch 0510"
    # Many matches: the first few, and "more".
    broad = client.get(API, {"q": "diem"}).json()
    assert len(broad["results"]) == 20 and broad["more"] is True


def test_the_api_refuses_users_without_venues_and_bad_input(client, many, areas):
    from phongdich.core.testing import make_user

    client.force_login(make_user())
    response = client.get(API, {"q": "diem"})
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    client.force_login(make_official(Official.Role.AREA_OFFICIAL, areas["commune_a"]))
    for params in ({"venue": "[]"}, {"limit": 1000}, {"q": "x" * 101}):
        response = client.get(API, params)
        assert response.status_code == 400 and response.json()["code"] == "invalid_input"


def test_the_api_is_rate_limited_per_user(client, many, official, monkeypatch):
    from rest_framework.throttling import ScopedRateThrottle

    rates = {**ScopedRateThrottle.THROTTLE_RATES, "venue_picker": "3/min"}
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", rates)
    codes = [client.get(API, {"q": "diem"}).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


def test_the_paper_form_records_at_a_venue_past_the_500th(client, many, official, areas):
    target = many[509]
    code = make_code(target, label="Cổng sau")
    page = client.get("/checkins/paper/", {"venue": target.pk}).content.decode()
    assert f'type="hidden" name="venue" value="{target.pk}"' in page
    assert "Điểm kiểm dịch 0510 – Cổng sau" in page and page.count("Cổng sau") == 1

    response = client.post("/checkins/paper/", paper_form(target, code))

    assert response.status_code == 302
    checkin = CheckIn.objects.get()
    assert (checkin.venue, checkin.code) == (target, code)


def test_the_paper_form_refuses_a_venue_of_another_area_or_none(client, many, official, areas):
    elsewhere = make_venue(areas["commune_b"])
    assert client.post("/checkins/paper/", paper_form(elsewhere)).status_code == 400
    response = client.post("/en/checkins/paper/", {**paper_form(many[0]), "venue": ""})
    assert response.status_code == 400
    assert "Choose the venue: search for it by its name above." in response.content.decode()
    assert not CheckIn.objects.exists()
