"""RailTransfer: a top-up from or withdrawal to a linked bank account or card, as its payment rail carried it."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from schema.common.money import Money
from schema.common.relay import Node, to_global_id
from services.rails.queries import RailTransferRecord


@strawberry.enum(description="Which way a rail transfer moves money.")
class RailDirection(Enum):
    IN = strawberry.enum_value("IN", description="A top-up: money comes in from a linked bank account or card.")
    OUT = strawberry.enum_value("OUT", description="A withdrawal: money goes out to a linked bank account.")


@strawberry.enum(description="Where a rail transfer is in its lifecycle; its transaction is HELD until it ends.")
class RailTransferStatus(Enum):
    SUBMITTING = strawberry.enum_value(
        "SUBMITTING", description="Posted (a withdrawal's funds reserved at once); about to be handed to the rail.")
    AWAITING_REVIEW = strawberry.enum_value(
        "AWAITING_REVIEW", description="AML holds its transaction: nothing reaches the rail until compliance releases it.")
    SUBMITTED = strawberry.enum_value(
        "SUBMITTED", description="The rail accepted it (railReference); it settles or fails later.")
    SETTLED = strawberry.enum_value("SETTLED", description="The rail settled it: its transaction POSTED, money moved.")
    FAILED = strawberry.enum_value(
        "FAILED", description="The rail, the card processor or compliance refused it (reasonCode): its transaction was"
        " REJECTED, nothing moved, the reservation and limit usage ended. Final.")
    RETURNED = strawberry.enum_value(
        "RETURNED", description="Settled, then returned by the bank (reasonCode): a RAIL_RETURN transaction"
        " (returnTransactionId) undid the amount; the fee is kept. Final.")
    RETURN_UNRECOVERED = strawberry.enum_value(
        "RETURN_UNRECOVERED", description="A settled top-up returned by the bank that its wallet could no longer give"
        " back (spent, frozen or closed): bank staff recover it. Final for the API.")


@strawberry.enum(description="What kind of linked funding source a rail transfer uses.")
class FundingSourceKind(Enum):
    BANK_ACCOUNT = strawberry.enum_value("BANK_ACCOUNT", description="A linked, verified bank account.")
    CARD = strawberry.enum_value("CARD", description="A linked card (top-ups only).")
    BENEFICIARY = strawberry.enum_value(
        "BENEFICIARY", description="A beneficiary at a foreign bank (an international transfer, out only).")


@strawberry.type(description="A top-up from, or withdrawal to, a linked funding source, carried by a payment rail:"
                             " its transaction is HELD until the rail settles (POSTED) or fails it (REJECTED).")
class RailTransfer(Node):
    direction: RailDirection = strawberry.field(description="IN (top-up) or OUT (withdrawal).")
    status: RailTransferStatus = strawberry.field(description="Where the transfer is in its lifecycle.")
    rail: str = strawberry.field(description="The rail carrying it (`simulated` in development, sandbox and tests).")
    source_kind: FundingSourceKind = strawberry.field(description="BANK_ACCOUNT, CARD or BENEFICIARY.")
    source_id: strawberry.ID = strawberry.field(description="The linked BankAccount or Card (its global ID).")
    amount: Money = strawberry.field(description="The amount carried (the fee is on the transaction).")
    transaction_id: strawberry.ID = strawberry.field(description="Its transaction (a Transaction global ID).")
    return_transaction_id: strawberry.ID | None = strawberry.field(
        description="RETURNED: the RAIL_RETURN transaction that undid the amount; null otherwise.")
    reason_code: str | None = strawberry.field(description="FAILED or RETURNED: the rail's reason code.")
    rail_reference: str | None = strawberry.field(description="The rail's own reference, once submitted.")
    submitted_at: datetime | None = strawberry.field(description="When the rail accepted it (UTC).")
    settled_at: datetime | None = strawberry.field(description="When the rail settled it (UTC).")
    ended_at: datetime | None = strawberry.field(description="When it FAILED or was RETURNED (UTC).")
    created_at: datetime = strawberry.field(description="When it was asked for (UTC).")

    @classmethod
    def from_record(cls, record: RailTransferRecord) -> RailTransfer:
        """The GraphQL view of a rail transfer."""
        source_type = {"BANK_ACCOUNT": "BankAccount", "BENEFICIARY": "Beneficiary"}.get(record.source_kind, "Card")
        return cls(
            id=to_global_id("RailTransfer", record.id),  # type: ignore[arg-type]
            direction=RailDirection(record.direction), status=RailTransferStatus(record.status), rail=record.rail,
            source_kind=FundingSourceKind(record.source_kind),
            source_id=to_global_id(source_type, record.source_id),  # type: ignore[arg-type]
            amount=Money.of(record.amount_minor, record.currency),
            transaction_id=to_global_id("Transaction", record.transaction_id),  # type: ignore[arg-type]
            return_transaction_id=to_global_id("Transaction", record.return_transaction_id)  # type: ignore[arg-type]
            if record.return_transaction_id else None,
            reason_code=record.reason_code, rail_reference=record.rail_reference, submitted_at=record.submitted_at,
            settled_at=record.settled_at, ended_at=record.ended_at, created_at=record.created_at,
        )
