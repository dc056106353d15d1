"""SMS gateways. `SMS_BACKEND` (docs/configuration.md) picks one:

- "outbox" (default): nothing leaves the server; the message is marked sent and stays readable in the
  admin's outbox. For the demo and for provinces that hand messages to their operator by other means.
- "http": POST {"to", "text", "id"} as JSON to `SMS_HTTP_URL` with `Authorization: Bearer SMS_HTTP_TOKEN`;
  a 2xx answer is success and its JSON "id" (if any) is kept. Most Vietnamese SMS brandname gateways
  accept such a call through a small adapter of the operator's.
"""

import json
import urllib.request

from django.conf import settings


class SmsSendError(Exception):
    pass


def sms_send(*, to: str, text: str, message_id: int) -> str:
    """Send one SMS through the configured gateway; returns the gateway's id. Raises SmsSendError."""
    backend = getattr(settings, "SMS_BACKEND", "outbox")
    if backend == "outbox":
        return f"outbox-{message_id}"
    if backend == "http":
        body = json.dumps({"to": to, "text": text, "id": str(message_id)}).encode()
        request = urllib.request.Request(
            settings.SMS_HTTP_URL,
            data=body,
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {settings.SMS_HTTP_TOKEN}"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                answer = response.read()
        except OSError as exc:  # URLError, HTTPError, timeouts
            raise SmsSendError(str(exc)[:500]) from exc
        try:
            return str(json.loads(answer or b"{}").get("id", ""))[:100]
        except (ValueError, AttributeError):
            return ""
    raise SmsSendError(f"unknown SMS_BACKEND {backend!r}")
