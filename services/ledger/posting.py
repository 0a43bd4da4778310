"""The money movements partners ask for, each one `PostingRequest` for the posting engine (services.ledger.engine).

Adding a money kind means a function here (its request: kind, the wallets it
names, which of them it needs) and its principal legs in services.ledger.plan.
"""

from __future__ import annotations

import uuid

from auth.principal import Principal
from models.enums import TransactionKind
from services.audit import AuditNote
from services.ledger.engine import post
from services.ledger.records import TransactionRecord
from services.ledger.request import PostingRequest
from services.partners.environment import require_sandbox_partner
from services.rails.interface import IN, OUT
from services.rails.transfers import RailRequest, start_rail_transfer


async def post_top_up(
    *, principal: Principal, wallet_id: uuid.UUID | None, amount: str, idempotency_key: str, currency: str | None = None,
    audit: AuditNote | None = None, dry_run: bool = False, source: tuple[str, uuid.UUID | None] | None = None,
) -> TransactionRecord:
    """Credit a wallet from the bank's settlement account at once, or from a linked source through its rail (source)."""
    if source is not None:
        return await _through_rail(principal, IN, wallet_id, amount, idempotency_key, currency, source, audit, dry_run)
    return await post(principal, PostingRequest(
        operation="walletTopUp", kind=TransactionKind.TOP_UP, idempotency_key=idempotency_key,
        amount_text=amount, from_wallet_id=None, to_wallet_id=wallet_id,
        from_field="walletId", to_field="walletId", currency=currency, requires_to=True, dry_run=dry_run,
    ), audit)


async def post_transfer(
    *,
    principal: Principal,
    from_wallet_id: uuid.UUID | None,
    to_wallet_id: uuid.UUID | None,
    amount: str,
    idempotency_key: str,
    memo: str | None = None,
    currency: str | None = None,
    audit: AuditNote | None = None, dry_run: bool = False,
) -> TransactionRecord:
    """Move money between two wallets of the same partner and currency."""
    return await post(principal, transfer_request(
        from_wallet_id=from_wallet_id, to_wallet_id=to_wallet_id, amount=amount, idempotency_key=idempotency_key,
        memo=memo, currency=currency, dry_run=dry_run,
    ), audit)


def transfer_request(
    *, from_wallet_id: uuid.UUID | None, to_wallet_id: uuid.UUID | None, amount: str, idempotency_key: str,
    memo: str | None = None, currency: str | None = None, dry_run: bool = False,
) -> PostingRequest:
    """The posting request of a same-currency transfer (transferCreate, and each item of transfersCreate)."""
    return PostingRequest(
        operation="transferCreate", kind=TransactionKind.TRANSFER, idempotency_key=idempotency_key,
        amount_text=amount, from_wallet_id=from_wallet_id, to_wallet_id=to_wallet_id,
        from_field="fromWalletId", to_field="toWalletId", memo=memo, currency=currency,
        requires_from=True, requires_to=True, dry_run=dry_run,
    )


async def post_withdrawal(
    *, principal: Principal, wallet_id: uuid.UUID | None, amount: str, idempotency_key: str, currency: str | None = None,
    audit: AuditNote | None = None, dry_run: bool = False, source: tuple[str, uuid.UUID | None] | None = None,
) -> TransactionRecord:
    """Debit a wallet to the bank's settlement account at once, or to a linked bank account through its rail (source)."""
    if source is not None:
        return await _through_rail(principal, OUT, wallet_id, amount, idempotency_key, currency, source, audit, dry_run)
    return await post(principal, PostingRequest(
        operation="withdrawalCreate", kind=TransactionKind.WITHDRAWAL, idempotency_key=idempotency_key,
        amount_text=amount, from_wallet_id=wallet_id, to_wallet_id=None,
        from_field="walletId", to_field="walletId", currency=currency, requires_from=True, dry_run=dry_run,
    ), audit)


async def _through_rail(
    principal: Principal, direction: str, wallet_id: uuid.UUID | None, amount: str, idempotency_key: str,
    currency: str | None, source: tuple[str, uuid.UUID | None], audit: AuditNote | None, dry_run: bool,
) -> TransactionRecord:
    """A top-up or withdrawal carried by a payment rail: HELD now, settled or failed by the rail later."""
    return await start_rail_transfer(principal=principal, req=RailRequest(
        direction=direction, wallet_id=wallet_id, source_kind=source[0], source_id=source[1], amount=amount,
        idempotency_key=idempotency_key, dry_run=dry_run, currency=currency,
    ), audit=audit)


async def post_sandbox_fund(
    *, principal: Principal, wallet_id: uuid.UUID | None, amount: str, idempotency_key: str,
    audit: AuditNote | None = None,
) -> TransactionRecord:
    """Mint test money into a sandbox partner's wallet, from the partner's own sandbox account (sandboxFund).

    Sandbox partners only (anyone else: Forbidden, before anything is read).
    Otherwise a top-up's rules: the wallet must be active and stay within its
    tier's maximum balance, and the idempotency key replays the original.
    """
    await require_sandbox_partner(principal, "sandboxFund")
    return await post(principal, PostingRequest(
        operation="sandboxFund", kind=TransactionKind.SANDBOX_FUND, idempotency_key=idempotency_key,
        amount_text=amount, from_wallet_id=None, to_wallet_id=wallet_id,
        from_field="walletId", to_field="walletId", requires_to=True,
    ), audit)


async def post_sweep(
    *, principal: Principal, from_wallet_id: uuid.UUID, to_wallet_id: uuid.UUID, amount: str, idempotency_key: str,
) -> TransactionRecord:
    """Move a closing wallet's whole balance to another wallet of the same customer (walletClose, inside its transaction).

    Free (no fee rule names SWEEP) and not an outgoing payment: the customer's
    limits do not count it (services.compliance.sweep_checks).
    """
    return await post(principal, PostingRequest(
        operation="walletClose", kind=TransactionKind.SWEEP, idempotency_key=idempotency_key,
        amount_text=amount, from_wallet_id=from_wallet_id, to_wallet_id=to_wallet_id,
        from_field="walletId", to_field="sweepToWalletId", requires_from=True, requires_to=True,
    ), None)
