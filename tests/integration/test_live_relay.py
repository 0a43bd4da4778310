"""services.live.redis_relay against the real Redis: a publish in one relay reaches another's subscribers."""

from __future__ import annotations

import asyncio
import os
import uuid

import pytest
import redis.asyncio as redis

from services.live.bus import LocalBus
from services.live.redis_relay import RedisRelay

REDIS_URL = os.environ.get("QIANBAO_TEST_LIVE_REDIS_URL", "redis://127.0.0.1:6379/14")


async def test_two_relays_share_updates_through_redis():
    probe = redis.from_url(REDIS_URL, socket_connect_timeout=2.0)
    try:
        await probe.ping()
    except redis.ConnectionError as exc:
        pytest.fail(f"Redis must answer at {REDIS_URL} (set QIANBAO_TEST_LIVE_REDIS_URL): {exc}")
    finally:
        await probe.aclose()
    here, there = LocalBus(), LocalBus()
    relay_here, relay_there = RedisRelay(REDIS_URL, here), RedisRelay(REDIS_URL, there)
    await relay_here.start()
    await relay_there.start()
    topic = f"wallet:{uuid.uuid4()}"
    try:
        from services.live.bus import Subscription

        listener = Subscription(topic)
        there.add(listener)
        await relay_here.publish(topic, '{"walletId": "w"}')
        assert await asyncio.wait_for(listener.next(), 2) == {"walletId": "w"}
        await relay_here.client.publish(relay_here.prefix + topic, "not json")  # ignored, relay keeps going
        await relay_here.publish(topic, '{"n": 2}')
        assert await asyncio.wait_for(listener.next(), 2) == {"n": 2}
    finally:
        await relay_here.stop()
        await relay_there.stop()
