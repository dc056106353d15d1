"""/api/docs/ works with no network, as the README says: drf-spectacular's Redoc page linked Google Fonts and Redoc's
script fetched its logo from cdn.redoc.ly. Every request outside the test server is blocked and recorded: none may be
made, none may fail, and the operations are listed."""

from urllib.parse import urlsplit

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_api_docs_page_renders_its_operations_without_the_network(live_server, chromium):
    local = urlsplit(live_server.url).netloc
    context = chromium.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(30_000)
    outside, failed = [], []

    def block_outside(route):
        if urlsplit(route.request.url).netloc == local or route.request.url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort("internetdisconnected")

    context.route("**/*", block_outside)
    page.on("requestfailed", lambda request: failed.append(request.url))
    try:
        page.goto(f"{live_server.url}/api/docs/")
        page.locator("h2", has_text="Enter a case (F0) for a person of your area").first.wait_for()
        assert page.locator("h2", has_text="Record a staff scan of a personal QR code").count() == 1
        page.wait_for_load_state("networkidle")
        assert outside == [] and failed == []
    finally:
        context.close()
