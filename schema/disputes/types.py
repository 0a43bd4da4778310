"""Disputes as GraphQL types: Dispute (a Node) and its closed sets."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from schema.common.money import Money
from schema.common.relay import Node, to_global_id
from services.disputes.records import DisputeRecord


@strawberry.enum(description="Why the payer disputes a payment.")
class DisputeReason(Enum):
    NOT_RECEIVED = strawberry.enum_value("NOT_RECEIVED", description="The goods or service never came.")
    NOT_AS_DESCRIBED = strawberry.enum_value("NOT_AS_DESCRIBED", description="What came is not what was sold.")
    DUPLICATE = strawberry.enum_value("DUPLICATE", description="The same purchase was paid twice.")
    WRONG_AMOUNT = strawberry.enum_value("WRONG_AMOUNT", description="More was taken than agreed.")
    UNAUTHORIZED = strawberry.enum_value("UNAUTHORIZED", description="The customer did not make this payment.")
    CANCELLED = strawberry.enum_value("CANCELLED", description="The order was cancelled but not refunded.")


@strawberry.enum(description="Where a dispute stands.")
class DisputeStatus(Enum):
    AWAITING_MERCHANT = strawberry.enum_value(
        "AWAITING_MERCHANT", description="The merchant's partner may answer (disputeRespond) until respondBy."
    )
    UNDER_REVIEW = strawberry.enum_value("UNDER_REVIEW", description="The merchant answered: bank staff decide.")
    DECIDING = strawberry.enum_value(
        "DECIDING", description="Decided for the customer; its refund is being posted (DECIDED in a moment)."
    )
    DECIDED = strawberry.enum_value("DECIDED", description="Decided: see outcome (and refundId for the customer).")


@strawberry.enum(description="Whom bank staff decided a dispute for.")
class DisputeOutcome(Enum):
    FOR_CUSTOMER = strawberry.enum_value(
        "FOR_CUSTOMER", description="The payer is right: the disputed amount is refunded from the merchant's"
        " settlement wallet (a REFUND posting of the payment)."
    )
    FOR_MERCHANT = strawberry.enum_value("FOR_MERCHANT", description="The merchant is right: nothing moves.")


@strawberry.type(
    description="A payer's dispute of a payment to a merchant (disputeOpen): the merchant's partner answers before"
    " respondBy, bank staff decide. Read by the payer's partner (its customer's token: its own), the merchant's"
    " partner and bank support staff."
)
class Dispute(Node):
    ticket_id: strawberry.ID = strawberry.field(
        description="The support ticket it came from (a SupportTicket global ID; readable by the payer's side and"
        " staff only)."
    )
    payment_id: strawberry.ID = strawberry.field(description="The payment disputed (a Payment global ID).")
    reason_code: DisputeReason = strawberry.field(description="Why the payer disputes it.")
    status: DisputeStatus = strawberry.field(description="Where it stands.")
    amount: Money = strawberry.field(description="What is disputed: what remained refundable when it was opened.")
    respond_by: datetime = strawberry.field(description="Until when the merchant's partner may answer (UTC).")
    evidence: str | None = strawberry.field(
        description="The merchant's answer (identity and card numbers masked); null until it answers."
    )
    responded_at: datetime | None = strawberry.field(description="When the merchant answered; null until then.")
    outcome: DisputeOutcome | None = strawberry.field(description="The decision; null until decided.")
    decided_at: datetime | None = strawberry.field(description="When it was decided; null until then.")
    refund_id: strawberry.ID | None = strawberry.field(
        description="FOR_CUSTOMER: the refund posted (a Refund global ID); null otherwise."
    )
    created_at: datetime = strawberry.field(description="When it was opened (UTC).")

    @classmethod
    def from_record(cls, record: DisputeRecord) -> Dispute:
        """The GraphQL view of a dispute."""
        return cls(
            id=to_global_id("Dispute", record.id), ticket_id=to_global_id("SupportTicket", record.ticket_id),
            payment_id=to_global_id("Payment", record.payment_id), reason_code=DisputeReason(record.reason_code),
            status=DisputeStatus(record.status), amount=Money.of(record.amount_minor, record.currency),
            respond_by=record.respond_by, evidence=record.evidence, responded_at=record.responded_at,
            outcome=DisputeOutcome(record.outcome) if record.outcome else None, decided_at=record.decided_at,
            refund_id=to_global_id("Refund", record.refund_id) if record.refund_id else None,
            created_at=record.created_at,
        )
