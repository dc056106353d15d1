"""Reads of people. Every read an official makes of a person's record is audited (see person_get)."""

from .models import Person


def person_get_by_public_id(public_id: str) -> Person | None:
    """For check-in: resolve the id inside a personal QR code or a remembered device. Not an official's read."""
    return Person.objects.filter(public_id=public_id).first()
