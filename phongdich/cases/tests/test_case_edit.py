"""Editing a case (services.case_update: the case page's "Sửa thông tin ca bệnh" form and PATCH /cases/<id>/), as the
walk-through of 2026-12-07 found it: a corrected window left the contacts traced under the old one; the form showed
an internal number field, "Cluster move from"; an isolation long after the sample was taken as typed (docs/cases.md,
"The infectious window")."""

import datetime as dt
import json
import re

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from phongdich.core.models import AuditLog

from .. import errors, services
from ..models import Case, Contact, ContactLink
from ..tracing import case_trace_checkins
from .builders import case, checkin, local, person, venue

TODAY = timezone.localdate


@pytest.fixture
def tracing(settings):
    settings.TRACING_MIN_OVERLAP_MINUTES = None
    settings.TRACING_OPEN_CHECKIN_BUFFER_MINUTES = {}
    settings.TRACING_MAX_LEVEL = 2
    settings.EXPOSURE_NOTICES_AUTO_PUBLISH = True


@pytest.fixture
def market(tree, kim_tan_official, tracing):
    """A case positive today with symptoms since yesterday (window from day -3, CV 1909's 2 days before onset), at
    the market on day -3, where `met` was too, and on day -1, where `still` was; `named` met on day -3 too, named in
    the interview. Not traced yet."""
    kim_tan = tree["kim_tan"]
    place = venue(kim_tan, "Chợ Kim Tân")
    source = person(kim_tan, "Nguồn Chợ")
    met, still, named = person(kim_tan, "Gặp Ở Chợ"), person(kim_tan, "Gặp Hôm Qua"), person(kim_tan, "Khai Báo")
    early, late = TODAY() - dt.timedelta(days=3), TODAY() - dt.timedelta(days=1)
    checkin(source, place, local(early, 9))
    checkin(met, place, local(early, 9, 10))
    checkin(source, place, local(late, 9))
    checkin(still, place, local(late, 9, 10))
    entered = case(kim_tan_official, source, days_ago=0, onset_days_ago=1)
    services.contact_interview_add(
        actor=kim_tan_official,
        case=entered,
        person=named,
        setting="household",
        nonce="edit-named-0001",
        exposure_start=local(early, 19),
        exposure_end=local(early, 21),
    )
    return {"case": entered, "met": met, "still": still, "named": named}


def _edit_body(entered: Case, **changes) -> dict:
    body = {"case_form": "edit", "sample_date": str(entered.sample_date), "test_type": entered.test_type}
    if entered.onset_date:
        body["onset_date"] = str(entered.onset_date)
    return {**body, **changes}


def _told(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- A corrected window: traced again when it was traced before ----------------------------------------------------


def test_an_edit_that_moves_the_window_of_a_traced_case_traces_it_again_and_says_what_it_did(
    client, market, kim_tan_official
):
    """The walk-through: onset corrected, window recomputed, but the F1 of the old window's first day stayed on the
    work list, "Truy vết … lần cuối" did not change and the page said only "Đã cập nhật ca bệnh."."""
    entered = market["case"]
    case_trace_checkins(case=entered, actor=kim_tan_official, now=timezone.now() - dt.timedelta(hours=1))
    traced_at = Case.objects.get(pk=entered.pk).traced_at
    assert Contact.objects.get(person=market["met"]).status == Contact.Status.CANDIDATE
    client.force_login(kim_tan_official)

    response = client.post(f"/cases/{entered.pk}/", _edit_body(entered, onset_date=str(TODAY())))

    assert response.status_code == 302
    after = Case.objects.get(pk=entered.pk)
    assert after.window_start == timezone.make_aware(dt.datetime.combine(TODAY() - dt.timedelta(days=2), dt.time()))
    assert after.traced_at > traced_at
    assert Contact.objects.get(person=market["met"]).status == Contact.Status.CASE_WITHDRAWN  # off the work list
    assert Contact.objects.get(person=market["still"]).status == Contact.Status.CANDIDATE
    # The interview's evidence is not the check-ins' to drop: it stays for the investigator to check.
    assert ContactLink.objects.filter(contact__person=market["named"], case=entered, source="interview").exists()
    (told,) = _told(response)
    assert told.startswith("Đã cập nhật ca bệnh. Thời kỳ lây truyền đã thay đổi nên ca bệnh được truy vết lại")
    assert "1 F1 và 0 F2; 0 căn cứ mới, 1 căn cứ mà dữ liệu quét mã không còn cho thấy đã bị gỡ" in told
    assert "(1 người tiếp xúc không còn căn cứ nào đã được đóng)" in told
    assert "1 nằm ngoài thời kỳ đã bị xoá" in told and "điều tra dịch tễ và dữ liệu nhà mạng giữ nguyên" in told
    entry = AuditLog.objects.filter(action="cases.case.updated").latest("pk")
    assert entry.extra["fields"] == ["onset_date"] and entry.extra["traced_again"] is True
    assert AuditLog.objects.filter(action="case.trace_checkins", object_id=str(entered.pk)).count() == 2


def test_the_message_is_in_english_on_the_english_page(client, market, kim_tan_official):
    entered = market["case"]
    case_trace_checkins(case=entered, actor=kim_tan_official)
    client.force_login(kim_tan_official)
    response = client.post(f"/en/cases/{entered.pk}/", _edit_body(entered, onset_date=str(TODAY())))
    (told,) = _told(response)
    assert told.startswith("The case was updated. Its infectious window changed, so it was traced again from check-ins")
    assert "1 F1 and 0 F2; 0 new pieces of evidence, 1 that the check-ins no longer give removed" in told


def test_an_edit_that_leaves_the_window_traces_nothing(client, market, kim_tan_official):
    entered = market["case"]
    case_trace_checkins(case=entered, actor=kim_tan_official)
    traced_at = Case.objects.get(pk=entered.pk).traced_at
    client.force_login(kim_tan_official)

    response = client.post(f"/cases/{entered.pk}/", _edit_body(entered, notes="Bán rau ở chợ"))

    assert response.status_code == 302 and _told(response) == ["Đã cập nhật ca bệnh."]
    assert Case.objects.get(pk=entered.pk).traced_at == traced_at
    assert AuditLog.objects.filter(action="case.trace_checkins").count() == 1


def test_the_isolation_time_sent_as_the_form_shows_it_is_no_change(client, market, kim_tan_official):
    """The form shows the isolation time to the minute; sent back as shown, it is not a new time (a case entered
    without one is isolated at the second it was entered): saving the notes does not move the window."""
    entered = market["case"]
    case_trace_checkins(case=entered, actor=kim_tan_official)
    client.force_login(kim_tan_official)
    html = client.get(f"/cases/{entered.pk}/").content.decode()
    shown = re.search(r'name="isolated_at" value="([^"]+)"', html).group(1)
    assert entered.isolated_at.second or entered.isolated_at.microsecond  # entered now, to the microsecond

    response = client.post(f"/cases/{entered.pk}/", _edit_body(entered, isolated_at=shown, notes="Bán rau"))

    assert response.status_code == 302 and _told(response) == ["Đã cập nhật ca bệnh."]
    assert Case.objects.get(pk=entered.pk).isolated_at == entered.isolated_at
    assert AuditLog.objects.filter(action="cases.case.updated").latest("pk").extra == {"fields": ["notes"]}


def test_a_case_never_traced_is_not_traced_by_an_edit(market, kim_tan_official):
    entered = services.case_update(actor=kim_tan_official, case=market["case"], onset_date=TODAY())
    assert entered.traced_again is None and Case.objects.get(pk=entered.pk).traced_at is None
    assert not ContactLink.objects.filter(case=entered, source="checkin").exists()


def test_the_api_answers_what_tracing_again_did_and_a_repeat_keeps_it(client, market, kim_tan_official):
    entered = market["case"]
    case_trace_checkins(case=entered, actor=kim_tan_official)
    client.force_login(kim_tan_official)
    url = f"/api/v1/cases/{entered.pk}/"

    def patch(body, key):
        return client.patch(url, json.dumps(body), content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)

    response = patch({"onset_date": str(TODAY())}, "edit-onset-0001")

    assert response.status_code == 200, response.json()
    again = response.json()["traced_again"]
    assert again == {
        "contacts_found": 1,
        "links_added": 0,
        "links_removed": 1,
        "contacts_closed": 1,
        "notices_added": 0,
        "notices_removed": 1,
    }
    traced_at = Case.objects.get(pk=entered.pk).traced_at
    repeat = patch({"onset_date": str(TODAY())}, "edit-onset-0001")
    assert repeat["Idempotent-Replayed"] == "true" and repeat.json() == response.json()
    assert Case.objects.get(pk=entered.pk).traced_at == traced_at  # the repeat traced nothing
    notes = patch({"notes": "Bán rau"}, "edit-notes-0001")
    assert notes.status_code == 200 and notes.json()["traced_again"] is None


# --- The cluster move's confirmation: hidden, and refused in words when it is not an id -------------------------


@pytest.fixture
def in_cluster(tree, kim_tan_official):
    cluster = services.cluster_create(actor=kim_tan_official, name="Ổ dịch Chợ", area_path=tree["kim_tan"].path)
    return case(kim_tan_official, person(tree["kim_tan"], "Trong Ổ Dịch"), cluster=cluster)


def test_the_edit_form_shows_no_cluster_move_field_only_its_tick(client, in_cluster, kim_tan_official):
    client.force_login(kim_tan_official)
    html = client.get(f"/cases/{in_cluster.pk}/").content.decode()
    edit = html.split('<details class="card" id="edit"', 1)[1].split("</details>", 1)[0]
    inputs = re.findall(r'<input[^>]*name="cluster_move_from"[^>]*>', edit)
    assert inputs == [f'<input type="checkbox" name="cluster_move_from" value="{in_cluster.cluster_id}">']
    assert "Cluster move from" not in edit and "cluster move" not in edit.lower()


@pytest.mark.parametrize(
    "prefix, told", [("", "Không đọc được xác nhận chuyển ca bệnh"), ("/en", "was not understood")]
)
def test_a_tampered_cluster_move_is_refused_in_words(client, in_cluster, kim_tan_official, prefix, told):
    client.force_login(kim_tan_official)
    body = _edit_body(in_cluster, notes="Sửa", cluster=str(in_cluster.cluster_id), cluster_move_from="abc")

    response = client.post(f"{prefix}/cases/{in_cluster.pk}/", body)

    html = response.content.decode()
    assert response.status_code == 400 and told in html
    assert "Nhập một số tổng thể" not in html and "Enter a whole number" not in html
    assert Case.objects.get(pk=in_cluster.pk).notes == ""


def test_the_tick_still_moves_the_case(client, tree, in_cluster, kim_tan_official):
    new = services.cluster_create(actor=kim_tan_official, name="Ổ dịch Xưởng", area_path=tree["kim_tan"].path)
    client.force_login(kim_tan_official)
    body = _edit_body(in_cluster, cluster=str(new.pk), cluster_move_from=str(in_cluster.cluster_id))
    assert client.post(f"/cases/{in_cluster.pk}/", body).status_code == 302
    assert Case.objects.get(pk=in_cluster.pk).cluster == new


# --- An isolation long after the sample: refused; long before it: an empty window, said in words ---------------


def _api(client, method, url, body):
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


def test_an_isolation_too_long_after_the_sample_is_refused_by_the_api(client, tree, kim_tan_official, settings):
    client.force_login(kim_tan_official)
    sample = TODAY() - dt.timedelta(days=40)
    body = {"person": person(tree["kim_tan"]).pk, "sample_date": str(sample), "test_type": "pcr"}

    refused = _api(client, "post", "/api/v1/cases/", {**body, "isolated_at": f"{sample + dt.timedelta(days=31)}T09:00"})

    answer = refused.json()
    assert refused.status_code == 400 and answer["code"] == errors.CASE_ISOLATION_TOO_LATE.code
    assert answer["extra"] == {"field": "isolated_at", "max_days": 30, "sample_date": str(sample)}
    assert "quá 30 ngày" in answer["message_vi"] and "more than 30 days after" in answer["message_en"]
    assert not Case.objects.exists()
    within = f"{sample + dt.timedelta(days=30)}T09:00"
    accepted = _api(client, "post", "/api/v1/cases/", {**body, "isolated_at": within})
    assert accepted.status_code == 201, accepted.json()


def test_the_limit_is_a_setting(client, tree, kim_tan_official, settings):
    settings.CASE_ISOLATION_MAX_DAYS_AFTER_SAMPLE = 3
    client.force_login(kim_tan_official)
    sample = TODAY() - dt.timedelta(days=10)
    body = {"person": person(tree["kim_tan"]).pk, "sample_date": str(sample), "test_type": "pcr"}
    refused = _api(client, "post", "/api/v1/cases/", {**body, "isolated_at": f"{sample + dt.timedelta(days=4)}T09:00"})
    assert refused.status_code == 400 and refused.json()["extra"]["max_days"] == 3


def test_a_case_entered_late_without_an_isolation_time_is_not_refused(client, tree, kim_tan_official):
    """Isolated when entered, as before (a positive result recorded late still opens its case), and its notes can be
    edited; moving its sample date is held to the limit."""
    client.force_login(kim_tan_official)
    sample = TODAY() - dt.timedelta(days=40)
    body = {"person": person(tree["kim_tan"]).pk, "sample_date": str(sample), "test_type": "pcr"}
    entered = _api(client, "post", "/api/v1/cases/", body)
    assert entered.status_code == 201, entered.json()
    url = f"/api/v1/cases/{entered.json()['id']}/"
    assert _api(client, "patch", url, {"notes": "Nhập muộn"}).status_code == 200
    moved = _api(client, "patch", url, {"sample_date": str(sample - dt.timedelta(days=1))})
    assert moved.status_code == 400 and moved.json()["code"] == "case_isolation_too_late"


def test_a_patch_that_puts_the_isolation_too_long_after_the_sample_is_refused(client, tree, kim_tan_official):
    """The walk-through: sample 2026-09-15 and isolation 07/12/2026 gave an 85-day window."""
    entered = case(kim_tan_official, person(tree["kim_tan"]), days_ago=1, onset_days_ago=None)
    client.force_login(kim_tan_official)
    url = f"/api/v1/cases/{entered.pk}/"
    sample = TODAY() - dt.timedelta(days=45)
    isolated = f"{TODAY() - dt.timedelta(days=1)}T07:00"
    refused = _api(client, "patch", url, {"sample_date": str(sample), "isolated_at": isolated})
    assert refused.status_code == 400 and refused.json()["code"] == "case_isolation_too_late"
    assert Case.objects.get(pk=entered.pk).sample_date == entered.sample_date


def test_the_case_forms_refuse_an_isolation_too_long_after_the_sample(client, tree, kim_tan_official):
    client.force_login(kim_tan_official)
    sample = TODAY() - dt.timedelta(days=40)
    who = person(tree["kim_tan"])
    late = (sample + dt.timedelta(days=35)).strftime("%Y-%m-%dT09:00")
    body = {"person": who.pk, "sample_date": str(sample), "test_type": "pcr", "isolated_at": late}
    created = client.post("/cases/new/", body)
    assert created.status_code == 400 and "muộn hơn ngày lấy mẫu" in created.content.decode()
    assert not Case.objects.exists()

    entered = case(kim_tan_official, who, days_ago=1, onset_days_ago=None)
    edited = client.post(f"/cases/{entered.pk}/", _edit_body(entered, sample_date=str(sample), isolated_at=late))
    assert edited.status_code == 400 and "muộn hơn ngày lấy mẫu" in edited.content.decode()
    assert Case.objects.get(pk=entered.pk).sample_date == entered.sample_date


def test_an_isolation_before_the_window_began_is_said_in_words(client, tree, kim_tan_official):
    """The walk-through: sample 07/12, isolation 01/11 (an F1 in quarantine who tests positive) gave "05/12/2026
    00:00 – 05/12/2026 00:00" and nothing more."""
    sample = TODAY() - dt.timedelta(days=1)
    isolated = local(sample - dt.timedelta(days=30), 8)
    entered = case(kim_tan_official, person(tree["kim_tan"]), days_ago=1, onset_days_ago=None, isolated_at=isolated)
    assert entered.window_start == entered.window_end
    client.force_login(kim_tan_official)
    html = client.get(f"/cases/{entered.pk}/").content.decode()
    assert 'id="window-empty"' in html
    assert f"người này đã được cách ly ({isolated.strftime('%d/%m/%Y %H:%M')}) trước khi thời kỳ đó bắt đầu" in html
    assert "không có ai để truy vết" in html
    english = client.get(f"/en/cases/{entered.pk}/").content.decode()
    assert "the person was isolated" in english and "there is no one to trace" in english
    usual = case(kim_tan_official, person(tree["kim_tan"], "Bình Thường"), days_ago=1)
    assert 'id="window-empty"' not in client.get(f"/cases/{usual.pk}/").content.decode()
