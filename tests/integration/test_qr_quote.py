"""qrDecode's fee preview (services.payments.qr_quote): the fees a payment would be charged, before anything moves."""

from __future__ import annotations

from datetime import timedelta

import pytest

from models import FeeRule, Transaction
from services import clock
from services.errors import CurrencyMismatch, NotFound, ValidationFailed
from services.fees.schedule import create_rule
from services.payment_requests.creation import create_payment_request
from services.payments.qr_quote import quote_qr
from tests.integration.merchant_support import merchant_of, staff
from tests.integration.service_support import holder, new_partner


async def shop_with_rules():
    """A merchant partner with a RECEIVER rule (1 %, min 0.20) and a payer partner with a SENDER rule (0.30 fixed)."""
    shop, payer = await new_partner("quote-shop"), await new_partner("quote-payer")
    merchant = await merchant_of(shop)
    starts = clock.now() - timedelta(seconds=1)
    await create_rule(terms={"kind": "PAYMENT", "payer": "RECEIVER", "partner_id": shop.partner_id, "currency": "CNY",
                             "rate_bps": 100, "fee_min_minor": 20, "effective_from": starts}, created_by="test")
    await create_rule(terms={"kind": "PAYMENT", "partner_id": payer.partner_id, "currency": "CNY", "fixed_minor": 30,
                             "effective_from": starts}, created_by="test")
    return shop, payer, merchant


async def test_a_static_code_is_quoted_once_the_payer_gives_the_amount(database_url):
    shop, payer, merchant = await shop_with_rules()
    request = await create_payment_request(principal=shop, merchant_id=merchant.id, amount=None, single_use=False)
    wallet = await holder(payer)
    before = (await Transaction.all().count(), await FeeRule.all().count())
    bare = await quote_qr(principal=payer, payload=request.payload)
    assert (bare.fee, bare.merchant_fee, bare.quoted_amount_minor) == (None, None, None)
    priced = await quote_qr(principal=payer, payload=request.payload, from_wallet_id=wallet.wallet_id, amount="50.00")
    assert (priced.fee.fee_minor, priced.quoted_amount_minor, priced.merchant_fee) == (30, 5000, None)
    # The merchant's own partner, and bank staff, also see the merchant's fee.
    for viewer in (shop, staff("admin")):
        seen = await quote_qr(principal=viewer, payload=request.payload, amount="50.00")
        assert seen.merchant_fee is not None and seen.merchant_fee.fee_minor == 50
    small = await quote_qr(principal=shop, payload=request.payload, amount="5.00")
    assert small.merchant_fee.fee_minor == 20  # the rule's minimum
    assert (await Transaction.all().count(), await FeeRule.all().count()) == before  # a quote writes nothing


async def test_a_dynamic_code_is_quoted_for_its_own_amount_and_bad_wallets_are_refused(database_url):
    shop, payer, merchant = await shop_with_rules()
    request = await create_payment_request(principal=shop, merchant_id=merchant.id, amount="12.00", single_use=True)
    own = await quote_qr(principal=shop, payload=request.payload)
    assert (own.quoted_amount_minor, own.merchant_fee.fee_minor) == (1200, 20)
    with pytest.raises(ValidationFailed):
        await quote_qr(principal=payer, payload=request.payload, amount="11.00")
    foreign = await holder(await new_partner("quote-other"))
    with pytest.raises(NotFound):
        await quote_qr(principal=payer, payload=request.payload, from_wallet_id=foreign.wallet_id)
    dollars = await holder(payer, currency="USD", country="US")
    with pytest.raises(CurrencyMismatch):
        await quote_qr(principal=payer, payload=request.payload, from_wallet_id=dollars.wallet_id)
