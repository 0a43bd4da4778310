"""Idempotency keys: canonical request fingerprints and replay of the original result."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from services.errors import InvalidAmount, ValidationFailed

MAX_KEY_LENGTH = 255
_KEY_RE = re.compile(r"[\x21-\x7e]+")  # printable ASCII without spaces
_DECIMAL_RE = re.compile(r"\s*([0-9]+)(?:\.([0-9]+))?\s*")


def check_key(key: str) -> str:
    """Validate an idempotency key: 1 to 255 printable ASCII characters."""
    if not isinstance(key, str) or not key or len(key) > MAX_KEY_LENGTH or not _KEY_RE.fullmatch(key):
        raise ValidationFailed(
            "idempotencyKey must be 1 to 255 printable ASCII characters without spaces",
            field=["idempotencyKey"],
        )
    return key


def customer_key(customer_id: object, key: str) -> str:
    """The stored key of a delegated customer token's request: in that customer's own namespace.

    Keys are unique per partner, and a partner's customers share its
    namespace; without this, one customer's frontend could replay (and so
    read) another customer's transaction by guessing its key. Hashing keeps
    the stored key within 255 characters.
    """
    digest = hashlib.sha256(f"{customer_id}\x00{key}".encode()).hexdigest()
    return f"customer:{digest}"


def canonical_amount(text: str) -> str:
    """The amount with leading and trailing zeros removed, so "12.5" and "12.50" match."""
    match = _DECIMAL_RE.fullmatch(text) if isinstance(text, str) and len(text) <= 40 else None
    if match is None:
        raise InvalidAmount(f"amount {text!r} is not a positive decimal number", field=["amount"])
    whole = match.group(1).lstrip("0") or "0"
    frac = (match.group(2) or "").rstrip("0")
    return f"{whole}.{frac}" if frac else whole


def request_hash(operation: str, payload: dict[str, Any]) -> str:
    """A stable sha256 of the operation and its canonical inputs."""
    body = json.dumps({"op": operation, **payload}, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(body.encode()).hexdigest()
