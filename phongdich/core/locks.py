"""Serialising writes that no row lock covers (nothing to lock yet: the first record of a CCCD number, the codes
sent to a phone number, one operator's imports)."""

import hashlib

from django.db import connection


def advisory_xact_lock(name: str) -> None:
    """Hold the lock `name` until the current transaction ends: PostgreSQL's transaction-level advisory lock, keyed
    by 64 bits of the name's SHA-256. Nothing on SQLite, which writes one transaction at a time."""
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])
