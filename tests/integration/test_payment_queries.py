"""Who reads a payment and its refunds: the payer's partner, the merchant's partner, the payer's own token, staff."""

from __future__ import annotations

import pytest

from services.errors import NotFound
from services.ledger.posting import post_top_up
from services.payment_requests.creation import create_payment_request
from services.payments.paying import pay
from services.payments.queries import get_payment, get_refund, merchant_face, refunds_of
from services.payments.records import PaymentRecord, RefundRecord
from services.payments.refunds import refund
from tests.integration.merchant_support import customer_token, merchant_of, staff
from tests.integration.service_support import holder, new_partner


async def test_both_sides_and_the_payers_customer_read_a_payment_and_nobody_else(database_url):
    shop, bank, stranger = await new_partner("q-shop"), await new_partner("q-bank"), await new_partner("q-other")
    merchant = await merchant_of(shop)
    request = await create_payment_request(principal=shop, merchant_id=merchant.id, amount="8.00", single_use=True)
    payer, other_customer = await holder(bank), await holder(bank)
    await post_top_up(principal=bank, wallet_id=payer.wallet_id, amount="20.00", idempotency_key="q-fund")
    paid = await pay(principal=bank, from_wallet_id=payer.wallet_id, qr_payload=request.payload, amount=None,
                     idempotency_key="q-pay")
    back = await refund(principal=shop, payment_id=paid.id, amount="3.00", reason="damaged", idempotency_key="q-back")
    assert isinstance(paid, PaymentRecord) and isinstance(back, RefundRecord)
    for reader in (bank, shop, customer_token(bank, payer.customer_id), staff("support")):
        seen = await get_payment(principal=reader, payment_id=paid.id)
        assert (seen.amount_minor, seen.refunded_minor, seen.merchant_id) == (800, 300, merchant.id)
        assert (await get_refund(principal=reader, refund_id=back.id)).amount_minor == 300
    for outsider in (stranger, customer_token(bank, other_customer.customer_id)):
        with pytest.raises(NotFound):
            await get_payment(principal=outsider, payment_id=paid.id)
        with pytest.raises(NotFound):
            await get_refund(principal=outsider, refund_id=back.id)
    assert [r.reason for r in await refunds_of(paid.id)] == ["damaged"]
    face = await merchant_face(merchant.id)
    assert (face.display_name, face.mcc) == (merchant.display_name, merchant.mcc) and face.category_name
