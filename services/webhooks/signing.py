"""Standard Webhooks signatures through the `standardwebhooks` library (no hand-rolled HMAC)."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Sequence
from datetime import datetime
from math import floor

from standardwebhooks.webhooks import Webhook

SECRET_BYTES = 32


def new_secret() -> str:
    """A fresh signing secret in the Standard Webhooks form `whsec_<base64>`."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def signed_headers(*, message_id: str, timestamp: datetime, body: bytes, secrets_: Sequence[str]) -> dict[str, str]:
    """webhook-id, webhook-timestamp and webhook-signature (one `v1,...` per secret, space-separated)."""
    signatures = " ".join(Webhook(secret).sign(message_id, timestamp, body) for secret in secrets_)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(floor(timestamp.timestamp())),
        "webhook-signature": signatures,
        "content-type": "application/json",
        "user-agent": "Qianbao-Webhooks/1",
    }
