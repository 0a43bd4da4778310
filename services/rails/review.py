"""A compliance decision on a rail transfer's held transaction (services.alert_decisions calls it first).

AML may hold a rail top-up or withdrawal like any posting; then nothing was
handed to the rail (services.rails.submission). RELEASE means "the rail may
carry it now": the transfer goes back to SUBMITTING and the transaction
stays HELD until the rail settles it. REJECT ends it: the transfer FAILED
(COMPLIANCE_REJECTED), and the usual rejection of the held transaction
(reservation and limit usage given back) follows.
"""

from __future__ import annotations

import uuid

from tortoise.backends.base.client import BaseDBAsyncClient

from services import clock
from services.db.sql import execute

RELEASE = "RELEASE"


async def rail_review_decided(conn: BaseDBAsyncClient, transaction_id: uuid.UUID, decision: str) -> bool:
    """Apply the decision to a waiting rail transfer; True when it replaces posting the held legs (a release)."""
    now = clock.now()
    if decision == RELEASE:
        released = await execute(
            conn, "UPDATE rail_transfer SET status = 'SUBMITTING', updated_at = $1 WHERE transaction_id = $2"
                  " AND status IN ('AWAITING_REVIEW', 'SUBMITTING')", [now, transaction_id])
        return released == 1
    await execute(
        conn, "UPDATE rail_transfer SET status = 'FAILED', reason_code = 'COMPLIANCE_REJECTED', ended_at = $1,"
              " updated_at = $1 WHERE transaction_id = $2 AND status IN ('AWAITING_REVIEW', 'SUBMITTING')",
        [now, transaction_id])
    return False
