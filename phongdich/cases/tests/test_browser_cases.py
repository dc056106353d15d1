"""A commune official in a real headless Chromium: enters a case for a person who checked in at a market, traces
it from check-ins, sees the F1 (same market, same hour) and the F2 (same café as the F1 that afternoon) with their
evidence, confirms the F1, and downloads the work list; then the cluster page draws the transmission graph.
Screenshots go to $PHONGDICH_SCREENSHOTS (or the test's temporary folder)."""

import datetime as dt
import importlib.util
import io
import os
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from .. import services
from ..models import Case, Contact
from .builders import case, checkin, ensure_rules, link, local, login, make_tree, official, person, venue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
HAS_TRACER = importlib.util.find_spec("phongdich.cases.tracing") is not None


def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("PHONGDICH_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def scene():
    ensure_rules()
    tree = make_tree()
    official(tree["kim_tan"], "yte_kimtan")
    market, cafe = venue(tree["kim_tan"], "Chợ Kim Tân"), venue(tree["kim_tan"], "Quán cà phê Ngọc")
    day = timezone.localdate() - dt.timedelta(days=2)
    patient = person(tree["kim_tan"], "Hoàng Văn Bệnh")
    f1 = person(tree["kim_tan"], "Trần Thị Chợ")
    f2 = person(tree["kim_tan"], "Lê Văn Quán")
    later = person(tree["kim_tan"], "Phạm Đến Muộn")
    checkin(patient, market, local(day, 9), 60)
    checkin(f1, market, local(day, 9, 10), 40)  # 40 minutes together: F1
    checkin(later, market, local(day, 11), 30)  # after the case left: nobody
    checkin(f1, cafe, local(day, 14), 60)
    checkin(f2, cafe, local(day, 14, 10), 40)  # with the F1 after the exposure: F2
    return {"tree": tree, "market": market, "patient": patient, "f1": f1, "f2": f2, "later": later}


def test_official_enters_traces_confirms_and_exports(live_server, chromium, scene, tmp_path):
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    today = timezone.localdate()
    try:
        login(page, live_server.url, "/cases/new/")
        page.fill("#id_q", "hoang van benh")
        page.keyboard.press("Enter")
        page.get_by_role("link", name="Chọn").click()
        page.wait_for_url("**/cases/new/?person=*")
        page.fill("#id_sample_date", today.isoformat())
        page.fill("#id_onset_date", today.isoformat())
        page.select_option("#id_test_type", "pcr")
        page.fill("#id_isolation_place", "Bệnh viện Đa khoa huyện Thạch Thành")
        page.screenshot(path=str(shots(tmp_path) / "cases-create.png"), full_page=True)
        page.locator(".case-form button[type=submit]").click()
        page.wait_for_url("**/cases/*/")
        assert "Đã nhập ca bệnh BN-38-000001" in page.locator(".messages").inner_text()
        assert "Chợ Kim Tân" in page.locator("table.presences").inner_text()

        if HAS_TRACER:
            page.locator("#trace-button").click()
            # The trace posts and comes back to this page: wait for its own message, then for the whole page, which
            # the counts and the content below read once.
            expect(page.locator(".messages")).to_contain_text("Truy vết xong")
            page.wait_for_load_state()
        else:  # until cases.tracing exists: the evidence it would write
            the_case = Case.objects.get()
            f1_link, _ = link(scene["f1"], the_case, venue=scene["market"], place="Chợ Kim Tân", overlap_minutes=40)
            link(scene["f2"], the_case, level=2, via=f1_link.contact, place="Quán cà phê Ngọc", overlap_minutes=40)
            page.reload()

        f1_rows = page.locator("table.level-1-contacts tbody tr")
        f2_rows = page.locator("table.level-2-contacts tbody tr")
        assert f1_rows.count() == 1 and f2_rows.count() == 1
        assert "Trần Thị Chợ" in f1_rows.inner_text() and "Chợ Kim Tân" in f1_rows.inner_text()
        assert "40 phút" in f1_rows.inner_text()
        assert "Lê Văn Quán" in f2_rows.inner_text() and "Quán cà phê Ngọc" in f2_rows.inner_text()
        assert "Phạm Đến Muộn" not in page.content()
        page.screenshot(path=str(shots(tmp_path) / "cases-detail.png"), full_page=True)

        f1_rows.locator("button.confirm-contact").click()
        page.locator(".messages li").wait_for()
        # The F1 still read "Cần xác minh" before the post: wait until the page says it is confirmed.
        expect(page.locator("table.level-1-contacts")).to_contain_text("Đã xác minh")
        assert Contact.objects.get(person=scene["f1"]).status == "confirmed"

        page.goto(f"{live_server.url}/cases/worklist/")
        assert "Trần Thị Chợ" in page.locator("table.worklist").first.inner_text()
        page.locator("#worklist-export").click()  # queued; the export's page offers the file once written
        page.locator("#export-download").wait_for()
        page.screenshot(path=str(shots(tmp_path) / "cases-export.png"), full_page=True)
        with page.expect_download() as download_info:
            page.locator("#export-download").click()
        download = download_info.value
        assert download.suggested_filename.endswith(".xlsx")
        sheet = load_workbook(io.BytesIO(Path(download.path()).read_bytes())).worksheets[0]
        names = {row[2]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
        assert set(names) == {"Trần Thị Chợ", "Lê Văn Quán"}
        assert names["Trần Thị Chợ"][1] == "F1" and names["Trần Thị Chợ"][7] == "Đã xác minh"
    finally:
        context.close()


def test_cluster_page_draws_the_transmission_graph(live_server, chromium, scene, tmp_path):
    from django.contrib.auth import get_user_model

    actor = get_user_model().objects.get(username="yte_kimtan")
    cluster = services.cluster_create(actor=actor, name="Ổ dịch Chợ Kim Tân", venue=scene["market"], area_path="")
    first = case(actor, scene["patient"], cluster=cluster)
    second = case(actor, scene["later"], infected_by=first, cluster=cluster)
    f1_link, _ = link(scene["f1"], first)
    link(scene["f2"], first, level=2, via=f1_link.contact)
    link(person(scene["tree"]["kim_tan"], "Vợ Ca Hai"), second)
    # Infected by the cluster's second case but entered without a cluster: drawn, marked as outside it.
    onward = case(actor, person(scene["tree"]["kim_tan"], "Con Ca Hai"), infected_by=second)
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        login(page, live_server.url, f"/cases/clusters/{cluster.pk}/")
        page.wait_for_function("document.getElementById('cluster-graph').dataset.ready === 'true'")
        assert page.evaluate("window.clusterGraph.nodes().length") == 6  # 3 F0 (one outside), 2 F1, 1 F2
        assert page.evaluate("window.clusterGraph.edges('[kind = \"infected_by\"]').length") == 2
        assert page.evaluate("window.clusterGraph.nodes('[level = 2]').length") == 1
        assert page.evaluate(f"window.clusterGraph.$id('case-{onward.pk}').data('in_cluster')") is False
        assert page.locator("#cluster-graph canvas").count() > 0  # Cytoscape drew it
        expect(page.locator("#cluster-graph-summary")).to_have_text(
            "2 ca F0, 1 ca liên quan ngoài ổ dịch, 2 F1, 1 F2, 5 mối liên hệ"
        )
        # Drawn inside the frame, spread out: every node within the box, no two on top of each other.
        box = page.evaluate(
            """() => { const cy = window.clusterGraph, e = cy.extent(), r = cy.nodes().boundingBox();
            const p = cy.nodes().map(n => n.renderedPosition());
            let closest = Infinity;
            p.forEach((a, i) => p.slice(i + 1).forEach(b => {
                closest = Math.min(closest, Math.hypot(a.x - b.x, a.y - b.y)); }));
            return { inside: r.x1 >= e.x1 && r.x2 <= e.x2 && r.y1 >= e.y1 && r.y2 <= e.y2, closest: closest }; }"""
        )
        assert box["inside"] and box["closest"] > 20, box
        page.screenshot(path=str(shots(tmp_path) / "cases-cluster-graph.png"), full_page=True)
        # F0 and F1 only: the F2 and their links leave the screen, the rest is drawn again; and they come back.
        f2_shown = "window.clusterGraph.nodes('[level = 2]').map(n => n.style('display'))"
        page.locator("#cluster-graph-f2").uncheck()
        assert page.evaluate(f2_shown) == ["none"] and page.get_attribute("#cluster-graph", "data-shown") == "5"
        page.locator("#cluster-graph-f2").check()
        assert page.evaluate(f2_shown) == ["element"] and page.get_attribute("#cluster-graph", "data-shown") == "6"
    finally:
        context.close()


@pytest.mark.skipif(not HAS_TRACER, reason="cases.tracing is not installed")
def test_official_withdraws_a_case_that_rt_pcr_did_not_confirm(live_server, chromium, scene, tmp_path):
    """The form asks for a reason and a tick before anything changes; then the page says what happened."""
    from django.contrib.auth import get_user_model

    from ..tracing import case_trace_checkins

    by = get_user_model().objects.get(username="yte_kimtan")
    entered = case(by, scene["patient"], test_type=Case.TestType.ANTIGEN)
    case_trace_checkins(case=entered, actor=by)
    assert Contact.objects.filter(status=Contact.Status.CANDIDATE).count() == 2
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        login(page, live_server.url, f"/cases/{entered.pk}/")
        page.locator("#withdraw summary").click()
        page.fill("#id_reason", "RT-PCR khẳng định âm tính")
        page.locator("#withdraw-button").click()  # not ticked: the browser keeps the form
        assert page.evaluate("document.getElementById('id_confirm').validity.valueMissing")
        entered.refresh_from_db()
        assert entered.status == Case.Status.UNDER_TREATMENT
        page.locator("#id_confirm").check()
        page.locator("#withdraw-button").click()
        expect(page.locator(".messages")).to_contain_text("Số người tiếp xúc được đưa khỏi danh sách: 2")
        expect(page.locator("#case-withdrawn")).to_contain_text("RT-PCR khẳng định âm tính")
        assert page.locator("#trace-button").count() == 0
        page.screenshot(path=str(shots(tmp_path) / "cases-withdrawn.png"), full_page=True)
    finally:
        context.close()
    assert Contact.objects.filter(status=Contact.Status.CASE_WITHDRAWN).count() == 2


# Per row of `table`: the lines of the case number and of the name with its year, and every cell whose content runs
# past its own edge (over its neighbour's, or past the box).
ROWS = """(selector) => [...document.querySelectorAll(selector + ' tbody tr')].map(row => {
  const lines = parts => new Set(parts.filter(Boolean).flatMap(part => [...part.getClientRects()])
    .map(box => Math.round(box.top))).size;
  const who = row.querySelector('td.who');
  const name = who.querySelector('a') || who.firstChild;
  const range = document.createRange(); range.selectNodeContents(who.querySelector('a') || who);
  return {
    number: lines([row.querySelector('td.case-number a')]),
    name: who.querySelector('a') ? lines([name, who.querySelector('.birth-year')])
                                 : new Set([...range.getClientRects()].map(box => Math.round(box.top))).size,
    spills: [...row.cells].filter(cell => [...cell.querySelectorAll('*')].some(
      part => part.getBoundingClientRect().right > cell.getBoundingClientRect().right + 1)).map(cell => cell.className),
  };
})"""


@pytest.fixture
def squeezed(scene):
    """Cases with the demo's longest names, one in a cluster and one withdrawn (the longest status), with F1."""
    actor = get_user_model().objects.get(username="yte_kimtan")
    kim_tan = scene["tree"]["kim_tan"]
    made = services.cluster_create(actor=actor, name="Ổ dịch Chợ Thạch Bình", venue=scene["market"], area_path="")
    first = case(actor, person(kim_tan, "Hoàng Thị Ngọc Bích Phượng", birth_year=1958), cluster=made)
    case(actor, person(kim_tan, "Nguyễn Đình Quang Trường", birth_year=2004))
    gone = case(actor, person(kim_tan, "Trần Thị Minh Nguyệt", birth_year=1990))
    services.case_withdraw(actor=actor, case=gone, reason="RT-PCR âm tính")
    for name in ("Nguyễn Thị Phương Thảo", "Phạm Hoàng Khánh Linh", "Lê Thị Thu Hương"):
        link(person(kim_tan, name, birth_year=1987), first, place="Chợ Kim Tân")
    return first


@pytest.mark.parametrize("width", (640, 768, 900))
def test_the_cases_list_and_a_cases_contacts_fit_between_600_and_940_px(
    live_server, chromium, squeezed, tmp_path, width
):
    """Between 600 and 940 px the cases list squeezed nine columns: a case number broke over two lines, a name and a
    status over three, a cluster over four; the case page's contacts broke a name over three (found 2026-12-07). Now
    the list's rows have two lines and the contacts' names keep their year: nothing scrolls sideways or runs over
    its neighbour."""
    context = chromium.new_context(viewport={"width": width, "height": 900}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    overflow = "[...document.querySelectorAll('.table-scroll')].map(b => b.scrollWidth - b.clientWidth)"
    try:
        login(page, live_server.url, "/cases/")
        page.screenshot(path=str(shots(tmp_path) / f"cases-list-{width}.png"), full_page=True)
        assert page.evaluate("document.scrollingElement.scrollWidth") <= width
        assert all(extra <= 0 for extra in page.evaluate(overflow)), page.evaluate(overflow)
        rows = page.evaluate(ROWS, "table.cases-list")
        assert len(rows) == 3
        for row in rows:
            assert row["number"] == 1 and row["name"] <= 2 and not row["spills"], row
        assert page.get_by_role("row").filter(has_text="Hoàng Thị Ngọc Bích Phượng").get_by_role("cell").count() == 9

        page.goto(f"{live_server.url}/cases/{squeezed.pk}/")
        page.screenshot(path=str(shots(tmp_path) / f"case-contacts-{width}.png"), full_page=True)
        assert page.evaluate("document.scrollingElement.scrollWidth") <= width
        assert all(extra <= 0 for extra in page.evaluate(overflow)), page.evaluate(overflow)
        contacts = page.evaluate(
            """() => [...document.querySelectorAll('table.contacts tr.contact-row')].map(row => ({
              name: new Set([row.querySelector('td.who a'), row.querySelector('td.who .birth-year')]
                .flatMap(part => [...part.getClientRects()]).map(box => Math.round(box.top))).size,
              status: new Set([...row.querySelector('.contact-status .status').getClientRects()]
                .map(box => Math.round(box.top))).size}))"""
        )
        assert len(contacts) == 3
        for row in contacts:
            assert row["name"] <= 2 and row["status"] == 1, row
    finally:
        context.close()
