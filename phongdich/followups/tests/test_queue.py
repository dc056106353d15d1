"""The queue's reads: scoping, filters, order, and the ageing bands (fixed times)."""

import datetime as dt

import pytest

from phongdich.core.errors import ApplicationError
from phongdich.followups.selectors import followup_filter_area, followup_queue, followup_queue_stats
from phongdich.followups.services import followup_call_record

from .builders import declare, local, make_person

pytestmark = pytest.mark.django_db

NOW = local(2026, 11, 20, 12, 0)


@pytest.fixture
def aged(tree, django_capture_on_commit_callbacks):
    """Kim Tân: tasks declared 2 h, exactly 24 h, 50 h, exactly 72 h and 80 h before NOW; Thạch Lâm: one of 5 h."""
    tasks = {}
    for hours in (2, 24, 50, 72, 80):
        person = make_person(tree["kim_tan"], name=f"Người {hours}")
        with django_capture_on_commit_callbacks(execute=True):
            declaration = declare(
                person,
                symptoms=["cough"] if hours != 50 else [],
                exposures=["contact_case"] if hours == 50 else [],
                now=NOW - dt.timedelta(hours=hours),
            )
        tasks[hours] = declaration.followup_task
    with django_capture_on_commit_callbacks(execute=True):
        declare(make_person(tree["thach_lam"], name="Người Thạch Lâm"), symptoms=["fever"], now=NOW)
    return tasks


def test_ageing_bands_at_a_fixed_time(aged, kim_tan_official):
    stats = followup_queue_stats(viewer=kim_tan_official, now=NOW)
    assert stats.open_count == 5
    # < 24 h: 2 h. 1–3 days (24 h to 72 h, both included): 24 h, 50 h, 72 h. > 3 days: 80 h.
    assert (stats.under_24h, stats.days_1_3, stats.over_3_days) == (1, 3, 1)
    assert stats.oldest_age == dt.timedelta(hours=80)
    assert stats.oldest_age_hours == 80.0


def test_closed_tasks_leave_the_ageing(aged, kim_tan_official):
    followup_call_record(actor=kim_tan_official, task_id=aged[80].pk, outcome="cleared")
    followup_call_record(actor=kim_tan_official, task_id=aged[2].pk, outcome="reached")  # still open
    stats = followup_queue_stats(viewer=kim_tan_official, now=NOW)
    assert (stats.open_count, stats.under_24h, stats.days_1_3, stats.over_3_days) == (4, 1, 3, 0)
    assert stats.oldest_age == dt.timedelta(hours=72)


def test_district_official_sees_both_communes_and_can_narrow_to_one(aged, tree):
    from phongdich.accounts.models import Official
    from phongdich.core.testing import make_official

    district = make_official(Official.Role.HEALTH_DEPT, tree["district"])
    assert followup_queue_stats(viewer=district, now=NOW).open_count == 6
    assert followup_queue_stats(viewer=district, area=tree["thach_lam"], now=NOW).open_count == 1
    assert followup_queue(viewer=district, area=tree["thach_lam"], now=NOW).count() == 1


def test_queue_is_oldest_first_and_only_the_officials_commune(aged, kim_tan_official, thach_lam_official):
    ids = list(followup_queue(viewer=kim_tan_official, now=NOW).values_list("id", flat=True))
    assert ids == [aged[h].pk for h in (80, 72, 50, 24, 2)]
    assert all(task.area.code == "15196" for task in followup_queue(viewer=thach_lam_official, now=NOW))
    assert followup_queue(viewer=thach_lam_official, now=NOW).count() == 1


def test_filters_by_reason_age_and_status(aged, kim_tan_official):
    def ids(**filters):
        return {task.pk for task in followup_queue(viewer=kim_tan_official, now=NOW, **filters)}

    assert ids(reason="exposure") == {aged[50].pk}
    assert ids(reason="symptoms") == {aged[h].pk for h in (2, 24, 72, 80)}
    assert ids(age="under_24h") == {aged[2].pk}
    assert ids(age="1_3_days") == {aged[h].pk for h in (24, 50, 72)}
    assert ids(age="over_3_days") == {aged[80].pk}
    followup_call_record(actor=kim_tan_official, task_id=aged[2].pk, outcome="cleared")
    assert ids(status="closed") == ids(status="cleared") == {aged[2].pk}
    assert len(ids(status="all")) == 5 and aged[2].pk not in ids()


@pytest.mark.parametrize("filters", [{"status": "lost"}, {"reason": "fever"}, {"age": "5_days"}])
def test_unknown_filter_values_are_refused(aged, kim_tan_official, filters):
    with pytest.raises(ApplicationError) as exc:
        followup_queue(viewer=kim_tan_official, **filters)
    assert exc.value.code == "followup_invalid_filter"


def test_area_filter_outside_the_officials_area_is_not_found(tree, kim_tan_official):
    with pytest.raises(ApplicationError) as exc:
        followup_filter_area(viewer=kim_tan_official, area_id=tree["thach_lam"].pk)
    assert exc.value.code == "not_found"
    with pytest.raises(ApplicationError) as exc:
        followup_queue_stats(viewer=kim_tan_official, area=tree["thach_lam"])
    assert exc.value.code == "not_found"
    with pytest.raises(ApplicationError) as exc:
        followup_filter_area(viewer=kim_tan_official, area_id="abc")
    assert exc.value.code == "followup_invalid_filter"
    assert followup_filter_area(viewer=kim_tan_official, area_id=tree["village"].pk) == tree["village"]


def test_venue_staff_and_plain_users_see_no_queue(aged, tree):
    from phongdich.accounts.models import Official
    from phongdich.core.testing import make_official, make_user

    staff = make_official(Official.Role.VENUE_STAFF, tree["kim_tan"])
    for viewer in (staff, make_user()):
        assert followup_queue(viewer=viewer).count() == 0
        assert followup_queue_stats(viewer=viewer, now=NOW).open_count == 0
