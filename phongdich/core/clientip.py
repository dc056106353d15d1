"""The client's address: one function, one setting (NUM_PROXIES, docs/configuration.md), for every use of it.

Rate limits per address (DRF's throttles through core.throttling, the look-up and claim limits), the idempotency
scope of anonymous clients and the audit log all ask `client_ip`, so that behind a reverse proxy they count the
same client and not the proxy. Each proxy appends to X-Forwarded-For the address it received the request from;
behind N proxies of our own the client is the N-th entry from the right. Everything left of it was written by
the client and is never trusted.
"""

import ipaddress

from django.conf import settings


def _address(value) -> str | None:
    """`value` as a normalised IP address (IPv6 in its short form), or None when it is not one. Some proxies write
    the client's port too ("203.0.113.7:4711", "[2001:db8::1]:443": Azure Application Gateway, IIS ARR): the port
    is dropped, else every client behind such a proxy would fall back to the proxy's address and share its limits."""
    text = str(value).strip()
    if text.startswith("[") and "]" in text:
        text = text[1 : text.index("]")]
    elif text.count(":") == 1 and text.rsplit(":", 1)[1].isdigit():  # IPv4 and a port (IPv6 has 2+ colons)
        text = text.split(":")[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """The client's address. NUM_PROXIES = 0: the connection's (REMOTE_ADDR), whatever the headers say. Behind N
    proxies: the N-th X-Forwarded-For entry from the right; when the header has fewer entries (the request did not
    come through the proxies) or that entry is no IP address, the connection's, which the client cannot write.
    None when no address is known (never a text that an IP field would refuse)."""
    remote = _address(request.META.get("REMOTE_ADDR") or "")
    proxies = settings.NUM_PROXIES
    if not proxies:
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR") or ""
    hops = forwarded.split(",") if forwarded.strip() else []
    if len(hops) < proxies:
        return remote
    return _address(hops[-proxies]) or remote
