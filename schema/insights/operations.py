"""spendingInsights: a customer's spending by category, merchant and month, against the previous period."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from schema.common.context import Info
from schema.common.permissions import requires
from schema.common.relay import global_id_to_uuid
from schema.insights.types import SpendingInsights
from services.insights import spending


@strawberry.type
class InsightsQueries:
    @strawberry.field(
        permission_classes=requires("transactions:read"),
        description="A customer's spending at merchants in [from, to) by category, merchant and month, each against"
        " the previous period of the same length. Your own customer (a customer token: itself); NOT_FOUND error"
        " otherwise. At most three years; from must be before to (VALIDATION).",
    )
    async def spending_insights(
        self, info: Info,
        customer_id: Annotated[strawberry.ID, strawberry.argument(description="The customer (a Customer ID).")],
        from_: Annotated[datetime, strawberry.argument(name="from", description="The period's start (inclusive).")],
        to: Annotated[datetime, strawberry.argument(description="The period's end (exclusive).")],
    ) -> SpendingInsights:
        record = await spending.spending_insights(
            principal=info.context.principal, customer_id=global_id_to_uuid(customer_id, "Customer"),
            period_from=from_, period_to=to)
        return SpendingInsights.from_record(record)
