"""Deferred merchant settlement (issue 13, services.merchants.settlement): a DEFERRED merchant's payments credit its
clearing account, never its settlement wallet's row; settlements move what they cleared into the wallet, once.

Both databases; the races (payers and settlements at once) are in test_pg_merchant_settlement.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from tortoise import connections

from models import Account, Merchant, MerchantSettlement, Payment, Transaction, Wallet
from models.enums import AccountKind, SettlementTiming
from services.db.sql import execute, fetch
from services.errors import ComplianceHold, MerchantNotActive, TransactionNotReversible, WalletNotActive
from services import clock
from services.fees.schedule import create_rule
from services.ledger.posting import post_top_up
from services.ledger.verify import verify_ledger
from services.merchants import settlement
from services.merchants.clearing import clearing_account
from services.merchants.settlement import settle, settle_due, unsettled_minor
from services.payment_codes.collecting import collect
from services.payment_codes.issuing import issue_code
from services.payment_requests.creation import create_payment_request
from services.payments import paying
from services.payments.authorizations import authorize, capture
from services.payments.paying import pay
from services.payments.refunds import refund
from tests.factories import next_id
from services.ledger.reversal import reverse_transaction
from tests.integration.aml_support import alerts, new_scene, resolve
from tests.integration.merchant_support import business, merchant_of, staff
from tests.integration.service_support import holder, new_partner


async def _balance(wallet_id) -> int:  # type: ignore[no-untyped-def]
    wallet = await Wallet.get(id=wallet_id).prefetch_related("account")
    return int(wallet.account.balance_minor)  # type: ignore[attr-defined]


async def _world(timing: SettlementTiming = SettlementTiming.DEFERRED, payers: int = 1):  # type: ignore[no-untyped-def]
    """A shop partner's merchant (of the timing) with a multi-use code of 10.00, and funded payers of another partner."""
    shop, bank = await new_partner("settle-shop"), await new_partner("settle-bank")
    merchant = await merchant_of(shop, settlement=timing)
    code = await create_payment_request(principal=shop, merchant_id=merchant.id, amount="10.00", single_use=False)
    wallets = []
    for _ in range(payers):
        payer = await holder(bank)
        await post_top_up(principal=bank, wallet_id=payer.wallet_id, amount="500.00", idempotency_key=next_id("fund"))
        wallets.append(payer.wallet_id)
    return shop, bank, merchant, code.payload, wallets


async def _pay(bank, payload, wallet_id):  # type: ignore[no-untyped-def]
    return await pay(principal=bank, from_wallet_id=wallet_id, qr_payload=payload, amount=None,
                     idempotency_key=next_id("pay"))


async def _ok() -> None:
    report = await verify_ledger()
    assert report.ok, report.problems


async def test_a_deferred_merchant_gets_a_clearing_account_an_immediate_one_none(database_url):
    _, _, deferred, _, _ = await _world()
    _, _, immediate, _, _ = await _world(SettlementTiming.IMMEDIATE)
    row = await Merchant.get(id=deferred.id)
    assert deferred.settlement is SettlementTiming.DEFERRED and row.clearing_account_id is not None
    clearing = await Account.get(id=row.clearing_account_id)
    assert clearing.kind is AccountKind.MERCHANT_CLEARING and not clearing.tracks_balance
    assert clearing.partner_id == row.partner_id and clearing.currency == "CNY"  # type: ignore[attr-defined]
    assert (await Merchant.get(id=immediate.id)).clearing_account_id is None
    assert immediate.settlement is SettlementTiming.IMMEDIATE


async def test_payments_clear_and_a_settlement_moves_them_into_the_wallet_once(database_url):
    _, bank, merchant, payload, (payer,) = await _world()
    before = await _balance(merchant.settlement_wallet_id)
    first, second = await _pay(bank, payload, payer), await _pay(bank, payload, payer)
    # The settlement wallet is untouched; the clearing account holds both payments; the payer paid.
    assert await _balance(merchant.settlement_wallet_id) == before
    assert await unsettled_minor(merchant.id) == 2000
    assert await _balance(payer) == 50000 - 2000
    rows = await Payment.filter(id__in=[first.id, second.id])
    assert all(r.clearing and r.settlement_id is None for r in rows)  # type: ignore[attr-defined]
    await _ok()

    done = await settle(merchant.id)
    assert (done.settlements, done.payments, done.amount_minor) == (1, 2, 2000)
    assert await _balance(merchant.settlement_wallet_id) == before + 2000
    assert await unsettled_minor(merchant.id) == 0
    batch = await MerchantSettlement.get(merchant_id=merchant.id)
    assert (batch.status, batch.amount_minor, batch.payment_count) == ("POSTED", 2000, 2)
    txn = await Transaction.get(id=batch.transaction_id)  # type: ignore[attr-defined]
    assert txn.kind.value == "MERCHANT_SETTLEMENT" and txn.amount_minor == 2000 and txn.fee_minor == 0
    assert {r.settlement_id for r in await Payment.filter(id__in=[first.id, second.id])} == {batch.id}  # type: ignore[attr-defined]
    # Again: nothing left to move, nothing moves.
    assert await settle(merchant.id) == settlement.Settled(0, 0, 0)
    assert await _balance(merchant.settlement_wallet_id) == before + 2000
    await _ok()


async def test_an_immediate_merchant_is_paid_in_the_payment_and_has_nothing_to_settle(database_url):
    _, bank, merchant, payload, (payer,) = await _world(SettlementTiming.IMMEDIATE)
    before = await _balance(merchant.settlement_wallet_id)
    paid = await _pay(bank, payload, payer)
    assert await _balance(merchant.settlement_wallet_id) == before + 1000
    assert not (await Payment.get(id=paid.id)).clearing
    assert await settle(merchant.id) == settlement.Settled(0, 0, 0)
    await _ok()


async def test_the_merchant_fee_is_paid_out_of_the_clearing_account(database_url):
    shop, bank, merchant, payload, (payer,) = await _world()
    await create_rule(terms={"kind": "PAYMENT", "payer": "RECEIVER", "partner_id": shop.partner_id, "currency": "CNY",
                             "fixed_minor": 30, "effective_from": clock.now() - timedelta(seconds=1)}, created_by="test")
    await _pay(bank, payload, payer)
    assert await unsettled_minor(merchant.id) == 1000 - 30
    await _ok()
    done = await settle(merchant.id)
    assert done.amount_minor == 970
    await _ok()


async def test_a_settlement_left_open_by_a_crash_is_posted_by_the_next(database_url, monkeypatch):
    _, bank, merchant, payload, (payer,) = await _world()
    before = await _balance(merchant.settlement_wallet_id)
    await _pay(bank, payload, payer)

    async def crash(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("the process died after taking the payments")

    monkeypatch.setattr(settlement, "_post", crash)
    with pytest.raises(RuntimeError):
        await settle(merchant.id)
    monkeypatch.undo()
    (open_row,) = await MerchantSettlement.filter(merchant_id=merchant.id)
    assert (open_row.status, open_row.amount_minor) == ("OPEN", 1000)
    await _ok()  # the money is still in the clearing account, owed by an OPEN settlement
    await _pay(bank, payload, payer)  # a payment made meanwhile is left for a new batch
    done = await settle(merchant.id)
    assert (done.settlements, done.payments, done.amount_minor) == (2, 2, 2000)
    assert await _balance(merchant.settlement_wallet_id) == before + 2000
    assert await MerchantSettlement.filter(merchant_id=merchant.id, status="POSTED").count() == 2
    await _ok()


async def test_posting_an_open_settlement_twice_moves_its_money_once(database_url):
    _, bank, merchant, payload, (payer,) = await _world()
    before = await _balance(merchant.settlement_wallet_id)
    await _pay(bank, payload, payer)
    row = await settlement._take(await Merchant.get(id=merchant.id))
    assert row is not None
    m = await Merchant.get(id=merchant.id)
    await settlement._post(m, row)
    await settlement._post(m, row)  # a second settle that read it OPEN too: its key replays, its claim is taken
    assert await _balance(merchant.settlement_wallet_id) == before + 1000
    assert await Transaction.filter(kind="MERCHANT_SETTLEMENT", to_wallet_id=merchant.settlement_wallet_id).count() == 1
    await _ok()


async def test_a_refund_of_a_cleared_payment_settles_first_then_the_wallet_pays_it(database_url):
    shop, bank, merchant, payload, (payer,) = await _world()
    paid = await _pay(bank, payload, payer)
    before = await _balance(merchant.settlement_wallet_id)  # the settlement wallet never held this money yet
    back = await refund(principal=shop, payment_id=paid.id, amount="4.00", reason="partial", idempotency_key=next_id("r"))
    assert back.amount_minor == 400
    assert await _balance(merchant.settlement_wallet_id) == before + 1000 - 400
    assert await unsettled_minor(merchant.id) == 0
    assert await _balance(payer) == 50000 - 1000 + 400
    await _ok()


async def _remembered(monkeypatch, bank, payload) -> None:  # type: ignore[no-untyped-def]
    """The code's next check answers as it did before the change under test (a code this process remembers, as a
    served worker does): the posting's own check of the settlement wallet is then what refuses. The refused
    payment's fresh check after it is the real one."""
    stale = await paying.checked_request(principal=bank, payload=payload)
    real = paying.checked_request
    calls = []

    async def once_stale(**kwargs):  # type: ignore[no-untyped-def]
        calls.append(kwargs)
        return stale if len(calls) == 1 else await real(**kwargs)

    monkeypatch.setattr(paying, "checked_request", once_stale)


async def test_a_frozen_settlement_wallet_refuses_payments_and_its_settlement_waits(database_url, monkeypatch):
    _, bank, merchant, payload, (payer,) = await _world()
    await _pay(bank, payload, payer)
    conn = connections.get("default")
    await _remembered(monkeypatch, bank, payload)
    await execute(conn, "UPDATE wallet SET status = 'FROZEN' WHERE id = $1", [merchant.settlement_wallet_id])
    with pytest.raises(MerchantNotActive):  # the posting refused; the fresh check names why
        await _pay(bank, payload, payer)
    monkeypatch.undo()
    assert await _balance(payer) == 50000 - 1000  # the refused payment moved nothing
    with pytest.raises(WalletNotActive):
        await settle(merchant.id)
    assert await unsettled_minor(merchant.id) == 1000  # waiting in the clearing account, owed by an OPEN settlement
    await settle_due()  # the worker's job goes on past it (other merchants settle; this one's money waits)
    assert await unsettled_minor(merchant.id) == 1000
    await _ok()
    await execute(conn, "UPDATE wallet SET status = 'ACTIVE' WHERE id = $1", [merchant.settlement_wallet_id])
    assert (await settle(merchant.id)).amount_minor == 1000
    assert await unsettled_minor(merchant.id) == 0
    await _ok()


async def test_a_held_merchant_customer_refuses_deferred_payments(database_url, monkeypatch):
    _, bank, merchant, payload, (payer,) = await _world()
    await _pay(bank, payload, payer)
    conn = connections.get("default")
    await _remembered(monkeypatch, bank, payload)
    await execute(conn, "UPDATE customer SET screening_status = 'POTENTIAL_MATCH' WHERE id = $1", [merchant.customer_id])
    with pytest.raises(ComplianceHold):  # named on the settlement wallet's customer as the statement read it
        await _pay(bank, payload, payer)
    monkeypatch.undo()
    assert await _balance(payer) == 50000 - 1000
    await execute(conn, "UPDATE customer SET screening_status = 'CLEAR' WHERE id = $1", [merchant.customer_id])
    await _ok()


async def test_settle_due_settles_every_deferred_merchant_with_cleared_payments(database_url):
    _, bank, first, payload, (payer,) = await _world()
    _, bank2, second, payload2, (payer2,) = await _world()
    await _pay(bank, payload, payer)
    await _pay(bank2, payload2, payer2)
    await _pay(bank2, payload2, payer2)
    done = await settle_due()
    assert done.payments >= 3 and done.amount_minor >= 3000
    assert await unsettled_minor(first.id) == 0 and await unsettled_minor(second.id) == 0
    rows = await fetch(connections.get("default"), "SELECT COUNT(*) AS n FROM payment WHERE clearing AND settlement_id IS NULL", [])
    assert int(rows[0]["n"]) == 0
    await _ok()


async def test_verify_names_a_clearing_account_that_holds_what_no_payment_owes(database_url):
    _, bank, merchant, payload, (payer,) = await _world()
    paid = await _pay(bank, payload, payer)
    await settle(merchant.id)
    await _ok()
    # A payment marked unsettled again although its settlement moved it: the clearing account no longer holds it.
    conn = connections.get("default")
    await execute(conn, "UPDATE payment SET settlement_id = NULL WHERE id = $1", [paid.id])
    problems = (await verify_ledger()).problems
    assert any("clearing account holds 0" in p and str(merchant.id) in p for p in problems), problems
    assert any(f"merchant {merchant.id}" in p and "moved 1000 out of the clearing account, not its" not in p
               for p in problems)
    row = await MerchantSettlement.get(merchant_id=merchant.id)
    await execute(conn, "UPDATE payment SET settlement_id = $1 WHERE id = $2", [row.id, paid.id])
    await execute(conn, "UPDATE merchant_settlement SET amount_minor = 999 WHERE id = $1", [row.id])
    problems = (await verify_ledger()).problems
    assert any(f"settlement {row.id}" in p and "moved 1000 out of the clearing account, not its 999" in p
               for p in problems), problems
    await execute(conn, "UPDATE merchant_settlement SET amount_minor = 1000 WHERE id = $1", [row.id])
    await _ok()



@pytest.mark.parametrize("settled_first", [False, True])
async def test_a_reversed_deferred_payment_is_given_back_from_the_settlement_wallet(database_url, settled_first):
    _, bank, merchant, payload, (payer,) = await _world()
    kept = await _pay(bank, payload, payer)
    paid = await _pay(bank, payload, payer)
    if settled_first:
        await settle(merchant.id)
    reversal = await reverse_transaction(principal=staff("admin"), transaction_id=paid.transaction_id, reason="mistake")
    assert reversal.kind.value == "REVERSAL"
    # Both payments reached the settlement wallet (the reversal settled first); the reversed one came back from it.
    assert await _balance(merchant.settlement_wallet_id) == 1000
    assert await unsettled_minor(merchant.id) == 0
    assert await _balance(payer) == 50000 - 1000
    assert (await Payment.get(id=kept.id)).settlement_id is not None  # type: ignore[attr-defined]
    await _ok()


async def test_a_merchant_settlement_is_not_reversible(database_url):
    _, bank, merchant, payload, (payer,) = await _world()
    await _pay(bank, payload, payer)
    await settle(merchant.id)
    row = await MerchantSettlement.get(merchant_id=merchant.id)
    with pytest.raises(TransactionNotReversible):
        await reverse_transaction(principal=staff("admin"), transaction_id=row.transaction_id, reason="mistake")
    await _ok()


async def test_a_held_deferred_payment_joins_a_settlement_only_once_released(database_url):
    scene = await new_scene("FO")
    payer = await scene.party(fund=["9999.99", "9999.99"])
    merchant = await merchant_of(scene.principal, await business(scene.principal, currency="EUR"),
                                 settlement=SettlementTiming.DEFERRED)
    request = await create_payment_request(principal=scene.principal, merchant_id=merchant.id, amount="10000.00",
                                           single_use=True)
    held = await pay(principal=scene.principal, from_wallet_id=payer.wallet_id, qr_payload=request.payload,
                     amount=None, idempotency_key=next_id("held"))
    assert held.status.value == "HELD"
    assert await settle(merchant.id) == settlement.Settled(0, 0, 0)  # nothing cleared yet: nothing taken
    assert (await Payment.get(id=held.id)).settlement_id is None  # type: ignore[attr-defined]
    await _ok()
    await resolve((await alerts(scene))[0]["id"], "RELEASE")
    assert await unsettled_minor(merchant.id) == 1_000_000
    done = await settle(merchant.id)
    assert (done.payments, done.amount_minor) == (1, 1_000_000)
    assert await _balance(merchant.settlement_wallet_id) == 1_000_000
    await _ok()


async def test_a_dry_run_payment_to_a_deferred_merchant_answers_and_writes_nothing(database_url):
    _, bank, merchant, payload, (payer,) = await _world()
    rehearsed = await pay(principal=bank, from_wallet_id=payer, qr_payload=payload, amount=None,
                          idempotency_key=next_id("dry"), dry_run=True)
    assert rehearsed.dry_run and rehearsed.amount_minor == 1000
    assert await unsettled_minor(merchant.id) == 0 and await _balance(payer) == 50000
    assert not await Payment.filter(merchant_id=merchant.id).exists()
    conn = connections.get("default")
    await execute(conn, "UPDATE wallet SET status = 'FROZEN' WHERE id = $1", [merchant.settlement_wallet_id])
    with pytest.raises(MerchantNotActive):  # checked as the posting would check it
        await pay(principal=bank, from_wallet_id=payer, qr_payload=payload, amount=None,
                  idempotency_key=next_id("dry"), dry_run=True)
    await execute(conn, "UPDATE wallet SET status = 'ACTIVE' WHERE id = $1", [merchant.settlement_wallet_id])


async def test_a_collected_payment_code_clears_for_a_deferred_merchant(database_url):
    shop, bank, merchant, _, (payer,) = await _world()
    row = await Merchant.get(id=merchant.id)
    assert clearing_account(row) == row.clearing_account_id is not None
    issued = await issue_code(principal=bank, wallet_id=payer, max_amount="50.00")
    paid = await collect(principal=shop, merchant_id=merchant.id, code=issued.code, amount="12.34",
                         idempotency_key=next_id("collect"))
    # Paid into the clearing account, like a scanned code: the settlement wallet waits for the settlement.
    assert (await Payment.get(id=paid.id)).clearing
    assert await _balance(merchant.settlement_wallet_id) == 0 and await unsettled_minor(merchant.id) == 1234
    assert await _balance(payer) == 50000 - 1234
    await _ok()
    refunded = await refund(principal=shop, payment_id=paid.id, amount="2.34", reason="one item back",
                            idempotency_key=next_id("refund"))
    assert refunded.amount_minor == 234
    # The refund settled the payment first, then the settlement wallet paid it back.
    assert await unsettled_minor(merchant.id) == 0 and await _balance(merchant.settlement_wallet_id) == 1000
    assert await _balance(payer) == 50000 - 1000
    await _ok()


async def test_captures_clear_for_a_deferred_merchant_and_release_the_hold(database_url):
    shop, bank, merchant, _, (payer,) = await _world()
    auth = await authorize(principal=bank, wallet_id=payer, merchant_id=merchant.id, amount="30.00",
                           expires_at=clock.now() + timedelta(hours=1), idempotency_key=next_id("auth"))
    first = await capture(principal=shop, authorization_id=auth.id, amount="10.00", final=False,
                          idempotency_key=next_id("cap"))
    last = await capture(principal=shop, authorization_id=auth.id, amount="5.00", final=True,
                         idempotency_key=next_id("cap"))
    assert all(p.clearing for p in await Payment.filter(id__in=[first.id, last.id]))
    assert await _balance(merchant.settlement_wallet_id) == 0 and await unsettled_minor(merchant.id) == 1500
    account = await Account.get(id=(await Wallet.get(id=payer)).account_id)  # type: ignore[attr-defined]
    # The payer paid 15.00; the final capture freed the 15.00 still reserved.
    assert (account.balance_minor, account.held_minor) == (50000 - 1500, 0)
    await _ok()
    done = await settle(merchant.id)
    assert (done.payments, done.amount_minor) == (2, 1500)
    assert await _balance(merchant.settlement_wallet_id) == 1500
    await reverse_transaction(principal=staff("admin"), transaction_id=last.transaction_id, reason="mistake")
    assert await _balance(merchant.settlement_wallet_id) == 1000 and await _balance(payer) == 50000 - 1000
    await _ok()
