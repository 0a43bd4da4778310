"""The outbox events of bulk payout batches (bulk_payout.created, .approved, .completed): ids, counts and Money."""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient

from models.bulk_payout import BulkPayout
from services.events import record_domain_event
from services.ledger.announce import money


async def announce(conn: BaseDBAsyncClient, event: str, batch: BulkPayout, *, paid: int, failed: int,
                   amount_minor: int) -> None:
    """One bulk_payout.* event for the batch's partner, in the caller's transaction (no line data, no PII)."""
    await record_domain_event(
        type=event, partner_id=batch.partner_id, object_type="BulkPayout", object_id=batch.id,  # type: ignore[attr-defined]
        payload={
            "bulkPayoutId": str(batch.id), "walletId": str(batch.from_wallet_id),  # type: ignore[attr-defined]
            "bulkPayoutStatus": batch.status, "lineCount": batch.line_count, "paidCount": paid,
            "failedCount": failed, "amount": money(amount_minor, batch.currency),
        },
        using_db=conn,
    )
