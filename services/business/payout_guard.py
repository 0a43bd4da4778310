"""The maker-checker guard on the posting path (issue 16 part 6): no payout above the threshold without a checker.

Asked by the posting engine's planning (services.ledger.planning) of every posting, before anything is locked or
written, with the paying customer and the amount in minor units:

- only customer tokens are concerned (a partner's own server token acts for the partner, not for the business's
  users; bank staff move no customer money this way);
- a member token must still be an ACTIVE member whose role allows PAY (a VIEWER moves nothing);
- a TRANSFER, WITHDRAWAL or PAYMENT strictly above the business's threshold in its currency is refused with
  APPROVAL_REQUIRED, with or without a member; a payout request's own HELD posting (awaiting_approval) passes, since
  its funds wait for a second member (services.business.payout_requests).

A refusal happens before the idempotency key is claimed: nothing is counted or written.
"""

from __future__ import annotations

import uuid

from auth.principal import Principal
from models.enums import TransactionKind
from services.business.approval_rule import requires_approval
from services.business.member_permissions import MemberAction, require_action
from services.business.members import acting_member
from services.errors import ApprovalRequired
from services.scoping import token_customer

PAYOUT_KINDS = frozenset({TransactionKind.TRANSFER, TransactionKind.WITHDRAWAL, TransactionKind.PAYMENT})


async def check_business_payout(principal: Principal, *, kind: TransactionKind, customer_id: uuid.UUID,
                                amount_minor: int, currency: str, awaiting_approval: bool = False) -> None:
    """Refuse a customer token's payout its member may not make, or one above the approval threshold."""
    if kind not in PAYOUT_KINDS or token_customer(principal) is None or customer_id != token_customer(principal):
        return
    member = await acting_member(principal, customer_id)
    if member is not None:
        require_action(member.role, MemberAction.PAY, field=["amount"])
    if awaiting_approval:
        return
    if await requires_approval(customer_id, currency, amount_minor):
        raise ApprovalRequired(
            "this payout is above the business's approval threshold: create a payout request (payoutRequestCreate)"
            " for another member to approve", field=["amount"],
        )
