"""The client address behind reverse proxies: one function (core.clientip.client_ip) and one setting (NUM_PROXIES)
decide it for the rate limits (DRF's throttles and the look-up and claim limits), the idempotency scope and the
audit log. A header the client writes itself never moves it."""

import ast
from pathlib import Path

import pytest
from django.test import RequestFactory

PROXY = "10.0.0.1"  # the reverse proxy, as the server sees it
CLIENT = "203.0.113.7"


def client_ip(request):
    from phongdich.core.clientip import client_ip

    return client_ip(request)


def _request(xff=None, remote=PROXY):
    extra = {"REMOTE_ADDR": remote}
    if xff is not None:
        extra["HTTP_X_FORWARDED_FOR"] = xff
    return RequestFactory().get("/", **extra)


def test_no_proxy_takes_the_connection_and_ignores_the_header(settings):
    settings.NUM_PROXIES = 0
    assert client_ip(_request(remote=CLIENT)) == CLIENT
    assert client_ip(_request("198.51.100.9", remote=CLIENT)) == CLIENT  # spoofed: ignored


def test_one_proxy_takes_the_address_it_appended(settings):
    settings.NUM_PROXIES = 1
    assert client_ip(_request(CLIENT)) == CLIENT
    # A client that writes its own header gets it kept in front of what the proxy appends: the left part is ignored.
    assert client_ip(_request(f"198.51.100.9, 192.0.2.1 , {CLIENT}")) == CLIENT


def test_two_proxies_take_the_address_the_outer_one_saw(settings):
    settings.NUM_PROXIES = 2
    assert client_ip(_request(f"198.51.100.9, {CLIENT}, 10.0.0.2")) == CLIENT


@pytest.mark.parametrize("xff", [None, "", " , ", "not-an-address", f"{CLIENT}:port", "::1]", "[::1"])
def test_behind_a_proxy_a_missing_or_malformed_header_falls_back_to_the_connection(settings, xff):
    """Fewer entries than proxies (the request did not come through them) or an entry that is no address: the
    connection's address, the one the client did not write (never a text the audit log's IP field would refuse)."""
    settings.NUM_PROXIES = 1 if xff is not None else 2
    assert client_ip(_request(xff)) == PROXY


@pytest.mark.parametrize(
    ("xff", "client"),
    [(f"{CLIENT}:4711", CLIENT), ("[2001:db8::1]:443", "2001:db8::1"), (f" {CLIENT}:80 ", CLIENT)],
)
def test_a_port_the_proxy_wrote_after_the_address_is_dropped(settings, xff, client):
    """Azure Application Gateway and IIS ARR write "address:port": read as no address, every client fell back to
    the proxy's address and shared one rate limit."""
    settings.NUM_PROXIES = 1
    assert client_ip(_request(xff)) == client


def test_an_ipv6_address_is_kept_in_its_short_form(settings):
    settings.NUM_PROXIES = 1
    assert client_ip(_request("2001:DB8:0:0::1")) == "2001:db8::1"
    settings.NUM_PROXIES = 0
    assert client_ip(_request(remote="bogus")) is None


# --- the same address everywhere -------------------------------------------------------------------------------


LOOKUP = "/testing/lookup/"


def _lookup(client, index, **headers):
    data = {"step": "start", "id_number": f"03809000{index:04d}", "birth_date": "1990-01-01"}
    return client.post(LOOKUP, data, REMOTE_ADDR=PROXY, **headers).status_code


@pytest.mark.django_db
def test_behind_one_proxy_each_citizen_has_their_own_lookup_limit(client, settings):
    """The look-up's per-address limit counted the proxy's address: the whole province shared one allowance."""
    settings.NUM_PROXIES, settings.TESTING_LOOKUP_PER_IP = 1, 2
    assert [_lookup(client, n, HTTP_X_FORWARDED_FOR="198.51.100.1") for n in range(3)] == [200, 200, 429]
    assert _lookup(client, 3, HTTP_X_FORWARDED_FOR="198.51.100.2") == 200  # another citizen


@pytest.mark.django_db
def test_a_spoofed_header_does_not_escape_the_lookup_limit(client, settings):
    settings.NUM_PROXIES, settings.TESTING_LOOKUP_PER_IP = 1, 2
    statuses = [_lookup(client, n, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 198.51.100.1") for n in range(3)]
    assert statuses == [200, 200, 429]
    settings.NUM_PROXIES = 0  # no proxy: the whole header is the client's own words, and the connection counts
    statuses = [_lookup(client, 10 + n, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}") for n in range(3)]
    assert statuses == [200, 200, 429]


@pytest.mark.django_db
def test_drf_throttles_count_per_the_same_address(client, settings, monkeypatch):
    """The public area search (a DRF throttle) counts per client behind the proxy, like the look-up, and a client
    rotating what it writes in the header stays one client."""
    from rest_framework.throttling import ScopedRateThrottle

    rates = {**ScopedRateThrottle.THROTTLE_RATES, "area_search": "2/min"}
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", rates)
    settings.NUM_PROXIES = 1

    def search(xff):
        return client.get("/api/v1/areas/", {"q": "x"}, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=xff).status_code

    assert [search(f"192.0.2.{n}, 198.51.100.1") for n in range(3)] == [200, 200, 429]
    assert search("198.51.100.2") == 200


def test_no_module_uses_drfs_address_or_remote_addr_directly():
    """Every throttle comes from core.throttling and every address from core.clientip."""
    root = Path(__file__).resolve().parents[2]
    offenders = []
    for path in root.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts or path.name in ("clientip.py", "throttling.py"):
            continue
        text = path.read_text()
        tree = ast.parse(text)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "rest_framework.throttling":
                offenders.append(f"{path.relative_to(root)}: imports rest_framework.throttling")
        if "REMOTE_ADDR" in text or "X_FORWARDED_FOR" in text:
            offenders.append(f"{path.relative_to(root)}: reads the address itself")
    assert offenders == []
