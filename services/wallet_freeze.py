"""Compliance freezes and unfreezes wallets: nothing moves in or out of a frozen wallet.

Only bank staff with the wallets:freeze permission (compliance) may act; the
schema enforces it and services.authority refuses any other caller outright.
Each change is one transaction: a conditional UPDATE (so two officers racing
cannot both "freeze" the same wallet), the outbox event, and the audit row.
The posting engine re-reads the status on the locked wallet rows, so a
posting that started before the freeze either commits first or is refused
with WALLET_NOT_ACTIVE.

The reason is meant for the bank: the API shows it to staff with aml:read
only (a customer must not be tipped off), partners see the FROZEN status.
"""

from __future__ import annotations

import uuid

from tortoise.transactions import in_transaction

from auth.principal import Principal
from models import Wallet
from models.enums import WalletStatus
from services import live
from services.audit import AuditNote, record_event
from services.authority import require_staff
from services.errors import NotFound, WalletStateConflict
from services.events import record_domain_event
from services.validation import clean_reason
from services.wallets import WalletRecord

FREEZE_PERMISSION = "wallets:freeze"
MIN_REASON_CHARS = 3
MAX_REASON_CHARS = 500


async def freeze_wallet(
    *, principal: Principal, wallet_id: uuid.UUID | None, reason: str | None, audit: AuditNote | None = None
) -> WalletRecord:
    """Freeze an ACTIVE wallet with a reason; record wallet.frozen (a frozen or closed wallet is INVALID_STATE)."""
    return await _change_status(
        principal=principal, wallet_id=wallet_id, reason=reason, audit=audit,
        expected=WalletStatus.ACTIVE, target=WalletStatus.FROZEN, event="wallet.frozen",
    )


async def unfreeze_wallet(
    *, principal: Principal, wallet_id: uuid.UUID | None, reason: str | None, audit: AuditNote | None = None
) -> WalletRecord:
    """Make a FROZEN wallet ACTIVE again with a reason; record wallet.unfrozen (any other state is INVALID_STATE)."""
    return await _change_status(
        principal=principal, wallet_id=wallet_id, reason=reason, audit=audit,
        expected=WalletStatus.FROZEN, target=WalletStatus.ACTIVE, event="wallet.unfrozen",
    )


async def _change_status(
    *, principal: Principal, wallet_id: uuid.UUID | None, reason: str | None, audit: AuditNote | None,
    expected: WalletStatus, target: WalletStatus, event: str,
) -> WalletRecord:
    require_staff(principal, FREEZE_PERMISSION)
    text = clean_reason(reason, min_len=MIN_REASON_CHARS, max_len=MAX_REASON_CHARS)
    if wallet_id is None:
        raise NotFound("wallet not found", field=["walletId"])
    status_reason = text if target == WalletStatus.FROZEN else None
    async with in_transaction() as conn:
        changed = await Wallet.filter(id=wallet_id, status=expected).using_db(conn).update(
            status=target, status_reason=status_reason
        )
        wallet = await Wallet.filter(id=wallet_id).using_db(conn).select_related("account").first()
        if wallet is None:
            raise NotFound("wallet not found", field=["walletId"])
        if not changed:
            raise WalletStateConflict(
                f"wallet is {wallet.status.value.lower()}, not {expected.value.lower()}", field=["walletId"]
            )
        # No reason in the event: events are for partners' webhooks, and a
        # compliance reason must not tip off the customer (the audit row keeps it).
        payload = {"walletId": str(wallet.id), "customerId": str(wallet.customer_id)}  # type: ignore[attr-defined]
        await record_domain_event(
            type=event, partner_id=wallet.partner_id, object_type="Wallet", object_id=wallet.id,  # type: ignore[attr-defined]
            payload=payload, using_db=conn,
        )
        if audit is not None:
            # Written with the change: a freeze without its audit row cannot commit.
            await record_event(
                actor=audit.actor, operation=audit.operation, outcome="OK", object_type="Wallet",
                object_id=str(wallet.id), request_id=audit.request_id, partner_id=wallet.partner_id,  # type: ignore[attr-defined]
                detail=f"walletId={wallet.id} customerId={payload['customerId']} status={target.value} reason={text}",
            )
    await live.announce_wallet_status(wallet.id, target)  # committed: walletUpdated subscribers re-read it
    return WalletRecord.from_row(wallet, audited=audit is not None)
