"""qrDecode's fee preview: a scanned code checked end to end, and what paying it would cost, before anything moves.

The fees come from feeQuote's function (services.fees.quote), which calls
the posting engine's own fee functions with the payment's merchant: the
payer is charged what it was shown, for the same wallet and amount.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

from auth.principal import Principal
from services.fees.merchant_terms import MerchantTerms
from services.fees.quote import quote_fee
from services.payment_requests.preview import checked_request
from services.payment_requests.records import QrPreview
from services.payments.paying import amount_to_pay


async def quote_qr(*, principal: Principal, payload: str, from_wallet_id: uuid.UUID | None = None,
                   amount: str | None = None, discounts: Any = None) -> QrPreview:
    """The checked code's preview, with the fees once the amount is known (a dynamic code's, or the one given)."""
    request, preview = await checked_request(principal=principal, payload=payload)
    if preview.amount_minor is None and amount is None:
        return preview  # a static code and no amount yet: nothing to quote
    quote = await quote_fee(
        principal=principal, kind="PAYMENT", amount=amount_to_pay(preview, amount), currency=preview.currency,
        from_wallet_id=from_wallet_id, merchant=MerchantTerms.of(request.merchant), discounts=discounts,
    )
    return replace(preview, fee=quote.fee, merchant_fee=quote.merchant_fee, quoted_amount_minor=quote.amount_minor,
                   discount_minor=quote.discount_minor)
