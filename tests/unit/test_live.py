"""services.live without a database: the local fan-out, the per-owner cap, and what a posting announces."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

import pytest

from models.enums import TransactionKind, TransactionStatus
from services import live
from services.live import bus as live_bus
from services.live.announce import announce_wallets, event_topic, wallet_topic
from services.live.redis_relay import channel_prefix
from services.live.slots import TooManySubscriptions, open_slots, slot


@dataclass
class _Txn:
    id: uuid.UUID
    partner_id: uuid.UUID | None
    kind: TransactionKind
    status: TransactionStatus
    from_wallet_id: uuid.UUID | None
    to_wallet_id: uuid.UUID | None
    created_at: datetime


def _txn(**overrides) -> _Txn:
    values = dict(id=uuid.uuid4(), partner_id=uuid.uuid4(), kind=TransactionKind.TRANSFER, status=TransactionStatus.POSTED,
                  from_wallet_id=uuid.uuid4(), to_wallet_id=uuid.uuid4(), created_at=datetime(2026, 12, 4, tzinfo=timezone.utc))
    return _Txn(**{**values, **overrides})


async def test_a_posting_is_announced_to_each_wallet_and_to_its_partner():
    txn = _txn()
    async with live.subscribe(wallet_topic(txn.from_wallet_id)) as payer, \
            live.subscribe(wallet_topic(txn.to_wallet_id)) as payee, live.subscribe(event_topic(txn.partner_id)) as events:
        await announce_wallets(txn)
        for wallet_id, queue in ((txn.from_wallet_id, payer), (txn.to_wallet_id, payee)):
            assert await asyncio.wait_for(queue.next(), 1) == {
                "walletId": str(wallet_id), "transactionId": str(txn.id), "kind": "TRANSFER", "status": "POSTED"}
        event = await asyncio.wait_for(events.next(), 1)
        assert event == {"type": "transaction.posted", "transactionId": str(txn.id),
                         "walletIds": [str(txn.from_wallet_id), str(txn.to_wallet_id)], "kind": "TRANSFER",
                         "status": "POSTED", "occurredAt": "2026-12-04T00:00:00+00:00"}
        assert event["type"] in live.EVENT_TYPES
    assert live_bus.local_bus.count(wallet_topic(txn.from_wallet_id)) == 0  # unsubscribed on leaving the block


async def test_a_top_up_names_one_wallet_and_a_broken_record_never_raises():
    txn = _txn(from_wallet_id=None, kind=TransactionKind.TOP_UP, status=TransactionStatus.HELD)
    async with live.subscribe(event_topic(txn.partner_id)) as events:
        await announce_wallets(txn)
        event = await asyncio.wait_for(events.next(), 1)
        assert event["walletIds"] == [str(txn.to_wallet_id)] and event["type"] == "transaction.held"
    await announce_wallets(object())  # logged, not raised: a committed payment never fails here


async def test_a_slow_subscriber_keeps_the_newest_messages():
    async with live.subscribe("t:slow") as slow:
        for n in range(live_bus.QUEUE_SIZE + 5):
            await live.publish("t:slow", {"n": n})
        assert (await slow.next())["n"] == 5
        assert slow.queue.qsize() == live_bus.QUEUE_SIZE - 1


async def test_without_redis_a_publish_reaches_only_this_process_subscribers():
    await live.start(None)
    assert live_bus._relay is None
    assert live_bus.local_bus.deliver("t:nobody", {}) == 0


async def test_a_failing_relay_falls_back_to_local_delivery(monkeypatch):
    class Broken:
        async def publish(self, topic, payload):
            raise ConnectionError("redis down")

    monkeypatch.setattr(live_bus, "_relay", Broken())
    async with live.subscribe("t:fallback") as sub:
        await live.publish("t:fallback", {"ok": 1})
        assert await asyncio.wait_for(sub.next(), 1) == {"ok": 1}


def test_slots_cap_each_owner_and_free_on_exit():
    with slot("partner:x", limit=2), slot("partner:x", limit=2):
        assert open_slots("partner:x") == 2
        with pytest.raises(TooManySubscriptions) as refused:
            with slot("partner:x", limit=2):
                pass
        assert refused.value.code == "LIMIT_EXCEEDED"
        with slot("partner:y", limit=2):
            assert open_slots("partner:y") == 1
    assert open_slots("partner:x") == 0 and open_slots("partner:y") == 0


def test_the_channel_prefix_carries_the_redis_database():
    assert channel_prefix("redis://127.0.0.1:6379/14") == "qianbao:live:14:"
    assert channel_prefix("redis://127.0.0.1:6379") == "qianbao:live:0:"
    assert channel_prefix("rediss://u:p@host:6380/3?ssl_cert_reqs=none") == "qianbao:live:3:"


async def test_a_subscriber_can_skip_what_is_already_queued():
    async with live.subscribe("t:skip") as sub:
        for n in range(3):
            await live.publish("t:skip", {"n": n})
        assert (await sub.next())["n"] == 0
        assert sub.skip_queued() == 2 and sub.queue.empty()
