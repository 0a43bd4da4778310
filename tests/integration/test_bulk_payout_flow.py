"""Bulk payouts through the services on a real database (SQLite here; PostgreSQL too when configured): the line
report, execution, and exactly-once payment of every line when a run dies half-way and runners overlap."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import timedelta

import pytest

from auth.principal import Principal
from models import Account, Transaction, Wallet
from models.enums import WalletStatus
from models.bulk_payout import BulkPayout, BulkPayoutLine
from schema.common.relay import parse_global_id, to_global_id
from services import clock
from services.business import bulk_execute
from services.business.bulk_approval import approve_bulk_payout
from services.business.bulk_beneficiaries import check_beneficiaries
from services.business.bulk_create import create_bulk_payout
from services.business.bulk_csv import parse_file
from services.business.bulk_events import announce
from services.business.bulk_execute import execute_bulk_payout, line_key, run_lines
from services.business.bulk_queries import bulk_payout_lines, get_bulk_payout, line_counts
from services.business.bulk_records import COMPLETED, EXECUTING, LINE_PAID
from services.errors import BulkPayoutInvalid, MemberRoleForbidden, NotFound
from services.ledger.posting import post_top_up
from services.money import format_amount
from tests.factories import UNLIMITED_COUNTRY, ensure_unlimited_pack
from tests.integration.points_support import ledger_ok
from tests.integration.service_support import Holder, holder, new_partner

__all__ = ["announce", "bulk_world", "check_beneficiaries", "parse_file"]  # imported for the module-coverage test


@dataclass(frozen=True)
class BulkWorld:
    """A partner, a funded BUSINESS wallet (no limits: the unlimited test pack) and payee wallets."""

    partner: Principal
    business: Holder
    payees: list[Holder]


async def bulk_world(*, payees: int, funds_minor: int) -> BulkWorld:
    """A partner whose business wallet holds funds_minor CNY fen, and `payees` payee wallets."""
    await ensure_unlimited_pack()
    partner = await new_partner("bulk")
    business = await holder(partner, country=UNLIMITED_COUNTRY, tier=1, kind="BUSINESS")
    others = [await holder(partner, country=UNLIMITED_COUNTRY, tier=1) for _ in range(payees)]
    await post_top_up(principal=partner, wallet_id=business.wallet_id, amount=format_amount(funds_minor, "CNY"),
                      idempotency_key=f"bulk-fund-{uuid.uuid4()}")
    return BulkWorld(partner=partner, business=business, payees=others)


def csv_of(world: BulkWorld, lines: int, amount: str = "1.00") -> str:
    """A file of `lines` payouts spread over the payees, each with its own reference (so none is a duplicate)."""
    rows = [f"{to_global_id('Wallet', world.payees[n % len(world.payees)].wallet_id)},{amount},run line {n}"
            for n in range(lines)]
    return "beneficiary,amount,reference\n" + "\n".join(rows) + "\n"


async def balance_minor(account_id: int) -> int:
    return (await Account.get(id=account_id)).balance_minor


async def new_batch(world: BulkWorld, lines: int, *, mode: str = "PARTIAL") -> uuid.UUID:
    record = await create_bulk_payout(
        principal=world.partner, from_wallet_id=world.business.wallet_id, csv_text=csv_of(world, lines),
        csv_base64=None, mode=mode, idempotency_key=f"bulk-{uuid.uuid4()}", decode_id=parse_global_id)
    assert record.valid_count == lines, record
    return record.id


async def assert_paid_exactly_once(world: BulkWorld, batch_id: uuid.UUID, lines: int, start_minor: int) -> None:
    """Every line PAID with its own transaction, one TRANSFER per line key, balances and the ledger consistent."""
    paid = await BulkPayoutLine.filter(bulk_payout_id=batch_id, status=LINE_PAID).values_list("transaction_id",
                                                                                              flat=True)
    assert len(paid) == lines and len(set(paid)) == lines
    keys = [line_key(batch_id, n) for n in range(2, lines + 2)]
    posted = await Transaction.filter(partner_id=world.partner.partner_id, idempotency_key__in=keys).count()
    assert posted == lines
    assert await balance_minor(world.business.account_id) == start_minor - 100 * lines
    assert sum([await balance_minor(p.account_id) for p in world.payees]) == 100 * lines
    await ledger_ok()


async def test_a_run_that_dies_after_a_commit_resumes_and_pays_no_line_twice(database_url, monkeypatch):
    world = await bulk_world(payees=3, funds_minor=100_000)
    batch_id = await new_batch(world, 30)
    real = bulk_execute._post_line
    calls = {"n": 0}

    async def dies_after_the_tenth_commit(batch, line, runner):
        txn = await real(batch, line, runner)
        calls["n"] += 1
        if calls["n"] == 10:
            raise RuntimeError("the process died after the posting committed, before the line was marked")
        return txn

    monkeypatch.setattr(bulk_execute, "_post_line", dies_after_the_tenth_commit)
    with pytest.raises(Exception) as died:  # one worker's error (in a task group on PostgreSQL)
        await execute_bulk_payout(principal=world.partner, bulk_payout_id=batch_id, idempotency_key="run-1")
    assert "the process died" in repr(died.value) or "the process died" in repr(getattr(died.value, "exceptions", ""))
    monkeypatch.setattr(bulk_execute, "_post_line", real)
    counts = await line_counts(batch_id)
    # The tenth line was marked with its posting, atomically (other workers may have finished a line or two more).
    assert 10 <= counts.paid < 10 + bulk_execute.POSTGRES_WORKERS and counts.paid + counts.pending == 30
    # Within the dead runner's lease, a retry answers the progress and pays nothing.
    waiting = await execute_bulk_payout(principal=world.partner, bulk_payout_id=batch_id, idempotency_key="run-1")
    assert waiting.status == EXECUTING and waiting.counts.paid == counts.paid
    later = clock.system_now() + bulk_execute.LEASE + timedelta(seconds=1)
    clock.set_clock(lambda: later)
    try:
        done = await execute_bulk_payout(principal=world.partner, bulk_payout_id=batch_id, idempotency_key="run-1")
    finally:
        clock.set_clock(None)
    assert done.status == COMPLETED and done.counts.paid == 30 and done.replayed
    await assert_paid_exactly_once(world, batch_id, 30, 100_000)
    assert (await BulkPayout.get(id=batch_id)).paid_minor == 3000


async def test_two_runners_over_the_same_lines_pay_each_line_once(database_url):
    world = await bulk_world(payees=4, funds_minor=100_000)
    batch_id = await new_batch(world, 40)
    started = await BulkPayout.get(id=batch_id)
    await BulkPayout.filter(id=batch_id).update(status=EXECUTING, execute_key="run-x")
    # Two runners ignoring each other (as if a lease lapsed while its runner still worked): keys and claims decide.
    await asyncio.gather(run_lines(started, bulk_execute.line_runner(world.partner)),
                         run_lines(started, bulk_execute.line_runner(world.partner)))
    await assert_paid_exactly_once(world, batch_id, 40, 100_000)
    assert (await BulkPayout.get(id=batch_id)).status == COMPLETED


async def test_reads_are_scoped_and_all_or_nothing_refuses_a_frozen_beneficiary(database_url):
    world = await bulk_world(payees=2, funds_minor=10_000)
    other = await new_partner("bulk-other")
    batch_id = await new_batch(world, 4, mode="ALL_OR_NOTHING")
    with pytest.raises(NotFound):
        await get_bulk_payout(principal=other, bulk_payout_id=batch_id)
    page = await bulk_payout_lines(principal=world.partner, bulk_payout_id=batch_id, status=None, first=3, after=None)
    assert [line.line_number for line in page.items] == [2, 3, 4] and page.has_next_page
    rest = await bulk_payout_lines(principal=world.partner, bulk_payout_id=batch_id, status=None, first=3,
                                   after=page.cursors[-1])
    assert [line.line_number for line in rest.items] == [5]
    await Wallet.filter(id=world.payees[1].wallet_id).update(status=WalletStatus.FROZEN)
    with pytest.raises(BulkPayoutInvalid):
        await execute_bulk_payout(principal=world.partner, bulk_payout_id=batch_id, idempotency_key="run-aon")
    assert await balance_minor(world.business.account_id) == 10_000
    assert (await BulkPayout.get(id=batch_id)).execute_key is None  # a refusal binds no key


async def test_approval_is_refused_to_a_partner_token(database_url):
    world = await bulk_world(payees=1, funds_minor=1_000)
    batch_id = await new_batch(world, 1)
    with pytest.raises(MemberRoleForbidden):
        await approve_bulk_payout(principal=world.partner, bulk_payout_id=batch_id)
