import pytest
from django.urls import reverse

from phongdich.core.errors import ApplicationError
from phongdich.core.testing import make_official, make_user
from phongdich.venues.models import Venue
from phongdich.venues.selectors import venue_get, venue_list, venues_of_user
from phongdich.venues.services import venue_create, venue_register_public, venue_verify

from .conftest import registration

pytestmark = pytest.mark.django_db


def test_list_is_scoped_to_the_officials_area(areas, official_a, venue_a, venue_b):
    province_official = make_official("province_admin", areas["province"])
    hanoi_official = make_official("area_official", areas["other_province"])
    assert list(venue_list(viewer=official_a)) == [venue_a]
    assert set(venue_list(viewer=province_official)) == {venue_a, venue_b}
    assert list(venue_list(viewer=hanoi_official)) == []
    assert list(venue_list(viewer=make_user())) == []  # no role, nothing


def test_venue_manager_sees_only_their_own_venues(areas, venue_a):
    second = venue_register_public(**registration(areas["commune_a"], name="Quán Cơm Bình Dân", username="quancom"))
    assert list(venue_list(viewer=venue_a.registered_by)) == [venue_a]
    assert list(venues_of_user(user=venue_a.registered_by)) == [venue_a]
    with pytest.raises(ApplicationError) as info:
        venue_get(viewer=venue_a.registered_by, venue_id=second.pk)
    assert info.value.code == "not_found"


def test_search_ignores_diacritics_and_case(official_a, venue_a):
    assert list(venue_list(viewer=official_a, q="CHO dong")) == [venue_a]
    assert list(venue_list(viewer=official_a, q="chợ đồng")) == [venue_a]
    assert list(venue_list(viewer=official_a, q="nha may")) == []


def test_pending_venues_come_first_then_by_name(areas, official_a):
    verified = venue_create(
        actor=official_a, name="A Verified", venue_type="office", area=areas["commune_a"], street_address="x"
    )
    pending = venue_register_public(**registration(areas["commune_a"], name="Z Pending", username="zp"))
    assert verified.status == Venue.Status.VERIFIED
    assert list(venue_list(viewer=official_a)) == [pending, verified]
    assert list(venue_list(viewer=official_a, status="verified")) == [verified]


def test_venue_get_for_another_commune_is_not_found(official_a, venue_b):
    with pytest.raises(ApplicationError) as info:
        venue_get(viewer=official_a, venue_id=venue_b.pk)
    assert info.value.code == "not_found" and info.value.status == 404
    with pytest.raises(ApplicationError):
        venue_get(viewer=official_a, venue_id="abc")


def test_list_page_searches_filters_and_pages(client, areas, official_a):
    for i in range(30):
        venue_create(
            actor=official_a,
            name=f"Cửa hàng số {i:02d}",
            venue_type="service_business",
            area=areas["commune_a"],
            street_address="x",
        )
    client.force_login(official_a)
    page = client.get(reverse("venues:list"), {"q": "cua hang"})
    assert page.status_code == 200
    assert len(page.context["page"].object_list) == 25 and page.context["page"].paginator.count == 30
    second = client.get(reverse("venues:list"), {"q": "cua hang", "page": 2})
    assert len(second.context["page"].object_list) == 5
    none = client.get(reverse("venues:list"), {"status": "pending"})
    assert none.context["page"].paginator.count == 0


def test_list_page_needs_login(client):
    response = client.get(reverse("venues:list"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_manager_venue_create_is_pending_and_makes_them_its_manager(areas, venue_a, official_a):
    manager = venue_a.registered_by
    second = venue_create(
        actor=manager, name="Chi nhánh 2", venue_type="market", area=areas["commune_a"], street_address="y"
    )
    assert second.status == Venue.Status.PENDING
    assert set(venues_of_user(user=manager)) == {venue_a, second}
    with pytest.raises(ApplicationError) as info:
        venue_create(actor=manager, name="Xa", venue_type="market", area=areas["commune_b"], street_address="z")
    assert info.value.code == "permission_denied"
    venue_verify(actor=official_a, venue=second)
