"""A page's form that creates something does it once, however often it is sent: a double click, a refresh after a
time-out, "send again".

The form carries a nonce (`form_nonce`, in a hidden field). The submission that does the work first claims the
nonce and what was sent for its user, in its own transaction (`form_once`): an IdempotencyKey "form:<nonce>:<hash
of the fields>" holding the address the work led to. A repeat of the same fields finds the claim and is sent to
that address instead of doing the work again (`form_sent_before`). The same nonce with other fields (the back
button brought the page back, and the official entered the next person) is another submission: it is done.
Two copies sent at the same moment meet at the claim's unique index: the second waits for the first transaction
and then gives way, so neither writes twice. The API's own Idempotency-Key (core.api.idempotent) is the same idea
for programs; the keys are pruned by core.tasks.idempotency_keys_prune_task.
"""

import contextlib
import hashlib
import json
import secrets

from django.db import IntegrityError, transaction

from .models import IdempotencyKey

PREFIX = "form:"


class FormSentBefore(Exception):
    """Another copy of the form did the work (it committed first): `location` is where it led, or None."""

    def __init__(self, location: str | None):
        super().__init__(location)
        self.location = location


def form_nonce() -> str:
    return secrets.token_urlsafe(16)


def _principal(request) -> str:
    return f"user:{request.user.pk}"


def _key(request, nonce: str) -> str:
    """The claim's key: the nonce and a digest of the fields sent (the CSRF token left out: it may change)."""
    fields = sorted((name, request.POST.getlist(name)) for name in request.POST if name != "csrfmiddlewaretoken")
    digest = hashlib.sha256(json.dumps(fields, ensure_ascii=False).encode()).hexdigest()
    return f"{PREFIX}{nonce}:{digest}"


def _valid(nonce: str) -> bool:
    return isinstance(nonce, str) and 16 <= len(nonce) <= 64 and nonce.isascii() and nonce.isprintable()


def form_sent_before(request, nonce: str) -> str | None:
    """Where the first copy of this form with these fields led (a path of this site), or None if it was not sent
    before."""
    if not _valid(nonce) or not request.user.is_authenticated:
        return None
    claim = IdempotencyKey.objects.filter(principal=_principal(request), key=_key(request, nonce)).first()
    if claim is None:
        return None
    return (claim.response_body or {}).get("location") or None


class _Claim:
    def __init__(self, key: IdempotencyKey | None):
        self._key = key

    def led_to(self, location: str) -> None:
        """Record where the work led, inside the same transaction as the work."""
        if self._key is not None:
            IdempotencyKey.objects.filter(pk=self._key.pk).update(response_body={"location": location})


@contextlib.contextmanager
def form_once(request, nonce: str):
    """Claim the form's nonce, then do the work in the `with` block, in one transaction with the claim. Raises
    FormSentBefore (nothing written) when another copy of the form claimed it first. A form without a valid nonce
    (an old page open since before the nonce existed) does the work unguarded."""
    with transaction.atomic():
        key = None
        if _valid(nonce) and request.user.is_authenticated:
            try:
                with transaction.atomic():
                    key = IdempotencyKey.objects.create(
                        principal=_principal(request),
                        key=_key(request, nonce),
                        method="POST",
                        path=request.path[:255],
                        request_hash="",
                        status_code=303,
                        response_body=None,
                    )
            except IntegrityError:
                raise FormSentBefore(form_sent_before(request, nonce)) from None
        yield _Claim(key)
