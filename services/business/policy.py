"""The approval policy (issue 16 part 6): a business's maker-checker threshold per currency (businessApprovalPolicySet).

Set by the partner's own token or an OWNER member (SET_POLICY). The threshold is Money: a payout strictly above it
needs a second member's approval (services.business.approval_rule). Changing it does not touch requests already made.
"""

from __future__ import annotations

import uuid

from tortoise.transactions import in_transaction

from auth.principal import Principal
from models.business import BusinessApprovalPolicy
from services import clock, scoping
from services.business.member_permissions import MemberAction
from services.business.members import authorize, lock_business
from services.business.records import PolicyRecord
from services.errors import InvalidAmount, NotFound
from services.money import normalise_currency, parse_amount


async def set_policy(*, principal: Principal, customer_id: uuid.UUID | None, amount: str,
                     currency: str) -> PolicyRecord:
    """Set (or change) the business's approval threshold in one currency; "0" makes every payout need approval."""
    code = normalise_currency(currency)
    # Zero is a valid threshold (every payout needs a checker); parse_amount refuses it, so parse "0" apart.
    threshold = 0 if _is_zero(amount) else parse_amount(amount, code, field=["thresholdAmount", "amount"])
    actor = await authorize(principal, customer_id, MemberAction.SET_POLICY, field=["customerId"])
    async with in_transaction() as conn:
        await lock_business(conn, actor.customer.id)
        row, created = await BusinessApprovalPolicy.get_or_create(
            customer_id=actor.customer.id, currency=code, using_db=conn,
            defaults={"partner_id": actor.customer.partner_id, "threshold_minor": threshold,  # type: ignore[attr-defined]
                      "updated_at": clock.now()},
        )
        if not created:
            row.threshold_minor = threshold
            row.updated_at = clock.now()
            await row.save(using_db=conn, update_fields=["threshold_minor", "updated_at"])
    return PolicyRecord.of(row)


def _is_zero(amount: str) -> bool:
    """Whether the amount text is a plain zero ("0", "0.00"); anything else goes through parse_amount."""
    text = str(amount).strip()
    if text.startswith("-"):
        raise InvalidAmount("the threshold cannot be negative", field=["thresholdAmount", "amount"])
    return text.replace("0", "").replace(".", "") == "" and text.count(".") <= 1 and text[:1].isdigit()


async def get_policy(*, principal: Principal, customer_id: uuid.UUID | None, currency: str) -> PolicyRecord | None:
    """The business's threshold in a currency (None: no policy, nothing needs approval)."""
    actor = await authorize(principal, customer_id, MemberAction.VIEW, field=["customerId"])
    row = await BusinessApprovalPolicy.get_or_none(customer_id=actor.customer.id, currency=normalise_currency(currency))
    return PolicyRecord.of(row) if row is not None else None


async def get_policy_by_id(*, principal: Principal, policy_id: uuid.UUID | None) -> PolicyRecord:
    """One policy the caller may read (node(id:)); NOT_FOUND otherwise."""
    row = await BusinessApprovalPolicy.get_or_none(id=policy_id) if policy_id is not None else None
    if row is None or not scoping.sees_row(principal, partner_id=row.partner_id, customer_id=row.customer_id):  # type: ignore[attr-defined]
        raise NotFound("approval policy not found", field=["id"])
    await authorize(principal, row.customer_id, MemberAction.VIEW, field=["id"])  # type: ignore[attr-defined]
    return PolicyRecord.of(row)
