"""A rail's callback, authenticated: signed (Standard Webhooks, HMAC-SHA256 with the rail's secret), recent, once.

The signature covers the message id, its timestamp and the body; a timestamp
more than five minutes away is refused (standardwebhooks' tolerance), so a
captured callback cannot be replayed later, and a message id seen before
answers DUPLICATE and changes nothing (a rail's retry inside the window).
What the callback reports goes through services.rails.outcomes, whose own
claims make every outcome apply once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError
from tortoise.exceptions import IntegrityError

from models import RailCallback
from services.rails.config import callback_secret
from services.rails.interface import OUTCOMES, RailEvent
from services.rails.outcomes import UNKNOWN, apply_rail_event
from services.rails.registry import rail_named

MAX_BODY_BYTES = 4096


@dataclass(frozen=True)
class CallbackAnswer:
    """The HTTP status and JSON body the callback route answers."""

    status: int
    body: dict[str, Any]


def _refused(status: int, code: str, message: str) -> CallbackAnswer:
    return CallbackAnswer(status, {"result": "REFUSED", "code": code, "message": message})


def _event(rail: str, parsed: Any) -> RailEvent | None:
    """The outcome a verified body reports, or None when it is malformed."""
    if not isinstance(parsed, dict):
        return None
    reference, status, reason = parsed.get("reference"), parsed.get("status"), parsed.get("reasonCode")
    if not isinstance(reference, str) or not 0 < len(reference) <= 64 or status not in OUTCOMES:
        return None
    if reason is not None and (not isinstance(reason, str) or len(reason) > 64):
        return None
    return RailEvent(rail=rail, reference=reference, status=status, reason_code=reason)


async def accept_callback(rail: str, body: bytes, headers: dict[str, str]) -> CallbackAnswer:
    """Verify a rail's callback and apply what it reports (each refusal changes nothing)."""
    if rail_named(rail) is None:
        return _refused(404, "UNKNOWN_RAIL", "no such rail")
    secret = callback_secret()
    if secret is None:
        return _refused(503, "NOT_CONFIGURED", "rail callbacks are not configured (QIANBAO_RAIL_CALLBACK_SECRET)")
    if len(body) > MAX_BODY_BYTES:
        return _refused(413, "TOO_LARGE", f"a callback body is at most {MAX_BODY_BYTES} bytes")
    try:
        Webhook(secret).verify(body, headers, json_parse=False)
        parsed = json.loads(body)
    except (WebhookVerificationError, ValueError):
        return _refused(401, "UNAUTHENTICATED", "missing, stale or wrong signature")
    event = _event(rail, parsed)
    if event is None:
        return _refused(400, "MALFORMED", "expected {reference, status: SETTLED|FAILED|RETURNED, reasonCode?}")
    message_id = f"{rail}:{headers.get('webhook-id') or headers.get('Webhook-Id')}"[:128]
    if await RailCallback.exists(id=message_id):
        return CallbackAnswer(200, {"result": "DUPLICATE"})
    result = await apply_rail_event(event)
    if result == UNKNOWN:
        return _refused(404, "UNKNOWN_REFERENCE", "no transfer of this rail has that reference")
    try:
        await RailCallback.create(id=message_id, rail=rail)
    except IntegrityError:
        return CallbackAnswer(200, {"result": "DUPLICATE"})  # the same message, at the same moment, on another host
    return CallbackAnswer(200, {"result": result})
