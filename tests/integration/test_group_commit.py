"""services.ledger.group_commit: postings in order, each with its own answer; on PostgreSQL, consecutive plain transfers
that share no customer are written in one transaction, and anything the group cannot answer runs one by one."""

from __future__ import annotations

import asyncio
import random

import pytest

from models import Transaction
from models.enums import TransactionStatus
from services.errors import DomainError, InsufficientFunds
from services.history_reads import note_history_read
from services.ledger import group_commit
from services.ledger.engine import backend_name
from services.ledger.group_commit import post_in_order
from services.ledger.posting import post_top_up, post_transfer
from services.ledger.records import TransactionRecord
from services.ledger.verify import verify_ledger
from services.metrics import group_count
from tests.conftest import requires_postgres
from tests.integration.backend_support import balances, transfer_request
from tests.integration.service_support import Holder, holder, new_partner


async def _people(count: int, funded: dict[int, str]):  # noqa: ANN202
    principal = await new_partner("group")
    people = [await holder(principal) for _ in range(count)]
    for index, amount in funded.items():
        await post_top_up(principal=principal, wallet_id=people[index].wallet_id, amount=amount,
                          idempotency_key=f"group-fund-{people[index].wallet_id}")
    return principal, people


async def _seen_active(principal, payer: Holder, targets: list[Holder]) -> None:  # noqa: ANN001
    """A cent from the payer to each target: the payer is then seen active, so its plans read no AML history."""
    for target in targets:
        await post_transfer(principal=principal, from_wallet_id=payer.wallet_id, to_wallet_id=target.wallet_id,
                            amount="0.01", idempotency_key=f"group-warm-{target.wallet_id}")


def _codes(outcomes: list) -> list[str]:
    return [o.code if isinstance(o, DomainError) else o.status.value for o in outcomes]


async def test_each_posting_answers_as_it_would_alone_and_in_order(database_url):
    principal, (a, b, c, d, e, f) = await _people(6, {0: "100.00", 4: "100.00"})
    written = group_count("written")
    outcomes = await post_in_order(principal, [
        transfer_request(a, b, "30.00"),
        transfer_request(c, d, "5.00"),   # c has nothing: refused, the others still go through
        transfer_request(e, f, "40.00"),
        transfer_request(b, c, "20.00"),  # b shares a customer with the first: planned after it is written
        transfer_request(c, d, "15.00"),  # ... and c, with what b just sent it
    ], None)
    assert _codes(outcomes) == ["POSTED", "INSUFFICIENT_FUNDS", "POSTED", "POSTED", "POSTED"]
    assert isinstance(outcomes[1], InsufficientFunds)
    fee = [o.fee_minor if isinstance(o, TransactionRecord) else 0 for o in outcomes]
    assert [x for x, _ in await balances(a, b, c, d, e, f)] == [
        10_000 - 3_000 - fee[0], 3_000 - 2_000 - fee[3], 2_000 - 1_500 - fee[4], 1_500, 10_000 - 4_000 - fee[2], 4_000,
    ]
    if backend_name() == "postgres":
        assert group_count("written") > written
        first, third = (await Transaction.get(id=outcomes[0].id)), (await Transaction.get(id=outcomes[2].id))
        assert first.created_at == third.created_at  # one (implicit) transaction: one now()
    assert (await verify_ledger()).ok


async def test_a_batch_again_replays_every_posting_and_writes_nothing(database_url):
    principal, people = await _people(6, {0: "50.00", 2: "50.00", 4: "50.00"})
    requests = [transfer_request(people[i], people[i + 1], "10.00") for i in (0, 2, 4)]
    first = await post_in_order(principal, requests, None)
    count = await Transaction.all().count()
    again = await post_in_order(principal, requests, None)
    assert [o.id for o in again] == [o.id for o in first] and all(o.replayed for o in again)
    assert await Transaction.all().count() == count


@requires_postgres
async def test_a_key_claimed_after_the_check_writes_nothing_of_the_run_and_each_runs_alone(database_url, monkeypatch):
    principal, people = await _people(6, {0: "50.00", 2: "50.00", 4: "50.00"})
    requests = [transfer_request(people[i], people[i + 1], "10.00") for i in (0, 2, 4)]
    original = await post_transfer(principal=principal, from_wallet_id=people[2].wallet_id,
                                   to_wallet_id=people[3].wallet_id, amount="10.00",
                                   idempotency_key=requests[1].idempotency_key)

    async def none_stored(partner_id, keys):  # noqa: ANN001, ANN202
        return set()  # as if the key were claimed by another request between the check and the write

    monkeypatch.setattr(group_commit, "_stored_keys", none_stored)
    before = group_count("one_by_one", "UniqueViolationError")
    outcomes = await post_in_order(principal, requests, None)
    assert group_count("one_by_one", "UniqueViolationError") == before + 1
    assert _codes(outcomes) == ["POSTED", "POSTED", "POSTED"]
    assert outcomes[1].id == original.id and outcomes[1].replayed and not outcomes[0].replayed
    assert await Transaction.filter(idempotency_key__in=[r.idempotency_key for r in requests]).count() == 3
    assert (await verify_ledger()).ok


@requires_postgres
async def test_a_refusal_the_group_cannot_name_runs_alone_after_the_run(database_url, monkeypatch):
    principal, people = await _people(6, {0: "50.00", 4: "50.00"})
    requests = [transfer_request(people[0], people[1], "10.00"), transfer_request(people[2], people[3], "10.00"),
                transfer_request(people[4], people[5], "10.00")]

    def velocity_fires(rows, plan, req):  # noqa: ANN001, ANN202
        raise group_commit.VelocityFires()  # what VELOCITY firing on the locked usage row looks like

    monkeypatch.setattr(group_commit, "name_the_refusal", velocity_fires)
    before, written = group_count("alone", "VelocityFires"), group_count("written")
    outcomes = await post_in_order(principal, requests, None)
    assert group_count("alone", "VelocityFires") == before + 1 and group_count("written") == written + 1
    # The first and last posted with the run; the middle one, which wrote nothing, alone through the engine: refused.
    assert _codes(outcomes) == ["POSTED", "INSUFFICIENT_FUNDS", "POSTED"]
    assert await Transaction.filter(idempotency_key__in=[r.idempotency_key for r in requests]).count() == 2
    assert [x for x, _ in await balances(people[1], people[5])] == [1_000, 1_000]


@requires_postgres
async def test_crossing_groups_and_single_postings_never_deadlock(database_url):
    principal, people = await _people(16, {i: "1000.00" for i in range(16)})
    rng = random.Random(18)

    def batch() -> list:
        pairs = [rng.sample(people, 2) for _ in range(30)]
        return [transfer_request(x, y, f"{rng.randint(1, 900)}.00") for x, y in pairs]

    async def single(source: Holder, target: Holder) -> object:
        try:
            return await post_transfer(principal=principal, from_wallet_id=source.wallet_id,
                                       to_wallet_id=target.wallet_id, amount="3.00",
                                       idempotency_key=f"group-single-{rng.random()}")
        except DomainError as refusal:
            return refusal

    deadlocks = group_count("one_by_one", "DeadlockDetectedError")
    written = group_count("written")
    before = await Transaction.all().count()
    results = await asyncio.gather(*[post_in_order(principal, batch(), None) for _ in range(6)],
                                   *[single(*rng.sample(people, 2)) for _ in range(20)])
    outcomes = [o for batch_outcomes in results[:6] for o in batch_outcomes] + list(results[6:])
    codes = _codes(outcomes)
    assert set(codes) <= {"POSTED", "INSUFFICIENT_FUNDS"}, codes
    assert group_count("one_by_one", "DeadlockDetectedError") == deadlocks
    assert group_count("written") > written
    assert await Transaction.all().count() - before == codes.count("POSTED")
    assert all(o.status is TransactionStatus.POSTED for o in outcomes if isinstance(o, TransactionRecord))
    report = await verify_ledger()
    assert report.ok, report.problems


@pytest.mark.parametrize("shared", ["payer", "payee"])
async def test_a_customer_shared_with_the_group_ends_it(database_url, shared):
    principal, (a, b, c) = await _people(3, {0: "10.00", 1: "10.00"})
    # b pays c everything it holds after a pays it: only right if b's posting comes after a's.
    first = transfer_request(a, b, "10.00") if shared == "payee" else transfer_request(b, c, "1.00")
    second = transfer_request(b, c, "15.00") if shared == "payee" else transfer_request(b, a, "1.00")
    outcomes = await post_in_order(principal, [first, second], None)
    assert _codes(outcomes) in (["POSTED", "POSTED"], ["POSTED", "INSUFFICIENT_FUNDS"])
    if shared == "payee":
        # b had 10.00 and got 10.00 less a's fee paid by a: 15.00 fits whatever the fee.
        assert _codes(outcomes) == ["POSTED", "POSTED"]


@requires_postgres
async def test_a_payout_batch_from_one_wallet_is_one_run_in_order(database_url):
    principal, people = await _people(5, {0: "50.00"})
    payer = people[0]
    await _seen_active(principal, payer, people[1:])
    written = group_count("written")
    outcomes = await post_in_order(principal, [
        transfer_request(payer, people[1], "20.00"), transfer_request(payer, people[2], "20.00"),
        transfer_request(payer, people[3], "20.00"),  # what is left is less: refused, in its place
        transfer_request(payer, people[4], "1.00"),
    ], None)
    assert _codes(outcomes) == ["POSTED", "POSTED", "INSUFFICIENT_FUNDS", "POSTED"]
    assert group_count("written") == written + 1
    stamps = {(await Transaction.get(id=o.id)).created_at for o in outcomes if isinstance(o, TransactionRecord)}
    assert len(stamps) == 1  # one transaction
    assert (await verify_ledger()).ok


@requires_postgres
async def test_a_plan_that_read_history_closes_the_group_and_is_made_again(database_url, monkeypatch):
    principal, people = await _people(3, {0: "50.00"})
    real_plan = group_commit.plan_posting
    plans: list[str] = []

    async def plan_reading_history(principal, checked):  # noqa: ANN001, ANN202
        plans.append(checked.req.idempotency_key)
        if checked.req.to_wallet_id == people[2].wallet_id:
            note_history_read("test")  # as a fee allowance or AML activity read would
        return await real_plan(principal, checked)

    monkeypatch.setattr(group_commit, "plan_posting", plan_reading_history)
    requests = [transfer_request(people[0], people[1], "10.00"), transfer_request(people[0], people[2], "10.00")]
    written = group_count("written")
    outcomes = await post_in_order(principal, requests, None)
    assert _codes(outcomes) == ["POSTED", "POSTED"]
    # The second shares the payer and read history: the first was written alone, the second planned again.
    assert plans == [requests[0].idempotency_key, requests[1].idempotency_key, requests[1].idempotency_key]
    assert group_count("written") == written  # two groups of one: the engine's single postings


@requires_postgres
async def test_a_run_with_one_customer_twice_writes_velocity_alerts_itself(database_url, monkeypatch):
    principal, people = await _people(4, {0: "50.00"})
    payer = people[0]
    await _seen_active(principal, payer, people[1:])
    variants: list[bool] = []
    real = group_commit.posting_statement

    def recording(*args, velocity_alert, **kwargs):  # noqa: ANN002, ANN003, ANN202
        variants.append(velocity_alert)
        return real(*args, velocity_alert=velocity_alert, **kwargs)

    monkeypatch.setattr(group_commit, "posting_statement", recording)
    requests = [transfer_request(payer, people[1], "10.00"), transfer_request(payer, people[2], "100.00"),
                transfer_request(payer, people[3], "10.00")]
    outcomes = await post_in_order(principal, requests, None)
    assert _codes(outcomes) == ["POSTED", "INSUFFICIENT_FUNDS", "POSTED"]
    # The payer in every posting: the statements that carry VELOCITY's alert, so none needs a second one after the run.
    assert variants[-3:] == [True, True, True]
    assert await Transaction.filter(idempotency_key__in=[r.idempotency_key for r in requests]).count() == 2


@requires_postgres
async def test_a_run_whose_texts_differ_is_never_bound_to_one_text(database_url, monkeypatch):
    principal, people = await _people(3, {0: "50.00"})
    payer = people[0]
    await _seen_active(principal, payer, people[1:])
    real = group_commit._statement
    calls = iter(range(1_000))

    def diverging(*args, velocity_alert=False, **kwargs):  # noqa: ANN002, ANN003, ANN202
        sql, values = real(*args, velocity_alert=velocity_alert, **kwargs)
        return (sql + f" -- {next(calls)}" if velocity_alert else sql), values  # as if the texts split apart

    monkeypatch.setattr(group_commit, "_statement", diverging)
    before = group_count("one_by_one", "texts differ")
    outcomes = await post_in_order(principal, [transfer_request(payer, people[1], "1.00"),
                                               transfer_request(payer, people[2], "1.00")], None)
    assert group_count("one_by_one", "texts differ") == before + 1
    assert _codes(outcomes) == ["POSTED", "POSTED"] and not any(o.replayed for o in outcomes)
