"""Outbox positions: a transaction that commits late never lands behind a cursor already handed out."""

from __future__ import annotations

import asyncio
import uuid

from tortoise.transactions import in_transaction

from models import DomainEvent
from services.event_feed import list_events
from services.events import record_domain_event
from services.outbox_position import MAX_ID, Position, end_of_final
from tests.conftest import requires_postgres
from tests.integration.service_support import new_partner


def test_a_position_travels_in_a_cursor_and_orders_by_transaction_first():
    """(tx, id) fits a 128-bit cursor both ways, and a smaller tx comes first whatever the ids."""
    position = Position(tx=2**40 + 7, event_id=MAX_ID)
    assert Position.from_uuid(position.as_uuid()) == position
    assert Position(5, 900) < Position(6, 1) < Position(6, 2)
    assert end_of_final(None, 42) == Position(0, 42)  # SQLite: ids are the commit order
    assert end_of_final(1000, 0) == Position(999, MAX_ID)  # PostgreSQL: everything below the horizon


async def _frozen(partner_id: uuid.UUID, using_db) -> DomainEvent:
    """A wallet.frozen event of the partner written in the caller's transaction."""
    wallet = str(uuid.uuid4())
    return await record_domain_event(type="wallet.frozen", partner_id=partner_id, object_type="Wallet", object_id=wallet,
                                     payload={"walletId": wallet, "customerId": str(uuid.uuid4())}, using_db=using_db)


async def _eventually(read, want, *, seconds: float = 20.0):  # noqa: ANN001
    """`read()` until it answers `want` or time runs out; its last answer.

    PostgreSQL's horizon is the oldest transaction running on the whole server: another client's open
    transaction (another test run's database, a benchmark) holds committed events back until it ends, which is
    the feed's promise working, not failing. The test waits for that, bounded.
    """
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        got = await read()
        if got == want or asyncio.get_running_loop().time() > deadline:
            return got
        await asyncio.sleep(0.1)


@requires_postgres
async def test_an_event_committed_late_is_not_skipped_by_the_feed(database_url):
    """A (id drawn first, committed last) and B: the feed hides B while A runs, then gives A before B."""
    principal = await new_partner("position")
    a_written, a_may_commit = asyncio.Event(), asyncio.Event()

    async def slow_writer() -> int:
        async with in_transaction() as connection:
            event = await _frozen(principal.partner_id, connection)
            a_written.set()
            await a_may_commit.wait()
        return event.id

    task = asyncio.create_task(slow_writer())
    await a_written.wait()
    async with in_transaction() as connection:
        b = await _frozen(principal.partner_id, connection)
    first = await list_events(principal=principal, first=100, after=None, types=["wallet.frozen"])
    assert b.id not in [e.id for e in first.items], "B must wait while A, an older transaction, is running"
    a_may_commit.set()
    a_id = await task
    assert a_id < b.id
    cursor = first.cursors[-1] if first.cursors else None

    async def later() -> list[int]:
        page = await list_events(principal=principal, first=100, after=cursor, types=["wallet.frozen"])
        return [e.id for e in page.items]

    assert await _eventually(later, [a_id, b.id]) == [a_id, b.id]
    rows = {row.id: row.tx for row in await DomainEvent.filter(id__in=[a_id, b.id])}
    assert 0 < rows[a_id] < rows[b.id], "the trigger stamps each event with its transaction's id"


async def test_the_feed_pages_in_id_order_on_one_writer(database_url):
    """Events committed one after another come back in order across pages, on either backend."""
    principal = await new_partner("position-pages")
    written = []
    for _ in range(5):
        async with in_transaction() as connection:
            written.append((await _frozen(principal.partner_id, connection)).id)

    async def every_page() -> list[int]:
        seen, after = [], None
        while True:
            page = await list_events(principal=principal, first=2, after=after, types=["wallet.frozen"])  # not bank-wide ones
            seen += [e.id for e in page.items]
            if not page.has_next_page:
                return seen
            after = page.cursors[-1]

    assert await _eventually(every_page, written) == written
