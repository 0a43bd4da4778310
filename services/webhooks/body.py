"""The JSON body of a webhook: built in one place so the ID format can change in one place."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

# Turns an outbox payload (raw ids) into what leaves the bank (global IDs, documented fields only). The API layer
# passes schema.events.payload.wire_payload: services never import schema, and no caller may forget it (no default).
PayloadConverter = Callable[[str, dict[str, Any]], dict[str, Any]]


def _iso(value: datetime) -> str:
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def build_body(
    *, event_type: str, payload: dict[str, Any], occurred_at: datetime, wire: PayloadConverter, sequence: int,
) -> bytes:
    """The Standard Webhooks body `{type, timestamp, sequence, data}` as the exact UTF-8 bytes signed and sent.

    `data` is the event row's payload as `wire` shows it outside the bank (global IDs, documented fields only);
    the webhook-id header identifies the message. `sequence` (the event's id, as a decimal string) orders the
    events of one object: a later change of a wallet always has a larger sequence (services.outbox_position).
    """
    document = {"type": event_type, "timestamp": _iso(occurred_at), "sequence": str(sequence),
                "data": wire(event_type, payload)}
    return json.dumps(document, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()


def ping_body(*, now: datetime) -> bytes:
    """The body of webhookTest: a `webhook.ping` that announces nothing."""
    document = {"type": "webhook.ping", "timestamp": _iso(now), "data": {}}
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode()
