"""A refusal of the interview names a case only to an official who may see it (walk-through of 2026-12-07): an F1 of
Kim Tân is also an F2 of a case of Thạch Lâm; Kim Tân's official, naming that case's person (found by phone) as the
F1's F2, is refused without the case's number nor being told the person is a case; the district's official, who sees
the case, is told which. The same for a person already an F1 of the F1's case. The API and the F1's page alike."""

import datetime as dt

import pytest
from django.utils import timezone

from phongdich.core.errors import ApplicationError

from .. import services
from ..models import Case
from .builders import case, link, person

HOUR = dt.timedelta(hours=1)
NOT_ADDABLE = "Không thể ghi người này là F2 của F1 này"


@pytest.fixture
def scene(tree, kim_tan_official, thach_lam_official):
    now = timezone.now()
    here = case(kim_tan_official, person(tree["kim_tan"], "Cao Văn Nguồn"))
    wife = person(tree["kim_tan"], "Cao Thị Vợ")
    f1, _ = services.contact_interview_add(
        actor=kim_tan_official,
        case=here,
        person=wife,
        setting="household",
        nonce="f1-interview-1",
        exposure_start=now - 40 * HOUR,
        exposure_end=now - 39 * HOUR,
    )
    elsewhere = case(thach_lam_official, person(tree["thach_lam"], "Lê Văn Xa", phone="+84772439955"))
    link(wife, elsewhere, level=2)  # the wife is an F2 of Thạch Lâm's case too
    return {"now": now, "here": here, "elsewhere": elsewhere, "f1": f1.contact}


def _refused(scene, actor, who) -> ApplicationError:
    with pytest.raises(ApplicationError) as refused:
        services.contact_interview_f2_add(
            actor=actor,
            f1=scene["f1"],
            person=who,
            setting="household",
            nonce="f2-interview-1",
            exposure_start=scene["now"] - 30 * HOUR,
            exposure_end=scene["now"] - 29 * HOUR,
        )
    return refused.value


def test_a_case_of_another_area_is_not_named_to_the_official(scene, kim_tan_official):
    refused = _refused(scene, kim_tan_official, scene["elsewhere"].person)
    assert (refused.code, refused.extra) == ("invalid_contact", {"field": "person", "reason": "not_addable"})
    number = scene["elsewhere"].number
    assert number not in refused.vi and number not in refused.en
    assert "ca bệnh" not in refused.vi and "case" not in refused.en


def test_a_case_the_official_may_see_is_named(scene, district_official):
    refused = _refused(scene, district_official, scene["elsewhere"].person)
    number = scene["elsewhere"].number
    assert refused.extra == {"field": "person", "reason": "case", "case": number}
    assert number in refused.vi and number in refused.en


def test_an_f1_of_a_case_of_another_area_is_not_told_so(scene, kim_tan_official, district_official, tree):
    """The wife's case is Kim Tân's; an F1 of it living in Thạch Lâm: the F1's case named in Kim Tân, not when the
    case is Thạch Lâm's."""
    there = person(tree["thach_lam"], "Phạm Thị Hoa")
    link(there, scene["here"])
    refused = _refused(scene, kim_tan_official, there)
    assert refused.extra == {"field": "person", "reason": "already_f1", "cases": [scene["here"].number]}
    # The same with the F1's case in Thạch Lâm: Kim Tân's official is told nothing of it, the district's is.
    Case.objects.filter(pk=scene["here"].pk).update(area_path=tree["thach_lam"].path)
    refused = _refused(scene, kim_tan_official, there)
    assert refused.extra == {"field": "person", "reason": "not_addable"}
    assert scene["here"].number not in refused.vi
    refused = _refused(scene, district_official, there)
    assert refused.extra["cases"] == [scene["here"].number]


def test_the_api_refuses_without_naming_a_case_of_another_area(client, scene, kim_tan_official):
    client.force_login(kim_tan_official)
    response = client.post(
        f"/api/v1/contacts/{scene['f1'].pk}/contacts/",
        {"identifier": "0772439955", "setting": "household"},
        content_type="application/json",
    )
    body = response.json()
    assert (response.status_code, body["code"]) == (400, "invalid_contact")
    assert body["extra"] == {"field": "person", "reason": "not_addable"}
    assert scene["elsewhere"].number not in response.content.decode()


def test_the_api_names_a_case_of_the_officials_area(client, scene, district_official):
    client.force_login(district_official)
    response = client.post(
        f"/api/v1/contacts/{scene['f1'].pk}/contacts/",
        {"identifier": "0772439955", "setting": "household"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["extra"] == {"field": "person", "reason": "case", "case": scene["elsewhere"].number}


def _page_refusal(client, scene) -> str:
    """The F1's page: the person found by phone, then added as found (by the look-up's ref, or by id in the
    official's area); the page again with the refusal."""
    met = timezone.localtime(scene["now"] - 30 * HOUR).strftime("%Y-%m-%dT%H:%M")
    url = f"/cases/contacts/{scene['f1'].pk}/interview/"
    found = client.post(url, {"nonce": "interview-nonce-1", "setting": "household", "iq": "0772439955", "find": "1"})
    chosen = found.content.decode().split('name="person" value="', 1)[1].split('"', 1)[0]
    body = {"nonce": "interview-nonce-2", "setting": "household", "exposure_start": met, "person": chosen}
    response = client.post(url, body)
    assert response.status_code == 400
    return response.content.decode()


def test_the_f1_page_refuses_without_naming_a_case_of_another_area(client, scene, kim_tan_official):
    client.force_login(kim_tan_official)
    html = _page_refusal(client, scene)
    assert NOT_ADDABLE in html
    assert f"Người này là ca bệnh {scene['elsewhere'].number}" not in html


def test_the_f1_page_names_a_case_of_the_officials_area(client, scene, district_official):
    client.force_login(district_official)
    html = _page_refusal(client, scene)
    assert f"Người này là ca bệnh {scene['elsewhere'].number}" in html
