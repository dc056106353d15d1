# ruff: noqa: F811 (the fixtures `named` and `scene` are imported from the breach tests)
"""An F2 meeting named in an F1's interview is marked, or unmarked, as met while the F1 broke quarantine on the F2's
page or through the API, with a reason, audited (services.contact_link_breach_set). Until 2026-12-07 the tick could
only be given at entry: the official had to name the person again."""

import pytest

from phongdich.core.errors import ApplicationError
from phongdich.core.models import AuditLog

from .. import services
from ..models import Contact, ContactLink
from .test_interview_f2_breach import _day, _quarantine, _status, api_post, named, scene  # noqa: F401

REASON = "F1 khai lại: đã ra chợ trong thời gian cách ly"


def _link(who) -> ContactLink:
    return ContactLink.objects.get(contact__person=who, level=2)


def _mark(actor, who, breach=True, reason=REASON):
    link = _link(who)
    return services.contact_link_breach_set(
        actor=actor, link_id=link.pk, contact=link.contact, quarantine_breach=breach, reason=reason
    )


def test_marking_a_link_put_out_by_the_start_makes_it_stand_again_and_unmarking_settles_it(named, kim_tan_official):
    _quarantine(kim_tan_official, named, _day(3))
    assert _status(named["colleague"]) == Contact.Status.CASE_WITHDRAWN  # met the day after the start

    marked = _mark(kim_tan_official, named["colleague"])

    assert marked.changed and marked.reopened == 1
    link = _link(named["colleague"])
    assert (link.quarantine_breach, link.after_f1_quarantine) == (True, False)
    assert _status(named["colleague"]) == Contact.Status.CANDIDATE
    entry = AuditLog.objects.get(action="cases.contact.breach_marked")
    assert entry.object_id == str(link.contact_id)
    assert entry.extra == {"link": link.pk, "case": named["case"].number, "via": named["f1"].pk, "reason": REASON}

    again = _mark(kim_tan_official, named["colleague"])  # a repeated form: nothing changes, nothing audited
    assert not again.changed and AuditLog.objects.filter(action="cases.contact.breach_marked").count() == 1

    unmarked = _mark(kim_tan_official, named["colleague"], breach=False, reason="Nhầm: gặp ở nhà trước khi cách ly")
    assert unmarked.changed and unmarked.closed == 1
    link.refresh_from_db()
    assert (link.quarantine_breach, link.after_f1_quarantine) == (False, True)
    assert _status(named["colleague"]) == Contact.Status.CASE_WITHDRAWN
    assert AuditLog.objects.filter(action="cases.contact.breach_unmarked", object_id=str(link.contact_id)).exists()


@pytest.mark.parametrize(
    "start, who, reason, field",
    [
        (None, "colleague", "not_in_quarantine", "quarantine_breach"),  # the F1 is not in quarantine
        (2, "neighbour", "breach_before", "exposure_start"),  # met the day before the quarantine's first day
    ],
)
def test_a_mark_takes_the_rules_of_the_tick_at_entry(named, kim_tan_official, start, who, reason, field):
    if start is not None:
        _quarantine(kim_tan_official, named, _day(start))
    with pytest.raises(ApplicationError) as caught:
        _mark(kim_tan_official, named[who])
    assert caught.value.code == "invalid_contact" and caught.value.status == 400
    assert (caught.value.extra["reason"], caught.value.extra["field"]) == (reason, field)
    assert not _link(named[who]).quarantine_breach
    assert not AuditLog.objects.filter(action="cases.contact.breach_marked").exists()


def test_a_mark_takes_a_reason_and_an_interviews_f2_link_only(named, kim_tan_official):
    _quarantine(kim_tan_official, named, _day(3))
    with pytest.raises(ApplicationError) as caught:
        _mark(kim_tan_official, named["colleague"], reason="  ")
    assert caught.value.extra == {"field": "reason", "reason": "reason_required"}
    assert "lý do" in caught.value.as_dict("vi")["message"].lower()
    f1_link = ContactLink.objects.get(contact=named["f1"])
    with pytest.raises(ApplicationError) as caught:
        services.contact_link_breach_set(
            actor=kim_tan_official, link_id=f1_link.pk, contact=named["f1"], quarantine_breach=True, reason=REASON
        )
    assert caught.value.extra["reason"] == "not_interview_f2"
    with pytest.raises(ApplicationError) as caught:  # a link of another contact
        services.contact_link_breach_set(
            actor=kim_tan_official,
            link_id=f1_link.pk,
            contact=_link(named["colleague"]).contact,
            quarantine_breach=True,
            reason=REASON,
        )
    assert caught.value.status == 404


def test_the_f2_page_marks_a_link_and_a_refusal_comes_back_under_it(client, named, kim_tan_official):
    _quarantine(kim_tan_official, named, _day(2))
    client.force_login(kim_tan_official)
    neighbour, colleague = _link(named["neighbour"]), _link(named["colleague"])
    page = f"/cases/contacts/{neighbour.contact_id}/"

    html = client.get(page).content.decode()
    assert f'id="breach-{neighbour.pk}"' in html and "Gặp khi F1 vi phạm cách ly: đánh dấu" in html

    refused = client.post(
        page, {"contact_form": "breach", "link": neighbour.pk, "quarantine_breach": "1", "reason": REASON}
    )
    assert refused.status_code == 400  # met before the quarantine's first day: no breach
    section = refused.content.decode().split(f'id="breach-{neighbour.pk}"', 1)[1].split("</details>", 1)[0]
    assert section.startswith(" open") and 'role="alert"' in section and f'value="{REASON}"' in section
    assert not _link(named["neighbour"]).quarantine_breach

    done = client.post(
        f"/cases/contacts/{colleague.contact_id}/",
        {"contact_form": "breach", "link": colleague.pk, "quarantine_breach": "1", "reason": REASON},
    )
    assert done.status_code == 302 and done["Location"] == f"/cases/contacts/{colleague.contact_id}/#messages"
    assert _link(named["colleague"]).quarantine_breach
    html = client.get(f"/cases/contacts/{colleague.contact_id}/").content.decode()
    assert "quarantine-breach" in html and "Bỏ đánh dấu" in html


def test_the_api_marks_a_link_once_per_idempotency_key_and_only_in_the_officials_area(
    client, named, kim_tan_official, thach_lam_official
):
    _quarantine(kim_tan_official, named, _day(3))
    colleague = _link(named["colleague"])
    url = f"/api/v1/contacts/{colleague.contact_id}/links/{colleague.pk}/breach/"
    body = {"quarantine_breach": True, "reason": REASON}
    client.force_login(thach_lam_official)
    assert api_post(client, url, body).status_code == 404
    client.force_login(kim_tan_official)

    first = api_post(client, url, body, HTTP_IDEMPOTENCY_KEY="breach-key-1")
    second = api_post(client, url, body, HTTP_IDEMPOTENCY_KEY="breach-key-1")

    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert first.json()["quarantine_breach"] is True and first.json()["contact"]["status"] == "candidate"
    assert AuditLog.objects.filter(action="cases.contact.breach_marked").count() == 1
    refused = api_post(client, url, {"quarantine_breach": False, "reason": ""})
    assert refused.status_code == 400 and refused.json()["code"] == "invalid_contact"
    assert api_post(client, url, {"quarantine_breach": True, "reason": REASON, "extra": 1}).status_code == 400
