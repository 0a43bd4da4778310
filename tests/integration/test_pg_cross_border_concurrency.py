"""The annual cross-border quota under concurrency (PostgreSQL): one person's transfers never pass it together."""

from __future__ import annotations

import asyncio

from models import Account, FxQuote, InternationalTransfer
from services.cross_border.transfers import create_international_transfer
from services.errors import CrossBorderQuotaExceeded, IdempotencyConflict
from services.ledger.verify import verify_ledger
from services.rails import registry
from tests.conftest import requires_postgres
from tests.integration.cross_border_support import cn_quota, cny_usd_quote, sender, us_beneficiary
from tests.integration.service_support import new_partner


@requires_postgres
async def test_twenty_concurrent_transfers_of_one_person_never_exceed_the_annual_quota(database_url):
    registry.reset()
    partner = await new_partner("xb-race")
    who = await sender(partner, "20000.00")
    beneficiary = await us_beneficiary(partner, who)
    quotes = [await cny_usd_quote(partner, who, "700.00") for _ in range(20)]  # 98.00 USD each
    async with cn_quota(50_000):  # USD 500.00: room for exactly five

        async def attempt(n: int):
            try:
                return await create_international_transfer(
                    principal=partner, from_wallet_id=who.wallet_id, beneficiary_id=beneficiary.id,
                    quote_id=quotes[n].id, purpose_code="FAM", idempotency_key=f"xb-race-{n}")
            except CrossBorderQuotaExceeded:
                return None

        results = await asyncio.gather(*(attempt(n) for n in range(20)))
    done = [r for r in results if r is not None]
    assert len(done) == 5
    counted = await InternationalTransfer.filter(customer_id=who.customer_id).values_list("quota_minor", flat=True)
    assert sum(counted) == 5 * 9_800 <= 50_000
    account = await Account.get(id=who.account_id)
    assert account.held_minor == sum(r.transaction.amount_minor + r.transaction.fee_minor for r in done)
    assert await FxQuote.filter(id__in=[q.id for q in quotes], used_at__isnull=False).count() == 5
    report = await verify_ledger()
    assert report.ok, report.problems


@requires_postgres
async def test_one_key_sent_by_two_customers_at_once_posts_once_and_conflicts_once(database_url):
    registry.reset()
    partner = await new_partner("xb-race-key")
    first, second = await sender(partner, "1000.00"), await sender(partner, "1000.00")
    pairs = [(who, await us_beneficiary(partner, who), await cny_usd_quote(partner, who, "10.00"))
             for who in (first, second)]

    async def attempt(who, beneficiary, quote):  # noqa: ANN001, ANN202
        try:
            return await create_international_transfer(
                principal=partner, from_wallet_id=who.wallet_id, beneficiary_id=beneficiary.id, quote_id=quote.id,
                purpose_code="FAM", idempotency_key="xb-race-same-key")
        except IdempotencyConflict as conflict:
            return conflict

    results = await asyncio.gather(*(attempt(*pair) for pair in pairs))
    assert sorted(type(r).__name__ for r in results) == ["IdempotencyConflict", "InternationalTransferResult"]
    assert await InternationalTransfer.filter(customer_id__in=[first.customer_id, second.customer_id]).count() == 1
    report = await verify_ledger()
    assert report.ok, report.problems
