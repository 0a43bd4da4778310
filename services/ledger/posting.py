"""The posting engine: top-ups, transfers and withdrawals as balanced ledger transactions.

A posting claims its idempotency key, locks the wallet accounts involved in
account-id order (no deadlocks), checks them (services.ledger.posting_rules),
then updates the locked balances and writes the transaction, its entries and
its audit row, all in one database transaction. A refusal writes nothing and
does not consume the key; a concurrent duplicate waits on the key's unique
index and then replays the original result.

PostgreSQL does all of it in one statement (services.ledger.one_statement);
SQLite runs the same steps as separate statements in one transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from tortoise import connections
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from auth.principal import Principal
from models import Entry, IdempotencyRecord, Transaction
from models.enums import TransactionKind
from models.ids import uuid7
from services.audit import AuditNote, record_event
from services.errors import IdempotencyConflict, NotFound, SameWallet
from services.ledger.idempotency import canonical_amount, check_key, request_hash
from services.ledger.locking import apply_balance_changes, lock_wallets
from services.fees.charging import Fee, fee_for, fee_legs
from services.ledger.entries import Leg, balanced_legs
from services.ledger.posting_rules import (
    PostingRequest,
    balance_deltas,
    check_customer_token,
    check_wallets_can_move,
    common_currency,
    legs_for,
    locked_or_missing,
)
from services.ledger.sql import is_postgres
from services.ledger.wallet_facts import WalletFacts, wallet_facts
from services.money import normalise_currency, parse_amount
from services.validation import clean_text

MAX_MEMO_LENGTH = 280


@dataclass(frozen=True)
class PostingPlan:
    """What a posting will write, decided before it locks anything."""

    facts: dict[uuid.UUID, WalletFacts]
    currency: str
    amount_minor: int
    fee: Fee
    legs: list[Leg]
    deltas: dict[int, int]  # net change of each wallet account's balance


@dataclass(frozen=True)
class CheckedRequest:
    """A posting request whose inputs passed every check that needs no database."""

    req: PostingRequest
    key: str
    fingerprint: str
    memo: str | None
    currency: str | None
    transaction_id: uuid.UUID


async def post_top_up(
    *, principal: Principal, wallet_id: uuid.UUID | None, amount: str, idempotency_key: str, currency: str | None = None,
    audit: AuditNote | None = None,
) -> Transaction:
    """Credit a wallet from the bank's settlement account."""
    return await _post(
        principal,
        PostingRequest(
            operation="walletTopUp", kind=TransactionKind.TOP_UP, idempotency_key=idempotency_key,
            amount_text=amount, from_wallet_id=None, to_wallet_id=wallet_id,
            from_field="walletId", to_field="walletId", currency=currency,
        ),
        audit,
        require_to=True,
    )


async def post_transfer(
    *,
    principal: Principal,
    from_wallet_id: uuid.UUID | None,
    to_wallet_id: uuid.UUID | None,
    amount: str,
    idempotency_key: str,
    memo: str | None = None,
    currency: str | None = None,
    audit: AuditNote | None = None,
) -> Transaction:
    """Move money between two wallets of the same partner and currency."""
    return await _post(
        principal,
        PostingRequest(
            operation="transferCreate", kind=TransactionKind.TRANSFER, idempotency_key=idempotency_key,
            amount_text=amount, from_wallet_id=from_wallet_id, to_wallet_id=to_wallet_id,
            from_field="fromWalletId", to_field="toWalletId", memo=memo, currency=currency,
        ),
        audit,
        require_from=True,
        require_to=True,
    )


async def post_withdrawal(
    *, principal: Principal, wallet_id: uuid.UUID | None, amount: str, idempotency_key: str, currency: str | None = None,
    audit: AuditNote | None = None,
) -> Transaction:
    """Debit a wallet to the bank's settlement account (money leaves the wallet system)."""
    return await _post(
        principal,
        PostingRequest(
            operation="withdrawalCreate", kind=TransactionKind.WITHDRAWAL, idempotency_key=idempotency_key,
            amount_text=amount, from_wallet_id=wallet_id, to_wallet_id=None,
            from_field="walletId", to_field="walletId", currency=currency,
        ),
        audit,
        require_from=True,
    )


async def _post(
    principal: Principal, req: PostingRequest, audit: AuditNote | None, *, require_from: bool = False, require_to: bool = False
) -> Transaction:
    checked = _check_inputs(req, require_from=require_from, require_to=require_to)
    plan = await _plan(principal, checked)
    try:
        if is_postgres(connections.get("default")):
            from services.ledger.one_statement import post_in_one_statement

            return await post_in_one_statement(principal, checked, plan, audit)
        return await _post_in_transaction(principal, checked, plan, audit)
    except IntegrityError as exc:
        return await _replay(principal, checked.key, checked.fingerprint, exc)


async def _plan(principal: Principal, checked: CheckedRequest) -> PostingPlan:
    """Everything decided before any lock: wallets, currency, amount, fee and the balanced legs."""
    req = checked.req
    wallet_ids = [w for w in (req.from_wallet_id, req.to_wallet_id) if w is not None]
    facts = await wallet_facts(principal.partner_id, wallet_ids)
    known = {w: f.as_locked(w) for w, f in facts.items()}
    source = locked_or_missing(known, req.from_wallet_id, req.from_field)
    target = locked_or_missing(known, req.to_wallet_id, req.to_field)
    check_customer_token(principal, req, source, target)
    currency = common_currency(source, target, checked.currency, req)
    amount_minor = parse_amount(req.amount_text, currency)
    # The same function feeQuote answers with: the charge is what was quoted.
    fee = await fee_for(
        principal=principal, kind=req.kind.value, amount_minor=amount_minor, currency=currency,
        from_wallet_id=req.from_wallet_id, to_wallet_id=req.to_wallet_id,
    )
    payer = source or target
    assert payer is not None
    legs = await legs_for(req.kind, source, target, amount_minor, currency)
    legs = balanced_legs(legs + await fee_legs(fee=fee, payer_account_id=payer.account_id, partner_id=principal.partner_id, currency=currency))
    wallet_accounts = {w.account_id for w in known.values()}
    return PostingPlan(
        facts=facts, currency=currency, amount_minor=amount_minor, fee=fee, legs=legs,
        deltas=balance_deltas(legs, wallet_accounts),
    )


def _check_inputs(req: PostingRequest, *, require_from: bool, require_to: bool) -> CheckedRequest:
    """Every check that needs no database, and the request's idempotency fingerprint."""
    key = check_key(req.idempotency_key)
    amount_canonical = canonical_amount(req.amount_text)
    memo = clean_text(req.memo, field="memo", max_len=MAX_MEMO_LENGTH, required=False)
    currency = normalise_currency(req.currency) if req.currency is not None else None
    if require_from and req.from_wallet_id is None:
        raise NotFound("wallet not found", field=[req.from_field])
    if require_to and req.to_wallet_id is None:
        raise NotFound("wallet not found", field=[req.to_field])
    if req.from_wallet_id is not None and req.from_wallet_id == req.to_wallet_id:
        raise SameWallet("a transfer needs two different wallets", field=[req.to_field])
    fingerprint = request_hash(
        req.operation,
        {"from": req.from_wallet_id, "to": req.to_wallet_id, "amount": amount_canonical, "memo": memo, "currency": currency},
    )
    return CheckedRequest(req=req, key=key, fingerprint=fingerprint, memo=memo, currency=currency, transaction_id=uuid7())


async def _post_in_transaction(principal: Principal, checked: CheckedRequest, plan: PostingPlan, audit: AuditNote | None) -> Transaction:
    """The portable path: the posting's steps as separate statements in one transaction."""
    req, transaction_id = checked.req, checked.transaction_id
    async with in_transaction() as conn:
        await IdempotencyRecord.create(
            partner_id=principal.partner_id, key=checked.key, request_hash=checked.fingerprint,
            operation=req.operation, transaction_id=transaction_id, using_db=conn,
        )
        wallet_ids = [w for w in (req.from_wallet_id, req.to_wallet_id) if w is not None]
        locked = await lock_wallets(conn, partner_id=principal.partner_id, wallet_ids=wallet_ids)
        source = locked_or_missing(locked, req.from_wallet_id, req.from_field)
        target = locked_or_missing(locked, req.to_wallet_id, req.to_field)
        check_wallets_can_move(source, target, req, plan.deltas)
        await apply_balance_changes(conn, plan.deltas)
        txn = await Transaction.create(
            id=transaction_id, partner_id=principal.partner_id, kind=req.kind, currency=plan.currency,
            amount_minor=plan.amount_minor, fee_minor=plan.fee.fee_minor, fee_breakdown=plan.fee.breakdown,
            from_wallet_id=req.from_wallet_id, to_wallet_id=req.to_wallet_id,
            memo=checked.memo, idempotency_key=checked.key, using_db=conn,
        )
        await Entry.bulk_create(
            [
                Entry(transaction_id=transaction_id, account_id=leg.account_id, amount_minor=leg.amount_minor,
                      currency=leg.currency, partner_id=principal.partner_id)
                for leg in plan.legs
            ],
            using_db=conn,
        )
        if audit is not None:
            # In the posting's own transaction: the audit row commits with the
            # money (or not at all) and shares its commit instead of paying another.
            await record_event(
                actor=audit.actor, operation=audit.operation, outcome="OK", object_type="Transaction",
                object_id=str(transaction_id), request_id=audit.request_id, partner_id=principal.partner_id,
            )
            txn._audited = True  # type: ignore[attr-defined]
    return txn


async def _replay(principal: Principal, key: str, fingerprint: str, error: IntegrityError) -> Transaction:
    """The original result of a key already used by this partner, or IdempotencyConflict."""
    record = await IdempotencyRecord.get_or_none(partner_id=principal.partner_id, key=key)
    if record is None:
        raise error  # not a key collision: let the original IntegrityError surface
    if record.request_hash != fingerprint:
        raise IdempotencyConflict(
            "this idempotencyKey was already used with different input", field=["idempotencyKey"]
        )
    return await Transaction.get(id=record.transaction_id)
