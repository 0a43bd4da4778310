"""A page of several wallets' transactions at once (services.ledger.queries.transaction_pages_by_wallet) against an
oracle computed in Python from every transaction: first/after and last/before, filters, a wallet with none.

On PostgreSQL the pages are read per wallet from the (wallet, id) indexes (services.pagination.lateral_page_ids,
migration 0036); on SQLite by ranking the candidates (grouped_page_ids). Both must give the same pages.
"""

from __future__ import annotations

import uuid

from models import Transaction
from services.ledger.posting import post_top_up, post_transfer
from services.ledger.queries import transaction_pages_by_wallet
from services.pagination import encode_cursor
from tests.integration.service_support import holder, new_partner


async def _world():  # type: ignore[no-untyped-def]
    """Three funded wallets with transfers among them, a fourth with no transaction, and another partner's wallet."""
    partner = await new_partner("pages")
    a, b, c, idle = [await holder(partner) for _ in range(4)]
    for n, h in enumerate((a, b, c)):
        await post_top_up(principal=partner, wallet_id=h.wallet_id, amount="100.00", idempotency_key=f"pages-top-{n}")
    pairs = [(a, b), (b, c), (c, a), (a, c), (b, a)]
    for n in range(15):
        src, dst = pairs[n % len(pairs)]
        await post_transfer(principal=partner, from_wallet_id=src.wallet_id, to_wallet_id=dst.wallet_id,
                            amount=f"0.{n + 1:02d}", idempotency_key=f"pages-t-{n}")
    other = await new_partner("pages-other")
    stranger = await holder(other)
    await post_top_up(principal=other, wallet_id=stranger.wallet_id, amount="5.00", idempotency_key="pages-other")
    return partner, [a.wallet_id, b.wallet_id, c.wallet_id, idle.wallet_id], stranger.wallet_id


async def _oracle(wallet_id: uuid.UUID, kind: str | None = None) -> list[uuid.UUID]:
    """Every transaction of the wallet, newest (largest id) first."""
    rows = await Transaction.filter(from_wallet_id=wallet_id).values_list("id", "kind")
    rows += await Transaction.filter(to_wallet_id=wallet_id).values_list("id", "kind")
    return sorted({tid for tid, k in rows if kind is None or k == kind}, reverse=True)


def _ids(page) -> list[uuid.UUID]:  # type: ignore[no-untyped-def]
    return [record.id for record in page.items]


async def test_pages_of_several_wallets_match_the_oracle_forwards_backwards_and_filtered(database_url):
    partner, wallets, stranger = await _world()
    expected = {w: await _oracle(w) for w in wallets}
    assert [len(expected[w]) for w in wallets] == [13, 10, 10, 0]  # a top-up each, then 12, 9 and 9 transfers

    first = await transaction_pages_by_wallet(principal=partner, wallet_ids=wallets, first=3, after=None)
    for w in wallets:
        assert _ids(first[w]) == expected[w][:3]
        assert first[w].has_next_page is (len(expected[w]) > 3)
        assert first[w].has_previous_page is False

    # The next page after the third transaction of wallet a, asked for every wallet with the same cursor.
    a = wallets[0]
    cursor = encode_cursor(expected[a][2])
    after = await transaction_pages_by_wallet(principal=partner, wallet_ids=[a], first=3, after=cursor)
    assert _ids(after[a]) == expected[a][3:6]
    assert after[a].has_next_page is True and after[a].has_previous_page is True
    rest = await transaction_pages_by_wallet(principal=partner, wallet_ids=[a], first=10, after=encode_cursor(expected[a][5]))
    assert _ids(rest[a]) == expected[a][6:] and rest[a].has_next_page is False

    # Backwards: the last 2 before the fifth are the third and fourth, still newest first.
    before = await transaction_pages_by_wallet(principal=partner, wallet_ids=[a], first=None, after=None, last=2,
                                               before=encode_cursor(expected[a][4]))
    assert _ids(before[a]) == expected[a][2:4]
    assert before[a].has_previous_page is True and before[a].has_next_page is True

    # A filter narrows every wallet's page; another partner's wallet shows nothing to this partner.
    tops = await transaction_pages_by_wallet(principal=partner, wallet_ids=wallets, first=5, after=None, kind="TOP_UP")
    for w in wallets:
        assert _ids(tops[w]) == await _oracle(w, "TOP_UP")
    foreign = await transaction_pages_by_wallet(principal=partner, wallet_ids=[stranger, a], first=5, after=None)
    assert _ids(foreign[stranger]) == [] and _ids(foreign[a]) == expected[a][:5]
