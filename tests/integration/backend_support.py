"""One contract for both posting backends (services.ledger.postgres and services.ledger.sqlite).

Each scenario plans a posting as the engine does (services.ledger.planning),
then hands the plan straight to the backend under test, so that what the
backend itself checks on the locked rows and writes can be observed: a
change made between planning and writing is exactly what it must catch.
The test modules run these on their own backend only.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

import pytest
from tortoise import connections
from tortoise.exceptions import IntegrityError

from auth.principal import Principal
from models import AmlAlert, AuditEvent, Customer, Entry, IdempotencyRecord, LimitUsage, Transaction, Wallet
from models.enums import TransactionKind, TransactionStatus, WalletStatus
from services.audit import Actor, AuditNote
from services.compliance.posting_checks import StaleStanding
from services.compliance.standing import forget_standing
from services.db.sql import fetch
from services.errors import InsufficientFunds, WalletNotActive
from services.ledger.plan import PostingPlan
from services.ledger.planning import plan_posting
from services.ledger.posting import post_top_up, post_transfer, post_withdrawal
from services.ledger.records import TransactionRecord
from services.ledger.request import CheckedRequest, PostingRequest, check_request
from tests.integration.aml_support import new_scene
from tests.integration.service_support import Holder, holder, new_partner

Write = Callable[[Principal, CheckedRequest, PostingPlan, AuditNote | None], Awaitable[TransactionRecord]]
_keys = iter(range(1, 1_000_000))


def transfer_request(source: Holder, target: Holder, amount: str, memo: str | None = None) -> PostingRequest:
    return PostingRequest(
        operation="transferCreate", kind=TransactionKind.TRANSFER, idempotency_key=f"backend-{next(_keys)}",
        amount_text=amount, from_wallet_id=source.wallet_id, to_wallet_id=target.wallet_id, from_field="fromWalletId",
        to_field="toWalletId", memo=memo, requires_from=True, requires_to=True,
    )


def top_up_request(target: Holder, amount: str) -> PostingRequest:
    return PostingRequest(
        operation="walletTopUp", kind=TransactionKind.TOP_UP, idempotency_key=f"backend-{next(_keys)}", amount_text=amount,
        from_wallet_id=None, to_wallet_id=target.wallet_id, from_field="walletId", to_field="walletId", requires_to=True,
    )


async def planned(principal: Principal, req: PostingRequest) -> tuple[CheckedRequest, PostingPlan]:
    checked = check_request(principal, req)
    return checked, await plan_posting(principal, checked)


async def balances(*holders: Holder) -> list[tuple[int, int]]:
    rows = await fetch(connections.get("default"), "SELECT id, balance_minor, held_minor FROM account", [])
    by_id = {int(r["id"]): (int(r["balance_minor"]), int(r["held_minor"])) for r in rows}
    return [by_id[h.account_id] for h in holders]


@dataclass
class Funded:
    principal: Principal
    payer: Holder
    payee: Holder


async def funded(amount: str = "100.00") -> Funded:
    principal = await new_partner("backend")
    payer, payee = await holder(principal), await holder(principal)
    await post_top_up(principal=principal, wallet_id=payer.wallet_id, amount=amount, idempotency_key=f"fund-{next(_keys)}")
    return Funded(principal, payer, payee)


async def nothing_written(f: Funded, checked: CheckedRequest, before: list[tuple[int, int]]) -> None:
    assert not await Transaction.filter(id=checked.transaction_id).exists()
    assert not await IdempotencyRecord.filter(partner_id=f.principal.partner_id, key=checked.key).exists()
    assert await balances(f.payer, f.payee) == before


# Scenarios ------------------------------------------------------------------


async def a_transfer_is_written_as_planned(write: Write) -> None:
    f = await funded()
    checked, plan = await planned(f.principal, transfer_request(f.payer, f.payee, "12.34", memo=" lunch "))
    note = AuditNote(actor=Actor(kind="partner", id=f.principal.subject, partner_id=f.principal.partner_id),
                     operation="transferCreate", request_id="req-backend")
    txn = await write(f.principal, checked, plan, note)
    assert (txn.id, txn.status, txn.kind, txn.amount_minor, txn.fee_minor, txn.memo, txn.idempotency_key) == (
        checked.transaction_id, TransactionStatus.POSTED, TransactionKind.TRANSFER, 1_234, 0, "lunch", checked.req.idempotency_key)
    assert (txn.hold_minor, txn.held_legs, txn.audited) == (0, None, True)
    assert txn.limit_day_key == plan.compliance.outgoing.keys.day  # type: ignore[union-attr]
    stored = await Transaction.get(id=txn.id)
    assert (stored.status, stored.amount_minor, stored.limit_day_key) == (TransactionStatus.POSTED, 1_234, txn.limit_day_key)
    entries = sorted((e.account_id, e.amount_minor) for e in await Entry.filter(transaction_id=txn.id))  # type: ignore[attr-defined]
    assert entries == sorted((leg.account_id, leg.amount_minor) for leg in plan.legs)
    assert await balances(f.payer, f.payee) == [(10_000 - 1_234, 0), (1_234, 0)]
    record = await IdempotencyRecord.get(partner_id=f.principal.partner_id, key=checked.key)
    assert (record.request_hash, record.transaction_id) == (checked.fingerprint, txn.id)  # type: ignore[attr-defined]
    usage = await LimitUsage.get(customer_id=f.payer.customer_id, currency="CNY")
    assert (usage.day_out_minor, usage.lifetime_out_minor, usage.day_key) == (1_234, 1_234, txn.limit_day_key)
    audit = await AuditEvent.get(object_id=str(txn.id))
    assert (audit.operation, audit.outcome, audit.request_id, audit.object_type) == (
        "transferCreate", "OK", "req-backend", "Transaction")


async def a_top_up_counts_no_limit(write: Write) -> None:
    principal = await new_partner("backend")
    payee = await holder(principal)
    checked, plan = await planned(principal, top_up_request(payee, "5.00"))
    txn = await write(principal, checked, plan, None)
    assert (txn.status, txn.limit_day_key, txn.audited, txn.from_wallet_id) == (TransactionStatus.POSTED, None, False, None)
    assert await balances(payee) == [(500, 0)]
    assert not await AuditEvent.filter(object_id=str(txn.id)).exists()


async def money_spent_since_planning_is_not_spent_twice(write: Write) -> None:
    f = await funded()
    checked, plan = await planned(f.principal, transfer_request(f.payer, f.payee, "80.00"))
    await post_withdrawal(principal=f.principal, wallet_id=f.payer.wallet_id, amount="50.00", idempotency_key="meanwhile")
    before = await balances(f.payer, f.payee)
    with pytest.raises(InsufficientFunds) as caught:
        await write(f.principal, checked, plan, None)
    assert caught.value.field == ["fromWalletId"]
    await nothing_written(f, checked, before)


async def a_wallet_frozen_since_planning_moves_nothing(write: Write) -> None:
    f = await funded()
    checked, plan = await planned(f.principal, transfer_request(f.payer, f.payee, "1.00"))
    await Wallet.filter(id=f.payee.wallet_id).update(status=WalletStatus.FROZEN)
    before = await balances(f.payer, f.payee)
    with pytest.raises(WalletNotActive) as caught:
        await write(f.principal, checked, plan, None)
    assert caught.value.field == ["toWalletId"]
    await nothing_written(f, checked, before)


async def a_tier_changed_since_planning_asks_to_plan_again(write: Write) -> None:
    f = await funded()
    checked, plan = await planned(f.principal, transfer_request(f.payer, f.payee, "1.00"))
    await Customer.filter(id=f.payee.customer_id).update(kyc_tier=2)
    before = await balances(f.payer, f.payee)
    try:
        with pytest.raises(StaleStanding):
            await write(f.principal, checked, plan, None)
    finally:
        forget_standing()
    await nothing_written(f, checked, before)


async def a_used_key_fails_on_its_unique_index(write: Write) -> None:
    f = await funded()
    first = await post_transfer(principal=f.principal, from_wallet_id=f.payer.wallet_id, to_wallet_id=f.payee.wallet_id,
                                amount="1.00", idempotency_key="taken")
    checked, plan = await planned(f.principal, replace(transfer_request(f.payer, f.payee, "2.00"), idempotency_key="taken"))
    with pytest.raises(IntegrityError):
        await write(f.principal, checked, plan, None)
    assert await Transaction.filter(partner_id=f.principal.partner_id, idempotency_key="taken").count() == 1
    assert (await IdempotencyRecord.get(partner_id=f.principal.partner_id, key="taken")).transaction_id == first.id  # type: ignore[attr-defined]


async def a_held_posting_reserves_and_writes_no_entries(write: Write) -> None:
    scene = await new_scene("FO")  # LARGE_TRANSACTION at HOLD from 10,000.00 EUR; 1.50 EUR fee per transfer
    payer, payee = await scene.party(fund=["9999.99", "9999.99"]), await scene.party()
    payer_h = Holder(payer.customer_id, payer.wallet_id, payer.account_id)
    payee_h = Holder(payee.customer_id, payee.wallet_id, payee.account_id)
    checked, plan = await planned(scene.principal, transfer_request(payer_h, payee_h, "10000.00"))
    assert plan.compliance.hold
    txn = await write(scene.principal, checked, plan, None)
    assert (txn.status, txn.hold_minor, txn.held_legs) == (TransactionStatus.HELD, 1_000_150, plan.held_legs)
    assert not await Entry.filter(transaction_id=txn.id).exists()
    assert await balances(payer_h, payee_h) == [(1_999_998, 1_000_150), (0, 0)]
    alerts = await AmlAlert.filter(transaction_id=txn.id).values_list("rule", "action", "status")
    assert [tuple(a) for a in alerts] == [("LARGE_TRANSACTION", "HOLD", "OPEN")]


async def velocity_fires_on_the_locked_usage_row(write: Write) -> None:
    scene = await new_scene("GL")  # VELOCITY at ALERT: more than 3 transfers out in an hour
    payer, payee = await scene.party(fund=["1000.00"]), await scene.party()
    for _ in range(3):
        await scene.transfer(payer, payee, "1.00")
    payer_h = Holder(payer.customer_id, payer.wallet_id, payer.account_id)
    payee_h = Holder(payee.customer_id, payee.wallet_id, payee.account_id)
    checked, plan = await planned(scene.principal, transfer_request(payer_h, payee_h, "1.00"))
    assert plan.compliance.velocity is not None and not plan.compliance.hits
    txn = await write(scene.principal, checked, plan, None)
    assert txn.status == TransactionStatus.POSTED
    [alert] = await AmlAlert.filter(transaction_id=txn.id)
    assert (alert.rule, alert.action, alert.details) == ("VELOCITY", "ALERT", {"count": 4, "maxCount": 3, "windowMinutes": 60})
    assert await Entry.filter(transaction_id=txn.id).count() == 4  # amount and fee legs: posted normally


SCENARIOS = [
    a_transfer_is_written_as_planned,
    a_top_up_counts_no_limit,
    money_spent_since_planning_is_not_spent_twice,
    a_wallet_frozen_since_planning_moves_nothing,
    a_tier_changed_since_planning_asks_to_plan_again,
    a_used_key_fails_on_its_unique_index,
    a_held_posting_reserves_and_writes_no_entries,
    velocity_fires_on_the_locked_usage_row,
]
