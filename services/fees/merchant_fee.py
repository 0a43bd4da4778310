"""The merchant's fee on a payment (RECEIVER rules: a merchant discount rate), and what a refund gives back of it.

The merchant's partner's schedule decides it (the bank's default RECEIVER
rules, and that partner's own), selected by the merchant, its category (MCC),
its customer's kind, currency, corridor (the payer's country against the
merchant's) and amount. It is taken out of what the merchant's settlement
wallet receives, never more than the payment's amount, and its revenue is
shared with the merchant's partner exactly as a payer's fee is shared with
the payer's partner. `qrDecode`, `feeQuote` and the posting engine all call
`merchant_fee_for`, so the merchant is charged what was quoted.

On refund the rule's treatment, copied into the payment's breakdown when it
was charged, applies: RETAINED keeps the fee; RETURNED gives back the same
proportion of it as of the amount (refund / payment), the bank's part and
the partner's share each rounded down, so however many partial refunds
there are, never more than was charged is given back.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from services import clock
from services.fees.charging import NO_FEE, Fee, customer_facts, partner_share
from services.fees.merchant_terms import MerchantTerms
from services.fees.rules import FeeContext, FeeDecision, decide_fee
from services.fees.schedule import schedule_for

MERCHANT = "merchant"  # the key of the merchant's fee in a transaction's stored fee breakdown


async def merchant_fee_for(
    merchant: MerchantTerms, *, amount_minor: int, currency: str, payer_wallet_id: uuid.UUID | None,
    at: datetime | None = None,
) -> Fee:
    """The merchant's fee on a payment of amount_minor (NO_FEE when no RECEIVER rule of its partner could apply)."""
    rules = [r for r in await schedule_for(merchant.partner_id) if r.kind == "PAYMENT" and r.payer == "RECEIVER"]
    if not rules:
        return NO_FEE
    wallets = [w for w in (merchant.settlement_wallet_id, payer_wallet_id) if w is not None]
    facts = await customer_facts(wallets)
    own = facts.get(merchant.settlement_wallet_id)
    payer = facts.get(payer_wallet_id) if payer_wallet_id is not None else None
    cross_border = own is not None and payer is not None and payer["country"] != own["country"]
    ctx = FeeContext(
        partner_id=merchant.partner_id, kind="PAYMENT", currency=currency, amount_minor=amount_minor,
        corridor="CROSS_BORDER" if cross_border else "DOMESTIC", destination_country=own["country"] if own else None,
        customer_kind=own["kind"] if own else None, at=at or clock.now(), payer="RECEIVER", mcc=merchant.mcc,
        merchant_id=merchant.merchant_id,
    )
    decision = decide_fee(rules, ctx, used_this_month=0)
    if decision.rule is None:
        return NO_FEE
    share = await partner_share(merchant.partner_id, decision.fee_minor)
    return Fee(fee_minor=decision.fee_minor, kind="PAYMENT", decision=decision, share_minor=share,
               partner_id=merchant.partner_id)


def charged_merchant_fee(breakdown: dict[str, Any] | None) -> dict[str, Any] | None:
    """The merchant's fee part of a stored breakdown (None when the transaction charged the merchant nothing)."""
    part = (breakdown or {}).get(MERCHANT)
    return part if isinstance(part, dict) else None


def merchant_fee_minor(breakdown: dict[str, Any] | None) -> int:
    """The merchant's fee a stored breakdown records: charged (> 0) on a payment, given back (< 0) on a refund."""
    part = charged_merchant_fee(breakdown)
    return int(part.get("fee_minor") or 0) if part else 0


def returned_fee(payment_breakdown: dict[str, Any] | None, *, payment_minor: int, refund_minor: int,
                 partner_id: uuid.UUID) -> Fee:
    """What a refund of refund_minor gives back of the payment's merchant fee, as a negative Fee (NO_FEE: nothing)."""
    part = charged_merchant_fee(payment_breakdown)
    if part is None or part.get("refund_treatment") != "RETURNED" or payment_minor <= 0:
        return NO_FEE
    fee, share = int(part.get("fee_minor") or 0), int(part.get("partner_share_minor") or 0)
    # Each part rounded down on its own: the sum over partial refunds never exceeds what the part received.
    share_back = share * refund_minor // payment_minor
    bank_back = (fee - share) * refund_minor // payment_minor
    if share_back + bank_back == 0:
        return NO_FEE
    breakdown = {"rule_id": part.get("rule_id"), "fee_kind": "PAYMENT", "payer": "RECEIVER",
                 "refund_treatment": "RETURNED", "fee_minor": -(share_back + bank_back)}
    return Fee(fee_minor=-(share_back + bank_back), kind="PAYMENT", share_minor=-share_back, partner_id=partner_id,
               decision=FeeDecision(fee_minor=-(share_back + bank_back), rule=None, breakdown=breakdown))
