"""The funding source a rail transfer uses: a linked bank account or card of the wallet's customer, usable now."""

from __future__ import annotations

import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class FundingSource:
    """A linked bank account (BANK_ACCOUNT) or card (CARD), checked usable for this customer and currency."""

    kind: str
    id: uuid.UUID
    customer_id: uuid.UUID


async def usable_source(principal: object, kind: str, source_id: uuid.UUID | None, *, customer_id: uuid.UUID,
                        currency: str) -> FundingSource:
    """The linked bank account or card, verified (or active) and the wallet customer's own; a named error otherwise."""
    from services.funding.usable import usable_funding_source  # the linked sources' own rules (services.funding)

    return await usable_funding_source(principal, kind, source_id, customer_id=customer_id, currency=currency)
