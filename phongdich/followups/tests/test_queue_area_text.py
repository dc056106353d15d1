"""The queue's area filter uses the same area picker as the cases lists: a name typed and not chosen from its
suggestions sent an empty id, and the queue showed the whole area as if no area had been typed."""

import pytest
from django.urls import reverse

from phongdich.accounts.models import Official
from phongdich.core.testing import make_official

from .builders import declare, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_communes(tree, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        declare(make_person(tree["kim_tan"], name="Lê Thị Hoa", phone="+84987654321"), symptoms=["fever"])
        declare(make_person(tree["thach_lam"], name="Trần Văn Lâm", phone="+84987654322"), symptoms=["cough"])


def test_a_typed_area_naming_one_area_filters_the_queue(client, tree, two_communes):
    client.force_login(make_official(Official.Role.HEALTH_DEPT, tree["district"], "ttyt_thachthanh"))

    page = client.get(reverse("followups:queue"), {"area": "", "area_text": "thach lam"})

    html = page.content.decode()
    assert page.status_code == 200 and "Trần Văn Lâm" in html and "Lê Thị Hoa" not in html
    assert 'value="Xã Thạch Lâm, Huyện Thạch Thành"' in html


@pytest.mark.parametrize("typed", ["thach", "hoan kiem"])
def test_a_typed_area_naming_several_or_none_is_answered_with_the_form(client, tree, two_communes, typed):
    client.force_login(make_official(Official.Role.HEALTH_DEPT, tree["district"], "ttyt_thachthanh"))

    page = client.get(reverse("followups:queue"), {"area": "", "area_text": typed, "status": "all"})

    html = page.content.decode()
    assert page.status_code == 400 and "Chọn địa bàn trong danh sách" in html
    assert 'name="area_text"' in html and f'value="{typed}"' in html
    assert "Trần Văn Lâm" not in html and "Lê Thị Hoa" not in html
    assert '<option value="all" selected>' in html
