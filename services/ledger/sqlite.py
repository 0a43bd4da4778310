"""The SQLite posting backend: the posting's steps as separate statements in one transaction.

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
from models import AmlAlert, DomainEvent, Entry, IdempotencyRecord, Transaction
from models.enums import TransactionStatus
from services.compliance.alert_rows import alert_events, alert_rows, held_event
from services.aml.rules import RuleHit, holds
from services.aml.velocity import next_window, velocity_hit
from services.audit import AuditNote, record_event
from services.compliance.posting_checks import INSERT_USAGE_ROW, ComplianceCheck, check_locked
from services.db.sql import as_datetime, execute, fetch
from services.ledger.announce import POSTED, posted_payload
from services.ledger.locking import apply_balance_changes, lock_wallets, reserve
from services.ledger.plan import PostingPlan
from services.ledger.records import TransactionRecord
from services.db.wallet_rows import LockedWallet
from services.ledger.request import CheckedRequest, PostingRequest
from services.ledger.side_writes import claim_on_sqlite, inserts_on_sqlite
from services.ledger.rules import check_wallets_can_move, locked_or_missing
from services.money import MAX_MINOR


async def _standing_rows(conn: BaseDBAsyncClient, account_ids: list[int]) -> list[dict[str, Any]]:
    """Each locked wallet account's balance with its customer's KYC tier and screening status."""
    placeholders = ", ".join(f"${i + 1}" for i in range(len(account_ids)))
    return await fetch(
        conn,
        "SELECT a.id AS account_id, a.balance_minor, c.kyc_tier, c.screening_status FROM account a"
        " JOIN wallet w ON w.account_id = a.id JOIN customer c ON c.id = w.customer_id"
        f" WHERE a.id IN ({placeholders})",
        account_ids,
    )


async def _usage_row(conn: BaseDBAsyncClient, plan: PostingPlan) -> dict[str, Any] | None:
    """The sender's limit-usage row (made sure to exist), or None when no customer sends."""
    check = plan.compliance
    if check.outgoing is None:
        return None
    # Inside the posting's transaction, so the row exists whatever this process believed.
    await execute(conn, INSERT_USAGE_ROW, [check.sender_customer_id, plan.currency])
    rows = await fetch(
        conn, "SELECT * FROM limit_usage WHERE customer_id = $1 AND currency = $2",
        [check.sender_customer_id, plan.currency],
    )
    return rows[0]


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


async def post_on_sqlite(principal: Principal, checked: CheckedRequest, plan: PostingPlan, audit: AuditNote | None) -> TransactionRecord:
    """Post (or hold) with separate statements inside one database transaction."""
    req, transaction_id, check = checked.req, checked.transaction_id, plan.compliance
    async with in_transaction() as conn:
        await IdempotencyRecord.create(
            partner_id=principal.partner_id, key=checked.key, request_hash=checked.fingerprint,
            operation=req.operation, transaction_id=transaction_id, using_db=conn,
        )
        # A claimed row first, as on PostgreSQL: a paid request is ALREADY_PAID whatever the balance.
        await claim_on_sqlite(conn, req.claim)
        locked = await _lock(conn, principal, req)
        source = locked_or_missing(locked, req.from_wallet_id, req.from_field)
        target = locked_or_missing(locked, req.to_wallet_id, req.to_field)
        check_wallets_can_move(source, target, req, plan.deltas)
        standing = await _standing_rows(conn, list(plan.deltas))
        usage = await _usage_row(conn, plan)
        check_locked(check, standing, usage, plan.deltas, plan.amount_minor, plan.receiving_currency, plan.fields)
        day_key, hits = None, list(check.hits)
        if check.outgoing is not None:
            assert usage is not None
            keys = check.outgoing.keys
            day_key = max(str(usage["day_key"]), keys.day)
            counted = await execute(
                conn, USAGE_UPDATE,
                [check.sender_customer_id, plan.currency, keys.day, keys.month, keys.year, plan.amount_minor, MAX_MINOR],
            )
            if counted != 1:
                raise RuntimeError("the sender's limit usage row was not updated")
            hits += await _count_velocity(conn, check, usage, plan.currency)
        # check.hold: a rule decided before locking said HOLD, or the posting waits for its rail (pending_on_rail).
        held = check.hold or holds(hits)
        if held:
            # A held posting moves no balance: it reserves what the payer wallet will pay (available = balance - held).
            if source is not None and plan.hold_minor:
                await reserve(conn, source.account_id, plan.hold_minor)
        else:
            await apply_balance_changes(conn, plan.deltas)
        if req.release_held_minor and source is not None:
            # The authorisation's reservation ends with its capture, in the same transaction.
            await execute(conn, "UPDATE account SET held_minor = held_minor - $1 WHERE id = $2",
                          [req.release_held_minor, source.account_id])
        txn = await Transaction.create(
            id=transaction_id, partner_id=principal.partner_id, kind=req.kind, currency=plan.currency,
            status=TransactionStatus.HELD if held else TransactionStatus.POSTED,
            amount_minor=plan.amount_minor, fee_minor=plan.fee.fee_minor, fee_breakdown=plan.breakdown,
            from_wallet_id=req.from_wallet_id, to_wallet_id=req.to_wallet_id, memo=checked.memo,
            idempotency_key=checked.transaction_key, hold_minor=plan.hold_minor if held else 0,
            held_legs=plan.held_legs if held else None, limit_day_key=day_key,
            buy_amount_minor=plan.buy_amount_minor, buy_currency=plan.buy_currency, using_db=conn,
        )
        if not held:
            await Entry.bulk_create(
                [
                    Entry(transaction_id=transaction_id, account_id=leg.account_id, amount_minor=leg.amount_minor,
                          currency=leg.currency, partner_id=principal.partner_id)
                    for leg in plan.legs
                ],
                using_db=conn,
            )
        await _record_alerts(conn, principal, check, hits, held, transaction_id)
        await inserts_on_sqlite(conn, req.inserts, held=held, transaction_id=transaction_id)
        if not held:
            await DomainEvent.create(
                partner_id=principal.partner_id, type=POSTED, object_type="Transaction", object_id=str(transaction_id),
                payload=posted_payload(
                    transaction_id=transaction_id, kind=req.kind.value, currency=plan.currency,
                    amount_minor=plan.amount_minor, fee_minor=plan.fee.fee_minor,
                    from_wallet_id=req.from_wallet_id, to_wallet_id=req.to_wallet_id,
                    buy_amount_minor=plan.buy_amount_minor, buy_currency=plan.buy_currency,
                ),
                using_db=conn,
            )
        if audit is not None:
            # In the posting's own transaction: the audit row commits with the
            # money (or not at all) and shares its commit instead of paying another.
            await record_event(
                actor=audit.actor, operation=audit.operation, outcome="OK", object_type="Transaction",
                object_id=str(transaction_id), request_id=audit.request_id, partner_id=principal.partner_id,
            )
    return TransactionRecord.from_row(txn, audited=audit is not None)


async def _lock(conn: BaseDBAsyncClient, principal: Principal, req: PostingRequest) -> dict[uuid.UUID, LockedWallet]:
    """Lock and read the request's wallets: the caller's own, and a wallet of another partner a service named."""
    if req.to_partner_id is None and req.from_partner_id is None:
        wallet_ids = [w for w in (req.from_wallet_id, req.to_wallet_id) if w is not None]
        return await lock_wallets(conn, partner_id=principal.partner_id, wallet_ids=wallet_ids)
    # One writer at a time on SQLite: two reads lock nothing less than one would.
    locked: dict[uuid.UUID, LockedWallet] = {}
    for wallet_id, partner_id in ((req.from_wallet_id, req.from_partner_id), (req.to_wallet_id, req.to_partner_id)):
        if wallet_id is not None:
            locked.update(await lock_wallets(conn, partner_id=partner_id or principal.partner_id, wallet_ids=[wallet_id]))
    return locked


async def _count_velocity(conn: BaseDBAsyncClient, check: ComplianceCheck, usage: dict[str, Any], currency: str) -> list[RuleHit]:
    """Count this posting in the sender's VELOCITY window (on the locked usage row); the alert if it passes the maximum."""
    rule = check.velocity
    if rule is None:
        return []
    now = datetime.now(timezone.utc)
    start, count = next_window(rule, as_datetime(usage.get("velocity_window_start")), int(usage.get("velocity_count") or 0), now)
    await execute(
        conn, "UPDATE limit_usage SET velocity_window_start = $1, velocity_count = $2 WHERE customer_id = $3 AND currency = $4",
        [start, count, check.sender_customer_id, currency],
    )
    hit = velocity_hit(rule, count)
    return [hit] if hit is not None else []


async def _record_alerts(
    conn: BaseDBAsyncClient, principal: Principal, check: ComplianceCheck, hits: list[RuleHit], held: bool, transaction_id: uuid.UUID
) -> None:
    alerts = alert_rows(check, hits)
    for alert in alerts:
        await AmlAlert.create(
            id=alert["id"], partner_id=principal.partner_id, customer_id=alert["customer_id"],
            wallet_id=alert["wallet_id"], transaction_id=transaction_id, rule=alert["rule"],
            severity=alert["severity"], action=alert["action"], status="OPEN",
            details=json.loads(json.dumps(alert["details"])), using_db=conn,
        )
    events = ([held_event(transaction_id)] if held else []) + alert_events(alerts, transaction_id, principal.partner_id)
    for event in events:
        internal = event.pop("internal")
        await DomainEvent.create(partner_id=None if internal else principal.partner_id, using_db=conn, **event)
