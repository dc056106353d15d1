"""The audit log service. Every service that reads or changes personal data calls `audit_record`."""

from .clientip import client_ip as client_ip  # the address an entry records: the one rate limits count (clientip)
from .models import AuditLog


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
    return AuditLog.objects.create(
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
