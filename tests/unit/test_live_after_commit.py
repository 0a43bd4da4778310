"""services.live.after_commit: postings inside a caller's transaction are announced after it, never on rollback."""

from __future__ import annotations

import asyncio

import pytest

from services import live
from services.live.after_commit import announce_committed, announcements_after_commit
from services.live.announce import wallet_topic
from tests.unit.test_live import _txn


async def _drain(queue) -> list[dict]:
    """Every message the subscription has received so far."""
    got = []
    while True:
        try:
            got.append(await asyncio.wait_for(queue.next(), 0.05))
        except asyncio.TimeoutError:
            return got


async def test_outside_a_block_a_posting_is_announced_at_once():
    txn = _txn()
    async with live.subscribe(wallet_topic(txn.from_wallet_id)) as payer:
        await announce_committed(txn)
        assert [m["transactionId"] for m in await _drain(payer)] == [str(txn.id)]


async def test_inside_a_block_announcements_wait_for_its_end_nested_blocks_included():
    first, second = _txn(), _txn()
    async with live.subscribe(wallet_topic(first.from_wallet_id)) as a, live.subscribe(wallet_topic(second.from_wallet_id)) as b:
        async with announcements_after_commit():
            await announce_committed(first)
            async with announcements_after_commit():  # an inner block leaves the publishing to the outer one
                await announce_committed(second)
            assert await _drain(a) == [] and await _drain(b) == []  # not committed yet: nothing said
        assert [m["transactionId"] for m in await _drain(a)] == [str(first.id)]
        assert [m["transactionId"] for m in await _drain(b)] == [str(second.id)]


async def test_a_block_that_raises_announces_nothing_and_the_next_posting_is_announced_again():
    rolled_back, later = _txn(), _txn()
    async with live.subscribe(wallet_topic(rolled_back.from_wallet_id)) as a, live.subscribe(wallet_topic(later.from_wallet_id)) as b:
        with pytest.raises(RuntimeError):
            async with announcements_after_commit():
                await announce_committed(rolled_back)
                raise RuntimeError("the transaction rolled back")
        await announce_committed(later)
        assert await _drain(a) == []
        assert [m["transactionId"] for m in await _drain(b)] == [str(later.id)]
