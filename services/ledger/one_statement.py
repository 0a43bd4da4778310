"""PostgreSQL's posting path: the whole posting in one SQL statement, one round trip.

Every check that needs no balance has run in Python (services.ledger.posting
plans the posting from cached wallet facts). The statement locks the wallet
accounts in id order, re-checks status and funds on the locked rows, and only
if they pass claims the idempotency key and writes balances, transaction,
entries and audit row. A refusal writes nothing; Python then names the reason
from the locked rows the statement returns, with the same rules as the
portable path.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from tortoise import connections

from auth.principal import Principal
from models import Transaction
from models.enums import TransactionStatus
from services.audit import AuditNote
from services.ledger.posting_rules import check_wallets_can_move, locked_or_missing
from services.ledger.sql import as_uuid, fetch
from services.money import MAX_MINOR


async def post_in_one_statement(principal: Principal, checked: Any, plan: Any, audit: AuditNote | None) -> Transaction:
    """Post with one statement; raise the same DomainErrors as the portable path."""
    req = checked.req
    sql, values = _statement(principal, checked, plan, audit)
    rows = await fetch(connections.get("default"), sql, values)
    if not rows or not rows[0]["passes"]:
        _name_the_refusal(rows, plan.facts, req, plan.deltas)
    txn = Transaction(
        id=checked.transaction_id, partner_id=principal.partner_id, kind=req.kind, status=TransactionStatus.POSTED,
        currency=plan.currency, amount_minor=plan.amount_minor, fee_minor=plan.fee.fee_minor,
        fee_breakdown=plan.fee.breakdown, from_wallet_id=req.from_wallet_id, to_wallet_id=req.to_wallet_id,
        memo=checked.memo, idempotency_key=checked.key, created_at=rows[0]["now"],
    )
    txn._saved_in_db = True
    txn._audited = audit is not None  # type: ignore[attr-defined]
    return txn


def _name_the_refusal(rows: list[dict[str, Any]], facts: dict[uuid.UUID, Any], req: Any, deltas: dict[int, int]) -> None:
    """The statement wrote nothing: raise the rule the locked rows break."""
    locked = {
        as_uuid(row["wallet_id"]): facts[as_uuid(row["wallet_id"])].as_locked(
            as_uuid(row["wallet_id"]), row["status"], int(row["balance_minor"]), int(row["held_minor"])
        )
        for row in rows
        if row["wallet_id"] is not None
    }
    source = locked_or_missing(locked, req.from_wallet_id, req.from_field)
    target = locked_or_missing(locked, req.to_wallet_id, req.to_field)
    check_wallets_can_move(source, target, req, deltas)
    raise RuntimeError("the posting statement refused a request that passes every rule")


def _statement(principal: Principal, checked: Any, plan: Any, audit: AuditNote | None) -> tuple[str, list[Any]]:
    req, partner_id = checked.req, principal.partner_id
    accounts, deltas = list(plan.deltas), [plan.deltas[a] for a in plan.deltas]
    values: list[Any] = [
        accounts,                                          # $1 wallet accounts to lock
        len(accounts),                                     # $2 how many must be there
        deltas,                                            # $3 their net balance changes (fee included)
        MAX_MINOR,                                         # $4
        plan.amount_minor,                                 # $5
        plan.fee.fee_minor,                                # $6
        partner_id,                                        # $7
        checked.key,                                       # $8
        checked.fingerprint,                               # $9
        req.operation,                                     # $10
        checked.transaction_id,                            # $11
        req.kind.value,                                    # $12
        plan.currency,                                     # $13
        req.from_wallet_id,                                # $14
        req.to_wallet_id,                                  # $15
        checked.memo,                                      # $16
        [leg.account_id for leg in plan.legs],             # $17 entry accounts
        [leg.amount_minor for leg in plan.legs],           # $18 entry amounts (signed)
        json.dumps(plan.fee.breakdown),                    # $19 fee breakdown
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
    # only when the checks on the locked (latest) rows pass: every wallet
    # active, none below zero or above BIGINT after its change (written so that
    # no intermediate sum can overflow). A duplicate key fails the whole
    # statement on the unique index, and the caller replays.
    sql = (
        "WITH locked AS ("
        " SELECT a.id AS account_id, a.balance_minor, a.held_minor, w.id AS wallet_id, w.status"
        " FROM account a JOIN wallet w ON w.account_id = a.id"
        " WHERE a.id = ANY($1::bigint[]) ORDER BY a.id FOR UPDATE),"
        " change AS (SELECT * FROM unnest($1::bigint[], $3::bigint[]) AS c(account_id, delta)),"
        " ok AS (SELECT COUNT(*) = $2 AND COALESCE(bool_and(l.status = 'ACTIVE'"
        "  AND c.delta >= l.held_minor - l.balance_minor AND c.delta <= $4::bigint - l.balance_minor), true)"
        "  AS passes FROM locked l JOIN change c ON c.account_id = l.account_id),"
        " claimed AS (INSERT INTO idempotency_record (partner_id, key, request_hash, operation, transaction_id, created_at)"
        "  SELECT $7, $8, $9, $10, $11, now() FROM ok WHERE ok.passes),"
        " moved AS (UPDATE account a SET balance_minor = a.balance_minor + c.delta FROM change c"
        "  WHERE a.id = c.account_id AND (SELECT passes FROM ok)),"
        " posted AS (INSERT INTO ledger_transaction (id, partner_id, kind, status, currency, amount_minor, fee_minor,"
        "  fee_breakdown, from_wallet_id, to_wallet_id, memo, idempotency_key, hold_minor, created_at)"
        "  SELECT $11, $7, $12, 'POSTED', $13, $5, $6, $19::jsonb, $14, $15, $16, $8, 0, now() FROM ok WHERE ok.passes),"
        " entered AS (INSERT INTO ledger_entry (transaction_id, account_id, amount_minor, currency, partner_id, created_at)"
        "  SELECT $11, e.account_id, e.amount, $13, $7, now()"
        "  FROM unnest($17::bigint[], $18::bigint[]) AS e(account_id, amount), ok WHERE ok.passes)"
        f"{audit_cte}"
        " SELECT ok.passes, now() AS now, l.wallet_id, l.status, l.balance_minor, l.held_minor"
        " FROM ok LEFT JOIN locked l ON true"
    )
    return sql, values
