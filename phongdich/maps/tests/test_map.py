"""The epidemic map's layers and page: what the public sees (places and checkpoints, nobody's name), what an
official sees (counts per commune of their own area), where things are drawn, and what has no position."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from phongdich.cases.models import Contact, ExposureNotice
from phongdich.cases.tests.builders import ROLE, case, ensure_rules, link, make_tree, official, person, venue
from phongdich.core.testing import make_area
from phongdich.venues.models import Venue, VenueType

from .. import selectors

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree(db):
    ensure_rules()
    return make_tree()


def _at(place: Venue, latitude: str | None, longitude: str | None) -> Venue:
    place.latitude = Decimal(latitude) if latitude else None
    place.longitude = Decimal(longitude) if longitude else None
    place.save(update_fields=["latitude", "longitude"])
    return place


def _notice(of, place: Venue, hours_ago: int, *, published: bool = True) -> ExposureNotice:
    now = timezone.now()
    return ExposureNotice.objects.create(
        case=of,
        venue=place,
        area_path=place.area_path,
        start=now - dt.timedelta(hours=hours_ago + 1),
        end=now - dt.timedelta(hours=hours_ago),
        published_at=now if published else None,
    )


def _checkpoint(area, name: str, status=Venue.Status.VERIFIED) -> Venue:
    place = venue(area, name)
    place.venue_type, _ = VenueType.objects.get_or_create(
        code="checkpoint",
        defaults={"name_vi": "Chốt kiểm soát dịch", "name_en": "Checkpoint", "auto_checkout_minutes": 30},
    )
    place.status = status
    place.save(update_fields=["venue_type", "status"])
    return place


@pytest.fixture
def outbreak(tree):
    """A case of Kim Tân who went to a market (placed), a shop (no position) and a hidden notice's place."""
    kim_tan_official = official(tree["kim_tan"], "yte_kimtan")
    patient = person(tree["kim_tan"], "Hoàng Văn Bệnh")
    entered = case(kim_tan_official, patient)
    market = _at(venue(tree["kim_tan"], "Chợ Kim Tân"), "20.128000", "105.647000")
    shop = venue(tree["thach_lam"], "Cửa hàng Thạch Lâm")
    hidden = _at(venue(tree["kim_tan"], "Quán chưa công bố"), "20.120000", "105.640000")
    _notice(entered, market, 30)
    _notice(entered, market, 5)
    _notice(entered, shop, 10)
    _notice(entered, hidden, 3, published=False)
    return {"official": kim_tan_official, "case": entered, "patient": patient, "market": market, "shop": shop}


def test_places_are_the_published_notices_grouped_by_venue_newest_first(outbreak):
    places = selectors.exposure_places()
    assert [place.venue.name for place in places] == ["Chợ Kim Tân", "Cửa hàng Thạch Lâm"]
    market = places[0]
    assert len(market.notices) == 2 and market.notices[0].start > market.notices[1].start
    assert market.position == (20.128, 105.647)
    assert places[1].position is None


def test_places_layer_is_geojson_without_people_and_lists_the_unplaced(client, outbreak):
    response = client.get(reverse("api-map-exposure-places"))
    assert response.status_code == 200
    body = response.json()
    assert body["type"] == "FeatureCollection"
    [feature] = body["features"]
    assert feature["geometry"] == {"type": "Point", "coordinates": [105.647, 20.128]}  # longitude first
    assert feature["properties"]["name"] == "Chợ Kim Tân"
    assert len(feature["properties"]["visits"]) == 2
    assert [row["name"] for row in body["unplaced"]] == ["Cửa hàng Thạch Lâm"]
    text = response.content.decode()
    assert "Hoàng Văn Bệnh" not in text and outbreak["case"].number not in text
    assert "Quán chưa công bố" not in text  # not published


def test_places_layer_takes_an_area_path(client, outbreak, tree):
    body = client.get(reverse("api-map-exposure-places"), {"area": tree["thach_lam"].path}).json()
    assert body["features"] == [] and [row["name"] for row in body["unplaced"]] == ["Cửa hàng Thạch Lâm"]


def test_checkpoints_layer_has_only_verified_checkpoints(client, tree):
    _at(_checkpoint(tree["kim_tan"], "Chốt Kim Tân"), "20.130000", "105.650000")
    _checkpoint(tree["thach_lam"], "Chốt Thạch Lâm")  # no position
    _at(_checkpoint(tree["kim_tan"], "Chốt chờ duyệt", status=Venue.Status.PENDING), "20.1", "105.6")
    _at(venue(tree["kim_tan"], "Chợ Kim Tân"), "20.128000", "105.647000")  # not a checkpoint
    body = client.get(reverse("api-map-checkpoints")).json()
    assert [feature["properties"]["name"] for feature in body["features"]] == ["Chốt Kim Tân"]
    assert [row["name"] for row in body["unplaced"]] == ["Chốt Thạch Lâm"]


@pytest.fixture
def counts(outbreak, tree):
    """Kim Tân: the case, two F1 (one in quarantine), one F2. Thạch Lâm: one F1. Hoàn Kiếm (Hà Nội): one F1."""
    entered = outbreak["case"]
    first = link(person(tree["kim_tan"], "Trần Thị Một"), entered)
    link(person(tree["kim_tan"], "Lê Văn Hai"), entered)
    link(person(tree["kim_tan"], "Phạm Thị Ba"), entered, level=2, via=first[0].contact)
    link(person(tree["thach_lam"], "Vũ Văn Bốn"), entered)
    link(person(tree["hoan_kiem"], "Đỗ Thị Năm"), entered)
    Contact.objects.filter(person__full_name="Lê Văn Hai").update(status=Contact.Status.QUARANTINED)
    return outbreak


def _by_name(body) -> dict:
    rows = [feature["properties"] for feature in body["features"]] + body["unplaced"]
    return {row["area_name"]: row for row in rows}


def test_communes_layer_counts_per_commune_of_the_officials_area(client, counts, tree):
    district = official(tree["district"], "huyen")
    # Kim Tân has a centre; Thạch Lâm has a venue with a position; nothing else is placed.
    tree["kim_tan"].latitude, tree["kim_tan"].longitude = Decimal("20.13"), Decimal("105.65")
    tree["kim_tan"].save()
    _at(venue(tree["thach_lam"], "Trạm Y tế Thạch Lâm"), "20.200000", "105.600000")
    _at(venue(tree["thach_lam"], "UBND Thạch Lâm"), "20.210000", "105.620000")
    client.force_login(district)
    body = client.get(reverse("api-map-communes")).json()
    rows = _by_name(body)
    assert set(rows) == {"Thị trấn Kim Tân", "Xã Thạch Lâm"}  # Hà Nội is not in the district
    kim_tan = rows["Thị trấn Kim Tân"]
    assert (kim_tan["f0"], kim_tan["f1"], kim_tan["f2"], kim_tan["quarantined"]) == (1, 2, 1, 1)
    assert kim_tan["position_from"] == "centre"
    thach_lam = rows["Xã Thạch Lâm"]
    assert (thach_lam["f0"], thach_lam["f1"], thach_lam["quarantined"]) == (0, 1, 0)
    assert thach_lam["position_from"] == "venues"
    points = {f["properties"]["area_name"]: f["geometry"]["coordinates"] for f in body["features"]}
    assert points["Thị trấn Kim Tân"] == [105.65, 20.13]
    assert points["Xã Thạch Lâm"] == pytest.approx([105.61, 20.205])  # the average of its two venues


def test_a_commune_with_counts_and_no_position_is_unplaced_and_one_without_counts_is_left_out(client, counts, tree):
    make_area("15205", "Xã Thành Mỹ", "commune", tree["district"])  # nothing there
    Venue.objects.update(latitude=None, longitude=None)
    province_official = official(tree["province"], "tinh")
    client.force_login(province_official)
    body = client.get(reverse("api-map-communes")).json()
    assert body["features"] == []
    assert {row["area_name"] for row in body["unplaced"]} == {"Thị trấn Kim Tân", "Xã Thạch Lâm"}
    assert all(row["position_from"] == "" for row in body["unplaced"])


def test_a_commune_whose_only_contacts_are_f3_is_on_the_communes_layer(client, counts, tree, settings):
    """With TRACING_MAX_LEVEL = 3 the work list lists F3 to handle; the counts dropped them, and a commune whose
    only contacts were F3 was left off the map."""
    settings.TRACING_MAX_LEVEL = 3
    link(person(tree["thach_lam"], "Ngô Văn Sáu"), counts["case"], level=3)
    Contact.objects.filter(person__full_name="Vũ Văn Bốn").update(status=Contact.Status.RELEASED)
    client.force_login(official(tree["thach_lam"], "yte_thachlam"))
    rows = _by_name(client.get(reverse("api-map-communes")).json())
    thach_lam = rows["Xã Thạch Lâm"]
    assert (thach_lam["f0"], thach_lam["f1"], thach_lam["f2"], thach_lam["f3"]) == (0, 0, 0, 1)
    assert 'data-show-f3="1"' in client.get(reverse("maps:map")).content.decode()


def test_communes_layer_is_for_officials_who_see_people_and_their_area_only(client, counts, tree):
    assert client.get(reverse("api-map-communes")).status_code in (401, 403)
    client.force_login(official(tree["kim_tan"], "chu_cho", role=ROLE.VENUE_MANAGER))
    assert client.get(reverse("api-map-communes")).status_code == 403
    client.force_login(official(tree["thach_lam"], "yte_thachlam"))
    rows = _by_name(client.get(reverse("api-map-communes")).json())
    assert set(rows) == {"Xã Thạch Lâm"}
    assert client.get(reverse("api-map-communes"), {"area": tree["kim_tan"].pk}).status_code == 404
    response = client.get(reverse("api-map-communes"), {"area": "abc"})
    assert response.status_code == 400 and response.json()["code"] == "cases_invalid_filter"


def test_an_area_centre_needs_both_coordinates_inside_vietnam(tree):
    area = tree["kim_tan"]
    area.latitude = Decimal("20.1")
    with pytest.raises(ValidationError):
        area.full_clean()
    area.longitude = Decimal("140.0")  # the Pacific
    with pytest.raises(ValidationError) as raised:
        area.full_clean()
    assert "longitude" in raised.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        type(area).objects.filter(pk=area.pk).update(latitude=Decimal("20.1"), longitude=None)


def test_the_page_gives_the_communes_layer_to_officials_only(client, tree):
    page = client.get(reverse("maps:map"))
    assert page.status_code == 200
    text = page.content.decode()
    assert reverse("api-map-exposure-places") in text and reverse("api-map-communes") not in text
    client.force_login(official(tree["kim_tan"], "yte_kimtan"))
    assert reverse("api-map-communes") in client.get(reverse("maps:map")).content.decode()


def test_the_whole_maps_public_layer_is_kept_a_minute_and_an_areas_is_not(client, outbreak, tree):
    from django.core.cache import cache

    url = reverse("api-map-exposure-places")
    assert len(client.get(url).json()["features"]) == 1
    later = _at(venue(tree["kim_tan"], "Nhà văn hóa Kim Tân"), "20.125000", "105.645000")
    _notice(outbreak["case"], later, 1)
    assert len(client.get(url).json()["features"]) == 1  # from the cache
    assert len(client.get(url, {"area": tree["kim_tan"].path}).json()["features"]) == 2
    cache.delete("maps:places")  # what a minute does
    assert len(client.get(url).json()["features"]) == 2


@pytest.mark.parametrize("junk", ["abc", "38", "38//", "' or 1=1 --", "38/391/" * 9, "３８/"])
def test_a_public_layer_refuses_an_area_that_is_no_area_path(client, junk):
    for name in ("api-map-exposure-places", "api-map-checkpoints"):
        response = client.get(reverse(name), {"area": junk})
        assert response.status_code == 400 and response.json()["code"] == "cases_invalid_filter"
