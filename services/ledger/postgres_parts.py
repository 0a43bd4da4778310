"""The compliance parts of PostgreSQL's posting statement: limit usage, the VELOCITY decision, alerts and events.

Each function appends its parameters through `param` and returns SQL text
for services.ledger.postgres to place. The sender's usage row is the
only row these parts lock; they run only when a customer sends money.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from models.ids import uuid7
from services.compliance.posting_checks import ComplianceCheck

Param = Callable[[Any], str]
# A group's rows to lock first (services.ledger.group_commit): usage rows (customer ids, currencies), wallet accounts.
GroupLock = tuple[list[Any], list[str], list[int]]

USAGE_COLUMNS = (
    "day_key", "day_out_minor", "month_key", "month_out_minor", "year_key", "year_out_minor", "lifetime_out_minor",
)


def saturating_add(total: str) -> str:
    """SQL for total + amount ($5), capped at BIGINT's maximum ($4) so that it cannot overflow."""
    return f"(CASE WHEN {total} > $4::bigint - $5 THEN $4::bigint ELSE {total} + $5 END)"


def usage_parts(check: ComplianceCheck, param: Param, after: str = "") -> dict[str, str]:
    """Lock, check and update the sender's limit usage (limits and the velocity counter); `after`: a condition that
    must be evaluated first (a group's locks, services.ledger.group_commit)."""
    out, keys = check.outgoing, check.outgoing.keys
    cust, day, month, year = param(check.sender_customer_id), param(keys.day), param(keys.month), param(keys.year)
    caps = [param(out.cap(p)) for p in ("daily", "monthly", "annual", "lifetime")]
    # Keys never move backwards (services.compliance.limits.Usage.used): a
    # stored key newer than ours means our posting counts into it.
    used = {
        "day": f"(CASE WHEN u.day_key >= {day} THEN u.day_out_minor ELSE 0 END)",
        "month": f"(CASE WHEN u.month_key >= {month} THEN u.month_out_minor ELSE 0 END)",
        "year": f"(CASE WHEN u.year_key >= {year} THEN u.year_out_minor ELSE 0 END)",
        "life": "u.lifetime_out_minor",
    }
    fits = " AND ".join(f"({cap}::bigint IS NULL OR {expr} <= {cap}::bigint - $5)" for cap, expr in zip(caps, used.values()))
    velocity = check.velocity
    if velocity is not None:
        window = param(int(velocity.window.total_seconds()))
        in_window = f"(u.velocity_window_start IS NOT NULL AND u.velocity_window_start > now() - make_interval(secs => {window}))"
        vel_cte = (
            f" vel AS (SELECT CASE WHEN {in_window} THEN u.velocity_count ELSE 0 END + 1 AS count,"
            f" CASE WHEN {in_window} THEN u.velocity_window_start ELSE now() END AS start FROM usage u),"
        )
        vel_write = ", velocity_count = (SELECT count FROM vel), velocity_window_start = (SELECT start FROM vel)"
    else:
        vel_cte, vel_write = " vel AS (SELECT 0 AS count),", ""
    return {
        # Locked before the wallet accounts (the scalar subquery in `locked`
        # runs before its first row is locked); a posting takes at most one
        # usage row, so the lock order is the same for every posting.
        "cte": f" usage AS (SELECT * FROM limit_usage WHERE customer_id = {cust} AND currency = $13{after} FOR UPDATE),{vel_cte}",
        "lock": " AND (SELECT COUNT(*) FROM usage) >= 0",
        "ok": f" AND (SELECT COUNT(*) = 1 AND COALESCE(bool_and({fits}), false) FROM usage u)",
        # Totals saturate at BIGINT's maximum instead of overflowing: a total
        # that large is above every limit anyway.
        "write": (
            ", used AS (UPDATE limit_usage u SET"
            f" day_out_minor = {saturating_add(used['day'])}, day_key = GREATEST(u.day_key, {day}),"
            f" month_out_minor = {saturating_add(used['month'])}, month_key = GREATEST(u.month_key, {month}),"
            f" year_out_minor = {saturating_add(used['year'])}, year_key = GREATEST(u.year_key, {year}),"
            f" lifetime_out_minor = {saturating_add('u.lifetime_out_minor')}{vel_write}"
            f" WHERE u.customer_id = {cust} AND u.currency = $13 AND (SELECT passes FROM ok))"
        ),
        "cols": ", " + ", ".join(f"(SELECT {c} FROM usage) AS {c}" for c in USAGE_COLUMNS),
        "day_key": f"(SELECT GREATEST(day_key, {day}) FROM usage)",
    }


def group_lock_ctes(lock: GroupLock, param: Param) -> str:
    """`group_usage`, `group_accounts`: lock a group's usage rows, then its wallet accounts in id order (empty lists
    lock nothing). The order of a single posting, which takes its one usage row before its accounts."""
    customers, currencies, accounts = lock
    return (
        " group_usage AS (SELECT 1 FROM limit_usage u JOIN unnest("
        f"{param(customers)}::uuid[], {param(currencies)}::text[]) AS k(customer_id, currency)"
        " ON u.customer_id = k.customer_id AND u.currency = k.currency ORDER BY u.customer_id, u.currency FOR UPDATE OF u),"
        f" group_accounts AS (SELECT 1 FROM account a JOIN wallet w ON w.account_id = a.id WHERE a.id = ANY({param(accounts)}"
        "::bigint[]) AND (SELECT COUNT(*) FROM group_usage) >= 0 ORDER BY a.id FOR UPDATE OF a, w),"
    )


# Evaluated before the first row of the CTE that carries it: the group's locks come first.
AFTER_GROUP_LOCKS = " AND (SELECT COUNT(*) FROM group_accounts) >= 0"


def no_usage_parts() -> dict[str, str]:
    """Top-ups: no customer sends, nothing to count."""
    return {"cte": " vel AS (SELECT 0 AS count),", "lock": "", "ok": "", "write": "", "cols": ", NULL AS day_key",
            "day_key": "NULL"}


def decide_cte(check: ComplianceCheck, param: Param) -> str:
    """`decide`: whether the posting is held (a Python rule said HOLD, or VELOCITY fires with HOLD) and whether VELOCITY fires."""
    velocity = check.velocity
    if velocity is None:
        return f" decide AS (SELECT {param(check.hold)}::boolean AS hold, false AS vel_fires),"
    fires = f"((SELECT count FROM vel) > {param(velocity.max_count)})"
    hold = f"({param(check.hold)}::boolean OR ({param(velocity.action == 'HOLD')}::boolean AND {fires}))"
    return f" decide AS (SELECT {hold} AS hold, {fires} AS vel_fires),"


def alert_and_event_ctes(check: ComplianceCheck, alerts: list[dict[str, Any]], events: list[dict[str, Any]], param: Param) -> str:
    """Insert the alerts of the rules Python decided, VELOCITY's if it fired, and their domain events."""
    # Only the parts this posting can need: a smaller statement plans faster.
    parts = [
        "SELECT x.id, x.customer_id, x.wallet_id, x.rule, x.severity, x.action, x.details"
        f" FROM jsonb_to_recordset({param(json.dumps(alerts))}::jsonb)"
        " AS x(id uuid, customer_id uuid, wallet_id uuid, rule text, severity text, action text, details jsonb)"
    ] if alerts else []
    event_parts = [
        # For the partner: the transaction waits for review (which rule held it is not said).
        "SELECT $7::uuid AS partner_id, 'transaction.held'::text AS type, 'Transaction'::text AS object_type,"
        " $11::text AS object_id, jsonb_build_object('transactionId', $11::text) AS payload, 1 AS n"
        " FROM decide WHERE decide.hold",
    ]
    if events:
        event_parts.append(
            "SELECT CASE WHEN x.internal THEN NULL ELSE $7 END, x.type, x.object_type, x.object_id, x.payload, 2"
            f" FROM jsonb_to_recordset({param(json.dumps(events))}::jsonb)"
            " AS x(type text, object_type text, object_id text, payload jsonb, internal boolean)"
        )
    velocity = check.velocity
    if velocity is not None:
        alert_id = param(str(uuid7()))
        details = (
            f"jsonb_build_object('count', (SELECT count FROM vel), 'maxCount', {param(velocity.max_count)}::int,"
            f" 'windowMinutes', {param(velocity.window_minutes)}::int)"
        )
        parts.append(
            f"SELECT {alert_id}::uuid AS id, {param(check.subject_customer_id)}::uuid AS customer_id,"
            f" {param(check.subject_wallet_id)}::uuid AS wallet_id, 'VELOCITY'::text AS rule,"
            f" {param(velocity.severity)}::text AS severity, {param(velocity.action)}::text AS action, {details} AS details"
            " FROM decide WHERE decide.vel_fires"
        )
        event_parts.append(
            f"SELECT NULL::uuid, 'aml.alert_raised', 'AmlAlert', {alert_id}::text, jsonb_build_object('alertId', {alert_id}::text,"
            f" 'rule', 'VELOCITY', 'severity', {param(velocity.severity)}::text, 'action', {param(velocity.action)}::text,"
            f" 'transactionId', $11::text, 'customerId', {param(str(check.subject_customer_id))}::text, 'partnerId', $7::text), 3"
            " FROM decide WHERE decide.vel_fires"
        )
    alerted = ""
    if parts:
        alerted = (
            ", alerted AS (INSERT INTO aml_alert (id, partner_id, customer_id, wallet_id, transaction_id, rule, severity,"
            " action, status, details, created_at) SELECT a.id, $7, a.customer_id, a.wallet_id, $11, a.rule, a.severity,"
            f" a.action, 'OPEN', a.details, now() FROM ({' UNION ALL '.join(parts)}) a, ok WHERE ok.passes)"
        )
    return alerted + (
        ", announced AS (INSERT INTO domain_event (partner_id, type, object_type, object_id, payload, occurred_at)"
        f" SELECT e.partner_id, e.type, e.object_type, e.object_id, e.payload, now() FROM ({' UNION ALL '.join(event_parts)}) e,"
        " ok WHERE ok.passes ORDER BY e.n)"
    )
