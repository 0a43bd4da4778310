"""GraphQL types of reconciliation exceptions and the daily reconciliation report (bank staff only)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from schema.common.money import Money
from schema.common.relay import Node, to_global_id
from schema.common.staff_ids import staff_user_gid
from services.reconciliation.exceptions import ExceptionRecord
from services.reconciliation.report import LINES, Flow, RailDayReport, Side


@strawberry.enum(description="What a reconciliation exception found.")
class ReconciliationExceptionKind(Enum):
    AMOUNT_MISMATCH = strawberry.enum_value(
        "AMOUNT_MISMATCH", description="The file's amount or currency differs from our transfer's; nothing was applied.")
    UNKNOWN_REFERENCE = strawberry.enum_value(
        "UNKNOWN_REFERENCE", description="No transfer of the rail has the file line's reference.")
    STATUS_CONFLICT = strawberry.enum_value(
        "STATUS_CONFLICT",
        description="The file's status contradicts our final state (e.g. the file says SETTLED, we have FAILED).")
    MISSING_FROM_FILE = strawberry.enum_value(
        "MISSING_FROM_FILE",
        description="Our transfer is still SUBMITTED, was submitted before the file's cut-off day (its latest"
        " value_date, or the import's as-of date), and no line of the file names it.")
    MALFORMED_LINE = strawberry.enum_value(
        "MALFORMED_LINE",
        description="A line could not be read (column count, amount, currency, date, status); the rest of the file was"
        " processed. lineNumber and lineText show it whole.")


@strawberry.enum(description="Whether a reconciliation exception still needs staff.")
class ReconciliationExceptionStatus(Enum):
    OPEN = strawberry.enum_value("OPEN", description="Found, not yet looked into.")
    RESOLVED = strawberry.enum_value("RESOLVED", description="Resolved by staff, with a reason.")


def _money(minor: int | None, currency: str | None) -> Money | None:
    """Money, or None when the amount or its currency is unknown."""
    return Money.of(minor, currency) if minor is not None and currency is not None else None


@strawberry.type(
    description="Something a rail's settlement file and our books disagree on. Shown to bank staff with"
    " reconciliation:read (admin, compliance, analyst) only."
)
class ReconciliationException(Node):
    id: strawberry.ID = strawberry.field(
        description="The exception's opaque global ID: for node(id:) and reconciliationExceptionResolve.")
    rail: str = strawberry.field(description="The rail whose settlement file raised it (e.g. simulated).")
    kind: ReconciliationExceptionKind = strawberry.field(description="What was found.")
    status: ReconciliationExceptionStatus = strawberry.field(description="OPEN until staff resolve it.")
    reference: str | None = strawberry.field(
        description="The rail's reference of the transfer (a malformed line's first field when readable; else null).")
    rail_transfer_id: strawberry.ID | None = strawberry.field(
        description="Our transfer (a RailTransfer global ID) when the reference matched one; else null.")
    line_number: int | None = strawberry.field(
        description="The line of the settlement file (the header is line 1); null for MISSING_FROM_FILE.")
    line_text: str | None = strawberry.field(
        description="The whole line as the file had it; null for MISSING_FROM_FILE.")
    expected: Money | None = strawberry.field(description="Our transfer's amount; null when there is no transfer.")
    actual: Money | None = strawberry.field(
        description="The file's amount in the file's currency; null for MISSING_FROM_FILE and malformed lines.")
    our_status: str | None = strawberry.field(
        description="Our transfer's status when found (SUBMITTED, SETTLED, FAILED, RETURNED, RETURN_UNRECOVERED).")
    file_status: str | None = strawberry.field(description="The status the file's line gave (SETTLED, FAILED, RETURNED).")
    detail: str = strawberry.field(description="What exactly disagrees, in words.")
    resolution_reason: str | None = strawberry.field(description="Why staff resolved it; null while OPEN.")
    resolved_by: str | None = strawberry.field(description="The StaffUser (global ID) who resolved it; null while OPEN.")
    resolved_at: datetime | None = strawberry.field(description="When it was resolved (UTC); null while OPEN.")
    created_at: datetime = strawberry.field(description="When the import found it (UTC).")

    @classmethod
    def from_record(cls, record: ExceptionRecord) -> ReconciliationException:
        """The GraphQL view of an exception record."""
        return cls(
            id=to_global_id("ReconciliationException", record.id), rail=record.rail,
            kind=ReconciliationExceptionKind(record.kind), status=ReconciliationExceptionStatus(record.status),
            reference=record.reference,
            rail_transfer_id=to_global_id("RailTransfer", record.rail_transfer_id) if record.rail_transfer_id else None,
            line_number=record.line_number, line_text=record.line_text,
            expected=_money(record.expected_minor, record.currency),
            actual=_money(record.actual_minor, record.actual_currency), our_status=record.our_status,
            file_status=record.file_status, detail=record.detail, resolution_reason=record.resolution_reason,
            resolved_by=staff_user_gid(record.resolved_by) if record.resolved_by else None,
            resolved_at=record.resolved_at, created_at=record.created_at,
        )


@strawberry.type(description="One movement line of a reconciliation report: how many transfers, how much.")
class ReconciliationFlow:
    count: int = strawberry.field(description="How many transfers.")
    amount: Money = strawberry.field(description="Their total amount.")

    @classmethod
    def of(cls, flow: Flow, currency: str) -> ReconciliationFlow:
        """The GraphQL view of a movement line."""
        return cls(count=flow.count, amount=Money.of(flow.amount_minor, currency))


@strawberry.type(
    description="One side of a reconciliation report (from the rail transfers, or from the ledger's entries): the"
    " position at the day's start, the day's movements and the position at its end. A position is the money the"
    " rail brought into the wallet system, net, since the first transfer (negative: more went out)."
)
class ReconciliationSide:
    opening_position: Money = strawberry.field(description="The position at 00:00 UTC of the day.")
    settled_in: ReconciliationFlow = strawberry.field(description="Top-ups settled during the day.")
    settled_out: ReconciliationFlow = strawberry.field(description="Withdrawals settled during the day.")
    returned_in: ReconciliationFlow = strawberry.field(
        description="Settled top-ups returned during the day (the money went back to the payer's bank).")
    returned_out: ReconciliationFlow = strawberry.field(
        description="Settled withdrawals returned during the day (the money came back to the wallet).")
    net: Money = strawberry.field(description="settledIn - settledOut - returnedIn + returnedOut.")
    closing_position: Money = strawberry.field(description="openingPosition + net: the position at 24:00 UTC.")

    @classmethod
    def of(cls, side: Side, currency: str) -> ReconciliationSide:
        """The GraphQL view of one side."""
        flows = {line: ReconciliationFlow.of(side.lines[line], currency) for line in LINES}
        return cls(opening_position=Money.of(side.opening_minor, currency), **flows,
                   net=Money.of(side.net_minor, currency), closing_position=Money.of(side.closing_minor, currency))


@strawberry.type(
    description="One rail and currency on one UTC day: the positions and movements from the rail transfers, the same"
    " computed from the ledger's entries on the bank's settlement (or a sandbox partner's sandbox) account, and"
    " whether they tie out. Bank staff with reconciliation:read only."
)
class ReconciliationReport:
    rail: str = strawberry.field(description="The rail the report is about (e.g. simulated).")
    currency: str = strawberry.field(description="The ISO 4217 currency of every amount of the report.")
    date: str = strawberry.field(description="The UTC day, YYYY-MM-DD.")
    transfers: ReconciliationSide = strawberry.field(
        description="From the rail transfers: settled_at dates a settlement, ended_at a return.")
    ledger: ReconciliationSide = strawberry.field(
        description="From the ledger: the entries of each rail transfer's transaction and return on the bank's edge"
        " account (the bank's part of a fee taken off a sandbox account).")
    unrecovered_returns: ReconciliationFlow = strawberry.field(
        description="Top-ups the rail returned during the day that the wallet could not give back"
        " (RETURN_UNRECOVERED): no ledger posting yet, so in neither side's position.")
    ties_out: bool = strawberry.field(
        description="True when the ledger side equals the transfers side: opening position and every movement line"
        " (count and amount).")

    @classmethod
    def of(cls, report: RailDayReport) -> ReconciliationReport:
        """The GraphQL view of one report."""
        return cls(rail=report.rail, currency=report.currency, date=report.day.isoformat(),
                   transfers=ReconciliationSide.of(report.transfers, report.currency),
                   ledger=ReconciliationSide.of(report.ledger, report.currency),
                   unrecovered_returns=ReconciliationFlow.of(report.unrecovered_returns, report.currency),
                   ties_out=report.ties_out)
