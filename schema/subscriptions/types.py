"""What the events subscription streams: one live notification per committed posting."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import strawberry

from schema.common.permissions import requires
from schema.common.relay import to_global_id

_GUARD = requires("transactions:read")


@strawberry.type(
    description="A live notification that something happened to your partner's money: sent once, to the"
    " subscribers connected when it happened (the durable, replayable record is the events query)."
)
class LiveEvent:
    type: str = strawberry.field(
        permission_classes=_GUARD,
        description="The dotted event type: transaction.posted, transaction.held or transaction.rejected.",
    )
    transaction_id: strawberry.ID = strawberry.field(
        permission_classes=_GUARD, description="The global ID of the Transaction the event is about."
    )
    wallet_ids: list[strawberry.ID] = strawberry.field(
        permission_classes=_GUARD, description="The global IDs of the wallets the transaction moved money on."
    )
    kind: str = strawberry.field(
        permission_classes=_GUARD, description="The transaction's kind, as Transaction.kind names it (TRANSFER...)."
    )
    status: str = strawberry.field(
        permission_classes=_GUARD, description="The transaction's status at the event: POSTED, HELD or REJECTED."
    )
    occurred_at: datetime = strawberry.field(
        permission_classes=_GUARD, description="When the transaction was written (ISO 8601, UTC)."
    )

    @classmethod
    def from_message(cls, message: dict[str, Any]) -> LiveEvent:
        """The event of a services.live `events:<partner>` message."""
        return cls(
            type=message["type"],
            transaction_id=to_global_id("Transaction", uuid.UUID(message["transactionId"])),
            wallet_ids=[to_global_id("Wallet", uuid.UUID(w)) for w in message["walletIds"]],
            kind=message["kind"], status=message["status"],
            occurred_at=datetime.fromisoformat(message["occurredAt"]),
        )
