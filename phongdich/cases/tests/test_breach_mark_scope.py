# ruff: noqa: F811 (the fixture `scene` is imported from the breach tests)
"""Marking an F2's meeting as met while the F1 broke quarantine is a judgment on the F1's quarantine: an official who
sees the F2 (their commune) but not the F1 (another commune) may not make it, on the page or through the API, and
is told so without the F1's name, number or dates (services.contact_link_breach_set; until 2026-12-07 they could).
A breach form naming no link of the page (none, junk) is refused where the official sees it, not only under a link
it does not name."""

import pytest

from phongdich.core.errors import ApplicationError
from phongdich.core.models import AuditLog

from .. import services
from ..models import Contact, ContactLink
from .builders import local, person
from .test_interview_f2_breach import _day, _name, _quarantine, api_post, scene  # noqa: F401

REASON = "F1 khai lại: đã sang Thạch Lâm trong thời gian cách ly"


@pytest.fixture
def across(scene, tree, kim_tan_official):
    """The Kim Tân F1 named a friend of Thạch Lâm met two days ago at 10:00, then was quarantined from the day before
    (the meeting no longer counts, unless a breach): the friend is on Thạch Lâm's list, the F1 on Kim Tân's."""
    friend = person(tree["thach_lam"], "Đỗ Thị Láng Giềng")
    _name(kim_tan_official, scene, friend, local(_day(2), 10), nonce="f2-across-0001")
    _quarantine(kim_tan_official, scene, _day(3))
    link = ContactLink.objects.get(contact__person=friend, level=2)
    return {**scene, "friend": friend, "link": link}


def _link(across) -> ContactLink:
    return ContactLink.objects.get(pk=across["link"].pk)


# The change a refused form or request would have audited, by the mark the link has and keeps.
_ACTIONS = {False: ["cases.contact.breach_marked"], True: ["cases.contact.breach_unmarked"]}


def _nothing_written(across, quarantine_breach=False) -> None:
    link = _link(across)
    assert link.quarantine_breach is quarantine_breach
    assert not AuditLog.objects.filter(action__in=_ACTIONS[quarantine_breach], object_id=str(link.contact_id)).exists()


def test_an_official_who_does_not_see_the_f1_may_neither_mark_nor_unmark(across, thach_lam_official, district_official):
    link = across["link"]
    with pytest.raises(ApplicationError) as caught:
        services.contact_link_breach_set(
            actor=thach_lam_official, link_id=link.pk, contact=link.contact, quarantine_breach=True, reason=REASON
        )
    assert caught.value.status == 404 and caught.value.code == "not_found"
    _nothing_written(across)
    assert Contact.objects.get(pk=link.contact_id).status == Contact.Status.CASE_WITHDRAWN  # not reopened

    # The district sees both: the mark stands; Thạch Lâm may not take it back either.
    assert services.contact_link_breach_set(
        actor=district_official, link_id=link.pk, contact=link.contact, quarantine_breach=True, reason=REASON
    ).changed
    with pytest.raises(ApplicationError) as caught:
        services.contact_link_breach_set(
            actor=thach_lam_official, link_id=link.pk, contact=link.contact, quarantine_breach=False, reason=REASON
        )
    assert caught.value.status == 404
    _nothing_written(across, quarantine_breach=True)


def test_the_f2_page_offers_no_breach_form_to_an_official_who_does_not_see_the_f1(
    client, across, thach_lam_official, district_official
):
    link = across["link"]
    page = f"/cases/contacts/{link.contact_id}/"
    f1_name = across["f1"].person.full_name
    client.force_login(thach_lam_official)

    html = client.get(page).content.decode()
    assert f'id="breach-{link.pk}"' not in html and 'name="contact_form" value="breach"' not in html
    assert "do cán bộ được xem cả F1 thực hiện" in html
    english = client.get(f"/en{page}").content.decode()
    assert "is marked by an official who sees the F1 too" in english

    # A form sent anyway (an old tab, a forged post): not found, as a link of another contact would be.
    refused = client.post(page, {"contact_form": "breach", "link": link.pk, "quarantine_breach": "1", "reason": REASON})
    assert refused.status_code == 404
    assert f1_name not in refused.content.decode() and across["case"].number not in refused.content.decode()
    _nothing_written(across)

    client.force_login(district_official)  # sees the F1 too: the form is there
    assert f'id="breach-{link.pk}"' in client.get(page).content.decode()


def test_the_api_refuses_a_mark_by_an_official_who_does_not_see_the_f1(client, across, thach_lam_official):
    link = across["link"]
    url = f"/api/v1/contacts/{link.contact_id}/links/{link.pk}/breach/"
    client.force_login(thach_lam_official)

    for breach in (True, False):
        refused = api_post(client, url, {"quarantine_breach": breach, "reason": REASON})
        assert refused.status_code == 404 and refused.json()["code"] == "not_found"
        assert across["f1"].person.full_name not in refused.content.decode()
        assert str(across["f1"].pk) not in str(refused.json()["extra"] or "")
    _nothing_written(across)


@pytest.mark.parametrize("sent", [{}, {"link": ""}, {"link": "abc"}, {"link": "0"}, {"link": "1e3"}])
def test_a_breach_form_naming_no_link_is_refused_at_the_top_of_the_evidence(client, across, district_official, sent):
    link = across["link"]
    page = f"/cases/contacts/{link.contact_id}/"
    client.force_login(district_official)
    body = {"contact_form": "breach", "quarantine_breach": "1", "reason": REASON, **sent}

    refused = client.post(page, body)
    english = client.post(f"/en{page}", body)

    assert refused.status_code == english.status_code == 400
    told = refused.content.decode().split('id="breach-refused"', 1)[1].split("</div>", 1)[0]
    assert "Biểu mẫu không cho biết cần đánh dấu hay bỏ đánh dấu lần gặp nào" in told
    told = english.content.decode().split('id="breach-refused"', 1)[1].split("</div>", 1)[0]
    assert "The form did not say which meeting of this person to mark or unmark: nothing was changed." in told
    _nothing_written(across)


def test_a_breach_form_without_its_mark_is_refused_under_its_link(client, across, district_official):
    link = across["link"]
    page = f"/cases/contacts/{link.contact_id}/"
    client.force_login(district_official)

    refused = client.post(page, {"contact_form": "breach", "link": link.pk, "quarantine_breach": "x", "reason": REASON})

    assert refused.status_code == 400
    html = refused.content.decode()
    assert 'id="breach-refused"' not in html
    section = html.split(f'id="breach-{link.pk}"', 1)[1].split("</details>", 1)[0]
    assert section.startswith(" open") and "Biểu mẫu không cho biết" in section and f'value="{REASON}"' in section
    _nothing_written(across)
