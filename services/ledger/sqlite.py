"""The SQLite posting backend: the posting's steps as separate statements in one transaction, in two hand-offs.

Same order and rules as PostgreSQL's single statement (services.ledger.postgres):
claim the key, lock and read the wallets with their customers' standing and
the sender's limit usage, check, then write usage, balances (or the hold),
the transaction, its entries, alerts, events and the audit row.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from auth.principal import Principal
from models import AmlAlert, AuditEvent, DomainEvent, Entry, IdempotencyRecord, Transaction
from models.enums import TransactionStatus
from services.compliance.alert_rows import alert_events, alert_rows, held_event
from services.aml.rules import RuleHit, holds
from services.aml.velocity import next_window, velocity_hit
from services.audit import AuditNote, audit_row
from services.compliance.posting_checks import INSERT_USAGE_ROW, ComplianceCheck, check_locked
from services.db.sql import as_datetime
from services.db.sqlite_steps import Step, model_insert, run_steps, step
from services.ledger.announce import POSTED, posted_payload
from services.ledger.locking import RESERVE_SQL, balance_changes_sql, locked_wallets, wallet_rows_sql
from services.ledger.plan import PostingPlan, standing_accounts
from services.ledger.records import TransactionRecord
from services.db.wallet_rows import LockedWallet
from services.ledger.request import CheckedRequest, PostingRequest
from services.ledger.side_writes import claim_sql_on_sqlite, first_refused, inserts_sql_on_sqlite
from services.ledger.rules import check_wallets_can_move, locked_or_missing
from services.money import MAX_MINOR


_STANDING_ROWS = (
    "SELECT a.id AS account_id, a.balance_minor, c.kyc_tier, c.screening_status FROM account a"
    " JOIN wallet w ON w.account_id = a.id JOIN customer c ON c.id = w.customer_id WHERE a.id IN ({})"
)


def _saturating_add(total: str) -> str:
    """SQL for total + amount, capped at BIGINT's maximum."""
    # total + amount ($6), capped at BIGINT's maximum ($7): SQLite would turn an overflow into a float.
    return f"(CASE WHEN {total} > $7 - $6 THEN $7 ELSE {total} + $6 END)"


USAGE_UPDATE = (
    # Totals of an earlier period restart from zero: the key says which period a total belongs to.
    "UPDATE limit_usage SET"
    # Keys never move backwards (services.compliance.limits.Usage.used); MAX() of two strings is SQLite's GREATEST.
    f" day_out_minor = {_saturating_add('(CASE WHEN day_key >= $3 THEN day_out_minor ELSE 0 END)')}, day_key = MAX(day_key, $3),"
    f" month_out_minor = {_saturating_add('(CASE WHEN month_key >= $4 THEN month_out_minor ELSE 0 END)')}, month_key = MAX(month_key, $4),"
    f" year_out_minor = {_saturating_add('(CASE WHEN year_key >= $5 THEN year_out_minor ELSE 0 END)')}, year_key = MAX(year_key, $5),"
    f" lifetime_out_minor = {_saturating_add('lifetime_out_minor')}"
    " WHERE customer_id = $1 AND currency = $2"
)


class _Reads:
    """The posting's first hand-off: claim the key (and the claimed rows), then read the wallets, their customers'
    standing and the sender's usage row (made sure to exist), as the PostgreSQL statement's lock does."""

    def __init__(self, conn: BaseDBAsyncClient, principal: Principal, checked: CheckedRequest, plan: PostingPlan) -> None:
        req = checked.req
        _, key = model_insert(
            conn, IdempotencyRecord, partner_id=principal.partner_id, key=checked.key, request_hash=checked.fingerprint,
            operation=req.operation, transaction_id=checked.transaction_id,
        )
        self.claims = [step(conn, *claim_sql_on_sqlite(claim)) for claim in req.claims]
        self.wallets = [step(conn, *wallet_rows_sql(partner_id=partner_id, wallet_ids=ids)) for partner_id, ids in _wallets(principal, req)]
        # With a DEFERRED merchant's settlement wallet, checked as PostgreSQL's statement reads it.
        accounts = standing_accounts(plan, req)
        self.standing = step(conn, _STANDING_ROWS.format(", ".join(f"${i + 1}" for i in range(len(accounts)))), accounts)
        sender = plan.compliance.sender_customer_id
        # Inside the posting's transaction, so the row exists whatever this process believed.
        self.usage = ([step(conn, INSERT_USAGE_ROW, [sender, plan.currency]),
                       step(conn, "SELECT * FROM limit_usage WHERE customer_id = $1 AND currency = $2", [sender, plan.currency])]
                      if plan.compliance.outgoing is not None else [])
        self.steps = [key, *self.claims, *self.wallets, self.standing, *self.usage]

    def locked(self) -> dict[uuid.UUID, LockedWallet]:
        """The wallets read, by id."""
        return locked_wallets([row for s in self.wallets for row in s.rows])

    def usage_row(self) -> dict[str, Any] | None:
        """The sender's limit-usage row, or None when no customer sends."""
        return self.usage[1].rows[0] if self.usage else None


def _wallets(principal: Principal, req: PostingRequest) -> list[tuple[uuid.UUID | None, list[uuid.UUID]]]:
    """Which partner's wallets to read: the caller's own, and a wallet of another partner a service named."""
    if req.to_partner_id is None and req.from_partner_id is None:
        return [(principal.partner_id, [w for w in (req.from_wallet_id, req.to_wallet_id) if w is not None])]
    # One writer at a time on SQLite: two reads lock nothing less than one would.
    return [(partner_id or principal.partner_id, [wallet_id])
            for wallet_id, partner_id in ((req.from_wallet_id, req.from_partner_id), (req.to_wallet_id, req.to_partner_id))
            if wallet_id is not None]


async def post_on_sqlite(principal: Principal, checked: CheckedRequest, plan: PostingPlan, audit: AuditNote | None) -> TransactionRecord:
    """Post (or hold) with separate statements inside one database transaction, in two hand-offs to SQLite's thread
    (services.db.sqlite_steps): the reads, then, after the checks, every write."""
    req, transaction_id, check = checked.req, checked.transaction_id, plan.compliance
    async with in_transaction() as conn:
        reads = _Reads(conn, principal, checked, plan)
        await run_steps(conn, reads.steps)
        # Claimed rows first, as on PostgreSQL: a paid request is ALREADY_PAID whatever the balance.
        refused = first_refused(req.claims, lambda n: reads.claims[n].changes == 1)
        if refused is not None:
            raise refused.refusal()
        locked = reads.locked()
        source = locked_or_missing(locked, req.from_wallet_id, req.from_field)
        target = locked_or_missing(locked, req.to_wallet_id, req.to_field)
        check_wallets_can_move(source, target, req, plan.deltas)
        usage = reads.usage_row()
        check_locked(check, reads.standing.rows, usage, plan.deltas, plan.amount_minor, plan.receiving_currency, plan.fields)
        writes: list[Step] = []
        day_key, hits, counted = None, list(check.hits), None
        if check.outgoing is not None:
            assert usage is not None
            keys = check.outgoing.keys
            day_key = max(str(usage["day_key"]), keys.day)
            counted = step(conn, USAGE_UPDATE, [check.sender_customer_id, plan.currency, keys.day, keys.month, keys.year,
                                                plan.amount_minor, MAX_MINOR])
            writes.append(counted)
            velocity, hit = _count_velocity(conn, check, usage, plan.currency)
            writes += velocity
            hits += hit
        # check.hold: a rule decided before locking said HOLD, or the posting waits for its rail (pending_on_rail).
        held = check.hold or holds(hits)
        moved = None
        if held:
            # A held posting moves no balance: it reserves what the payer wallet will pay (available = balance - held).
            if source is not None and plan.hold_minor:
                writes.append(step(conn, RESERVE_SQL, [plan.hold_minor, source.account_id]))
        elif plan.deltas:
            moved = step(conn, *balance_changes_sql(plan.deltas))
            writes.append(moved)
        if req.release_held_minor and source is not None:
            # The authorisation's reservation ends with its capture, in the same transaction (a negative reserve).
            writes.append(step(conn, RESERVE_SQL, [-req.release_held_minor, source.account_id]))
        txn, insert = model_insert(
            conn, Transaction,
            id=transaction_id, partner_id=principal.partner_id, kind=req.kind, currency=plan.currency,
            status=TransactionStatus.HELD if held else TransactionStatus.POSTED,
            amount_minor=plan.amount_minor, fee_minor=plan.fee.fee_minor, fee_breakdown=plan.breakdown,
            from_wallet_id=req.from_wallet_id, to_wallet_id=req.to_wallet_id, memo=checked.memo,
            idempotency_key=checked.transaction_key, hold_minor=plan.hold_minor if held else 0,
            held_legs=plan.held_legs if held else None, limit_day_key=day_key,
            buy_amount_minor=plan.buy_amount_minor, buy_currency=plan.buy_currency,
        )
        writes.append(insert)
        if not held:
            writes += [model_insert(conn, Entry, transaction_id=transaction_id, account_id=leg.account_id,
                                    amount_minor=leg.amount_minor, currency=leg.currency, partner_id=principal.partner_id)[1]
                       for leg in plan.legs]
        writes += _alerts(conn, principal, check, hits, held, transaction_id)
        writes += [step(conn, sql, values)
                   for sql, values in inserts_sql_on_sqlite(req.inserts, held=held, transaction_id=transaction_id)]
        if not held:
            writes.append(model_insert(
                conn, DomainEvent,
                partner_id=principal.partner_id, type=POSTED, object_type="Transaction", object_id=str(transaction_id),
                payload=posted_payload(
                    transaction_id=transaction_id, kind=req.kind.value, currency=plan.currency,
                    amount_minor=plan.amount_minor, fee_minor=plan.fee.fee_minor,
                    from_wallet_id=req.from_wallet_id, to_wallet_id=req.to_wallet_id,
                    buy_amount_minor=plan.buy_amount_minor, buy_currency=plan.buy_currency,
                ),
            )[1])
        if audit is not None:
            # In the posting's own transaction: the audit row commits with the
            # money (or not at all) and shares its commit instead of paying another.
            writes.append(model_insert(conn, AuditEvent, **audit_row(
                actor=audit.actor, operation=audit.operation, outcome="OK", object_type="Transaction",
                object_id=str(transaction_id), request_id=audit.request_id, partner_id=principal.partner_id,
            ))[1])
        await run_steps(conn, writes)
        # A count that does not match raises, and the transaction rolls back: nothing written stays.
        if counted is not None and counted.changes != 1:
            raise RuntimeError("the sender's limit usage row was not updated")
        if moved is not None and moved.changes != len(plan.deltas):
            raise RuntimeError(f"expected to update {len(plan.deltas)} accounts, updated {moved.changes}")
    return TransactionRecord.from_row(txn, audited=audit is not None)  # type: ignore[arg-type]


def _count_velocity(conn: BaseDBAsyncClient, check: ComplianceCheck, usage: dict[str, Any],
                    currency: str) -> tuple[list[Step], list[RuleHit]]:
    """Count this posting in the sender's VELOCITY window (on the read usage row): the update, and the alert's hit if
    it passes the maximum."""
    rule = check.velocity
    if rule is None:
        return [], []
    now = datetime.now(timezone.utc)
    start, count = next_window(rule, as_datetime(usage.get("velocity_window_start")), int(usage.get("velocity_count") or 0), now)
    update = step(
        conn, "UPDATE limit_usage SET velocity_window_start = $1, velocity_count = $2 WHERE customer_id = $3 AND currency = $4",
        [start, count, check.sender_customer_id, currency],
    )
    hit = velocity_hit(rule, count)
    return [update], ([hit] if hit is not None else [])


def _alerts(conn: BaseDBAsyncClient, principal: Principal, check: ComplianceCheck, hits: list[RuleHit], held: bool,
            transaction_id: uuid.UUID) -> list[Step]:
    """The AML alerts the hits raise, then the held posting's event and the alerts' events."""
    alerts = alert_rows(check, hits)
    steps = [
        model_insert(
            conn, AmlAlert, id=alert["id"], partner_id=principal.partner_id, customer_id=alert["customer_id"],
            wallet_id=alert["wallet_id"], transaction_id=transaction_id, rule=alert["rule"],
            severity=alert["severity"], action=alert["action"], status="OPEN",
            details=json.loads(json.dumps(alert["details"])),
        )[1]
        for alert in alerts
    ]
    for event in ([held_event(transaction_id)] if held else []) + alert_events(alerts, transaction_id, principal.partner_id):
        internal = event.pop("internal")
        steps.append(model_insert(conn, DomainEvent, partner_id=None if internal else principal.partner_id, **event)[1])
    return steps
