"""Malformed input thrown at every page (officials' forms and filters, citizens' pages): never a 500.

Every URL pattern of the project (`get_resolver()`, Django's admin aside) is opened with odd values in its path
(ids that are not numbers, huge numbers), in its query (the names of the page's GET forms and the usual filter
names) and in the fields of every form the page shows (POSTed with each odd value). The answer may be anything
but a server error. See docs/api.md "Fuzzing"; `make fuzz` runs it with every odd value and every role.
"""

import os
import sys
import time
import traceback
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core import signals
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from phongdich.core.demo import demo_build
from phongdich.core.testing import FUZZ_FAST_ROLES, FUZZ_ROLES, make_area

pytestmark = pytest.mark.django_db

CSV = Path(__file__).resolve().parents[2] / "geo" / "data" / "thach_thanh_2021.csv"

# Odd values: not numbers, numbers past any column, dates not in the calendar or past what date arithmetic
# survives, NUL bytes, long strings, digits that are not ASCII, direction marks, markup and quotes.
ODD = [
    "",
    "abc",
    "-1",
    "0",
    "99999999999999999999",
    "1e309",
    "2021-02-30",
    "0001-01-01",
    "9999-12-31",
    "31/12/9999",
    "a\x00b",
    "x" * 5000,
    "²",
    "１２３",
    "\u202e😷",
    "<b>'\"",
    "[]",
    "%",
]
# In the suite: the values that found 500s before (fuzzing the pages, 2026-12-06, and this sweep).
FAST_ODD = ["99999999999999999999", "9999-12-31", "x" * 5000, "²"]
# Filter and paging names the pages read besides their forms' fields.
QUERY_NAMES = ["page", "from", "to", "since", "until", "date", "day", "q", "area", "status", "severity", "sort", "next"]
# Path values by converter: a real-looking id, and ids no row has or can have.
PATH_VALUES = {
    "int": ["1", "99999999999999999999"],
    "str": ["1", "abc", "x" * 300, "²"],
    "slug": ["abc", "x" * 300],
    "path": ["abc"],
    "uuid": ["00000000-0000-0000-0000-000000000000"],
}
# Pages that end the session, or are Django's own admin (a site of its own).
SKIP = ("accounts/logout", "admin/", "i18n/")
ROLES, FAST_ROLES = FUZZ_ROLES, FUZZ_FAST_ROLES


class _Forms(HTMLParser):
    """The forms of a page: method, action and the names of their fields."""

    def __init__(self):
        super().__init__()
        self.forms = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"method": (attrs.get("method") or "get").lower(), "action": attrs.get("action") or ""})
        elif tag in ("input", "select", "textarea") and self.forms and attrs.get("name"):
            if attrs["name"] != "csrfmiddlewaretoken" and attrs.get("type") != "file":
                self.forms[-1].setdefault("fields", set()).add(attrs["name"])


def _routes(patterns, prefix=""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route, pattern.pattern.converters if hasattr(pattern.pattern, "converters") else {}


def _urls(route, converters):
    """Addresses for one route: each converter takes each of its odd values (the others a plain value)."""
    import re

    parts = re.split(r"<(?:(\w+):)?(\w+)>", route)
    names = parts[2::3]
    kinds = [parts[1 + 3 * i] or "str" for i in range(len(names))]
    plain = [PATH_VALUES.get(kind, ["1"])[0] for kind in kinds]
    combos = [plain] + [
        plain[:i] + [value] + plain[i + 1 :] for i, kind in enumerate(kinds) for value in PATH_VALUES.get(kind, [])[1:]
    ]
    for values in combos:
        text = parts[0]
        for i, value in enumerate(values):
            text += value + parts[3 * i + 3]
        yield "/" + text.lstrip("^").rstrip("$")


class _Sweep:
    def __init__(self, client, odd, username):
        self.client = client
        self.odd = odd
        self.username = username
        self.failures = {}
        self.requests = 0
        self.last_exception = None
        signals.got_request_exception.connect(self._exception)

    def close(self):
        signals.got_request_exception.disconnect(self._exception)

    def _exception(self, sender, request=None, **kwargs):
        self.last_exception = "".join(traceback.format_exception(*sys.exc_info()))

    def _login(self):
        if self.username:
            self.client.force_login(get_user_model().objects.get(username=self.username))

    def request(self, method, url, data=None):
        self.last_exception = None
        self.requests += 1
        from django.core.cache import cache

        cache.clear()  # rate limits would answer 429 to most of the sweep
        if method == "get":
            response = self.client.get(url, data or {})
        else:
            response = self.client.post(url, data or {})
        if response.status_code >= 500 or self.last_exception:
            key = (method.upper(), url.split("?")[0][:120], response.status_code)
            shown = {name: (value[:40] + "…" if len(value) > 40 else value) for name, value in (data or {}).items()}
            self.failures.setdefault(key, {"data": shown, "traceback": self.last_exception})
        return response

    def page(self, url):
        self._login()
        response = self.request("get", url)
        forms = []
        if response.status_code == 200 and "html" in response.get("Content-Type", ""):
            parser = _Forms()
            parser.feed(response.content.decode(errors="replace"))
            forms = parser.forms
        form_names = set()
        for form in forms:
            if form["method"] == "get":
                form_names |= form.get("fields", set())
        query_names = set(QUERY_NAMES) | form_names
        for value in self.odd:
            self.request("get", url, dict.fromkeys(query_names, value))
            # Each field of the page's GET forms alone too: with every name at once, the first one refused (an `area`
            # that is no area's: 404) hid what the others do; `date_from=9999-12-31` alone overflowed the statistics
            # dashboard (review of 2026-12-06).
            for name in sorted(form_names):
                self.request("get", url, {name: value})
        for form in forms:
            if form["method"] != "post" or not form.get("fields"):
                continue
            target = urljoin(url, form["action"]) if form["action"] else url
            if urlsplit(target).netloc:
                continue
            for value in self.odd:
                self._login()  # a form may have ended the session (a role switch)
                self.request("post", urlsplit(target).path, dict.fromkeys(form["fields"], value))
        # A POST to the page itself, with the query names, whether or not it shows a form.
        self.request("post", url, dict.fromkeys(query_names, self.odd[0]))


def sweep_pages(odd, roles):
    started = time.monotonic()
    routes = [(route, conv) for route, conv in _routes(get_resolver().url_patterns) if not route.startswith(SKIP)]
    failures, requests = {}, 0
    for role in roles:
        sweep = _Sweep(Client(raise_request_exception=False), odd, ROLES[role])
        try:
            for route, converters in routes:
                for url in _urls(route, converters):
                    sweep.page(url)
        finally:
            sweep.close()
        for key, info in sweep.failures.items():
            failures.setdefault(key, {**info, "role": role})
        requests += sweep.requests
    return failures, len(routes), requests, time.monotonic() - started


@pytest.fixture
def demo_data():
    make_area("38", "Tỉnh Thanh Hóa", "province")
    call_command("geo_import_csv", str(CSV))
    demo_build(people=60, log=lambda text: None)


def test_pages_answer_malformed_input_without_a_server_error(demo_data):
    deep = os.environ.get("FUZZ_ROLES") == "all"
    failures, routes, requests, seconds = sweep_pages(ODD if deep else FAST_ODD, list(ROLES) if deep else FAST_ROLES)
    print(f"\npages fuzz: {routes} routes, {requests} requests, {seconds:.1f} s, {len(failures)} failures")
    report = []
    for (method, url, status), info in sorted(failures.items()):
        report.append(f"\n=== {method} {url} ({status}) as {info['role']}: {info['data']}\n{info['traceback']}")
    assert not failures, "\n".join(report)
