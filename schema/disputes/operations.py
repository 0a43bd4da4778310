"""Disputes: disputeOpen, disputeRespond, disputeDecide, and the disputes list."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from schema.common.audit_actor import audit_note
from schema.common.context import Info
from schema.common.errors import UserError, attempt
from schema.common.permissions import partner_scope_or_staff, requires, requires_partner
from schema.common.relay import AfterArg, Connection, FirstArg, global_id_to_uuid
from schema.disputes.types import Dispute, DisputeOutcome, DisputeReason, DisputeStatus
from services.disputes import deciding, opening, queries
from services.errors import NotFound


def _id(global_id: strawberry.ID | None, type_name: str, field: str) -> Any:
    value = global_id_to_uuid(global_id, type_name) if global_id is not None else None
    if value is None:
        raise NotFound(f"{type_name[0].lower()}{type_name[1:]} not found", field=[field])
    return value


@strawberry.input(description="Turn a support ticket about a payment into a dispute.")
class DisputeOpenInput:
    ticket_id: strawberry.ID = strawberry.field(
        description="The ticket (yours, your customer's, or any for support staff) naming the payment's transaction."
    )
    reason_code: DisputeReason = strawberry.field(description="Why the payer disputes the payment.")


@strawberry.input(description="The merchant's answer to a dispute.")
class DisputeRespondInput:
    dispute_id: strawberry.ID = strawberry.field(description="A dispute of a payment to one of your merchants.")
    evidence: str = strawberry.field(
        description="Your evidence as text, 1 to 4000 characters (delivery proof, order references...)."
    )


@strawberry.input(description="Bank staff's decision on a dispute.")
class DisputeDecideInput:
    dispute_id: strawberry.ID = strawberry.field(description="The dispute.")
    outcome: DisputeOutcome = strawberry.field(description="FOR_CUSTOMER (a refund posts) or FOR_MERCHANT.")


@strawberry.type(description="The dispute as it is now, or why nothing changed.")
class DisputePayload:
    dispute: Dispute | None = strawberry.field(description="The dispute; null when userErrors is not empty.")
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing changed; empty on success. NOT_FOUND, VALIDATION, ALREADY_EXISTS (the ticket's"
        " dispute exists), NOT_DISPUTABLE, RESPONSE_DEADLINE_PASSED, INVALID_STATE (answered or decided already; a"
        " decision before the merchant's time is up), and for a refund refused: INSUFFICIENT_FUNDS,"
        " WALLET_NOT_ACTIVE, LIMIT_EXCEEDED."
    )


async def _dispute_payload(info: Info, call: Any) -> DisputePayload:
    record, errors = await attempt(info, call)
    return DisputePayload(dispute=Dispute.from_record(record) if record else None, user_errors=errors)


@strawberry.type
class DisputeQueries:
    @strawberry.field(
        permission_classes=partner_scope_or_staff("transactions:read", "support:read"),
        description="The disputes you may read, newest first: of your customers' payments (a customer token: its own)"
        " and of payments to your merchants; every one for bank support staff.",
    )
    async def disputes(
        self, info: Info, first: FirstArg = None, after: AfterArg = None,
        status: Annotated[DisputeStatus | None, strawberry.argument(description="Only disputes in this status.")] = None,
    ) -> Connection[Dispute]:
        page = await queries.list_disputes(principal=info.context.principal, status=status.value if status else None,
                                           first=first, after=after)
        return Connection.from_page(page, Dispute.from_record)


@strawberry.type
class DisputeMutations:
    @strawberry.mutation(
        permission_classes=partner_scope_or_staff("customers:write", "support:write"),
        description="Open the dispute of a support ticket's payment (once per ticket), for what remains refundable;"
        " the merchant's partner may answer for 7 days. Both partners get dispute.opened. Audited.",
    )
    async def dispute_open(
        self, info: Info, input: Annotated[DisputeOpenInput, strawberry.argument(description="Ticket and reason.")],
    ) -> DisputePayload:
        async def run() -> Any:
            return await opening.open_dispute(principal=info.context.principal,
                                              ticket_id=_id(input.ticket_id, "SupportTicket", "ticketId"),
                                              reason_code=input.reason_code.value, audit=audit_note(info))

        return await _dispute_payload(info, run())

    @strawberry.mutation(
        permission_classes=requires_partner("transactions:write"),
        description="Answer a dispute of a payment to one of your merchants with your evidence, before its"
        " respondBy (RESPONSE_DEADLINE_PASSED after), once. Your own token. dispute.responded; audited.",
    )
    async def dispute_respond(
        self, info: Info, input: Annotated[DisputeRespondInput, strawberry.argument(description="Dispute and evidence.")],
    ) -> DisputePayload:
        async def run() -> Any:
            return await opening.respond(principal=info.context.principal,
                                         dispute_id=_id(input.dispute_id, "Dispute", "disputeId"),
                                         evidence=input.evidence, audit=audit_note(info))

        return await _dispute_payload(info, run())

    @strawberry.mutation(
        permission_classes=requires("disputes:decide"),
        description="Decide a dispute (bank support or admin, disputes:decide) once the merchant answered or its"
        " time is up. FOR_CUSTOMER refunds the disputed amount (at most what remains refundable) from the merchant's"
        " settlement wallet through the payments refund service, exactly once. dispute.decided; audited.",
    )
    async def dispute_decide(
        self, info: Info, input: Annotated[DisputeDecideInput, strawberry.argument(description="Dispute and outcome.")],
    ) -> DisputePayload:
        async def run() -> Any:
            return await deciding.decide(principal=info.context.principal,
                                         dispute_id=_id(input.dispute_id, "Dispute", "disputeId"),
                                         outcome=input.outcome.value, audit=audit_note(info))

        return await _dispute_payload(info, run())
