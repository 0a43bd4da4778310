"""reportRevenue: what each day earned per partner and currency, and how it splits between partner and bank."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from auth.principal import Principal
from services.reporting.access import require_reporter
from services.reporting.days import checked_range
from services.reporting.facts import REVENUE
from services.reporting.reading import read_fact, report_snapshot


@dataclass(frozen=True)
class RevenueLine:
    day: date
    partner_id: uuid.UUID
    currency: str
    fee_minor: int  # payers' fees, every kind (an FX conversion's fee included)
    merchant_fee_minor: int  # merchants' fees on payments, less what refunds gave back
    fx_revenue_minor: int  # the FX spread, in the currency bought
    partner_share_minor: int  # what the partners' revenue accounts received of the fees

    @property
    def bank_share_minor(self) -> int:
        """What the bank keeps: all revenue less the partners' share."""
        return self.fee_minor + self.merchant_fee_minor + self.fx_revenue_minor - self.partner_share_minor


async def report_revenue(*, principal: Principal, first: date, last: date,
                         partner_id: uuid.UUID | None = None) -> list[RevenueLine]:
    """Fee, merchant-fee and FX revenue per day, partner and currency, with the partner's and the bank's share."""
    require_reporter(principal)
    days = checked_range(first, last)
    async with report_snapshot() as conn:
        rows = await read_fact(conn, REVENUE, days, partner_id)
    lines = [RevenueLine(day=date.fromisoformat(r["day"]), partner_id=r["partner_id"], currency=r["currency"],
                         fee_minor=r["fee_minor"], merchant_fee_minor=r["merchant_fee_minor"],
                         fx_revenue_minor=r["fx_revenue_minor"], partner_share_minor=r["partner_share_minor"])
             for r in rows]
    return sorted(lines, key=lambda line: (line.day, str(line.partner_id), line.currency))
