"""Rail transfers for settlement and reconciliation tests, each test on a rail of its own.

Transfers are started through the real path (the HELD posting, the rail
transfer row, submission to the simulated rail), then moved to a rail name
private to the test, so that other tests' transfers of the shared session
database never show up in its MISSING_FROM_FILE checks or daily reports.
"""

from __future__ import annotations

import itertools
import uuid

from models import RailTransfer
from services.ledger.posting import post_top_up
from services.rails import registry
from services.rails.config import SimulatedRailSettings
from services.rails.simulated import SimulatedRail
from services.rails.sources import FundingSource
from services.rails.submission import submit_transfer
from services.rails.transfers import RailRequest, post_rail_transfer
from tests.integration.service_support import holder, new_partner

_keys = itertools.count(1)
_rails = itertools.count(1)


def private_rail() -> str:
    """A rail name no other test uses."""
    return f"recon-{uuid.uuid4().hex[:8]}-{next(_rails)}"


async def funded_holder(amount: str = "1000.00"):
    """A partner principal and a customer whose wallet holds `amount` (an instant top-up)."""
    registry.register(SimulatedRail("simulated", SimulatedRailSettings(latency_s=0, return_latency_s=0)))  # type: ignore[call-arg]
    principal = await new_partner("recon")
    who = await holder(principal)
    await post_top_up(principal=principal, wallet_id=who.wallet_id, amount=amount, idempotency_key=f"fund-{next(_keys)}")
    return principal, who


async def submitted(principal, who, direction: str, amount: str, rail: str) -> RailTransfer:
    """A SUBMITTED transfer of `amount` IN or OUT of the holder's wallet, on the private rail `rail`."""
    req = RailRequest(direction=direction, wallet_id=who.wallet_id, source_kind="BANK_ACCOUNT", source_id=None,
                      amount=amount, idempotency_key=f"recon-{next(_keys)}")
    txn = await post_rail_transfer(principal=principal, req=req,
                                   source=FundingSource(kind="BANK_ACCOUNT", id=uuid.uuid4(), customer_id=who.customer_id))
    transfer = await RailTransfer.get(transaction_id=txn.id)
    assert await submit_transfer(transfer.id) == 1
    await RailTransfer.filter(id=transfer.id).update(rail=rail)  # the test's own rail (see the module docstring)
    return await RailTransfer.get(id=transfer.id)


def csv_file(*rows: str, reason: bool = False) -> bytes:
    """A settlement file: the header, then the rows."""
    header = "reference,amount,currency,value_date,status" + (",reason_code" if reason else "")
    return ("\n".join((header, *rows)) + "\n").encode()
