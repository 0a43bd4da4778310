"""Fan-out across processes and hosts: publish to Redis, hear every publish with one pattern subscription.

Each process holds one pub/sub connection subscribed to `<prefix>*` and hands
every message to its local subscribers (services.live.bus.LocalBus). Redis
pub/sub ignores the database number of the URL, so the prefix carries it:
two deployments on one Redis stay apart by using different databases.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

import redis.asyncio as redis

log = logging.getLogger("qianbao.live")
RECONNECT_DELAY_S = 1.0
BATCH = "!batch"  # the channel suffix of a JSON list of [topic, message] pairs (no topic starts with "!")


def channel_prefix(redis_url: str) -> str:
    """'qianbao:live:<db>:' for the URL's database number (0 when it names none)."""
    path = redis_url.split("://", 1)[-1].partition("/")[2].split("?", 1)[0]
    return f"qianbao:live:{path if path.isdigit() else '0'}:"


class RedisRelay:
    def __init__(self, redis_url: str, bus: Any) -> None:
        self.client = redis.Redis.from_url(redis_url)
        self.prefix = channel_prefix(redis_url)
        self.bus = bus
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    async def start(self) -> None:
        """Start listening; returns once the pattern subscription is in place (or after 2 s)."""
        self._task = asyncio.create_task(self._listen())
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._ready.wait(), 2.0)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.client.aclose()

    async def publish(self, topic: str, payload: str) -> None:
        await self.client.publish(self.prefix + topic, payload)

    async def publish_batch(self, payload: str) -> None:
        """Several (topic, message) pairs in one PUBLISH (a posting's wallets and partner: one round trip)."""
        await self.client.publish(self.prefix + BATCH, payload)

    async def _listen(self) -> None:
        while True:
            pubsub = self.client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.psubscribe(self.prefix + "*")
                self._ready.set()
                async for message in pubsub.listen():
                    self._dispatch(message)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - keep relaying after Redis comes back
                log.warning("live update relay lost Redis; reconnecting", exc_info=True)
                await asyncio.sleep(RECONNECT_DELAY_S)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()

    def _dispatch(self, message: dict[str, Any]) -> None:
        if message.get("type") != "pmessage":
            return
        channel = message["channel"].decode() if isinstance(message["channel"], bytes) else message["channel"]
        try:
            payload = json.loads(message["data"])
        except (TypeError, ValueError):
            log.warning("ignored a malformed live update on %s", channel)
            return
        topic = channel[len(self.prefix):]
        if topic == BATCH:
            for pair in payload if isinstance(payload, list) else []:
                if isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str):
                    self.bus.deliver(pair[0], pair[1])
            return
        self.bus.deliver(topic, payload)
