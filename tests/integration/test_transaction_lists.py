"""services.ledger.queries lists: a wallet's transactions are those paid from or into it, in any status, each once.

A transfer that pays a fee writes two entries on the payer's account, and a transaction held for AML review
has no entries until it is released: the lists read the transactions themselves, not their entries.
"""

from __future__ import annotations

from services.ledger.queries import list_transactions, transaction_pages_by_wallet
from tests.integration.aml_support import FEE, alerts, new_scene, resolve


async def _scene():
    """A payer who paid a fee on a small transfer and made two large ones (one held, one rejected)."""
    scene = await new_scene("FO")  # LARGE_TRANSACTION holds a transfer of 10,000.00 EUR or more
    payer = await scene.party(fund=["9000.00", "9000.00", "9000.00"])
    payee = await scene.party()
    small = await scene.transfer(payer, payee, "10.00")
    held = await scene.transfer(payer, payee, "10000.00")
    rejected = await scene.transfer(payer, payee, "10000.00")
    assert (small.status.value, small.fee_minor, held.status.value, rejected.status.value) == ("POSTED", FEE, "HELD", "HELD")
    [alert] = [a for a in await alerts(scene) if a["transaction_id"] == rejected.id]
    await resolve(alert["id"], "REJECT")
    return scene, payer, payee, small, held, rejected


async def test_a_wallets_list_holds_every_status_and_a_fee_paying_transfer_once(database_url):
    scene, payer, payee, small, held, rejected = await _scene()
    pages = await transaction_pages_by_wallet(principal=scene.principal, wallet_ids=[payer.wallet_id, payee.wallet_id],
                                              first=100, after=None)
    paid = pages[payer.wallet_id].items
    assert [t.id for t in paid][:3] == [rejected.id, held.id, small.id]
    assert len(paid) == 6 and len({t.id for t in paid}) == 6  # and the three top-ups, each once
    assert [t.status.value for t in paid][:3] == ["REJECTED", "HELD", "POSTED"]
    assert [t.id for t in pages[payee.wallet_id].items] == [rejected.id, held.id, small.id]


async def test_a_wallets_list_by_status_kind_and_time(database_url):
    scene, payer, payee, small, held, rejected = await _scene()

    async def listed(wallet_id, **filters) -> list:
        page = await list_transactions(principal=scene.principal, first=100, after=None, wallet_id=wallet_id, **filters)
        batched = await transaction_pages_by_wallet(principal=scene.principal, wallet_ids=[wallet_id], first=100,
                                                    after=None, **filters)
        assert batched[wallet_id] == page
        return [t.id for t in page.items]

    assert await listed(payer.wallet_id, status="HELD") == [held.id]
    assert await listed(payee.wallet_id, status="REJECTED") == [rejected.id]
    assert await listed(payer.wallet_id, status="POSTED", kind="TRANSFER") == [small.id]
    assert len(await listed(payer.wallet_id, kind="TOP_UP")) == 3 and await listed(payee.wallet_id, kind="TOP_UP") == []
    everything = (await list_transactions(principal=scene.principal, first=100, after=None, wallet_id=payer.wallet_id)).items
    by_id = {t.id: t for t in everything}
    start, end = by_id[small.id].created_at, by_id[rejected.id].created_at
    assert await listed(payer.wallet_id, created_from=start, created_to=end) == [held.id, small.id]


async def test_a_wallets_list_pages_backward_to_the_same_items(database_url):
    scene, payer, *_ = await _scene()
    forward = (await list_transactions(principal=scene.principal, first=100, after=None, wallet_id=payer.wallet_id))
    ids, before, backward = [t.id for t in forward.items], None, []
    while True:
        page = await list_transactions(principal=scene.principal, first=None, after=None, last=4, before=before,
                                       wallet_id=payer.wallet_id)
        backward = [t.id for t in page.items] + backward
        if not page.has_previous_page:
            break
        before = page.cursors[0]
    assert backward == ids and len(ids) == 6
