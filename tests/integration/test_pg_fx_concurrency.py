"""FX conversions racing on PostgreSQL: one wallet never overdrawn by 20 at once; one quote converts exactly once."""

from __future__ import annotations

import asyncio

from models import Account, FxQuote, Transaction
from services.errors import InsufficientFunds, QuoteAlreadyUsed
from services.fx.conversion import convert
from services.fx.quotes import create_quote
from services.ledger.verify import verify_ledger
from tests.conftest import requires_postgres
from tests.integration.fx_support import rate, two_wallets
from tests.integration.service_support import new_partner


@requires_postgres
async def test_twenty_conversions_from_one_wallet_never_overdraw_it(database_url):
    partner = await new_partner("fx-race-funds")
    await rate("USD", "JPY", "150")
    wallets = await two_wallets(partner, fund="100.00")
    quotes = [await create_quote(principal=partner, sell_currency="USD", buy_currency="JPY", sell_amount="10.00")
              for _ in range(20)]

    async def attempt(n: int):
        try:
            return await convert(principal=partner, quote_id=quotes[n].id, from_wallet_id=wallets.sell_wallet,
                                 to_wallet_id=wallets.buy_wallet, idempotency_key=f"fx-race-{n}")
        except InsufficientFunds:
            return None

    results = await asyncio.gather(*(attempt(n) for n in range(20)))
    done = [r for r in results if r is not None]
    assert len(done) == 10  # 100.00 buys exactly ten conversions of 10.00, in whatever order they lock
    assert (await Account.get(id=wallets.sell_account)).balance_minor == 0
    assert (await Account.get(id=wallets.buy_account)).balance_minor == 10 * 1_500
    assert await FxQuote.filter(id__in=[q.id for q in quotes], used_at__isnull=False).count() == 10
    report = await verify_ledger()
    assert report.ok, report.problems


@requires_postgres
async def test_one_quote_used_by_ten_conversions_at_once_converts_once(database_url):
    partner = await new_partner("fx-race-quote")
    await rate("EUR", "USD", "1.1")
    wallets = await two_wallets(partner, "EUR", "USD")
    quote = await create_quote(principal=partner, sell_currency="EUR", buy_currency="USD", sell_amount="10.00")

    async def attempt(n: int):
        try:
            return await convert(principal=partner, quote_id=quote.id, from_wallet_id=wallets.sell_wallet,
                                 to_wallet_id=wallets.buy_wallet, idempotency_key=f"fx-one-{n}")
        except QuoteAlreadyUsed:
            return None

    results = await asyncio.gather(*(attempt(n) for n in range(10)))
    done = [r for r in results if r is not None]
    assert len(done) == 1
    assert await Transaction.filter(kind="FX_CONVERSION", partner_id=partner.partner_id).count() == 1
    assert (await FxQuote.get(id=quote.id)).transaction_id == done[0].transaction.id
    assert (await Account.get(id=wallets.buy_account)).balance_minor == 1_100
    assert (await Account.get(id=wallets.sell_account)).balance_minor == 100_000 - 1_000
    assert (await verify_ledger()).ok
