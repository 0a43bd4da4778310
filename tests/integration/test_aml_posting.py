"""The AML rules on the real posting path (both backends): each rule fires, and narrowly does not.

Each rule is tested under its own test-only policy pack, for a country no
other test uses (FO, GL, IM, JE, GG, AX), with a known large-transaction
threshold of 10,000.00 EUR, generous tier limits and only the rule(s) under
test enabled. Every scene is a new partner with a fixed 1.50 EUR transfer fee
of its own, so a held transfer reserves amount + fee. Time-based rules are
tested by moving rows into the past (wallet.created_at,
ledger_transaction.created_at), never by sleeping.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from models import LimitUsage, Transaction, Wallet
from models.enums import AccountKind
from schema.common.relay import to_global_id
from services.errors import CaseStateConflict, ValidationFailed
from services.ledger.verify import verify_ledger
from services.system_accounts import system_account_id
from tests.factories import ApiClientFactory
from tests.integration.aml_support import (
    CURRENCY,
    FEE,
    OFFICER,
    Party,
    Scene,
    THRESHOLD,
    alert_raised,
    alerts,
    assert_held,
    assert_one_alert,
    entries,
    events,
    forget_seen_activity,
    held_event,
    money,
    move_into_the_past,
    new_scene,
    resolve,
    status,
    usage,
)


# Each rule through the posting path ---------------------------------------


async def test_large_transaction_holds_the_transfer_and_reserves_amount_plus_fee(database_url, clients: ApiClientFactory):
    partner = await clients.partner()
    scene = await new_scene("FO", partner)
    payer, payee = await scene.party(fund=["9999.99", "9999.99"]), await scene.party()
    before = [await money(payer), await money(payee)]
    assert before == [(1_999_998, 0), (0, 0)]

    txn = await scene.transfer(payer, payee, "10000.00")

    await assert_held(scene, txn, payer, payee, before)
    await assert_one_alert(scene, txn, payer, "LARGE_TRANSACTION", "HIGH", "HOLD",
                           {"amountMinor": THRESHOLD, "thresholdMinor": THRESHOLD})
    # The partner sees the reservation: balance unchanged, available less amount + fee.
    data = await partner.ok(
        "query($id: ID!) { wallet(id: $id) { balance { amount } availableBalance { amount } } }",
        {"id": to_global_id("Wallet", payer.wallet_id)},
    )
    assert data["wallet"] == {"balance": {"amount": "19999.98"}, "availableBalance": {"amount": "9998.48"}}
    # Limits are consumed when the transaction is held (the amount; the fee is not a payment).
    assert (await usage(payer))["day_out_minor"] == THRESHOLD
    assert (await verify_ledger()).ok


async def test_one_minor_unit_under_the_threshold_posts_without_an_alert(database_url):
    scene = await new_scene("FO")
    payer, payee = await scene.party(fund=["9999.99", "9999.99"]), await scene.party()
    txn = await scene.transfer(payer, payee, "9999.99")
    assert txn.status.value == "POSTED" and len(await entries(txn.id)) == 4
    assert await money(payer) == (1_999_998 - 999_999 - FEE, 0)
    assert await money(payee) == (999_999, 0)
    assert await alerts(scene) == [] and await events(scene) == []


async def test_a_large_top_up_is_held_without_reserving_anything(database_url):
    scene = await new_scene("FO")
    wallet = await scene.party()
    txn = await scene.top_up(wallet, "10000.00")
    stored = await Transaction.get(id=txn.id)
    assert (stored.status.value, stored.hold_minor, await entries(txn.id), await money(wallet)) == ("HELD", 0, [], (0, 0))
    alert = await assert_one_alert(scene, txn, wallet, "LARGE_TRANSACTION", "HIGH", "HOLD",
                                   {"amountMinor": THRESHOLD, "thresholdMinor": THRESHOLD})

    await resolve(alert["id"], "RELEASE")

    settlement = await system_account_id(AccountKind.SETTLEMENT, CURRENCY, create=False)
    assert await status(txn.id) == "POSTED"
    assert await entries(txn.id) == sorted([(settlement, -THRESHOLD), (wallet.account_id, THRESHOLD)])
    assert await money(wallet) == (THRESHOLD, 0)
    assert (await verify_ledger()).ok


async def test_an_alert_only_rule_posts_the_transfer_normally(database_url):
    # VELOCITY at ALERT: at most 3 transfers out in 60 minutes; the 4th raises the alert and still posts.
    scene = await new_scene("GL")
    payer, payee = await scene.party(fund=["1000.00"]), await scene.party()
    for _ in range(3):
        assert (await scene.transfer(payer, payee, "10.00")).status.value == "POSTED"
    assert await alerts(scene) == []

    txn = await scene.transfer(payer, payee, "10.00")

    assert txn.status.value == "POSTED" and (await Transaction.get(id=txn.id)).hold_minor == 0
    fee_account = await system_account_id(AccountKind.FEE_REVENUE, CURRENCY)
    assert await entries(txn.id) == sorted(
        [(payer.account_id, -1_000), (payee.account_id, 1_000), (payer.account_id, -FEE), (fee_account, FEE)])
    assert await money(payer) == (100_000 - 4 * (1_000 + FEE), 0)
    assert await money(payee) == (4_000, 0)
    await assert_one_alert(scene, txn, payer, "VELOCITY", "MEDIUM", "ALERT",
                           {"count": 4, "maxCount": 3, "windowMinutes": 60})
    assert (await verify_ledger()).ok


async def test_velocity_counts_in_a_window_that_restarts_once_it_has_passed(database_url):
    scene = await new_scene("GL")  # VELOCITY: more than 3 outgoing in 60 minutes raises an alert
    payer, payee = await scene.party(fund=["1000.00"]), await scene.party()
    for _ in range(3):
        assert (await scene.transfer(payer, payee, "1.00")).status.value == "POSTED"
    assert await alerts(scene) == []
    # The window opened 61 minutes ago: it has passed, so the count restarts with the next posting.
    await _age_velocity_window(payer, timedelta(minutes=61))
    for _ in range(3):
        assert (await scene.transfer(payer, payee, "1.00")).status.value == "POSTED"
    assert await alerts(scene) == []
    # 59 minutes into the new window, the fourth is over the maximum.
    await _age_velocity_window(payer, timedelta(minutes=59))
    busy = await scene.transfer(payer, payee, "1.00")
    assert busy.status.value == "POSTED"
    await assert_one_alert(scene, busy, payer, "VELOCITY", "MEDIUM", "ALERT",
                           {"count": 4, "maxCount": 3, "windowMinutes": 60})
    row = await LimitUsage.get(customer_id=payer.customer_id, currency=CURRENCY)
    assert row.velocity_count == 4


async def _age_velocity_window(party: Party, ago: timedelta) -> None:
    """Move the party's VELOCITY window start `ago` into the past (the counter lives on the usage row)."""
    await LimitUsage.filter(customer_id=party.customer_id, currency=CURRENCY).update(
        velocity_window_start=datetime.now(timezone.utc) - ago)


async def test_structuring_holds_the_third_amount_just_under_the_threshold(database_url):
    scene = await new_scene("IM")
    payer, payee = await scene.party(fund=["50000.00"]), await scene.party()
    for amount in ("9000.00", "8999.99", "9999.99"):  # in the band, one minor unit under it, in the band
        assert (await scene.transfer(payer, payee, amount)).status.value == "POSTED"
    assert await alerts(scene) == []
    before = [await money(payer), await money(payee)]

    txn = await scene.transfer(payer, payee, "9500.00")

    await assert_held(scene, txn, payer, payee, before)
    await assert_one_alert(scene, txn, payer, "STRUCTURING", "HIGH", "HOLD",
                           {"count": 3, "bandFromMinor": 900_000, "thresholdMinor": THRESHOLD, "windowHours": 24})


async def test_structuring_forgets_amounts_older_than_its_window(database_url):
    scene = await new_scene("IM")
    payer, payee = await scene.party(fund=["50000.00"]), await scene.party()
    first = await scene.transfer(payer, payee, "9500.00")
    await scene.transfer(payer, payee, "9500.00")
    await move_into_the_past(transactions=[first.id], ago=timedelta(hours=24, minutes=1))
    txn = await scene.transfer(payer, payee, "9500.00")
    assert txn.status.value == "POSTED" and await alerts(scene) == []


async def _pass_through(scene: Scene, source: Party, sink: Party, *, out: str, came_in_ago: timedelta | None = None,
                        by_top_up: bool = False) -> tuple[Party, Transaction]:
    """A new wallet receives 5,000.00 (a transfer, or a top-up) and sends `out` on."""
    mule = await scene.party()
    incoming = await (scene.top_up(mule, "5000.00") if by_top_up else scene.transfer(source, mule, "5000.00"))
    assert incoming.status.value == "POSTED"
    if came_in_ago is not None:
        await move_into_the_past(transactions=[incoming.id], ago=came_in_ago)
    return mule, await scene.transfer(mule, sink, out)


async def test_rapid_pass_through_holds_money_that_leaves_as_fast_as_it_came(database_url):
    scene = await new_scene("JE")
    source, sink = await scene.party(fund=["50000.00"]), await scene.party()

    # 90% of 5,000.00 is 4,500.00: one minor unit less passes, also within the window.
    _, under = await _pass_through(scene, source, sink, out="4499.99")
    _, stale = await _pass_through(scene, source, sink, out="4500.00", came_in_ago=timedelta(minutes=31))
    _, topped = await _pass_through(scene, source, sink, out="4500.00", by_top_up=True)
    assert [t.status.value for t in (under, stale, topped)] == ["POSTED"] * 3
    assert await alerts(scene) == []

    mule, txn = await _pass_through(scene, source, sink, out="4500.00", came_in_ago=timedelta(minutes=29))

    assert txn.status.value == "HELD" and (await Transaction.get(id=txn.id)).hold_minor == 450_000 + FEE
    assert await money(mule) == (500_000, 450_000 + FEE) and await entries(txn.id) == []
    await assert_one_alert(scene, txn, mule, "RAPID_PASS_THROUGH", "HIGH", "HOLD",
                           {"inMinor": 500_000, "outMinor": 450_000, "windowMinutes": 30})


async def test_new_account_high_value_holds_a_young_wallet_only(database_url):
    scene = await new_scene("GG")
    payee = await scene.party()
    young = await scene.party(fund=["9000.00", "9000.00"])
    assert (await scene.transfer(young, payee, "4999.99")).status.value == "POSTED"  # one minor unit under 50%
    assert await alerts(scene) == []
    old = await scene.party(fund=["9000.00"])
    almost = await scene.party(fund=["9000.00"])
    await move_into_the_past(wallets=[old.wallet_id], ago=timedelta(days=7, minutes=1))
    await move_into_the_past(wallets=[almost.wallet_id], ago=timedelta(days=7) - timedelta(minutes=1))
    assert (await scene.transfer(old, payee, "5000.00")).status.value == "POSTED"
    assert await alerts(scene) == []
    before = [await money(almost), await money(payee)]

    txn = await scene.transfer(almost, payee, "5000.00")

    await assert_held(scene, txn, almost, payee, before)
    opened_at = (await alerts(scene))[0]["details"]["openedAt"]
    await assert_one_alert(scene, txn, almost, "NEW_ACCOUNT_HIGH_VALUE", "MEDIUM", "HOLD",
                           {"amountMinor": 500_000, "openedAt": opened_at, "accountAgeDays": 7})
    assert datetime.fromisoformat(opened_at) == (await Wallet.get(id=almost.wallet_id)).created_at


async def test_two_hold_rules_on_one_transfer_raise_two_alerts_and_one_held_event(database_url):
    scene = await new_scene("GG")
    payer, payee = await scene.party(fund=["9000.00", "9000.00"]), await scene.party()
    txn = await scene.transfer(payer, payee, "10000.00")
    rows = await alerts(scene)
    assert sorted((a["rule"], a["severity"], a["action"], a["transaction_id"]) for a in rows) == [
        ("LARGE_TRANSACTION", "HIGH", "HOLD", txn.id), ("NEW_ACCOUNT_HIGH_VALUE", "MEDIUM", "HOLD", txn.id),
    ]
    got = await events(scene)
    assert got[0] == held_event(txn.id, ["LARGE_TRANSACTION", "NEW_ACCOUNT_HIGH_VALUE"])
    assert sorted(got[1:], key=lambda e: e["object_id"]) == sorted(
        [alert_raised(a, txn.id) for a in rows], key=lambda e: e["object_id"])
    assert (await Transaction.get(id=txn.id)).hold_minor == THRESHOLD + FEE

    # Deciding one alert decides the transaction and closes the other alert with it.
    await resolve(rows[0]["id"], "REJECT", reason="not our customer's money")
    closed = {a["id"]: (a["status"], a["resolution_reason"]) for a in await alerts(scene)}
    assert closed == {
        rows[0]["id"]: ("REJECTED", "not our customer's money"),
        rows[1]["id"]: ("REJECTED", f"resolved with alert {rows[0]['id']}: not our customer's money"),
    }
    assert await status(txn.id) == "REJECTED" and await money(payer) == (1_800_000, 0)
    with pytest.raises(CaseStateConflict):
        await resolve(rows[1]["id"], "RELEASE")
    assert (await verify_ledger()).ok


async def test_dormant_reactivation_alerts_on_a_wallet_unused_since_it_was_opened(database_url):
    scene = await new_scene("AX")
    sleeper, napper = await scene.party(), await scene.party()
    opened = await move_into_the_past(wallets=[sleeper.wallet_id], ago=timedelta(days=180, minutes=1))
    await move_into_the_past(wallets=[napper.wallet_id], ago=timedelta(days=180) - timedelta(minutes=1))

    assert (await scene.top_up(napper, "10.00")).status.value == "POSTED"
    assert await alerts(scene) == []
    txn = await scene.top_up(sleeper, "10.00")  # money coming in wakes it too

    assert txn.status.value == "POSTED" and len(await entries(txn.id)) == 2
    assert await money(sleeper) == (1_000, 0)
    last = (await alerts(scene))[0]["details"]["lastActivityAt"]
    assert abs(datetime.fromisoformat(last) - opened) < timedelta(seconds=1)
    assert datetime.fromisoformat(last) == (await Wallet.get(id=sleeper.wallet_id)).created_at
    await assert_one_alert(scene, txn, sleeper, "DORMANT_REACTIVATION", "LOW", "ALERT",
                           {"lastActivityAt": last, "dormantDays": 180})


async def test_dormant_reactivation_alerts_on_a_transfer_out_and_posts_it(database_url):
    scene = await new_scene("AX")
    payee = await scene.party()
    sleeper = await scene.party(fund=["1000.00"])
    napper = await scene.party(fund=["1000.00"])
    sleeper_in = (await Transaction.get(to_wallet_id=sleeper.wallet_id)).id
    napper_in = (await Transaction.get(to_wallet_id=napper.wallet_id)).id
    await move_into_the_past(transactions=[sleeper_in], wallets=[sleeper.wallet_id], ago=timedelta(days=180, minutes=1))
    await move_into_the_past(transactions=[napper_in], wallets=[napper.wallet_id], ago=timedelta(days=180) - timedelta(minutes=1))
    forget_seen_activity([sleeper.wallet_id, napper.wallet_id])

    assert (await scene.transfer(napper, payee, "10.00")).status.value == "POSTED"
    assert await alerts(scene) == []
    txn = await scene.transfer(sleeper, payee, "10.00")

    assert txn.status.value == "POSTED" and len(await entries(txn.id)) == 4
    assert await money(sleeper) == (100_000 - 1_000 - FEE, 0)
    last = (await alerts(scene))[0]["details"]["lastActivityAt"]
    assert datetime.fromisoformat(last) == (await Transaction.get(id=sleeper_in)).created_at
    alert = await assert_one_alert(scene, txn, sleeper, "DORMANT_REACTIVATION", "LOW", "ALERT",
                                   {"lastActivityAt": last, "dormantDays": 180})
    # An ALERT-only alert is dismissed; it held nothing, so RELEASE and REJECT do not apply.
    for decision in ("RELEASE", "REJECT"):
        with pytest.raises(ValidationFailed):
            await resolve(alert["id"], decision)
    dismissed = await resolve(alert["id"], "DISMISS", reason="customer back from a long trip")
    assert (dismissed.status, dismissed.resolved_by) == ("DISMISSED", OFFICER.subject)
    assert await status(txn.id) == "POSTED" and len(await events(scene)) == 1
    assert await money(sleeper) == (100_000 - 1_000 - FEE, 0)
