"""`Customer.limits`: what a customer's tier allows (lowered by its own limits) and what is left of each, per currency."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

from models import LimitUsage, Wallet
from services.compliance.customer_limits import effective_limits, own_limits_of
from services.compliance.limits import OutgoingLimits, Usage, period_keys, remaining
from services.compliance.policies import pack_for_country
from services.compliance.policy_document import TierLimits
from services.money import normalise_currency


@dataclass(frozen=True)
class CustomerLimits:
    currency: str
    jurisdiction: str
    tier: int
    tier_name: str
    cross_border: bool
    covered: bool  # False: the tier does not allow this currency at all (KYC_REQUIRED)
    limits: TierLimits
    remaining: dict[str, int | None]


async def customer_limits(
    *, customer_id: uuid.UUID, country: str, kyc_tier: int, currency: str | None = None
) -> list[CustomerLimits]:
    """The limits of a (readable) customer in one currency, or in each currency of its wallets."""
    if currency is not None:
        currencies = [normalise_currency(currency)]
    else:
        currencies = sorted(set(await Wallet.filter(customer_id=customer_id).values_list("currency", flat=True)))
    pack = await pack_for_country(country)
    tier = pack.tier_for(kyc_tier)
    keys = period_keys(pack, datetime.now(timezone.utc))
    usage_rows = {
        row.currency: row for row in await LimitUsage.filter(customer_id=customer_id, currency__in=currencies)
    }
    own = await own_limits_of(customer_id, currencies)
    out = []
    for code in currencies:
        limits = tier.limits.get(code)
        covered = limits is not None
        # What postings apply: the tier's limits, lowered where the customer set its own (customerLimitsSet).
        limits = effective_limits(limits, own.get(code)) if limits is not None else TierLimits(0, 0, 0, 0, 0, 0)
        row = usage_rows.get(code)
        usage = Usage.from_row(row.__dict__ if row is not None else None)
        outgoing = OutgoingLimits(currency=code, keys=keys, limits=limits, tier=tier, jurisdiction=pack.jurisdiction)
        out.append(CustomerLimits(
            currency=code, jurisdiction=pack.jurisdiction, tier=tier.tier, tier_name=tier.name,
            cross_border=tier.cross_border, covered=covered, limits=limits, remaining=remaining(outgoing, usage),
        ))
    return out
