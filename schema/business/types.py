"""Businesses with several users as GraphQL types: members, the approval policy and payout requests (issue 16)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from schema.common.money import Money
from schema.common.relay import Node, to_global_id
from services.business.records import MemberRecord, PayoutRequestRecord, PolicyRecord


@strawberry.enum(description="A business member's role: what it may do is the role table in the README (Businesses).")
class BusinessMemberRole(Enum):
    OWNER = strawberry.enum_value("OWNER", description="Everything: pay, approve, manage members, set the approval"
                                  " threshold. Only an OWNER adds or removes an OWNER.")
    ADMIN = strawberry.enum_value("ADMIN", description="Pay, approve others' payout requests and manage members (not"
                                  " OWNERs); not the approval threshold.")
    ACCOUNTANT = strawberry.enum_value("ACCOUNTANT", description="Pay up to the threshold and make payout requests"
                                       " above it; never approves.")
    VIEWER = strawberry.enum_value("VIEWER", description="Reads only: moves no money, approves nothing.")


@strawberry.enum(description="Whether a member still acts for its business.")
class BusinessMemberStatus(Enum):
    ACTIVE = strawberry.enum_value("ACTIVE", description="Acts for the business with its role.")
    REMOVED = strawberry.enum_value("REMOVED", description="Removed (businessMemberRemove): its tokens act for nobody.")


@strawberry.enum(description="Where a payout request stands.")
class PayoutRequestStatus(Enum):
    PENDING = strawberry.enum_value("PENDING", description="Waiting for a second member; its funds are held.")
    APPROVED = strawberry.enum_value("APPROVED", description="Approved by a second member: the payout posted.")
    REJECTED = strawberry.enum_value("REJECTED", description="Rejected (or withdrawn by its maker): nothing moved,"
                                     " the held funds are available again.")
    EXPIRED = strawberry.enum_value("EXPIRED", description="Not decided before expiresAt: nothing moved, the held"
                                    " funds are available again.")


@strawberry.enum(description="What a payout request pays out as, once approved.")
class PayoutRequestKind(Enum):
    TRANSFER = strawberry.enum_value("TRANSFER", description="A transfer to another wallet (toWalletId).")
    WITHDRAWAL = strawberry.enum_value("WITHDRAWAL", description="A withdrawal to the bank's settlement account.")


@strawberry.type(description="A person acting for a BUSINESS customer with a role (businessMemberAdd). Mint it a"
                 " customer token with customerTokenCreate(memberId).")
class BusinessMember(Node):
    customer_id: strawberry.ID = strawberry.field(description="The business (a Customer global ID).")
    name: str = strawberry.field(description="The member's name, as the business gave it.")
    role: BusinessMemberRole = strawberry.field(description="What the member may do (README, Businesses).")
    status: BusinessMemberStatus = strawberry.field(description="ACTIVE, or REMOVED.")
    created_at: datetime = strawberry.field(description="When the member was added (UTC).")
    removed_at: datetime | None = strawberry.field(description="When the member was removed (UTC); null if ACTIVE.")

    @classmethod
    def from_record(cls, record: MemberRecord) -> BusinessMember:
        """The GraphQL view of a member."""
        return cls(id=to_global_id("BusinessMember", record.id), customer_id=to_global_id("Customer", record.customer_id),
                   name=record.name, role=BusinessMemberRole(record.role), status=BusinessMemberStatus(record.status),
                   created_at=record.created_at, removed_at=record.removed_at)


@strawberry.type(description="A business's maker-checker threshold in one currency (businessApprovalPolicySet): a"
                 " payout strictly above it needs a second member's approval.")
class BusinessApprovalPolicy(Node):
    customer_id: strawberry.ID = strawberry.field(description="The business (a Customer global ID).")
    threshold: Money = strawberry.field(description="Payouts above this amount need approval (0: every payout).")
    updated_at: datetime = strawberry.field(description="When the threshold was last set (UTC).")

    @classmethod
    def from_record(cls, record: PolicyRecord) -> BusinessApprovalPolicy:
        """The GraphQL view of a policy."""
        return cls(id=to_global_id("BusinessApprovalPolicy", record.id),
                   customer_id=to_global_id("Customer", record.customer_id),
                   threshold=Money.of(record.threshold_minor, record.currency), updated_at=record.updated_at)


@strawberry.type(description="A payout by one business member that waits for a second member (payoutRequestCreate):"
                 " its amount and fee are held on the paying wallet (availableBalance) until it is approved (posts),"
                 " rejected or expires (released).")
class PayoutRequest(Node):
    customer_id: strawberry.ID = strawberry.field(description="The business (a Customer global ID).")
    kind: PayoutRequestKind = strawberry.field(description="TRANSFER or WITHDRAWAL.")
    from_wallet_id: strawberry.ID = strawberry.field(description="The paying wallet (a Wallet global ID).")
    to_wallet_id: strawberry.ID | None = strawberry.field(description="A TRANSFER's receiving wallet; null otherwise.")
    amount: Money = strawberry.field(description="The amount (the fee is on top, as for a transfer or withdrawal).")
    memo: str | None = strawberry.field(description="The maker's note, if any.")
    status: PayoutRequestStatus = strawberry.field(description="PENDING, APPROVED, REJECTED or EXPIRED.")
    maker_member_id: strawberry.ID = strawberry.field(description="The member who made it (a BusinessMember ID).")
    checker_member_id: strawberry.ID | None = strawberry.field(
        description="The member who approved or rejected it (its maker, if withdrawn); null while PENDING or expired."
    )
    transaction_id: strawberry.ID = strawberry.field(
        description="Its transaction (a Transaction global ID): HELD while PENDING, POSTED once approved, REJECTED"
        " once rejected or expired."
    )
    reason: str | None = strawberry.field(description="The rejection's reason, if one was given.")
    created_at: datetime = strawberry.field(description="When it was made (UTC).")
    expires_at: datetime = strawberry.field(description="When it expires unless decided first (UTC).")
    decided_at: datetime | None = strawberry.field(description="When it was approved, rejected or expired (UTC).")

    @classmethod
    def from_record(cls, record: PayoutRequestRecord) -> PayoutRequest:
        """The GraphQL view of a payout request."""
        return cls(
            id=to_global_id("PayoutRequest", record.id), customer_id=to_global_id("Customer", record.customer_id),
            kind=PayoutRequestKind(record.kind), from_wallet_id=to_global_id("Wallet", record.from_wallet_id),
            to_wallet_id=to_global_id("Wallet", record.to_wallet_id) if record.to_wallet_id else None,
            amount=Money.of(record.amount_minor, record.currency), memo=record.memo,
            status=PayoutRequestStatus(record.status),
            maker_member_id=to_global_id("BusinessMember", record.maker_member_id),
            checker_member_id=to_global_id("BusinessMember", record.checker_member_id)
            if record.checker_member_id else None,
            transaction_id=to_global_id("Transaction", record.transaction_id), reason=record.reason,
            created_at=record.created_at, expires_at=record.expires_at, decided_at=record.decided_at,
        )
