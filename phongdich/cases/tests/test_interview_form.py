"""The interview forms (a case's F1 on the case page, an F1's F2 on its page) as an official fills them in: a wrong
time is refused next to the field that is wrong, saying what is wrong (the API gives the same reason), and searching
for the person keeps what was typed in the rest of the form."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from .. import services
from ..models import ContactLink
from .builders import case, person

HOUR = dt.timedelta(hours=1)


@pytest.fixture
def scene(tree, kim_tan_official):
    """A case sampled yesterday (its window opens four days ago) with an F1, the wife, met 40 hours ago; a colleague
    to name."""
    now = timezone.now()
    the_case = case(kim_tan_official, person(tree["kim_tan"], "Cao Văn Nguồn"))
    f1, _ = services.contact_interview_add(
        actor=kim_tan_official,
        case=the_case,
        person=person(tree["kim_tan"], "Cao Thị Vợ"),
        setting="household",
        nonce="wife-interview",
        exposure_start=now - 40 * HOUR,
        exposure_end=now - 39 * HOUR,
    )
    colleague = person(tree["kim_tan"], "Lê Thị Đồng", birth_year=1990)
    return {"case": the_case, "f1": f1.contact, "colleague": colleague, "now": now}


def _local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def _field_block(html: str, name: str) -> str:
    """The form field's <div>, with its label, input and errors."""
    match = re.search(rf'<div class="field[^"]*"><label for="id_{name}">.*?</div>', html, re.S)
    assert match, name
    return match.group(0)


POSTS = {
    "case": lambda scene: f"/cases/{scene['case'].pk}/interview/",
    "f1": lambda scene: f"/cases/contacts/{scene['f1'].pk}/interview/",
}


@pytest.mark.parametrize("page", ["case", "f1"])
def test_an_end_before_the_start_is_told_next_to_the_end(client, scene, kim_tan_official, page):
    client.force_login(kim_tan_official)
    body = {
        "nonce": "interview-times-1",
        "setting": "workplace",
        "person": scene["colleague"].pk,
        "exposure_start": _local(scene["now"] - 20 * HOUR),
        "exposure_end": _local(scene["now"] - 21 * HOUR),
    }
    response = client.post(POSTS[page](scene), body)
    html = response.content.decode()
    assert response.status_code == 400
    end = _field_block(html, "exposure_end")
    assert "has-error" in end and "Giờ kết thúc trước giờ bắt đầu" in end
    assert "Thông tin người tiếp xúc không hợp lệ" not in html
    assert not ContactLink.objects.filter(contact__person=scene["colleague"]).exists()


@pytest.mark.parametrize("page", ["case", "f1"])
def test_a_time_in_the_future_is_told_next_to_it_in_english(client, scene, kim_tan_official, page):
    client.force_login(kim_tan_official)
    body = {
        "nonce": "interview-times-2",
        "setting": "household",
        "person": scene["colleague"].pk,
        "exposure_end": _local(scene["now"] + 5 * HOUR),
    }
    response = client.post(f"/en{POSTS[page](scene)}", body)
    html = response.content.decode()
    assert response.status_code == 400
    end = _field_block(html, "exposure_end")
    assert "has-error" in end and "The time is in the future" in end
    assert "The contact details are invalid" not in html


@pytest.mark.parametrize(
    "url",
    [
        lambda scene: f"/api/v1/cases/{scene['case'].pk}/contacts/",
        lambda scene: f"/api/v1/contacts/{scene['f1'].pk}/contacts/",
    ],
)
def test_the_api_gives_the_same_reason(client, scene, kim_tan_official, url):
    client.force_login(kim_tan_official)
    body = {
        "person": scene["colleague"].pk,
        "setting": "workplace",
        "nonce": "interview-api-1",
        "exposure_start": (scene["now"] - 20 * HOUR).isoformat(),
        "exposure_end": (scene["now"] - 21 * HOUR).isoformat(),
    }
    answer = client.post(url(scene), body, content_type="application/json")
    assert answer.status_code == 400
    data = answer.json()
    assert data["code"] == "invalid_contact" and data["extra"]["field"] == "exposure_end"
    assert data["message_vi"].startswith("Giờ kết thúc trước giờ bắt đầu")
    assert data["message_en"].startswith("The end time is before the start time")
    future = {**body, "exposure_start": None, "exposure_end": (scene["now"] + 5 * HOUR).isoformat()}
    data = client.post(url(scene), future, content_type="application/json").json()
    assert data["extra"]["field"] == "exposure_end" and data["message_vi"].startswith("Thời điểm ở tương lai")


# --- The person search keeps what was typed ------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["case", "f1"])
def test_searching_for_the_person_keeps_the_setting_place_times_and_note(client, tree, scene, kim_tan_official, page):
    client.force_login(kim_tan_official)
    start = _local(scene["now"] - 20 * HOUR)
    body = {
        "nonce": "interview-search-1",
        "iq": "le thi dong",
        "find": "1",  # the "Find" button of the same form
        "setting": "workplace",
        "place": "Xưởng may Kim Tân",
        "exposure_start": start,
        "note": "Cùng tổ may",
        "new-phone": "0912345678",
    }
    response = client.post(POSTS[page](scene), body)
    html = response.content.decode()
    assert response.status_code == 200
    section = html.split('id="interview"', 1)[1]
    assert "Lê Thị Đồng (1990)" in section  # the search ran
    assert re.search(r'<input type="radio" name="setting" value="workplace"[^>]* checked', section)
    assert 'value="Xưởng may Kim Tân"' in section and f'value="{start}"' in section and "Cùng tổ may" in section
    assert 'value="0912345678"' in section and re.search(r"<details[^>]* open>", section)  # the new-person block too
    assert 'name="nonce" value="interview-search-1"' in section  # the same form: a later submit adds one link
    assert "has-error" not in section and 'class="form-error"' not in section  # searched, not refused
    assert not ContactLink.objects.filter(contact__person=scene["colleague"]).exists()
    # Then the person ticked and the form sent: added with what was typed before the search.
    added = client.post(POSTS[page](scene), {**body, "find": "", "person": scene["colleague"].pk, "new-phone": ""})
    assert added.status_code == 302
    link = ContactLink.objects.get(contact__person=scene["colleague"])
    assert (link.setting, link.place, link.note) == ("workplace", "Xưởng may Kim Tân", "Cùng tổ may")
    assert timezone.localtime(link.exposure_start).strftime("%Y-%m-%dT%H:%M") == start


def test_the_search_is_a_button_of_the_interview_form(client, scene, kim_tan_official):
    client.force_login(kim_tan_official)
    html = client.get(f"/cases/{scene['case'].pk}/").content.decode()
    section = html.split('id="interview"', 1)[1].split("</section>", 1)[0]
    assert section.count("<form") == 1  # one form: what was typed goes with the search
    assert re.search(r'<button[^>]*name="find"[^>]*formnovalidate', section)
