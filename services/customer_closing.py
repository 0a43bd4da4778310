"""customerClose: the partner closes a customer for good, once every one of its wallets is closed.

Refused (nothing changed) while any wallet is still open, naming how many
(close each with walletClose, sweeping or withdrawing its money first), or
while a KYC submission waits for review. The customer's row is locked, as
walletOpen locks it (services.customer_status), so no wallet can be opened
under a closing customer. A closed customer keeps its data, wallets and
history, readable as before; nothing about it changes any more.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime, timezone

from tortoise.transactions import in_transaction

from auth.principal import Principal
from models import Customer, KycSubmission, Wallet
from models.enums import CustomerStatus, WalletStatus
from services.audit import AuditNote, record_event
from services.authority import require_partner_token, require_scope
from services.customer_status import lock_open_customer
from services.customers import CustomerRecord
from services.errors import CustomerStateConflict, KycAlreadyPending
from services.events import record_domain_event
from services.scoping import get_scoped
from services.validation import clean_text

WRITE_SCOPE = "customers:write"
MAX_REASON_CHARS = 500


async def close_customer(
    *, principal: Principal, customer_id: uuid.UUID | None, reason: str | None = None, audit: AuditNote | None = None,
) -> CustomerRecord:
    """Close one of the partner's customers whose wallets are all closed; record customer.closed."""
    require_partner_token(principal)
    require_scope(principal, WRITE_SCOPE)
    note = clean_text(reason, field="reason", max_len=MAX_REASON_CHARS, required=False)
    customer = await get_scoped(Customer, principal, customer_id, what="customer", field=["customerId"])
    async with in_transaction() as conn:
        row = await lock_open_customer(customer.id, field=["customerId"])
        still_open = await Wallet.filter(customer_id=row.id).exclude(status=WalletStatus.CLOSED).using_db(conn).count()
        if still_open:
            wallets = "1 wallet is" if still_open == 1 else f"{still_open} wallets are"
            raise CustomerStateConflict(
                f"{wallets} still open: close each with walletClose (sweeping or withdrawing its money) first",
                field=["customerId"],
            )
        if await KycSubmission.filter(open_customer_key=str(row.id)).using_db(conn).exists():
            raise KycAlreadyPending("a KYC submission of this customer waits for review: close it once it is decided",
                                    field=["customerId"])
        row.status, row.closed_at = CustomerStatus.CLOSED, datetime.now(timezone.utc)
        await row.save(update_fields=["status", "closed_at"], using_db=conn)
        await record_domain_event(
            type="customer.closed", partner_id=row.partner_id, object_type="Customer", object_id=row.id,  # type: ignore[attr-defined]
            payload={"customerId": str(row.id)}, using_db=conn,
        )
        if audit is not None:
            detail = f"customerId={row.id}" + (f" reason={note}" if note else "")
            await record_event(
                actor=audit.actor, operation=audit.operation, outcome="OK", object_type="Customer",
                object_id=str(row.id), request_id=audit.request_id, partner_id=row.partner_id, detail=detail,  # type: ignore[attr-defined]
            )
    return dataclasses.replace(await CustomerRecord.of_row(row), audited=audit is not None)
