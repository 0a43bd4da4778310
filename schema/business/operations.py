"""Businesses with several users (issue 16 parts 5 and 6): members, the approval threshold, payout requests."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry

from schema.business.types import (
    BusinessApprovalPolicy, BusinessMember, BusinessMemberRole, PayoutRequest, PayoutRequestStatus,
)
from schema.common.audit_actor import audit_note
from schema.common.context import Info
from schema.common.errors import UserError, attempt
from schema.common.permissions import requires
from schema.common.relay import AfterArg, Connection, FirstArg, global_id_to_uuid
from schema.common.scalars import Decimal
from services.business import members, payout_decisions, payout_queries, payout_requests, policy
from services.errors import NotFound

_KEY = ("Your unique key for this request: 1 to 255 printable ASCII characters without spaces (VALIDATION"
        " otherwise). Retrying with the same key and input returns the original request; the same key with different"
        " input is IDEMPOTENCY_CONFLICT.")
_ROLE_TABLE = " What each role may do is the role table in the README (Businesses)."


def _id(global_id: strawberry.ID | None, type_name: str, field: str) -> Any:
    """The row id behind a global ID of the type, or NOT_FOUND on the input field (None stays None)."""
    if global_id is None:
        return None
    value = global_id_to_uuid(global_id, type_name)
    if value is None:
        raise NotFound(f"{type_name[0].lower()}{type_name[1:]} not found", field=[field])
    return value


@strawberry.input(description="A new member of a BUSINESS customer.")
class BusinessMemberAddInput:
    customer_id: strawberry.ID = strawberry.field(
        description="The BUSINESS customer (one of yours, or a member token's own business; NOT_FOUND otherwise,"
        " VALIDATION if not a BUSINESS)."
    )
    name: str = strawberry.field(description="The member's name: 1 to 200 characters, no control characters.")
    role: BusinessMemberRole = strawberry.field(description="The member's role." + _ROLE_TABLE)


@strawberry.input(description="Which member to remove.")
class BusinessMemberRemoveInput:
    member_id: strawberry.ID = strawberry.field(description="The ACTIVE member (a BusinessMember global ID).")


@strawberry.type(description="The member as stored, or why nothing changed.")
class BusinessMemberPayload:
    member: BusinessMember | None = strawberry.field(description="The member; null when userErrors is not empty.")
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing changed; empty on success. NOT_FOUND, VALIDATION (name, role, not a BUSINESS),"
        " INVALID_STATE (a closed customer), MEMBER_ROLE_FORBIDDEN (the acting member's role) or LAST_OWNER."
    )


@strawberry.input(description="An amount and its currency.")
class BusinessMoneyInput:
    amount: Decimal = strawberry.field(  # type: ignore[valid-type]
        description='A decimal string with at most the currency\'s decimals, e.g. "5000.00" ("0": every payout).'
    )
    currency: str = strawberry.field(description="An ISO 4217 currency the bank offers.")


@strawberry.input(description="A business's approval threshold in one currency.")
class BusinessApprovalPolicySetInput:
    customer_id: strawberry.ID = strawberry.field(description="The BUSINESS customer.")
    threshold_amount: BusinessMoneyInput = strawberry.field(
        description="Payouts in this currency strictly above this amount need a second member's approval."
    )


@strawberry.type(description="The policy as stored, or why nothing changed.")
class BusinessApprovalPolicyPayload:
    policy: BusinessApprovalPolicy | None = strawberry.field(
        description="The policy; null when userErrors is not empty."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing changed; empty on success. NOT_FOUND, VALIDATION, INVALID_AMOUNT,"
        " UNSUPPORTED_CURRENCY or MEMBER_ROLE_FORBIDDEN (only an OWNER member, or your own token, sets it)."
    )


@strawberry.input(description="A payout from a business wallet that waits for a second member's approval.")
class PayoutRequestCreateInput:
    from_wallet_id: strawberry.ID = strawberry.field(description="The paying wallet: one of the business's own.")
    to_wallet_id: strawberry.ID | None = strawberry.field(
        default=None, description="A transfer's receiving wallet (one of your partner's); omitted: a withdrawal."
    )
    amount: Decimal = strawberry.field(  # type: ignore[valid-type]
        description="How much, in the wallet's currency (INVALID_AMOUNT otherwise); the fee is on top."
    )
    idempotency_key: str = strawberry.field(description=_KEY)
    memo: str | None = strawberry.field(default=None, description="An optional note, at most 280 characters.")
    expires_at: datetime | None = strawberry.field(
        default=None, description="When it expires unless decided (in the future, within 30 days); default 3 days."
    )


@strawberry.input(description="Which payout request to approve.")
class PayoutRequestApproveInput:
    payout_request_id: strawberry.ID = strawberry.field(description="The PENDING payout request.")


@strawberry.input(description="Which payout request to reject, and why.")
class PayoutRequestRejectInput:
    payout_request_id: strawberry.ID = strawberry.field(description="The PENDING payout request.")
    reason: str | None = strawberry.field(default=None, description="Why (at most 500 characters), kept on it.")


@strawberry.type(description="The payout request as it stands, or why nothing changed.")
class PayoutRequestPayload:
    payout_request: PayoutRequest | None = strawberry.field(
        description="The payout request; null when userErrors is not empty."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing changed or moved; empty on success. NOT_FOUND, VALIDATION, INVALID_AMOUNT,"
        " INSUFFICIENT_FUNDS, LIMIT_EXCEEDED, WALLET_NOT_ACTIVE, COMPLIANCE_HOLD, IDEMPOTENCY_CONFLICT,"
        " MEMBER_ROLE_FORBIDDEN, SELF_APPROVAL_FORBIDDEN or PAYOUT_REQUEST_NOT_PENDING."
    )


def _request(record: Any, errors: list[UserError]) -> PayoutRequestPayload:
    """The payload of a payout request mutation."""
    return PayoutRequestPayload(payout_request=PayoutRequest.from_record(record) if record else None,
                                user_errors=errors)


@strawberry.type
class BusinessQueries:
    @strawberry.field(permission_classes=requires("customers:read"),
                      description="A BUSINESS customer's members, oldest first (customers:read: your partner's, a"
                      " token of the business itself, or bank staff).")
    async def business_members(
        self, info: Info,
        customer_id: Annotated[strawberry.ID, strawberry.argument(description="The BUSINESS customer.")],
        first: FirstArg = None, after: AfterArg = None,
        include_removed: Annotated[bool, strawberry.argument(
            description="Also list REMOVED members.")] = False,
    ) -> Connection[BusinessMember]:
        page = await members.list_members(principal=info.context.principal,
                                          customer_id=_id(customer_id, "Customer", "customerId"),
                                          include_removed=include_removed, first=first, after=after)
        return Connection.from_page(page, BusinessMember.from_record)

    @strawberry.field(permission_classes=requires("customers:read"),
                      description="A BUSINESS customer's approval threshold in a currency; null: none (nothing needs"
                      " approval).")
    async def business_approval_policy(
        self, info: Info,
        customer_id: Annotated[strawberry.ID, strawberry.argument(description="The BUSINESS customer.")],
        currency: Annotated[str, strawberry.argument(description="An ISO 4217 currency code.")],
    ) -> BusinessApprovalPolicy | None:
        record = await policy.get_policy(principal=info.context.principal,
                                         customer_id=_id(customer_id, "Customer", "customerId"), currency=currency)
        return BusinessApprovalPolicy.from_record(record) if record else None

    @strawberry.field(permission_classes=requires("transactions:read"),
                      description="A BUSINESS customer's payout requests, newest first.")
    async def payout_requests(
        self, info: Info,
        customer_id: Annotated[strawberry.ID, strawberry.argument(description="The BUSINESS customer.")],
        first: FirstArg = None, after: AfterArg = None,
        status: Annotated[PayoutRequestStatus | None, strawberry.argument(
            description="Only requests in this status.")] = None,
    ) -> Connection[PayoutRequest]:
        page = await payout_queries.list_payout_requests(
            principal=info.context.principal, customer_id=_id(customer_id, "Customer", "customerId"),
            status=status.value if status else None, first=first, after=after)
        return Connection.from_page(page, PayoutRequest.from_record)


@strawberry.type
class BusinessMutations:
    @strawberry.mutation(permission_classes=requires("customers:write"),
                         description="Add a member to a BUSINESS customer: your own token, or a member token whose"
                         " role manages members (only an OWNER adds an OWNER). Audited; business_member.added.")
    async def business_member_add(
        self, info: Info, input: Annotated[BusinessMemberAddInput, strawberry.argument(description="The business, and the new member's name and role.")],
    ) -> BusinessMemberPayload:
        async def run() -> Any:
            return await members.add_member(principal=info.context.principal,
                                            customer_id=_id(input.customer_id, "Customer", "customerId"),
                                            name=input.name, role=input.role.value)

        record, errors = await attempt(info, run())
        return BusinessMemberPayload(member=BusinessMember.from_record(record) if record else None, user_errors=errors)

    @strawberry.mutation(permission_classes=requires("customers:write"),
                         description="Remove a member: its tokens act for nobody from now on (never the last OWNER)."
                         " Audited; business_member.removed.")
    async def business_member_remove(
        self, info: Info,
        input: Annotated[BusinessMemberRemoveInput, strawberry.argument(description="Which member.")],
    ) -> BusinessMemberPayload:
        async def run() -> Any:
            return await members.remove_member(principal=info.context.principal,
                                               member_id=_id(input.member_id, "BusinessMember", "memberId"))

        record, errors = await attempt(info, run())
        return BusinessMemberPayload(member=BusinessMember.from_record(record) if record else None, user_errors=errors)

    @strawberry.mutation(permission_classes=requires("customers:write"),
                         description="Set a BUSINESS customer's maker-checker threshold in one currency: your own"
                         " token or an OWNER member's. A member's payout above it is refused (APPROVAL_REQUIRED) and"
                         " goes through payoutRequestCreate. Audited.")
    async def business_approval_policy_set(
        self, info: Info,
        input: Annotated[BusinessApprovalPolicySetInput, strawberry.argument(description="The threshold.")],
    ) -> BusinessApprovalPolicyPayload:
        async def run() -> Any:
            return await policy.set_policy(principal=info.context.principal,
                                           customer_id=_id(input.customer_id, "Customer", "customerId"),
                                           amount=input.threshold_amount.amount,
                                           currency=input.threshold_amount.currency)

        record, errors = await attempt(info, run())
        return BusinessApprovalPolicyPayload(
            policy=BusinessApprovalPolicy.from_record(record) if record else None, user_errors=errors)

    @strawberry.mutation(permission_classes=requires("transactions:write"),
                         description="A business member asks for a payout (a transfer, or a withdrawal without"
                         " toWalletId) that a different member must approve: every check of the payout runs now, and"
                         " its amount and fee are held on the wallet until it is approved, rejected or expires. A"
                         " member token whose role may pay only. Idempotent by idempotencyKey; payout_request.created.")
    async def payout_request_create(
        self, info: Info,
        input: Annotated[PayoutRequestCreateInput, strawberry.argument(description="The paying wallet, payee, amount and idempotency key.")],
    ) -> PayoutRequestPayload:
        async def run() -> Any:
            return await payout_requests.create_payout_request(
                principal=info.context.principal, from_wallet_id=_id(input.from_wallet_id, "Wallet", "fromWalletId"),
                to_wallet_id=_id(input.to_wallet_id, "Wallet", "toWalletId"), amount=input.amount,
                idempotency_key=input.idempotency_key, memo=input.memo, expires_at=input.expires_at,
                audit=audit_note(info))

        record, errors = await attempt(info, run())
        return _request(record, errors)

    @strawberry.mutation(permission_classes=requires("transactions:write"),
                         description="Approve another member's PENDING payout request: it posts now (once; a retry"
                         " by the same member answers it). A member token whose role approves, never the maker's"
                         " (SELF_APPROVAL_FORBIDDEN, whichever of its tokens). Audited; payout_request.approved.")
    async def payout_request_approve(
        self, info: Info,
        input: Annotated[PayoutRequestApproveInput, strawberry.argument(description="Which request.")],
    ) -> PayoutRequestPayload:
        async def run() -> Any:
            return await payout_decisions.approve(
                principal=info.context.principal,
                request_id=_id(input.payout_request_id, "PayoutRequest", "payoutRequestId"), audit=audit_note(info))

        record, errors = await attempt(info, run())
        return _request(record, errors)

    @strawberry.mutation(permission_classes=requires("transactions:write"),
                         description="Reject a PENDING payout request (a member whose role approves, or its maker"
                         " withdrawing it): nothing moves and the held funds are available again. Audited;"
                         " payout_request.rejected.")
    async def payout_request_reject(
        self, info: Info,
        input: Annotated[PayoutRequestRejectInput, strawberry.argument(description="Which request, and why.")],
    ) -> PayoutRequestPayload:
        async def run() -> Any:
            return await payout_decisions.reject(
                principal=info.context.principal,
                request_id=_id(input.payout_request_id, "PayoutRequest", "payoutRequestId"), reason=input.reason,
                audit=audit_note(info))

        record, errors = await attempt(info, run())
        return _request(record, errors)
