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
    """On /en/cases/clusters/<id>/ a tap on a case node goes to "/cases/<id>/" (selectors.cluster_graph writes the
    URL without the language prefix): the English-speaking official is switched to Vietnamese."""
    made, first = cluster
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        login(page, live_server.url, f"/en/cases/clusters/{made.pk}/")
        page.wait_for_function("document.getElementById('cluster-graph').dataset.ready === 'true'")
        page.evaluate(f"window.clusterGraph.$id('case-{first.pk}').emit('tap')")
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
