"""What a transaction costs: one function for the quote and for the charge.

`fee_for` is called by `feeQuote` and by the posting engine with the same
inputs, so a customer is charged exactly what they were shown at that moment.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from tortoise import connections

from auth.principal import Principal
from models import Partner
from services.history_reads import note_history_read
from services.fees.merchant_terms import MerchantTerms
from services.fees.rules import FeeContext, FeeDecision, decide_fee
from services.caches import FEE_CUSTOMERS, FEE_SHARES
from services.change_feed import reliable
from services.fees.schedule import schedule_for
from services.db.sql import fetch

_LEDGER_KIND_OF = {"TOP_UP": "TOP_UP", "TRANSFER": "TRANSFER", "INTERNATIONAL_TRANSFER": "TRANSFER",
                   "WITHDRAWAL": "WITHDRAWAL", "PAYMENT": "PAYMENT"}


@dataclass(frozen=True)
class Fee:
    """One party's fee on a posting: the payer's (SENDER) or a merchant's (RECEIVER); negative when given back."""

    fee_minor: int
    kind: str
    decision: FeeDecision
    share_minor: int = 0
    # The partner whose schedule decided the fee and who receives its share (None: the posting's own partner).
    partner_id: uuid.UUID | None = None

    @property
    def breakdown(self) -> dict[str, Any]:
        """How the fee was decided, as stored with the transaction (the partner named when known)."""
        named = {"partner_id": str(self.partner_id)} if self.partner_id is not None else {}
        return {**self.decision.breakdown, "partner_share_minor": self.share_minor, **named}


NO_FEE = Fee(fee_minor=0, kind="", decision=FeeDecision(fee_minor=0, rule=None, breakdown={"fee_minor": 0}))


# A customer's kind and country never change once onboarded (no API changes
# them), so each process remembers them per wallet (FEE_CUSTOMERS).


async def _customer_facts(wallet_ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    missing = [w for w in wallet_ids if w not in FEE_CUSTOMERS]
    if missing:
        placeholders = ", ".join(f"${i + 1}" for i in range(len(missing)))
        rows = await fetch(
            connections.get("default"),
            "SELECT w.id AS wallet_id, c.id AS customer_id, c.kind, c.country FROM wallet w"
            f" JOIN customer c ON c.id = w.customer_id WHERE w.id IN ({placeholders})",
            list(missing),
        )
        for row in rows:
            FEE_CUSTOMERS.put(uuid.UUID(str(row["wallet_id"])), dict(row))
    return {w: FEE_CUSTOMERS.get(w) for w in wallet_ids if w in FEE_CUSTOMERS}


async def _partner_share_bps(partner_id: uuid.UUID) -> int:
    """The partner's fee share, remembered while changes are announced (set_fee_share announces)."""
    if partner_id in FEE_SHARES and reliable():
        return int(FEE_SHARES.get(partner_id))
    partner = await Partner.get_or_none(id=partner_id)
    share_bps = partner.fee_share_bps if partner else 0
    FEE_SHARES.put(partner_id, share_bps)
    return share_bps


async def _used_this_month(customer_id: Any, ledger_kind: str, at: datetime) -> int:
    note_history_read("fee allowance")  # the count grows with each posting: a group must not plan on it stale
    month_start = at.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    rows = await fetch(
        connections.get("default"),
        "SELECT COUNT(*) AS n FROM ledger_transaction t JOIN wallet w ON w.id = COALESCE(t.from_wallet_id, t.to_wallet_id)"
        " WHERE w.customer_id = $1 AND t.kind = $2 AND t.created_at >= $3",
        [customer_id, ledger_kind, month_start],
    )
    return int(rows[0]["n"])


async def fee_for(
    *,
    principal: Principal,
    kind: str,
    amount_minor: int,
    currency: str,
    from_wallet_id: uuid.UUID | None,
    to_wallet_id: uuid.UUID | None,
    destination_country: str | None = None,
    at: datetime | None = None,
    payer_partner_id: uuid.UUID | None = None,
    merchant: MerchantTerms | None = None,
    route: str | None = None,
) -> Fee:
    """The payer's fee of a transaction (wallets already checked), with its breakdown.

    payer_partner_id: the paying wallet's partner when it is not the caller's (a merchant's partner collecting a
    customer-presented code or capturing an authorisation): that partner's schedule and share apply.
    merchant: a payment's merchant, for rules that select a merchant category or one merchant.
    route: a top-up's or withdrawal's rail route (BANK_ACCOUNT, CARD); None for the instant one.
    """
    at = at or datetime.now(timezone.utc)
    partner_id = payer_partner_id or principal.partner_id
    rules = await schedule_for(partner_id)
    candidates = {"TRANSFER", "INTERNATIONAL_TRANSFER"} if kind == "TRANSFER" else {kind}
    if not any(r.kind in candidates and r.payer == "SENDER" for r in rules):
        return NO_FEE  # no rule could apply: no further reads (the common fee-free path)
    wallets = [w for w in (from_wallet_id, to_wallet_id) if w is not None]
    facts = await _customer_facts(wallets) if wallets else {}
    payer = facts.get(from_wallet_id or to_wallet_id) if (from_wallet_id or to_wallet_id) else None
    payee = facts.get(to_wallet_id) if to_wallet_id else None
    fee_kind, corridor, destination = kind, "DOMESTIC", destination_country
    if kind == "TRANSFER" and payer and payee:
        destination = payee["country"]
        if payee["country"] != payer["country"]:
            fee_kind, corridor = "INTERNATIONAL_TRANSFER", "CROSS_BORDER"
    elif destination is not None and payer and destination != payer["country"]:
        corridor = "CROSS_BORDER"
        if kind == "TRANSFER":
            fee_kind = "INTERNATIONAL_TRANSFER"
    ctx = FeeContext(
        partner_id=partner_id, kind=fee_kind, currency=currency, amount_minor=amount_minor,
        corridor=corridor, destination_country=destination, customer_kind=payer["kind"] if payer else None, at=at,
        mcc=merchant.mcc if merchant else None, merchant_id=merchant.merchant_id if merchant else None, route=route,
    )
    used = 0
    probe = decide_fee(rules, ctx, used_this_month=0)
    if probe.rule is not None and probe.rule.free_per_month > 0 and payer is not None:
        used = await _used_this_month(payer["customer_id"], _LEDGER_KIND_OF[fee_kind], at)
    decision = decide_fee(rules, ctx, used_this_month=used) if used else probe
    share = await partner_share(partner_id, decision.fee_minor)
    return Fee(fee_minor=decision.fee_minor, kind=fee_kind, decision=decision, share_minor=share,
               partner_id=payer_partner_id)


async def partner_share(partner_id: uuid.UUID | None, fee_minor: int) -> int:
    """The partner's share of a fee, rounded down (the bank keeps the remainder); 0 for no fee or no partner."""
    if not fee_minor or partner_id is None:
        return 0
    return fee_minor * await _partner_share_bps(partner_id) // 10_000


async def customer_facts(wallet_ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    """Each wallet's customer id, kind and country (remembered: they never change once onboarded)."""
    return await _customer_facts(wallet_ids)
