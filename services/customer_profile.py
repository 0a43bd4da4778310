"""customerUpdate: a customer's display name, contact details and postal address, and the masked view of the address.

Who may change what: the partner (customers:write) any field of its own
customers; a customer's own token (customers:write) only its own contact
details (email, phone, address), never its name. Another customer's or
another partner's customer answers NOT_FOUND, like one that does not exist.

The rules are those of customerCreate and KYC: a changed display name is
screened against the watchlists in the same transaction (a hit holds the
customer and raises an alert, as at onboarding); e-mail and phone are kept
as customerCreate keeps them; the address is personal data like a KYC
address: validated as KYC validates it (messages never repeat it),
encrypted bound to its row and column (services.pii), and shown masked.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, fields
from typing import Any, Final

from tortoise.transactions import in_transaction

from auth.principal import Principal
from models import Customer
from services.authority import require_scope
from services.customer_status import lock_open_customer, refuse_if_closed
from services.customer_pii import open_contact, seal_contact
from services.customers import CustomerRecord
from services.errors import Forbidden, PiiUnreadable, ValidationFailed
from services.events import record_domain_event
from services.kyc.application import text as kyc_text
from services.pii import PiiIntegrityError, decrypt_value, encrypt_value, mask, pii_context
from services.scoping import get_scoped, token_customer
from services.screening.customer_screening import announce_after_hold, screen_customer
from services.validation import clean_email, clean_name, clean_phone

WRITE_SCOPE = "customers:write"
MAX_ADDRESS_CHARS = 500
ADDRESS_COLUMN = "address_enc"
_TABLE = Customer._meta.db_table


class Unchanged:
    """The value of a field the caller did not name (None, by contrast, clears it)."""

    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED: Final = Unchanged()


@dataclass(frozen=True)
class ProfileChanges:
    """What customerUpdate was asked to change: UNCHANGED where the caller named nothing, None to clear."""

    display_name: str | None | Unchanged = UNCHANGED
    email: str | None | Unchanged = UNCHANGED
    phone: str | None | Unchanged = UNCHANGED
    address: str | None | Unchanged = UNCHANGED

    def named(self) -> list[str]:
        """The API names of the fields the caller named, in a fixed order."""
        return [_API_NAMES[f.name] for f in fields(self) if getattr(self, f.name) is not UNCHANGED]


_API_NAMES = {"display_name": "displayName", "email": "email", "phone": "phone", "address": "address"}
CONTACT_FIELDS = ("email", "phone", "address")


def clean_changes(changes: ProfileChanges) -> dict[str, Any]:
    """The named fields as stored values (address still in clear), or VALIDATION naming the first bad field."""
    out: dict[str, Any] = {}
    if changes.display_name is not UNCHANGED:
        # Required like at customerCreate: a name can be changed, not removed.
        out["display_name"] = clean_name(changes.display_name, field="displayName", max_len=200)  # type: ignore[arg-type]
    if changes.email is not UNCHANGED:
        out["email"] = clean_email(changes.email)  # type: ignore[arg-type]
    if changes.phone is not UNCHANGED:
        out["phone"] = clean_phone(changes.phone)  # type: ignore[arg-type]
    if changes.address is not UNCHANGED:
        address = changes.address
        # As a KYC address: lines allowed, no control or bidirectional characters, never echoed.
        out["address"] = None if address is None else kyc_text(address, ["address"], max_len=MAX_ADDRESS_CHARS, multiline=True)
    return out


def check_who_changes_what(principal: Principal, changes: ProfileChanges) -> None:
    """A customer's own token changes its contact details only; the name is the partner's to change."""
    require_scope(principal, WRITE_SCOPE)
    if not changes.named():
        raise ValidationFailed("name at least one of displayName, email, phone, address to change", field=["input"])
    if changes.display_name is not UNCHANGED and token_customer(principal) is not None:
        raise Forbidden(
            "a customer token changes only its own contact details (email, phone, address): the partner changes displayName"
        )


async def update_customer(*, principal: Principal, customer_id: uuid.UUID | None, changes: ProfileChanges) -> CustomerRecord:
    """Change the named fields of a customer; re-screen a changed name; record customer.updated (field names, no values)."""
    check_who_changes_what(principal, changes)
    clean = clean_changes(changes)
    customer = await get_scoped(Customer, principal, customer_id, what="customer", field=["customerId"])
    refuse_if_closed(customer.status, field=["customerId"])
    screening = None
    async with in_transaction() as conn:
        row = await lock_open_customer(customer.id, field=["customerId"])
        # Compared in clear, stored sealed (services.customer_pii): an unchanged value is not rewritten or announced.
        current = await open_contact(row)
        changed_contact = {k: v for k, v in clean.items() if k != "address" and getattr(current, k) != v}
        updates: dict[str, Any] = await seal_contact(row.id, changed_contact) if changed_contact else {}
        if "address" in clean:
            address = clean["address"]
            updates[ADDRESS_COLUMN] = None if address is None else await encrypt_value(
                address, context=pii_context(_TABLE, ADDRESS_COLUMN, row.id)
            )
        if updates:
            for column, value in updates.items():
                setattr(row, column, value)
            await row.save(update_fields=list(updates), using_db=conn)
            changed = [_API_NAMES[name] for name in changed_contact] + (["address"] if ADDRESS_COLUMN in updates else [])
            await record_domain_event(
                type="customer.updated", partner_id=row.partner_id, object_type="Customer", object_id=row.id,  # type: ignore[attr-defined]
                payload={"customerId": str(row.id), "changed": changed}, using_db=conn,
            )
        if "display_name" in changed_contact:
            # As at onboarding: a hit holds the customer and raises the alert in this transaction.
            screening = await screen_customer(customer=row, name=changed_contact["display_name"], date_of_birth=None,
                                              country=row.country, using_db=conn)
    if screening and screening["hit"]:
        await announce_after_hold()  # every worker forgets the customer's standing: nothing moves until review
    return await CustomerRecord.of_row(row)


async def masked_address(record: CustomerRecord) -> str | None:
    """The customer's address masked to its last four characters (None when none is stored)."""
    token = record.address_ciphertext
    if token is None:
        return None
    context = pii_context(_TABLE, ADDRESS_COLUMN, record.id)
    try:
        return mask(await decrypt_value(token, context=context))
    except PiiIntegrityError:
        raise PiiUnreadable("this stored value failed its integrity check and is not shown") from None
