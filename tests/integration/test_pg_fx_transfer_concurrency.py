"""Cross-currency transfers racing on PostgreSQL: one wallet never overdrawn by 20 at once; each quote used once.

(20 concurrent conversions from one wallet: tests/integration/test_pg_fx_concurrency.py.)
"""

from __future__ import annotations

import asyncio

from models import Account, FxQuote, Transaction
from services.errors import InsufficientFunds, QuoteAlreadyUsed
from services.fx.quotes import create_quote
from services.fx.transfers import create_transfer
from services.ledger.posting import post_top_up
from services.ledger.verify import verify_ledger
from tests.conftest import requires_postgres
from tests.integration.fx_support import rate
from tests.integration.service_support import holder, new_partner


@requires_postgres
async def test_twenty_cross_currency_transfers_from_one_wallet_never_overdraw_it(database_url):
    partner = await new_partner("fxt-race-funds")
    await rate("USD", "JPY", "150")
    sender = await holder(partner, country="US", currency="USD")
    receivers = [await holder(partner, country="US", currency="JPY") for _ in range(4)]
    await post_top_up(principal=partner, wallet_id=sender.wallet_id, amount="100.00", idempotency_key="fxt-race-fund")
    quotes = [await create_quote(principal=partner, sell_currency="USD", buy_currency="JPY", sell_amount="10.00",
                                 from_wallet_id=sender.wallet_id) for _ in range(20)]

    async def attempt(n: int):
        try:
            return await create_transfer(principal=partner, from_wallet_id=sender.wallet_id,
                                         to_wallet_id=receivers[n % 4].wallet_id, amount="10.00",
                                         idempotency_key=f"fxt-race-{n}", quote_id=quotes[n].id, quote_named=True)
        except InsufficientFunds:
            return None

    results = await asyncio.gather(*(attempt(n) for n in range(20)))
    done = [r for r in results if r is not None]
    assert len(done) == 10  # 100.00 pays exactly ten transfers of 10.00, in whatever order they lock
    assert (await Account.get(id=sender.account_id)).balance_minor == 0
    received = [(await Account.get(id=r.account_id)).balance_minor for r in receivers]
    assert sum(received) == 10 * 1_500
    used = await FxQuote.filter(id__in=[q.id for q in quotes], used_at__isnull=False).values_list("transaction_id", flat=True)
    assert sorted(str(t) for t in used) == sorted(str(t.id) for t in done)  # each used quote names its one transfer
    report = await verify_ledger()
    assert report.ok, report.problems


@requires_postgres
async def test_one_quote_in_ten_transfers_at_once_is_used_once(database_url):
    partner = await new_partner("fxt-race-quote")
    await rate("EUR", "USD", "1.1")
    sender = await holder(partner, country="US", currency="EUR")
    receiver = await holder(partner, country="US", currency="USD")
    await post_top_up(principal=partner, wallet_id=sender.wallet_id, amount="1000.00", idempotency_key="fxt-one-fund")
    quote = await create_quote(principal=partner, sell_currency="EUR", buy_currency="USD", sell_amount="10.00")

    async def attempt(n: int):
        try:
            return await create_transfer(principal=partner, from_wallet_id=sender.wallet_id,
                                         to_wallet_id=receiver.wallet_id, amount="10.00", idempotency_key=f"fxt-one-{n}",
                                         quote_id=quote.id, quote_named=True)
        except QuoteAlreadyUsed:
            return None

    results = await asyncio.gather(*(attempt(n) for n in range(10)))
    done = [r for r in results if r is not None]
    assert len(done) == 1
    assert await Transaction.filter(kind="TRANSFER", partner_id=partner.partner_id, buy_currency="USD").count() == 1
    assert (await FxQuote.get(id=quote.id)).transaction_id == done[0].id
    assert (await Account.get(id=receiver.account_id)).balance_minor == 1_100
    assert (await Account.get(id=sender.account_id)).balance_minor == 100_000 - 1_000
    assert (await verify_ledger()).ok
