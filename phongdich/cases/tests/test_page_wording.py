"""What the cases pages say, and in which language: the window rule cited by its document in the page's language,
durations in words of the page, the F1 an F2's evidence came through named when the official may see them, and
figures that count what their label says (the case list, the work list, a tracing run)."""

import datetime as dt
import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from .. import services
from ..models import Contact, TracingRun
from .builders import case, link, person, venue


def test_the_case_page_cites_the_rules_document_in_the_page_language(client, tree, kim_tan_official):
    entered = case(kim_tan_official, person(tree["kim_tan"], "Ca Một"))
    start = timezone.now() - dt.timedelta(hours=30)
    link(
        person(tree["kim_tan"], "Người Tiếp Xúc"),
        entered,
        exposure_start=start,
        exposure_end=start + dt.timedelta(minutes=67),
        overlap_minutes=67,
    )
    client.force_login(kim_tan_official)

    vietnamese = client.get(f"/cases/{entered.pk}/").content.decode()
    rule = vietnamese[vietnamese.index('id="rule-summary"') :].split("</p>")[0]
    assert "Cơ sở pháp lý: CV 1909/BYT-DP ngày 15/04/2022 của Bộ Y tế" in rule
    assert "RULES.md" not in vietnamese and "transmission period" not in vietnamese
    assert "trùng 1 giờ 07 phút" in vietnamese and not re.search(r"\d min\b", vietnamese)

    english = client.get(f"/en/cases/{entered.pk}/").content.decode()
    rule = english[english.index('id="rule-summary"') :].split("</p>")[0]
    assert "Legal basis: CV 1909/BYT-DP of the Ministry of Health, 15/04/2022" in rule and "RULES.md" not in english
    assert "overlap 1 h 07 min" in english


def test_the_api_gives_the_rule_summary_in_both_languages(client, tree, kim_tan_official):
    entered = case(kim_tan_official, person(tree["kim_tan"]))
    client.force_login(kim_tan_official)
    rule = client.get(f"/api/v1/cases/{entered.pk}/").json()["rule"]
    assert rule["summary_vi"].startswith("CV 1909/BYT-DP ngày 15/04/2022 của Bộ Y tế")
    assert rule["summary_en"].startswith("CV 1909/BYT-DP of the Ministry of Health")


def _f2_via(f1_link, the_case, area, n: int):
    for i in range(n):
        link(person(area, f"F2 Số {i}"), the_case, level=2, key=f"checkin:f2:{f1_link.pk}:{i}", via=f1_link.contact)


def test_an_f2s_evidence_names_and_links_the_f1_in_the_area_and_gives_initials_outside(client, tree, kim_tan_official):
    """Two F1 with the same name: "qua F1 BND" did not say which; one outside the area stays initials."""
    entered = case(kim_tan_official, person(tree["kim_tan"], "Ca Chợ"))
    older, _ = link(person(tree["kim_tan"], "Bùi Ngọc Dung", birth_year=1945), entered)
    younger, _ = link(person(tree["kim_tan"], "Bùi Ngọc Dung", birth_year=1970), entered)
    elsewhere, _ = link(person(tree["thach_lam"], "Hà Đức Long"), entered)
    _f2_via(younger, entered, tree["kim_tan"], 1)
    _f2_via(elsewhere, entered, tree["kim_tan"], 1)
    client.force_login(kim_tan_official)

    html = client.get(f"/cases/{entered.pk}/").content.decode()
    named = f'qua F1 <a href="/cases/contacts/{younger.contact_id}/" class="via">Bùi Ngọc Dung (1970)</a>'
    assert named in html and f"/cases/contacts/{older.contact_id}/" not in html.split(named)[1]
    assert "qua F1 HĐL" in html and f"/cases/contacts/{elsewhere.contact_id}/" not in html
    f2 = younger.contact.onward_links.get().contact_id
    assert named in client.get(f"/cases/contacts/{f2}/").content.decode()  # the contact page says it too


def test_an_f3s_evidence_says_through_which_f2(client, tree, kim_tan_official, settings):
    """Each link names the level it came through: an F3's came through an F2, not "via F1" as the page said."""
    settings.TRACING_MAX_LEVEL = 3
    entered = case(kim_tan_official, person(tree["kim_tan"], "Ca Chợ"))
    f1, _ = link(person(tree["kim_tan"], "Một Người"), entered)
    f2, _ = link(person(tree["kim_tan"], "Hai Người"), entered, level=2, key="checkin:level:2", via=f1.contact)
    link(person(tree["thach_lam"], "Ba Người"), entered, level=3, key="checkin:level:3", via=f2.contact)
    client.force_login(kim_tan_official)
    html = client.get(f"/cases/{entered.pk}/").content.decode()
    assert f'qua F1 <a href="/cases/contacts/{f1.contact_id}/" class="via">Một Người' in html
    assert f'qua F2 <a href="/cases/contacts/{f2.contact_id}/" class="via">Hai Người' in html
    english = client.get(f"/en/cases/{entered.pk}/").content.decode()
    assert "via F2 <a" in english and "via F1 <a" in english


def test_naming_the_f1s_costs_no_query_per_f2(client, tree, kim_tan_official):
    entered = case(kim_tan_official, person(tree["kim_tan"], "Ca Chợ"))
    f1s = [link(person(tree["kim_tan"], f"F1 Số {i}"), entered)[0] for i in range(3)]
    client.force_login(kim_tan_official)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/cases/{entered.pk}/").status_code == 200
        return len(captured)

    _f2_via(f1s[0], entered, tree["kim_tan"], 1)
    few = queries()
    for f1 in f1s:
        _f2_via(f1, entered, tree["kim_tan"], 10)
    many = client.get(f"/cases/{entered.pk}/").content.decode()
    assert all(f"/cases/contacts/{f1.contact_id}/" in many.split('id="contacts-f2"')[1] for f1 in f1s)
    assert queries() == few


def test_the_case_list_counts_people_like_the_case_page(client, tree, kim_tan_official):
    entered = case(kim_tan_official, person(tree["kim_tan"], "Đã Truy Vết"))
    f1 = link(person(tree["kim_tan"], "F1"), entered)[0]
    link(person(tree["kim_tan"], "F2"), entered, level=2, key="interview:f2", via=f1.contact)
    link(f1.contact.person, entered, key="interview:again")  # a second piece of evidence for the same F1
    client.force_login(kim_tan_official)
    page = client.get(f"/cases/{entered.pk}/").content.decode()
    assert re.search(r"Người tiếp xúc <span class=\"muted\">\(2\)", page)
    listed = client.get("/cases/").content.decode()
    assert '<th class="num col-contacts" role="columnheader">Người tiếp xúc</th>' in listed
    row = next(row for row in listed.split("<tr") if entered.number in row)
    assert re.search(r'<td class="num case-contacts"[^>]*>([^<]*)<', row).group(1) == "2"


def test_the_work_list_says_whether_a_person_is_the_f1_or_the_f2_of_each_case(client, tree, kim_tan_official):
    market_case = case(kim_tan_official, person(tree["kim_tan"], "Ca Chợ"))
    school_case = case(kim_tan_official, person(tree["kim_tan"], "Ca Trường"))
    seller = link(person(tree["kim_tan"], "Người Bán"), market_case)[0]
    pupil = link(person(tree["kim_tan"], "Học Sinh"), school_case)[0]
    link(seller.contact.person, school_case, level=2, key="checkin:school", via=pupil.contact)
    client.force_login(kim_tan_official)
    html = client.get("/cases/worklist/").content.decode()
    row = next(row for row in html.split("<tr") if "Người Bán" in row)
    cell = re.search(r'<td class="case-levels"[^>]*>(.*?)</td>', row, re.S).group(1)
    assert re.sub(r"<[^>]+>|\s+", " ", cell).split() == [market_case.number, "F1", ",", school_case.number, "F2"]


def test_a_tracing_runs_page_says_what_its_figures_count(client, tree, kim_tan_official):
    first = case(kim_tan_official, person(tree["kim_tan"], "Ca Một"))
    second = case(kim_tan_official, person(tree["kim_tan"], "Ca Hai"))
    shared = person(tree["kim_tan"], "Ở Cả Hai Nơi")
    link(shared, first)
    link(shared, second, key="checkin:second")
    link(person(tree["kim_tan"], "Chỉ Ca Một"), first)
    run = TracingRun.objects.create(
        total=2, done=2, status=TracingRun.Status.DONE, contacts_found=3, links_added=0, created_by=kim_tan_official
    )
    run.cases.set([first, second])
    client.force_login(kim_tan_official)
    html = client.get(f"/cases/runs/{run.pk}/").content.decode()
    assert "cộng theo từng ca: 3 (một người là người tiếp xúc của hai ca thì được tính hai lần)" in html
    assert "(mọi nguồn): 2." in html  # two people
    assert "Căn cứ mới: 0." in html and "Mọi căn cứ tìm được đã được ghi từ lần truy vết trước." in html
    # Each case's own figures, and the way on to the work list (the walk-through: totals only, and a dead end).
    cases = re.sub(r"<[^>]+>|\s+", " ", html.split('id="run-cases"', 1)[1].split("</ul>", 1)[0])
    assert f"{first.number} : F1 2 · 0 thông báo địa điểm (0 đã công bố)" in " ".join(cases.split())
    assert f"{second.number} : F1 1 · 0 thông báo địa điểm (0 đã công bố)" in " ".join(cases.split())
    assert 'href="/cases/worklist/?level=1"' in html
    english = client.get(f"/en/cases/runs/{run.pk}/").content.decode()
    assert "0 place notices (0 published)" in english and 'href="/en/cases/worklist/?level=1"' in english


# --- The cluster graph on an English page opens Vietnamese pages -------------------------------------------------


def test_cluster_graph_of_the_english_page_links_to_english_pages(client, tree, kim_tan_official):
    """selectors.cluster_graph wrote node URLs by hand ("/cases/<id>/", "/cases/contacts/<id>/"), without the
    language prefix: on /en/cases/clusters/<id>/ a click on a case or a person (cluster_graph.js sets
    window.location.href to it) lands on the Vietnamese page."""
    market = venue(tree["kim_tan"])
    cluster = services.cluster_create(actor=kim_tan_official, name="Ổ dịch chợ", venue=market, area_path="")
    first = case(kim_tan_official, person(tree["kim_tan"], "A"), cluster=cluster)
    link(person(tree["kim_tan"], "C"), first)
    client.force_login(kim_tan_official)

    graph = client.get(f"/en/cases/clusters/{cluster.pk}/graph.json").json()

    urls = [node["data"]["url"] for node in graph["nodes"] if node["data"]["url"]]
    assert len(urls) == 2
    assert all(url.startswith("/en/") for url in urls), urls


# --- The graph's caption counts its cases among the F1/F2 contacts ------------------------------------------------


def test_cluster_graph_caption_does_not_count_its_cases_as_f1_f2_contacts(client, tree, kim_tan_official):
    """A cluster's second case was an F1 of the first (the usual chain). The graph draws her as a case, not as a
    contact, yet `contacts` (and the caption, until 2026-12-07: "2 F0 cases, 2 F1/F2 contacts") counted her: every
    case infected within a cluster was counted once as F0 and once more as an F1/F2 contact. In the demo: "225
    F1/F2 contacts" for 224 drawn, the 225th being BN-38-000003."""
    cluster = services.cluster_create(
        actor=kim_tan_official, name="Ổ dịch chợ", venue=venue(tree["kim_tan"]), area_path=""
    )
    first = case(kim_tan_official, person(tree["kim_tan"], "A"), cluster=cluster)
    oanh = person(tree["kim_tan"], "Cao Thị Oanh")
    f1, _ = link(oanh, first)
    link(person(tree["kim_tan"], "Hàng Xóm"), first, level=2, via=f1.contact)
    case(kim_tan_official, oanh, infected_by=first, cluster=cluster)
    client.force_login(kim_tan_official)

    graph = client.get(f"/en/cases/clusters/{cluster.pk}/graph.json").json()

    drawn = [node for node in graph["nodes"] if node["data"]["kind"] == "contact"]
    assert len(drawn) == 1  # Hàng Xóm; Oanh is her case's node
    assert graph["contacts"] == 1, graph["caption"]


# --- The contact page says "released" of a contact who was not -----------------------------------------------------


def test_a_contact_who_became_a_case_is_not_said_to_be_released(client, tree, kim_tan_official):
    """contact.html showed "No further change: the contact was released." for every status without a next move:
    a contact who became a case (and one of withdrawn cases only) reads that they were released from a quarantine
    they never served."""
    first = case(kim_tan_official, person(tree["kim_tan"], "A"))
    oanh = person(tree["kim_tan"], "Cao Thị Oanh")
    link(oanh, first)
    case(kim_tan_official, oanh)
    contact = Contact.objects.get(person=oanh)
    assert contact.status == Contact.Status.BECAME_CASE
    client.force_login(kim_tan_official)

    page = client.get(f"/en/cases/contacts/{contact.pk}/").content.decode()

    assert "Became a case (F0)" in page
    assert "the contact was released" not in page


def test_a_contact_of_a_withdrawn_case_only_is_not_said_to_be_released(client, tree, kim_tan_official):
    first = case(kim_tan_official, person(tree["kim_tan"], "A"))
    who = person(tree["kim_tan"], "Cao Thị Oanh")
    link(who, first)
    services.case_withdraw(actor=kim_tan_official, case=first, reason="RT-PCR âm tính")
    contact = Contact.objects.get(person=who)
    assert contact.status == Contact.Status.CASE_WITHDRAWN
    client.force_login(kim_tan_official)

    page = client.get(f"/en/cases/contacts/{contact.pk}/").content.decode()

    assert "the contact was released" not in page


# --- A first trace that finds nobody says everything was recorded by an earlier trace --------------------------------


def test_a_first_trace_that_finds_nobody_does_not_speak_of_an_earlier_trace(client, tree, kim_tan_official):
    """views.case_trace worded every trace that added no evidence "…, all already recorded by an earlier trace.",
    also the first trace of a case with no check-in: "Tracing done: 0 F1 and 0 F2 from check-ins, all already
    recorded by an earlier trace." (seen on the demo's BN-38-000005), although there was no earlier trace and
    nothing was found."""
    pytest.importorskip("phongdich.cases.tracing")
    entered = case(kim_tan_official, person(tree["kim_tan"], "Không Đi Đâu"))
    assert entered.traced_at is None
    client.force_login(kim_tan_official)

    page = client.post(f"/en/cases/{entered.pk}/trace/", follow=True).content.decode()

    assert "0 F1 and 0 F2" in page
    assert "already recorded by an earlier trace" not in page


# --- The contact page's quarantine: an F2's rule, day 1, queries (review of 2026-12-07's new features) ----------


def _schedule_section(page: str) -> str:
    return re.search(r'id="quarantine-schedule".*?</section>', page, re.S).group(0)


def test_an_f2s_page_says_that_no_source_confirms_an_f2s_quarantine(client, tree, kim_tan_official):
    """RULES.md §2: F2 in 2021 is in home quarantine per the QĐ 5053 handbook, its length unconfirmed. An F2 takes the
    F1's rule (docs/cases.md); its page dated the F1's days, tests and monitoring and said nothing of it."""
    entered = case(kim_tan_official, person(tree["kim_tan"], "Ca Nguồn"))
    f1 = link(person(tree["kim_tan"], "Cao Thị Vợ"), entered)[0].contact
    f2 = link(person(tree["kim_tan"], "Đồng Nghiệp"), entered, level=2, via=f1, setting="workplace")[0].contact
    client.force_login(kim_tan_official)
    # In plain words: the F1's rule is the province's choice for an F2 (the sources' note is in the API and docs).
    said = "For an F2 the province applies the F1's quarantine, test days and health monitoring: a setting of the"
    before = html.unescape(client.get(f"/en/cases/contacts/{f2.pk}/").content.decode())
    assert said in before  # what it would take

    services.contact_status_set(actor=kim_tan_official, contact=f2, status="quarantined")
    english = html.unescape(_schedule_section(client.get(f"/en/cases/contacts/{f2.pk}/").content.decode()))
    assert said in english and "not a national rule" in english
    vietnamese = _schedule_section(client.get(f"/cases/contacts/{f2.pk}/").content.decode())
    assert "Với F2, tỉnh áp dụng thời gian cách ly, ngày xét nghiệm và theo dõi sức khỏe của F1" in vietnamese

    services.contact_status_set(actor=kim_tan_official, contact=f1, status="quarantined")
    assert "For an F" not in _schedule_section(client.get(f"/en/cases/contacts/{f1.pk}/").content.decode())


def test_the_contact_page_says_day_1_is_the_start_for_a_contact_named_without_times(client, tree, kim_tan_official):
    """Day 1 is the last exposure's day, or the quarantine's start when the contact was named without times
    (services: start + days); the page said only the first."""
    entered = case(kim_tan_official, person(tree["kim_tan"], "Ca Nguồn"))
    untimed = link(person(tree["kim_tan"], "Người Hàng Xóm"), entered, source="interview", setting="household")
    contact = untimed[0].contact
    assert contact.last_exposure_at is None
    start = timezone.localdate() - dt.timedelta(days=1)
    services.contact_status_set(actor=kim_tan_official, contact=contact, status="quarantined", quarantine_start=start)
    client.force_login(kim_tan_official)
    english = client.get(f"/en/cases/contacts/{contact.pk}/").content.decode()
    assert (
        "Day 1 is the day of the last exposure, or the quarantine's start for a contact named without times of"
        " exposure" in english
    )
    vietnamese = client.get(f"/cases/contacts/{contact.pk}/").content.decode()
    assert "hoặc ngày bắt đầu cách ly với người tiếp xúc được khai mà không có thời gian tiếp xúc" in vietnamese


def test_contact_page_queries_do_not_grow_with_evidence(client, tree, kim_tan_official):
    entered = case(kim_tan_official, person(tree["kim_tan"], "Ca Nguồn"))
    now = timezone.now()
    contact = link(person(tree["kim_tan"], "Người Nhiều Ca"), entered, exposure_start=now)[0].contact
    services.contact_status_set(actor=kim_tan_official, contact=contact, status="quarantined")
    client.force_login(kim_tan_official)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/cases/contacts/{contact.pk}/").status_code == 200
        return len(captured)

    few = queries()
    for n in range(6):
        link(contact.person, case(kim_tan_official, person(tree["kim_tan"], f"Ca khác {n}")), exposure_start=now)
    assert queries() == few
