"""A customer's display name, e-mail and phone, sealed at rest: the one place that seals and opens them (issue 19).

Each value is an AES-GCM token (services.pii) bound to its row and column, so a copy moved to another customer
does not open. Nothing looks a customer up by name, e-mail or phone (partners find customers by id or
externalRef), so no blind index is kept: adding a lookup means adding a keyed index here, never a clear column.

Rows written before migration 0035 hold clear text until `seal_clear_customers` runs (at `qianbao serve`,
before any worker serves: it needs the master key, which `qianbao migrate` does not); until then `open_contact`
reads a value that is not a token as the clear text it is.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from tortoise.expressions import Q

from models import Customer
from services.pii import decrypt_value, encrypt_values, pii_context
from services.pii.envelope import TOKEN_VERSION, token_kid
from services.pii.errors import PiiIntegrityError

# The API's names of the sealed values and their columns.
COLUMNS = {"display_name": "display_name_enc", "email": "email_enc", "phone": "phone_enc"}


@dataclass(frozen=True)
class Contact:
    """A customer's display name, e-mail and phone in clear (in memory only)."""

    display_name: str
    email: str | None
    phone: str | None


def _context(customer_id: uuid.UUID, column: str) -> str:
    return pii_context(Customer._meta.db_table, column, customer_id)


def _is_token(value: str) -> bool:
    try:
        token_kid(value)
    except PiiIntegrityError:
        return False
    return True


async def seal_contact(customer_id: uuid.UUID, values: dict[str, str | None]) -> dict[str, str | None]:
    """The columns to store for the given clear values (display_name, email, phone): tokens, None kept as None."""
    clear = {COLUMNS[name]: value for name, value in values.items() if value is not None}
    sealed = await encrypt_values({_context(customer_id, column): value for column, value in clear.items()})
    out: dict[str, str | None] = {COLUMNS[name]: None for name, value in values.items() if value is None}
    for column in clear:
        out[column] = sealed[_context(customer_id, column)]
    return out


async def _open(customer_id: uuid.UUID, column: str, stored: str | None) -> str | None:
    if stored is None:
        return None
    if not _is_token(stored):
        return stored  # a row from before migration 0035 that seal_clear_customers has not reached yet
    return await decrypt_value(stored, context=_context(customer_id, column))


async def open_contact(row: Customer) -> Contact:
    """The customer's display name, e-mail and phone in clear; PiiIntegrityError when a stored value was altered."""
    name = await _open(row.id, "display_name_enc", row.display_name_enc)
    return Contact(display_name=name or "", email=await _open(row.id, "email_enc", row.email_enc),
                   phone=await _open(row.id, "phone_enc", row.phone_enc))


async def seal_clear_customers() -> int:
    """Seal every customer value still in clear (rows from before migration 0035); how many rows were sealed."""
    unsealed = Q(*(Q(**{f"{column}__not_isnull": True}) & ~Q(**{f"{column}__startswith": TOKEN_VERSION + "."})
                   for column in COLUMNS.values()), join_type="OR")
    sealed = 0
    for row in await Customer.filter(unsealed):
        stored = {column: getattr(row, column) for column in COLUMNS.values()}
        clear = {name: stored[column] for name, column in COLUMNS.items()
                 if stored[column] is not None and not _is_token(stored[column])}
        if not clear:
            continue
        # Conditional on the clear values read: a worker starting at the same moment seals each row once.
        sealed += await Customer.filter(id=row.id, **{COLUMNS[name]: value for name, value in clear.items()}).update(
            **await seal_contact(row.id, clear))
    return sealed
