"""A case's interview names a person who lives in another commune: found by their whole CCCD, CMND or phone number
wherever they live, shown by initials, year of birth and commune only (audited with the purpose, capped per
official), added through the look-up's ref, and on the work list of the commune where they live. A partial number
still searches the official's area only; an id the official may not see is still 404; a new person whose CCCD is on
record is refused (person_id_on_record) instead of becoming a second record."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from phongdich.core.dates import local_midnight
from phongdich.core.models import AuditLog
from phongdich.core.testing import without_random_tokens
from phongdich.core.throttling import SimpleRateThrottle
from phongdich.people.models import Person
from phongdich.people.selectors import PersonIdentifyThrottle

from .. import selectors, services
from ..models import Contact, ContactLink
from .builders import case, person

CCCD = "038185004321"  # Thanh Hóa (038), a woman born in the 20th century (1), 1985


def met() -> str:
    # 10:00 Vietnam time yesterday, read when the test runs (not when the module is imported, hours earlier in a
    # long run, or on the real clock under PHONGDICH_TEST_CLOCK).
    return (local_midnight(timezone.localdate() - dt.timedelta(days=1)) + dt.timedelta(hours=10)).strftime(
        "%Y-%m-%dT%H:%M"
    )


@pytest.fixture
def scene(tree, kim_tan_official):
    entered = case(kim_tan_official, person(tree["kim_tan"], "Lê Văn Ca"))
    there = person(tree["thach_lam"], "Phạm Thị Hoa", birth_year=1985)
    Person.objects.filter(pk=there.pk).update(citizen_id=CCCD, address_street="Thôn 4, xóm Chùa")
    there.refresh_from_db()
    return {"case": entered, "there": there}


def _find(client, scene, iq):
    body = {"nonce": "interview-nonce-1", "setting": "workplace", "iq": iq, "find": "1"}
    return client.post(f"/cases/{scene['case'].pk}/interview/", body)


def _ref_in(html: str) -> str:
    return html.split('name="person" value="ref:', 1)[1].split('"', 1)[0]


def _add(client, scene, person_value, **fields):
    body = {"nonce": "interview-nonce-2", "setting": "workplace", "exposure_start": met(), "person": person_value}
    return client.post(f"/cases/{scene['case'].pk}/interview/", {**body, **fields})


def test_a_whole_cccd_finds_a_person_of_another_commune_by_initials_only(client, scene, kim_tan_official):
    client.force_login(kim_tan_official)
    response = _find(client, scene, CCCD)
    html = response.content.decode()
    assert response.status_code == 200
    assert "PTH (1985) · Xã Thạch Lâm" in html
    # Nothing more than confirms her: no name, phone, street, nor her record's id.
    for shown in ("Phạm Thị Hoa", scene["there"].phone[3:], "xóm Chùa", f'value="{scene["there"].pk}"'):
        assert shown not in html
    looked_up = AuditLog.objects.get(action="people.person.identifier_searched")
    assert looked_up.object_id == str(scene["there"].pk) and looked_up.area_path == scene["there"].area_path
    assert looked_up.extra["purpose"] == f"cases.case:{scene['case'].pk}" and looked_up.extra["kind"] == "citizen_id"
    assert looked_up.actor_id == kim_tan_official.pk and looked_up.reason == "case investigation"


def test_a_partial_number_or_a_name_searches_the_officials_area_only(client, scene, kim_tan_official):
    client.force_login(kim_tan_official)
    for iq in (CCCD[:8], "pham thi hoa"):
        html = _find(client, scene, iq).content.decode()
        assert "Không có ai trong địa bàn khớp" in html and "PTH" not in without_random_tokens(html)
    assert not AuditLog.objects.filter(action="people.person.identifier_searched").exists()


def test_the_person_found_is_added_and_lands_on_her_communes_work_list(
    client, scene, kim_tan_official, thach_lam_official
):
    client.force_login(kim_tan_official)
    ref = _ref_in(_find(client, scene, CCCD).content.decode())
    response = _add(client, scene, f"ref:{ref}")
    assert response.status_code == 302
    link = ContactLink.objects.get(source="interview")
    assert link.contact.person_id == scene["there"].pk and link.level == 1 and link.setting == "workplace"
    assert Person.objects.filter(citizen_id=CCCD).count() == 1  # no second record
    page = client.get(f"/cases/{scene['case'].pk}/").content.decode()
    assert "Đã thêm PTH là F1." in page and "Phạm Thị Hoa" not in page
    assert list(selectors.contact_worklist(viewer=thach_lam_official)) == [link.contact]
    assert not selectors.contact_worklist(viewer=kim_tan_official).exists()
    # Still none of her record for the naming official.
    assert client.get(f"/cases/contacts/{link.contact.pk}/").status_code == 404


def test_a_ref_of_another_case_or_official_or_forged_names_nobody(client, tree, scene, kim_tan_official):
    from phongdich.cases.tests.builders import official

    client.force_login(kim_tan_official)
    ref = _ref_in(_find(client, scene, CCCD).content.decode())
    other_case = case(kim_tan_official, person(tree["kim_tan"], "Đỗ Văn Khác"))
    response = client.post(
        f"/cases/{other_case.pk}/interview/",
        {"nonce": "interview-nonce-3", "setting": "workplace", "person": f"ref:{ref}"},
    )
    assert response.status_code == 404
    colleague = official(tree["kim_tan"], "yte_kimtan_2")
    client.force_login(colleague)
    assert _add(client, scene, f"ref:{ref}").status_code == 404
    assert _add(client, scene, f"ref:{ref[:-2]}xx").status_code == 404
    # Her id, which this official may not see, stays 404 as before.
    assert _add(client, scene, str(scene["there"].pk)).status_code == 404
    assert not Contact.objects.exists()


def test_a_new_person_with_a_cccd_on_record_is_refused_naming_nobody(client, tree, scene, kim_tan_official):
    client.force_login(kim_tan_official)
    new = {
        "person": "",
        "new-full_name": "Phạm Thị Hoa",
        "new-birth_year": "1985",
        "new-citizen_id": CCCD,
        "new-address_area": tree["kim_tan"].pk,
    }
    response = _add(client, scene, "", **new)
    html = response.content.decode()
    assert response.status_code == 409
    # Beside the CCCD typed, in the new-person block left open, naming nobody.
    cccd_field = html.split('name="new-citizen_id"', 1)[1].split('<div class="field', 1)[0]
    assert "Số giấy tờ này đã có trong hồ sơ của một người" in cccd_field and "Thạch Lâm" not in html
    assert Person.objects.filter(citizen_id=CCCD).count() == 1 and not Contact.objects.exists()


def test_the_case_entry_refuses_a_new_person_whose_cccd_is_on_record(client, tree, scene, kim_tan_official):
    client.force_login(kim_tan_official)
    entry = {
        "new-full_name": "Phạm Thị Hoa",
        "new-birth_year": "1985",
        "new-citizen_id": CCCD,
        "new-address_area": tree["kim_tan"].pk,
        "test_type": "pcr",
        "sample_date": str(timezone.localdate() - dt.timedelta(days=1)),
    }
    response = client.post("/cases/new/", entry)
    assert response.status_code == 409
    assert "Số giấy tờ này đã có trong hồ sơ của một người" in response.content.decode()
    assert Person.objects.filter(citizen_id=CCCD).count() == 1


def test_exact_look_ups_are_capped_per_official(client, scene, kim_tan_official, monkeypatch):
    monkeypatch.setattr(
        PersonIdentifyThrottle, "THROTTLE_RATES", {**SimpleRateThrottle.THROTTLE_RATES, "person_identify": "2/hour"}
    )
    client.force_login(kim_tan_official)
    assert "PTH (1985)" in _find(client, scene, CCCD).content.decode()
    assert "PTH (1985)" in _find(client, scene, CCCD).content.decode()
    html = _find(client, scene, CCCD).content.decode()
    assert "PTH" not in without_random_tokens(html) and "quá nhiều lần" in html
    assert AuditLog.objects.filter(action="people.person.identifier_searched").count() == 2


def _paused_until(html: str) -> dt.datetime:
    shown = re.search(r"tạm dừng đến (\d\d:\d\d \d\d/\d\d/\d{4})", html).group(1)
    return timezone.make_aware(dt.datetime.strptime(shown, "%H:%M %d/%m/%Y"), timezone.get_default_timezone())


@pytest.mark.parametrize("page", ["case", "f1"])
def test_past_the_cap_the_form_says_until_when_and_invites_no_new_person(
    client, tree, scene, kim_tan_official, monkeypatch, page
):
    """Until 2026-12-07 the refused look-up stood beside "Nobody in your area matches; enter the person below", and a
    tired official entered a second record of someone on record elsewhere. The case's page and an F1's the same."""
    monkeypatch.setattr(
        PersonIdentifyThrottle, "THROTTLE_RATES", {**SimpleRateThrottle.THROTTLE_RATES, "person_identify": "2/hour"}
    )
    url = f"/cases/{scene['case'].pk}/interview/"
    if page == "f1":
        f1, _ = services.contact_interview_add(
            actor=kim_tan_official,
            case=scene["case"],
            person=person(tree["kim_tan"], "Lê Thị Vợ"),
            setting="household",
            nonce="f1-interview-9",
        )
        url = f"/cases/contacts/{f1.contact_id}/interview/"
    client.force_login(kim_tan_official)
    first_at = timezone.now().replace(second=0, microsecond=0)
    body = {"nonce": "interview-nonce-1", "setting": "workplace", "iq": CCCD, "find": "1"}
    for _ in range(2):
        assert "PTH (1985)" in client.post(url, body).content.decode()
    last_at = timezone.now()
    html = client.post(url, body).content.decode()

    assert "PTH" not in without_random_tokens(html) and "quá nhiều lần" in html
    assert first_at + dt.timedelta(hours=1) <= _paused_until(html) <= last_at + dt.timedelta(hours=1)
    for invitation in ("Không có ai trong địa bàn khớp", "hãy nhập người này ở dưới", "Không ai trong số này"):
        assert invitation not in html
    # The new person's block stays closed (it opened by itself when nobody in the area matched).
    assert re.search(r"<details open><summary>[^<]*(chưa có trong hệ thống|not yet on record)", html) is None
    # Below the cap, nobody found still says so, with the block open.
    monkeypatch.setattr(
        PersonIdentifyThrottle, "THROTTLE_RATES", {**SimpleRateThrottle.THROTTLE_RATES, "person_identify": "9/hour"}
    )
    html = client.post(url, {**body, "iq": "038185009999"}).content.decode()
    assert "Không có ai trong địa bàn khớp" in html and "tạm dừng" not in html
    assert re.search(r"<details open><summary>[^<]*chưa có trong hệ thống", html)


def test_the_api_look_up_past_the_cap_says_until_when(client, scene, kim_tan_official, monkeypatch):
    monkeypatch.setattr(
        PersonIdentifyThrottle, "THROTTLE_RATES", {**SimpleRateThrottle.THROTTLE_RATES, "person_identify": "1/hour"}
    )
    client.force_login(kim_tan_official)
    url = f"/api/v1/cases/{scene['case'].pk}/contacts/identify/"
    assert client.post(url, {"identifier": CCCD}, content_type="application/json").status_code == 200
    refused = client.post(url, {"identifier": CCCD}, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    answer = refused.json()
    assert (refused.status_code, answer["code"], answer["extra"]["scope"]) == (429, "rate_limited", "person_identify")
    until = dt.datetime.fromisoformat(answer["extra"]["until"])
    assert 3500 <= answer["extra"]["retry_after_seconds"] <= 3601
    assert refused["Retry-After"] == str(answer["extra"]["retry_after_seconds"])
    assert f"paused until {timezone.localtime(until).strftime('%H:%M %d/%m/%Y')}" in answer["message"]


# --- The API ----------------------------------------------------------------------------------------------------


def _api_add(client, scene, key, **body):
    return client.post(
        f"/api/v1/cases/{scene['case'].pk}/contacts/",
        {"setting": "household", **body},
        content_type="application/json",
        headers={"Idempotency-Key": key},
    )


def test_the_api_adds_a_person_of_another_commune_by_her_cccd(client, scene, kim_tan_official):
    client.force_login(kim_tan_official)
    assert _api_add(client, scene, "api-key-0001", person=scene["there"].pk).status_code == 404
    response = _api_add(client, scene, "api-key-0002", identifier=CCCD)
    assert response.status_code == 201, response.json()
    assert ContactLink.objects.get().contact.person_id == scene["there"].pk
    assert "Phạm Thị Hoa" not in response.content.decode()


def test_the_api_look_up_answers_only_what_confirms_the_person(client, scene, kim_tan_official):
    client.force_login(kim_tan_official)
    url = f"/api/v1/cases/{scene['case'].pk}/contacts/identify/"
    response = client.post(url, {"identifier": CCCD[:3] + " " + CCCD[3:]}, content_type="application/json")
    assert response.status_code == 200
    (match,) = response.json()["matches"]
    assert set(match) == {"ref", "initials", "birth_year", "commune", "in_your_area"}
    assert (match["initials"], match["birth_year"], match["commune"], match["in_your_area"]) == (
        "PTH",
        1985,
        "Xã Thạch Lâm",
        False,
    )
    assert _api_add(client, scene, "api-key-0003", person_ref=match["ref"]).status_code == 201
    partial = client.post(url, {"identifier": CCCD[:6]}, content_type="application/json")
    assert partial.status_code == 400 and partial.json()["code"] == "identifier_not_exact"
    nobody = _api_add(client, scene, "api-key-0004", identifier="038185009999")
    assert nobody.status_code == 404


def test_a_shared_phone_asks_which_person(client, tree, scene, kim_tan_official):
    son = person(tree["thach_lam"], "Phạm Văn Bình", phone=scene["there"].phone, birth_year=2010)
    client.force_login(kim_tan_official)
    response = _api_add(client, scene, "api-key-0005", identifier="0" + scene["there"].phone[3:])
    assert response.status_code == 409 and response.json()["code"] == "identifier_ambiguous"
    matches = response.json()["extra"]["matches"]
    assert [(m["initials"], m["birth_year"]) for m in matches] == [("PTH", 1985), ("PVB", 2010)]
    assert not Contact.objects.exists()
    added = _api_add(client, scene, "api-key-0006", person_ref=matches[1]["ref"])
    assert added.status_code == 201 and ContactLink.objects.get().contact.person_id == son.pk
    # Both looked-up records have the look-up in their audit trail, though it answered 409.
    assert AuditLog.objects.filter(action="people.person.identifier_searched", extra__kind="phone").count() == 2


def test_the_other_communes_official_still_gets_404_on_the_case_and_the_person(
    client, scene, kim_tan_official, thach_lam_official
):
    client.force_login(kim_tan_official)
    _api_add(client, scene, "api-key-0007", identifier=CCCD)
    client.force_login(thach_lam_official)
    assert client.get(f"/cases/{scene['case'].pk}/").status_code == 404
    assert client.get(f"/api/v1/cases/{scene['case'].pk}/").status_code == 404
    url = f"/api/v1/cases/{scene['case'].pk}/contacts/identify/"
    assert client.post(url, {"identifier": CCCD}, content_type="application/json").status_code == 404
    # Her commune sees her, as its own.
    assert client.get(f"/api/v1/people/{scene['there'].pk}/?reason=follow-up").status_code == 200


def test_the_interviews_new_person_block_starts_in_the_officials_commune(client, tree, scene, kim_tan_official):
    """As the new-case form: the block's commune was empty, and an F1 entered without picking one was refused with a
    bare "required" (walk-through of 2026-12-07)."""
    client.force_login(kim_tan_official)
    html = client.get(f"/cases/{scene['case'].pk}/").content.decode()
    picked = re.search(r'<input type="hidden" name="new-address_area"[^>]*>', html)
    assert picked is not None and f'value="{tree["kim_tan"].pk}"' in picked.group(0), picked
