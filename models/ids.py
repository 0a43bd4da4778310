"""Time-ordered UUIDs (RFC 9562 version 7) for public primary keys.

Public objects get UUIDv7 keys: they are opaque to partners (no sequential
integers to enumerate) yet sort by creation time, so keyset pagination on the
primary key alone returns rows in creation order on SQLite and PostgreSQL.
"""

import os
import time
import uuid


def uuid7() -> uuid.UUID:
    """Return a new UUIDv7: 48 bits of Unix milliseconds, then random bits."""
    unix_ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (unix_ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= ((rand >> 62) & 0xFFF) << 64
    value |= 0b10 << 62
    value |= rand & ((1 << 62) - 1)
    return uuid.UUID(int=value)
