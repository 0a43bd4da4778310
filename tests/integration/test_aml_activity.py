"""services.aml.activity: the recent activity the AML rules read, in one query, only for the rules that could fire."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from models import Transaction, Wallet
from services.aml.activity import HISTORY_RULES, history_needed, note_activity, read_activity
from services.aml.rules import Activity, Posting
from services.caches import LAST_ACTIVE
from services.ledger.posting import post_transfer
from tests.integration.books import open_books

THRESHOLD = 1_000  # 10.00 EUR: the band of STRUCTURING is [9.00, 10.00)
RULES = {
    "STRUCTURING": {"severity": "HIGH", "action": "HOLD", "minCount": 3, "windowHours": 24, "bandBps": 1_000},
    "RAPID_PASS_THROUGH": {"severity": "HIGH", "action": "HOLD", "windowMinutes": 30, "minShareBps": 9_000, "amountBps": 2_000},
    "NEW_ACCOUNT_HIGH_VALUE": {"severity": "MEDIUM", "action": "HOLD", "accountAgeDays": 7, "amountBps": 5_000},
    "DORMANT_REACTIVATION": {"severity": "LOW", "action": "ALERT", "dormantDays": 180},
}


def posting(amount_minor: int, *, outgoing: bool = True, at: datetime | None = None) -> Posting:
    return Posting(kind="TRANSFER", currency="EUR", amount_minor=amount_minor, outgoing=outgoing,
                   at=at or datetime.now(timezone.utc))


def test_only_rules_that_could_fire_need_history():
    assert HISTORY_RULES == {"STRUCTURING", "RAPID_PASS_THROUGH", "NEW_ACCOUNT_HIGH_VALUE", "DORMANT_REACTIVATION"}
    # A small amount: only dormancy could matter.
    assert history_needed(RULES, posting(100), THRESHOLD) == {"DORMANT_REACTIVATION"}
    # Inside the structuring band, and above 20 % / 50 % of the threshold.
    assert history_needed(RULES, posting(950), THRESHOLD) == set(HISTORY_RULES)
    # At the threshold: no longer structuring.
    assert history_needed(RULES, posting(1_000), THRESHOLD) == HISTORY_RULES - {"STRUCTURING"}
    # 20 % but not 50 %: pass-through only.
    assert history_needed(RULES, posting(200), THRESHOLD) == {"RAPID_PASS_THROUGH", "DORMANT_REACTIVATION"}
    # Incoming money, or a currency without a threshold: no amount rule.
    assert history_needed(RULES, posting(950, outgoing=False), THRESHOLD) == {"DORMANT_REACTIVATION"}
    assert history_needed(RULES, posting(950), None) == {"DORMANT_REACTIVATION"}


def test_disabled_and_missing_rules_need_nothing():
    disabled = {rule: {**setting, "enabled": False} for rule, setting in RULES.items()}
    assert history_needed(disabled, posting(950), THRESHOLD) == set()
    assert history_needed({}, posting(950), THRESHOLD) == set()


async def test_nothing_needed_means_no_query_and_a_wallet_known_active(database_url):
    books = await open_books(["EUR"])
    at = datetime.now(timezone.utc)
    only_large = {"LARGE_TRANSACTION": {"severity": "LOW", "action": "ALERT"}}
    assert await read_activity(books.wallet_ids[0], only_large, posting(5, at=at), THRESHOLD) == Activity(
        opened_at=at, last_activity_at=at)


async def test_a_wallet_seen_active_within_the_dormancy_window_needs_no_query(database_url):
    books = await open_books(["EUR"])
    at = datetime.now(timezone.utc)
    seen = at - timedelta(days=179)
    note_activity([books.wallet_ids[0]], seen)
    assert LAST_ACTIVE.get(books.wallet_ids[0]) == seen
    dormant_only = {"DORMANT_REACTIVATION": RULES["DORMANT_REACTIVATION"]}
    assert await read_activity(books.wallet_ids[0], dormant_only, posting(5, at=at), THRESHOLD) == Activity(
        opened_at=at, last_activity_at=seen)


async def test_a_wallet_that_never_moved_has_no_last_activity(database_url):
    books = await open_books(["EUR"])
    wallet_id = books.wallet_ids[0]
    LAST_ACTIVE.data.pop(wallet_id, None)
    activity = await read_activity(wallet_id, RULES, posting(5), THRESHOLD)
    opened = (await Wallet.get(id=wallet_id)).created_at
    assert activity.last_activity_at is None
    assert abs((activity.opened_at - opened).total_seconds()) < 1
    assert (activity.near_threshold_count, activity.recent_in_minor) == (0, 0)


async def test_structuring_pass_through_and_dormancy_are_read_from_the_wallets_transactions(database_url):
    books = await open_books(["EUR", "EUR"], fund="100.00")
    source, target = books.wallet_ids
    for n, amount in enumerate(["9.50", "9.00", "5.00", "10.00"]):
        await post_transfer(principal=books.principal, from_wallet_id=source, to_wallet_id=target, amount=amount,
                            idempotency_key=f"activity-{n}")
    for wallet_id in books.wallet_ids:
        LAST_ACTIVE.data.pop(wallet_id, None)  # forget what this process saw: dormancy is read from the rows
    latest = max(t.created_at for t in await Transaction.filter(from_wallet_id=source))

    out = await read_activity(source, RULES, posting(950), THRESHOLD)
    assert out.near_threshold_count == 2  # 9.50 and 9.00 are in [9.00, 10.00); 5.00 and 10.00 are not
    assert out.recent_in_minor == 0
    assert out.last_activity_at is not None and abs((out.last_activity_at - latest).total_seconds()) < 1

    into = await read_activity(target, RULES, posting(950), THRESHOLD)
    assert into.recent_in_minor == 950 + 900 + 500 + 1_000  # transfers in; the top-up does not count
    assert into.near_threshold_count == 0
    assert into.last_activity_at is not None and abs((into.last_activity_at - latest).total_seconds()) < 1


async def test_transfers_outside_the_windows_do_not_count(database_url):
    books = await open_books(["EUR", "EUR"], fund="100.00")
    source, target = books.wallet_ids
    await post_transfer(principal=books.principal, from_wallet_id=source, to_wallet_id=target, amount="9.50",
                        idempotency_key="old")
    later = datetime.now(timezone.utc) + timedelta(hours=25)  # the 24-hour and 30-minute windows have passed
    out = await read_activity(source, RULES, posting(950, at=later), THRESHOLD)
    into = await read_activity(target, RULES, posting(950, at=later), THRESHOLD)
    assert (out.near_threshold_count, into.recent_in_minor) == (0, 0)
