"""The venue's commune typed and not chosen from the picker's suggestions, on the public registration and on an
official's form (geo.forms.AreaPickerFormMixin): it posted an empty id and the form said the commune was missing
although it had been typed. Now a text naming one commune is taken; one naming none or several is the field's error,
the text kept, and nothing is written."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from phongdich.core.models import AuditLog
from phongdich.venues.models import Venue, VenueCode

from .conftest import registration

pytestmark = pytest.mark.django_db


def _typed(areas, area_text: str, **overrides) -> dict:
    data = registration(areas["commune_a"], **overrides)
    data["entrances"] = "\n".join(data["entrances"])
    return {**data, "area": "", "area_text": area_text}


def _nothing_written(users: int = 0) -> bool:
    return (
        not Venue.objects.exists()
        and not VenueCode.objects.exists()
        and get_user_model().objects.count() == users
        and not AuditLog.objects.filter(action__startswith="venues.").exists()
    )


def test_the_public_registration_takes_a_commune_typed_and_not_chosen(client, areas):
    response = client.post(reverse("venues:register"), _typed(areas, "xa cam thach"))

    assert response.status_code == 302, response.content.decode()[:2000]
    assert Venue.objects.get().area == areas["commune_b"]


@pytest.mark.parametrize("typed", ["thach", "hoan kiem, thanh hoa"])  # two communes; none of Thanh Hóa of that name
def test_the_public_registration_refuses_a_text_naming_several_communes_or_none(client, areas, typed):
    response = client.post(reverse("venues:register"), _typed(areas, typed))

    html = response.content.decode()
    assert response.status_code == 400 and "Chọn địa bàn trong danh sách" in html
    assert 'name="area_text"' in html and f'value="{typed}"' in html
    assert _nothing_written()


def test_an_officials_form_takes_a_typed_commune_and_refuses_an_unknown_one(client, areas, official_a):
    client.force_login(official_a)
    body = _typed(areas, "thach lap", contact_name="", contact_phone="")

    response = client.post("/en/venues/new/", {**body, "area_text": "thach lap xyz"})
    assert response.status_code == 400 and "Choose an area from the list" in response.content.decode()
    assert 'value="thach lap xyz"' in response.content.decode()
    assert _nothing_written(users=1)  # the official
    response = client.post(reverse("venues:create"), body)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Venue.objects.get().area == areas["commune_a"]
