"""walletStatement: parse the arguments, call services.statements, return the statement."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from schema.common.context import Info
from schema.common.permissions import requires
from schema.common.relay import global_id_to_uuid
from schema.statements.types import WalletStatement
from services.statements.statement import wallet_statement


@strawberry.type
class StatementQueries:
    @strawberry.field(
        permission_classes=requires("transactions:read"),
        description="A wallet's statement for [from, to): opening and closing balance, totals by kind, fees and every"
        " line with its running balance. Needs transactions:read (a partner: its customers' wallets; a customer"
        " token: its own; staff: a role with transactions:read). At most one year (366 days), to after from, both"
        " with an offset (VALIDATION otherwise); a wallet you may not see is NOT_FOUND. Also as CSV and PDF:"
        " GET /statements/{walletId}.csv or .pdf?from=&to=.",
    )
    async def wallet_statement(
        self, info: Info,
        wallet_id: Annotated[strawberry.ID, strawberry.argument(description="The wallet's global ID (Wallet.id).")],
        period_from: Annotated[datetime, strawberry.argument(
            name="from", description="The period's start, included: an ISO 8601 time with an offset.")],
        period_to: Annotated[datetime, strawberry.argument(
            name="to", description="The period's end, excluded: an ISO 8601 time with an offset, after from.")],
    ) -> WalletStatement:
        statement = await wallet_statement(
            info.context.principal, global_id_to_uuid(wallet_id, "Wallet"), period_from, period_to
        )
        return WalletStatement.from_record(statement)
