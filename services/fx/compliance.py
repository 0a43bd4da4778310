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

from datetime import datetime

from models.enums import ScreeningStatus, TransactionKind
from services.compliance.limits import tier_limits
from services.compliance.policies import pack_for_country
from services.compliance.posting_checks import ComplianceCheck
from services.compliance.standing import standings
from services.db.wallet_rows import LockedWallet
from services.errors import ComplianceHold, QuoteMismatch


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
