"""Admin: declarations read-only, scoped to the official's area, reads audited; ports of entry editable."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from phongdich.core.models import AuditLog
from phongdich.core.testing import make_official, make_province_with_communes, make_user
from phongdich.declarations.models import Declaration, PortOfEntry
from phongdich.declarations.services import declaration_submit_for_family

pytestmark = pytest.mark.django_db


def _declare(area, name):
    return declaration_submit_for_family(
        declarer_phone="0912345678",
        members=[{"full_name": name, "birth_year": 1980}],
        kind="domestic",
        data={"area": area, "address_street": f"Nhà {name}"},
    )[0]


def test_admin_declarations_are_scoped_read_only_and_audited():
    areas = make_province_with_communes()
    mine = _declare(areas["commune_a"], "Lê Văn Một")
    theirs = _declare(areas["commune_b"], "Lê Văn Hai")
    user = make_official("area_official", areas["commune_a"])
    user.is_staff = True
    user.save()
    user.user_permissions.add(Permission.objects.get(codename="view_declaration"))
    client = Client()
    client.force_login(user)
    page = client.get("/admin/declarations/declaration/")
    assert page.status_code == 200
    listed = page.content.decode()
    assert f"/declaration/{mine.pk}/change/" in listed and f"/declaration/{theirs.pk}/change/" not in listed
    assert client.get(f"/admin/declarations/declaration/{mine.pk}/change/").status_code == 200
    assert client.get(f"/admin/declarations/declaration/{theirs.pk}/change/").status_code in (302, 404)
    assert client.post(f"/admin/declarations/declaration/{mine.pk}/delete/").status_code == 403
    assert client.get("/admin/declarations/declaration/add/").status_code == 403
    assert AuditLog.objects.filter(actor=user, action="declarations.declaration.listed").exists()
    assert AuditLog.objects.filter(actor=user, action="declarations.declaration.viewed").exists()
    assert Declaration.objects.count() == 2


def test_ports_of_entry_are_edited_in_the_admin():
    client = Client()
    client.force_login(make_user(is_staff=True, is_superuser=True))
    port = PortOfEntry.objects.get(code="HAN")
    page = client.get(f"/admin/declarations/portofentry/{port.pk}/change/").content.decode()
    assert 'name="name_vi"' in page and 'name="code"' not in page
    response = client.post(
        "/admin/declarations/portofentry/add/",
        {"code": "L-TEST", "name_vi": "Cửa khẩu thử", "name_en": "Test gate", "kind": "land", "active": "on"},
    )
    assert response.status_code == 302 and PortOfEntry.objects.filter(code="L-TEST", kind="land").exists()
