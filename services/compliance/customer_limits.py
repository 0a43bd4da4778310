"""Limits a customer sets itself (customerLimitsSet): lower than its tier's, per currency, checked with them.

A customer, through its partner or its own customer token, may lower its
daily and per-transaction limits in a currency, never set them above what
its KYC tier allows in its pack at that moment (LIMIT_EXCEEDED, naming the
tier's limit). A posting applies the lower of the two (`effective_limits`)
in the very checks the tier's limits go through (services.compliance.
posting_checks): the per-transaction one before locking, the daily one on
the sender's locked limit-usage row, in the same statement as the tier's,
so concurrent postings cannot together pass it.

Omitted fields keep their value, null clears one; with both cleared the
row goes. The posting path remembers each customer's limits per process
(services.caches.OWN_LIMITS), forgotten in every worker when one changes.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from typing import ClassVar

from tortoise.transactions import in_transaction

from auth.principal import Principal
from models import Customer, CustomerOwnLimit
from services.authority import require_scope
from services.caches import OWN_LIMITS, OWN_LIMITS_CHANNEL
from services.change_feed import announce, reliable
from services.compliance.limits import tier_limits
from services.compliance.policies import pack_for_country
from services.compliance.policy_document import TierLimits
from services.customer_profile import UNCHANGED, Unchanged
from services.customer_status import lock_open_customer, refuse_if_closed
from services.customers import CustomerRecord
from services.errors import LimitExceeded, ValidationFailed
from services.events import record_domain_event
from services.money import format_amount, normalise_currency, parse_amount
from services.outcome import AuditTarget, ServiceResult
from services.scoping import get_scoped

WRITE_SCOPE = "customers:write"
_ZERO = re.compile(r"\s*0+(?:\.0+)?\s*")


@dataclass(frozen=True)
class OwnLimit:
    """The limits a customer set itself in one currency (minor units; None = none of its own)."""

    currency: str
    daily_minor: int | None
    single_max_minor: int | None
    updated_at: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class OwnLimitsChange(ServiceResult):
    """customerLimitsSet's result: the customer and its own limits in the currency now (None: none left)."""

    audit_type: ClassVar[str] = "Customer"

    customer: CustomerRecord
    currency: str
    limit: OwnLimit | None

    def audit_target(self) -> AuditTarget | None:
        """Filed under the customer whose limits changed."""
        return self.customer.audit_target()


def _lower(regulatory: int | None, own: int | None) -> int | None:
    if own is None:
        return regulatory
    return own if regulatory is None else min(regulatory, own)


def effective_limits(regulatory: TierLimits, own: OwnLimit | None) -> TierLimits:
    """The tier's limits with the customer's own daily and per-transaction ones where they are lower."""
    if own is None:
        return regulatory
    return replace(
        regulatory, daily=_lower(regulatory.daily, own.daily_minor),
        single_max=_lower(regulatory.single_max, own.single_max_minor),
    )


def _of_row(row: CustomerOwnLimit) -> OwnLimit:
    return OwnLimit(currency=row.currency, daily_minor=row.daily_minor, single_max_minor=row.single_max_minor,
                    updated_at=row.updated_at)


async def own_limit_for(customer_id: uuid.UUID, currency: str) -> OwnLimit | None:
    """The customer's own limits in a currency, for the posting path (remembered while changes are announced)."""
    key = (customer_id, currency)
    if reliable() and key in OWN_LIMITS:
        return OWN_LIMITS.get(key) or None  # False: known to have none
    generation = OWN_LIMITS.generation
    row = await CustomerOwnLimit.get_or_none(customer_id=customer_id, currency=currency)
    found = _of_row(row) if row is not None else None
    if reliable() and generation == OWN_LIMITS.generation:  # no change announced while we read
        OWN_LIMITS.put(key, found or False)
    return found


async def capped_by_customer(regulatory: TierLimits, customer_id: uuid.UUID, currency: str) -> TierLimits:
    """The limits a sender's posting must fit in: its tier's, lowered by its own (the posting path's hook)."""
    return effective_limits(regulatory, await own_limit_for(customer_id, currency))


async def own_limits_of(customer_id: uuid.UUID, currencies: list[str] | None = None) -> dict[str, OwnLimit]:
    """The customer's own limits by currency (all of them, or those of `currencies`), read fresh."""
    query = CustomerOwnLimit.filter(customer_id=customer_id)
    if currencies is not None:
        query = query.filter(currency__in=currencies)
    return {row.currency: _of_row(row) for row in await query.order_by("currency")}


async def own_limits_by_customer(customer_ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, OwnLimit]]:
    """Several customers' own limits by currency, in one query (a list's DataLoader batch); callers scope the ids."""
    found: dict[uuid.UUID, dict[str, OwnLimit]] = {customer_id: {} for customer_id in customer_ids}
    if customer_ids:
        for row in await CustomerOwnLimit.filter(customer_id__in=customer_ids).order_by("currency"):
            found.setdefault(row.customer_id, {})[row.currency] = _of_row(row)  # type: ignore[attr-defined]
    return found


def parse_limit(value: str | None | Unchanged, currency: str, field: str) -> int | None | Unchanged:
    """A limit in minor units: UNCHANGED and None pass through; zero is allowed (the customer stops paying out)."""
    if value is UNCHANGED or value is None:
        return value
    if isinstance(value, str) and _ZERO.fullmatch(value):
        return 0
    return parse_amount(value, currency, field=[field])  # type: ignore[arg-type]


def check_within(regulatory: TierLimits, *, daily: int | None | Unchanged, single: int | None | Unchanged,
                 currency: str, tier_name: str) -> None:
    """A customer only lowers its limits: LIMIT_EXCEEDED for a value above its tier's (None there = no limit)."""
    for value, cap, field, what in ((daily, regulatory.daily, "daily", "daily"),
                                    (single, regulatory.single_max, "perTransaction", "per-transaction")):
        if isinstance(value, int) and cap is not None and value > cap:
            raise LimitExceeded(
                f"{field} may not be above the {what} limit of {tier_name}: {format_amount(cap, currency)} {currency}"
                " (a customer can only lower its limits)",
                field=[field],
            )


async def set_own_limits(
    *, principal: Principal, customer_id: uuid.UUID | None, currency: str,
    daily: str | None | Unchanged = UNCHANGED, per_transaction: str | None | Unchanged = UNCHANGED,
) -> OwnLimitsChange:
    """Set (or with None clear) a customer's own daily and per-transaction limits in one currency."""
    require_scope(principal, WRITE_SCOPE)
    if daily is UNCHANGED and per_transaction is UNCHANGED:
        raise ValidationFailed("name daily or perTransaction (null clears it)", field=["input"])
    code = normalise_currency(currency)
    daily_minor = parse_limit(daily, code, "daily")
    single_minor = parse_limit(per_transaction, code, "perTransaction")
    customer = await get_scoped(Customer, principal, customer_id, what="customer", field=["customerId"])
    refuse_if_closed(customer.status, field=["customerId"])
    # The tier at this moment decides: a currency it does not cover is KYC_REQUIRED.
    pack = await pack_for_country(customer.country)
    tier = pack.tier_for(customer.kyc_tier)
    regulatory = tier_limits(pack, tier, code, field="currency")
    check_within(regulatory, daily=daily_minor, single=single_minor, currency=code,
                 tier_name=f"{tier.name} ({pack.jurisdiction})")
    # Under the customer's row lock: two settings of one customer queue, the second sees the first's row.
    change = await _store(customer, code, daily_minor, single_minor)
    await announce(OWN_LIMITS_CHANNEL)  # after the commit: every worker forgets what it remembered
    return change


async def _store(customer: Customer, currency: str, daily: int | None | Unchanged, single: int | None | Unchanged) -> OwnLimitsChange:
    """Write the change under the customer's row lock; record customer.limits_changed (amounts, no personal data)."""
    async with in_transaction() as conn:
        locked = await lock_open_customer(customer.id, field=["customerId"])
        row = await CustomerOwnLimit.filter(customer_id=customer.id, currency=currency).select_for_update().first()
        new_daily = (row.daily_minor if row else None) if daily is UNCHANGED else daily
        new_single = (row.single_max_minor if row else None) if single is UNCHANGED else single
        limit: OwnLimit | None
        if new_daily is None and new_single is None:
            if row is not None:
                await row.delete(using_db=conn)
            limit = None
        elif row is None:
            row = await CustomerOwnLimit.create(
                partner_id=customer.partner_id, customer_id=customer.id, currency=currency,  # type: ignore[attr-defined]
                daily_minor=new_daily, single_max_minor=new_single, using_db=conn,
            )
            limit = _of_row(row)
        else:
            row.daily_minor, row.single_max_minor = new_daily, new_single  # type: ignore[assignment]
            await row.save(update_fields=["daily_minor", "single_max_minor", "updated_at"], using_db=conn)
            limit = _of_row(row)
        await record_domain_event(
            type="customer.limits_changed", partner_id=customer.partner_id, object_type="Customer",  # type: ignore[attr-defined]
            object_id=customer.id, payload={
                "customerId": str(customer.id), "currency": currency,
                "daily": None if new_daily is None else format_amount(new_daily, currency),  # type: ignore[arg-type]
                "perTransaction": None if new_single is None else format_amount(new_single, currency),  # type: ignore[arg-type]
            }, using_db=conn,
        )
    return OwnLimitsChange(customer=await CustomerRecord.of_row(locked), currency=currency, limit=limit)
