"""What compliance requires of an FX conversion: one customer's wallet to its own wallet in another currency.

Like a sweep (services.compliance.sweep_checks), a conversion between a
customer's own wallets is not an outgoing payment: the money stays the
customer's, so it counts against no outgoing limit, needs no cross-border
allowance and raises no AML rule. What still holds: nothing moves for a
customer held or blocked by screening (COMPLIANCE_HOLD), the customer's tier
must cover the buy currency, and the receiving wallet stays within its tier's
maximum balance in that currency (LIMIT_EXCEEDED). Both posting backends
re-check tier, screening status and maximum balance on the locked rows.
A conversion is never HELD: it posts or is refused.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from models.enums import ScreeningStatus, TransactionKind
from services.compliance.limits import tier_limits
from services.compliance.policies import pack_for_country
from services.compliance.posting_checks import ComplianceCheck, check_clear, check_compliance, is_cross_border
from services.compliance.standing import standings
from services.db.wallet_rows import LockedWallet
from services.errors import ComplianceHold, KycRequired, QuoteMismatch


async def check_conversion(
    *, kind: TransactionKind, source: LockedWallet | None, target: LockedWallet | None, amount_minor: int,
    currency: str, at: datetime, from_field: str, to_field: str, dry_run: bool = False,
) -> ComplianceCheck:
    """The checks of a conversion before locking (same signature as check_compliance), and what the locked rows must show."""
    if kind is not TransactionKind.FX_CONVERSION or source is None or target is None:
        raise AssertionError("check_conversion is for FX_CONVERSION postings between two wallets")
    if source.customer_id != target.customer_id:
        raise QuoteMismatch("a conversion moves money between two wallets of the same customer", field=[to_field])
    standing = (await standings([source.customer_id]))[source.customer_id]
    if standing.screening_status != ScreeningStatus.CLEAR.value:
        raise ComplianceHold(
            "the customer is held for compliance review: nothing moves until the bank resolves it", field=[from_field]
        )
    pack = await pack_for_country(standing.country)
    # The receiving wallet's maximum balance is in the currency it holds (the buy currency).
    limits = tier_limits(pack, pack.tier_for(standing.kyc_tier), target.currency, field=to_field)
    tiers = {source.account_id: standing.kyc_tier, target.account_id: standing.kyc_tier}
    return ComplianceCheck(
        sender_customer_id=None, outgoing=None, max_balance={target.account_id: limits.max_balance},
        expected_tier=tiers, subject_customer_id=source.customer_id, subject_wallet_id=source.wallet_id,
    )


async def check_cross_currency_transfer(
    *, kind: TransactionKind, source: LockedWallet | None, target: LockedWallet | None, amount_minor: int,
    currency: str, at: datetime, from_field: str, to_field: str, dry_run: bool = False,
) -> ComplianceCheck:
    """A transfer to a wallet in another currency (services.fx.transfers): every transfer check, in the sell currency.

    Limits, cross-border rules and AML count the amount sold, as for any transfer; only the receiving wallet's
    tier (must cover) and maximum balance are in the currency it holds, the buy currency (LIMIT_EXCEEDED).
    """
    if kind is not TransactionKind.TRANSFER or source is None or target is None:
        raise AssertionError("check_cross_currency_transfer is for TRANSFER postings between two wallets")
    # The sender's side exactly as for any transfer (limits, AML, VELOCITY on the locked usage row), in the sell
    # currency. The receiver's side is checked here: its tier need not cover the currency it never holds.
    check = await check_compliance(kind=kind, source=source, target=None, amount_minor=amount_minor,
                                   currency=currency, at=at, from_field=from_field, to_field=to_field, dry_run=dry_run)
    known = await standings([source.customer_id, target.customer_id])
    sender, receiver = known[source.customer_id], known[target.customer_id]
    check_clear(receiver, to_field)
    sender_pack = await pack_for_country(sender.country)
    if is_cross_border(sender_pack, sender.country, receiver.country) and not sender_pack.tier_for(sender.kyc_tier).cross_border:
        raise KycRequired(f"{sender_pack.tier_for(sender.kyc_tier).name} ({sender_pack.jurisdiction}) does not allow"
                          " cross-border transfers", field=[from_field])
    pack = await pack_for_country(receiver.country)
    limits = tier_limits(pack, pack.tier_for(receiver.kyc_tier), target.currency, field=to_field)
    return replace(check, max_balance={target.account_id: limits.max_balance},
                   expected_tier={**check.expected_tier, target.account_id: receiver.kyc_tier})
