# ruff: noqa: F811 (the fixture `scene` is imported from the breach tests)
"""A mark "met while the F1 broke quarantine" is given or taken back on a link of the contact's current episode only
(services.contact_link_breach_set, Contact.link_in_episode): a link of an episode the contact has left (released,
then met again) no longer counts, and a form or an API request naming it is refused, writing nothing. Until
2026-12-07 the page offered no form for such a link but the service took one sent anyway, changed the mark and
audited it. The API's contact says, per link, whether its caller may mark it (`breach_markable`), as the page decides
to offer the form."""

import datetime as dt

import pytest
from django.utils import timezone

from phongdich.core.dates import local_midnight
from phongdich.core.errors import ApplicationError
from phongdich.core.models import AuditLog

from .. import services
from ..models import Contact, ContactLink
from .builders import case, link, local, person
from .test_interview_f2_breach import _name, scene  # noqa: F401

REASON = "F1 khai lại: không ra khỏi nhà trong thời gian cách ly"
BREACH_ACTIONS = ("cases.contact.breach_marked", "cases.contact.breach_unmarked")


def _day(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


@pytest.fixture
def met_again(tree, kim_tan_official):
    """A spring F1, quarantined from 49 days ago, named a friend met 47 days ago at 10:00 while she broke her
    quarantine (the tick); the friend was quarantined and released. Three days ago at 09:00 the friend was met again
    by an autumn case's patient at home: a candidate F1 of a new episode, the spring link shown apart."""
    kim_tan = tree["kim_tan"]
    spring = case(kim_tan_official, person(kim_tan, "Ca Mùa Xuân"), days_ago=50, onset_days_ago=51)
    f1 = link(
        person(kim_tan, "F1 Mùa Xuân"), spring, exposure_start=local(_day(50), 8), exposure_end=local(_day(50), 10)
    )[0].contact
    services.contact_status_set(actor=kim_tan_official, contact=f1, status="quarantined", quarantine_start=_day(49))
    friend = person(kim_tan, "Đỗ Văn Bạn Cũ")
    [spring_link], _ = services.contact_interview_f2_add(
        actor=kim_tan_official,
        f1=Contact.objects.get(pk=f1.pk),
        person=friend,
        setting="other",
        nonce="episode-breach-0001",
        exposure_start=local(_day(47), 10),
        exposure_end=local(_day(47), 11),
        quarantine_breach=True,
    )
    contact = spring_link.contact
    services.contact_status_set(
        actor=kim_tan_official, contact=contact, status="quarantined", quarantine_start=_day(47)
    )
    services.contact_status_set(actor=kim_tan_official, contact=Contact.objects.get(pk=contact.pk), status="released")
    autumn = case(kim_tan_official, person(kim_tan, "Ca Mùa Thu"))
    services.contact_interview_add(
        actor=kim_tan_official,
        case=autumn,
        person=friend,
        setting="household",
        nonce="episode-breach-0002",
        exposure_start=local(_day(3), 9),
        exposure_end=local(_day(3), 11),
    )
    contact = Contact.objects.get(pk=contact.pk)
    assert contact.status == Contact.Status.CANDIDATE and contact.level == 1
    assert contact.episode_start == local_midnight(dt.date.fromisoformat(contact.earlier_episodes[0]["quarantine_end"]))
    assert not contact.link_in_episode(spring_link)
    return {"contact": contact, "link": spring_link, "f1": f1, "autumn": autumn}


def _state(met_again) -> tuple:
    """What a refused mark must leave as it was: the link's flags, the contact's status, level and span, the audit."""
    link = ContactLink.objects.get(pk=met_again["link"].pk)
    contact = Contact.objects.get(pk=met_again["contact"].pk)
    return (
        link.quarantine_breach,
        link.after_f1_quarantine,
        contact.status,
        contact.level,
        contact.first_exposure_at,
        contact.last_exposure_at,
        contact.episode_start,
        AuditLog.objects.filter(action__in=BREACH_ACTIONS).count(),
    )


@pytest.mark.parametrize("breach", [False, True])  # unmark (a change), mark (the same value as now)
def test_a_link_of_an_earlier_episode_is_neither_marked_nor_unmarked(met_again, kim_tan_official, breach):
    before = _state(met_again)
    with pytest.raises(ApplicationError) as caught:
        services.contact_link_breach_set(
            actor=kim_tan_official,
            link_id=met_again["link"].pk,
            contact=met_again["contact"],
            quarantine_breach=breach,
            reason=REASON,
        )
    refused = caught.value
    shown = timezone.localtime(met_again["contact"].episode_start).strftime("%d/%m/%Y")
    assert (refused.status, refused.code) == (400, "invalid_contact")
    assert refused.extra["reason"] == "earlier_episode" and refused.extra["field"] == "link"
    assert dt.datetime.fromisoformat(refused.extra["episode_start"]) == met_again["contact"].episode_start
    assert f"thuộc đợt tiếp xúc trước của người này (đã kết thúc ngày {shown}" in refused.as_dict("vi")["message"]
    assert f"of this person's earlier exposure (over on {shown}" in refused.as_dict("en")["message"]
    assert _state(met_again) == before


def test_the_page_refuses_a_form_naming_a_link_of_an_earlier_episode(client, met_again, kim_tan_official):
    page = f"/cases/contacts/{met_again['contact'].pk}/"
    spring = met_again["link"]
    client.force_login(kim_tan_official)
    assert f'id="breach-{spring.pk}"' not in client.get(page).content.decode()  # no form offered for it
    before = _state(met_again)
    body = {"contact_form": "breach", "link": spring.pk, "quarantine_breach": "0", "reason": REASON}

    refused = client.post(page, body)
    english = client.post(f"/en{page}", body)

    assert refused.status_code == english.status_code == 400
    told = refused.content.decode().split('id="breach-refused"', 1)[1].split("</div>", 1)[0]
    assert "thuộc đợt tiếp xúc trước của người này" in told and "Chưa có gì thay đổi." in told
    told = english.content.decode().split('id="breach-refused"', 1)[1].split("</div>", 1)[0]
    assert "of this person&#x27;s earlier exposure" in told and "Nothing was changed." in told
    assert _state(met_again) == before


def test_the_api_refuses_a_link_of_an_earlier_episode(client, met_again, kim_tan_official):
    contact, spring = met_again["contact"], met_again["link"]
    client.force_login(kim_tan_official)
    before = _state(met_again)

    refused = client.post(
        f"/api/v1/contacts/{contact.pk}/links/{spring.pk}/breach/",
        {"quarantine_breach": False, "reason": REASON},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert refused.status_code == 400
    body = refused.json()
    assert body["code"] == "invalid_contact" and body["extra"]["reason"] == "earlier_episode"
    assert "earlier exposure" in body["message"]
    assert _state(met_again) == before
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    [operation] = [
        op["post"] for op in schema["paths"].values() if op.get("post", {}).get("operationId") == "contacts_link_breach"
    ]
    assert "`earlier_episode`" in operation["description"]


# --- The API's contact says which links its caller may mark ---------------------------------------------------------


def _markable(client, contact_id) -> dict[int, bool]:
    return {row["id"]: row["breach_markable"] for row in client.get(f"/api/v1/contacts/{contact_id}/").json()["links"]}


def test_the_api_contact_says_an_earlier_episodes_link_is_not_markable(client, met_again, kim_tan_official):
    client.force_login(kim_tan_official)  # sees the spring F1: the episode alone decides
    markable = _markable(client, met_again["contact"].pk)
    assert markable[met_again["link"].pk] is False
    assert set(markable.values()) == {False}  # the autumn link is a case's F1, not an interview's F2
    field = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()["components"]["schemas"]
    assert "current episode" in field["ContactDetailLinkOutput"]["properties"]["breach_markable"]["description"]


def test_the_api_contact_says_a_current_f2_link_is_markable_by_who_sees_the_f1(
    client, scene, tree, kim_tan_official, thach_lam_official, district_official
):
    """An F2 of Thạch Lâm named by a Kim Tân F1 (test_breach_mark_scope): the district, who sees both, may mark it;
    Thạch Lâm, who sees the F2 alone, may not, as the page offers it no form."""
    friend = person(tree["thach_lam"], "Đỗ Thị Láng Giềng")
    _name(kim_tan_official, scene, friend, local(_day(2), 10), nonce="f2-markable-0001")
    f2 = ContactLink.objects.get(contact__person=friend, level=2)
    for official, expected in ((district_official, True), (thach_lam_official, False)):
        client.force_login(official)
        assert _markable(client, f2.contact_id) == {f2.pk: expected}
        html = client.get(f"/cases/contacts/{f2.contact_id}/").content.decode()
        assert (f'id="breach-{f2.pk}"' in html) is expected
