"""Regressions found in review of the compliance posting path: each test failed before its fix."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

import pytest
from tortoise import connections

from auth.principal import Principal
from auth.scopes import PARTNER_SCOPES
from models import AmlAlert, Customer, LimitUsage
from services.ledger import held as resolution
from services.errors import NotFound
from services import clock
from services.ledger import posting as posting_module
from services.db.sql import execute
from services.ledger.verify import verify_ledger
from tests.conftest import requires_postgres
from tests.integration.aml_support import new_scene, open_alerts, resolve


@requires_postgres
async def test_rejecting_a_hold_does_not_deadlock_with_a_new_posting_of_the_same_customer(database_url, monkeypatch):
    scene = await new_scene("FO")  # LARGE_TRANSACTION holds at 10,000 EUR
    payer = await scene.party(fund=["9000", "9000", "9000"])
    payee = await scene.party()
    held = await scene.transfer(payer, payee, "10000")
    assert held.status.value == "HELD"
    [alert] = await open_alerts(scene)
    original = resolution._give_back_usage

    async def slow(*args):
        await asyncio.sleep(0.6)  # the reject holds its locks while the posting arrives
        return await original(*args)

    monkeypatch.setattr(resolution, "_give_back_usage", slow)

    async def post_meanwhile():
        await asyncio.sleep(0.2)
        return await scene.transfer(payer, payee, "5")

    rejected, posted = await asyncio.gather(resolve(alert["id"], "REJECT"), post_meanwhile(), return_exceptions=True)
    assert not isinstance(rejected, Exception) and rejected.status == "REJECTED", rejected
    assert not isinstance(posted, Exception) and posted.status.value == "POSTED", posted
    assert (await verify_ledger()).ok


async def test_a_posting_planned_before_midnight_counts_into_the_new_day_it_runs_in(database_url, monkeypatch):
    scene = await new_scene("GL")  # generous limits, UTC
    payer = await scene.party(fund=["500"])
    payee = await scene.party()
    planned = iter([
        datetime(2031, 1, 1, 0, 0, 1, tzinfo=timezone.utc),      # planned after midnight
        datetime(2030, 12, 31, 23, 59, 59, tzinfo=timezone.utc),  # planned before midnight, runs after the first
        datetime(2031, 1, 1, 0, 0, 2, tzinfo=timezone.utc),
    ])

    monkeypatch.setattr(clock, "_clock", lambda: next(planned))  # the one clock planning asks
    for amount in ("100", "1", "2"):
        await scene.transfer(payer, payee, amount)
    row = (await LimitUsage.filter(customer_id=payer.customer_id).values())[0]
    # Nothing sent in 2031 was forgotten: the late plan counted into 2031 instead of resetting it.
    assert (row["day_key"], row["month_key"], row["year_key"]) == ("2031-01-01", "2031-01", "2031")
    assert row["day_out_minor"] == row["month_out_minor"] == row["year_out_minor"] == 10_300
    assert row["lifetime_out_minor"] == 10_300


async def test_releasing_one_screening_alert_does_not_unblock_a_confirmed_match(database_url):
    scene = await new_scene("FO")
    party = await scene.party(fund=["10"])
    await Customer.filter(id=party.customer_id).update(screening_status="HOLD")
    alerts = [
        await AmlAlert.create(partner_id=scene.partner_id, customer_id=party.customer_id, rule="SANCTIONS_SCREENING",
                              severity="HIGH", action="HOLD", status="OPEN", details={"entryId": entry})
        for entry in ("E1", "E2", "E3")
    ]
    await resolve(alerts[0].id, "RELEASE")  # a false positive, but E2 and E3 are still open: still on hold
    assert (await Customer.get(id=party.customer_id)).screening_status.value == "HOLD"
    await resolve(alerts[1].id, "REJECT")  # a confirmed match
    assert (await Customer.get(id=party.customer_id)).screening_status.value == "BLOCKED"
    await resolve(alerts[2].id, "RELEASE")  # the last one a false positive: the confirmed match stands
    assert (await Customer.get(id=party.customer_id)).screening_status.value == "BLOCKED"


async def test_a_customer_token_cannot_replay_another_customers_key(database_url):
    scene = await new_scene("GL")
    alice, bob, shop = await scene.party(fund=["100"]), await scene.party(fund=["100"]), await scene.party()

    def frontend_of(party):
        return Principal(kind="customer", subject="frontend", partner_id=scene.partner_id,
                         scopes=frozenset(PARTNER_SCOPES), customer_id=party.customer_id)

    paid = await posting_module.post_transfer(
        principal=frontend_of(alice), from_wallet_id=alice.wallet_id, to_wallet_id=shop.wallet_id,
        amount="7.00", idempotency_key="order-42", memo="rent for flat 3",
    )
    assert paid.idempotency_key == "order-42"  # the transaction shows the caller's own key
    with pytest.raises(NotFound):
        await posting_module.post_transfer(
            principal=frontend_of(bob), from_wallet_id=alice.wallet_id, to_wallet_id=shop.wallet_id,
            amount="7.00", idempotency_key="order-42", memo="rent for flat 3",
        )
    # Bob may use the same key for his own payment: keys of customer tokens are per customer.
    own = await posting_module.post_transfer(
        principal=frontend_of(bob), from_wallet_id=bob.wallet_id, to_wallet_id=shop.wallet_id,
        amount="7.00", idempotency_key="order-42",
    )
    assert own.id != paid.id
    again = await posting_module.post_transfer(
        principal=frontend_of(alice), from_wallet_id=alice.wallet_id, to_wallet_id=shop.wallet_id,
        amount="7.00", idempotency_key="order-42", memo="rent for flat 3",
    )
    assert again.id == paid.id  # Alice's own replay still returns her transaction


async def test_a_missing_usage_row_is_recreated_and_counted(database_url):
    scene = await new_scene("GL")
    payer = await scene.party(fund=["100"])
    payee = await scene.party()
    await scene.transfer(payer, payee, "1")
    await execute(connections.get("default"), "DELETE FROM limit_usage WHERE customer_id = $1", [payer.customer_id])
    await scene.transfer(payer, payee, "2")
    row = (await LimitUsage.filter(customer_id=payer.customer_id).values())[0]
    assert row["lifetime_out_minor"] == 200  # counted, not skipped


async def test_ledger_verify_names_a_held_transaction_whose_reservation_is_wrong(database_url):
    scene = await new_scene("FO")
    payer = await scene.party(fund=["9000", "9000"])
    payee = await scene.party()
    held = await scene.transfer(payer, payee, "10000")
    assert (await verify_ledger()).ok
    conn = connections.get("default")
    await execute(conn, "UPDATE ledger_transaction SET hold_minor = hold_minor - 1 WHERE id = $1", [held.id])
    try:
        problems = (await verify_ledger()).problems
        assert any(f"held transaction {held.id} reserves" in p for p in problems), problems
        assert any("reserves" in p and "held transactions and authorisations reserve" in p for p in problems), problems  # the account too
    finally:
        await execute(conn, "UPDATE ledger_transaction SET hold_minor = hold_minor + 1 WHERE id = $1", [held.id])
    assert (await verify_ledger()).ok
