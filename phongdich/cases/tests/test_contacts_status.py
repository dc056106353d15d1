"""Moving several contacts at once: from a case's page or the work list (ticked rows) and through the API. One
transaction; a contact that cannot make the move is left as it was and named; anything outside the official's
area refuses the whole request."""

import datetime as dt
import re

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from phongdich.core.errors import ApplicationError
from phongdich.core.models import AuditLog

from .. import selectors, services
from ..models import Case, Contact, ContactLink
from .builders import case, link, local, person

TODAY = timezone.localdate


@pytest.fixture
def contacts(tree, kim_tan_official):
    """A case with three F1 in Kim Tân (one already quarantined) and one in Thạch Lâm."""
    entered = case(kim_tan_official, person(tree["kim_tan"], "Ca Bệnh"))
    found = {}
    for name in ("An", "Bình", "Chi"):
        contact_link, _ = link(person(tree["kim_tan"], f"Nguyễn Văn {name}"), entered)
        found[name] = contact_link.contact
    services.contact_status_set(actor=kim_tan_official, contact=found["Chi"], status="quarantined")
    elsewhere, _ = link(person(tree["thach_lam"], "Trần Thị Xa"), entered)
    found["Xa"] = elsewhere.contact
    found["case"] = entered
    return found


def statuses() -> dict[str, str]:
    return dict(Contact.objects.values_list("person__full_name", "status"))


# --- The service ---------------------------------------------------------------------------------------------


def test_several_contacts_move_at_once_and_one_that_cannot_is_left_and_named(contacts, kim_tan_official):
    before = AuditLog.objects.filter(action="cases.contact.confirmed").count()
    outcome = services.contacts_status_set(
        actor=kim_tan_official, contacts=[contacts["An"], contacts["Bình"], contacts["Chi"]], status="confirmed"
    )
    assert [c.pk for c in outcome.changed] == sorted([contacts["An"].pk, contacts["Bình"].pk])
    [(skipped, error)] = outcome.skipped
    assert skipped.pk == contacts["Chi"].pk and error.code == "contact_status_transition"
    assert statuses() == {
        "Nguyễn Văn An": "confirmed",
        "Nguyễn Văn Bình": "confirmed",
        "Nguyễn Văn Chi": "quarantined",
        "Trần Thị Xa": "candidate",
    }
    assert AuditLog.objects.filter(action="cases.contact.confirmed").count() == before + 2


def test_a_quarantine_before_a_contacts_first_exposure_skips_that_contact(tree, contacts, kim_tan_official):
    late, _ = link(person(tree["kim_tan"], "Lê Văn Muộn"), contacts["case"], exposure_start=timezone.now())
    yesterday = TODAY() - dt.timedelta(days=1)
    outcome = services.contacts_status_set(
        actor=kim_tan_official,
        contacts=[contacts["An"], late.contact],
        status="quarantined",
        quarantine_start=yesterday,
    )
    assert [c.pk for c in outcome.changed] == [contacts["An"].pk]
    assert [(c.pk, e.code) for c, e in outcome.skipped] == [(late.contact_id, "quarantine_date_invalid")]
    moved = Contact.objects.get(pk=contacts["An"].pk)
    assert moved.quarantine_start == yesterday and moved.quarantine_end == yesterday + dt.timedelta(
        days=services.quarantine_rule_for(yesterday).days
    )


@pytest.mark.parametrize(
    "kwargs, code",
    [
        ({"contacts": [], "status": "confirmed"}, "contacts_none_selected"),
        ({"status": "dismissed", "reason": "   "}, "contact_dismiss_reason_required"),
        ({"status": "quarantined", "quarantine_start": "tomorrow"}, "quarantine_date_invalid"),
        ({"status": "sleeping"}, "invalid_contact"),
    ],
)
def test_what_concerns_every_contact_refuses_the_whole_move(contacts, kim_tan_official, kwargs, code):
    kwargs = {"contacts": [contacts["An"], contacts["Bình"]], **kwargs}
    if kwargs.get("quarantine_start") == "tomorrow":
        kwargs["quarantine_start"] = TODAY() + dt.timedelta(days=1)
    before = statuses()
    with pytest.raises(ApplicationError) as caught:
        services.contacts_status_set(actor=kim_tan_official, **kwargs)
    assert caught.value.code == code
    assert statuses() == before


def test_too_many_contacts_at_once_are_refused(contacts, kim_tan_official, monkeypatch):
    monkeypatch.setattr(services, "CONTACTS_STATUS_MAX", 2)
    with pytest.raises(ApplicationError) as caught:
        services.contacts_status_set(
            actor=kim_tan_official, contacts=[contacts["An"], contacts["Bình"], contacts["Chi"]], status="confirmed"
        )
    assert caught.value.code == "contacts_too_many" and caught.value.extra["max"] == 2


def test_a_contact_outside_the_officials_area_makes_the_whole_list_not_found(contacts, kim_tan_official):
    with pytest.raises(ApplicationError) as caught:
        selectors.contacts_get_many(viewer=kim_tan_official, contact_ids=[contacts["An"].pk, contacts["Xa"].pk])
    assert caught.value.code == "not_found"
    for junk in (["x"], [0], [2**63]):
        with pytest.raises(ApplicationError):
            selectors.contacts_get_many(viewer=kim_tan_official, contact_ids=junk)
    assert [c.pk for c in selectors.contacts_get_many(viewer=kim_tan_official, contact_ids=[contacts["An"].pk])] == [
        contacts["An"].pk
    ]


# --- The pages -----------------------------------------------------------------------------------------------


def test_the_case_page_ticks_contacts_and_moves_them_together(client, contacts, kim_tan_official):
    client.force_login(kim_tan_official)
    page = f"/cases/{contacts['case'].pk}/"
    html = client.get(page).content.decode()
    action = f'action="/cases/contacts/status/?next={page}%23contacts-f1#contacts-f1"'
    assert html.count(action) == 1  # one form for the F1 level, not per row
    assert f'name="contact" value="{contacts["An"].pk}"' in html
    assert f'name="contact" value="{contacts["Xa"].pk}"' not in html  # outside the area: no box to tick
    back = f"{page}?p1=1#contacts-f1"
    response = client.post(
        "/cases/contacts/status/",
        {"contact": [contacts["An"].pk, contacts["Chi"].pk], "status": "confirmed", "next": back},
    )
    # Chi was left as she was: the page opens at the warning, not at the table.
    assert response.status_code == 302 and response["Location"] == f"{page}?p1=1#messages"
    said = [str(m) for m in get_messages(response.wsgi_request)]
    assert said[0] == "1 người tiếp xúc đã chuyển sang “Đã xác minh”."
    assert said[1].startswith("1 người tiếp xúc giữ nguyên (") and said[1].endswith("): Nguyễn Văn Chi.")
    again = client.post(
        "/cases/contacts/status/", {"contact": [contacts["An"].pk], "status": "confirmed", "next": back}
    )
    assert [str(m) for m in get_messages(again.wsgi_request)][-1] == (
        "1 người tiếp xúc giữ nguyên (Người tiếp xúc đã ở tình trạng này): Nguyễn Văn An."
    )  # the earlier move's messages were not shown yet: they come first
    assert statuses()["Nguyễn Văn An"] == "confirmed" and statuses()["Nguyễn Văn Chi"] == "quarantined"


def test_a_rows_own_confirm_button_moves_only_its_contact(client, contacts, kim_tan_official):
    client.force_login(kim_tan_official)
    response = client.post(
        "/cases/contacts/status/",
        {"contact": [contacts["An"].pk], "confirm_one": contacts["Bình"].pk, "reason": "x", "next": "/cases/"},
    )
    assert response.status_code == 302
    assert statuses()["Nguyễn Văn Bình"] == "confirmed" and statuses()["Nguyễn Văn An"] == "candidate"


def _ticked(html: str) -> set[str]:
    return set(re.findall(r'name="contact" value="(\d+)"[^>]*\bchecked\b', html))


@pytest.mark.parametrize(
    "post, message",
    [
        ({"status": "confirmed"}, "Chưa chọn người tiếp xúc nào"),
        ({"status": "dismissed", "reason": "  "}, "Cần ghi lý do loại người này khỏi danh sách tiếp xúc."),
        ({"status": "quarantined", "quarantine_start": "06/13/2021x"}, "Ngày bắt đầu cách ly không đúng dạng."),
        ({}, "Chưa chọn việc cần làm với những người đã đánh dấu."),
    ],
)
def test_a_refused_move_goes_back_to_the_case_page_with_the_message_and_the_ticks(
    client, contacts, kim_tan_official, post, message
):
    """Back to the page by a redirect, as a release refused for some contacts goes (a reload once sent the move
    again from /cases/contacts/status/); the form says what is missing and that nothing was changed."""
    client.force_login(kim_tan_official)
    ticked = [] if post.get("status") == "confirmed" else [contacts["An"].pk, contacts["Bình"].pk]
    page = f"/cases/{contacts['case'].pk}/"
    body = {"contact": ticked, "form": "contacts-form-f1", "next": f"{page}?p1=1#contacts-f1", **post}
    response = client.post("/cases/contacts/status/", body)
    assert response.status_code == 302 and response["Location"] == f"{page}?p1=1#contacts-f1"
    assert statuses()["Nguyễn Văn An"] == statuses()["Nguyễn Văn Bình"] == "candidate"  # nothing written
    shown = client.get(f"{page}?p1=1")
    html = shown.content.decode()
    assert shown.status_code == 200 and shown.templates[0].name == "cases/detail.html"
    # In the page's language, by the form it came from, without the raw code or the English text.
    assert f'<div class="form-error" role="alert">Không thay đổi gì: {message}' in html
    assert "contact_" not in html and "invalid_contact" not in html and "tick at least one" not in html
    assert _ticked(html) == {str(pk) for pk in ticked}
    assert f'name="next" value="{page}?p1=1#contacts-f1"' in html  # the next try goes back to the same place
    if post.get("reason"):
        assert 'name="reason" maxlength="500" value="  "' in html
    # Said once: a reload shows the page as it is.
    again = client.get(f"{page}?p1=1").content.decode()
    assert 'role="alert">Không thay đổi gì' not in again and _ticked(again) == set()


def test_a_refused_move_in_english_is_told_in_english(client, contacts, kim_tan_official):
    client.force_login(kim_tan_official)
    page = f"/en/cases/{contacts['case'].pk}/"
    body = {"contact": [contacts["An"].pk], "status": "dismissed", "form": "contacts-form-f1", "next": page}
    html = client.post("/en/cases/contacts/status/", body, follow=True).content.decode()
    assert "Nothing was changed: Give the reason for dismissing this contact." in html and "Cần ghi lý do" not in html


def test_a_refused_move_goes_back_to_the_work_list_with_its_filters_and_the_ticks(client, contacts, kim_tan_official):
    client.force_login(kim_tan_official)
    back = "/cases/worklist/?level=1"
    body = {
        "contact": [contacts["Bình"].pk],
        "status": "quarantined",
        "quarantine_start": (TODAY() + dt.timedelta(days=1)).isoformat(),
        "form": "worklist-form",
        "next": back,
    }
    response = client.post("/cases/contacts/status/", body)
    assert response.status_code == 302 and response["Location"] == back
    html = client.get(back).content.decode()
    assert "Không thay đổi gì: Ngày bắt đầu cách ly không hợp lệ" in html and "quarantine_date_invalid" not in html
    assert _ticked(html) == {str(contacts["Bình"].pk)}
    assert f'name="next" value="{back}"' in html and '<option value="1" selected>' in html
    assert f'value="{body["quarantine_start"]}"' in html
    assert statuses()["Nguyễn Văn Bình"] == "candidate"


def test_a_dismissal_without_a_reason_on_the_work_list_goes_back_like_a_release_without_one(
    client, contacts, kim_tan_official
):
    """The walk-through: a dismissal without a reason showed the page at /cases/contacts/status/ (400, a reload
    posted again), a release without one went back with its message. Both go back now, nothing written."""
    client.force_login(kim_tan_official)
    back = "/cases/worklist/?status=all"
    body = {"contact": [contacts["An"].pk], "status": "dismissed", "reason": "", "form": "worklist-form", "next": back}
    response = client.post("/cases/contacts/status/", body, follow=True)
    assert response.redirect_chain == [(back, 302)]
    html = response.content.decode()
    assert "Không thay đổi gì: Cần ghi lý do loại người này khỏi danh sách tiếp xúc." in html
    assert _ticked(html) == {str(contacts["An"].pk)}
    assert statuses()["Nguyễn Văn An"] == "candidate"
    assert not AuditLog.objects.filter(action="cases.contact.dismissed").exists()


def test_a_refused_move_is_not_shown_on_a_later_visit(client, contacts, kim_tan_official):
    """The redirect not followed (a closed tab): the page visited later shows no old refusal nor old ticks."""
    client.force_login(kim_tan_official)
    back = "/cases/worklist/"
    body = {"contact": [contacts["An"].pk], "status": "dismissed", "form": "worklist-form", "next": back}
    assert client.post("/cases/contacts/status/", body).status_code == 302
    session = client.session
    session["cases.moves_refused"]["at"] -= 600
    session.save()
    html = client.get(back).content.decode()
    assert "Không thay đổi gì" not in html and _ticked(html) == set()


def test_a_refused_move_from_elsewhere_gets_the_error_page_with_a_way_back(client, contacts, kim_tan_official):
    client.force_login(kim_tan_official)
    for back in ("/cases/", f"/cases/{contacts['case'].pk + 1000}/"):  # not a page of moves; a case not found
        response = client.post("/cases/contacts/status/", {"contact": [contacts["An"].pk], "next": back})
        html = response.content.decode()
        assert response.status_code == 400 and response.templates[0].name == "core/error.html"
        assert "<h1>Chưa chọn việc cần làm với những người đã đánh dấu.</h1>" in html and f'href="{back}"' in html


def test_a_forged_id_from_another_area_moves_nobody(client, contacts, kim_tan_official):
    client.force_login(kim_tan_official)
    response = client.post(
        "/cases/contacts/status/", {"contact": [contacts["An"].pk, contacts["Xa"].pk], "status": "confirmed"}
    )
    assert response.status_code == 404
    assert set(statuses().values()) == {"candidate", "quarantined"}


def test_the_way_back_stays_on_this_site_and_keeps_the_language(client, contacts, kim_tan_official):
    client.force_login(kim_tan_official)
    english = f"/en/cases/{contacts['case'].pk}/"
    response = client.post(
        "/cases/contacts/status/", {"contact": [contacts["An"].pk], "status": "confirmed", "next": english}
    )
    assert response["Location"] == english
    for outside in ("https://evil.example/", "//evil.example/cases/"):
        response = client.post(
            "/cases/contacts/status/", {"contact": [contacts["Bình"].pk], "status": "confirmed", "next": outside}
        )
        assert response.status_code == 302 and response["Location"].split("#")[0] == "/cases/worklist/"


def test_the_work_list_quarantines_the_ticked_contacts(client, contacts, kim_tan_official):
    client.force_login(kim_tan_official)
    html = client.get("/cases/worklist/").content.decode()
    assert 'id="worklist-form"' in html and f'name="contact" value="{contacts["Bình"].pk}"' in html
    response = client.post(
        "/cases/contacts/status/",
        {
            "contact": [contacts["An"].pk, contacts["Bình"].pk],
            "status": "quarantined",
            "quarantine_start": TODAY().isoformat(),
            "next": "/cases/worklist/?level=1",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/cases/worklist/?level=1"
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["2 người tiếp xúc đã chuyển sang “Đang cách ly”."]
    assert statuses()["Nguyễn Văn An"] == statuses()["Nguyễn Văn Bình"] == "quarantined"
    assert Contact.objects.get(pk=contacts["An"].pk).quarantine_start == TODAY()


def test_a_venue_official_cannot_move_contacts(client, tree, contacts):
    from phongdich.accounts.models import Official

    from .builders import official

    venue_staff = official(tree["kim_tan"], "chu_quan", role=Official.Role.VENUE_MANAGER)
    client.force_login(venue_staff)
    response = client.post("/cases/contacts/status/", {"contact": [contacts["An"].pk], "status": "confirmed"})
    assert response.status_code == 403 and statuses()["Nguyễn Văn An"] == "candidate"


# --- The API -------------------------------------------------------------------------------------------------


def test_the_api_moves_several_and_lists_the_skipped_with_reasons(client, contacts, kim_tan_official):
    client.force_login(kim_tan_official)
    ids = [contacts["An"].pk, contacts["Chi"].pk]
    response = client.post(
        "/api/v1/contacts/status/",
        {"contacts": ids, "status": "dismissed", "reason": "Không cùng thời gian"},
        content_type="application/json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["changed"] == [{"id": contacts["An"].pk, "status": "dismissed"}]
    [skipped] = body["skipped"]
    assert skipped["id"] == contacts["Chi"].pk and skipped["code"] == "contact_status_transition"
    assert skipped["message_vi"] and skipped["message_en"]
    assert Contact.objects.get(pk=contacts["An"].pk).dismissed_reason == "Không cùng thời gian"


@pytest.mark.parametrize(
    "body, status",
    [
        ({"contacts": [], "status": "confirmed"}, 400),
        ({"contacts": ["x"], "status": "confirmed"}, 400),
        ({"contacts": [1] * 501, "status": "confirmed"}, 400),
        ({"status": "confirmed"}, 400),
        ({"contacts": [2**62], "status": "confirmed"}, 404),
    ],
)
def test_bad_api_moves_are_clear_4xx(client, contacts, kim_tan_official, body, status):
    client.force_login(kim_tan_official)
    response = client.post("/api/v1/contacts/status/", body, content_type="application/json")
    assert response.status_code == status
    answer = response.json()
    assert answer["message_vi"] and answer["message_en"]
    assert statuses()["Nguyễn Văn An"] == "candidate"


def test_the_api_refuses_a_list_with_a_contact_of_another_area(client, contacts, kim_tan_official):
    client.force_login(kim_tan_official)
    response = client.post(
        "/api/v1/contacts/status/",
        {"contacts": [contacts["An"].pk, contacts["Xa"].pk], "status": "confirmed"},
        content_type="application/json",
    )
    assert response.status_code == 404 and statuses()["Nguyễn Văn An"] == "candidate"


def test_a_level_with_nobody_of_the_officials_area_offers_nothing_to_tick(client, tree, thach_lam_official, contacts):
    """Thạch Lâm's official sees the case's F1 from Kim Tân by initials only: nothing to tick, no moves offered."""
    from phongdich.people.models import Person

    kim_tan_case = contacts["case"]
    Person.objects.filter(pk=kim_tan_case.person_id).update(area_path=tree["thach_lam"].path)
    kim_tan_case.area_path = tree["thach_lam"].path
    kim_tan_case.save(update_fields=["area_path"])
    Contact.objects.filter(pk=contacts["Xa"].pk).delete()
    client.force_login(thach_lam_official)
    html = client.get(f"/cases/{kim_tan_case.pk}/").content.decode()
    assert "NVA" in html and "Nguyễn Văn An" not in html
    assert 'name="contact"' not in html and "contacts-actions" not in html and "contacts-all" not in html


def test_a_move_reads_its_contacts_in_one_query_however_many(tree, kim_tan_official):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    entered = case(kim_tan_official, person(tree["kim_tan"], "Ca Bệnh"))
    found = [link(person(tree["kim_tan"], f"Người {n}"), entered)[0].contact for n in range(12)]

    def reads(contacts) -> int:
        with CaptureQueriesContext(connection) as queries:
            outcome = services.contacts_status_set(actor=kim_tan_official, contacts=contacts, status="confirmed")
        assert len(outcome.changed) == len(contacts)
        return sum(q["sql"].lstrip().upper().startswith("SELECT") for q in queries.captured_queries)

    assert reads(found[:2]) == reads(found[2:])  # 2 contacts, then 10


def test_the_work_list_finds_quarantines_that_are_over_and_releases_them_together(
    client, tree, contacts, kim_tan_official
):
    """Chi's quarantine (from today) runs on; An's, started 14 days ago, ends today: only An is to release."""
    started = TODAY() - dt.timedelta(days=14)
    Contact.objects.filter(pk=contacts["An"].pk).update(first_exposure_at=timezone.now() - dt.timedelta(days=16))
    services.contact_status_set(
        actor=kim_tan_official, contact=contacts["An"], status="quarantined", quarantine_start=started
    )
    client.force_login(kim_tan_official)
    html = client.get("/cases/worklist/", {"status": "quarantine_over"}).content.decode()
    assert "Nguyễn Văn An" in html and "Nguyễn Văn Chi" not in html and "Hết hạn cách ly — chờ cho kết thúc" in html
    api = client.get("/api/v1/contacts/worklist/", {"status": "quarantine_over"}).json()
    assert [row["id"] for row in api["results"]] == [contacts["An"].pk]

    response = client.post(
        "/cases/contacts/status/",
        {"contact": [contacts["An"].pk], "status": "released", "next": "/cases/worklist/?status=quarantine_over"},
    )
    assert response.status_code == 302
    assert statuses()["Nguyễn Văn An"] == "released" and statuses()["Nguyễn Văn Chi"] == "quarantined"
    assert "Nguyễn Văn An" not in client.get("/cases/worklist/", {"status": "quarantine_over"}).content.decode()


# --- A contact who becomes a case ------------------------------------------------------------------------------


def test_a_contact_entered_as_a_case_leaves_the_work_list_and_the_counts(client, tree, contacts, kim_tan_official):
    """Cao Thị Oanh, an F1, tested positive and was entered as a case: she stayed an open F1 on the work list and
    was counted as F0 and as F1 of her commune (walk-through of 2026-12-06)."""
    services.contacts_status_set(actor=kim_tan_official, contacts=[contacts["An"]], status="confirmed")
    an = contacts["An"].person
    counts_before = {c.area.pk: c for c in selectors.area_counts_by_commune(viewer=kim_tan_official)}

    new_case = case(kim_tan_official, an)

    contact = Contact.objects.get(pk=contacts["An"].pk)
    assert contact.status == "became_case" and contact.status_changed_by == kim_tan_official
    entry = AuditLog.objects.get(action="cases.contact.became_case")
    assert entry.actor == kim_tan_official and entry.extra == {"from": "confirmed", "case": new_case.number}
    client.force_login(kim_tan_official)
    assert "Nguyễn Văn An" not in client.get("/cases/worklist/").content.decode()
    counts = {c.area.pk: c for c in selectors.area_counts_by_commune(viewer=kim_tan_official)}
    kim_tan = tree["kim_tan"].pk
    assert counts[kim_tan].f0 == counts_before[kim_tan].f0 + 1
    assert counts[kim_tan].f1 == counts_before[kim_tan].f1 - 1
    with pytest.raises(ApplicationError):  # nobody moves a case back to being a contact
        services.contact_status_set(actor=kim_tan_official, contact=contact, status="confirmed")
    assert "Đã thành ca bệnh (F0)" in client.get(f"/cases/{contacts['case'].pk}/").content.decode()
    page = client.get(f"/cases/contacts/{contact.pk}/").content.decode()
    assert f'href="/cases/{new_case.pk}/">{new_case.number}</a>' in page


def test_a_case_named_in_another_cases_interview_is_no_contact_to_call(tree, contacts, kim_tan_official):
    other = case(kim_tan_official, person(tree["kim_tan"], "Ca Thứ Hai"))
    contact_link, _ = link(other.person, contacts["case"])
    assert contact_link.contact.status == "became_case"


def test_a_contact_closed_as_became_case_by_an_interview_is_audited(tree, kim_tan_official):
    """An interview (or a trace) meeting a person under treatment writes the contact as `became_case`
    (contacts_of_cases_close: a bulk UPDATE): it wrote no `cases.contact.became_case` entry, unlike the same move
    made when the case is entered."""
    kim_tan = tree["kim_tan"]
    patient = person(kim_tan, "Đang Điều Trị")
    case(kim_tan_official, patient)
    other = case(kim_tan_official, person(kim_tan, "Ca Khác"))
    contact = services.contact_link_add(
        person=patient,
        case=other,
        level=1,
        source=ContactLink.Source.INTERVIEW,
        setting=ContactLink.Setting.HOUSEHOLD,
        evidence_key="interview:met-patient",
        actor=kim_tan_official,
    )[0].contact
    contact.refresh_from_db()
    assert contact.status == Contact.Status.BECAME_CASE
    entry = AuditLog.objects.get(action="cases.contact.became_case", object_id=str(contact.pk))
    assert entry.extra == {"from": "candidate", "reason": "met_while_case", "case": other.number}
    assert entry.area_path == kim_tan.path and entry.actor == kim_tan_official


# --- A closed contact met again ----------------------------------------------------------------------------------


def test_a_recovered_case_who_had_been_an_f1_is_a_candidate_again_when_a_new_case_meets_them(tree, kim_tan_official):
    """docs/cases.md: "a recovered case met again is a candidate like anybody (reinfection is for the official to
    judge)". Most F0 were F1 first: their contact row is `became_case`, which no evidence moved, nor may an official:
    the person never reached the work list again."""
    first = case(kim_tan_official, person(tree["kim_tan"], "Ca Đầu"), days_ago=40, onset_days_ago=41)
    patient = person(tree["kim_tan"], "Từng Là F1")
    link(patient, first)  # an F1 of the first case ...
    own = case(kim_tan_official, patient, days_ago=35, onset_days_ago=36)  # ... then a case ...
    assert Contact.objects.get(person=patient).status == Contact.Status.BECAME_CASE
    services.case_status_set(actor=kim_tan_official, case=own, status="recovered")  # ... recovered
    link(patient, first)  # more evidence of the first case: from before their own case, it reopens nothing
    assert Contact.objects.get(person=patient).status == Contact.Status.BECAME_CASE
    later = case(kim_tan_official, person(tree["kim_tan"], "Ca Mới"))
    services.contact_interview_add(
        actor=kim_tan_official, case=later, person=patient, setting="household", nonce="household-met-again-1"
    )
    contact = Contact.objects.get(person=patient)
    assert contact.status == Contact.Status.CANDIDATE and contact.status_changed_by is None
    assert selectors.contact_worklist(viewer=kim_tan_official).filter(person=patient).exists()
    entry = AuditLog.objects.filter(action="cases.contact.candidate").latest("id")
    assert entry.extra == {"reason": "met_again", "case": later.number}


def test_a_released_contact_exposed_again_by_a_new_case_can_be_quarantined_again(tree, kim_tan_official):
    """An F1 quarantined and released in the spring who shares a household with a new F0 in the autumn kept the
    status `released`: off the work list, and `released` allows no move, so the official could not quarantine them
    for the new exposure (409 contact_status_transition)."""
    first = case(kim_tan_official, person(tree["kim_tan"], "Ca Mùa Xuân"), days_ago=50, onset_days_ago=51)
    who = person(tree["kim_tan"], "F1 Hai Lần")
    contact = link(who, first, exposure_start=local(TODAY() - dt.timedelta(days=50)))[0].contact
    services.contact_status_set(
        actor=kim_tan_official, contact=contact, status="quarantined", quarantine_start=TODAY() - dt.timedelta(days=49)
    )
    services.contact_status_set(actor=kim_tan_official, contact=contact, status="released")
    later = case(kim_tan_official, person(tree["kim_tan"], "Ca Mùa Thu"))
    during = local(TODAY() - dt.timedelta(days=45))  # told late: the old case's household, met during the quarantine
    services.contact_interview_add(
        actor=kim_tan_official,
        case=first,
        person=who,
        setting="household",
        nonce="household-spring",
        exposure_start=during,
    )
    assert Contact.objects.get(pk=contact.pk).status == Contact.Status.RELEASED
    services.contact_interview_add(
        actor=kim_tan_official,
        case=later,
        person=who,
        setting="household",
        nonce="household-autumn",
        exposure_start=local(TODAY() - dt.timedelta(days=2)),
    )
    reopened = Contact.objects.get(pk=contact.pk)
    assert (reopened.status, reopened.quarantine_start, reopened.quarantine_end) == ("candidate", None, None)
    assert selectors.contact_worklist(viewer=kim_tan_official).filter(person=who).exists()
    services.contact_status_set(actor=kim_tan_official, contact=contact, status="quarantined")
    assert Contact.objects.get(pk=contact.pk).quarantine_start == TODAY()


def test_a_contact_under_treatment_met_again_stays_a_case(tree, kim_tan_official):
    first = case(kim_tan_official, person(tree["kim_tan"], "Ca Đầu"), days_ago=10, onset_days_ago=11)
    patient = person(tree["kim_tan"], "Đang Điều Trị")
    link(patient, first)
    case(kim_tan_official, patient, days_ago=5, onset_days_ago=6)
    later = case(kim_tan_official, person(tree["kim_tan"], "Ca Mới"))
    services.contact_interview_add(
        actor=kim_tan_official, case=later, person=patient, setting="household", nonce="household-ill-1"
    )
    assert Contact.objects.get(person=patient).status == Contact.Status.BECAME_CASE


# --- Who may be confirmed or quarantined -----------------------------------------------------------------------


def test_a_dismissed_contact_now_a_case_under_treatment_is_neither_confirmed_nor_quarantined(tree, kim_tan_official):
    """Entering a case closes only open contacts; a dismissed one stays dismissed, and "dismissed -> confirmed"
    (undoing a mistake) put a case under treatment back on the work list as an F1, counted as F0 and F1 at once,
    and let it be quarantined."""
    kim_tan = tree["kim_tan"]
    source = case(kim_tan_official, person(kim_tan, "Ca Nguồn"))
    neighbour = person(kim_tan, "Hàng Xóm")
    contact = link(neighbour, source)[0].contact
    services.contact_status_set(actor=kim_tan_official, contact=contact, status="dismissed", reason="Không có mặt")
    case(kim_tan_official, neighbour)  # tested positive later: a case under treatment now
    assert Case.objects.filter(person=neighbour, status=Case.Status.UNDER_TREATMENT).exists()

    with pytest.raises(ApplicationError) as caught:
        services.contact_status_set(actor=kim_tan_official, contact=contact, status="confirmed")
    assert caught.value.code == "contact_is_case" and caught.value.status == 409
    other = link(person(kim_tan, "Người Khác"), source)[0].contact
    outcome = services.contacts_status_set(actor=kim_tan_official, contacts=[contact, other], status="confirmed")
    assert [c.pk for c in outcome.changed] == [other.pk]
    assert [(c.pk, e.code) for c, e in outcome.skipped] == [(contact.pk, "contact_is_case")]
    assert Contact.objects.get(pk=contact.pk).status == Contact.Status.DISMISSED
    assert not selectors.contact_worklist(viewer=kim_tan_official).filter(pk=contact.pk).exists()


def test_a_confirmed_contact_entered_as_a_case_meanwhile_is_not_quarantined(tree, kim_tan_official):
    """The same for a contact still open on the page when its person was entered as a case: the move is refused,
    whichever way the contact row reads."""
    kim_tan = tree["kim_tan"]
    source = case(kim_tan_official, person(kim_tan, "Ca Nguồn"))
    neighbour = person(kim_tan, "Hàng Xóm")
    contact = link(neighbour, source)[0].contact
    services.contact_status_set(actor=kim_tan_official, contact=contact, status="confirmed")
    case(kim_tan_official, neighbour)
    Contact.objects.filter(pk=contact.pk).update(status=Contact.Status.CONFIRMED)  # as if closed by nobody
    with pytest.raises(ApplicationError) as caught:
        services.contact_status_set(actor=kim_tan_official, contact=contact, status="quarantined")
    assert caught.value.code == "contact_is_case"
    assert Contact.objects.get(pk=contact.pk).quarantine_start is None


def test_a_dismissed_contact_of_a_withdrawn_case_alone_is_not_confirmed(tree, kim_tan_official):
    """After its only case is withdrawn, a dismissed contact could still be confirmed (and then quarantined): an F1
    of no standing case, on the work list with no case number to call about."""
    kim_tan = tree["kim_tan"]
    mistaken = case(kim_tan_official, person(kim_tan, "Ca Nhầm"))
    contact = link(person(kim_tan, "Người Gặp"), mistaken)[0].contact
    services.contact_status_set(actor=kim_tan_official, contact=contact, status="dismissed", reason="Nhầm người")
    services.case_withdraw(actor=kim_tan_official, case=mistaken, reason="RT-PCR âm tính")

    with pytest.raises(ApplicationError) as caught:
        services.contact_status_set(actor=kim_tan_official, contact=contact, status="confirmed")
    assert caught.value.code == "contact_no_standing_case" and caught.value.status == 409
    assert Contact.objects.get(pk=contact.pk).status == Contact.Status.DISMISSED
    # A standing case's evidence makes the undoing possible again.
    standing = case(kim_tan_official, person(kim_tan, "Ca Thật"))
    link(contact.person, standing)
    services.contact_status_set(actor=kim_tan_official, contact=contact, status="confirmed")
    assert Contact.objects.get(pk=contact.pk).status == Contact.Status.CONFIRMED


def _telecom(who, of, key, start):
    return services.contact_link_add(
        person=who,
        case=of,
        level=1,
        source=ContactLink.Source.TELECOM,
        setting=ContactLink.Setting.CELL,
        evidence_key=f"telecom:{key}",
        place="Viettel TTH-KT-01",
        exposure_start=start,
        exposure_end=start + dt.timedelta(minutes=40),
        overlap_minutes=40,
    )


def test_a_telecom_only_candidate_is_confirmed_before_it_is_quarantined(tree, kim_tan_official):
    """docs/telecom.md: a shared cell is "a much weaker signal than a shared venue ... candidates to verify, by
    interview, before anyone is confirmed or quarantined". The work list's "tick all, quarantine" quarantined a
    telecom-only candidate (red card, 14 days) with the check-in F1 next to it, and the single move did too."""
    kim_tan = tree["kim_tan"]
    source = case(kim_tan_official, person(kim_tan, "Ca Nguồn"))
    when = local(TODAY() - dt.timedelta(days=2), 9)
    at_market = link(person(kim_tan, "Cùng Chợ"), source, exposure_start=when)[0].contact
    same_cell = _telecom(person(kim_tan, "Cùng Trạm"), source, "1:2", when)[0].contact

    outcome = services.contacts_status_set(
        actor=kim_tan_official, contacts=[at_market, same_cell], status="quarantined"
    )
    assert {contact.pk for contact in outcome.changed} == {at_market.pk}
    assert [(c.pk, e.code) for c, e in outcome.skipped] == [(same_cell.pk, "contact_unverified")]
    with pytest.raises(ApplicationError) as caught:
        services.contact_status_set(actor=kim_tan_official, contact=same_cell, status="quarantined")
    assert caught.value.code == "contact_unverified" and caught.value.status == 409
    assert Contact.objects.get(pk=same_cell.pk).status == Contact.Status.CANDIDATE
    # Verified by interview (confirmed), or found by a check-in too: quarantined like any F1.
    services.contact_status_set(actor=kim_tan_official, contact=same_cell, status="confirmed")
    services.contact_status_set(actor=kim_tan_official, contact=same_cell, status="quarantined")
    also_at_market = _telecom(person(kim_tan, "Cả Hai"), source, "1:3", when)[0].contact
    link(also_at_market.person, source, exposure_start=when)
    services.contact_status_set(actor=kim_tan_official, contact=also_at_market, status="quarantined")
    assert Contact.objects.filter(status=Contact.Status.QUARANTINED).count() == 3


@pytest.mark.parametrize(
    "prefix, told",
    [
        ("", "Người này đang là ca bệnh F0 đang điều trị: không xác nhận hay cách ly như người tiếp xúc F1."),
        ("/en", "This person is an F0 under treatment: not confirmed or quarantined as an F1 contact."),
    ],
)
def test_the_contact_page_tells_why_a_case_under_treatment_is_not_confirmed(
    client, tree, kim_tan_official, prefix, told
):
    kim_tan = tree["kim_tan"]
    source = case(kim_tan_official, person(kim_tan, "Ca Nguồn"))
    neighbour = person(kim_tan, "Hàng Xóm")
    contact = link(neighbour, source)[0].contact
    services.contact_status_set(actor=kim_tan_official, contact=contact, status="dismissed", reason="Không có mặt")
    case(kim_tan_official, neighbour)
    client.force_login(kim_tan_official)
    response = client.post(f"{prefix}/cases/contacts/{contact.pk}/status/", {"status": "confirmed"})
    assert response.status_code == 409 and response.templates[0].name == "cases/contact.html"
    assert told in response.content.decode()
    assert Contact.objects.get(pk=contact.pk).status == Contact.Status.DISMISSED


@pytest.mark.parametrize(
    "prefix, told",
    [
        (
            "",
            "1 người tiếp xúc giữ nguyên (Người này chỉ được tìm thấy qua dữ liệu nhà mạng, do cùng trạm phát sóng: "
            "cần phỏng vấn xác minh và xác nhận trước khi cách ly): Cùng Trạm.",
        ),
        (
            "/en",
            "1 contact was left as it was (This person was found only through telecom records, by a shared cell: "
            "verify by interview and confirm them before quarantine): Cùng Trạm.",
        ),
    ],
)
def test_the_work_list_quarantines_the_check_in_f1_and_names_the_telecom_only_candidate_left(
    client, tree, kim_tan_official, prefix, told
):
    kim_tan = tree["kim_tan"]
    source = case(kim_tan_official, person(kim_tan, "Ca Nguồn"))
    when = local(TODAY() - dt.timedelta(days=2), 9)
    at_market = link(person(kim_tan, "Cùng Chợ"), source, exposure_start=when)[0].contact
    same_cell = _telecom(person(kim_tan, "Cùng Trạm"), source, "1:2", when)[0].contact
    client.force_login(kim_tan_official)
    response = client.post(
        f"{prefix}/cases/contacts/status/",
        {
            "contact": [at_market.pk, same_cell.pk],
            "status": "quarantined",
            "quarantine_start": TODAY().isoformat(),
            "next": f"{prefix}/cases/worklist/",
        },
    )
    assert response.status_code == 302 and response["Location"] == f"{prefix}/cases/worklist/#messages"
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert told in shown and len(shown) == 2
    assert statuses() == {"Cùng Chợ": "quarantined", "Cùng Trạm": "candidate"}


@pytest.mark.parametrize(
    "ids, code, extra",
    [
        ([], "contacts_none_selected", {"field": "contacts"}),
        ([1] * 501, "contacts_too_many", {"field": "contacts", "max": 500}),
    ],
)
def test_the_api_refuses_none_or_too_many_with_the_pages_codes(client, contacts, kim_tan_official, ids, code, extra):
    """Until 2026-12-07 the API answered `invalid_input` where docs/cases.md and its schema said these codes."""
    client.force_login(kim_tan_official)
    body = {"contacts": ids, "status": "confirmed"}
    answer = client.post("/api/v1/contacts/status/", body, content_type="application/json").json()
    assert (answer["code"], answer["extra"]) == (code, extra)
