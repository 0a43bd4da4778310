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
from services.aml.alert_rows import alert_rows, event_rows
from services.compliance.posting_checks import StaleStanding, check_locked, forget_usage_rows
from services.ledger.posting_rules import check_wallets_can_move, locked_or_missing
from services.ledger.sql import as_uuid, fetch
from services.money import MAX_MINOR


async def post_in_one_statement(principal: Principal, checked: Any, plan: Any, audit: AuditNote | None) -> Transaction:
    """Post (or hold) with one statement; raise the same DomainErrors as the portable path."""
    req, check = checked.req, plan.compliance
    sql, values = _statement(principal, checked, plan, audit)
    rows = await fetch(connections.get("default"), sql, values)
    if not rows or not rows[0]["passes"]:
        _name_the_refusal(rows, plan, req)
    txn = Transaction(
        id=checked.transaction_id, partner_id=principal.partner_id, kind=req.kind,
        status=TransactionStatus.HELD if check.hold else TransactionStatus.POSTED,
        currency=plan.currency, amount_minor=plan.amount_minor, fee_minor=plan.fee.fee_minor,
        fee_breakdown=plan.fee.breakdown, from_wallet_id=req.from_wallet_id, to_wallet_id=req.to_wallet_id,
        memo=checked.memo, idempotency_key=checked.transaction_key, created_at=rows[0]["now"],
        hold_minor=plan.hold_minor if check.hold else 0, held_legs=plan.held_legs if check.hold else None,
    )
    txn._saved_in_db = True
    txn._audited = audit is not None  # type: ignore[attr-defined]
    return txn


def _name_the_refusal(rows: list[dict[str, Any]], plan: Any, req: Any) -> None:
    """The statement wrote nothing: raise the rule the locked rows break (same order as the portable path)."""
    locked = {
        as_uuid(row["wallet_id"]): plan.facts[as_uuid(row["wallet_id"])].as_locked(
            as_uuid(row["wallet_id"]), row["status"], int(row["balance_minor"]), int(row["held_minor"])
        )
        for row in rows
        if row["wallet_id"] is not None
    }
    source = locked_or_missing(locked, req.from_wallet_id, req.from_field)
    target = locked_or_missing(locked, req.to_wallet_id, req.to_field)
    check_wallets_can_move(source, target, req, plan.deltas)
    usage = None
    if rows and rows[0]["day_key"] is not None:
        usage = {k: rows[0][k] for k in USAGE_COLUMNS}
    elif plan.compliance.outgoing is not None:
        # The sender's usage row this process believed in is gone (a restore,
        # say): forget that belief and plan again, which creates it.
        forget_usage_rows()
        raise StaleStanding()
    check_locked(plan.compliance, [r for r in rows if r["wallet_id"] is not None], usage, plan.deltas,
                 plan.amount_minor, plan.currency, plan.fields)
    raise RuntimeError("the posting statement refused a request that passes every rule")


def saturating_add(total: str) -> str:
    """SQL for total + amount ($5), capped at BIGINT's maximum ($4) so that it cannot overflow."""
    return f"(CASE WHEN {total} > $4::bigint - $5 THEN $4::bigint ELSE {total} + $5 END)"


USAGE_COLUMNS = ("day_key", "day_out_minor", "month_key", "month_out_minor", "year_key", "year_out_minor", "lifetime_out_minor")


def _statement(principal: Principal, checked: Any, plan: Any, audit: AuditNote | None) -> tuple[str, list[Any]]:
    req, partner_id, check = checked.req, principal.partner_id, plan.compliance
    accounts = list(plan.deltas)
    values: list[Any] = [
        accounts,                                          # $1 wallet accounts to lock
        len(accounts),                                     # $2 how many must be there
        [plan.deltas[a] for a in accounts],                # $3 their net balance changes (fee included)
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
        [check.max_balance.get(a) for a in accounts],      # $20 each receiving wallet's maximum balance (NULL: none)
        [check.expected_tier.get(a, -1) for a in accounts],  # $21 each customer's KYC tier as planned
        "HELD" if check.hold else "POSTED",                # $22
        plan.hold_minor if check.hold else 0,              # $23 reserved on the payer while held
        json.dumps(plan.held_legs) if check.hold else None,  # $24 legs to post on release
    ]

    def param(value: Any) -> str:
        values.append(value)
        return f"${len(values)}"

    usage_cte, usage_lock, usage_ok, usage_write, usage_cols = "", "", "", "", ", NULL AS day_key"
    day_key_sql = "NULL"
    if check.outgoing is not None:
        out, keys = check.outgoing, check.outgoing.keys
        cust, day, month, year = param(check.sender_customer_id), param(keys.day), param(keys.month), param(keys.year)
        caps = [param(out.cap(p)) for p in ("daily", "monthly", "annual", "lifetime")]
        # The sender's usage row is locked before the wallet accounts (the
        # scalar subquery runs before the first account row is locked), and
        # every posting takes at most one usage row: one global lock order.
        usage_cte = (
            " usage AS (SELECT * FROM limit_usage WHERE customer_id = " + cust + " AND currency = $13 FOR UPDATE),"
        )
        usage_lock = " AND (SELECT COUNT(*) FROM usage) >= 0"
        # Keys never move backwards (services.compliance.limits.Usage.used):
        # a stored key newer than ours means our posting counts into it.
        used = {
            "day": f"(CASE WHEN u.day_key >= {day} THEN u.day_out_minor ELSE 0 END)",
            "month": f"(CASE WHEN u.month_key >= {month} THEN u.month_out_minor ELSE 0 END)",
            "year": f"(CASE WHEN u.year_key >= {year} THEN u.year_out_minor ELSE 0 END)",
            "life": "u.lifetime_out_minor",
        }
        fits = " AND ".join(
            f"({cap}::bigint IS NULL OR {expr} <= {cap}::bigint - $5)" for cap, expr in zip(caps, used.values())
        )
        usage_ok = f" AND (SELECT COUNT(*) = 1 AND COALESCE(bool_and({fits}), false) FROM usage u)"
        # Totals saturate at BIGINT's maximum instead of overflowing: a total
        # that large is above every limit anyway.
        usage_write = (
            ", used AS (UPDATE limit_usage u SET"
            f" day_out_minor = {saturating_add(used['day'])}, day_key = GREATEST(u.day_key, {day}),"
            f" month_out_minor = {saturating_add(used['month'])}, month_key = GREATEST(u.month_key, {month}),"
            f" year_out_minor = {saturating_add(used['year'])}, year_key = GREATEST(u.year_key, {year}),"
            f" lifetime_out_minor = {saturating_add('u.lifetime_out_minor')}"
            " FROM usage WHERE u.id = usage.id AND (SELECT passes FROM ok))"
        )
        usage_cols = ", " + ", ".join(f"(SELECT {c} FROM usage) AS {c}" for c in USAGE_COLUMNS)
        day_key_sql = f"(SELECT GREATEST(day_key, {day}) FROM usage)"
    extra = ""
    if audit is not None:
        extra += (
            ", audited AS (INSERT INTO audit_event (occurred_at, actor_kind, actor_id, partner_id, operation,"
            f" object_type, object_id, request_id, outcome) SELECT now(), {param(audit.actor.kind)}, {param(audit.actor.id[:128])},"
            f" $7, {param(audit.operation[:64])}, 'Transaction', {param(str(checked.transaction_id))}, {param(audit.request_id)}, 'OK'"
            " FROM ok WHERE ok.passes)"
        )
    alerts = alert_rows(check)
    if alerts:
        extra += (
            ", alerted AS (INSERT INTO aml_alert (id, partner_id, customer_id, wallet_id, transaction_id, rule, severity,"
            " action, status, details, created_at) SELECT x.id, $7, x.customer_id, x.wallet_id, $11, x.rule, x.severity,"
            f" x.action, 'OPEN', x.details, now() FROM jsonb_to_recordset({param(json.dumps(alerts))}::jsonb)"
            " AS x(id uuid, customer_id uuid, wallet_id uuid, rule text, severity text, action text, details jsonb), ok"
            " WHERE ok.passes)"
        )
        events = event_rows(check, alerts, checked.transaction_id, partner_id)
        extra += (
            ", announced AS (INSERT INTO domain_event (partner_id, type, object_type, object_id, payload, occurred_at)"
            " SELECT CASE WHEN x.internal THEN NULL ELSE $7 END, x.type, x.object_type, x.object_id, x.payload, now()"
            f" FROM jsonb_to_recordset({param(json.dumps(events))}::jsonb)"
            " AS x(type text, object_type text, object_id text, payload jsonb, internal boolean), ok WHERE ok.passes)"
        )
    # A held posting moves no balance: it reserves the payer's debit in
    # held_minor (available = balance - held) and writes no entries until
    # compliance releases it. Either way the funds check is the same.
    if check.hold:
        move = "held_minor = a.held_minor + CASE WHEN c.delta < 0 THEN -c.delta ELSE 0 END"
        entries_gate = "false"
    else:
        move = "balance_minor = a.balance_minor + c.delta"
        entries_gate = "ok.passes"
    # Locks are taken in account-id order as the sorted rows are produced, as in
    # the portable path, so opposite transfers cannot deadlock. The writes run
    # only when the checks on the locked (latest) rows pass: every wallet
    # active, its customer clear of holds and still in the planned tier, none
    # below zero, above BIGINT or above its tier's maximum balance after its
    # change (written so that no intermediate sum can overflow), and the
    # sender's period totals within its limits. A duplicate key fails the
    # whole statement on the unique index, and the caller replays.
    sql = (
        f"WITH{usage_cte} locked AS ("
        " SELECT a.id AS account_id, a.balance_minor, a.held_minor, w.id AS wallet_id, w.status,"
        " cu.kyc_tier, cu.screening_status"
        " FROM account a JOIN wallet w ON w.account_id = a.id JOIN customer cu ON cu.id = w.customer_id"
        f" WHERE a.id = ANY($1::bigint[]){usage_lock} ORDER BY a.id FOR UPDATE OF a, w),"
        " change AS (SELECT * FROM unnest($1::bigint[], $3::bigint[], $20::bigint[], $21::int[])"
        "  AS c(account_id, delta, max_balance, tier)),"
        " ok AS (SELECT COUNT(*) = $2 AND COALESCE(bool_and(l.status = 'ACTIVE'"
        "  AND l.screening_status = 'CLEAR' AND (c.tier < 0 OR l.kyc_tier = c.tier)"
        "  AND c.delta >= l.held_minor - l.balance_minor AND c.delta <= $4::bigint - l.balance_minor"
        "  AND (c.max_balance IS NULL OR c.delta <= 0 OR c.delta <= c.max_balance - l.balance_minor)), true)"
        f"{usage_ok}"
        "  AS passes FROM locked l JOIN change c ON c.account_id = l.account_id),"
        " claimed AS (INSERT INTO idempotency_record (partner_id, key, request_hash, operation, transaction_id, created_at)"
        "  SELECT $7, $8, $9, $10, $11, now() FROM ok WHERE ok.passes),"
        f" moved AS (UPDATE account a SET {move} FROM change c"
        "  WHERE a.id = c.account_id AND (SELECT passes FROM ok)),"
        " posted AS (INSERT INTO ledger_transaction (id, partner_id, kind, status, currency, amount_minor, fee_minor,"
        "  fee_breakdown, from_wallet_id, to_wallet_id, memo, idempotency_key, hold_minor, held_legs, limit_day_key, created_at)"
        f"  SELECT $11, $7, $12, $22, $13, $5, $6, $19::jsonb, $14, $15, $16, {param(checked.transaction_key)}, $23, $24::jsonb,"
        f" {day_key_sql}, now() FROM ok WHERE ok.passes),"
        " entered AS (INSERT INTO ledger_entry (transaction_id, account_id, amount_minor, currency, partner_id, created_at)"
        "  SELECT $11, e.account_id, e.amount, $13, $7, now()"
        f"  FROM unnest($17::bigint[], $18::bigint[]) AS e(account_id, amount), ok WHERE {entries_gate})"
        f"{usage_write}{extra}"
        " SELECT ok.passes, now() AS now, l.wallet_id, l.account_id, l.status, l.balance_minor, l.held_minor,"
        f" l.kyc_tier, l.screening_status{usage_cols}"
        " FROM ok LEFT JOIN locked l ON true"
    )
    return sql, values
