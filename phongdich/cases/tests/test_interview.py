"""Adding a contact named in the case's interview: a person found in the area (told apart by the commune) or a new
person, whose fields are required only when that block is used; a refused form comes back with what was chosen and
typed."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from phongdich.people.models import Person
from phongdich.people.validation import phone_national

from ..models import ContactLink
from .builders import case, person


@pytest.fixture
def scene(tree, district_official):
    entered = case(district_official, person(tree["kim_tan"], "Cao Thị Oanh"))
    here = person(tree["kim_tan"], "Cao Thị Dung", birth_year=1970)
    there = person(tree["thach_lam"], "Cao Thị Dung", birth_year=1970)
    return {"case": entered, "here": here, "there": there}


def _post(client, scene, **fields):
    body = {"nonce": "interview-nonce-1", "setting": "household", "iq": "cao thi dung", **fields}
    return client.post(f"/cases/{scene['case'].pk}/interview/", body)


def test_the_new_person_block_asks_nothing_of_the_browser(client, scene, district_official):
    client.force_login(district_official)
    html = client.get(f"/cases/{scene['case'].pk}/?iq=cao+thi+dung").content.decode()
    block = html.split('id="interview"', 1)[1].split("<details>", 1)[1].split("</details>", 1)[0]
    assert 'name="new-full_name"' in block and "required" not in block  # closed, it once blocked the submit
    # Namesakes told apart by their commune, as in the case entry's search.
    # The phone as people write it (0910…), as the exports give it.
    assert f"Cao Thị Dung (1970) · {phone_national(scene['here'].phone)} · Thị trấn Kim Tân" in html
    assert f"Cao Thị Dung (1970) · {phone_national(scene['there'].phone)} · Xã Thạch Lâm" in html


def test_a_found_person_is_added_without_the_new_person_fields(client, scene, district_official):
    client.force_login(district_official)
    response = _post(client, scene, person=scene["there"].pk)
    assert response.status_code == 302 and response["Location"] == f"/cases/{scene['case'].pk}/#messages"
    assert ContactLink.objects.get(source="interview").contact.person_id == scene["there"].pk


def test_neither_a_found_person_nor_a_new_name_is_refused_clearly(client, scene, district_official):
    client.force_login(district_official)
    response = _post(client, scene, **{"new-phone": "0912345678"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Hãy chọn một người trong địa bàn, hoặc nhập họ tên và xã, phường của người mới." in html
    assert re.search(r"<details[^>]* open>", html)  # the block that was used, open with its fields' errors
    assert 'value="0912345678"' in html
    assert ContactLink.objects.count() == 0


def test_a_refused_interview_keeps_the_person_chosen(client, scene, district_official):
    client.force_login(district_official)
    response = _post(client, scene, person=scene["there"].pk, exposure_start="2026-13-45T10:00")
    html = response.content.decode()
    # The form posts to the case page itself (views.case_detail), naming itself.
    assert response.status_code == 400 and f'action="/cases/{scene["case"].pk}/#interview"' in html
    assert 'name="case_form" value="interview"' in html
    assert f'name="person" value="{scene["there"].pk}" checked' in html
    assert 'name="iq" value="cao thi dung"' in html
    assert not re.search(r"<details[^>]* open>", html)  # the new-person block was not used: no errors there


def test_a_new_persons_commune_is_kept_when_the_form_is_refused(client, tree, scene, district_official):
    client.force_login(district_official)
    response = _post(
        client,
        scene,
        **{"new-full_name": "Cao Văn Tới", "new-address_area": tree["thach_lam"].pk, "new-birth_year": "18"},
    )
    html = response.content.decode()
    assert response.status_code == 400 and not Person.objects.filter(full_name="Cao Văn Tới").exists()
    assert 'value="Cao Văn Tới"' in html
    picker = f'id="id_new-address_area" class="area-picker-value" value="{tree["thach_lam"].pk}"'
    assert picker in html and "Xã Thạch Lâm, Huyện Thạch Thành" in html


@pytest.mark.parametrize(
    "prefix, told",
    [
        ("", "Thời điểm tiếp xúc trước thời kỳ lây truyền của ca bệnh (bắt đầu từ {opens})"),
        ("/en", "The exposure is before the case&#x27;s infectious window (which starts {opens})"),
    ],
)
def test_an_interview_exposure_before_the_infectious_window_is_refused_on_the_form(
    client, scene, district_official, prefix, told
):
    """A colleague met three weeks before the sample was made an F1, though the case was not infectious then."""
    the_case = scene["case"]
    opens = timezone.localtime(the_case.window_start)
    met = (opens - dt.timedelta(days=10)).strftime("%Y-%m-%dT%H:%M")
    client.force_login(district_official)
    response = client.post(
        f"{prefix}/cases/{the_case.pk}/interview/",
        {
            "nonce": "interview-nonce-1",
            "setting": "workplace",
            "iq": "cao thi dung",
            "person": scene["here"].pk,
            "exposure_start": met,
        },
    )
    html = response.content.decode()
    assert response.status_code == 400 and f'name="person" value="{scene["here"].pk}" checked' in html
    assert told.format(opens=opens.strftime("%d/%m/%Y %H:%M")) in html
    assert not ContactLink.objects.exists()


def test_a_person_dismissed_for_another_case_is_named_and_the_investigator_told(client, scene, district_official):
    """One contact per person: a dismissal made on another case's evidence ("not there") stands, so the new case's
    investigator is told, not left to find the person missing from the work list."""
    from .. import services
    from ..models import Contact

    earlier = case(district_official, person(scene["here"].address_area, "Ca Cũ"))
    contact = services.contact_link_add(
        person=scene["here"], case=earlier, level=1, source="interview", setting="other", evidence_key="interview:x"
    )[0].contact
    services.contact_status_set(actor=district_official, contact=contact, status="dismissed", reason="Không có mặt")
    client.force_login(district_official)

    response = _post(client, scene, person=scene["here"].pk)

    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Cao Thị Dung đã bị loại khỏi danh sách tiếp xúc trước đây (lý do: Không có mặt)" in page
    assert Contact.objects.get(pk=contact.pk).status == Contact.Status.DISMISSED
    # And the official may confirm them again: a standing case (this one) links them.
    services.contact_status_set(actor=district_official, contact=contact, status="confirmed")


# --- A meeting after the case's isolation (docs/cases.md, "Contacts and their status") ------------------------------


@pytest.fixture
def isolated(tree, district_official):
    """A case isolated ten hours ago (sample yesterday, onset two days ago), and a colleague of its person."""
    now = timezone.now()
    entered = case(district_official, person(tree["kim_tan"], "Cao Thị Oanh"), isolated_at=now - dt.timedelta(hours=10))
    return {"now": now, "case": entered, "colleague": person(tree["kim_tan"], "Cao Văn Đồng", birth_year=1980)}


def _named(isolated, actor, **times):
    from .. import services

    return services.contact_interview_add(
        actor=actor,
        case=isolated["case"],
        person=isolated["colleague"],
        setting=times.pop("setting", "workplace"),
        nonce=times.pop("nonce", "after-isolation-1"),
        **times,
    )


def test_a_meeting_begun_after_the_cases_isolation_is_refused_as_the_window_refuses(isolated, district_official):
    """An F0 isolated passes nothing on: the check-in tracer keeps only overlaps with the window, and a case entered
    for an F1 leaves out of the F1 it takes from their interview a meeting begun once it was isolated. The case's own
    interview took it, and made an F1 to call and quarantine."""
    from phongdich.core.errors import ApplicationError

    now, the_case = isolated["now"], isolated["case"]
    closes = timezone.localtime(the_case.window_end)
    assert the_case.window_end == the_case.isolated_at == now - dt.timedelta(hours=10)
    shown = closes.strftime("%d/%m/%Y %H:%M")
    for times, field in (
        (
            {"exposure_start": now - dt.timedelta(hours=5), "exposure_end": now - dt.timedelta(hours=4)},
            "exposure_start",
        ),
        ({"exposure_start": the_case.window_end}, "exposure_start"),  # at the isolation: half-open, as the tracer
        ({"exposure_end": now - dt.timedelta(hours=4)}, "exposure_end"),  # no start: judged by the end
    ):
        with pytest.raises(ApplicationError) as caught:
            _named(isolated, district_official, **times)
        refused = caught.value
        assert (refused.code, refused.status) == ("invalid_contact", 400)
        assert refused.extra == {"field": field, "window_end": closes.isoformat()}
        assert f"sau khi ca bệnh được cách ly ({shown})" in refused.vi
        assert f"after the case was isolated ({shown})" in refused.en
    assert not ContactLink.objects.exists()


def test_a_meeting_that_began_before_the_isolation_and_went_on_is_one_as_told(isolated, district_official):
    """A household living together until the case was taken away: judged by its start, as the window's start judges
    a meeting by its end; its end is the last exposure the quarantine counts from."""
    now = isolated["now"]
    link, created = _named(
        isolated,
        district_official,
        setting="household",
        exposure_start=now - dt.timedelta(hours=30),
        exposure_end=now - dt.timedelta(hours=2),
    )
    assert created and link.contact.last_exposure_at == now - dt.timedelta(hours=2)
    # A minute before the isolation; and a meeting named without a time, which may have been before it.
    minute_before = isolated["case"].window_end - dt.timedelta(minutes=1)
    assert _named(isolated, district_official, nonce="after-isolation-2", exposure_start=minute_before)[1]
    undated, created = _named(isolated, district_official, nonce="after-isolation-3")
    assert created and undated.exposure_start is None


@pytest.mark.parametrize(
    "prefix, told",
    [
        ("", "Thời điểm tiếp xúc sau khi ca bệnh được cách ly ({closes})"),
        ("/en", "The exposure is after the case was isolated ({closes})"),
    ],
)
def test_a_meeting_after_the_isolation_is_refused_next_to_its_field_on_the_form(
    client, isolated, district_official, prefix, told
):
    the_case = isolated["case"]
    met = timezone.localtime(isolated["now"] - dt.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    client.force_login(district_official)
    response = client.post(
        f"{prefix}/cases/{the_case.pk}/interview/",
        {
            "nonce": "interview-nonce-9",
            "setting": "workplace",
            "iq": "cao van",
            "person": isolated["colleague"].pk,
            "exposure_start": met,
        },
    )
    html = response.content.decode()
    assert response.status_code == 400
    told = told.format(closes=timezone.localtime(the_case.window_end).strftime("%d/%m/%Y %H:%M"))
    field = html.split('id="id_exposure_start"', 1)[1].split("</div>", 1)[0]
    assert told in field  # next to the field it names, not above the form
    assert f'name="person" value="{isolated["colleague"].pk}" checked' in html
    assert not ContactLink.objects.exists()


def test_the_api_refuses_a_meeting_after_the_isolation_in_both_languages(client, isolated, district_official):
    the_case = isolated["case"]
    client.force_login(district_official)
    body = {
        "person": isolated["colleague"].pk,
        "setting": "other",
        "nonce": "after-isolation-api",
        "exposure_start": (isolated["now"] - dt.timedelta(hours=1)).isoformat(),
    }
    response = client.post(f"/api/v1/cases/{the_case.pk}/contacts/", body, content_type="application/json")
    answer = response.json()
    assert (response.status_code, answer["code"], answer["extra"]["field"]) == (
        400,
        "invalid_contact",
        "exposure_start",
    )
    assert answer["extra"]["window_end"] == timezone.localtime(the_case.window_end).isoformat()
    assert "được cách ly" in answer["message_vi"] and "after the case was isolated" in answer["message_en"]
    assert not ContactLink.objects.exists()
