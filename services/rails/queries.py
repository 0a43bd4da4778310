"""Reading rail transfers: one by id, or the one behind a transaction, for whoever may see it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from auth.principal import Principal
from models import RailTransfer
from services.errors import NotFound
from services.outcome import ServiceResult
from services.scoping import partner_scoped


@dataclass(frozen=True, kw_only=True)
class RailTransferRecord(ServiceResult):
    """A top-up from or withdrawal to a linked funding source, as its rail carried it so far."""

    audit_type: ClassVar[str] = "RailTransfer"

    id: uuid.UUID
    partner_id: uuid.UUID
    wallet_id: uuid.UUID
    direction: str
    rail: str
    source_kind: str
    source_id: uuid.UUID
    amount_minor: int
    currency: str
    transaction_id: uuid.UUID
    return_transaction_id: uuid.UUID | None
    status: str
    reason_code: str | None
    rail_reference: str | None
    submitted_at: datetime | None
    settled_at: datetime | None
    ended_at: datetime | None
    created_at: datetime

    @classmethod
    def from_row(cls, row: RailTransfer) -> RailTransferRecord:
        """The record of a stored transfer."""
        return cls(**{name: getattr(row, name) for name in _COLUMNS})


_COLUMNS = ("id", "partner_id", "wallet_id", "direction", "rail", "source_kind", "source_id", "amount_minor", "currency",
            "transaction_id", "return_transaction_id", "status", "reason_code", "rail_reference", "submitted_at",
            "settled_at", "ended_at", "created_at")


async def get_rail_transfer(*, principal: Principal, rail_transfer_id: uuid.UUID | None) -> RailTransferRecord:
    """One transfer the caller may read (its partner, that partner's customer for its own wallet, staff), or NOT_FOUND."""
    row = await partner_scoped(RailTransfer, principal).get_or_none(id=rail_transfer_id) if rail_transfer_id else None
    if row is None:
        raise NotFound("rail transfer not found", field=["id"])
    return RailTransferRecord.from_row(row)


async def rail_transfers_of_transactions(principal: Principal,
                                         transaction_ids: list[uuid.UUID]) -> dict[uuid.UUID, RailTransferRecord]:
    """The transfers behind these transactions (held or returned), by transaction id, that the caller may read."""
    if not transaction_ids:
        return {}
    rows = await partner_scoped(RailTransfer, principal).filter(transaction_id__in=transaction_ids)
    returned = await partner_scoped(RailTransfer, principal).filter(return_transaction_id__in=transaction_ids)
    found: dict[uuid.UUID, RailTransferRecord] = {}
    for row in (*rows, *returned):
        record = RailTransferRecord.from_row(row)
        found[record.transaction_id] = record
        if record.return_transaction_id is not None:
            found[record.return_transaction_id] = record
    return found
