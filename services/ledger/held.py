"""Deciding a HELD transaction: release posts its held legs, reject ends its reservation and gives limits back.

A transaction held for compliance review (an AML hold) reserved the payer's
debit in `held_minor` and kept the legs it will post. Releasing it is a
posting like any other: the wallet accounts are locked in account-id order
(services.ledger.locking, the posting path's order), re-checked (status,
screening, the receiver's tier and maximum balance) and the legs written,
still balanced. Rejecting it moves no money. Either way the reservation ends
exactly once: the status change HELD → POSTED/REJECTED is the claim.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from models import Entry
from models.enums import ScreeningStatus, WalletStatus
from services.compliance.limits import check_max_balance, tier_limits
from services.compliance.policies import pack_for_country
from services.db.sql import as_uuid, execute, fetch, is_postgres
from services.errors import CaseStateConflict, ComplianceHold, WalletNotActive
from services.events import record_domain_event
from services.ledger.announce import POSTED, posted_payload
from services.ledger.entries import Leg, balanced_legs
from services.ledger.locking import apply_balance_changes, lock_wallet_accounts, reserve
from services.reporting.rollup import forget_day

RELEASE, REJECT = "RELEASE", "REJECT"


async def decide_held_transaction(conn: BaseDBAsyncClient, transaction_id: uuid.UUID, decision: str, *, field: str,
                                  recorded_fact: bool = False,
                                  before_accounts: Callable[[BaseDBAsyncClient], Awaitable[None]] | None = None) -> None:
    """Post (RELEASE) or drop (REJECT) a HELD transaction inside the caller's database transaction.

    recorded_fact: the release records what already happened outside (a rail settled the money), so it posts even
    if a wallet was frozen or its customer held since; a compliance release re-checks them.
    before_accounts: locks the caller's outcome needs, taken where a posting takes its claimed rows: after the
    sender's usage row, before the wallet accounts.
    """
    new_status = "POSTED" if decision == RELEASE else "REJECTED"
    # The conditional update is the claim: of two concurrent decisions on one
    # transaction (through two of its alerts) exactly one finds it HELD.
    claimed = await execute(
        conn, "UPDATE ledger_transaction SET status = $1 WHERE id = $2 AND status = 'HELD'", [new_status, transaction_id]
    )
    if claimed != 1:
        raise CaseStateConflict("the transaction was already decided through another alert", field=[field])
    txn = (await fetch(conn, "SELECT * FROM ledger_transaction WHERE id = $1", [transaction_id]))[0]
    # A cross-currency transfer's held legs name each leg's currency (services.ledger.plan held_legs).
    legs = [Leg(account_id=int(leg[0]), amount_minor=int(leg[1]), currency=str(leg[2] if len(leg) > 2 else txn["currency"]))
            for leg in _json(txn["held_legs"])]
    sender = await _sender_usage_key(conn, txn)
    if decision == REJECT and sender is not None:
        # The posting path's lock order: the sender's usage row, then the
        # wallet accounts. Taking the accounts first would deadlock with a new
        # posting of the same customer.
        lock = " FOR UPDATE" if is_postgres(conn) else ""
        await fetch(conn, f"SELECT id FROM limit_usage WHERE customer_id = $1 AND currency = $2{lock}", list(sender))
    if before_accounts is not None:
        await before_accounts(conn)
    accounts = await lock_wallet_accounts(conn, [leg.account_id for leg in legs])
    payer = _payer_account(txn, accounts)
    if payer is not None and int(txn["hold_minor"]):
        # The reservation ends either way: released funds leave below, rejected ones become available again.
        await reserve(conn, payer, -int(txn["hold_minor"]))
    if decision == RELEASE:
        await _post_held_legs(conn, txn, legs, accounts, field, check_movable=not recorded_fact)
        # The transaction now counts on the day it was made: that day's reports are read from the ledger again
        # until the rollup job rolls it anew (services.reporting.rollup).
        await forget_day(conn, txn["created_at"])
        event = "transaction.released"
    else:
        if sender is not None:
            await _give_back_usage(conn, txn, sender)
        event = "transaction.rejected"
    await record_domain_event(
        type=event, partner_id=as_uuid(txn["partner_id"]), object_type="Transaction", object_id=transaction_id,
        payload={"transactionId": str(transaction_id)}, using_db=conn,  # for the partner: no alert, no rule
    )
    if decision == RELEASE:
        # The money moves now: the same transaction.posted as a posting that was never held.
        await record_domain_event(
            type=POSTED, partner_id=as_uuid(txn["partner_id"]), object_type="Transaction", object_id=transaction_id,
            payload=posted_payload(
                transaction_id=transaction_id, kind=str(txn["kind"]), currency=str(txn["currency"]),
                amount_minor=int(txn["amount_minor"]), fee_minor=int(txn["fee_minor"]),
                from_wallet_id=txn["from_wallet_id"], to_wallet_id=txn["to_wallet_id"],
                buy_amount_minor=txn["buy_amount_minor"], buy_currency=txn["buy_currency"],
            ),
            using_db=conn,
        )


def _json(value: Any) -> Any:
    """A JSON column as Python (asyncpg and SQLite return it as text in raw queries)."""
    return json.loads(value) if isinstance(value, str) else value


def _payer_account(txn: dict[str, Any], accounts: dict[int, dict[str, Any]]) -> int | None:
    """The paying wallet's account among the locked ones (None for a top-up)."""
    for account_id, row in accounts.items():
        if txn["from_wallet_id"] is not None and as_uuid(row["wallet_id"]) == as_uuid(txn["from_wallet_id"]):
            return account_id
    return None


async def _post_held_legs(
    conn: BaseDBAsyncClient, txn: dict[str, Any], legs: list[Leg], accounts: dict[int, dict[str, Any]], field: str,
    *, check_movable: bool = True,
) -> None:
    """Write the held legs now: wallet balances move, the entries are written (they still sum to zero)."""
    balanced_legs(legs)
    changes: dict[int, int] = {}
    for leg in legs:
        row = accounts.get(leg.account_id)
        if row is None:
            continue  # a system account: its balance is the sum of its entries
        if check_movable:
            await _check_still_movable(row, txn, leg.amount_minor, field, currency=leg.currency)
        changes[leg.account_id] = changes.get(leg.account_id, 0) + leg.amount_minor
    await apply_balance_changes(conn, changes)
    await Entry.bulk_create(
        [
            Entry(transaction_id=txn["id"], account_id=leg.account_id, amount_minor=leg.amount_minor, currency=leg.currency,
                  partner_id=txn["partner_id"])
            for leg in legs
        ],
        using_db=conn,
    )


async def _check_still_movable(row: dict[str, Any], txn: dict[str, Any], amount_minor: int, field: str,
                               currency: str | None = None) -> None:
    """A release is a posting, not an exception: the wallet must still be active, clear and within its tier."""
    # A wallet frozen since the hold neither sends nor receives: compliance
    # rejects the transaction, or unfreezes the wallet first.
    if row["status"] != WalletStatus.ACTIVE.value:
        raise WalletNotActive(f"a wallet of this transaction is {str(row['status']).lower()}: reject, or unfreeze it first", field=[field])
    # Nor does money reach or leave a customer held or blocked by screening since.
    if row["screening_status"] != ScreeningStatus.CLEAR.value:
        raise ComplianceHold(
            f"a customer of this transaction is {str(row['screening_status']).lower()} by screening: reject the transaction",
            field=[field],
        )
    if amount_minor > 0:
        # The receiver's tier still caps its balance.
        pack = await pack_for_country(row["country"])
        tier = pack.tier_for(int(row["kyc_tier"]))
        # In the wallet's own currency: a cross-currency transfer's receiver holds the buy currency.
        held_in = currency or str(txn["currency"])
        limits = tier_limits(pack, tier, held_in, field=field)  # KYC_REQUIRED if no longer covered
        check_max_balance(limits.max_balance, held_in, int(row["balance_minor"]) + amount_minor, field=field)


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
