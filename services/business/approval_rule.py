"""The maker-checker rule (issue 16 part 6): is a payout of this size from this business above its approval threshold?

This is the public interface other payout paths ask (bulk payouts apply it to a batch total); keep its signatures.
A threshold is per business customer and currency; a payout strictly above it needs a second member's approval.
"""

from __future__ import annotations

from uuid import UUID

from models.business import BusinessApprovalPolicy


async def approval_threshold(customer_id: UUID, currency: str) -> int | None:
    """The business's approval threshold in minor units of `currency`, or None when it has no policy in it."""
    policy = await BusinessApprovalPolicy.get_or_none(customer_id=customer_id, currency=currency.upper())
    return None if policy is None else int(policy.threshold_minor)


async def requires_approval(customer_id: UUID, currency: str, amount_minor: int) -> bool:
    """True when a payout of `amount_minor` needs a checker: a policy exists and the amount is above its threshold."""
    threshold = await approval_threshold(customer_id, currency)
    return threshold is not None and int(amount_minor) > threshold
