"""Pages of control staff (scanner, paper declarations) and officials (check-in list, detail, export)."""

import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from phongdich.accounts.models import Official
from phongdich.checkins.models import CheckIn
from phongdich.core.models import AuditLog, ExportJob
from phongdich.core.testing import (
    assert_formula_safe,
    download_export,
    download_export_bytes,
    make_official,
    make_province_with_communes,
    make_user,
)
from phongdich.people import errors as people_errors
from phongdich.people.models import Person
from phongdich.venues.forms import VenueByNameMixin

from .builders import add_member, clear_caches, make_code, make_person, make_venue


@pytest.fixture(autouse=True)
def _fresh_caches():
    clear_caches()
    yield
    clear_caches()


@pytest.fixture
def areas(db):
    return make_province_with_communes()


@pytest.fixture
def venue(areas):
    return make_venue(areas["commune_a"], name="Chợ Thạch Lập")


@pytest.fixture
def code(venue):
    return make_code(venue, label="Cổng chính")


@pytest.fixture
def staff(venue):
    user = make_official(Official.Role.VENUE_STAFF, venue.area, username="staff-a")
    add_member(venue, user)
    return user


def paper_form(venue, code=None, **changes):
    data = {
        "venue": venue.pk,
        "code": code.pk if code else "",
        "full_name": "PHẠM VĂN ĐỨC",
        "phone": "0987654321",
        "birth_year": "1958",
        "citizen_id": "038058001234",
        "address_area": "",
        "address_street": "Thôn 3",
        "has_symptoms": "no",
        "had_contact": "no",
        "travelled": "yes",
        "checked_in_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "nonce": "paper-1",
    }
    data.update(changes)
    return data


def visit(person, venue, *, minutes_ago=10, code=None):
    at = timezone.now() - timedelta(minutes=minutes_ago)
    return CheckIn.objects.create(
        person=person,
        venue=venue,
        code=code,
        area_path=venue.area_path,
        checked_in_at=at,
        received_at=at,
        source=CheckIn.Source.SELF_SCAN,
    )


# --- paper declarations ---------------------------------------------------------------------------------


def test_paper_form_is_keyboard_first(client, staff, venue, code):
    client.force_login(staff)
    response = client.get("/checkins/paper/")
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'<input[^>]*name="full_name"[^>]*autofocus', html)
    # Tab order: who, then the answers, then time and place (remembered between entries).
    order = [html.index(f'name="{name}"') for name in ("full_name", "phone", "birth_year", "has_symptoms", "venue")]
    assert order == sorted(order)
    assert f'value="{code.pk}" data-venue="{venue.pk}"' in html


def test_paper_form_records_a_checkin_then_clears_and_shows_the_last_entry(client, staff, venue, code):
    client.force_login(staff)

    response = client.post("/checkins/paper/", paper_form(venue, code))

    assert response.status_code == 302 and response["Location"] == "/checkins/paper/"
    checkin = CheckIn.objects.get()
    assert checkin.source == CheckIn.Source.PAPER and checkin.venue == venue and checkin.code == code
    assert checkin.recorded_by == staff and checkin.travelled is True and checkin.has_symptoms is False
    assert checkin.person.citizen_id == "038058001234" and checkin.person.phone == "+84987654321"
    page = client.get("/checkins/paper/").content.decode()
    assert 'id="last-entry"' in page and "PHẠM VĂN ĐỨC" in page
    assert re.search(r'<input[^>]*name="full_name"(?![^>]*value=)[^>]*>', page)  # an empty form for the next one
    assert f'<option value="{code.pk}" selected data-venue="{venue.pk}">' in page  # the place is kept


def test_paper_form_sent_twice_records_one_checkin(client, staff, venue, code):
    client.force_login(staff)
    client.post("/checkins/paper/", paper_form(venue, code))
    client.post("/checkins/paper/", paper_form(venue, code))
    assert CheckIn.objects.count() == 1


def test_paper_form_rejects_a_bad_citizen_id_and_writes_nothing(client, staff, venue):
    client.force_login(staff)

    response = client.post("/checkins/paper/", paper_form(venue, citizen_id="038099001234"))  # born 1999 ≠ 1958

    assert response.status_code == 400
    assert people_errors.INVALID_CITIZEN_ID.vi in response.content.decode()
    assert CheckIn.objects.count() == 0 and Person.objects.count() == 0


def test_paper_form_rejects_a_bad_phone_and_writes_nothing(client, staff, venue):
    client.force_login(staff)
    response = client.post("/checkins/paper/", paper_form(venue, phone="0123"))
    assert response.status_code == 400
    assert people_errors.INVALID_PHONE.vi in response.content.decode()
    assert CheckIn.objects.count() == 0


def test_paper_form_refuses_an_entrance_of_another_venue(client, staff, venue, areas):
    other_code = make_code(make_venue(areas["commune_a"]))
    client.force_login(staff)
    response = client.post("/checkins/paper/", paper_form(venue, other_code))
    assert response.status_code == 400
    assert CheckIn.objects.count() == 0


def test_paper_form_refuses_a_time_in_the_future(client, staff, venue):
    client.force_login(staff)
    later = (timezone.localtime() + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    response = client.post("/checkins/paper/", paper_form(venue, checked_in_at=later))
    assert response.status_code == 400
    assert CheckIn.objects.count() == 0


def test_paper_form_needs_a_venue_role(client, areas):
    client.force_login(make_user())
    assert client.get("/checkins/paper/").status_code == 403
    assert client.get("/checkins/scan/").status_code == 403


def test_staff_pages_need_a_login(client, db):
    for path in ("/checkins/paper/", "/checkins/scan/", "/checkins/", "/checkins/export/"):
        response = client.get(path)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert "/accounts/login/" in client.post("/checkins/export/")["Location"]


# --- scanner --------------------------------------------------------------------------------------------


def test_scanner_page_offers_a_venue_without_a_code_by_itself(client, staff, venue):
    client.force_login(staff)
    html = client.get("/checkins/scan/").content.decode()
    assert f'<option value="venue-{venue.pk}" data-venue="{venue.pk}">' in html


def test_scanner_page_offers_the_staffs_entrances_and_posts_to_the_api(client, staff, venue, code, areas):
    revoked = make_code(venue, label="Cổng cũ")
    revoked.revoked_at = timezone.now()
    revoked.save()
    not_mine = make_code(make_venue(areas["commune_a"]))
    client.force_login(staff)

    html = client.get("/checkins/scan/").content.decode()

    assert f'<option value="code-{code.pk}" data-code="{code.token}">' in html
    assert revoked.token not in html and not_mine.token not in html
    assert 'data-api-url="/api/v1/checkins/scan/"' in html
    assert "checkins/vendor/jsqr/jsQR.js" in html and "checkins/scan.js" in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert re.search(r'<input id="manual-token"[^>]*autofocus', html)


# --- officials: list, detail, export --------------------------------------------------------------------


@pytest.fixture
def two_communes(areas):
    """A check-in in commune A and one in commune B, each by a person of that commune."""
    venue_a = make_venue(areas["commune_a"], name="Chợ A")
    venue_b = make_venue(areas["commune_b"], name="Chợ B")
    in_a = visit(make_person(areas["commune_a"], name="Người Xã A", phone="+84912000001"), venue_a)
    in_b = visit(make_person(areas["commune_b"], name="Người Xã B", phone="+84912000002"), venue_b)
    return in_a, in_b


def test_a_commune_official_sees_only_their_communes_checkins(client, areas, two_communes):
    in_a, in_b = two_communes
    client.force_login(make_official(Official.Role.AREA_OFFICIAL, areas["commune_a"]))

    html = client.get("/checkins/").content.decode()

    assert "Người Xã A" in html and "Người Xã B" not in html
    assert f"/checkins/{in_a.pk}/" in html and f"/checkins/{in_b.pk}/" not in html
    assert f'href="/people/{in_a.person_id}/"' in html  # officials who see people get a link to the record


def test_a_commune_official_gets_404_for_another_communes_checkin(client, areas, two_communes):
    in_a, in_b = two_communes
    client.force_login(make_official(Official.Role.AREA_OFFICIAL, areas["commune_a"]))
    assert client.get(f"/checkins/{in_b.pk}/").status_code == 404
    response = client.get(f"/checkins/{in_a.pk}/")
    assert response.status_code == 200 and "Người Xã A" in response.content.decode()
    assert client.get("/checkins/999999/").status_code == 404


def test_a_province_official_sees_both_communes(client, areas, two_communes):
    client.force_login(make_official(Official.Role.HEALTH_DEPT, areas["province"]))
    html = client.get("/checkins/").content.decode()
    assert "Người Xã A" in html and "Người Xã B" in html


def test_venue_staff_see_their_venue_with_initials_only(
    client, staff, venue, areas, django_capture_on_commit_callbacks
):
    mine = visit(make_person(areas["commune_a"], name="Nguyễn Văn An"), venue)
    elsewhere = visit(make_person(areas["commune_a"], phone="+84912000003"), make_venue(areas["commune_a"]))
    client.force_login(staff)

    html = client.get("/checkins/").content.decode()
    detail = client.get(f"/checkins/{mine.pk}/").content.decode()
    _, workbook = download_export(client, "/checkins/export/", capture=django_capture_on_commit_callbacks)
    rows = list(workbook.active.iter_rows(values_only=True))

    assert f"/checkins/{mine.pk}/" in html and f"/checkins/{elsewhere.pk}/" not in html
    assert "NVA" in html and "Nguyễn Văn An" not in html and "/people/" not in html.split("<main>")[1]
    assert "NVA" in detail and "Nguyễn Văn An" not in detail and "1990" not in detail
    assert len(rows) == 2 and rows[1][5] == "NVA" and rows[1][6] is None and rows[1][7] in ("", None)


def test_a_venue_members_export_is_served_only_while_they_belong_to_the_venue(
    client, staff, venue, areas, django_capture_on_commit_callbacks
):
    """Staff get their venue's check-ins (as members, not by area): the file stays theirs while they belong to it."""
    from phongdich.venues.models import VenueMembership

    visit(make_person(areas["commune_a"], name="Nguyễn Văn An"), venue)
    client.force_login(staff)
    job_id, _workbook = download_export(client, "/checkins/export/", capture=django_capture_on_commit_callbacks)
    assert ExportJob.objects.get(pk=job_id).venue_ids == [venue.pk]
    VenueMembership.objects.filter(user=staff).delete()
    assert client.get(f"/exports/{job_id}/file/").status_code == 404


def test_export_is_scoped_and_audited(client, areas, two_communes, django_capture_on_commit_callbacks):
    official = make_official(Official.Role.AREA_OFFICIAL, areas["commune_a"])
    client.force_login(official)
    assert client.get("/checkins/export/").status_code == 405  # a GET queues nothing

    _, workbook = download_export(client, "/checkins/export/", capture=django_capture_on_commit_callbacks)

    rows = list(workbook.active.iter_rows(values_only=True))
    assert len(rows) == 2  # header and commune A's only
    assert "Người Xã A" in rows[1]
    assert rows[1][7] == "0912000001"  # as people dial it, and no apostrophe before a "+"
    entry = AuditLog.objects.get(action="checkins.checkin.exported")
    assert entry.actor == official and entry.extra["rows"] == 1
    asked = AuditLog.objects.get(action="core.export.requested")  # with the address the request came from
    assert asked.actor == official and asked.ip == "127.0.0.1" and asked.extra["kind"] == "checkins.list"


def test_exported_names_cannot_run_as_formulas(client, areas, venue, django_capture_on_commit_callbacks):
    visit(make_person(areas["commune_a"], name='=HYPERLINK("http://x")'), venue)
    client.force_login(make_official(Official.Role.AREA_OFFICIAL, areas["commune_a"]))
    _, data = download_export_bytes(client, "/checkins/export/", capture=django_capture_on_commit_callbacks)
    rows = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    assert rows[1][5] == '=HYPERLINK("http://x")'  # as entered: no apostrophe to see
    assert_formula_safe(data, '=HYPERLINK("http://x")')


def test_exported_answers_are_in_the_requesters_language(client, areas, venue, django_capture_on_commit_callbacks):
    checkin = visit(make_person(areas["commune_a"]), venue)
    CheckIn.objects.filter(pk=checkin.pk).update(has_symptoms=True, had_contact=False)
    client.force_login(make_official(Official.Role.AREA_OFFICIAL, areas["commune_a"]))

    _, in_vietnamese = download_export(client, "/checkins/export/", capture=django_capture_on_commit_callbacks)
    _, in_english = download_export(client, "/en/checkins/export/", capture=django_capture_on_commit_callbacks)

    assert list(in_vietnamese.active.iter_rows(values_only=True))[1][9:12] == ("Có", "Không", None)
    assert list(in_english.active.iter_rows(values_only=True))[1][9:12] == ("Yes", "No", None)


@pytest.mark.parametrize("query", ["end=9999-12-31", "start=0001-01-01", "venue=%C2%B2"])
def test_dates_and_ids_past_the_calendar_are_the_forms_message_not_a_500(client, areas, venue, query, monkeypatch):
    """A day added to 9999-12-31, 0001-01-01 turned into UTC and "²" (a digit int() refuses) in the venue search
    were 500s (fuzzing, 2026-12-06)."""
    monkeypatch.setattr(VenueByNameMixin, "VENUE_SELECT_MAX", 0)
    client.force_login(make_official(Official.Role.AREA_OFFICIAL, areas["commune_a"]))
    response = client.get(f"/checkins/?{query}")
    assert response.status_code in (200, 400)
    assert client.post(f"/checkins/export/?{query}").status_code in (302, 400)


def test_list_filters_by_venue_and_day(client, areas, venue, django_capture_on_commit_callbacks):
    other = make_venue(areas["commune_a"], name="Siêu thị")
    today = visit(make_person(areas["commune_a"], name="Hôm Nay"), venue)
    visit(make_person(areas["commune_a"], name="Chỗ Khác", phone="+84912000004"), other)
    old = visit(
        make_person(areas["commune_a"], name="Tuần Trước", phone="+84912000005"), venue, minutes_ago=7 * 24 * 60
    )
    client.force_login(make_official(Official.Role.AREA_OFFICIAL, areas["commune_a"]))
    # The visit's own day (10 minutes ago), not today's: just after midnight in Vietnam they differ.
    day = timezone.localdate(today.checked_in_at).isoformat()

    html = client.get("/checkins/", {"venue": venue.pk, "start": day, "end": day}).content.decode()

    assert f"/checkins/{today.pk}/" in html
    assert "Chỗ Khác" not in html and f"/checkins/{old.pk}/" not in html
    query = f"?venue={venue.pk}&start={day}&end={day}"
    _, workbook = download_export(client, f"/checkins/export/{query}", capture=django_capture_on_commit_callbacks)
    assert len(list(workbook.active.iter_rows())) == 2


def test_an_officials_many_venues_are_searched_by_name(
    client, areas, venue, monkeypatch, django_capture_on_commit_callbacks
):
    """A province has 100,000 venues: the list's venue filter is a search by name, not a drop-down of them all."""
    monkeypatch.setattr(VenueByNameMixin, "VENUE_SELECT_MAX", 1)
    other = make_venue(areas["commune_a"], name="Siêu thị Kim Tân")
    here = visit(make_person(areas["commune_a"], name="Ở Đây"), venue)
    visit(make_person(areas["commune_a"], name="Chỗ Khác", phone="+84912000004"), other)
    client.force_login(make_official(Official.Role.AREA_OFFICIAL, areas["commune_a"]))
    page = client.get("/checkins/").content.decode()
    assert 'name="venue_query"' in page and "<select" not in page

    found = client.get("/checkins/", {"venue_query": "sieu thi"}).content.decode()
    assert "Chỗ Khác" in found and "Ở Đây" not in found
    by_link = client.get("/checkins/", {"venue": venue.pk}).content.decode()  # a venue page's link: by id
    assert f'value="{venue.name}"' in by_link and f"/checkins/{here.pk}/" in by_link and "Chỗ Khác" not in by_link
    nothing = client.get("/checkins/", {"venue_query": "không có"})
    assert nothing.status_code == 200 and "Chỗ Khác" not in nothing.content.decode()  # an error, not everything
    _, workbook = download_export(
        client, "/checkins/export/?venue_query=sieu+thi", capture=django_capture_on_commit_callbacks
    )
    assert len(list(workbook.active.iter_rows())) == 2  # the header and the one check-in there


def test_list_refuses_an_end_before_the_start_without_a_500(client, areas, two_communes):
    client.force_login(make_official(Official.Role.AREA_OFFICIAL, areas["commune_a"]))
    response = client.get("/checkins/", {"start": "2026-05-02", "end": "2026-05-01"})
    assert response.status_code == 200
    assert "Người Xã A" not in response.content.decode()
    assert client.get("/checkins/", {"start": "not-a-date", "venue": "x", "page": "-3"}).status_code == 200


def test_list_pages_by_fifty(client, areas, venue):
    person = make_person(areas["commune_a"])
    for minutes in range(1, 53):
        visit(person, venue, minutes_ago=minutes)
    client.force_login(make_official(Official.Role.AREA_OFFICIAL, areas["commune_a"]))
    first = client.get("/checkins/").content.decode()
    second = client.get("/checkins/", {"page": 2}).content.decode()
    assert len(re.findall(r'href="/checkins/\d+/"', first)) == 50 and "page=2" in first
    assert len(re.findall(r'href="/checkins/\d+/"', second)) == 2


def test_past_the_count_cap_the_list_says_more_than_and_pages_up_to_it(client, areas, venue, monkeypatch):
    monkeypatch.setattr("phongdich.checkins.views.LIST_COUNT_MAX", 60)
    person = make_person(areas["commune_a"])
    for minutes in range(1, 63):
        visit(person, venue, minutes_ago=minutes)
    client.force_login(make_official(Official.Role.AREA_OFFICIAL, areas["commune_a"]))

    first = client.get("/checkins/").content.decode()
    last = client.get("/checkins/", {"page": 9}).content.decode()  # beyond the cap: its last page
    narrowed = client.get("/checkins/", {"venue": venue.pk, "start": timezone.localdate() - timedelta(days=1)})

    assert "Hơn 60 lượt vào" in first and "Trang 1 / 2" in first  # pages stop at the cap: 60 rows, 2 pages
    assert len(re.findall(r'href="/checkins/\d+/"', last)) == 10  # rows 51-60 of the 62, newest first
    assert "Hơn 60" in narrowed.content.decode()  # the filters narrow; a count past the cap is still capped


def test_an_official_who_also_works_at_a_venue_sees_both(client, areas, two_communes):
    in_a, in_b = two_communes
    official = make_official(Official.Role.AREA_OFFICIAL, areas["commune_a"])
    add_member(in_b.venue, official)
    client.force_login(official)

    html = client.get("/checkins/").content.decode()

    assert f"/checkins/{in_a.pk}/" in html and f"/checkins/{in_b.pk}/" in html
    assert "2 lượt vào" in html


def test_paper_form_takes_the_address_from_the_area_picker(client, staff, venue, areas):
    client.force_login(staff)
    html = client.get("/checkins/paper/").content.decode()
    assert 'class="area-picker"' in html and 'name="address_area"' in html

    client.post("/checkins/paper/", paper_form(venue, address_area=areas["commune_b"].pk))

    person = CheckIn.objects.get().person
    assert person.address_area == areas["commune_b"] and person.address_street == "Thôn 3"


def test_malformed_staff_input_never_gets_a_500(client, staff, venue, areas):
    client.force_login(staff)
    huge = "9" * 30
    assert client.get(f"/checkins/{huge}/").status_code == 404
    assert client.get("/checkins/", {"venue": huge, "start": "2026-13-45", "page": huge}).status_code == 200
    for field, value in [("venue", huge), ("code", huge), ("address_area", huge), ("checked_in_at", "yesterday")]:
        assert client.post("/checkins/paper/", {**paper_form(venue), field: value}).status_code == 400
    assert CheckIn.objects.count() == 0


def test_an_export_too_large_is_refused_with_a_message(client, areas, two_communes, monkeypatch):
    monkeypatch.setattr("phongdich.checkins.views.EXPORT_MAX_ROWS", 1)
    client.force_login(make_official(Official.Role.HEALTH_DEPT, areas["province"]))

    response = client.post("/checkins/export/?start=2026-01-01", follow=True)

    assert response.redirect_chain[0][0] == "/checkins/?start=2026-01-01"
    assert 'class="messages"' in response.content.decode()
    assert not ExportJob.objects.exists()
    response = client.post("/checkins/export/?start=2026-05-02&end=2026-05-01", follow=True)  # end before start
    assert 'class="messages"' in response.content.decode() and not ExportJob.objects.exists()


def test_an_export_asked_by_a_venue_member_without_a_venue_is_refused_with_a_bilingual_403(client, areas, venue):
    """Staff whose venue membership is gone: the export would read nothing and be served to nobody; refused at once."""
    client.force_login(make_official(Official.Role.VENUE_STAFF, areas["commune_a"]))
    response = client.post("/checkins/export/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "Bạn không có địa bàn hay địa điểm nào để xuất danh sách này" in page
    assert not ExportJob.objects.exists()
    english = client.post("/en/checkins/export/").content.decode()
    assert "You have no area or venue to export this list for" in english
