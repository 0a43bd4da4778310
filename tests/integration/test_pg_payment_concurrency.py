"""Payments racing on PostgreSQL: one single-use code paid once by 50 payers at once, 20 partial refunds bounded."""

from __future__ import annotations

import asyncio

from models import Payment, PaymentRequest, Transaction
from services.errors import AlreadyPaid, DomainError, RefundExceedsPayment
from services.ledger.posting import post_top_up
from services.ledger.verify import verify_ledger
from services.payment_requests.creation import create_payment_request
from services.payments.paying import pay
from services.payments.refunds import refund
from tests.conftest import requires_postgres
from tests.integration.merchant_support import merchant_of
from tests.integration.service_support import holder, new_partner


async def _payers(principal, count: int) -> list:
    """Funded payer wallets of the partner."""
    payers = [await holder(principal) for _ in range(count)]
    for n, payer in enumerate(payers):
        await post_top_up(principal=principal, wallet_id=payer.wallet_id, amount="100.00", idempotency_key=f"fund-{n}")
    return payers


@requires_postgres
async def test_fifty_payers_racing_for_one_single_use_code_pay_it_once(database_url):
    shop, bank = await new_partner("race-shop"), await new_partner("race-payers")
    merchant = await merchant_of(shop)
    request = await create_payment_request(principal=shop, merchant_id=merchant.id, amount="9.00", single_use=True)
    payers = await _payers(bank, 50)

    async def attempt(n: int):
        try:
            return await pay(principal=bank, from_wallet_id=payers[n].wallet_id, qr_payload=request.payload,
                             amount=None, idempotency_key=f"race-{n}")
        except AlreadyPaid:
            return None

    results = await asyncio.gather(*(attempt(n) for n in range(50)))
    assert len([r for r in results if r is not None]) == 1
    assert await Payment.filter(payment_request_id=request.id).count() == 1
    assert await Transaction.filter(kind="PAYMENT", partner_id=bank.partner_id).count() == 1
    assert (await PaymentRequest.get(id=request.id)).paid_at is not None
    assert (await verify_ledger()).ok


@requires_postgres
async def test_twenty_concurrent_partial_refunds_never_exceed_the_payment(database_url):
    shop, bank = await new_partner("refund-shop"), await new_partner("refund-payers")
    merchant = await merchant_of(shop)
    request = await create_payment_request(principal=shop, merchant_id=merchant.id, amount="50.00", single_use=True)
    (payer,) = await _payers(bank, 1)
    payment = await pay(principal=bank, from_wallet_id=payer.wallet_id, qr_payload=request.payload, amount=None,
                        idempotency_key="refund-pay")

    async def attempt(n: int):
        try:
            return await refund(principal=shop, payment_id=payment.id, amount="3.00", reason="partial",
                                idempotency_key=f"refund-{n}")
        except RefundExceedsPayment:
            return None

    results = await asyncio.gather(*(attempt(n) for n in range(20)))
    done = [r for r in results if r is not None]
    assert len(done) == 16  # 16 x 3.00 = 48.00 fits in 50.00; a 17th would not
    row = await Payment.get(id=payment.id)
    assert row.refunded_minor == 4800 <= row.amount_minor
    assert await Transaction.filter(kind="REFUND", partner_id=shop.partner_id).count() == 16
    assert (await verify_ledger()).ok
    assert isinstance(RefundExceedsPayment("x"), DomainError)


@requires_postgres
async def test_capture_void_and_expiry_racing_leave_exactly_one_outcome(database_url):
    from datetime import timedelta

    from models import Account, PaymentAuthorization, Wallet
    from services import clock
    from services.errors import AuthorizationNotActive
    from services.payments.authorizations import authorize, capture, expire_due, void

    shop, bank = await new_partner("auth-race-shop"), await new_partner("auth-race-payers")
    merchant = await merchant_of(shop)
    (payer,) = await _payers(bank, 1)
    outcomes: dict[str, int] = {}
    for n in range(12):
        until = clock.now() + timedelta(seconds=30)
        auth = await authorize(principal=bank, wallet_id=payer.wallet_id, merchant_id=merchant.id, amount="2.00",
                               expires_at=until, idempotency_key=f"race-auth-{n}")

        async def capturing():
            return await capture(principal=shop, authorization_id=auth.id, amount="2.00", final=True,
                                 idempotency_key=f"race-cap-{n}")

        async def voiding():
            return await void(principal=bank, authorization_id=auth.id)

        async def sweeping():  # a sweep that runs after the expiry (its own `now`)
            return await expire_due(now=until + timedelta(seconds=1)) or None

        results = await asyncio.gather(capturing(), voiding(), sweeping(), return_exceptions=True)
        won = [name for name, r in zip(("capture", "void", "expiry"), results)
               if r is not None and not isinstance(r, BaseException)]
        assert all(isinstance(r, AuthorizationNotActive) for r in results if isinstance(r, BaseException)), results
        assert len(won) == 1, (won, results)
        outcomes[won[0]] = outcomes.get(won[0], 0) + 1
        row = await PaymentAuthorization.get(id=auth.id)
        assert row.status == {"capture": "CAPTURED", "void": "VOIDED", "expiry": "EXPIRED"}[won[0]]
        assert await Payment.filter(authorization_id=auth.id).count() == (1 if won[0] == "capture" else 0)
    wallet = await Wallet.get(id=payer.wallet_id)
    assert (await Account.get(id=wallet.account_id)).held_minor == 0  # every reservation ended exactly once
    assert (await verify_ledger()).ok, outcomes
