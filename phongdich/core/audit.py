"""The audit log service. Every service that reads or changes personal data calls `audit_record`."""

import logging
from contextvars import ContextVar, Token

from django.db import DatabaseError

from .clientip import client_ip as client_ip  # the address an entry records: the one rate limits count (clientip)
from .models import AuditLog

logger = logging.getLogger(__name__)

# The reads audited during the current request (core.middleware.AuditReadsKeptMiddleware), None outside one.
_reads: ContextVar[list[AuditLog] | None] = ContextVar("audit_reads", default=None)
# An action is a read when its last part says so: "cases.contact.viewed", "telecom.trace.numbers_viewed",
# "people.person.searched", "cases.case.contacts_listed".
_READ_MARKS = ("viewed", "listed", "searched")


def is_read_action(action: str) -> bool:
    last = action.rsplit(".", 1)[-1]
    return any(mark in last for mark in _READ_MARKS)


def _actor_label(actor) -> str:
    if actor is None:
        return "system"
    if getattr(actor, "is_device", False):
        return f"device:{actor.pk}:{actor.name}"[:200]
    return (getattr(actor, "username", "") or str(actor))[:200]


def audit_record(
    *,
    actor,
    action: str,
    obj=None,
    area_path: str = "",
    reason: str = "",
    ip: str | None = None,
    extra: dict | None = None,
) -> AuditLog:
    """Write one audit entry. `actor` is a user, a scanner device or None (the system)."""
    user = (
        actor
        if actor is not None and getattr(actor, "is_authenticated", False) and not getattr(actor, "is_device", False)
        else None
    )
    entry = AuditLog.objects.create(
        actor=user,
        actor_label=_actor_label(actor),
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        area_path=area_path,
        reason=reason[:255],
        ip=ip,
        extra=extra or {},
    )
    reads = _reads.get()
    if reads is not None and is_read_action(action):
        reads.append(entry)
    return entry


def reads_collect() -> tuple[list[AuditLog], Token]:
    """Start remembering the reads audited from here (for reads_restore); end with reads_collect_end(token)."""
    reads: list[AuditLog] = []
    return reads, _reads.set(reads)


def reads_collect_end(token: Token) -> None:
    _reads.reset(token)


def reads_restore(reads: list[AuditLog]) -> int:
    """Write again the entries of `reads` that a rollback took away, and return how many. A read happened even when
    the write that followed it was refused: the person's record was read, and the refusal may show it (an F2 refused
    because the person is already an F1 of the case, a dismissal reason in a 409), yet a view that reads inside the
    transaction of its write (every API write with an Idempotency-Key, core.api.idempotent) loses the entry with
    the rollback. A rolled-back row is one whose id no longer holds the same entry (SQLite gives a rolled-back id
    out again: its AUTOINCREMENT counter is rolled back with the rows). To be called outside the transaction that
    was rolled back."""
    if not reads:
        return 0
    try:
        fields = ("pk", "action", "object_type", "object_id", "at")
        kept = set(AuditLog.objects.filter(pk__in=[entry.pk for entry in reads]).values_list(*fields))
        lost = [entry for entry in reads if tuple(getattr(entry, name) for name in fields) not in kept]
        for entry in lost:
            entry.pk = None
            entry._state.adding = True
            entry.save(force_insert=True)
    except DatabaseError:  # the connection is unusable (the error that ended the request): said, not hidden
        logger.exception("audit: %d read(s) rolled back could not be written again", len(reads))
        return 0
    return len(lost)
