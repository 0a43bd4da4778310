"""FX rates and quotes as services hand them out: plain values, not ORM rows."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from models import FxQuote, FxRate
from services.outcome import ServiceResult


@dataclass(frozen=True, kw_only=True)
class FxRateRecord(ServiceResult):
    """One mid rate: 1 base buys rate_e9 / 10^9 quote; derived is True for an inverse computed from the opposite pair."""

    audit_type: ClassVar[str] = "FxRate"

    id: uuid.UUID
    base_currency: str
    quote_currency: str
    rate_e9: int
    source: str
    as_of: datetime
    created_by: str
    derived: bool = False
    partner_id: uuid.UUID | None = None  # rates are the bank's own

    @classmethod
    def from_row(cls, row: FxRate) -> FxRateRecord:
        """The record of a stored rate."""
        return cls(id=row.id, base_currency=row.base_currency, quote_currency=row.quote_currency, rate_e9=row.rate_e9,
                   source=row.source, as_of=row.as_of, created_by=row.created_by)


@dataclass(frozen=True, kw_only=True)
class FxQuoteRecord(ServiceResult):
    """One FX quote as given: what sell_amount buys until expires_at, once."""

    audit_type: ClassVar[str] = "FxQuote"

    id: uuid.UUID
    partner_id: uuid.UUID
    customer_id: uuid.UUID | None
    sell_currency: str
    buy_currency: str
    sell_amount_minor: int
    buy_amount_minor: int
    mid_rate_e9: int
    customer_rate_e9: int
    spread_bps: int
    spread_minor: int
    fee_minor: int
    fee_share_minor: int
    fee_breakdown: dict[str, Any] | None
    from_wallet_id: uuid.UUID | None
    expires_at: datetime
    used_at: datetime | None
    transaction_id: uuid.UUID | None
    created_at: datetime

    @property
    def mid_buy_minor(self) -> int:
        """The sell amount at the mid rate (rounded down): the buy amount plus the spread."""
        return self.buy_amount_minor + self.spread_minor

    @classmethod
    def from_row(cls, row: FxQuote) -> FxQuoteRecord:
        """The record of a stored quote."""
        return cls(
            id=row.id, partner_id=row.partner_id, customer_id=row.customer_id,  # type: ignore[attr-defined]
            sell_currency=row.sell_currency, buy_currency=row.buy_currency, sell_amount_minor=row.sell_amount_minor,
            buy_amount_minor=row.buy_amount_minor, mid_rate_e9=row.mid_rate_e9, customer_rate_e9=row.customer_rate_e9,
            spread_bps=row.spread_bps, spread_minor=row.spread_minor, fee_minor=row.fee_minor,
            fee_share_minor=row.fee_share_minor, fee_breakdown=row.fee_breakdown, from_wallet_id=row.from_wallet_id,
            expires_at=row.expires_at, used_at=row.used_at, transaction_id=row.transaction_id, created_at=row.created_at,
        )
