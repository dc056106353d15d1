import pytest
from django.utils import timezone

from phongdich.accounts.models import Official
from phongdich.core.errors import ApplicationError
from phongdich.core.models import AuditLog
from phongdich.core.testing import make_official, make_province_with_communes, make_user

from .. import selectors
from ..models import CheckIn
from . import builders as b

pytestmark = pytest.mark.django_db


@pytest.fixture
def visits():
    areas = make_province_with_communes()
    person = b.make_person(areas["commune_a"])
    venue_a = b.make_venue(areas["commune_a"])
    venue_b = b.make_venue(areas["commune_b"])
    now = timezone.now()
    made = {
        name: CheckIn.objects.create(
            person=person, venue=venue, area_path=venue.area_path, checked_in_at=now, received_at=now, source="paper"
        )
        for name, venue in (("a", venue_a), ("b", venue_b))
    }
    return {"areas": areas, "person": person, "venue_a": venue_a, **made}


def test_person_history_is_scoped_to_the_officials_area_and_audited(visits):
    official = make_official(Official.Role.AREA_OFFICIAL, visits["areas"]["commune_a"])
    history = list(selectors.checkin_list_for_person(viewer=official, person=visits["person"]))
    assert history == [visits["a"]]
    assert AuditLog.objects.filter(
        actor=official, action="checkins.person_history.viewed", object_id=str(visits["person"].pk)
    ).exists()
    province = make_official(Official.Role.HEALTH_DEPT, visits["areas"]["province"])
    assert len(selectors.checkin_list_for_person(viewer=province, person=visits["person"])) == 2


def test_venue_staff_and_strangers_see_no_person_history(visits):
    staff = make_user()
    b.add_member(visits["venue_a"], staff)
    assert list(selectors.checkin_list_for_person(viewer=staff, person=visits["person"])) == []
    assert list(selectors.checkin_list(viewer=make_user())) == []


def test_venue_role_official_sees_only_member_venues_not_the_whole_area(visits):
    # A venue manager is bound to an area too, but must not see the other venues' visitors there.
    manager = make_official(Official.Role.VENUE_MANAGER, visits["areas"]["province"])
    assert list(selectors.checkin_list(viewer=manager)) == []
    b.add_member(visits["venue_a"], manager, "manager")
    assert list(selectors.checkin_list(viewer=manager)) == [visits["a"]]


def test_checkin_get_out_of_scope_is_not_found_and_reads_are_audited(visits):
    official = make_official(Official.Role.AREA_OFFICIAL, visits["areas"]["commune_a"])
    assert selectors.checkin_get(viewer=official, checkin_id=visits["a"].pk) == visits["a"]
    assert AuditLog.objects.filter(action="checkins.checkin.viewed", object_id=str(visits["a"].pk)).exists()
    with pytest.raises(ApplicationError) as info:
        selectors.checkin_get(viewer=official, checkin_id=visits["b"].pk)
    assert info.value.code == "not_found"
