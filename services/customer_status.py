"""Whether a customer is still open for business: the check (and row lock) every change to a customer makes first.

A CLOSED customer (customerClose) keeps its data and history, readable as
before, but nothing about it changes any more: no new wallet, no profile or
limit change. Callers run `lock_open_customer` inside their transaction:
on PostgreSQL it locks the customer row, so a concurrent customerClose
(which locks the same row) either commits first and is seen here, or waits
until this change commits.
"""

from __future__ import annotations

import uuid

from models import Customer
from models.enums import CustomerStatus
from services.errors import CustomerStateConflict

CLOSED_MESSAGE = "the customer is closed: its data and history stay readable, nothing about it changes"


def refuse_if_closed(status: CustomerStatus | str, *, field: list[str]) -> None:
    """CustomerStateConflict (INVALID_STATE) for a closed customer."""
    if CustomerStatus(status) is CustomerStatus.CLOSED:
        raise CustomerStateConflict(CLOSED_MESSAGE, field=field)


async def lock_open_customer(customer_id: uuid.UUID, *, field: list[str]) -> Customer:
    """Lock the customer's row (inside the caller's transaction) and refuse if it is closed."""
    row = await Customer.filter(id=customer_id).select_for_update().first()
    if row is None:  # the caller found it through the partner scope just before; rows are never deleted
        raise CustomerStateConflict("the customer is gone", field=field)
    refuse_if_closed(row.status, field=field)
    return row
