"""The citizen's look-up of their own results (seed 003: "tra cứu kết quả xét nghiệm"), in two steps:

1. ID number (CCCD, CMND or passport) and date of birth. The answer is ALWAYS the same ("if the details match, we
   sent a code to the phone number you registered"), and the same work is done either way: a code is drawn and
   hashed whether or not a person matches; only a match stores it and sends it by SMS.
2. The 6-digit code. A wrong code, a code for details that matched nobody, and an unknown browser all get the
   same generic answer (testing_lookup_failed); after TESTING_LOOKUP_MAX_ATTEMPTS wrong tries the look-up must
   start again. A right code marks the browser's session verified for that person (people.citizen).

Step 1 is rate-limited per address and per ID number (DRF throttles in the cache, settings TESTING_LOOKUP_PER_*), so the
form cannot be used to try ID numbers in bulk. The code is stored only as an HMAC keyed with SECRET_KEY and the
challenge (core.otp, shared with the claim of a record on a new phone); the SMS text is masked in the outbox once
sent (notifications.notify(secret=True)).
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from phongdich.core import otp
from phongdich.core.audit import audit_record
from phongdich.core.errors import ApplicationError
from phongdich.people.models import Person

from . import errors
from .models import LookupCode
from .services import _id_fields

CODE_DIGITS = otp.CODE_DIGITS
# The state a browser's session keeps between the two steps.
STATE_KEY = "testing_lookup"

OTP_SMS = (
    "Ma tra cuu ket qua xet nghiem: {code} (hieu luc {minutes} phut). Khong dua ma nay cho ai. / "
    "Your test result look-up code: {code} (valid {minutes} minutes). Do not share it."
)


@dataclass(frozen=True)
class LookupStarted:
    state: dict  # to keep in the session
    code: str  # the code drawn (sent only when the details matched); shown only with SMS_ECHO_ON_PAGE


def _hash(code: str, challenge: str) -> str:
    return otp.otp_hash(purpose="phongdich.testing.lookup", challenge=challenge, code=code)


def _rate_limit(*, id_key: str, ip: str | None) -> None:
    # The ID number is hashed before it becomes a cache key: the cache holds no personal data.
    digest = otp.cache_key_digest(id_key)
    checks = [
        (
            f"testing:lookup:ip:{ip or '-'}",
            settings.TESTING_LOOKUP_PER_IP,
            settings.TESTING_LOOKUP_PER_IP_WINDOW_SECONDS,
        ),
        (f"testing:lookup:id:{digest}", settings.TESTING_LOOKUP_PER_ID, settings.TESTING_LOOKUP_PER_ID_WINDOW_SECONDS),
    ]
    otp.limits_check(checks, errors.LOOKUP_RATE_LIMITED)


# An ID number is not unique among people (anyone may type one at a public form). Sending the code only to the
# newest record's phone let a stranger who knew a CCCD and birth date register it with their own phone and take
# the owner's look-up: each phone on record for those details gets its own code, and a code opens only the record
# of the phone it was sent to. Bounded, so that planted records cannot turn the form into an SMS cannon.
MAX_PHONES_PER_LOOKUP = 3


def _matches(ids: dict, birth_date: dt.date) -> list[Person]:
    """The newest record of each phone on record for these details, newest first, at most MAX_PHONES_PER_LOOKUP."""
    ((field, value),) = ids.items()
    people = (
        Person.objects.filter(Q(**{field: value}), birth_date=birth_date)
        .exclude(phone="")
        .order_by("-updated_at", "-id")
    )
    by_phone: dict[str, Person] = {}
    for person in people[:50]:
        by_phone.setdefault(person.phone, person)
    return list(by_phone.values())[:MAX_PHONES_PER_LOOKUP]


def lookup_start(*, id_number: str, birth_date: dt.date, ip: str | None) -> LookupStarted:
    """Step 1. Raises only for a malformed ID number or a rate limit, never because of who exists."""
    ids = _id_fields(id_number)
    (id_value,) = ids.values()
    _rate_limit(id_key=id_value, ip=ip)
    now = timezone.now()
    challenge = otp.otp_challenge()
    ttl = settings.TESTING_LOOKUP_CODE_TTL_SECONDS
    expires_at = now + dt.timedelta(seconds=ttl)
    people = _matches(ids, birth_date)
    # A code is drawn and hashed for everyone: the same work whether or not someone matches.
    codes: list[str] = []
    while len(codes) < max(len(people), 1):  # distinct: one code for two phones would open either record
        codes.append(otp.otp_draw(avoid=codes))
    hashes = [_hash(code, challenge) for code in codes]
    if people:
        from phongdich.notifications.services import notify

        with transaction.atomic():
            for person, code, code_hash in zip(people, codes, hashes, strict=True):
                LookupCode.objects.create(
                    person=person, challenge=challenge, code_hash=code_hash, created_at=now, expires_at=expires_at
                )
                notify(
                    phone=person.phone,
                    text=OTP_SMS.format(code=code, minutes=max(1, ttl // 60)),
                    kind="otp",
                    person=person,
                    secret=True,
                )
                audit_record(
                    actor=None, action="testing.lookup.code_sent", obj=person, area_path=person.area_path, ip=ip
                )
    state = {"challenge": challenge, "expires_at": expires_at.timestamp(), "attempts": 0}
    return LookupStarted(state=state, code=codes[0])


def lookup_verify(*, state: dict | None, code: str, ip: str | None) -> Person:
    """Step 2: the person the code proves, or ApplicationError. `state` (the session's) is updated in place."""
    if not state or not state.get("challenge"):
        raise ApplicationError(errors.LOOKUP_EXPIRED)
    now = timezone.now()
    if now.timestamp() > float(state.get("expires_at") or 0):
        raise ApplicationError(errors.LOOKUP_EXPIRED)
    max_attempts = settings.TESTING_LOOKUP_MAX_ATTEMPTS
    if int(state.get("attempts") or 0) >= max_attempts:
        raise ApplicationError(errors.LOOKUP_LOCKED)
    typed = otp.otp_typed(code)
    typed_hash = _hash(typed, state["challenge"])  # hashed for everyone, as in step 1
    with transaction.atomic():
        # One code per phone on record (lookup_start): the typed code opens the record of the phone it was sent to.
        rows = list(
            LookupCode.objects.select_for_update()
            .select_related("person")
            .filter(challenge=state["challenge"], used_at__isnull=True)
            .order_by("pk")
        )
        row = None
        for candidate in rows:
            if candidate.usable(now=now, max_attempts=max_attempts) and otp.otp_matches(
                stored_hash=candidate.code_hash, typed_hash=typed_hash, typed=typed
            ):
                row = candidate
        good = row is not None
        if good:
            # The others of this look-up are spent too: the look-up is over.
            LookupCode.objects.filter(pk__in=[r.pk for r in rows]).update(used_at=now)
            audit_record(
                actor=None, action="testing.lookup.verified", obj=row.person, area_path=row.person.area_path, ip=ip
            )
        elif rows:  # counted in the database too: a new session does not reset a code's tries
            LookupCode.objects.filter(pk__in=[r.pk for r in rows]).update(attempts=F("attempts") + 1)
    if not good:  # raised after the block, so that the counted try is committed
        state["attempts"] = int(state.get("attempts") or 0) + 1
        raise ApplicationError(errors.LOOKUP_FAILED, extra={"attempts_left": max(0, max_attempts - state["attempts"])})
    state.clear()
    return row.person


def lookup_codes_prune(*, now: dt.datetime | None = None) -> int:
    """Delete codes that expired more than a day ago (they prove nothing any more)."""
    now = now or timezone.now()
    deleted, _ = LookupCode.objects.filter(expires_at__lt=now - dt.timedelta(days=1)).delete()
    return deleted
