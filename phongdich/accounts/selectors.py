"""Reads of officials."""

from .models import Official


def official_of(user) -> Official | None:
    """The user's active Official record (role and area), or None for anonymous users, devices and others."""
    if user is None or not getattr(user, "is_authenticated", False) or getattr(user, "is_device", False):
        return None
    try:
        official = user.official
    except Official.DoesNotExist:
        return None
    return official if official.is_active else None
