"""The admin: cases scoped to the official's area and audited; window rules editable by superusers only."""

import pytest
from django.contrib.auth.models import Permission

from phongdich.core.models import AuditLog
from phongdich.core.testing import make_user

from ..models import InfectiousWindowRule
from .builders import case, person


def staff(user, *codenames):
    user.is_staff = True
    user.save()
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


def test_case_admin_is_scoped_read_only_and_audited(client, tree, kim_tan_official, thach_lam_official):
    mine = case(kim_tan_official, person(tree["kim_tan"], "Trong Xã"))
    theirs = case(thach_lam_official, person(tree["thach_lam"], "Xã Khác"))
    client.force_login(staff(kim_tan_official, "view_case", "change_case", "delete_case"))
    listing = client.get("/admin/cases/case/").content.decode()
    assert mine.number in listing and theirs.number not in listing
    assert client.get(f"/admin/cases/case/{mine.pk}/change/").status_code == 200
    assert client.get(f"/admin/cases/case/{theirs.pk}/change/").status_code in (302, 404)
    assert client.post(f"/admin/cases/case/{mine.pk}/delete/").status_code == 403
    assert AuditLog.objects.filter(action="cases.case.viewed", actor=kim_tan_official).exists()


@pytest.mark.parametrize("superuser", [False, True])
def test_window_rules_are_changed_by_superusers_only(client, tree, kim_tan_official, superuser):
    user = (
        make_user(is_superuser=True, is_staff=True)
        if superuser
        else staff(kim_tan_official, "change_infectiouswindowrule")
    )
    client.force_login(user)
    rule = InfectiousWindowRule.objects.get(code="qd3638_2021")
    assert client.get("/admin/cases/infectiouswindowrule/").status_code == 200
    page = client.get(f"/admin/cases/infectiouswindowrule/{rule.pk}/change/").content.decode()
    assert ('name="days_before_onset"' in page) is superuser
