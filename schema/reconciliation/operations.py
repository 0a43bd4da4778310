"""Reconciliation: staff with reconciliation:read (admin, compliance, analyst) read exceptions and the daily report;
admin and compliance (reconciliation:write) resolve exceptions."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry

from schema.common.audit_actor import audit_note
from schema.common.context import Info
from schema.common.errors import UserError, attempt
from schema.common.permissions import requires
from schema.common.relay import AfterArg, Connection, FirstArg, global_id_to_uuid
from schema.reconciliation.types import ReconciliationException, ReconciliationExceptionStatus, ReconciliationReport
from services.errors import ValidationFailed
from services.reconciliation import exceptions, report


@strawberry.input(description="Resolve one OPEN reconciliation exception.")
class ReconciliationExceptionResolveInput:
    exception_id: strawberry.ID = strawberry.field(description="The ReconciliationException's global ID.")
    reason: str = strawberry.field(
        description="What was done or found, 3 to 1000 characters after trimming (no control characters but tabs"
        " and line breaks). Kept on the exception as resolutionReason and in the audit log.")


@strawberry.type(description="The result of reconciliationExceptionResolve: the resolved exception, or why not.")
class ReconciliationExceptionResolvePayload:
    exception: ReconciliationException | None = strawberry.field(
        description="The exception as resolved; null when refused.")
    user_errors: list[UserError] = strawberry.field(
        description="Empty on success. Possible codes: VALIDATION (reason), NOT_FOUND (exceptionId), INVALID_STATE"
        " (already RESOLVED).")


def _day(text: str) -> date:
    """A YYYY-MM-DD day, or VALIDATION naming the date argument."""
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise ValidationFailed("date must be a day as YYYY-MM-DD", field=["date"])


@strawberry.type
class ReconciliationQueries:
    @strawberry.field(
        permission_classes=requires("reconciliation:read"),
        description="Reconciliation exceptions raised by settlement file imports, newest first, at most 100 a page."
        " Needs reconciliation:read: bank staff (admin, compliance, analyst) only; anyone else gets FORBIDDEN."
        " Errors: VALIDATION (paging arguments).",
    )
    async def reconciliation_exceptions(
        self, info: Info,
        status: Annotated[ReconciliationExceptionStatus | None, strawberry.argument(
            description="Only exceptions in this status (OPEN is the work queue).")] = None,
        rail: Annotated[str | None, strawberry.argument(description="Only this rail's exceptions (e.g. simulated).")] = None,
        first: FirstArg = None,
        after: AfterArg = None,
    ) -> Connection[ReconciliationException]:
        page = await exceptions.list_exceptions(principal=info.context.principal, first=first, after=after,
                                                status=status.value if status else None, rail=rail)
        return Connection.from_page(page, ReconciliationException.from_record)

    @strawberry.field(
        permission_classes=requires("reconciliation:read"),
        description="The daily reconciliation report of each rail and currency (or of one rail) for one UTC day:"
        " opening position, the day's movements and closing position from the rail transfers, the same from the"
        " ledger's settlement entries, and whether they tie out. Rails and currencies with no movement yet are"
        " absent. Needs reconciliation:read: bank staff (admin, compliance, analyst) only. Errors: VALIDATION (date).",
    )
    async def reconciliation_report(
        self, info: Info,
        date: Annotated[str, strawberry.argument(description="The UTC day, YYYY-MM-DD.")],
        rail: Annotated[str | None, strawberry.argument(description="Only this rail; null: every rail.")] = None,
    ) -> list[ReconciliationReport]:
        found = await report.daily_report(principal=info.context.principal, day=_day(date), rail=rail)
        return [ReconciliationReport.of(item) for item in found]


@strawberry.type
class ReconciliationMutations:
    @strawberry.mutation(
        permission_classes=requires("reconciliation:write"),
        description="Resolve an OPEN reconciliation exception with the reason (what was done about it); resolving is"
        " final, and the same problem found again later is a new exception. Moves no money. Needs"
        " reconciliation:write: bank staff in the admin or compliance role only (others get FORBIDDEN). Audited."
        " userErrors: VALIDATION, NOT_FOUND, INVALID_STATE.",
    )
    async def reconciliation_exception_resolve(
        self, info: Info,
        input: Annotated[ReconciliationExceptionResolveInput, strawberry.argument(
            description="The exception and the reason.")],
    ) -> ReconciliationExceptionResolvePayload:
        record, errors = await attempt(info, exceptions.resolve_exception(
            principal=info.context.principal,
            exception_id=global_id_to_uuid(input.exception_id, "ReconciliationException"), reason=input.reason,
            audit=audit_note(info),
        ), detail=f"exceptionId={input.exception_id}")
        return ReconciliationExceptionResolvePayload(
            exception=ReconciliationException.from_record(record) if record is not None else None, user_errors=errors)
