"""The process's fan-out: local subscriber queues, and an optional Redis relay in front of them."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

log = logging.getLogger("qianbao.live")

# A subscriber that falls this far behind loses the oldest updates (each update
# makes the subscription re-read the current state, so a later one supersedes them).
QUEUE_SIZE = 256


class Subscription:
    """One subscriber's queue of messages on one topic."""

    def __init__(self, topic: str) -> None:
        self.topic = topic
        self.queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=QUEUE_SIZE)

    def offer(self, message: dict[str, Any]) -> None:
        if self.queue.full():
            self.queue.get_nowait()  # drop the oldest: never block the publisher
        self.queue.put_nowait(message)

    async def next(self) -> dict[str, Any]:
        return await self.queue.get()

    def skip_queued(self) -> int:
        """Drop the messages already waiting (for a subscriber that re-reads the state anyway); return how many."""
        skipped = 0
        while not self.queue.empty():
            self.queue.get_nowait()
            skipped += 1
        return skipped


class LocalBus:
    """Topic → this process's subscribers."""

    def __init__(self) -> None:
        self._subscribers: dict[str, set[Subscription]] = {}

    def add(self, subscription: Subscription) -> None:
        self._subscribers.setdefault(subscription.topic, set()).add(subscription)

    def remove(self, subscription: Subscription) -> None:
        subscribers = self._subscribers.get(subscription.topic)
        if subscribers is not None:
            subscribers.discard(subscription)
            if not subscribers:
                del self._subscribers[subscription.topic]

    def deliver(self, topic: str, message: dict[str, Any]) -> int:
        """Hand the message to every local subscriber of the topic; return how many."""
        subscribers = list(self._subscribers.get(topic, ()))
        for subscription in subscribers:
            subscription.offer(message)
        return len(subscribers)

    def count(self, topic: str | None = None) -> int:
        if topic is not None:
            return len(self._subscribers.get(topic, ()))
        return sum(len(s) for s in self._subscribers.values())


local_bus = LocalBus()
_relay: Any = None  # services.live.redis_relay.RedisRelay while Redis is configured


async def start(redis_url: str | None) -> None:
    """Use Redis pub/sub for fan-out when a URL is given (else stay in-process)."""
    global _relay
    await stop()
    if redis_url:
        from services.live.redis_relay import RedisRelay

        relay = RedisRelay(redis_url, local_bus)
        await relay.start()
        _relay = relay


async def stop() -> None:
    global _relay
    relay, _relay = _relay, None
    if relay is not None:
        await relay.stop()


async def publish(topic: str, message: dict[str, Any]) -> None:
    """Send a message to every subscriber of the topic, in every process when Redis is configured."""
    if _relay is not None:
        try:
            await _relay.publish(topic, json.dumps(message))
            return
        except Exception:  # noqa: BLE001 - Redis down: this process's subscribers still hear it
            log.warning("live update via Redis failed; delivered in this process only", exc_info=True)
    local_bus.deliver(topic, message)


async def publish_many(messages: list[tuple[str, dict[str, Any]]]) -> None:
    """Send several messages (each to its topic) at once: one Redis round trip when Redis is configured."""
    if _relay is not None:
        try:
            await _relay.publish_batch(json.dumps([[topic, message] for topic, message in messages]))
            return
        except Exception:  # noqa: BLE001 - Redis down: this process's subscribers still hear it
            log.warning("live update via Redis failed; delivered in this process only", exc_info=True)
    for topic, message in messages:
        local_bus.deliver(topic, message)


@asynccontextmanager
async def subscribe(topic: str) -> AsyncIterator[Subscription]:
    """Receive the topic's messages while the block runs (registered before the block starts)."""
    subscription = Subscription(topic)
    local_bus.add(subscription)
    try:
        yield subscription
    finally:
        local_bus.remove(subscription)
