"""F2 named in an F1's interview (docs/cases.md, "Contacts named in an F1's interview (F2)"): the service's rules and
refusals, its idempotency, the F1's page in both languages, the API and its schema, and scoping; and the new F2 where
a tracer's F2 shows (case page, cluster graph, counts, work list)."""

import datetime as dt
import re

import pytest
import yaml
from django.core.management import call_command
from django.utils import timezone

from phongdich.accounts.models import Official
from phongdich.core.dates import local_midnight
from phongdich.core.errors import ApplicationError
from phongdich.core.models import AuditLog
from phongdich.people.models import Person

from .. import services
from ..models import Contact, ContactLink
from ..selectors import area_counts_by_commune, cluster_graph
from .builders import case, link, person

HOUR = dt.timedelta(hours=1)


def api_post(client, path, body, **headers):
    return client.post(path, body, content_type="application/json", **headers)


@pytest.fixture
def scene(tree, kim_tan_official):
    """A case (sample yesterday, onset two days ago: its window opens four days ago under CV 1909) whose F1, the
    wife, was met 40 hours ago; a colleague of hers in Kim Tân, a neighbour in Thạch Lâm (the district's other commune)
    and someone in Hà Nội."""
    now = timezone.now()
    kim_tan = tree["kim_tan"]
    the_case = case(kim_tan_official, person(kim_tan, "Cao Văn Nguồn"))
    wife = person(kim_tan, "Cao Thị Vợ")
    f1, _ = services.contact_interview_add(
        actor=kim_tan_official,
        case=the_case,
        person=wife,
        setting="household",
        nonce="f1-interview-1",
        exposure_start=now - 40 * HOUR,
        exposure_end=now - 39 * HOUR,
    )
    return {
        "now": now,
        "case": the_case,
        "f1": f1.contact,
        "colleague": person(kim_tan, "Lê Thị Đồng Nghiệp", birth_year=1990),
        "neighbour": person(tree["thach_lam"], "Lê Văn Hàng Xóm", birth_year=1970),
        "far": person(tree["hoan_kiem"], "Lê Văn Hà Nội"),
    }


def add(scene, actor, who=None, *, nonce="f2-interview-1", **fields):
    fields.setdefault("exposure_start", scene["now"] - 30 * HOUR)
    fields.setdefault("exposure_end", scene["now"] - 29 * HOUR)
    return services.contact_interview_f2_add(
        actor=actor,
        f1=fields.pop("f1", scene["f1"]),
        person=who or scene["colleague"],
        setting=fields.pop("setting", "workplace"),
        nonce=nonce,
        **fields,
    )


# --- The service ------------------------------------------------------------------------------------------------


def test_a_person_named_by_an_f1_is_its_f2_on_the_f1s_case_and_audited(scene, kim_tan_official):
    links, created = add(scene, kim_tan_official, place="Xưởng may", note="Cùng tổ")

    assert created and len(links) == 1
    [added] = links
    assert (added.case_id, added.level, added.via_id) == (scene["case"].pk, 2, scene["f1"].pk)
    assert (added.source, added.setting, added.place, added.note) == ("interview", "workplace", "Xưởng may", "Cùng tổ")
    assert added.evidence_key == "interview:f2-interview-1" and added.overlap_minutes == 60
    contact = Contact.objects.get(person=scene["colleague"])
    assert (contact.level, contact.status) == (2, Contact.Status.CANDIDATE)
    assert contact.first_exposure_at == scene["now"] - 30 * HOUR
    entry = AuditLog.objects.get(action="cases.contact.interview_added", object_id=str(contact.pk))
    assert entry.extra == {"case": scene["case"].number, "setting": "workplace", "level": 2, "via": scene["f1"].pk}


def test_the_same_nonce_adds_nothing_the_second_time(scene, kim_tan_official):
    first, created = add(scene, kim_tan_official)
    again, created_again = add(scene, kim_tan_official)

    assert (created, created_again) == (True, False)
    assert [link.pk for link in again] == [link.pk for link in first]
    assert ContactLink.objects.filter(level=2).count() == 1
    assert AuditLog.objects.filter(action="cases.contact.interview_added", extra__level=2).count() == 1
    # Another answer of the same interview (a new form, a new nonce) is another piece of evidence.
    add(scene, kim_tan_official, nonce="f2-interview-2", setting="transport")
    assert ContactLink.objects.filter(level=2).count() == 2 and Contact.objects.filter(level=2).count() == 1


def test_an_f1_of_two_cases_passes_its_f2_to_each_case_from_its_first_exposure_to_it(tree, scene, kim_tan_official):
    """As the check-in tracer does: one F2 link per case whose F1 the person met, each from the F1's first exposure
    to that case."""
    now = scene["now"]
    second = case(kim_tan_official, person(tree["kim_tan"], "Ca Thứ Hai"))
    link(scene["f1"].person, second, exposure_start=now - 20 * HOUR, exposure_end=now - 19 * HOUR)

    before_second, _ = add(scene, kim_tan_official)  # 30 hours ago: after the first case's meeting only
    after_both, _ = add(
        scene,
        kim_tan_official,
        scene["neighbour"],
        nonce="f2-both-1",
        exposure_start=now - 10 * HOUR,
        exposure_end=None,
    )

    assert [link.case_id for link in before_second] == [scene["case"].pk]
    assert [link.case_id for link in after_both] == sorted([scene["case"].pk, second.pk])
    assert {link.via_id for link in after_both} == {scene["f1"].pk}


def test_a_case_whose_f1_the_person_is_already_is_left_out(tree, scene, kim_tan_official):
    """The tracer gives no F2 link of a case to that case's F1."""
    second = case(kim_tan_official, person(tree["kim_tan"], "Ca Thứ Hai"))
    link(scene["f1"].person, second, exposure_start=scene["now"] - 48 * HOUR)
    link(scene["colleague"], second, exposure_start=scene["now"] - 48 * HOUR)

    links, _ = add(scene, kim_tan_official)

    assert [link.case_id for link in links] == [scene["case"].pk]
    assert Contact.objects.get(person=scene["colleague"]).level == 1  # the lowest of its links


def _refused(scene, actor, who=None, **fields) -> ApplicationError:
    before = ContactLink.objects.count()
    with pytest.raises(ApplicationError) as caught:
        add(scene, actor, who, **fields)
    assert ContactLink.objects.count() == before  # nothing written
    return caught.value


def test_no_f2_where_tracing_stops_at_f1(scene, kim_tan_official, settings):
    settings.TRACING_MAX_LEVEL = 1
    refused = _refused(scene, kim_tan_official)
    assert (refused.code, refused.status) == ("f2_not_traced", 409)
    assert services.contact_f2_refusal(contact=scene["f1"]).code == "f2_not_traced"


def test_an_f2_names_no_f2_of_its_own(scene, kim_tan_official):
    [added], _ = add(scene, kim_tan_official)
    refused = _refused(scene, kim_tan_official, scene["neighbour"], f1=added.contact, nonce="f3-interview-1")
    assert (refused.code, refused.status, refused.extra) == ("contact_not_f1", 409, {"level": 2})
    assert "F2, không phải F1" in refused.vi and "is an F2, not an F1" in refused.en


@pytest.mark.parametrize(
    "close, status, told_vi, told_en",
    [
        ("dismissed", "dismissed", "lý do: Không có mặt", "reason: Không có mặt"),
        ("released", "released", "đã kết thúc cách ly", "was released from quarantine"),
        ("case", "became_case", "đã trở thành ca bệnh (F0)", "became a case (F0)"),
        ("withdrawn", "case_withdrawn", "Không còn bằng chứng", "No standing evidence"),
    ],
)
def test_a_closed_f1_names_no_f2_and_the_refusal_says_why(scene, kim_tan_official, close, status, told_vi, told_en):
    f1 = scene["f1"]
    if close == "dismissed":
        services.contact_status_set(actor=kim_tan_official, contact=f1, status="dismissed", reason="Không có mặt")
    elif close == "released":
        services.contact_status_set(actor=kim_tan_official, contact=f1, status="quarantined")
        released = Contact.objects.get(pk=f1.pk)
        services.contact_status_set(actor=kim_tan_official, contact=released, status="released", reason="Về sớm")
    elif close == "case":
        case(kim_tan_official, f1.person)
    else:
        services.case_withdraw(actor=kim_tan_official, case=scene["case"], reason="RT-PCR âm tính")
    f1 = Contact.objects.get(pk=f1.pk)
    assert f1.status == status

    refused = _refused(scene, kim_tan_official, f1=f1)

    assert (refused.code, refused.status, refused.extra) == ("contact_f1_closed", 409, {"status": status})
    assert told_vi in refused.vi and told_en in refused.en
    assert services.contact_f2_refusal(contact=f1).code == "contact_f1_closed"


def test_an_f1_in_quarantine_whose_case_was_withdrawn_names_no_f2(scene, kim_tan_official):
    services.contact_status_set(actor=kim_tan_official, contact=scene["f1"], status="quarantined")
    services.case_withdraw(actor=kim_tan_official, case=scene["case"], reason="RT-PCR âm tính")
    f1 = Contact.objects.get(pk=scene["f1"].pk)
    assert f1.status == Contact.Status.QUARANTINED  # ending a quarantine is an official's decision

    assert _refused(scene, kim_tan_official, f1=f1).code == "contact_no_standing_case"


@pytest.mark.parametrize("who, reason", [("f1", "itself"), ("case", "case")])
def test_the_f1_itself_or_its_case_is_not_its_f2(scene, kim_tan_official, who, reason):
    named = scene["f1"].person if who == "f1" else scene["case"].person
    refused = _refused(scene, kim_tan_official, named)
    assert (refused.code, refused.extra["field"], refused.extra["reason"]) == ("invalid_contact", "person", reason)
    if who == "case":
        assert scene["case"].number in refused.vi and scene["case"].number in refused.en


def test_an_f1_of_the_case_already_is_not_made_its_f2(scene, kim_tan_official):
    link(scene["colleague"], scene["case"])
    refused = _refused(scene, kim_tan_official)
    assert refused.extra == {"field": "person", "reason": "already_f1", "cases": [scene["case"].number]}


def test_a_meeting_before_the_f1s_own_first_exposure_is_refused(scene, kim_tan_official):
    now = scene["now"]
    first = timezone.localtime(scene["f1"].first_exposure_at)
    shown = first.strftime("%d/%m/%Y %H:%M")
    for times in (
        {"exposure_start": now - 45 * HOUR, "exposure_end": now - 40 * HOUR},  # ends as the F1 was exposed
        {"exposure_start": now - 41 * HOUR, "exposure_end": None},
    ):
        refused = _refused(scene, kim_tan_official, **times)
        assert refused.code == "invalid_contact" and refused.extra["f1_first_exposure"] == first.isoformat()
        assert shown in refused.vi and shown in refused.en
    # A meeting that went on past the F1's first exposure is one.
    assert add(scene, kim_tan_official, exposure_start=now - 41 * HOUR, exposure_end=now - 39 * HOUR)[1]


def test_a_meeting_after_the_f1s_quarantine_began_is_refused_its_first_day_counts(scene, kim_tan_official):
    """QĐ 3638: an F2 met the F1 until the F1 was isolated. The start's hour is not recorded: its whole day counts,
    as for the check-in tracer."""
    started = timezone.localdate() - dt.timedelta(days=1)
    services.contact_status_set(
        actor=kim_tan_official, contact=scene["f1"], status="quarantined", quarantine_start=started
    )
    f1 = Contact.objects.get(pk=scene["f1"].pk)
    day_after = local_midnight(started + dt.timedelta(days=1))

    refused = _refused(scene, kim_tan_official, f1=f1, exposure_start=day_after, exposure_end=None)
    assert refused.extra == {"field": "exposure_start", "quarantine_start": started.isoformat()}
    assert started.strftime("%d/%m/%Y") in refused.vi and "quarantine began" in refused.en
    only_end = _refused(
        scene, kim_tan_official, f1=f1, exposure_start=None, exposure_end=day_after + dt.timedelta(seconds=1)
    )
    assert only_end.extra["field"] == "exposure_end"

    last_minute = day_after - dt.timedelta(minutes=1)
    assert add(scene, kim_tan_official, f1=f1, exposure_start=last_minute, exposure_end=None)[1]


@pytest.mark.parametrize(
    "times, field",
    [
        ({"exposure_start": timezone.now() + dt.timedelta(days=1), "exposure_end": None}, "exposure_start"),
        ({"exposure_start": None, "exposure_end": timezone.now() + dt.timedelta(days=1)}, "exposure_end"),
        ({"exposure_start": timezone.now() - 20 * HOUR, "exposure_end": timezone.now() - 21 * HOUR}, "exposure_end"),
        ({"setting": "cell"}, "setting"),
        ({"nonce": "short"}, "nonce"),
    ],
)
def test_an_answer_out_of_shape_is_refused_as_for_the_cases_interview(scene, kim_tan_official, times, field):
    refused = _refused(scene, kim_tan_official, **times)
    assert (refused.code, refused.extra["field"]) == ("invalid_contact", field)


def test_a_meeting_without_times_is_an_f2_of_every_case_of_the_f1(scene, kim_tan_official):
    links, created = add(scene, kim_tan_official, exposure_start=None, exposure_end=None)
    assert created and links[0].overlap_minutes is None and links[0].exposure_start is None


# --- Where the new F2 shows, as a tracer's F2 does --------------------------------------------------------------


def test_the_new_f2_is_on_the_case_page_the_graph_the_counts_and_the_work_list(client, tree, scene, kim_tan_official):
    cluster = services.cluster_create(actor=kim_tan_official, name="Ổ dịch Kim Tân", area_path=tree["kim_tan"].path)
    services.case_update(actor=kim_tan_official, case=scene["case"], cluster=cluster)
    [added], _ = add(scene, kim_tan_official)
    f2 = added.contact
    client.force_login(kim_tan_official)

    page = client.get(f"/cases/{scene['case'].pk}/").content.decode()
    level_two = page.split('id="contacts-form-f2"', 1)[1].split("</form>", 1)[0]
    assert "Lê Thị Đồng Nghiệp" in level_two and "Cao Thị Vợ" in level_two  # "via F1 Cao Thị Vợ"

    graph = cluster_graph(viewer=kim_tan_official, cluster=cluster)
    edges = {(edge["data"]["source"], edge["data"]["target"]) for edge in graph["edges"]}
    assert (f"contact-{scene['f1'].pk}", f"contact-{f2.pk}") in edges
    assert (f"case-{scene['case'].pk}", f"contact-{scene['f1'].pk}") in edges

    [row] = [row for row in area_counts_by_commune(viewer=kim_tan_official) if row.area == tree["kim_tan"]]
    assert (row.f1, row.f2) == (1, 1)

    worklist = client.get("/cases/worklist/").content.decode()
    row_html = worklist.split("Lê Thị Đồng Nghiệp", 1)[1].split("</tr>", 1)[0]
    number = scene["case"].number
    assert re.search(rf"{number}</span> <span class=\"case-mark\"><span class=\"level level-2\"", row_html)
    api_rows = client.get("/api/v1/contacts/worklist/", {"level": 2}).json()["results"]
    assert [(r["id"], r["cases"]) for r in api_rows] == [(f2.pk, [scene["case"].number])]


# --- The F1's page -------------------------------------------------------------------------------------------------


def _form_post(client, scene, prefix="", **fields):
    body = {"nonce": "f2-form-nonce-1", "setting": "workplace", "iq": "le thi", **fields}
    return client.post(f"{prefix}/cases/contacts/{scene['f1'].pk}/interview/", body)


@pytest.mark.parametrize(
    "prefix, heading, button",
    [("", "Thêm người tiếp xúc của F1 này (F2)", "Thêm là F2"), ("/en", "Add a contact of this F1 (F2)", "Add as F2")],
)
def test_the_f1_page_offers_the_f2_form_with_the_person_search(
    client, scene, district_official, prefix, heading, button
):
    client.force_login(district_official)
    html = client.get(f"{prefix}/cases/contacts/{scene['f1'].pk}/", {"iq": "le"}).content.decode()
    section = html.split('id="interview"', 1)[1]
    assert heading in section and button in section
    assert f'action="{prefix}/cases/contacts/{scene["f1"].pk}/#interview"' in section
    assert "Lê Thị Đồng Nghiệp (1990)" in section and "Xã Thạch Lâm" in section  # the district's other commune
    assert "Lê Văn Hà Nội" not in section  # outside the official's area
    assert 'name="nonce"' in section


def test_the_form_adds_one_f2_even_when_sent_twice(client, scene, kim_tan_official):
    client.force_login(kim_tan_official)
    first = _form_post(client, scene, person=scene["colleague"].pk, place="Xưởng may")
    second = _form_post(client, scene, person=scene["colleague"].pk, place="Xưởng may")

    assert first.status_code == second.status_code == 302
    assert first["Location"] == f"/cases/contacts/{scene['f1'].pk}/#messages"
    assert ContactLink.objects.filter(level=2, contact__person=scene["colleague"]).count() == 1
    page = client.get(first["Location"]).content.decode()
    assert f"Đã thêm Lê Thị Đồng Nghiệp là F2 của {scene['case'].number}." in page


def test_the_form_takes_a_new_person_of_the_area(client, tree, scene, kim_tan_official):
    client.force_login(kim_tan_official)
    response = _form_post(
        client, scene, **{"new-full_name": "Trần Văn Mới", "new-address_area": tree["kim_tan"].pk, "new-phone": ""}
    )
    assert response.status_code == 302
    added = ContactLink.objects.get(level=2)
    assert added.contact.person.full_name == "Trần Văn Mới" and added.via_id == scene["f1"].pk


@pytest.mark.parametrize(
    "prefix, told",
    [
        ("", "Thời điểm tiếp xúc trước lần tiếp xúc đầu tiên của F1 với ca bệnh ({first})"),
        ("/en", "The exposure is before the F1&#x27;s own first exposure to the case ({first})"),
    ],
)
def test_a_refusal_comes_back_on_the_form_in_the_pages_language(client, tree, scene, kim_tan_official, prefix, told):
    client.force_login(kim_tan_official)
    met = timezone.localtime(scene["now"] - 45 * HOUR).strftime("%Y-%m-%dT%H:%M")
    first = timezone.localtime(scene["f1"].first_exposure_at).strftime("%d/%m/%Y %H:%M")
    response = _form_post(client, scene, prefix, person=scene["colleague"].pk, exposure_start=met)
    html = response.content.decode()
    assert response.status_code == 400
    assert told.format(first=first) in html
    assert f'name="person" value="{scene["colleague"].pk}" checked' in html and 'name="iq" value="le thi"' in html
    # A new person typed with a refused answer is not kept either.
    refused = _form_post(
        client,
        scene,
        prefix,
        exposure_start=met,
        nonce="f2-form-nonce-2",
        **{"new-full_name": "Trần Văn Mới", "new-address_area": tree["kim_tan"].pk},
    )
    assert refused.status_code == 400 and 'value="Trần Văn Mới"' in refused.content.decode()
    assert not ContactLink.objects.filter(level=2).exists()
    assert not Person.objects.filter(full_name="Trần Văn Mới").exists()


@pytest.mark.parametrize(
    "prefix, told", [("", "đã bị loại khỏi danh sách tiếp xúc"), ("/en", "was dismissed as a contact")]
)
def test_the_page_of_a_closed_f1_says_why_instead_of_the_form(client, scene, kim_tan_official, prefix, told):
    services.contact_status_set(actor=kim_tan_official, contact=scene["f1"], status="dismissed", reason="Nhầm người")
    client.force_login(kim_tan_official)
    html = client.get(f"{prefix}/cases/contacts/{scene['f1'].pk}/").content.decode()
    section = html.split('id="interview"', 1)[1]
    assert 'id="f2-refused"' in section and told in section and "Nhầm người" in section
    assert "interview-form" not in section
    response = _form_post(client, scene, prefix, person=scene["colleague"].pk)  # a page opened before
    assert response.status_code == 409 and told in response.content.decode()


def test_the_page_of_an_f2_says_it_is_not_an_f1(client, scene, kim_tan_official):
    [added], _ = add(scene, kim_tan_official)
    client.force_login(kim_tan_official)
    html = client.get(f"/cases/contacts/{added.contact_id}/").content.decode()
    assert "Người này là F2, không phải F1" in html and "interview-form" not in html


# --- Scoping --------------------------------------------------------------------------------------------------------


def test_an_official_of_another_commune_cannot_see_or_use_the_f1(client, scene, thach_lam_official):
    client.force_login(thach_lam_official)
    assert client.get(f"/cases/contacts/{scene['f1'].pk}/").status_code == 404
    assert _form_post(client, scene, person=scene["neighbour"].pk).status_code == 404
    body = {"person": scene["neighbour"].pk, "setting": "household", "nonce": "f2-api-nonce-1"}
    assert api_post(client, f"/api/v1/contacts/{scene['f1'].pk}/contacts/", body).status_code == 404
    assert not ContactLink.objects.filter(level=2).exists()


def test_the_person_may_live_in_another_commune_of_the_officials_area_not_outside_it(client, scene, district_official):
    """As for the case's interview: anyone the official sees (a district's official, any of its communes), 404 for
    anyone else, so that an id tells nothing."""
    client.force_login(district_official)
    assert _form_post(client, scene, person=scene["neighbour"].pk).status_code == 302
    outside = _form_post(client, scene, person=scene["far"].pk, nonce="f2-form-nonce-3")
    assert outside.status_code == 404
    body = {"person": scene["far"].pk, "setting": "household", "nonce": "f2-api-nonce-2"}
    assert api_post(client, f"/api/v1/contacts/{scene['f1'].pk}/contacts/", body).json()["code"] == "not_found"
    assert list(ContactLink.objects.filter(level=2).values_list("contact__person", flat=True)) == [
        scene["neighbour"].pk
    ]


# --- The API -------------------------------------------------------------------------------------------------------


def test_the_api_adds_the_f2_once_per_nonce(client, scene, kim_tan_official):
    client.force_login(kim_tan_official)
    url = f"/api/v1/contacts/{scene['f1'].pk}/contacts/"
    body = {
        "person": scene["colleague"].pk,
        "setting": "transport",
        "place": "Xe khách 36B",
        "exposure_start": (scene["now"] - 30 * HOUR).isoformat(),
        "nonce": "f2-api-nonce-3",
    }
    first = api_post(client, url, body)
    second = api_post(client, url, body)

    assert (first.status_code, second.status_code) == (201, 200)
    answer = first.json()
    contact = Contact.objects.get(person=scene["colleague"])
    assert (answer["contact"], answer["level"], answer["status"]) == (contact.pk, 2, "candidate")
    [added] = answer["links"]
    assert (added["case"], added["level"], added["via_contact"], added["source"], added["place"]) == (
        scene["case"].number,
        2,
        scene["f1"].pk,
        "interview",
        "Xe khách 36B",
    )
    assert second.json()["links"][0]["id"] == added["id"]


def test_the_api_takes_the_idempotency_key_as_the_nonce(client, tree, scene, kim_tan_official):
    client.force_login(kim_tan_official)
    url, key = f"/api/v1/contacts/{scene['f1'].pk}/contacts/", {"HTTP_IDEMPOTENCY_KEY": "f2-key-0001"}
    body = {"person": scene["colleague"].pk, "setting": "household"}
    first = api_post(client, url, body, **key)
    second = api_post(client, url, body, **key)
    assert (first.status_code, second.status_code, second["Idempotent-Replayed"]) == (201, 201, "true")
    assert second.json() == first.json()
    assert ContactLink.objects.get(level=2).evidence_key == "interview:f2-key-0001"
    other = api_post(client, url, {**body, "setting": "other"}, **key)
    assert (other.status_code, other.json()["code"]) == (422, "idempotency_key_reused")
    # No nonce and no key: the same meeting again, answered with the link already there (test_the_api_nonce_…).
    assert api_post(client, url, body).status_code == 200 and ContactLink.objects.filter(level=2).count() == 1
    # The repeat reads the F1 again, audited, and within the official's area only (the store keeps ids).
    viewed = AuditLog.objects.filter(action="cases.contact.viewed", object_id=str(scene["f1"].pk)).count()
    assert api_post(client, url, body, **key).status_code == 201
    assert AuditLog.objects.filter(action="cases.contact.viewed", object_id=str(scene["f1"].pk)).count() == viewed + 1
    Official.objects.filter(user=kim_tan_official).update(area=tree["thach_lam"])
    assert api_post(client, url, body, **key).status_code == 404


def test_the_api_nonce_is_optional_as_documented_and_a_bad_one_gets_an_api_message(client, scene, kim_tan_official):
    """docs/api.md marks `nonce?` optional: until 2026-12-07 a call with neither it nor an Idempotency-Key was refused
    with the web form's "reload the page". The same meeting sent again without one is still recorded once."""
    client.force_login(kim_tan_official)
    url = f"/api/v1/contacts/{scene['f1'].pk}/contacts/"
    body = {"person": scene["colleague"].pk, "setting": "workplace", "exposure_start": _iso(scene, 30)}
    first = api_post(client, url, body)
    again = api_post(client, url, body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["links"] == first.json()["links"]
    assert ContactLink.objects.filter(level=2).count() == 1
    # Any valid Idempotency-Key keys the evidence, even one shorter than a form's nonce.
    short = api_post(client, url, {**body, "setting": "other"}, HTTP_IDEMPOTENCY_KEY="k-1")
    assert short.status_code == 201
    assert api_post(client, url, {**body, "setting": "other"}, HTTP_IDEMPOTENCY_KEY="k-1").json() == short.json()
    # A nonce out of shape in the body: the API's words, never the page's "reload the page".
    for nonce in ("short", "x" * 101, "        "):
        refused = api_post(client, url, {**body, "setting": "household", "nonce": nonce}, HTTP_ACCEPT_LANGUAGE="en")
        answer = refused.json()
        assert refused.status_code == 400 and "nonce" in answer["extra"]["fields"], nonce
        assert "reload" not in str(answer) and "tải lại trang" not in str(answer)
    assert ContactLink.objects.filter(level=2).count() == 2
    # The case's own interview API the same.
    case_url = f"/api/v1/cases/{scene['case'].pk}/contacts/"
    husband = {"person": person(scene["case"].person.address_area, "Cao Văn Chồng").pk, "setting": "household"}
    assert [api_post(client, case_url, husband).status_code for _ in range(2)] == [201, 200]


def _iso(scene, hours_ago: int) -> str:
    return (scene["now"] - hours_ago * HOUR).isoformat()


def test_the_api_refusals_are_in_the_clients_language(client, tree, scene, kim_tan_official):
    [added], _ = add(scene, kim_tan_official)
    client.force_login(kim_tan_official)
    child = person(tree["kim_tan"], "Lê Văn Con")
    body = {"person": child.pk, "setting": "household", "nonce": "f3-api-nonce-1"}
    url = f"/api/v1/contacts/{added.contact_id}/contacts/"
    english = api_post(client, url, body, HTTP_ACCEPT_LANGUAGE="en").json()
    assert (english["code"], english["message"]) == (
        "contact_not_f1",
        "This contact is an F2, not an F1: an F2 is added only from an F1's interview.",
    )
    assert api_post(client, url, body).json()["message"] == english["message_vi"]
    assert not ContactLink.objects.filter(contact__person=child).exists()


def test_the_endpoint_is_in_the_schema_with_its_errors(tmp_path):
    call_command("spectacular", "--file", str(tmp_path / "schema.yaml"))
    schema = yaml.safe_load((tmp_path / "schema.yaml").read_text())
    operation = schema["paths"]["/api/v1/contacts/{contact_id}/contacts/"]["post"]
    assert operation["operationId"] == "contacts_contacts_add"
    assert {"200", "201", "400", "404", "409", "422"} <= set(operation["responses"])
    assert "Idempotency-Key" in {parameter["name"] for parameter in operation["parameters"]}
    for code in ("f2_not_traced", "contact_not_f1", "contact_f1_closed", "invalid_contact"):
        assert code in operation["description"]
    created = operation["responses"]["201"]["content"]["application/json"]["schema"]["$ref"]
    assert created.endswith("/ContactF2AddedOutput")


# --- What a refusal read stays audited; the F2 period opens with the case's window ---------------------------------


def test_api_f2_refusal_keeps_the_audit_of_the_person_it_read(client, tree, kim_tan_official):
    """The person (an F1 of the same case already) is read with person_get inside the transaction the refusal rolls
    back: the answer names what they are (`already_f1`, the case number), and no `people.person.viewed` is left."""
    now = timezone.now()
    the_case = case(kim_tan_official, person(tree["kim_tan"], "Cao Văn Nguồn"))
    f1 = services.contact_interview_add(
        actor=kim_tan_official,
        case=the_case,
        person=person(tree["kim_tan"], "Cao Thị Vợ"),
        setting="household",
        nonce="f1-interview-1",
        exposure_start=now - 40 * HOUR,
        exposure_end=now - 39 * HOUR,
    )[0].contact
    son = person(tree["kim_tan"], "Cao Văn Con")
    services.contact_interview_add(
        actor=kim_tan_official,
        case=the_case,
        person=son,
        setting="household",
        nonce="f1-interview-2",
        exposure_start=now - 40 * HOUR,
        exposure_end=now - 39 * HOUR,
    )
    client.force_login(kim_tan_official)
    AuditLog.objects.all().delete()
    answer = client.post(
        f"/api/v1/contacts/{f1.pk}/contacts/",
        {
            "person": son.pk,
            "setting": "household",
            "exposure_start": (now - 30 * HOUR).isoformat(),
            "nonce": "f2-interview-x",
        },
        content_type="application/json",
    )
    assert answer.status_code == 400 and answer.json()["extra"]["reason"] == "already_f1"
    assert the_case.number in answer.json()["message"]
    assert AuditLog.objects.filter(
        action="people.person.viewed", object_id=str(son.pk), actor=kim_tan_official
    ).exists()


def test_page_f2_refusal_keeps_the_audit_of_the_person_it_read(client, tree, kim_tan_official):
    now = timezone.now()
    the_case = case(kim_tan_official, person(tree["kim_tan"], "Cao Văn Nguồn"))
    f1 = services.contact_interview_add(
        actor=kim_tan_official,
        case=the_case,
        person=person(tree["kim_tan"], "Cao Thị Vợ"),
        setting="household",
        nonce="f1-interview-1",
        exposure_start=now - 40 * HOUR,
        exposure_end=now - 39 * HOUR,
    )[0].contact
    client.force_login(kim_tan_official)
    AuditLog.objects.all().delete()
    answer = client.post(
        f"/cases/contacts/{f1.pk}/interview/",
        {
            "person": the_case.person_id,  # the case itself: refused with the case's number
            "setting": "household",
            "exposure_start": timezone.localtime(now - 30 * HOUR).strftime("%Y-%m-%dT%H:%M"),
            "nonce": "f2-interview-y",
        },
    )
    assert answer.status_code == 400 and the_case.number in answer.content.decode()  # "Người này là ca bệnh BN-…"
    assert AuditLog.objects.filter(
        action="people.person.viewed", object_id=str(the_case.person_id), actor=kim_tan_official
    ).exists()


def test_an_f2_met_before_the_cases_infectious_window_is_refused(client, tree, kim_tan_official):
    """RULES.md §1.2: F2 is a contact of the F1 "from when the F1 could have been infected by the F0". The F1's
    interview link began two days before the case's window opened (the case interview accepts it: it ends inside
    the window); the F1's first exposure (`_f1_evidence`) is then taken from that start, not from the window, and a
    meeting of the F1 the day before the case was infectious is added as F2."""
    the_case = case(kim_tan_official, person(tree["kim_tan"], "Cao Văn Nguồn"))
    opens = the_case.window_start
    f1 = services.contact_interview_add(
        actor=kim_tan_official,
        case=the_case,
        person=person(tree["kim_tan"], "Cao Thị Vợ"),
        setting="household",
        nonce="f1-interview-1",
        exposure_start=opens - 48 * HOUR,  # living together: from before the window into it
        exposure_end=opens + HOUR,
    )[0].contact
    client.force_login(kim_tan_official)
    answer = client.post(
        f"/api/v1/contacts/{f1.pk}/contacts/",
        {
            "person": person(tree["kim_tan"], "Bạn Cũ").pk,
            "setting": "other",
            "exposure_start": (opens - 24 * HOUR).isoformat(),
            "exposure_end": (opens - 23 * HOUR).isoformat(),
            "nonce": "f2-before-window",
        },
        content_type="application/json",
    )
    assert answer.status_code == 400, answer.json()
    assert "f1_first_exposure" in answer.json()["extra"]


def test_api_f2_refused_with_an_idempotency_key_keeps_the_audit_of_the_f1_it_showed(client, tree, kim_tan_official):
    """core.api.idempotent runs the whole view in one transaction and a refusal (ApplicationError) leaves it: the
    F1's read (contact_get, `cases.contact.viewed`) goes with it, though the 409 hands out the F1's dismissal reason.
    Without the header the same refusal keeps the audit (contact_get runs outside any transaction)."""
    the_case = case(kim_tan_official, person(tree["kim_tan"], "Cao Văn Nguồn"))
    f1 = link(person(tree["kim_tan"], "Cao Thị Vợ"), the_case)[0].contact
    services.contact_status_set(actor=kim_tan_official, contact=f1, status="dismissed", reason="ở Hà Nội cả tuần")
    client.force_login(kim_tan_official)
    AuditLog.objects.all().delete()
    body = {"person": person(tree["kim_tan"], "Bạn").pk, "setting": "other", "nonce": "f2-after-dismissal"}
    answer = client.post(
        f"/api/v1/contacts/{f1.pk}/contacts/",
        body,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="key-f2-dismissed-1",
    )
    assert answer.status_code == 409 and "ở Hà Nội cả tuần" in answer.json()["message"]
    assert AuditLog.objects.filter(action="cases.contact.viewed", object_id=str(f1.pk)).exists()
