"""What compliance requires of a SWEEP: a closing wallet's balance moving to another wallet of the same customer.

A sweep is not a payment: the money stays the customer's, so it counts
against no outgoing limit (the tier's or the customer's own), needs no
cross-border allowance and raises no AML rule. What still holds: nothing
moves for a customer held or blocked by screening (COMPLIANCE_HOLD), the
tier must cover the currency, and the receiving wallet stays within its
tier's maximum balance (LIMIT_EXCEEDED: withdraw instead). Both posting
paths re-check tier, screening status and maximum balance on the locked
rows, as for every posting.
"""

from __future__ import annotations

from datetime import datetime

from models.enums import ScreeningStatus, TransactionKind
from services.compliance.limits import tier_limits
from services.compliance.policies import pack_for_country
from services.compliance.posting_checks import ComplianceCheck
from services.compliance.standing import standings
from services.db.wallet_rows import LockedWallet
from services.errors import ComplianceHold, ValidationFailed


async def check_sweep(
    *, kind: TransactionKind, source: LockedWallet | None, target: LockedWallet | None, amount_minor: int,
    currency: str, at: datetime, from_field: str, to_field: str, dry_run: bool = False,
) -> ComplianceCheck:
    """The checks of a sweep before locking (same signature as check_compliance), and what the locked rows must show."""
    if kind is not TransactionKind.SWEEP or source is None or target is None or source.customer_id != target.customer_id:
        raise ValidationFailed("a sweep moves money between two wallets of the same customer", field=[to_field])
    standing = (await standings([source.customer_id]))[source.customer_id]
    if standing.screening_status != ScreeningStatus.CLEAR.value:
        raise ComplianceHold(
            "the customer is held for compliance review: nothing moves until the bank resolves it", field=[from_field]
        )
    pack = await pack_for_country(standing.country)
    limits = tier_limits(pack, pack.tier_for(standing.kyc_tier), currency, field=to_field)
    tiers = {source.account_id: standing.kyc_tier, target.account_id: standing.kyc_tier}
    return ComplianceCheck(
        sender_customer_id=None, outgoing=None, max_balance={target.account_id: limits.max_balance},
        expected_tier=tiers, subject_customer_id=source.customer_id, subject_wallet_id=source.wallet_id,
    )


_CORRECTIONS = frozenset({TransactionKind.REVERSAL, TransactionKind.RAIL_RETURN, TransactionKind.POINTS_FUNDING,
                          TransactionKind.POINTS_RELEASE, TransactionKind.MERCHANT_SETTLEMENT})


async def check_reversal(
    *, kind: TransactionKind, source: LockedWallet | None, target: LockedWallet | None, amount_minor: int,
    currency: str, at: datetime, from_field: str, to_field: str, dry_run: bool = False,
) -> ComplianceCheck:
    """A reversal (transactionReverse) is the bank correcting its own ledger: no limits counted, no maximum balance,
    no AML rule; the locked rows must still be active wallets with the funds (same signature as check_compliance)."""
    # A rail's return (RAIL_RETURN) is the same kind of correction: the bank gives back what its rail undid.
    # So is a points programme's money moving between its funding wallet and its own reserve (POINTS_FUNDING,
    # POINTS_RELEASE): no customer is paid, and the customers' payments from the reserve have their own checks.
    # And a DEFERRED merchant's settlement (MERCHANT_SETTLEMENT): payments already checked when they were made.
    if kind not in _CORRECTIONS:
        raise AssertionError("check_reversal is for REVERSAL, RAIL_RETURN, POINTS_FUNDING, POINTS_RELEASE and MERCHANT_SETTLEMENT postings only")
    subject = source or target
    assert subject is not None
    return ComplianceCheck(
        sender_customer_id=None, outgoing=None, max_balance={}, expected_tier={},
        subject_customer_id=subject.customer_id, subject_wallet_id=subject.wallet_id,
    )
