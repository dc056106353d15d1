from datetime import timedelta

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


def _history(viewer, visits, record_area_path):
    now = timezone.now()
    return list(
        selectors.checkin_list_of_record_person(
            viewer=viewer,
            person=visits["person"],
            record_area_path=record_area_path,
            start=now - timedelta(days=1),
            end=now + timedelta(minutes=1),
        )
    )


def test_record_persons_history_goes_to_who_sees_the_record_and_is_audited(visits):
    # The movements of a case's person: every venue, wherever it is, for an official whose area holds the case.
    official = make_official(Official.Role.AREA_OFFICIAL, visits["areas"]["commune_a"])
    record_area = visits["areas"]["commune_a"].path
    assert {c.pk for c in _history(official, visits, record_area)} == {visits["a"].pk, visits["b"].pk}
    assert AuditLog.objects.filter(
        actor=official, action="checkins.person_history.viewed", object_id=str(visits["person"].pk)
    ).exists()
    # A record of another commune: nothing, and the attempt is audited all the same.
    other = make_official(Official.Role.AREA_OFFICIAL, visits["areas"]["commune_b"])
    assert _history(other, visits, record_area) == []
    assert AuditLog.objects.filter(actor=other, action="checkins.person_history.viewed").exists()


def test_venue_staff_and_strangers_see_no_person_history(visits):
    staff = make_user()
    b.add_member(visits["venue_a"], staff)
    assert _history(staff, visits, visits["areas"]["commune_a"].path) == []
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
