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
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any

from tortoise import connections
from tortoise.exceptions import IntegrityError

from auth.principal import Principal
from models import IdempotencyRecord, Transaction
from models.enums import TransactionKind
from models.ids import uuid7
from services.aml.activity import note_activity
from services.audit import AuditNote
from services.compliance.posting_checks import ComplianceCheck, StaleStanding, check_compliance
from services.errors import ComplianceHold, DomainError, IdempotencyConflict, NotFound, SameWallet, WalletNotActive
from services.ledger.idempotency import canonical_amount, check_key, customer_key, request_hash
from services.ledger.portable_path import post_in_transaction
from services.fees.charging import Fee, fee_for, fee_legs
from services.ledger.entries import Leg, balanced_legs
from services.ledger.posting_rules import (
    PostingRequest,
    balance_deltas,
    check_customer_token,
    common_currency,
    legs_for,
    locked_or_missing,
)
from services.db.sql import is_postgres
from services.db.wallet_rows import WalletFacts, wallet_facts
from services.money import normalise_currency, parse_amount
from services.validation import clean_text

MAX_MEMO_LENGTH = 280
# Refusals about the receiving customer that a customer token is not told in detail.
_RECEIVER_PRIVATE = frozenset({"LIMIT_EXCEEDED", "KYC_REQUIRED", "COMPLIANCE_HOLD", "WALLET_NOT_ACTIVE"})


@dataclass(frozen=True)
class PostingPlan:
    """What a posting will write, decided before it locks anything."""

    facts: dict[uuid.UUID, WalletFacts]
    currency: str
    amount_minor: int
    fee: Fee
    legs: list[Leg]
    deltas: dict[int, int]  # net change of each wallet account's balance
    compliance: ComplianceCheck
    fields: dict[int, str]  # wallet account -> the input field that named its wallet

    @property
    def hold_minor(self) -> int:
        """What a held posting reserves on the payer wallet: its whole debit, fee included."""
        return max(-min(self.deltas.values(), default=0), 0)

    @property
    def held_legs(self) -> list[list[Any]]:
        """The legs a held posting will post on release: [[account id, signed amount], ...]."""
        return [[leg.account_id, leg.amount_minor] for leg in self.legs]


@dataclass(frozen=True)
class CheckedRequest:
    """A posting request whose inputs passed every check that needs no database."""

    req: PostingRequest
    key: str  # as stored in idempotency_record (a customer token's key is namespaced)
    fingerprint: str
    memo: str | None
    currency: str | None
    transaction_id: uuid.UUID
    shown_key: str = ""  # as the caller sent it: what the transaction shows

    @property
    def transaction_key(self) -> str:
        """The key the transaction records and shows (the caller's own)."""
        return self.shown_key or self.key


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
    if principal.is_customer:
        checked = replace(checked, key=customer_key(principal.customer_id, checked.key), shown_key=checked.key)
    try:
        for attempt in range(3):
            plan = await _plan(principal, checked)
            try:
                if is_postgres(connections.get("default")):
                    from services.ledger.one_statement import post_in_one_statement

                    txn = await post_in_one_statement(principal, checked, plan, audit)
                else:
                    txn = await post_in_transaction(principal, checked, plan, audit)
                note_activity(list(plan.facts), txn.created_at)
                return txn
            except StaleStanding:
                # A review or hold changed a customer's standing after we planned: plan again on fresh facts.
                if attempt == 2:
                    raise ComplianceHold(
                        "the customer's compliance standing is changing right now: retry with the same idempotencyKey",
                        field=[req.from_field if req.from_wallet_id else req.to_field],
                    ) from None
        raise AssertionError("unreachable")
    except IntegrityError as exc:
        return await _replay(principal, checked.key, checked.fingerprint, exc)
    except DomainError as refusal:
        # A refusal of a key that was already used is a replay, not a new
        # decision: the original (or IDEMPOTENCY_CONFLICT) wins over whatever
        # would refuse it now (a limit used up since, a frozen wallet...).
        if await IdempotencyRecord.exists(partner_id=principal.partner_id, key=checked.key):
            return await _replay(principal, checked.key, checked.fingerprint, None)
        if principal.is_customer and refusal.field == [req.to_field] and refusal.code in _RECEIVER_PRIVATE:
            # A customer's frontend learns that the payee cannot take the
            # money, not why: the payee's holds, tier and balance are not its business.
            raise WalletNotActive("the receiving wallet cannot accept this payment", field=[req.to_field]) from None
        raise


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
    compliance = await check_compliance(
        kind=req.kind, source=source, target=target, amount_minor=amount_minor, currency=currency,
        at=datetime.now(timezone.utc), from_field=req.from_field, to_field=req.to_field,
    )
    fields = {w.account_id: field for w, field in ((source, req.from_field), (target, req.to_field)) if w is not None}
    return PostingPlan(
        facts=facts, currency=currency, amount_minor=amount_minor, fee=fee, legs=legs,
        deltas=balance_deltas(legs, wallet_accounts), compliance=compliance, fields=fields,
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


async def _replay(principal: Principal, key: str, fingerprint: str, error: IntegrityError | None) -> Transaction:
    """The original result of a key already used by this partner, or IdempotencyConflict."""
    record = await IdempotencyRecord.get_or_none(partner_id=principal.partner_id, key=key)
    if record is None:
        assert error is not None
        raise error  # not a key collision: let the original IntegrityError surface
    if record.request_hash != fingerprint:
        raise IdempotencyConflict(
            "this idempotencyKey was already used with different input", field=["idempotencyKey"]
        )
    return await Transaction.get(id=record.transaction_id)
