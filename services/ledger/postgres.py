"""The PostgreSQL posting backend: the whole posting in one SQL statement, one round trip.

Every check that needs no balance has run in Python (services.ledger.planning
plans the posting from cached wallet facts). The statement locks the wallet
accounts in id order, re-checks status and funds on the locked rows, and only
if they pass claims the idempotency key and writes balances, transaction,
entries, audit row and the outbox's transaction.posted event. A refusal
writes nothing; Python then names the reason from the locked rows the
statement returns, with the same rules as the SQLite backend.
"""

from __future__ import annotations

import json
from typing import Any

from tortoise import connections

from auth.principal import Principal
from models.enums import TransactionStatus
from services.audit import AuditNote
from services.compliance.alert_rows import alert_events, alert_rows
from services.compliance.posting_checks import StaleStanding, check_locked, forget_usage_rows
from services.db.sql import as_uuid, fetch
from services.ledger.announce import POSTED, posted_payload
from services.ledger.plan import PostingPlan
from services.ledger.postgres_parts import (
    AFTER_GROUP_LOCKS, USAGE_COLUMNS, GroupLock, alert_and_event_ctes, decide_cte, group_lock_ctes, no_usage_parts,
    usage_parts,
)
from services.ledger.records import TransactionRecord
from services.ledger.request import CheckedRequest, PostingRequest
from services.ledger.side_writes import claim_ctes, first_refused, insert_ctes
from services.ledger.rules import check_wallets_can_move, locked_or_missing
from services.money import MAX_MINOR


class VelocityFires(Exception):
    """VELOCITY fires for this posting: run the statement that also writes its alert and events."""


async def post_on_postgres(principal: Principal, checked: CheckedRequest, plan: PostingPlan, audit: AuditNote | None) -> TransactionRecord:
    """Post (or hold) with one statement; raise the same DomainErrors as the SQLite backend.

    The common statement leaves out the alert and event inserts when no rule
    fired before locking (opening those tables costs every posting); if
    VELOCITY then fires on the locked usage row, that statement refuses and
    the one that writes the alert runs instead: a second round trip for the
    rare posting that raises an alert.
    """
    req = checked.req
    for velocity_alert in (False, True):
        sql, values = posting_statement(principal, checked, plan, audit, velocity_alert=velocity_alert)
        rows = await fetch(connections.get("default"), sql, values)
        if rows and rows[0]["passes"]:
            break
        try:
            name_the_refusal(rows, plan, req)
        except VelocityFires:
            continue
    else:
        raise RuntimeError("the posting statement refused twice although VELOCITY's alert was included")
    return passed_record(principal, checked, plan, audit, rows[0])


def passed_record(principal: Principal, checked: CheckedRequest, plan: PostingPlan, audit: AuditNote | None,
                  row: Any) -> TransactionRecord:
    """The transaction a passing statement wrote, from its first returned row (HELD or POSTED as it decided)."""
    req = checked.req
    held = bool(row["hold"])  # a rule decided in Python, or VELOCITY on the locked usage row
    return TransactionRecord(
        id=checked.transaction_id, partner_id=principal.partner_id, kind=req.kind,
        status=TransactionStatus.HELD if held else TransactionStatus.POSTED,
        currency=plan.currency, amount_minor=plan.amount_minor, fee_minor=plan.fee.fee_minor,
        fee_breakdown=plan.breakdown, from_wallet_id=req.from_wallet_id, to_wallet_id=req.to_wallet_id,
        memo=checked.memo, idempotency_key=checked.transaction_key, created_at=row["now"],
        hold_minor=plan.hold_minor if held else 0, held_legs=plan.held_legs if held else None,
        limit_day_key=_day_key(plan, row), buy_amount_minor=plan.buy_amount_minor, buy_currency=plan.buy_currency,
        audited=audit is not None,
    )


def _day_key(plan: PostingPlan, row: dict[str, Any]) -> str | None:
    """The limit day the posting was counted in, as the statement stored it (None when no customer sent)."""
    outgoing = plan.compliance.outgoing
    if outgoing is None:
        return None
    return max(str(row["day_key"] or ""), outgoing.keys.day)


def name_the_refusal(rows: list[dict[str, Any]], plan: PostingPlan, req: PostingRequest) -> None:
    """The statement wrote nothing: raise the rule the locked rows break (same order as the SQLite backend)."""
    refused = first_refused(req.claims, lambda n: bool(rows[0][f"claimed_{n}"])) if rows else None
    if refused is not None:
        raise refused.refusal()  # checked first, as on SQLite
    locked = {
        as_uuid(row["wallet_id"]): plan.facts[as_uuid(row["wallet_id"])].as_locked(
            as_uuid(row["wallet_id"]), row["status"], int(row["balance_minor"]), int(row["held_minor"])
        )
        for row in rows
        if row["wallet_id"] is not None
    }
    standing = [r for r in rows if r["wallet_id"] is not None]
    if _checks_receiver(req) and rows and rows[0]["r_status"] is not None:
        # A DEFERRED merchant's settlement wallet was read, not locked: its status and standing as the statement saw them.
        facts = plan.facts[req.to_wallet_id]  # type: ignore[index]
        locked[req.to_wallet_id] = facts.as_locked(req.to_wallet_id, rows[0]["r_status"])  # type: ignore[index, arg-type]
        standing.append({"account_id": facts.account_id, "screening_status": rows[0]["r_screening"],
                         "kyc_tier": rows[0]["r_tier"], "balance_minor": 0})
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
    check_locked(plan.compliance, standing, usage, plan.deltas, plan.amount_minor, plan.receiving_currency, plan.fields)
    if rows and rows[0]["vel_fires"]:
        raise VelocityFires()
    raise RuntimeError("the posting statement refused a request that passes every rule")


def _checks_receiver(req: PostingRequest) -> bool:
    """Whether the receiving wallet is checked without being locked: a payment into a DEFERRED merchant's clearing
    account (services.merchants.settlement) credits no wallet, so it locks none of the merchant's."""
    return req.clearing_account_id is not None and req.to_wallet_id is not None


def posting_statement(
    principal: Principal, checked: CheckedRequest, plan: PostingPlan, audit: AuditNote | None, *, velocity_alert: bool,
    group_lock: GroupLock | None = None,
) -> tuple[str, list[Any]]:
    """The posting statement's text and parameters ($1..$24 fixed, the rest appended by the parts).

    group_lock: the statement is one of a group's (services.ledger.group_commit) and first locks those rows (empty
    lists for every statement of the group but its first).
    """
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
        json.dumps(plan.breakdown),                         # $19 fee breakdown
        [check.max_balance.get(a) for a in accounts],      # $20 each receiving wallet's maximum balance (NULL: none)
        [check.expected_tier.get(a, -1) for a in accounts],  # $21 each customer's KYC tier as planned
        plan.hold_minor,                                   # $22 reserved on the payer if held
        json.dumps(plan.held_legs),                        # $23 legs to post on release, if held
        checked.transaction_key,                           # $24 the key the transaction shows
    ]

    def param(value: Any) -> str:
        values.append(value)
        return f"${len(values)}"

    # The accounts again, one parameter each: PostgreSQL soon plans this prepared statement once for all
    # parameter values (a generic plan), and guesses `= ANY($1)` at ten rows, for which a seq scan of every
    # wallet and account looked cheaper on a partner of a few thousand wallets (bench/README.md, "Where the
    # posting statement's CPU went"). With the ids listed it expects one row per id and probes the indexes.
    each_account = ", ".join(param(a) for a in accounts)
    group, after_group = "", ""
    if group_lock is not None:
        group, after_group = group_lock_ctes(group_lock, param), AFTER_GROUP_LOCKS
    usage = usage_parts(check, param, after_group) if check.outgoing is not None else no_usage_parts()
    claim = claim_ctes(req.claims, param)
    # What a capture releases of the payer's reservation, per locked account (0 for the others).
    payer_account = plan.facts[req.from_wallet_id].account_id if req.from_wallet_id in plan.facts else None
    release = param([req.release_held_minor if a == payer_account else 0 for a in accounts])
    decide = decide_cte(check, param)
    receiver, receiver_ok, receiver_cols = "", "", ""
    if _checks_receiver(req):
        # Read in the statement's snapshot, not locked: a freeze or a compliance hold committed before it refuses the
        # payment; one committed while it runs comes after it (its money waits in the clearing account).
        receiver = (" receiver AS (SELECT w2.status AS r_status, c2.screening_status AS r_screening, c2.kyc_tier AS r_tier"
                    " FROM wallet w2 JOIN customer c2 ON c2.id = w2.customer_id WHERE w2.id = $15),")
        receiver_ok = " AND (SELECT r_status = 'ACTIVE' AND r_screening = 'CLEAR' FROM receiver)"
        receiver_cols = ", (SELECT r_status FROM receiver) AS r_status, (SELECT r_screening FROM receiver) AS r_screening,"
        receiver_cols += " (SELECT r_tier FROM receiver) AS r_tier"
    extra = ""
    if audit is not None:
        extra += (
            ", audited AS (INSERT INTO audit_event (occurred_at, actor_kind, actor_id, partner_id, operation,"
            f" object_type, object_id, request_id, outcome) SELECT now(), {param(audit.actor.kind)}, {param(audit.actor.id[:128])},"
            f" $7, {param(audit.operation[:64])}, 'Transaction', {param(str(checked.transaction_id))}, {param(audit.request_id)}, 'OK'"
            " FROM ok WHERE ok.passes)"
        )
    # transaction.posted, in this same statement: written exactly when the posting passes and is not held.
    posted = json.dumps(posted_payload(
        transaction_id=checked.transaction_id, kind=req.kind.value, currency=plan.currency, amount_minor=plan.amount_minor,
        fee_minor=plan.fee.fee_minor, from_wallet_id=req.from_wallet_id, to_wallet_id=req.to_wallet_id,
        buy_amount_minor=plan.buy_amount_minor, buy_currency=plan.buy_currency,
    ))
    extra += (
        ", posted_event AS (INSERT INTO domain_event (partner_id, type, object_type, object_id, payload, occurred_at)"
        f" SELECT $7, '{POSTED}', 'Transaction', $11::text, {param(posted)}::jsonb, now() FROM ok, decide d"
        " WHERE ok.passes AND NOT d.hold)"
    )
    # Every single-currency kind keeps its statement exactly as it was: $13 is the currency of the transaction and
    # of every entry. An FX conversion's entries carry each leg's own currency (each balances on its own), and its
    # transaction row records the buy side as well.
    entry_currency, entry_array, entry_column, buy_columns, buy_values = "$13", "", "", "", ""
    if not plan.single_currency:
        entry_currency, entry_column = "e.currency", ", currency"
        entry_array = f", {param([leg.currency for leg in plan.legs])}::text[]"
        buy_columns = ", buy_amount_minor, buy_currency"
        buy_values = f", {param(plan.buy_amount_minor)}::bigint, {param(plan.buy_currency)}::text"
    alerts = alert_rows(check, check.hits)
    writes_alerts = bool(alerts) or check.hold or (check.velocity is not None and velocity_alert)
    if writes_alerts:
        extra += alert_and_event_ctes(check, alerts, alert_events(alerts, checked.transaction_id, partner_id), param)
    # Without the alert inserts, a posting on which VELOCITY fires must not pass (see post_on_postgres).
    velocity_gate = "" if writes_alerts or check.velocity is None else " AND NOT (SELECT vel_fires FROM decide)"
    # A held posting moves no balance: it reserves the payer's debit in
    # held_minor (available = balance - held) and writes no entries until
    # compliance releases it. Either way the funds check is the same.
    # Locks are taken in account-id order as the sorted rows are produced, as in
    # the SQLite backend, so opposite transfers cannot deadlock. The writes run
    # only when the checks on the locked (latest) rows pass: every wallet
    # active, its customer clear of holds and still in the planned tier, none
    # below zero, above BIGINT or above its tier's maximum balance after its
    # change (written so that no intermediate sum can overflow), and the
    # sender's period totals within its limits. A duplicate key fails the
    # whole statement on the unique index, and the caller replays.
    sql = (
        f"WITH{group}{usage['cte']}{claim['cte']}{receiver} locked AS ("
        " SELECT a.id AS account_id, a.balance_minor, a.held_minor, w.id AS wallet_id, w.status,"
        " cu.kyc_tier, cu.screening_status"
        " FROM account a JOIN wallet w ON w.account_id = a.id JOIN customer cu ON cu.id = w.customer_id"
        f" WHERE a.id IN ({each_account}) AND w.account_id IN ({each_account}){usage['lock']}{claim['first']}{after_group}"
        " ORDER BY a.id FOR UPDATE OF a, w),"
        " change AS (SELECT * FROM unnest($1::bigint[], $3::bigint[], $20::bigint[], $21::int[],"
        f" {release}::bigint[]) AS c(account_id, delta, max_balance, tier, release)),"
        f"{decide}"
        " ok AS (SELECT COUNT(*) = $2 AND COALESCE(bool_and(l.status = 'ACTIVE'"
        "  AND l.screening_status = 'CLEAR' AND (c.tier < 0 OR l.kyc_tier = c.tier)"
        "  AND c.delta >= l.held_minor - c.release - l.balance_minor AND c.delta <= $4::bigint - l.balance_minor"
        "  AND (c.max_balance IS NULL OR c.delta <= 0 OR c.delta <= c.max_balance - l.balance_minor)), true)"
        f"{usage['ok']}{velocity_gate}{claim['ok']}{receiver_ok}"
        "  AS passes FROM locked l JOIN change c ON c.account_id = l.account_id),"
        " claimed AS (INSERT INTO idempotency_record (partner_id, key, request_hash, operation, transaction_id, created_at)"
        "  SELECT $7, $8, $9, $10, $11, now() FROM ok WHERE ok.passes),"
        " moved AS (UPDATE account a SET"
        "  balance_minor = a.balance_minor + CASE WHEN d.hold THEN 0 ELSE c.delta END,"
        "  held_minor = a.held_minor - c.release + CASE WHEN d.hold AND c.delta < 0 THEN -c.delta ELSE 0 END"
        f"  FROM change c, decide d WHERE a.id IN ({each_account}) AND a.id = c.account_id AND (SELECT passes FROM ok)),"
        " posted AS (INSERT INTO ledger_transaction (id, partner_id, kind, status, currency, amount_minor, fee_minor,"
        f"  fee_breakdown, from_wallet_id, to_wallet_id, memo, idempotency_key, hold_minor, held_legs, limit_day_key{buy_columns}, created_at)"
        "  SELECT $11, $7, $12, CASE WHEN d.hold THEN 'HELD' ELSE 'POSTED' END, $13, $5, $6, $19::jsonb, $14, $15, $16, $24,"
        "  CASE WHEN d.hold THEN $22::bigint ELSE 0 END, CASE WHEN d.hold THEN $23::jsonb END,"
        f"  {usage['day_key']}{buy_values}, now() FROM ok, decide d WHERE ok.passes),"
        " entered AS (INSERT INTO ledger_entry (transaction_id, account_id, amount_minor, currency, partner_id, created_at)"
        f"  SELECT $11, e.account_id, e.amount, {entry_currency}, $7, now()"
        f"  FROM unnest($17::bigint[], $18::bigint[]{entry_array}) AS e(account_id, amount{entry_column}), ok, decide d"
        " WHERE ok.passes AND NOT d.hold)"
        f"{usage['write']}{extra}{claim['write']}{insert_ctes(req.inserts, param, checked.transaction_id)}"
        # posting_id: which posting a row answers for when several statements' rows come back together
        # (services.ledger.group_commit).
        " SELECT $11 AS posting_id, ok.passes, d.hold, d.vel_fires, now() AS now, l.wallet_id, l.account_id, l.status, l.balance_minor, l.held_minor,"
        f" l.kyc_tier, l.screening_status{usage['cols']}{claim['col']}{receiver_cols}"
        " FROM ok CROSS JOIN decide d LEFT JOIN locked l ON true"
    )
    return sql, values
