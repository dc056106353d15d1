"""An F1 who broke quarantine names the people met then, with the investigator's tick; a quarantine start set or
corrected to an earlier day settles the F2 named for meetings after it, as a dismissal of the F1 does, and a start
corrected later again makes them count again (docs/cases.md, "Contacts named in an F1's interview (F2)", "A meeting
while the F1 broke quarantine", "A quarantine start set or corrected earlier")."""

import datetime as dt

import pytest
from django.utils import timezone

from phongdich.core.errors import ApplicationError
from phongdich.core.models import AuditLog

from .. import services
from ..models import Contact, ContactLink, TracingRun
from ..selectors import contact_worklist
from ..tracing import case_trace_checkins
from .builders import case, checkin, link, local, person, venue

DAY = dt.timedelta(days=1)
_today = dt.date.min


@pytest.fixture(autouse=True)
def _one_today():
    # "Today" read once, as the test begins (and by the scene, for the modules that import it): read at each _day(),
    # a test that ran past midnight built its scene on one day and checked it against the next
    # (PHONGDICH_TEST_CLOCK=23:59:59).
    global _today
    _today = timezone.localdate()


def _day(n: int) -> dt.date:
    return _today - n * DAY


def api_post(client, path, body, **headers):
    return client.post(path, body, content_type="application/json", **headers)


@pytest.fixture
def scene(tree, kim_tan_official):
    """A case (sample yesterday, onset two days ago: its window opens four days ago) whose F1, the wife, was met
    three days ago at 09:00; three people of Kim Tân she may name."""
    global _today
    _today = timezone.localdate()
    kim_tan = tree["kim_tan"]
    the_case = case(kim_tan_official, person(kim_tan, "Cao Văn Nguồn"))
    f1, _ = services.contact_interview_add(
        actor=kim_tan_official,
        case=the_case,
        person=person(kim_tan, "Cao Thị Vợ"),
        setting="household",
        nonce="f1-breach-0001",
        exposure_start=local(_day(3), 9),
        exposure_end=local(_day(3), 10),
    )
    return {
        "case": the_case,
        "f1": f1.contact,
        "colleague": person(kim_tan, "Lê Thị Đồng Nghiệp"),
        "neighbour": person(kim_tan, "Lê Văn Hàng Xóm"),
        "friend": person(kim_tan, "Lê Thị Bạn"),
    }


def _f1(scene) -> Contact:
    return Contact.objects.get(pk=scene["f1"].pk)


def _name(actor, scene, who, met, *, nonce, breach=False, end=None):
    return services.contact_interview_f2_add(
        actor=actor,
        f1=_f1(scene),
        person=who,
        setting="other",
        nonce=nonce,
        exposure_start=met,
        exposure_end=end,
        quarantine_breach=breach,
    )


def _quarantine(actor, scene, start):
    return services.contact_status_set(actor=actor, contact=_f1(scene), status="quarantined", quarantine_start=start)


def _status(who) -> str:
    return Contact.objects.get(person=who).status


# --- A meeting while the F1 broke quarantine -------------------------------------------------------------------------


def test_a_meeting_during_the_quarantine_is_taken_with_the_breach_tick_and_audited(scene, kim_tan_official):
    _quarantine(kim_tan_official, scene, _day(2))
    met = local(_day(1), 15)

    with pytest.raises(ApplicationError) as refused:
        _name(kim_tan_official, scene, scene["friend"], met, nonce="f2-breach-0001")
    # The refusal stays without the tick, and says the tick exists.
    assert refused.value.extra["quarantine_start"] == _day(2).isoformat()
    assert "Gặp khi vi phạm cách ly" in refused.value.vi and "Met while breaking quarantine" in refused.value.en

    links, created = _name(kim_tan_official, scene, scene["friend"], met, nonce="f2-breach-0002", breach=True)

    assert created
    [added] = links
    assert (added.level, added.via_id, added.quarantine_breach, added.after_f1_quarantine) == (
        2,
        scene["f1"].pk,
        True,
        False,
    )
    assert _status(scene["friend"]) == Contact.Status.CANDIDATE
    assert contact_worklist(viewer=kim_tan_official).filter(person=scene["friend"]).exists()
    entry = AuditLog.objects.get(action="cases.contact.interview_added", object_id=str(added.contact_id))
    assert entry.extra == {
        "case": scene["case"].number,
        "setting": "other",
        "level": 2,
        "via": scene["f1"].pk,
        "quarantine_breach": True,
    }


@pytest.mark.parametrize(
    "quarantined, met, end, reason",
    [
        (False, lambda: local(_day(1), 15), None, "not_in_quarantine"),
        (True, lambda: None, None, "breach_undated"),
        (True, lambda: local(_day(3), 20), None, "breach_before"),  # before the quarantine's first day
        (True, lambda: None, lambda: local(_day(3), 23), "breach_before"),  # judged by the end without a start
    ],
)
def test_a_breach_that_cannot_be_one_is_refused(scene, kim_tan_official, quarantined, met, end, reason):
    if quarantined:
        _quarantine(kim_tan_official, scene, _day(2))
    with pytest.raises(ApplicationError) as refused:
        _name(
            kim_tan_official,
            scene,
            scene["friend"],
            met(),
            end=end() if end else None,
            nonce="f2-breach-0003",
            breach=True,
        )
    assert (refused.value.code, refused.value.extra["reason"]) == ("invalid_contact", reason)
    assert not Contact.objects.filter(person=scene["friend"]).exists()


def test_a_breach_on_the_quarantines_first_day_is_taken_its_hour_not_being_recorded(scene, kim_tan_official):
    _quarantine(kim_tan_official, scene, _day(2))
    [added], _ = _name(
        kim_tan_official, scene, scene["friend"], local(_day(2), 21), nonce="f2-breach-0004", breach=True
    )
    assert added.quarantine_breach


def test_a_meeting_after_the_quarantines_end_is_no_breach(tree, kim_tan_official):
    """An F1 quarantined three weeks ago, whose days are over (not yet released): a meeting last week is after it."""
    kim_tan = tree["kim_tan"]
    old_case = case(kim_tan_official, person(kim_tan, "Cao Văn Cũ"), days_ago=20, onset_days_ago=21)
    f1, _ = services.contact_interview_add(
        actor=kim_tan_official,
        case=old_case,
        person=person(kim_tan, "Cao Thị Cũ"),
        setting="household",
        nonce="f1-breach-old1",
        exposure_start=local(_day(21), 9),
        exposure_end=local(_day(21), 10),
    )
    services.contact_status_set(
        actor=kim_tan_official, contact=f1.contact, status="quarantined", quarantine_start=_day(21)
    )
    quarantined = Contact.objects.get(pk=f1.contact_id)
    assert quarantined.quarantine_end < _day(5)

    with pytest.raises(ApplicationError) as refused:
        services.contact_interview_f2_add(
            actor=kim_tan_official,
            f1=quarantined,
            person=person(kim_tan, "Lê Văn Sau"),
            setting="other",
            nonce="f2-breach-old1",
            exposure_start=local(_day(5), 10),
            quarantine_breach=True,
        )
    assert refused.value.extra == {
        "field": "exposure_start",
        "reason": "breach_after",
        "quarantine_end": quarantined.quarantine_end.isoformat(),
    }


# --- A quarantine start set or corrected earlier ---------------------------------------------------------------------


@pytest.fixture
def named(scene, kim_tan_official):
    """The F1, not yet in quarantine, named a colleague met two days ago and a neighbour met three days ago at 20:00."""
    _name(kim_tan_official, scene, scene["colleague"], local(_day(2), 10), nonce="f2-named-00001")
    _name(kim_tan_official, scene, scene["neighbour"], local(_day(3), 20), nonce="f2-named-00002")
    return scene


def test_a_backdated_quarantine_settles_the_f2_met_after_its_start(named, kim_tan_official):
    moved = _quarantine(kim_tan_official, named, _day(3))

    assert moved.named_f2_followed == services.NamedF2Followed(
        named=1, closed=1, quarantined=0, reopened=0, after_start=1
    )
    # The colleague was met the day after the quarantine's first day: no F2 of the chain, off the work list.
    assert _status(named["colleague"]) == Contact.Status.CASE_WITHDRAWN
    assert not contact_worklist(viewer=kim_tan_official).filter(person=named["colleague"]).exists()
    link = ContactLink.objects.get(contact__person=named["colleague"])
    assert (link.after_f1_quarantine, link.quarantine_breach) == (True, False)  # kept, an official's record
    entry = AuditLog.objects.get(action="cases.contact.case_withdrawn", object_id=str(link.contact_id))
    assert entry.extra == {"from": "candidate", "reason": "f1_quarantined_before", "case": named["case"].number}
    # The neighbour was met on the quarantine's first day, whose hour is not recorded: still an F2.
    assert _status(named["neighbour"]) == Contact.Status.CANDIDATE


def test_a_start_corrected_later_again_makes_them_count_again_and_earlier_again_settles_them(named, kim_tan_official):
    _quarantine(kim_tan_official, named, _day(3))

    moved = services.contact_quarantine_start_move(
        actor=kim_tan_official, contact=_f1(named), quarantine_start=_day(2), reason="Cách ly tại nhà từ hôm kia"
    )

    assert moved.named_f2_followed == services.NamedF2Followed(
        named=1, closed=0, quarantined=0, reopened=1, after_start=0
    )
    colleague = Contact.objects.get(person=named["colleague"])
    assert (colleague.status, colleague.status_changed_by, colleague.level) == ("candidate", None, 2)
    assert not ContactLink.objects.get(contact=colleague).after_f1_quarantine
    reopened = AuditLog.objects.get(action="cases.contact.candidate", object_id=str(colleague.pk))
    assert reopened.extra == {"reason": "f1_quarantine_later", "case": named["case"].number}
    f1 = _f1(named)
    rule = services.quarantine_rule_for(_day(2))
    assert (f1.quarantine_start, f1.quarantine_end) == (_day(2), _day(3) + rule.days * DAY)  # from the last exposure
    entry = AuditLog.objects.get(action="cases.contact.quarantine_moved", object_id=str(f1.pk))
    assert entry.extra["from"] == _day(3).isoformat() and entry.extra["start"] == _day(2).isoformat()
    assert entry.extra["reason"] == "Cách ly tại nhà từ hôm kia" and entry.actor_id == kim_tan_official.pk

    again = services.contact_quarantine_start_move(
        actor=kim_tan_official, contact=_f1(named), quarantine_start=_day(3), reason="Nhầm, đúng là từ ngày đầu"
    )
    assert again.named_f2_followed.closed == 1
    assert _status(named["colleague"]) == Contact.Status.CASE_WITHDRAWN


def test_a_breach_an_f2_with_other_evidence_and_one_in_quarantine_are_kept(named, kim_tan_official, tree):
    _quarantine(kim_tan_official, named, _day(2))
    # Met during the quarantine, ticked as a breach: an F2 however the start moves.
    _name(kim_tan_official, named, named["friend"], local(_day(1), 9), nonce="f2-breach-keep", breach=True)
    # The colleague is also an F1 of the case in her own right, then put in quarantine from yesterday.
    services.contact_interview_add(
        actor=kim_tan_official,
        case=named["case"],
        person=named["colleague"],
        setting="workplace",
        nonce="f1-colleague-01",
        exposure_start=local(_day(3), 8),
    )

    moved = services.contact_quarantine_start_move(
        actor=kim_tan_official, contact=_f1(named), quarantine_start=_day(3), reason="Tự cách ly từ ngày gặp ca bệnh"
    )

    assert moved.named_f2_followed == services.NamedF2Followed(
        named=1, closed=0, quarantined=0, reopened=0, after_start=1
    )
    assert _status(named["friend"]) == Contact.Status.CANDIDATE
    assert not ContactLink.objects.get(contact__person=named["friend"]).after_f1_quarantine
    colleague = Contact.objects.get(person=named["colleague"])
    assert (colleague.status, colleague.level) == ("candidate", 1)


def test_an_f2_in_quarantine_stays_there_for_an_official_to_release(named, kim_tan_official):
    services.contact_status_set(
        actor=kim_tan_official, contact=Contact.objects.get(person=named["colleague"]), status="quarantined"
    )
    moved = _quarantine(kim_tan_official, named, _day(3))
    assert moved.named_f2_followed == services.NamedF2Followed(
        named=1, closed=0, quarantined=1, reopened=0, after_start=1
    )
    assert _status(named["colleague"]) == Contact.Status.QUARANTINED


def test_correcting_the_start_takes_a_reason_a_quarantine_and_a_valid_day(named, kim_tan_official):
    def move(start, reason="Sửa ngày"):
        return services.contact_quarantine_start_move(
            actor=kim_tan_official, contact=_f1(named), quarantine_start=start, reason=reason
        )

    with pytest.raises(ApplicationError) as not_quarantined:
        move(_day(2))
    assert not_quarantined.value.code == "contact_status_transition"
    _quarantine(kim_tan_official, named, _day(2))
    with pytest.raises(ApplicationError) as no_reason:
        move(_day(3), reason="  ")
    assert (no_reason.value.code, no_reason.value.status) == ("quarantine_move_reason_required", 400)
    for day in (_day(4), timezone.localdate() + DAY):  # before the first exposure; in the future
        with pytest.raises(ApplicationError) as invalid:
            move(day)
        assert invalid.value.code == "quarantine_date_invalid"
    assert _f1(named).quarantine_start == _day(2)
    assert not AuditLog.objects.filter(action="cases.contact.quarantine_moved").exists()
    assert move(_day(2)).named_f2_followed == services.NamedF2Followed()  # the same start: nothing to do


def test_a_backdated_quarantine_of_several_says_what_it_did(named, kim_tan_official):
    outcome = services.contacts_status_set(
        actor=kim_tan_official, contacts=[_f1(named)], status="quarantined", quarantine_start=_day(3)
    )
    assert outcome.named_f2 == services.NamedF2Followed(named=1, closed=1, quarantined=0, reopened=0, after_start=1)


# --- Check-in F2 follow the quarantine by a re-trace -----------------------------------------------------------------


def test_the_check_in_f2_follow_a_start_set_and_corrected_by_the_retrace_queued(
    tree, kim_tan_official, settings, django_capture_on_commit_callbacks
):
    """The tracer's F2 are the tracer's: a case at the market three days ago, an F1 there, who went to a shop two days
    ago, where an F2 was. A quarantine from three days ago ends the F1's F2 period before the shop; corrected to two
    days ago, the shop counts again."""
    settings.TRACING_MIN_OVERLAP_MINUTES = None
    settings.TRACING_OPEN_CHECKIN_BUFFER_MINUTES = {}
    settings.TRACING_MAX_LEVEL = 2
    settings.CELERY_TASK_ALWAYS_EAGER = True
    kim_tan = tree["kim_tan"]
    market, shop = venue(kim_tan, "Chợ Kim Tân"), venue(kim_tan, "Quán Tư")
    source, f1, f2 = person(kim_tan, "Nguồn"), person(kim_tan, "Một"), person(kim_tan, "Hai")
    checkin(source, market, local(_day(3), 9))
    checkin(f1, market, local(_day(3), 9, 10))
    checkin(f1, shop, local(_day(2), 18))
    checkin(f2, shop, local(_day(2), 18, 10))
    entered = case(kim_tan_official, source)
    case_trace_checkins(case=entered, actor=kim_tan_official)
    assert Contact.objects.get(person=f2).level == 2

    with django_capture_on_commit_callbacks(execute=True):
        services.contact_status_set(
            actor=kim_tan_official,
            contact=Contact.objects.get(person=f1),
            status="quarantined",
            quarantine_start=_day(3),
        )
    assert TracingRun.objects.count() == 1
    assert _status(f2) == Contact.Status.CASE_WITHDRAWN

    with django_capture_on_commit_callbacks(execute=True):
        services.contact_quarantine_start_move(
            actor=kim_tan_official, contact=Contact.objects.get(person=f1), quarantine_start=_day(2), reason="Sửa ngày"
        )
    assert TracingRun.objects.count() == 2
    assert _status(f2) == Contact.Status.CANDIDATE


# --- The pages and the API -------------------------------------------------------------------------------------------


def _form_post(client, scene, prefix="", **fields):
    body = {"nonce": "f2-form-breach-1", "setting": "other", **fields}
    return client.post(f"{prefix}/cases/contacts/{scene['f1'].pk}/interview/", body)


@pytest.mark.parametrize("prefix, label", [("", "Gặp khi vi phạm cách ly"), ("/en", "Met while breaking quarantine")])
def test_the_f1_page_offers_the_tick_once_in_quarantine_and_the_f2_page_shows_it(
    client, scene, kim_tan_official, prefix, label
):
    client.force_login(kim_tan_official)
    page = f"{prefix}/cases/contacts/{scene['f1'].pk}/"
    assert 'id="breach-field"' not in client.get(page).content.decode()
    assert 'id="breach-field"' not in client.get(f"{prefix}/cases/{scene['case'].pk}/").content.decode()
    _quarantine(kim_tan_official, scene, _day(2))
    html = client.get(page).content.decode()
    assert 'id="breach-field"' in html and label in html

    met = local(_day(1), 15).strftime("%Y-%m-%dT%H:%M")
    refused = _form_post(client, scene, prefix, person=scene["friend"].pk, exposure_start=met)
    assert refused.status_code == 400 and label in refused.content.decode()
    added = _form_post(client, scene, prefix, person=scene["friend"].pk, exposure_start=met, quarantine_breach="on")
    assert added.status_code == 302
    link = ContactLink.objects.get(contact__person=scene["friend"])
    assert link.quarantine_breach
    shown = client.get(f"{prefix}/cases/contacts/{link.contact_id}/").content.decode()
    assert 'class="muted quarantine-breach"' in shown


def test_the_pages_say_what_a_corrected_start_did(client, named, kim_tan_official):
    client.force_login(kim_tan_official)
    _quarantine(kim_tan_official, named, _day(2))
    response = client.post(
        f"/cases/contacts/{named['f1'].pk}/quarantine-start/",
        {"quarantine_start": _day(3).isoformat(), "reason": "Tự cách ly từ ngày gặp"},
        follow=True,
    )
    html = response.content.decode()
    assert "1 F2 được F1 này khai đã gặp sau ngày bắt đầu cách ly" in html
    colleague = Contact.objects.get(person=named["colleague"])
    assert 'class="muted after-f1-quarantine"' in client.get(f"/cases/contacts/{colleague.pk}/").content.decode()
    no_reason = client.post(
        f"/en/cases/contacts/{named['f1'].pk}/quarantine-start/", {"quarantine_start": _day(2).isoformat()}
    )
    assert no_reason.status_code == 400 and "Give the reason for correcting the quarantine start" in (
        no_reason.content.decode()
    )


def test_the_api_takes_the_breach_and_says_what_a_quarantine_did(client, named, kim_tan_official):
    client.force_login(kim_tan_official)
    f1_id = named["f1"].pk
    answer = api_post(
        client, f"/api/v1/contacts/{f1_id}/status/", {"status": "quarantined", "quarantine_start": _day(3).isoformat()}
    )
    assert answer.status_code == 200
    assert answer.json()["named_f2"] == {"named": 1, "closed": 1, "quarantined": 0, "reopened": 0, "after_start": 1}

    body = {
        "person": named["friend"].pk,
        "setting": "other",
        "exposure_start": local(_day(1), 9).isoformat(),
        "nonce": "f2-api-breach-1",
    }
    refused = api_post(client, f"/api/v1/contacts/{f1_id}/contacts/", body)
    assert (refused.status_code, refused.json()["code"]) == (400, "invalid_contact")
    added = api_post(client, f"/api/v1/contacts/{f1_id}/contacts/", {**body, "quarantine_breach": True})
    assert added.status_code == 201 and added.json()["links"][0]["quarantine_breach"] is True

    url = f"/api/v1/contacts/{f1_id}/quarantine-start/"
    assert api_post(client, url, {"quarantine_start": _day(2).isoformat()}).json()["code"] == (
        "quarantine_move_reason_required"
    )
    later = api_post(client, url, {"quarantine_start": _day(2).isoformat(), "reason": "Sửa ngày"})
    assert later.status_code == 200
    assert later.json()["quarantine_start"] == _day(2).isoformat()
    assert later.json()["named_f2"] == {"named": 1, "closed": 0, "quarantined": 0, "reopened": 1, "after_start": 0}
    colleague = Contact.objects.get(person=named["colleague"])
    [link] = client.get(f"/api/v1/contacts/{colleague.pk}/").json()["links"]
    assert (link["after_f1_quarantine"], link["quarantine_breach"]) == (False, False)


def test_an_official_of_another_commune_cannot_correct_the_start(client, named, kim_tan_official, thach_lam_official):
    _quarantine(kim_tan_official, named, _day(2))
    client.force_login(thach_lam_official)
    body = {"quarantine_start": _day(3).isoformat(), "reason": "Sửa"}
    assert api_post(client, f"/api/v1/contacts/{named['f1'].pk}/quarantine-start/", body).status_code == 404
    assert client.post(f"/cases/contacts/{named['f1'].pk}/quarantine-start/", body).status_code == 404
    assert _f1(named).quarantine_start == _day(2)


# --- What the refusal names first, and the same breach entered twice ------------------------------------------------


def test_a_breach_dated_before_the_f1s_first_exposure_is_told_so_first(scene, kim_tan_official, client):
    """Ticked, and before the F1 met the case (09:00 three days ago): until 2026-12-07 refused as `breach_before`
    ("untick"), which, unticked, was refused again for the first exposure. The real problem is said at once."""
    _quarantine(kim_tan_official, scene, _day(2))
    too_early = local(_day(3), 8)
    for breach in (True, False):
        with pytest.raises(ApplicationError) as refused:
            _name(kim_tan_official, scene, scene["friend"], too_early, nonce="f2-early-0001", breach=breach)
        assert "reason" not in refused.value.extra
        assert refused.value.extra["f1_first_exposure"] == local(_day(3), 9).isoformat()
        assert "Bỏ đánh dấu" not in refused.value.vi and "Untick" not in refused.value.en
    # On the F1's page: the message beside the time, the first exposure's, not "untick".
    client.force_login(kim_tan_official)
    met = too_early.strftime("%Y-%m-%dT%H:%M")
    page = _form_post(client, scene, "/en", person=scene["friend"].pk, exposure_start=met, quarantine_breach="on")
    html = page.content.decode()
    assert page.status_code == 400 and "before the F1&#x27;s own first exposure" in html and "Untick" not in html
    assert not Contact.objects.filter(person=scene["friend"]).exists()


def test_the_same_breach_entered_twice_through_an_f1_of_two_cases_adds_one_pair(scene, tree, kim_tan_official, client):
    """docs/cases.md, "The same meeting entered twice": the breach meeting posted again with a new nonce answers the
    pair of links already there (one per case of the F1), on the API and on the page."""
    second = case(kim_tan_official, person(tree["kim_tan"], "Ca Thứ Hai"))
    link(scene["f1"].person, second, exposure_start=local(_day(3), 14), exposure_end=local(_day(3), 15))
    _quarantine(kim_tan_official, scene, _day(2))
    client.force_login(kim_tan_official)
    url = f"/api/v1/contacts/{scene['f1'].pk}/contacts/"
    body = {
        "person": scene["friend"].pk,
        "setting": "other",
        "exposure_start": local(_day(1), 15).isoformat(),
        "quarantine_breach": True,
    }
    first = api_post(client, url, {**body, "nonce": "f2-twice-0001"})
    again = api_post(client, url, {**body, "nonce": "f2-twice-0002"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert len(first.json()["links"]) == 2 and again.json()["links"] == first.json()["links"]
    met = local(_day(1), 15).strftime("%Y-%m-%dT%H:%M")
    page = _form_post(client, scene, person=scene["friend"].pk, exposure_start=met, quarantine_breach="on")
    assert page.status_code == 302
    links = ContactLink.objects.filter(contact__person=scene["friend"])
    assert sorted(links.values_list("case_id", "quarantine_breach")) == [(scene["case"].pk, True), (second.pk, True)]
    assert (
        AuditLog.objects.filter(action="cases.contact.interview_added")
        .filter(object_id=str(links[0].contact_id))
        .count()
        == 2
    )
