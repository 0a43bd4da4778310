"""An FX conversion's price terms from the fee engine: the spread and the conversion fee (fee rules of kind FX).

The rule is chosen exactly as for every fee kind (services.fees.rules:
a partner's rule beats the bank's default, then more selectors beat fewer),
on the partner's schedule, with the currency SOLD as the currency selector,
the amount sold for amount tiers, and the customer's kind when a wallet is
named. Its rate_bps is the spread taken off the mid rate (not a fee on the
amount); its fixed_minor, clamped to [fee_min, fee_max], is the conversion
fee in the sell currency, on top of the amount sold, shared with the partner
like every fee. A monthly free allowance makes the fee (not the spread) free.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime

from tortoise import connections

from services.db.sql import fetch
from services.errors import RateUnavailable
from services.fees.charging import Fee, customer_facts, partner_share
from services.fees.rules import FeeContext, FeeDecision, RuleSpec, compute_fee, select_rule
from services.fees.schedule import schedule_for
from services.fx.pricing import MAX_SPREAD_BPS

KIND = "FX"


@dataclass(frozen=True)
class FxTerms:
    """The spread and the conversion fee of one conversion."""

    spread_bps: int
    fee: Fee
    rule: RuleSpec | None


async def _conversions_this_month(customer_id: uuid.UUID, at: datetime) -> int:
    """How many FX conversions the customer made this calendar month (UTC), for a rule's free allowance."""
    month_start = at.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    rows = await fetch(
        connections.get("default"),
        "SELECT COUNT(*) AS n FROM ledger_transaction t JOIN wallet w ON w.id = t.from_wallet_id"
        " WHERE w.customer_id = $1 AND t.kind = 'FX_CONVERSION' AND t.created_at >= $2",
        [customer_id, month_start],
    )
    return int(rows[0]["n"])


async def fx_terms(*, partner_id: uuid.UUID, sell_currency: str, sell_minor: int, wallet_id: uuid.UUID | None,
                   at: datetime) -> FxTerms:
    """The spread and fee the partner's schedule gives a conversion selling sell_minor of sell_currency now."""
    rules = [r for r in await schedule_for(partner_id) if r.kind == KIND and r.payer == "SENDER"]
    if not rules:
        return FxTerms(spread_bps=0, fee=_fee(0, None, {}, 0, partner_id), rule=None)
    customer = (await customer_facts([wallet_id])).get(wallet_id) if wallet_id is not None else None
    ctx = FeeContext(partner_id=partner_id, kind=KIND, currency=sell_currency, amount_minor=sell_minor,
                     corridor=None, destination_country=None,
                     customer_kind=customer["kind"] if customer else None, at=at)
    rule = select_rule(rules, ctx)
    if rule is None:
        return FxTerms(spread_bps=0, fee=_fee(0, None, {}, 0, partner_id), rule=None)
    if rule.rate_bps >= MAX_SPREAD_BPS:
        raise RateUnavailable("the FX spread in force leaves nothing to buy", field=["buyCurrency"])
    free = bool(rule.free_per_month) and customer is not None and (
        await _conversions_this_month(customer["customer_id"], at) < rule.free_per_month)
    # The rate is the spread, not a part of the fee: only the fixed part (clamped) is charged.
    fee_minor = 0 if free else compute_fee(replace(rule, rate_bps=0), sell_minor)
    breakdown = {
        "rule_id": str(rule.id) if rule.id else None, "scope": "partner" if rule.partner_id else "bank",
        "fee_kind": KIND, "fixed_minor": rule.fixed_minor, "spread_bps": rule.rate_bps,
        "fee_min_minor": rule.fee_min_minor, "fee_max_minor": rule.fee_max_minor, "free_allowance_used": free,
        "fee_minor": fee_minor,
    }
    fee = _fee(fee_minor, rule, breakdown, await partner_share(partner_id, fee_minor), partner_id)
    return FxTerms(spread_bps=rule.rate_bps, fee=fee, rule=rule)


def _fee(fee_minor: int, rule: RuleSpec | None, breakdown: dict, share_minor: int, partner_id: uuid.UUID) -> Fee:
    decision = FeeDecision(fee_minor=fee_minor, rule=rule,
                           breakdown=breakdown or {"rule_id": None, "fee_minor": 0, "reason": "no fee rule applies"})
    return Fee(fee_minor=fee_minor, kind=KIND, decision=decision, share_minor=share_minor)


def stored_fee(fee_minor: int, share_minor: int, breakdown: dict | None) -> Fee:
    """The fee a quote stored, as the posting engine charges it (not decided again)."""
    decision = FeeDecision(fee_minor=fee_minor, rule=None, breakdown=breakdown or {"fee_minor": fee_minor})
    return Fee(fee_minor=fee_minor, kind=KIND, decision=decision, share_minor=share_minor)
