"""Rail top-ups and withdrawals through the simulated rail: every final state, with balance and availability at each step.

The funding source here is a FundingSource value as services.funding would
hand it over once checked (the linked accounts' own rules are tested with
them); everything after that check is the real path: the HELD posting, the
rail transfer row, submission, the scheduled outcomes and their delivery.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from tortoise import connections

from models import DomainEvent, LimitUsage, RailTransfer, SimulatedRailEvent, Transaction
from services import clock
from services.db.sql import fetch
from services.ledger.posting import post_top_up, post_transfer
from services.ledger.verify import verify_ledger
from services.rails import registry
from services.rails.config import SimulatedRailSettings
from services.rails.interface import RETURNED, SETTLED, RailEvent
from services.rails.jobs import deliver_simulated_due, run_rail_jobs
from services.rails.outcomes import APPLIED, NOTHING_TO_DO, UNKNOWN, apply_rail_event, transfer_of_transaction
from services.rails.queries import get_rail_transfer, rail_transfers_of_transactions
from services.rails.simulated import BANK_RETURN, CARD_DECLINE, SimulatedRail, fate
from services.rails.sources import FundingSource
from services.rails.submission import submit_transfer, submit_waiting
from services.rails.transfers import RailRequest, post_rail_transfer
from tests.integration.aml_support import alerts, new_scene, resolve
from tests.integration.service_support import Holder, holder, new_partner

_keys = iter(range(1, 10**6))


@pytest.fixture(autouse=True)
def simulated_rail():
    """A fresh simulated rail per test (tests set its rates with `rail(...)`), forgotten afterwards."""
    registry.reset()
    yield
    registry.reset()


def rail(**settings: float) -> None:
    """Use a simulated rail with these settings (no latency unless given)."""
    registry.register(SimulatedRail("simulated", SimulatedRailSettings(latency_s=0, return_latency_s=0,
                                                                        **settings)))  # type: ignore[arg-type]


async def money(who: Holder) -> tuple[int, int]:
    """(balance, available) of the holder's wallet, in minor units."""
    rows = await fetch(connections.get("default"), "SELECT balance_minor, held_minor FROM account WHERE id = $1",
                       [who.account_id])
    return int(rows[0]["balance_minor"]), int(rows[0]["balance_minor"]) - int(rows[0]["held_minor"])


def source(who: Holder, kind: str = "BANK_ACCOUNT") -> FundingSource:
    return FundingSource(kind=kind, id=uuid.uuid4(), customer_id=who.customer_id)


async def start(principal, who: Holder, direction: str, amount: str, kind: str = "BANK_ACCOUNT"):
    req = RailRequest(direction=direction, wallet_id=who.wallet_id, source_kind=kind, source_id=None, amount=amount,
                      idempotency_key=f"rail-{next(_keys)}")
    return await post_rail_transfer(principal=principal, req=req, source=source(who, kind))


async def funded(amount: str = "100.00"):
    principal = await new_partner("rails")
    who = await holder(principal)
    await post_top_up(principal=principal, wallet_id=who.wallet_id, amount=amount, idempotency_key=f"fund-{next(_keys)}")
    return principal, who


async def deliver_all() -> None:
    await run_rail_jobs(now=clock.now() + timedelta(seconds=1))
    await deliver_simulated_due(now=clock.now() + timedelta(seconds=1))


async def test_a_withdrawal_is_reserved_at_once_then_settles(database_url):
    rail()
    principal, who = await funded("100.00")
    txn = await start(principal, who, "OUT", "30.00")
    transfer = await RailTransfer.get(transaction_id=txn.id)
    assert (txn.status.value, transfer.status) == ("HELD", "SUBMITTING")
    assert await money(who) == (10_000, 7_000)  # reserved: available drops, balance does not
    usage = await LimitUsage.get(customer_id=who.customer_id, currency="CNY")
    assert usage.day_out_minor == 3_000  # counted at once
    assert await submit_transfer(transfer.id) == 1
    assert (await RailTransfer.get(id=transfer.id)).status == "SUBMITTED"
    assert await money(who) == (10_000, 7_000)
    await deliver_simulated_due(now=clock.now() + timedelta(seconds=1))
    settled = await RailTransfer.get(id=transfer.id)
    assert (settled.status, (await Transaction.get(id=txn.id)).status) == ("SETTLED", "POSTED")
    assert await money(who) == (7_000, 7_000)
    # A second delivery of the same outcome changes nothing.
    again = await apply_rail_event(RailEvent(rail="simulated", reference=settled.rail_reference, status=SETTLED))
    assert again == NOTHING_TO_DO and await money(who) == (7_000, 7_000)
    types = set(await DomainEvent.filter(object_id=str(transfer.id)).values_list("type", flat=True))
    assert types == {"rail_transfer.submitted", "rail_transfer.settled"}
    assert (await verify_ledger()).ok


async def test_a_failed_withdrawal_gives_back_the_reservation_and_the_limit_usage(database_url):
    rail(failure_rate=1.0)
    principal, who = await funded("100.00")
    txn = await start(principal, who, "OUT", "40.00")
    assert await money(who) == (10_000, 6_000)
    await deliver_all()
    transfer = await RailTransfer.get(transaction_id=txn.id)
    assert (transfer.status, transfer.reason_code) == ("FAILED", "R01_INSUFFICIENT_FUNDS")
    assert (await Transaction.get(id=txn.id)).status == "REJECTED"
    assert await money(who) == (10_000, 10_000)
    assert (await LimitUsage.get(customer_id=who.customer_id, currency="CNY")).day_out_minor == 0
    event = await DomainEvent.get(type="rail_transfer.failed", object_id=str(transfer.id))
    assert event.payload["reasonCode"] == "R01_INSUFFICIENT_FUNDS"
    assert (await verify_ledger()).ok


async def test_a_returned_withdrawal_is_credited_back_exactly_once(database_url):
    rail(return_rate=1.0)
    principal, who = await funded("100.00")
    txn = await start(principal, who, "OUT", "25.00")
    await deliver_all()
    transfer = await RailTransfer.get(transaction_id=txn.id)
    assert (transfer.status, transfer.reason_code) == ("RETURNED", BANK_RETURN)
    assert await money(who) == (10_000, 10_000)  # 100 - 25 settled, + 25 returned
    returned = await Transaction.get(id=transfer.return_transaction_id)
    assert (returned.kind, returned.status, returned.amount_minor, returned.fee_minor) == ("RAIL_RETURN", "POSTED", 2_500, 0)
    # The rail reports the return again (a retried callback): nothing more is credited.
    again = await apply_rail_event(RailEvent(rail="simulated", reference=transfer.rail_reference, status=RETURNED,
                                             reason_code=BANK_RETURN))
    assert again == NOTHING_TO_DO and await money(who) == (10_000, 10_000)
    assert await Transaction.filter(kind="RAIL_RETURN", to_wallet_id=who.wallet_id).count() == 1
    assert (await transfer_of_transaction(returned.id)).id == transfer.id
    assert set((await rail_transfers_of_transactions(principal, [txn.id, returned.id]))) == {txn.id, returned.id}
    assert (await verify_ledger()).ok


async def test_a_top_up_waits_for_settlement_and_a_returned_one_that_was_spent_is_unrecovered(database_url):
    rail(return_rate=1.0)
    principal, who = await funded("0.01")
    other = await holder(principal)
    txn = await start(principal, who, "IN", "50.00")
    assert (txn.status.value, await money(who)) == ("HELD", (1, 1))  # nothing arrives before the rail settles
    await submit_transfer((await RailTransfer.get(transaction_id=txn.id)).id)
    settle = await SimulatedRailEvent.get(status="SETTLED", rail_reference=f"sim_{(await RailTransfer.get(transaction_id=txn.id)).id.hex}")
    assert await apply_rail_event(RailEvent(rail="simulated", reference=settle.rail_reference, status=SETTLED)) == APPLIED
    assert await money(who) == (5_001, 5_001)
    # The customer spends it before the bank returns the top-up: the return cannot be taken back.
    await post_transfer(principal=principal, from_wallet_id=who.wallet_id, to_wallet_id=other.wallet_id, amount="50.00",
                        idempotency_key=f"spend-{next(_keys)}")
    result = await apply_rail_event(RailEvent(rail="simulated", reference=settle.rail_reference, status=RETURNED,
                                              reason_code="R10_UNAUTHORISED"))
    transfer = await RailTransfer.get(transaction_id=txn.id)
    assert (result, transfer.status, transfer.reason_code) == (APPLIED, "RETURN_UNRECOVERED", "R10_UNAUTHORISED")
    assert await money(who) == (1, 1)
    event = await DomainEvent.get(type="rail_transfer.return_unrecovered", object_id=str(transfer.id))
    assert event.payload["refusal"] == "INSUFFICIENT_FUNDS"
    assert (await verify_ledger()).ok


async def test_a_returned_top_up_leaves_the_wallet_again(database_url):
    rail(return_rate=1.0)
    principal, who = await funded("10.00")
    txn = await start(principal, who, "IN", "20.00")
    await deliver_all()
    transfer = await RailTransfer.get(transaction_id=txn.id)
    assert transfer.status == "RETURNED" and await money(who) == (1_000, 1_000)
    assert (await verify_ledger()).ok


async def test_a_card_the_processor_declines_fails_at_once(database_url):
    rail(failure_rate=1.0)
    principal, who = await funded("1.00")
    txn = await start(principal, who, "IN", "20.00", kind="CARD")
    transfer = await RailTransfer.get(transaction_id=txn.id)
    assert await submit_transfer(transfer.id) == 1
    transfer = await RailTransfer.get(id=transfer.id)
    assert (transfer.status, transfer.reason_code) == ("FAILED", CARD_DECLINE)
    assert (await Transaction.get(id=txn.id)).status == "REJECTED" and await money(who) == (100, 100)


async def test_aml_holds_a_withdrawal_off_the_rail_until_compliance_releases_it(database_url):
    rail()
    scene = await new_scene("FO")
    payer = await scene.party(fund=["9999.99", "9999.99"])
    req = RailRequest(direction="OUT", wallet_id=payer.wallet_id, source_kind="BANK_ACCOUNT", source_id=None,
                      amount="10000.00", idempotency_key="aml-rail-1")
    txn = await post_rail_transfer(principal=scene.principal, req=req,
                                   source=FundingSource("BANK_ACCOUNT", uuid.uuid4(), payer.customer_id))
    transfer = await RailTransfer.get(transaction_id=txn.id)
    assert await submit_transfer(transfer.id) == 0
    assert (await RailTransfer.get(id=transfer.id)).status == "AWAITING_REVIEW"
    alert = (await alerts(scene))[0]
    await resolve(alert["id"], "RELEASE")
    # Released by compliance: handed to the rail, still HELD until the rail settles it.
    assert ((await RailTransfer.get(id=transfer.id)).status, (await Transaction.get(id=txn.id)).status) == (
        "SUBMITTING", "HELD")
    await deliver_all()
    assert ((await RailTransfer.get(id=transfer.id)).status, (await Transaction.get(id=txn.id)).status) == (
        "SETTLED", "POSTED")
    assert (await verify_ledger()).ok


async def test_a_compliance_rejection_fails_the_transfer(database_url):
    rail()
    scene = await new_scene("FO")
    payer = await scene.party(fund=["9999.99", "9999.99"])
    req = RailRequest(direction="OUT", wallet_id=payer.wallet_id, source_kind="BANK_ACCOUNT", source_id=None,
                      amount="10000.00", idempotency_key="aml-rail-2")
    txn = await post_rail_transfer(principal=scene.principal, req=req,
                                   source=FundingSource("BANK_ACCOUNT", uuid.uuid4(), payer.customer_id))
    await resolve((await alerts(scene))[0]["id"], "REJECT")
    transfer = await RailTransfer.get(transaction_id=txn.id)
    assert (transfer.status, transfer.reason_code) == ("FAILED", "COMPLIANCE_REJECTED")
    assert (await Transaction.get(id=txn.id)).status == "REJECTED"
    assert await run_rail_jobs() == (0, 0)


async def test_the_simulated_rail_is_deterministic_and_unknown_references_are_reported(database_url):
    assert fate("seed", "a") == fate("seed", "a") and fate("seed", "a") != fate("seed", "b")
    assert 0 <= fate("x", uuid.UUID(int=1)) < 1
    assert await apply_rail_event(RailEvent(rail="simulated", reference="nope", status=SETTLED)) == UNKNOWN
    with pytest.raises(ValueError):
        await apply_rail_event(RailEvent(rail="simulated", reference="nope", status="SETTLED"[::-1]))


async def test_a_transfer_is_read_by_its_partner_only(database_url):
    rail()
    principal, who = await funded("10.00")
    txn = await start(principal, who, "OUT", "1.00")
    transfer = await RailTransfer.get(transaction_id=txn.id)
    assert (await get_rail_transfer(principal=principal, rail_transfer_id=transfer.id)).status == "SUBMITTING"
    from services.errors import NotFound

    with pytest.raises(NotFound):
        await get_rail_transfer(principal=await new_partner("rails-other"), rail_transfer_id=transfer.id)


async def test_a_compliance_decision_on_a_transaction_without_a_rail_transfer_is_left_to_the_ledger(database_url):
    from services.rails.review import rail_review_decided

    conn = connections.get("default")
    assert await rail_review_decided(conn, uuid.uuid4(), "RELEASE") is False
    assert await rail_review_decided(conn, uuid.uuid4(), "REJECT") is False


async def test_top_up_and_withdrawal_fees_follow_their_route_as_quoted(database_url):
    from services.fees.quote import quote_fee
    from services.fees.schedule import create_rule

    rail()
    principal, who = await funded("100.00")
    starts = clock.now() - timedelta(seconds=1)
    await create_rule(terms={"kind": "TOP_UP", "partner_id": principal.partner_id, "currency": "CNY", "route": "CARD",
                             "fixed_minor": 100, "effective_from": starts}, created_by="test")
    await create_rule(terms={"kind": "WITHDRAWAL", "partner_id": principal.partner_id, "currency": "CNY",
                             "route": "BANK_ACCOUNT", "fixed_minor": 50, "effective_from": starts}, created_by="test")
    from services.errors import ValidationFailed

    for kind, route in (("TRANSFER", "CARD"), ("WITHDRAWAL", "CARD"), ("TOP_UP", "CHEQUE")):
        with pytest.raises(ValidationFailed):
            await create_rule(terms={"kind": kind, "partner_id": principal.partner_id, "currency": "CNY",
                                     "route": route, "fixed_minor": 1, "effective_from": starts}, created_by="test")
    with pytest.raises(ValidationFailed):
        await quote_fee(principal=principal, kind="WITHDRAWAL", amount="1.00", currency="CNY", route="CARD")
    quoted = await quote_fee(principal=principal, kind="TOP_UP", amount="20.00", currency="CNY",
                             to_wallet_id=who.wallet_id, route="CARD")
    instant = await quote_fee(principal=principal, kind="TOP_UP", amount="20.00", currency="CNY",
                              to_wallet_id=who.wallet_id)
    assert (quoted.fee.fee_minor, instant.fee.fee_minor) == (100, 0)
    card = await start(principal, who, "IN", "20.00", kind="CARD")
    bank = await start(principal, who, "IN", "20.00")
    out = await start(principal, who, "OUT", "10.00")
    assert (card.fee_minor, bank.fee_minor, out.fee_minor) == (100, 0, 50)
    assert await money(who) == (10_000, 10_000 - 1_050)  # the withdrawal's amount and fee are reserved
    await deliver_all()
    assert await money(who) == (10_000 + 2_000 - 100 + 2_000 - 1_050, 10_000 + 2_000 - 100 + 2_000 - 1_050)
    assert (await verify_ledger()).ok


async def test_transfers_of_a_rail_this_process_does_not_know_never_starve_the_others(database_url):
    rail()
    principal, who = await funded("100.00")
    elsewhere = await start(principal, who, "OUT", "10.00")
    # Another host's rail (or one not configured here): this process cannot submit it.
    await RailTransfer.filter(transaction_id=elsewhere.id).update(rail="other-host")
    await RailTransfer.filter(transaction_id=elsewhere.id).update(created_at=clock.now() - timedelta(days=1))
    mine = await start(principal, who, "OUT", "5.00")
    submitted = await submit_waiting(limit=1)  # the oldest waiting transfer is the other host's: skipped, not stuck on
    assert submitted == 1
    assert (await RailTransfer.get(transaction_id=mine.id)).status == "SUBMITTED"
    assert (await RailTransfer.get(transaction_id=elsewhere.id)).status == "SUBMITTING"  # left for its own host


async def test_a_backlog_drains_in_one_round_batch_after_batch(database_url):
    rail()
    principal, who = await funded("100.00")
    moves = [await start(principal, who, "OUT", "1.00") for _ in range(3)]
    # Batches of one: the round goes on while a batch comes back full (other tests' transfers may wait too).
    assert await submit_waiting(limit=1, rounds=1000) >= 3
    assert {(await RailTransfer.get(transaction_id=m.id)).status for m in moves} == {"SUBMITTED"}
