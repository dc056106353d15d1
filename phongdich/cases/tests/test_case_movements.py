"""Whoever may see a case sees all of its movements (its own check-ins in the window, wherever the venue), audited;
other people's check-ins stay scoped to the official's area (docs/cases.md, "Presences in the window")."""

import datetime as dt

from django.utils import timezone

from phongdich.accounts.models import Official
from phongdich.checkins.selectors import checkin_list_of_record_person
from phongdich.core.models import AuditLog

from .builders import case, checkin, person, venue


def a_case_that_went_out_of_its_commune(tree, actor):
    """A case resident in Kim Tân, with a check-in in Kim Tân and one in Thạch Lâm within its window; someone else
    of Thạch Lâm at the same place then."""
    who = person(tree["kim_tan"], "Lê Văn Ca")
    at_home, away = venue(tree["kim_tan"], "Chợ Kim Tân"), venue(tree["thach_lam"], "Quán Thạch Lâm")
    yesterday = timezone.now() - dt.timedelta(days=1)
    checkin(who, at_home, yesterday)
    checkin(who, away, yesterday + dt.timedelta(hours=3))
    checkin(person(tree["thach_lam"], "Người Khác"), away, yesterday + dt.timedelta(hours=3))
    return case(actor, who, days_ago=0, onset_days_ago=1)


def test_a_commune_official_sees_every_place_their_case_went_audited(client, tree, kim_tan_official):
    entered = a_case_that_went_out_of_its_commune(tree, kim_tan_official)
    client.force_login(kim_tan_official)

    html = client.get(f"/cases/{entered.pk}/").content.decode()

    presences = html.split('class="presences"', 1)[1].split("</table>", 1)[0]
    assert "Chợ Kim Tân" in presences and "Quán Thạch Lâm" in presences
    read = AuditLog.objects.get(action="checkins.person_history.viewed", actor=kim_tan_official)
    assert (read.object_id, read.area_path) == (str(entered.person_id), entered.area_path)
    assert {"start", "end"} <= set(read.extra)


def test_others_check_ins_at_those_places_stay_out_of_a_commune_officials_reach(client, tree, kim_tan_official):
    a_case_that_went_out_of_its_commune(tree, kim_tan_official)
    client.force_login(kim_tan_official)

    listed = client.get("/api/v1/checkins/").json()["results"]

    # The check-in list is the official's area's, as before: the case at home, neither the stranger nor the case's
    # visit away.
    assert [row["person"]["full_name"] for row in listed] == ["Lê Văn Ca"]
    assert "Người Khác" not in str(listed) and "Quán Thạch Lâm" not in str(listed)


def test_a_case_of_another_area_shows_its_movements_to_no_one_there(tree, kim_tan_official, thach_lam_official):
    entered = a_case_that_went_out_of_its_commune(tree, kim_tan_official)
    window = {"start": entered.window_start - dt.timedelta(days=1), "end": entered.window_end}

    def movements(viewer) -> int:
        return checkin_list_of_record_person(
            viewer=viewer, person=entered.person, record_area_path=entered.area_path, **window
        ).count()

    assert movements(kim_tan_official) == 2
    # Thạch Lâm's official does not see the case, though one of its check-ins was at a venue of theirs.
    assert movements(thach_lam_official) == 0
    # Nor does a role that sees no people, in the case's own commune.
    Official.objects.filter(user=kim_tan_official).update(role=Official.Role.VENUE_STAFF)
    kim_tan_official.refresh_from_db()
    assert movements(kim_tan_official) == 0


def test_a_visit_without_check_out_begun_before_the_window_is_listed_with_its_assumed_end(
    client, tree, kim_tan_official
):
    # The review of the demo (BN-38-000007): a check-in at a school the evening before the window, no check-out. The
    # tracer counts it into the window (tracing.stay_end), so the page lists it, its end estimated: the school's
    # buffer, cut at her next check-in.
    who = person(tree["kim_tan"], "Lê Thị Ca")
    entered = case(kim_tan_official, who, days_ago=0, onset_days_ago=1)
    school = venue(tree["kim_tan"], "Trường THPT Thạch Thành 1", minutes=480)
    checkin(who, school, entered.window_start - dt.timedelta(hours=1), None)
    hall = venue(tree["kim_tan"], "Nhà văn hóa", minutes=480)  # the builder's venues share their type
    checkin(who, hall, entered.window_start + dt.timedelta(hours=2))
    checkin(who, school, entered.window_start - dt.timedelta(hours=12))  # its 8 hours over before the window
    client.force_login(kim_tan_official)

    html = client.get(f"/cases/{entered.pk}/").content.decode()

    presences = html.split('class="presences"', 1)[1].split("</table>", 1)[0]
    rows = presences.split("<tr>")[2:]  # after the head
    assert len(rows) == 2 and "Trường THPT Thạch Thành 1" in rows[0] and "Nhà văn hóa" in rows[1]
    cut = timezone.localtime(entered.window_start + dt.timedelta(hours=2))
    assert f"<td>{cut:%d/%m/%Y %H:%M} <span" in rows[0] and "giờ ra ước tính" in rows[0]
    assert "giờ ra ước tính" not in rows[1]
