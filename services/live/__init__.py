"""Live updates: publish/subscribe fan-out for GraphQL subscriptions.

Topics are plain strings (`wallet:<uuid>`, `events:<partner uuid>`); a message
is a small JSON-able dict. Without Redis, a publish reaches the subscribers of
this process only. With QIANBAO_REDIS_URL set (`start(redis_url)` in the app's
lifespan), every publish goes through Redis pub/sub and every process's relay
hands it to its own local subscribers, so a posting on one uvicorn worker or
host reaches a subscription held by any other.

The posting engine calls `announce_wallets(txn)` once a posting has committed;
nothing here ever raises into the caller (a lost live update is logged, never a
failed payment).
"""

from __future__ import annotations

from services.live.announce import EVENT_TYPES, announce_wallet_status, announce_wallets, event_topic, wallet_topic
from services.live.bus import LocalBus, Subscription, publish, start, stop, subscribe
from services.live.slots import MAX_SUBSCRIPTIONS_PER_OWNER, TooManySubscriptions, open_slots, slot

__all__ = [
    "EVENT_TYPES", "MAX_SUBSCRIPTIONS_PER_OWNER", "LocalBus", "Subscription", "TooManySubscriptions",
    "announce_wallet_status", "announce_wallets", "event_topic", "open_slots", "publish", "slot", "start", "stop", "subscribe", "wallet_topic",
]
