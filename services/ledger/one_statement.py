"""PostgreSQL's posting path: the whole posting in one SQL statement, one round trip.

What never changes about a wallet (its partner, customer, currency and ledger
account) is cached per process, so every check that needs no balance runs in
Python before the statement. The statement then locks the accounts in id
order, re-checks status and funds on the locked rows, and only if they pass
claims the idempotency key and writes balances, transaction, entries and
audit row. A refusal writes nothing; Python then names the reason from the
locked rows the statement returns, with the same rules as the portable path.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from tortoise import connections

from auth.principal import Principal
from models import Transaction
from models.enums import TransactionStatus
from services.audit import AuditNote
from services.ledger.entries import Leg
from services.ledger.locking import LockedWallet
from services.ledger.posting_rules import (
    check_customer_token,
    check_wallets_can_move,
    common_currency,
    legs_for,
    locked_or_missing,
)
from services.ledger.sql import as_uuid, fetch
from services.money import MAX_MINOR, parse_amount


@dataclass(frozen=True)
class WalletFacts:
    partner_id: uuid.UUID
    customer_id: uuid.UUID
    currency: str
    account_id: int


_facts: dict[uuid.UUID, WalletFacts] = {}
_FACTS_LIMIT = 200_000


async def wallet_facts(partner_id: uuid.UUID | None, wallet_ids: list[uuid.UUID]) -> dict[uuid.UUID, WalletFacts]:
    """The immutable facts of the partner's wallets among wallet_ids (cached; one query on a miss)."""
    missing = [w for w in wallet_ids if w not in _facts]
    if missing:
        rows = await fetch(
            connections.get("default"),
            "SELECT id, partner_id, customer_id, currency, account_id FROM wallet WHERE id = ANY($1::uuid[])",
            [missing],
        )
        if len(_facts) > _FACTS_LIMIT:
            _facts.clear()
        for row in rows:
            _facts[as_uuid(row["id"])] = WalletFacts(
                as_uuid(row["partner_id"]), as_uuid(row["customer_id"]), row["currency"], int(row["account_id"])
            )
    # Another partner's wallet is treated exactly like a missing one.
    return {w: _facts[w] for w in wallet_ids if w in _facts and _facts[w].partner_id == partner_id}


def _as_locked(wallet_id: uuid.UUID, facts: WalletFacts, status: str = "ACTIVE", balance: int = 0, held: int = 0) -> LockedWallet:
    return LockedWallet(
        wallet_id=wallet_id, customer_id=facts.customer_id, status=status, currency=facts.currency,
        account_id=facts.account_id, balance_minor=balance, held_minor=held,
    )


async def post_in_one_statement(principal: Principal, checked: Any, audit: AuditNote | None) -> Transaction:
    """Post with one statement; raise the same DomainErrors as the portable path."""
    req = checked.req
    wallet_ids = [w for w in (req.from_wallet_id, req.to_wallet_id) if w is not None]
    facts = await wallet_facts(principal.partner_id, wallet_ids)
    known = {w: _as_locked(w, f) for w, f in facts.items()}
    source = locked_or_missing(known, req.from_wallet_id, req.from_field)
    target = locked_or_missing(known, req.to_wallet_id, req.to_field)
    check_customer_token(principal, req, source, target)
    currency = common_currency(source, target, checked.currency, req)
    amount_minor = parse_amount(req.amount_text, currency)
    legs = await legs_for(req.kind, source, target, amount_minor, currency)
    sql, values = _statement(principal, checked, audit, legs, source, target, amount_minor, currency)
    rows = await fetch(connections.get("default"), sql, values)
    if not rows or not rows[0]["passes"]:
        _name_the_refusal(rows, facts, req, amount_minor)
    txn = Transaction(
        id=checked.transaction_id, partner_id=principal.partner_id, kind=req.kind, status=TransactionStatus.POSTED,
        currency=currency, amount_minor=amount_minor, fee_minor=0, from_wallet_id=req.from_wallet_id,
        to_wallet_id=req.to_wallet_id, memo=checked.memo, idempotency_key=checked.key, created_at=rows[0]["now"],
    )
    txn._saved_in_db = True
    txn._audited = audit is not None  # type: ignore[attr-defined]
    return txn


def _name_the_refusal(rows: list[dict[str, Any]], facts: dict[uuid.UUID, WalletFacts], req: Any, amount_minor: int) -> None:
    """The statement wrote nothing: raise the rule the locked rows break."""
    locked = {
        as_uuid(row["wallet_id"]): _as_locked(
            as_uuid(row["wallet_id"]), facts[as_uuid(row["wallet_id"])], row["status"],
            int(row["balance_minor"]), int(row["held_minor"]),
        )
        for row in rows
        if row["wallet_id"] is not None
    }
    source = locked_or_missing(locked, req.from_wallet_id, req.from_field)
    target = locked_or_missing(locked, req.to_wallet_id, req.to_field)
    check_wallets_can_move(source, target, amount_minor, req)
    raise RuntimeError("the posting statement refused a request that passes every rule")


def _statement(
    principal: Principal, checked: Any, audit: AuditNote | None, legs: list[Leg],
    source: LockedWallet | None, target: LockedWallet | None, amount_minor: int, currency: str,
) -> tuple[str, list[Any]]:
    req, partner_id = checked.req, principal.partner_id
    wallet_accounts = [w.account_id for w in (source, target) if w is not None]
    values: list[Any] = [
        wallet_accounts,                                   # $1 wallet accounts to lock
        len(wallet_accounts),                              # $2 how many must be there
        source.account_id if source else None,             # $3 the account that pays
        target.account_id if target else None,             # $4 the account that receives
        amount_minor,                                      # $5
        MAX_MINOR,                                         # $6
        partner_id,                                        # $7
        checked.key,                                       # $8
        checked.fingerprint,                               # $9
        req.operation,                                     # $10
        checked.transaction_id,                            # $11
        req.kind.value,                                    # $12
        currency,                                          # $13
        req.from_wallet_id,                                # $14
        req.to_wallet_id,                                  # $15
        checked.memo,                                      # $16
        [leg.account_id for leg in legs],                  # $17 entry accounts
        [leg.amount_minor for leg in legs],                # $18 entry amounts (signed)
        [w for w in wallet_accounts],                      # $19 accounts whose stored balance moves
    ]
    audit_cte = ""
    if audit is not None:
        values += [audit.actor.kind, audit.actor.id[:128], audit.operation[:64], str(checked.transaction_id), audit.request_id]
        audit_cte = (
            ", audited AS (INSERT INTO audit_event (occurred_at, actor_kind, actor_id, partner_id, operation,"
            " object_type, object_id, request_id, outcome) SELECT now(), $20, $21, $7, $22, 'Transaction', $23, $24, 'OK'"
            " FROM ok WHERE ok.passes)"
        )
    # Locks are taken in account-id order as the sorted rows are produced, as in
    # the portable path, so opposite transfers cannot deadlock. The writes run
    # only when the checks on the locked (latest) rows pass; a duplicate key
    # fails the whole statement on the unique index, and the caller replays.
    sql = (
        "WITH locked AS ("
        " SELECT a.id AS account_id, a.balance_minor, a.held_minor, w.id AS wallet_id, w.status"
        " FROM account a JOIN wallet w ON w.account_id = a.id"
        " WHERE a.id = ANY($1::bigint[]) ORDER BY a.id FOR UPDATE),"
        " ok AS (SELECT COUNT(*) = $2 AND COALESCE(bool_and(status = 'ACTIVE'), true)"
        "  AND COALESCE(bool_and(account_id IS DISTINCT FROM $3::bigint OR balance_minor - held_minor >= $5::bigint), true)"
        "  AND COALESCE(bool_and(account_id IS DISTINCT FROM $4::bigint OR balance_minor <= $6::bigint - $5::bigint), true)"
        "  AS passes FROM locked),"
        " claimed AS (INSERT INTO idempotency_record (partner_id, key, request_hash, operation, transaction_id, created_at)"
        "  SELECT $7, $8, $9, $10, $11, now() FROM ok WHERE ok.passes),"
        " moved AS (UPDATE account a SET balance_minor = a.balance_minor + e.amount"
        "  FROM unnest($17::bigint[], $18::bigint[]) AS e(account_id, amount)"
        "  WHERE a.id = e.account_id AND a.id = ANY($19::bigint[]) AND (SELECT passes FROM ok)),"
        " posted AS (INSERT INTO ledger_transaction (id, partner_id, kind, status, currency, amount_minor, fee_minor,"
        "  from_wallet_id, to_wallet_id, memo, idempotency_key, created_at)"
        "  SELECT $11, $7, $12, 'POSTED', $13, $5, 0, $14, $15, $16, $8, now() FROM ok WHERE ok.passes),"
        " entered AS (INSERT INTO ledger_entry (transaction_id, account_id, amount_minor, currency, partner_id, created_at)"
        "  SELECT $11, e.account_id, e.amount, $13, $7, now()"
        "  FROM unnest($17::bigint[], $18::bigint[]) AS e(account_id, amount), ok WHERE ok.passes)"
        f"{audit_cte}"
        " SELECT ok.passes, now() AS now, l.wallet_id, l.status, l.balance_minor, l.held_minor"
        " FROM ok LEFT JOIN locked l ON true"
    )
    return sql, values
