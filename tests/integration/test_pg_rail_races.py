"""Rail outcomes racing on PostgreSQL: settle against fail, and a return delivered many times, each apply once."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from models import RailTransfer, Transaction
from services.ledger.posting import post_top_up
from services.ledger.verify import verify_ledger
from services.rails import registry
from services.rails.config import SimulatedRailSettings
from services.rails.interface import FAILED, RETURNED, SETTLED, RailEvent
from services.rails.outcomes import APPLIED, apply_rail_event
from services.rails.simulated import SimulatedRail
from services.rails.sources import FundingSource
from services.rails.submission import submit_transfer
from services.rails.transfers import RailRequest, post_rail_transfer
from tests.conftest import requires_postgres
from tests.integration.service_support import holder, new_partner


@pytest.fixture(autouse=True)
def quick_rail():
    registry.reset()
    registry.register(SimulatedRail("simulated", SimulatedRailSettings(latency_s=3600)))  # outcomes come from the test
    yield
    registry.reset()


async def submitted_withdrawal(name: str, amount: str = "30.00"):
    """A funded wallet with a SUBMITTED rail withdrawal; (principal, holder, transfer)."""
    principal = await new_partner(name)
    who = await holder(principal)
    await post_top_up(principal=principal, wallet_id=who.wallet_id, amount="100.00", idempotency_key=f"{name}-fund")
    txn = await post_rail_transfer(principal=principal, req=RailRequest(
        direction="OUT", wallet_id=who.wallet_id, source_kind="BANK_ACCOUNT", source_id=None, amount=amount,
        idempotency_key=f"{name}-out"), source=FundingSource("BANK_ACCOUNT", uuid.uuid4(), who.customer_id))
    transfer = await RailTransfer.get(transaction_id=txn.id)
    assert await submit_transfer(transfer.id) == 1
    return principal, who, await RailTransfer.get(id=transfer.id)


@requires_postgres
async def test_settle_and_fail_racing_leave_exactly_one_outcome(database_url):
    for round_no in range(5):
        _, who, transfer = await submitted_withdrawal(f"race-sf-{round_no}")
        events = [RailEvent("simulated", transfer.rail_reference, status) for status in (SETTLED, FAILED) * 5]
        results = await asyncio.gather(*(apply_rail_event(e) for e in events))
        assert results.count(APPLIED) == 1
        final = await RailTransfer.get(id=transfer.id)
        txn = await Transaction.get(id=transfer.transaction_id)  # type: ignore[attr-defined]
        assert (final.status, txn.status) in {("SETTLED", "POSTED"), ("FAILED", "REJECTED")}
    assert (await verify_ledger()).ok


@requires_postgres
async def test_a_return_delivered_ten_times_at_once_credits_once(database_url):
    principal, who, transfer = await submitted_withdrawal("race-ret")
    assert await apply_rail_event(RailEvent("simulated", transfer.rail_reference, SETTLED)) == APPLIED
    results = await asyncio.gather(*(apply_rail_event(RailEvent("simulated", transfer.rail_reference, RETURNED, "R02"))
                                     for _ in range(10)))
    assert results.count(APPLIED) == 1
    assert await Transaction.filter(kind="RAIL_RETURN", to_wallet_id=who.wallet_id).count() == 1
    assert (await RailTransfer.get(id=transfer.id)).status == "RETURNED"
    assert (await verify_ledger()).ok
