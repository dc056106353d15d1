"""The paper form's address typed in the area picker and not chosen from its suggestions
(geo.forms.AreaPickerFormMixin): it posted an empty id, and the check-in was recorded without the address that had
been typed. Now a text naming one area is taken; one naming none or several is the field's error (in both languages,
as the form's others), the text kept, and nothing is written."""

import pytest

from phongdich.accounts.models import Official
from phongdich.checkins.models import CheckIn
from phongdich.core.testing import make_official, make_province_with_communes
from phongdich.people.models import Person

from .builders import add_member, clear_caches, make_venue
from .test_pages_staff import paper_form

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_caches():
    clear_caches()
    yield
    clear_caches()


@pytest.fixture
def areas(db):
    return make_province_with_communes()  # Xã Thạch Lập, Xã Cẩm Thạch (Thanh Hóa); Phường Hoàn Kiếm (Hà Nội)


@pytest.fixture
def venue(areas):
    return make_venue(areas["commune_a"], name="Chợ Thạch Lập")


@pytest.fixture
def staff(venue):
    user = make_official(Official.Role.VENUE_STAFF, venue.area, username="staff-a")
    add_member(venue, user)
    return user


def test_an_address_typed_and_not_chosen_is_the_persons(client, staff, venue, areas):
    client.force_login(staff)

    response = client.post("/checkins/paper/", paper_form(venue, address_area_text="Phường Hoàn Kiếm"))

    assert response.status_code == 302
    assert CheckIn.objects.get().person.address_area == areas["other_commune"]


@pytest.mark.parametrize("typed", ["thach", "Xã Thạch Lập, Hà Nội"])  # two communes; none of Hà Nội of that name
def test_an_address_naming_several_areas_or_none_is_refused_with_the_text_kept(client, staff, venue, typed):
    client.force_login(staff)

    response = client.post("/checkins/paper/", paper_form(venue, address_area_text=typed))

    html = response.content.decode()
    assert response.status_code == 400
    assert "Chọn địa bàn trong danh sách. / Choose an area from the list." in html
    assert 'name="address_area_text"' in html and f'value="{typed}"' in html
    assert not CheckIn.objects.exists() and not Person.objects.exists()
