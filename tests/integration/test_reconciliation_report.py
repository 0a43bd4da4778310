"""The daily reconciliation report: positions and movements from the transfers tie out with the ledger's entries."""

from __future__ import annotations

from datetime import timedelta

import pytest

from auth.principal import Principal
from models import Account, Entry, RailTransfer
from services import clock
from services.rails.interface import FAILED, RETURNED, SETTLED, RailEvent
from services.errors import Forbidden
from services.rails.outcomes import apply_rail_event
from services.reconciliation.report import (
    RETURNED_IN, RETURNED_OUT, SETTLED_IN, SETTLED_OUT, Flow, daily_report,
)
from tests.integration.settlement_support import funded_holder, private_rail, submitted

ANALYST = Principal(kind="staff", subject="analyst-1", partner_id=None, role="analyst",
                    scopes=frozenset({"reconciliation:read"}))


async def _outcome(transfer: RailTransfer, status: str) -> None:
    await apply_rail_event(RailEvent(rail=transfer.rail, reference=transfer.rail_reference, status=status))


async def test_a_day_of_settled_failed_and_returned_transfers_ties_out_and_a_planted_entry_does_not(database_url):
    rail = private_rail()
    principal, who = await funded_holder("1000.00")
    today = clock.now().date()
    # Before the day (yesterday): one top-up of 100 settles: the opening position is +100.
    with clock.frozen_at(clock.now() - timedelta(days=1)):
        earlier = await submitted(principal, who, "IN", "100.00", rail)
        await _outcome(earlier, SETTLED)
    top_up = await submitted(principal, who, "IN", "50.00", rail)
    withdrawal = await submitted(principal, who, "OUT", "20.00", rail)
    failed = await submitted(principal, who, "OUT", "7.00", rail)
    returned_out = await submitted(principal, who, "OUT", "30.00", rail)
    returned_in = await submitted(principal, who, "IN", "12.00", rail)
    for transfer, outcomes in ((top_up, [SETTLED]), (withdrawal, [SETTLED]), (failed, [FAILED]),
                               (returned_out, [SETTLED, RETURNED]), (returned_in, [SETTLED, RETURNED])):
        for outcome in outcomes:
            await _outcome(transfer, outcome)

    [report] = await daily_report(principal=ANALYST, day=today, rail=rail)
    assert (report.rail, report.currency) == (rail, "CNY")
    assert report.transfers.opening_minor == 10_000
    assert report.transfers.lines == {SETTLED_IN: Flow(2, 6_200), SETTLED_OUT: Flow(2, 5_000),
                                      RETURNED_IN: Flow(1, 1_200), RETURNED_OUT: Flow(1, 3_000)}
    assert report.transfers.net_minor == 6_200 - 5_000 - 1_200 + 3_000
    assert report.transfers.closing_minor == 10_000 + 3_000
    assert report.ledger.opening_minor == report.transfers.opening_minor
    assert report.ledger.lines == report.transfers.lines and report.ties_out
    # The day before: only the earlier top-up; and tomorrow opens at today's closing.
    [yesterday] = await daily_report(principal=ANALYST, day=today - timedelta(days=1), rail=rail)
    assert (yesterday.transfers.opening_minor, yesterday.transfers.closing_minor, yesterday.ties_out) == (0, 10_000, True)
    [tomorrow] = await daily_report(principal=ANALYST, day=today + timedelta(days=1), rail=rail)
    assert (tomorrow.transfers.opening_minor, tomorrow.transfers.net_minor, tomorrow.ties_out) == (13_000, 0, True)

    # A planted discrepancy: an entry written straight onto the settlement account for the settled top-up.
    settlement = await Account.get(system_key="SETTLEMENT:CNY")
    await Entry.create(transaction_id=top_up.transaction_id, account_id=settlement.id, amount_minor=-1,  # type: ignore[attr-defined]
                       currency="CNY", partner_id=principal.partner_id)
    [broken] = await daily_report(principal=ANALYST, day=today, rail=rail)
    assert not broken.ties_out
    assert broken.ledger.lines[SETTLED_IN] == Flow(2, 6_201) and broken.transfers.lines[SETTLED_IN] == Flow(2, 6_200)
    await Entry.filter(transaction_id=top_up.transaction_id, amount_minor=-1).delete()  # keep the shared ledger balanced
    assert (await daily_report(principal=ANALYST, day=today, rail=rail))[0].ties_out


async def test_only_staff_with_reconciliation_read_see_the_report(database_url):
    support = Principal(kind="staff", subject="support-1", partner_id=None, role="support",
                        scopes=frozenset({"partners:read"}))
    principal, _ = await funded_holder("1.00")
    for who in (support, principal):
        with pytest.raises(Forbidden):
            await daily_report(principal=who, day=clock.now().date())
