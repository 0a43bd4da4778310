"""What the posting engine tells live subscribers after a posting commits.

Two kinds of message (the payload shapes are the contract of services.live):

- on `wallet:<wallet uuid>`, for each wallet of the transaction:
  {"walletId", "transactionId", "kind", "status"}  (uuids as strings, enum values as strings);
  for a change of the wallet itself (frozen, unfrozen, closed): {"walletId", "transactionId": null,
  "kind": null, "status": the wallet's new status}
- on `events:<partner uuid>`, once per posting:
  {"type": "transaction.posted" | "transaction.held" | "transaction.rejected",
   "transactionId", "walletIds": [...], "kind", "status", "occurredAt" (ISO 8601 UTC)}

The durable event catalogue (outbox, replay) is services.events; these are
live notifications only, lost when nobody listens.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from services.live import bus

log = logging.getLogger("qianbao.live")
EVENT_TYPES = ("transaction.posted", "transaction.held", "transaction.rejected")


def wallet_topic(wallet_id: uuid.UUID | str) -> str:
    return f"wallet:{wallet_id}"


def event_topic(partner_id: uuid.UUID | str) -> str:
    return f"events:{partner_id}"


def _value(enum_or_str: Any) -> str:
    return str(getattr(enum_or_str, "value", enum_or_str))


async def announce_wallets(txn: Any) -> None:
    """Publish a committed posting to its wallets' and its partner's subscribers. Never raises."""
    try:
        wallet_ids = [str(w) for w in dict.fromkeys((txn.from_wallet_id, txn.to_wallet_id)) if w is not None]
        kind, status = _value(txn.kind), _value(txn.status)
        messages = [(wallet_topic(wallet_id), {
            "walletId": wallet_id, "transactionId": str(txn.id), "kind": kind, "status": status,
        }) for wallet_id in wallet_ids]
        if txn.partner_id is not None:
            messages.append((event_topic(txn.partner_id), {
                "type": f"transaction.{status.lower()}", "transactionId": str(txn.id), "walletIds": wallet_ids,
                "kind": kind, "status": status, "occurredAt": txn.created_at.isoformat(),
            }))
        await bus.publish_many(messages)  # one Redis round trip per posting, whatever the number of topics
    except Exception:  # noqa: BLE001 - a lost live update must never fail a committed payment
        log.warning("could not announce transaction %s to live subscribers", getattr(txn, "id", "?"), exc_info=True)


async def announce_wallet_status(wallet_id: uuid.UUID | str, status: Any) -> None:
    """Tell a wallet's subscribers that the wallet itself changed (frozen, unfrozen, closed). Never raises."""
    try:
        await bus.publish(wallet_topic(wallet_id), {
            "walletId": str(wallet_id), "transactionId": None, "kind": None, "status": _value(status),
        })
    except Exception:  # noqa: BLE001 - a lost live update must never fail a committed change
        log.warning("could not announce wallet %s to live subscribers", wallet_id, exc_info=True)
