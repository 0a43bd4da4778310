"""services.history_reads: the readers of a customer's posting history say so (services.ledger.group_commit relies
on it), and only when they really read it."""

from __future__ import annotations

from datetime import datetime, timezone

from services.aml.activity import note_activity, read_activity
from services.aml.rules import Posting
from services.caches import LAST_ACTIVE
from services.fees.charging import _used_this_month
from services.history_reads import note_history_read, watching_history
from tests.integration.service_support import holder, new_partner

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=timezone.utc)
DORMANT = {"DORMANT_REACTIVATION": {"dormantDays": 90}}


def test_nothing_is_recorded_unless_watched_and_watches_do_not_leak():
    note_history_read("unwatched")  # no watcher: nothing to record, nothing raised
    with watching_history() as outer:
        note_history_read("a")
        with watching_history() as inner:
            note_history_read("b")
        note_history_read("c")
    assert outer == ["a", "c"] and inner == ["b"]


async def test_the_fee_allowance_and_the_aml_activity_are_history_reads(database_url):
    principal = await new_partner("history")
    wallet = await holder(principal)
    with watching_history() as reads:
        await _used_this_month(wallet.customer_id, "TRANSFER", NOW)
    assert reads == ["fee allowance"]
    LAST_ACTIVE.clear()
    posting = Posting(kind="TRANSFER", currency="CNY", amount_minor=100, outgoing=True, at=NOW)
    with watching_history() as reads:
        await read_activity(wallet.wallet_id, DORMANT, posting, None)
    assert reads == ["aml activity"]
    note_activity([wallet.wallet_id], NOW)  # seen active: no dormancy query, no history read
    with watching_history() as reads:
        await read_activity(wallet.wallet_id, DORMANT, posting, None)
    assert reads == []
