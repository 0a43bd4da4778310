"""Reading international transfers: the partner, the customer's own token, bank staff (transactions:read)."""

from __future__ import annotations

import uuid

from auth.principal import Principal
from models import InternationalTransfer, RailTransfer
from services.authority import is_staff, require_staff
from services.cross_border.records import InternationalTransferRecord
from services.errors import NotFound
from services.scoping import partner_scoped

STAFF_PERMISSION = "transactions:read"


async def get_international_transfer(*, principal: Principal,
                                     transfer_id: uuid.UUID | None) -> InternationalTransferRecord:
    """One international transfer the caller may read, with its rail transfer's status, or NOT_FOUND."""
    if is_staff(principal):
        require_staff(principal, STAFF_PERMISSION)
    row = await partner_scoped(InternationalTransfer, principal).get_or_none(id=transfer_id) if transfer_id else None
    if row is None:
        raise NotFound("international transfer not found", field=["id"])
    rail = await RailTransfer.get(id=row.rail_transfer_id)
    return InternationalTransferRecord.from_row(row, rail.status)
