"""The cluster graph page in a real headless Chromium, in English: a click opens the English page, and the graph's
styles raise no console warning."""

import pytest

from .. import services
from .builders import case, ensure_rules, link, login, make_tree, official, person, venue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def cluster():
    ensure_rules()
    tree = make_tree()
    actor = official(tree["kim_tan"], "yte_kimtan")
    made = services.cluster_create(actor=actor, name="Ổ dịch chợ", venue=venue(tree["kim_tan"]), area_path="")
    first = case(actor, person(tree["kim_tan"], "Hoàng Văn Bệnh"), cluster=made)
    link(person(tree["kim_tan"], "Trần Thị Chợ"), first)
    return made, first


def test_a_click_on_a_case_of_the_english_graph_opens_its_english_page(live_server, chromium, cluster):
    """On /en/cases/clusters/<id>/ a tap on a case node opens the case's English page. selectors.cluster_graph once
    wrote the URL without the language prefix, and the English-speaking official was switched to Vietnamese."""
    made, first = cluster
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        login(page, live_server.url, f"/en/cases/clusters/{made.pk}/")
        page.wait_for_function("document.getElementById('cluster-graph').dataset.ready === 'true'")
        # `void`: emit() returns the Cytoscape collection, and Playwright serialising that object graph back took
        # 18 of the test's 19 seconds.
        page.evaluate(f"void window.clusterGraph.$id('case-{first.pk}').emit('tap')")
        page.wait_for_url(lambda url: "/clusters/" not in url)
        assert page.url.endswith(f"/en/cases/{first.pk}/"), page.url
    finally:
        context.close()


def test_the_cluster_graph_styles_raise_no_console_warning(live_server, chromium, cluster):
    """Cytoscape warns on the console about what it finds wrong in its options. Two such warnings were on every
    cluster page: a `cursor` style, which Cytoscape does not have ("The style property `cursor: pointer` is
    invalid", and the pointer never showed over a node that can be clicked), and a custom wheel sensitivity ("You
    have set a custom wheel sensitivity", zooming unlike every other page with a mouse wheel)."""
    made, _first = cluster
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    said = []
    page.on("console", lambda message: said.append(message.text))
    try:
        login(page, live_server.url, f"/en/cases/clusters/{made.pk}/")
        page.wait_for_function("document.getElementById('cluster-graph').dataset.ready === 'true'")
        assert not [text for text in said if "is invalid" in text or "wheel sensitivity" in text], said
    finally:
        context.close()


def test_the_legend_shows_each_contact_line_colour_drawn(live_server, chromium, cluster):
    """The legend showed one contact line (orange) while the F2 edges are drawn yellow."""
    made, first = cluster
    f1 = first.links.get().contact
    link(person(first.person.address_area, "Hàng Xóm"), first, level=2, via=f1)
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        login(page, live_server.url, f"/cases/clusters/{made.pk}/")
        page.wait_for_function("document.getElementById('cluster-graph').dataset.ready === 'true'")
        drawn = page.evaluate(
            "[...new Set(window.clusterGraph.edges('[kind != \"infected_by\"]').map(e => e.style('line-color')))]"
        )
        keys = page.evaluate(
            "[...document.querySelectorAll('#cluster-graph-legend .key-contact')]"
            ".map(k => getComputedStyle(k).backgroundColor)"
        )
        assert len(drawn) == 2 and {c.replace(" ", "") for c in drawn} <= {k.replace(" ", "") for k in keys}
    finally:
        context.close()


def test_cluster_cases_and_case_notices_fit_a_390_px_phone(live_server, chromium, cluster):
    """At 390 px the cluster's cases table hid its status, the case page's notices their "Published" column and
    buttons, past a sideways scroll."""
    from ..models import ExposureNotice

    made, first = cluster
    ExposureNotice.objects.create(
        case=first, venue=made.venue, area_path=made.area_path, start=first.window_start, end=first.window_end
    )
    context = chromium.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    overflow = "[...document.querySelectorAll('.table-scroll')].map(b => b.scrollWidth - b.clientWidth)"
    try:
        login(page, live_server.url, f"/cases/clusters/{made.pk}/")
        assert all(extra <= 1 for extra in page.evaluate(overflow)), page.evaluate(overflow)
        assert page.locator("table.cluster-cases .case-status").first.is_visible()
        page.goto(f"{live_server.url}/cases/{first.pk}/")
        notices = page.locator("table.notices")
        box = notices.locator("xpath=..")
        assert box.evaluate("b => b.scrollWidth - b.clientWidth") <= 1
        button = notices.locator(".notice-publication button").first
        assert button.is_visible() and button.bounding_box()["x"] + button.bounding_box()["width"] <= 390
    finally:
        context.close()


def test_the_graph_is_drawn_in_the_legends_colours_from_one_source(live_server, chromium, cluster):
    """The legend's colours were written in the template and again in cluster_graph.js; now the page gives them
    (views.CLUSTER_GRAPH_COLOURS) to both. The dots, the cases' borders and the infection line drawn are the keys'."""
    from ..views import CLUSTER_GRAPH_COLOURS

    made, first = cluster
    f1 = first.links.get().contact
    link(person(first.person.address_area, "Hàng Xóm"), first, level=2, via=f1)
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    rgb = "c => c.replace(/ /g, '')"
    try:
        login(page, live_server.url, f"/cases/clusters/{made.pk}/")
        page.wait_for_function("document.getElementById('cluster-graph').dataset.ready === 'true'")
        given = page.evaluate("JSON.parse(document.getElementById('cluster-graph-colours').textContent)")
        assert given == CLUSTER_GRAPH_COLOURS
        dots = page.evaluate(
            f"[...document.querySelectorAll('#cluster-graph-legend .key-dot')].map(k => getComputedStyle(k)"
            f".backgroundColor).map({rgb})"
        )
        drawn = page.evaluate(
            "[...new Set(window.clusterGraph.nodes('[kind = \"contact\"]').map(n => n.style('background-color')))]"
            f".map({rgb})"
        )
        assert len(drawn) == 2 and set(drawn) == set(dots)  # F1 and F2, as their keys
        key_case = page.evaluate(
            "(s => [s.backgroundColor, s.borderTopColor])(getComputedStyle(document.querySelector("
            "'#cluster-graph-legend .key-case')))"
        )
        node = page.evaluate(
            f"(n => [n.style('background-color'), n.style('border-color')])(window.clusterGraph.$id('case-{first.pk}'))"
        )
        assert [c.replace(" ", "") for c in key_case] == [c.replace(" ", "") for c in node]
        assert key_case[0].replace(" ", "") == "rgb(164,22,26)"  # levels["0"], #a4161a
    finally:
        context.close()
