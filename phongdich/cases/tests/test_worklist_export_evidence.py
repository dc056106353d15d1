"""The work list's export says where and why for the contact's own level first: an F1 is asked about the visit it
shared with the case, not about a meeting with another F1 (docs/cases.md, "The work list's export")."""

import datetime as dt

from django.utils import timezone

from phongdich.core.testing import download_export

from ..models import ContactLink
from .builders import case, link, local, person, venue

FIRST = "Ở đâu, vì sao: lần đầu (Where, why: first)"
LAST = "Ở đâu, vì sao: gần nhất (Where, why: most recent)"


def rows_of(client, capture) -> dict[str, dict]:
    _, workbook = download_export(client, "/cases/worklist/export/", capture=capture)
    sheet = workbook.worksheets[0]
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    header = [cell.value for cell in sheet[1]]
    rows = [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2, values_only=True)]
    return {row["Họ tên (Name)"]: row for row in rows}


def test_an_f1_is_asked_about_its_own_exposure_first_and_its_f2_evidence_says_through_an_f1(
    client, tree, kim_tan_official, django_capture_on_commit_callbacks
):
    """The demo's Nguyễn Minh Tùng: the F1 of one case (UBND, 18:40–19:04) and the F2 of another (the same place,
    11:55–19:55, through an F1). The export gave the F2 link alone, unmarked, in both columns; then the F1's with the
    F2's after it, the first and last exposure read from the F2's. An F1's exposure is its meeting with the F0, which
    its quarantine counts from: the F2 evidence is on the contact's page."""
    kim_tan, day = tree["kim_tan"], timezone.localdate() - dt.timedelta(days=2)
    office = venue(kim_tan, "UBND huyện Thạch Thành")
    first_case = case(kim_tan_official, person(kim_tan, "Ca Một"))
    second_case = case(kim_tan_official, person(kim_tan, "Ca Bốn"))
    go_between, _ = link(person(kim_tan, "Trung Gian Riêng"), second_case)
    tung = person(kim_tan, "Nguyễn Minh Tùng")
    link(
        tung,
        first_case,
        venue=office,
        place=office.name,
        exposure_start=local(day, 18, 40),
        exposure_end=local(day, 19, 4),
        overlap_minutes=24,
    )
    link(
        tung,
        second_case,
        level=2,
        via=go_between.contact,
        venue=office,
        place=office.name,
        exposure_start=local(day, 11, 55),
        exposure_end=local(day, 19, 55),
        overlap_minutes=480,
        end_assumed=True,
    )
    client.force_login(kim_tan_official)

    row = rows_of(client, django_capture_on_commit_callbacks)["Nguyễn Minh Tùng"]

    own = f"Cùng địa điểm: UBND huyện Thạch Thành, {day:%d/%m/%Y} 18:40–19:04, trùng 24 phút"
    assert row[FIRST] == row[LAST] == own
    assert row["Tiếp xúc đầu (First exposure)"] == local(day, 18, 40).replace(tzinfo=None)
    assert row["Tiếp xúc cuối (Last exposure)"] == local(day, 19, 4).replace(tzinfo=None)


def test_an_f1_whose_own_evidence_spans_its_f2_evidence_is_told_its_own_alone(
    client, tree, kim_tan_official, django_capture_on_commit_callbacks
):
    kim_tan, day = tree["kim_tan"], timezone.localdate() - dt.timedelta(days=2)
    first_case = case(kim_tan_official, person(kim_tan, "Ca Một"))
    second_case = case(kim_tan_official, person(kim_tan, "Ca Hai"))
    go_between, _ = link(person(kim_tan, "Trung Gian"), second_case)
    who = person(kim_tan, "Người Đi Chợ")
    link(who, first_case, place="Chợ", exposure_start=local(day, 8), exposure_end=local(day, 12))
    link(who, second_case, level=2, via=go_between.contact, place="Quán", exposure_start=local(day, 9))
    client.force_login(kim_tan_official)

    row = rows_of(client, django_capture_on_commit_callbacks)["Người Đi Chợ"]

    assert row[FIRST] == row[LAST] == f"Cùng địa điểm: Chợ, {day:%d/%m/%Y} 08:00–12:00"


def test_an_f2_is_told_its_evidence_came_through_an_f1_without_its_name(
    client, tree, kim_tan_official, django_capture_on_commit_callbacks
):
    kim_tan, day = tree["kim_tan"], timezone.localdate() - dt.timedelta(days=2)
    entered = case(kim_tan_official, person(kim_tan, "Ca Một"))
    go_between, _ = link(person(kim_tan, "Trung Gian"), entered)
    link(
        person(kim_tan, "Người F2"),
        entered,
        level=2,
        via=go_between.contact,
        place="=Quán",  # a place a spreadsheet would take for a formula: the setting's words come first
        exposure_start=local(day, 9),
        exposure_end=local(day, 10),
    )
    client.force_login(kim_tan_official)

    row = rows_of(client, django_capture_on_commit_callbacks)["Người F2"]

    assert row[FIRST] == row[LAST] == f"Cùng địa điểm, qua một F1: =Quán, {day:%d/%m/%Y} 09:00–10:00"


def test_evidence_of_several_visits_gives_the_first_and_the_last_apart(
    client, tree, kim_tan_official, django_capture_on_commit_callbacks
):
    """ "03/12/2026 17:20–06/12/2026 13:42 …, 2 lần" read like one stay of three days."""
    kim_tan, day = tree["kim_tan"], timezone.localdate() - dt.timedelta(days=4)
    entered = case(kim_tan_official, person(kim_tan, "Ca Một"))
    school = venue(kim_tan, "Trường Kim Tân")
    visits, _ = link(
        person(kim_tan, "Học Sinh"),
        entered,
        venue=school,
        place=school.name,
        exposure_start=local(day, 17, 20),
        exposure_end=local(day + dt.timedelta(days=3), 13, 42),
        overlap_minutes=95,
    )
    ContactLink.objects.filter(pk=visits.pk).update(occasions=2)
    same_day, _ = link(
        person(kim_tan, "Giáo Viên"),
        entered,
        venue=school,
        place=school.name,
        exposure_start=local(day, 7),
        exposure_end=local(day, 16),
        overlap_minutes=120,
    )
    ContactLink.objects.filter(pk=same_day.pk).update(occasions=3)
    client.force_login(kim_tan_official)

    rows = rows_of(client, django_capture_on_commit_callbacks)

    later = day + dt.timedelta(days=3)
    assert rows["Học Sinh"][FIRST] == (
        f"Cùng địa điểm: Trường Kim Tân, 2 lần: lần đầu từ {day:%d/%m/%Y} 17:20, "
        f"lần cuối đến {later:%d/%m/%Y} 13:42, trùng 1 giờ 35 phút"
    )
    assert rows["Giáo Viên"][LAST] == (
        f"Cùng địa điểm: Trường Kim Tân, 3 lần: lần đầu từ {day:%d/%m/%Y} 07:00, lần cuối đến 16:00, trùng 2 giờ"
    )
