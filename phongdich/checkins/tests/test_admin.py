import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone

from phongdich.accounts.models import Official
from phongdich.core.testing import make_official, make_province_with_communes

from ..models import CheckIn
from . import builders as b

pytestmark = pytest.mark.django_db


def _visit(person, venue):
    now = timezone.now()
    return CheckIn.objects.create(
        person=person, venue=venue, area_path=venue.area_path, checked_in_at=now, received_at=now, source="self_scan"
    )


def test_admin_checkin_list_is_scoped_and_read_only():
    areas = make_province_with_communes()
    person = b.make_person(areas["commune_a"])
    mine = _visit(person, b.make_venue(areas["commune_a"], name="Chợ Thạch Lập"))
    theirs = _visit(person, b.make_venue(areas["commune_b"], name="Chợ Cẩm Thạch"))
    user = make_official(Official.Role.AREA_OFFICIAL, areas["commune_a"])
    user.is_staff = True
    user.save()
    user.user_permissions.add(Permission.objects.get(codename="view_checkin"))
    client = Client()
    client.force_login(user)
    page = client.get("/admin/checkins/checkin/")
    assert page.status_code == 200
    assert "Chợ Thạch Lập" in page.content.decode() and "Chợ Cẩm Thạch" not in page.content.decode()
    assert client.get(f"/admin/checkins/checkin/{mine.pk}/change/").status_code == 200
    assert client.get(f"/admin/checkins/checkin/{theirs.pk}/change/").status_code in (302, 404)
    assert client.post(f"/admin/checkins/checkin/{mine.pk}/delete/").status_code == 403
