"""Bulk payouts as GraphQL types: BulkPayout (a batch and its progress) and BulkPayoutLine (one CSV line)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry

from schema.common.context import Info
from schema.common.errors import ErrorCode
from schema.common.money import Money
from schema.common.permissions import requires
from schema.common.relay import AfterArg, Connection, FirstArg, Node, to_global_id
from services.business import bulk_queries
from services.business.bulk_records import BulkLineRecord, BulkPayoutRecord


@strawberry.enum(description="How bulkPayoutExecute treats a batch with lines that cannot be paid.")
class BulkPayoutMode(Enum):
    ALL_OR_NOTHING = strawberry.enum_value(
        "ALL_OR_NOTHING", description="Every line must be valid and the available balance must cover the total before"
        " anything moves; otherwise execution is refused (BULK_PAYOUT_INVALID, INSUFFICIENT_FUNDS) and nothing moves.")
    PARTIAL = strawberry.enum_value(
        "PARTIAL", description="Each valid line is paid once; invalid lines and lines the ledger refuses (e.g."
        " INSUFFICIENT_FUNDS when the money runs out) are recorded with their error and never paid.")


@strawberry.enum(description="Where a bulk payout batch stands.")
class BulkPayoutStatus(Enum):
    INVALID = strawberry.enum_value(
        "INVALID", description="It can never execute: an ALL_OR_NOTHING batch with an invalid line, or no valid line.")
    AWAITING_APPROVAL = strawberry.enum_value(
        "AWAITING_APPROVAL", description="Its total is above the business's approval threshold: another member with"
        " approval rights must approve it (bulkPayoutApprove) before it can execute.")
    READY = strawberry.enum_value("READY", description="Validated (and approved if needed): bulkPayoutExecute runs it.")
    EXECUTING = strawberry.enum_value(
        "EXECUTING", description="Lines are being paid; the counts show the progress. Executing again with the same"
        " idempotencyKey resumes it (a line is never paid twice).")
    COMPLETED = strawberry.enum_value("COMPLETED", description="Every line was paid.")
    COMPLETED_WITH_FAILURES = strawberry.enum_value(
        "COMPLETED_WITH_FAILURES", description="Finished: some lines were invalid or refused (see failedCount and the"
        " lines with status FAILED or INVALID); the others were paid once.")


@strawberry.enum(description="Where one line of a bulk payout stands.")
class BulkPayoutLineStatus(Enum):
    INVALID = strawberry.enum_value("INVALID", description="Refused by validation at upload (errorCode says why).")
    PENDING = strawberry.enum_value("PENDING", description="Valid and not paid yet.")
    PAID = strawberry.enum_value(
        "PAID", description="Paid: transactionId is its transfer (or its rail withdrawal, HELD until settled).")
    FAILED = strawberry.enum_value(
        "FAILED", description="Valid at upload but refused when executed (errorCode says why); nothing moved for it.")


@strawberry.enum(description="What a bulk payout line pays.")
class BulkBeneficiaryKind(Enum):
    WALLET = strawberry.enum_value("WALLET", description="A wallet of your partner in the batch's currency (a TRANSFER).")
    BANK_ACCOUNT = strawberry.enum_value(
        "BANK_ACCOUNT", description="A verified linked bank account of the paying business itself (a withdrawal"
        " through the payment rail).")


@strawberry.type(description="One line of a bulk payout file: what it asked, its validation error, and its result.")
class BulkPayoutLine(Node):
    line_number: int = strawberry.field(description="The line of the file (the header is line 1).")
    raw_line: str = strawberry.field(description="The line as uploaded (at most 1,000 characters kept).")
    beneficiary_kind: BulkBeneficiaryKind | None = strawberry.field(
        description="What the beneficiary is; null when the line could not be understood.")
    beneficiary_id: strawberry.ID | None = strawberry.field(
        description="The beneficiary Wallet or BankAccount global ID; null when the line could not be understood.")
    amount: Money | None = strawberry.field(description="The amount to pay; null when it could not be read.")
    reference: str | None = strawberry.field(description="The line's reference (the transfer's memo); null if none.")
    status: BulkPayoutLineStatus = strawberry.field(description="INVALID, PENDING, PAID or FAILED.")
    error_code: ErrorCode | None = strawberry.field(
        description="Why the line is INVALID or FAILED (e.g. NOT_FOUND, INVALID_AMOUNT, BULK_DUPLICATE_LINE,"
        " CURRENCY_MISMATCH, WALLET_NOT_ACTIVE, INSUFFICIENT_FUNDS); null otherwise.")
    error_message: str | None = strawberry.field(description="A human-readable explanation of errorCode.")
    transaction_id: strawberry.ID | None = strawberry.field(
        description="A PAID line's transaction (a Transaction global ID); null otherwise.")

    @classmethod
    def from_record(cls, r: BulkLineRecord) -> BulkPayoutLine:
        """The GraphQL view of a line."""
        kind = BulkBeneficiaryKind(r.beneficiary_kind) if r.beneficiary_kind else None
        type_name = "Wallet" if r.beneficiary_kind == "WALLET" else "BankAccount"
        return cls(
            id=to_global_id("BulkPayoutLine", r.id), line_number=r.line_number, raw_line=r.raw_line,
            beneficiary_kind=kind,
            beneficiary_id=to_global_id(type_name, r.beneficiary_id) if r.beneficiary_id else None,
            amount=Money.of(r.amount_minor, r.currency) if r.amount_minor is not None else None,
            reference=r.reference, status=BulkPayoutLineStatus(r.status),
            error_code=ErrorCode(r.error_code) if r.error_code else None, error_message=r.error_message,
            transaction_id=to_global_id("Transaction", r.transaction_id) if r.transaction_id else None,
        )


@strawberry.type(
    description="A bulk payout (payroll, supplier run): a CSV of up to 10,000 payouts from one business wallet,"
    " validated line by line at upload, executed once (bulkPayoutExecute). Counts are live while it executes."
)
class BulkPayout(Node):
    from_wallet_id: strawberry.ID = strawberry.field(description="The paying wallet (a Wallet global ID).")
    mode: BulkPayoutMode = strawberry.field(description="ALL_OR_NOTHING or PARTIAL.")
    status: BulkPayoutStatus = strawberry.field(description="Where the batch stands.")
    line_count: int = strawberry.field(description="Payout lines in the file (blank lines and the header excluded).")
    valid_count: int = strawberry.field(description="Lines that passed validation at upload.")
    invalid_count: int = strawberry.field(description="Lines refused at upload (status INVALID).")
    pending_count: int = strawberry.field(description="Valid lines not paid yet.")
    paid_count: int = strawberry.field(description="How many lines are paid so far.")
    failed_count: int = strawberry.field(description="Valid lines refused when executed (status FAILED).")
    total: Money = strawberry.field(description="The sum of the valid lines.")
    paid: Money = strawberry.field(description="The sum of the paid lines.")
    maker_member_id: strawberry.ID | None = strawberry.field(
        description="The business member who uploaded it (a BusinessMember global ID); null: the partner's token.")
    checker_member_id: strawberry.ID | None = strawberry.field(
        description="The member who approved it (a BusinessMember global ID); null when no approval was needed.")
    approved_at: datetime | None = strawberry.field(description="When it was approved (UTC); null if never.")
    created_at: datetime = strawberry.field(description="When it was uploaded (UTC).")
    started_at: datetime | None = strawberry.field(description="When its execution started (UTC).")
    completed_at: datetime | None = strawberry.field(description="When its execution finished (UTC).")
    _record: strawberry.Private[BulkPayoutRecord]

    @strawberry.field(permission_classes=requires("transactions:read"),
                      description="The batch's lines in file order (the validation report, then each line's result);"
                      " page forward with first/after (at most 100 a page).")
    async def lines(
        self, info: Info, first: FirstArg = None, after: AfterArg = None,
        status: Annotated[BulkPayoutLineStatus | None, strawberry.argument(
            description="Only lines of this status (INVALID: the validation report's errors).")] = None,
    ) -> Connection[BulkPayoutLine]:
        page = await bulk_queries.bulk_payout_lines(
            principal=info.context.principal, bulk_payout_id=self._record.id,
            status=status.value if status is not None else None, first=first, after=after)
        return Connection.from_page(page, BulkPayoutLine.from_record)

    @classmethod
    def from_record(cls, r: BulkPayoutRecord) -> BulkPayout:
        """The GraphQL view of a batch."""
        return cls(
            id=to_global_id("BulkPayout", r.id), from_wallet_id=to_global_id("Wallet", r.from_wallet_id),
            mode=BulkPayoutMode(r.mode), status=BulkPayoutStatus(r.status), line_count=r.line_count,
            valid_count=r.valid_count, invalid_count=r.invalid_count, pending_count=r.counts.pending,
            paid_count=r.counts.paid, failed_count=r.counts.failed, total=Money.of(r.total_minor, r.currency),
            paid=Money.of(r.counts.paid_minor, r.currency),
            maker_member_id=to_global_id("BusinessMember", r.maker_member_id) if r.maker_member_id else None,
            checker_member_id=to_global_id("BusinessMember", r.checker_member_id) if r.checker_member_id else None,
            approved_at=r.approved_at, created_at=r.created_at, started_at=r.started_at, completed_at=r.completed_at,
            _record=r,
        )
