"""Customer-presented payment codes through the services: issue, collect once, expiry, guessing, and a PG race."""

from __future__ import annotations

import asyncio
import math
from datetime import timedelta

import pytest

from models import DomainEvent, Payment, PaymentCode, PaymentCodeMiss, Transaction
from services import clock
from services.errors import (
    DomainError, InvalidAmount, LimitExceeded, NotFound, PaymentCodeExpired, PaymentCodeUsed, TooManyAttempts,
    WalletNotActive,
)
from services.ledger.posting import post_top_up
from services.ledger.verify import verify_ledger
from services.merchants.status import suspend_merchant
from services.payment_codes import codes
from services.payment_codes.collecting import collect
from services.payment_codes.guessing import MAX_MISSES, WINDOW
from services.payment_codes.issuing import VALIDITY, get_payment_code, issue_code
from services.payment_codes.records import PaymentCodeStatus
from services.wallet_freeze import freeze_wallet
from tests.conftest import requires_postgres
from tests.integration.merchant_support import customer_token, merchant_of, staff
from tests.integration.service_support import holder, new_partner


async def _world(balance: str = "100.00"):
    """A merchant of one partner (the shop) and a funded payer wallet of another (the bank)."""
    shop, bank = await new_partner("code-shop"), await new_partner("code-bank")
    merchant = await merchant_of(shop)
    payer = await holder(bank)
    await post_top_up(principal=bank, wallet_id=payer.wallet_id, amount=balance, idempotency_key="fund")
    return shop, bank, merchant, payer


def test_codes_are_twenty_digits_with_over_sixty_random_bits_and_only_their_hash_is_kept():
    assert codes.RANDOM_DIGITS * math.log2(10) >= 60
    drawn = {codes.new_code() for _ in range(2000)}
    assert len(drawn) == 2000
    for code in list(drawn)[:50]:
        assert len(code) == 20 and code.isdigit() and code.startswith("8")
        assert codes.normalise_code(f"{code[:4]} {code[4:8]}-{code[8:]}") == code
        assert len(codes.code_hash(code)) == 64 and code not in codes.code_hash(code)
    for bad in ("", "123", "9" * 20, "8" * 21, "８" * 20, None, 8 * 10**19):
        assert codes.normalise_code(bad) is None


async def test_issue_then_collect_once_across_partners(database_url):
    shop, bank, merchant, payer = await _world()
    issued = await issue_code(principal=bank, wallet_id=payer.wallet_id, max_amount="50.00")
    assert issued.code and issued.status == PaymentCodeStatus.ACTIVE and issued.max_amount_minor == 5000
    assert issued.images and issued.images.qr_svg.startswith("data:image/svg+xml;base64,")
    assert issued.images.barcode_svg.startswith("data:image/svg+xml;base64,")
    row = await PaymentCode.get(id=issued.id)
    assert row.code_hash == codes.code_hash(issued.code) and row.last_digits == issued.code[-4:]
    assert row.expires_at == issued.created_at + VALIDITY

    paid = await collect(principal=shop, merchant_id=merchant.id, code=issued.code, amount="12.34", idempotency_key="k1")
    assert (paid.partner_id, paid.merchant_partner_id, paid.payer_wallet_id) == (bank.partner_id, shop.partner_id, payer.wallet_id)
    assert paid.amount_minor == 1234 and paid.payment_request_id is None
    read = await get_payment_code(principal=bank, payment_code_id=issued.id)
    assert read.status == PaymentCodeStatus.USED and read.payment_id == paid.id and read.code is None
    events = await DomainEvent.filter(type="payment.succeeded", object_id=str(paid.id)).values_list("partner_id", flat=True)
    assert set(events) == {bank.partner_id, shop.partner_id}

    # A retry with the key answers the original; a new key finds the code used.
    again = await collect(principal=shop, merchant_id=merchant.id, code=issued.code, amount="12.34", idempotency_key="k1")
    assert again.id == paid.id
    with pytest.raises(PaymentCodeUsed):
        await collect(principal=shop, merchant_id=merchant.id, code=issued.code, amount="12.34", idempotency_key="k2")
    assert await Payment.filter(payer_wallet_id=payer.wallet_id).count() == 1
    assert (await verify_ledger()).ok


async def test_expired_unknown_over_the_cap_and_dry_runs(database_url):
    shop, bank, merchant, payer = await _world()
    start = clock.now()
    with clock.frozen_at(start) as move:
        issued = await issue_code(principal=bank, wallet_id=payer.wallet_id, max_amount="5.00")
        with pytest.raises(LimitExceeded) as over:
            await collect(principal=shop, merchant_id=merchant.id, code=issued.code, amount="5.01", idempotency_key="o")
        assert over.value.field == ["amount"]
        dry = await collect(principal=shop, merchant_id=merchant.id, code=issued.code, amount="5.00",
                            idempotency_key="d", dry_run=True)
        assert dry.dry_run and (await PaymentCode.get(id=issued.id)).used_at is None
        move(start + VALIDITY)
        with pytest.raises(PaymentCodeExpired):
            await collect(principal=shop, merchant_id=merchant.id, code=issued.code, amount="1.00", idempotency_key="e")
        assert (await get_payment_code(principal=bank, payment_code_id=issued.id)).status == PaymentCodeStatus.EXPIRED
    with pytest.raises(NotFound) as unknown:
        await collect(principal=shop, merchant_id=merchant.id, code=codes.new_code(), amount="1.00", idempotency_key="u")
    assert unknown.value.field == ["code"]
    assert await Transaction.filter(kind="PAYMENT", from_wallet_id=payer.wallet_id).count() == 0
    assert await PaymentCodeMiss.filter(partner_id=shop.partner_id).count() == 2  # the expired and the unknown code


async def test_guessing_is_refused_after_ten_misses_a_minute_even_for_a_real_code(database_url):
    shop, bank, merchant, payer = await _world()
    other_shop = await new_partner("code-other-shop")
    other_merchant = await merchant_of(other_shop)
    start = clock.now()
    with clock.frozen_at(start) as move:
        real = await issue_code(principal=bank, wallet_id=payer.wallet_id)
        for n in range(MAX_MISSES):
            with pytest.raises(NotFound):
                await collect(principal=shop, merchant_id=merchant.id, code=codes.new_code(), amount="1.00",
                              idempotency_key=f"g{n}")
        with pytest.raises(TooManyAttempts):
            await collect(principal=shop, merchant_id=merchant.id, code=real.code, amount="1.00", idempotency_key="r")
        assert (await PaymentCode.get(id=real.id)).used_at is None
        # Another partner is not limited by this one's guesses.
        paid = await collect(principal=other_shop, merchant_id=other_merchant.id, code=real.code, amount="1.00",
                             idempotency_key="r")
        assert paid.amount_minor == 100
        move(start + WINDOW + timedelta(seconds=1))
        with pytest.raises(PaymentCodeUsed):
            await collect(principal=shop, merchant_id=merchant.id, code=real.code, amount="1.00", idempotency_key="r2")


async def test_who_may_issue_read_and_collect(database_url):
    shop, bank, merchant, payer = await _world()
    other = await new_partner("code-stranger")
    with pytest.raises(NotFound):
        await issue_code(principal=other, wallet_id=payer.wallet_id)
    own = customer_token(bank, payer.customer_id)
    issued = await issue_code(principal=own, wallet_id=payer.wallet_id)
    stranger = await holder(bank)
    with pytest.raises(NotFound):
        await issue_code(principal=customer_token(bank, stranger.customer_id), wallet_id=payer.wallet_id)
    for reader in (bank, own, staff("support")):
        assert (await get_payment_code(principal=reader, payment_code_id=issued.id)).id == issued.id
    for outsider in (other, shop, customer_token(bank, stranger.customer_id)):
        with pytest.raises(NotFound):
            await get_payment_code(principal=outsider, payment_code_id=issued.id)
    with pytest.raises(InvalidAmount):
        await issue_code(principal=bank, wallet_id=payer.wallet_id, max_amount="0.001")
    # Only the merchant's own partner collects for it.
    with pytest.raises(NotFound):
        await collect(principal=other, merchant_id=merchant.id, code=issued.code, amount="1.00", idempotency_key="x")
    await freeze_wallet(principal=staff("compliance"), wallet_id=payer.wallet_id, reason="test")
    with pytest.raises(WalletNotActive):
        await issue_code(principal=bank, wallet_id=payer.wallet_id)
    with pytest.raises(DomainError):
        await collect(principal=shop, merchant_id=merchant.id, code=issued.code, amount="1.00", idempotency_key="f")
    await suspend_merchant(principal=shop, merchant_id=merchant.id, reason="closed")
    with pytest.raises(DomainError) as suspended:
        await collect(principal=shop, merchant_id=merchant.id, code=issued.code, amount="1.00", idempotency_key="s")
    assert suspended.value.code == "MERCHANT_NOT_ACTIVE"


@requires_postgres
async def test_twenty_tills_collecting_one_code_at_once_collect_it_once(database_url):
    shop, bank, merchant, payer = await _world()
    issued = await issue_code(principal=bank, wallet_id=payer.wallet_id)

    async def attempt(n: int):
        try:
            return await collect(principal=shop, merchant_id=merchant.id, code=issued.code, amount="3.00",
                                 idempotency_key=f"race-{n}")
        except PaymentCodeUsed:
            return None

    results = await asyncio.gather(*(attempt(n) for n in range(20)))
    assert len([r for r in results if r is not None]) == 1
    assert await Payment.filter(payer_wallet_id=payer.wallet_id).count() == 1
    assert await Transaction.filter(kind="PAYMENT", from_wallet_id=payer.wallet_id).count() == 1
    assert (await PaymentCode.get(id=issued.id)).used_at is not None
    assert (await verify_ledger()).ok
