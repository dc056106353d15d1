"""Switchboards. `CALLS_BACKEND` (docs/calls.md, docs/configuration.md) picks one:

- "outbox" (default, the demo): nothing dials. A call the dispatcher places is handed to call-centre staff, who
  dial it by hand and record the key pressed on the campaign page (many communes worked so in 2021).
- "http": POST {"id", "to", "text_vi", "keys", "callback_url"} as JSON to `CALLS_HTTP_URL` with
  `Authorization: Bearer CALLS_HTTP_TOKEN`; a 2xx answer whose JSON has an "id" is accepted (that id is kept as
  the provider's). The switchboard later posts the result to /api/v1/calls/result/, signed (services.
  call_result_signature).
"""

import json
import urllib.request

from django.conf import settings

OUTBOX = "outbox"
HTTP = "http"
BACKENDS = (OUTBOX, HTTP)
# What each key means, sent with every call so that the switchboard's menu and ours agree.
KEYS = {"1": "present", "2": "not_present"}


class CallPlaceError(Exception):
    pass


def calls_backend() -> str:
    return getattr(settings, "CALLS_BACKEND", OUTBOX)


def call_place(*, call_id: int, to: str, text_vi: str, callback_url: str) -> str:
    """Hand one call to the configured switchboard; returns the provider's call id. Raises CallPlaceError."""
    backend = calls_backend()
    if backend == OUTBOX:
        return f"outbox-{call_id}"
    if backend != HTTP:
        raise CallPlaceError(f"unknown CALLS_BACKEND {backend!r}")
    body = json.dumps(
        {"id": str(call_id), "to": to, "text_vi": text_vi, "keys": KEYS, "callback_url": callback_url}
    ).encode()
    request = urllib.request.Request(
        settings.CALLS_HTTP_URL,
        data=body,
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {settings.CALLS_HTTP_TOKEN}"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.CALLS_HTTP_TIMEOUT_SECONDS) as response:
            answer = response.read(64 * 1024)
    except OSError as exc:  # URLError, HTTPError (4xx/5xx), timeouts, refused connections
        raise CallPlaceError(str(exc)[:500]) from exc
    try:
        provider_id = json.loads(answer or b"{}").get("id")
    except (ValueError, AttributeError):
        provider_id = None
    if provider_id in (None, ""):
        raise CallPlaceError("the switchboard's answer has no call id")
    return str(provider_id)[:100]
