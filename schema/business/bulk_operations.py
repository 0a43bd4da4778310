"""Bulk payouts: bulkPayoutCreate, bulkPayoutApprove, bulkPayoutExecute and bulkPayout(id)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from schema.business.bulk_types import BulkPayout, BulkPayoutMode
from schema.common.context import Info
from schema.common.errors import UserError, attempt
from schema.common.permissions import requires
from schema.common.relay import global_id_to_uuid, parse_global_id
from services.business import bulk_approval, bulk_create, bulk_execute, bulk_queries
from services.business.bulk_records import BulkPayoutRecord

_REFUSALS = "Why nothing changed; empty on success."


@strawberry.input(description="A bulk payout file to validate and store (nothing moves until bulkPayoutExecute).")
class BulkPayoutCreateInput:
    from_wallet_id: strawberry.ID = strawberry.field(
        description="The paying wallet: an ACTIVE wallet of a BUSINESS customer of yours (NOT_FOUND otherwise).")
    csv: str | None = strawberry.field(default=None, description=(
        "The file as text: line 1 the header beneficiary,amount,reference; then one payout a line: a Wallet or"
        " BankAccount global ID, a decimal amount in the wallet's currency, an optional reference (at most 140"
        " characters; quote it if it holds commas). At most 10,000 lines. Give csv or csvBase64, not both."))
    csv_base64: str | None = strawberry.field(default=None, description=(
        "The file's bytes in base64: they must be UTF-8 (a byte order mark is allowed), else BULK_FILE_ENCODING."))
    mode: BulkPayoutMode = strawberry.field(description="ALL_OR_NOTHING or PARTIAL (see BulkPayoutMode).")
    idempotency_key: str = strawberry.field(
        description="Your unique key for this upload: a retry with the same key and file answers the same batch.")


@strawberry.input(description="Which bulk payout to execute.")
class BulkPayoutExecuteInput:
    bulk_payout_id: strawberry.ID = strawberry.field(description="The READY (or EXECUTING) batch.")
    idempotency_key: str = strawberry.field(description=(
        "Your key for this execution: the batch runs once, under its first key; retrying with that key resumes an"
        " interrupted run or answers the result (a line is never paid twice); another key is IDEMPOTENCY_CONFLICT."))


@strawberry.input(description="Which bulk payout to approve.")
class BulkPayoutApproveInput:
    bulk_payout_id: strawberry.ID = strawberry.field(description="The batch AWAITING_APPROVAL.")


@strawberry.type(description="The bulk payout, or why nothing changed.")
class BulkPayoutPayload:
    bulk_payout: BulkPayout | None = strawberry.field(description="The batch; null when userErrors is not empty.")
    user_errors: list[UserError] = strawberry.field(description=(
        f"{_REFUSALS} bulkPayoutCreate: BULK_FILE_ENCODING, BULK_FILE_HEADER, BULK_TOO_MANY_LINES, VALIDATION,"
        " INVALID_AMOUNT, NOT_FOUND, WALLET_NOT_ACTIVE, MEMBER_ROLE_FORBIDDEN, IDEMPOTENCY_CONFLICT (per-line errors"
        " are in BulkPayout.lines, not here). bulkPayoutExecute: BULK_PAYOUT_INVALID, APPROVAL_REQUIRED,"
        " INSUFFICIENT_FUNDS (ALL_OR_NOTHING), WALLET_NOT_ACTIVE, INVALID_STATE, IDEMPOTENCY_CONFLICT."
        " bulkPayoutApprove: SELF_APPROVAL_FORBIDDEN, MEMBER_ROLE_FORBIDDEN, INVALID_STATE, NOT_FOUND."))


def _decode_id(text: str):  # noqa: ANN202 - services.business.bulk_csv.IdDecoder
    """A CSV beneficiary's (type name, id) through the one global ID decoder."""
    return parse_global_id(text)


def _payload(record: BulkPayoutRecord | None, errors: list[UserError]) -> BulkPayoutPayload:
    return BulkPayoutPayload(bulk_payout=BulkPayout.from_record(record) if record else None, user_errors=errors)


@strawberry.type
class BulkPayoutQueries:
    @strawberry.field(
        permission_classes=requires("transactions:read"),
        description="One bulk payout with its live progress and lines. Needs transactions:read (a partner token, the"
        " business's customer token, or staff). An unknown ID or one you may not see is a NOT_FOUND error.",
    )
    async def bulk_payout(
        self, info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The bulk payout's global ID.")],
    ) -> BulkPayout | None:
        record = await bulk_queries.get_bulk_payout(principal=info.context.principal,
                                                    bulk_payout_id=global_id_to_uuid(id, "BulkPayout"))
        return BulkPayout.from_record(record)


@strawberry.type
class BulkPayoutMutations:
    @strawberry.mutation(
        permission_classes=requires("transactions:write"),
        description="Upload a bulk payout CSV from a business wallet: every line is validated (report in"
        " BulkPayout.lines) and nothing moves. Above the business's approval threshold the batch waits for another"
        " member's approval. Needs transactions:write (the partner's token, or a member token allowed to PAY).",
    )
    async def bulk_payout_create(
        self, info: Info,
        input: Annotated[BulkPayoutCreateInput, strawberry.argument(description="The wallet, file, mode and key.")],
    ) -> BulkPayoutPayload:
        record, errors = await attempt(info, bulk_create.create_bulk_payout(
            principal=info.context.principal, from_wallet_id=global_id_to_uuid(input.from_wallet_id, "Wallet"),
            csv_text=input.csv, csv_base64=input.csv_base64, mode=input.mode.value,
            idempotency_key=input.idempotency_key, decode_id=_decode_id))
        return _payload(record, errors)

    @strawberry.mutation(
        permission_classes=requires("transactions:write"),
        description="Approve a bulk payout AWAITING_APPROVAL: a business member with approval rights (OWNER, ADMIN),"
        " never the member who uploaded it, with its own member token. bulk_payout.approved.",
    )
    async def bulk_payout_approve(
        self, info: Info,
        input: Annotated[BulkPayoutApproveInput, strawberry.argument(description="The batch to approve.")],
    ) -> BulkPayoutPayload:
        record, errors = await attempt(info, bulk_approval.approve_bulk_payout(
            principal=info.context.principal,
            bulk_payout_id=global_id_to_uuid(input.bulk_payout_id, "BulkPayout")))
        return _payload(record, errors)

    @strawberry.mutation(
        permission_classes=requires("transactions:write"),
        description="Execute a READY bulk payout once: each valid line is one transfer (or rail withdrawal) of the"
        " ledger, paid exactly once however often this is retried (each line has its own idempotency key derived"
        " from the batch and line number). Answers when the run ends; bulk_payout.completed.",
    )
    async def bulk_payout_execute(
        self, info: Info,
        input: Annotated[BulkPayoutExecuteInput, strawberry.argument(description="The batch and the run's key.")],
    ) -> BulkPayoutPayload:
        record, errors = await attempt(info, bulk_execute.execute_bulk_payout(
            principal=info.context.principal,
            bulk_payout_id=global_id_to_uuid(input.bulk_payout_id, "BulkPayout"),
            idempotency_key=input.idempotency_key))
        return _payload(record, errors)
