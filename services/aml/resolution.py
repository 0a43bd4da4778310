"""Compliance decisions on AML alerts: release or reject what an alert held, or dismiss an alert-only rule.

A HOLD alert on a transaction decides that transaction: RELEASE posts it
(the reserved funds leave the payer, the entries are written), REJECT undoes
the reservation and gives the sender's limits back; no money moves. A
screening alert decides its customer: RELEASE clears the hold, REJECT
blocks the customer. Every other OPEN alert of the same transaction is
closed with the same decision. The decision, the money and the domain event
commit together; resolving an alert twice is INVALID_STATE.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from auth.principal import Principal
from models import AmlAlert, Entry
from models.enums import ScreeningStatus, WalletStatus
from services.compliance.limits import check_max_balance, tier_limits
from services.compliance.policies import pack_for_country
from services.compliance.standing_channel import announce_standing_changed
from services.errors import CaseStateConflict, ComplianceHold, NotFound, ValidationFailed, WalletNotActive
from services.events import record_domain_event
from services.db.sql import as_uuid, execute, fetch, is_postgres
from services.validation import clean_text

DECISIONS = ("RELEASE", "REJECT", "DISMISS")
_STATUS_OF = {"RELEASE": "RELEASED", "REJECT": "REJECTED", "DISMISS": "DISMISSED"}


def _check_decision(alert: dict[str, Any], decision: str) -> None:
    if decision not in DECISIONS:
        raise ValidationFailed(f"decision is one of {', '.join(DECISIONS)}", field=["decision"])
    if alert["action"] == "HOLD" and decision == "DISMISS":
        raise ValidationFailed("a HOLD alert is decided: RELEASE or REJECT what it held", field=["decision"])
    if alert["action"] != "HOLD" and decision != "DISMISS":
        raise ValidationFailed("an alert-only rule held nothing: DISMISS it", field=["decision"])


async def resolve_alert(*, principal: Principal, alert_id: uuid.UUID, decision: str, reason: str | None) -> AmlAlert:
    """Decide one OPEN alert (staff with aml:review) and whatever it held; return the resolved alert."""
    reason = clean_text(reason, field="reason", max_len=1000)
    assert reason is not None
    standing_changed = False
    async with in_transaction() as conn:
        lock = " FOR UPDATE" if is_postgres(conn) else ""
        if lock:
            # Lock order: the alert's transaction before any of its alerts. A
            # decision closes every OPEN alert of the transaction, so two
            # decisions through two of its alerts, each holding its own alert
            # first, would deadlock; this way the second waits, then finds its
            # alert closed (INVALID_STATE).
            await fetch(
                conn, "SELECT t.id FROM ledger_transaction t JOIN aml_alert a ON a.transaction_id = t.id"
                " WHERE a.id = $1 FOR NO KEY UPDATE OF t", [alert_id],
            )
        rows = await fetch(conn, f"SELECT * FROM aml_alert WHERE id = $1{lock}", [alert_id])
        if not rows:
            raise NotFound("alert not found", field=["alertId"])
        alert = rows[0]
        if alert["status"] != "OPEN":
            raise CaseStateConflict(f"the alert is already {str(alert['status']).lower()}", field=["alertId"])
        _check_decision(alert, decision)
        status, now = _STATUS_OF[decision], datetime.now(timezone.utc)
        closing = [alert_id]
        if alert["transaction_id"] is not None and alert["action"] == "HOLD":
            closing = await _decide_transaction(conn, as_uuid(alert["transaction_id"]), decision, alert_id)
        elif alert["rule"] == "SANCTIONS_SCREENING":
            await _decide_customer(conn, as_uuid(alert["customer_id"]), as_uuid(alert["partner_id"]), decision, alert_id)
            standing_changed = True
        for closed in closing:
            note = reason if closed == alert_id else f"resolved with alert {alert_id}: {reason}"[:1000]
            await execute(
                conn,
                "UPDATE aml_alert SET status = $1, resolved_by = $2, resolution_reason = $3, resolved_at = $4"
                " WHERE id = $5 AND status = 'OPEN'",
                [status, principal.subject[:64], note, now, closed],
            )
    if standing_changed:
        await announce_standing_changed()
    return await AmlAlert.get(id=alert_id)


async def _decide_transaction(conn: BaseDBAsyncClient, transaction_id: uuid.UUID, decision: str, alert_id: uuid.UUID) -> list[uuid.UUID]:
    """Post or drop a HELD transaction; return every OPEN alert of it (closed with this decision)."""
    new_status = "POSTED" if decision == "RELEASE" else "REJECTED"
    # The conditional update is the claim: of two concurrent decisions on one
    # transaction (through two of its alerts) exactly one finds it HELD.
    claimed = await execute(
        conn, "UPDATE ledger_transaction SET status = $1 WHERE id = $2 AND status = 'HELD'", [new_status, transaction_id]
    )
    if claimed != 1:
        raise CaseStateConflict("the transaction was already decided through another alert", field=["alertId"])
    txn = (await fetch(conn, "SELECT * FROM ledger_transaction WHERE id = $1", [transaction_id]))[0]
    legs = [(int(a), int(m)) for a, m in _json(txn["held_legs"])]
    sender = await _sender_usage_key(conn, txn)
    if decision == "REJECT" and sender is not None:
        # The posting path's lock order: the sender's usage row, then the
        # wallet accounts. Taking the accounts first would deadlock with a new
        # posting of the same customer.
        lock = " FOR UPDATE" if is_postgres(conn) else ""
        await fetch(conn, f"SELECT id FROM limit_usage WHERE customer_id = $1 AND currency = $2{lock}", list(sender))
    accounts = await _lock_wallet_accounts(conn, [a for a, _ in legs])
    payer = _payer_account(txn, accounts)
    if payer is not None and int(txn["hold_minor"]):
        # The reservation ends either way: released funds leave below, rejected ones become available again.
        await execute(conn, "UPDATE account SET held_minor = held_minor - $1 WHERE id = $2", [int(txn["hold_minor"]), payer])
    if decision == "RELEASE":
        await _post_held_legs(conn, txn, legs, accounts)
        event = "transaction.released"
    else:
        if sender is not None:
            await _give_back_usage(conn, txn, sender)
        event = "transaction.rejected"
    await record_domain_event(
        type=event, partner_id=as_uuid(txn["partner_id"]), object_type="Transaction", object_id=transaction_id,
        payload={"transactionId": str(transaction_id)}, using_db=conn,  # for the partner: no alert, no rule
    )
    rows = await fetch(conn, "SELECT id FROM aml_alert WHERE transaction_id = $1 AND status = 'OPEN'", [transaction_id])
    return [as_uuid(r["id"]) for r in rows]


def _json(value: Any) -> Any:
    """A JSON column as Python (asyncpg and SQLite return it as text in raw queries)."""
    return json.loads(value) if isinstance(value, str) else value


async def _lock_wallet_accounts(conn: BaseDBAsyncClient, account_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Lock the wallet accounts among the legs in id order (the posting path's order) and read them with their wallet."""
    placeholders = ", ".join(f"${i + 1}" for i in range(len(account_ids)))
    lock = " FOR UPDATE OF a, w" if is_postgres(conn) else ""
    rows = await fetch(
        conn,
        "SELECT a.id AS account_id, a.balance_minor, a.held_minor, w.id AS wallet_id, w.status,"
        " c.screening_status, c.country, c.kyc_tier FROM account a JOIN wallet w ON w.account_id = a.id"
        f" JOIN customer c ON c.id = w.customer_id WHERE a.id IN ({placeholders}) ORDER BY a.id{lock}",
        account_ids,
    )
    return {int(r["account_id"]): r for r in rows}


def _payer_account(txn: dict[str, Any], accounts: dict[int, dict[str, Any]]) -> int | None:
    for account_id, row in accounts.items():
        if txn["from_wallet_id"] is not None and as_uuid(row["wallet_id"]) == as_uuid(txn["from_wallet_id"]):
            return account_id
    return None


async def _post_held_legs(
    conn: BaseDBAsyncClient, txn: dict[str, Any], legs: list[tuple[int, int]], accounts: dict[int, dict[str, Any]]
) -> None:
    """Write the held legs now: wallet balances move, the entries are written (they still sum to zero)."""
    if sum(amount for _, amount in legs) != 0:
        raise RuntimeError(f"held legs of transaction {txn['id']} do not balance")
    for account_id, amount in legs:
        row = accounts.get(account_id)
        if row is None:
            continue  # a system account: its balance is the sum of its entries
        # A wallet frozen since the hold neither sends nor receives: compliance
        # rejects the transaction, or unfreezes the wallet first.
        if row["status"] != WalletStatus.ACTIVE.value:
            raise WalletNotActive(f"a wallet of this transaction is {str(row['status']).lower()}: reject, or unfreeze it first", field=["alertId"])
        # Nor does money reach or leave a customer held or blocked by screening since.
        if row["screening_status"] != ScreeningStatus.CLEAR.value:
            raise ComplianceHold(
                f"a customer of this transaction is {str(row['screening_status']).lower()} by screening: reject the transaction",
                field=["alertId"],
            )
        if amount > 0:
            # The receiver's tier still caps its balance: a release is a posting, not an exception to the limits.
            pack = await pack_for_country(row["country"])
            tier = pack.tier_for(int(row["kyc_tier"]))
            limits = tier_limits(pack, tier, txn["currency"], field="alertId")  # KYC_REQUIRED if no longer covered
            check_max_balance(limits.max_balance, txn["currency"], int(row["balance_minor"]) + amount, field="alertId")
        await execute(conn, "UPDATE account SET balance_minor = balance_minor + $1 WHERE id = $2", [amount, account_id])
    await Entry.bulk_create(
        [
            Entry(transaction_id=txn["id"], account_id=account_id, amount_minor=amount, currency=txn["currency"],
                  partner_id=txn["partner_id"])
            for account_id, amount in legs
        ],
        using_db=conn,
    )


async def _sender_usage_key(conn: BaseDBAsyncClient, txn: dict[str, Any]) -> tuple[uuid.UUID, str] | None:
    """(customer, currency) of the usage row an outgoing transaction was counted in; None for a top-up."""
    if txn["from_wallet_id"] is None:
        return None
    rows = await fetch(conn, "SELECT customer_id FROM wallet WHERE id = $1", [txn["from_wallet_id"]])
    return as_uuid(rows[0]["customer_id"]), str(txn["currency"])


async def _give_back_usage(conn: BaseDBAsyncClient, txn: dict[str, Any], sender: tuple[uuid.UUID, str]) -> None:
    """A rejected transaction no longer counts against the sender's limits, in exactly the periods it was counted in."""
    day = txn["limit_day_key"]
    if day is None:
        return  # it was never counted (no limits applied to it)
    amount = int(txn["amount_minor"])

    def less(column: str) -> str:
        # Never below zero: a total can only have been reset (a new period) since.
        return f"CASE WHEN {column} > $6 THEN {column} - $6 ELSE 0 END"

    await execute(
        conn,
        "UPDATE limit_usage SET"
        f" day_out_minor = CASE WHEN day_key = $3 THEN {less('day_out_minor')} ELSE day_out_minor END,"
        f" month_out_minor = CASE WHEN month_key = $4 THEN {less('month_out_minor')} ELSE month_out_minor END,"
        f" year_out_minor = CASE WHEN year_key = $5 THEN {less('year_out_minor')} ELSE year_out_minor END,"
        f" lifetime_out_minor = {less('lifetime_out_minor')}"
        " WHERE customer_id = $1 AND currency = $2",
        [sender[0], sender[1], day, day[:7], day[:4], amount],
    )


async def _decide_customer(conn: BaseDBAsyncClient, customer_id: uuid.UUID, partner_id: uuid.UUID, decision: str, alert_id: uuid.UUID) -> None:
    """A screening hit confirmed blocks the customer; a false positive clears the hold once no other hit is open.

    A BLOCKED customer stays blocked: releasing one alert never undoes a
    match confirmed through another.
    """
    lock = " FOR UPDATE" if is_postgres(conn) else ""
    current = (await fetch(conn, f"SELECT screening_status FROM customer WHERE id = $1{lock}", [customer_id]))[0]["screening_status"]
    if decision == "RELEASE":
        others = await fetch(
            conn, "SELECT COUNT(*) AS n FROM aml_alert WHERE customer_id = $1 AND rule = 'SANCTIONS_SCREENING'"
            " AND status = 'OPEN' AND id <> $2", [customer_id, alert_id],
        )
        if current == ScreeningStatus.BLOCKED.value or int(others[0]["n"]) > 0:
            return  # the alert closes; the customer's standing does not change
        status = ScreeningStatus.CLEAR
    else:
        status = ScreeningStatus.BLOCKED
    await execute(conn, "UPDATE customer SET screening_status = $1 WHERE id = $2", [status.value, customer_id])
    await record_domain_event(
        type="customer.released" if decision == "RELEASE" else "customer.blocked", partner_id=partner_id,
        object_type="Customer", object_id=customer_id, payload={"customerId": str(customer_id)},
        using_db=conn,
    )
