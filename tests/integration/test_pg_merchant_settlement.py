"""Deferred settlement racing on PostgreSQL: payers of one DEFERRED merchant and its settlements at once."""

from __future__ import annotations

import asyncio

from models import MerchantSettlement, Payment, Wallet
from models.enums import SettlementTiming
from services.ledger.posting import post_top_up
from services.ledger.verify import verify_ledger
from services.merchants.settlement import settle, unsettled_minor
from services.payment_requests.creation import create_payment_request
from services.payments.paying import pay
from tests.conftest import requires_postgres
from tests.integration.merchant_support import merchant_of
from tests.integration.service_support import holder, new_partner


async def _balance(wallet_id) -> int:  # type: ignore[no-untyped-def]
    wallet = await Wallet.get(id=wallet_id).prefetch_related("account")
    return int(wallet.account.balance_minor)  # type: ignore[attr-defined]


@requires_postgres
async def test_payers_and_settlements_racing_move_every_payment_into_the_wallet_exactly_once(database_url):
    shop, bank = await new_partner("deferred-shop"), await new_partner("deferred-payers")
    merchant = await merchant_of(shop, settlement=SettlementTiming.DEFERRED)
    code = await create_payment_request(principal=shop, merchant_id=merchant.id, amount="1.00", single_use=False)
    payers = [await holder(bank) for _ in range(10)]
    for n, payer in enumerate(payers):
        await post_top_up(principal=bank, wallet_id=payer.wallet_id, amount="100.00", idempotency_key=f"dfund-{n}")
    paying_done = asyncio.Event()

    async def payer_loop(n: int) -> int:
        for i in range(8):
            await pay(principal=bank, from_wallet_id=payers[n].wallet_id, qr_payload=code.payload, amount=None,
                      idempotency_key=f"dpay-{n}-{i}")
        return 8

    async def settler() -> int:
        moved = 0
        while not paying_done.is_set():
            moved += (await settle(merchant.id)).amount_minor
            await asyncio.sleep(0.01)
        return moved

    settlers = [asyncio.create_task(settler()) for _ in range(3)]
    paid = await asyncio.gather(*(payer_loop(n) for n in range(10)))
    paying_done.set()
    moved = sum(await asyncio.gather(*settlers)) + (await settle(merchant.id)).amount_minor
    assert sum(paid) == 80
    # Every payment's 1.00 moved once: no settlement took a payment another had taken.
    assert moved == 8000 and await _balance(merchant.settlement_wallet_id) == 8000
    assert await unsettled_minor(merchant.id) == 0
    assert await Payment.filter(merchant_id=merchant.id, settlement_id=None).count() == 0
    rows = await MerchantSettlement.filter(merchant_id=merchant.id)
    assert all(r.status == "POSTED" for r in rows) and sum(r.payment_count for r in rows) == 80
    assert sum(r.amount_minor for r in rows) == 8000
    report = await verify_ledger()
    assert report.ok, report.problems
