"""Maker-checker under concurrency on PostgreSQL (issue 16 part 6): racing approvals, rejections and the expiry
sweep decide each payout request exactly once, and racing requests never hold more than the wallet has."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from datetime import timedelta

from models import Account, Transaction
from models.business import PayoutRequest
from services import clock
from services.business import payout_decisions
from services.business.payout_requests import create_payout_request
from services.errors import DomainError
from services.ledger.verify import verify_ledger
from tests.conftest import requires_postgres
from tests.integration.test_maker_checker_flow import _business, as_member
from tests.integration.service_support import new_partner

pytestmark = requires_postgres
REQUESTS = 6
RACERS = 6


async def _outcome(call) -> str:  # noqa: ANN001 - an awaitable
    """OK, or the refusal's code."""
    try:
        await asyncio.wait_for(call, timeout=60)
    except DomainError as refused:
        return refused.code
    return "OK"


async def test_racing_decisions_decide_each_request_exactly_once(database_url):
    partner = await new_partner("mc-pg")
    biz, payee, team = await _business(partner)
    clerk = as_member(partner, biz.customer_id, team["clerk"])
    checkers = [as_member(partner, biz.customer_id, team[name]) for name in ("owner", "admin")]
    made = [await create_payout_request(principal=clerk, from_wallet_id=biz.wallet_id, to_wallet_id=payee.wallet_id,
                                        amount="101.00", idempotency_key=f"race-{i}") for i in range(REQUESTS)]
    start = clock.now()
    outcomes: Counter[str] = Counter()
    for n, request in enumerate(made):
        calls = []
        for i in range(RACERS):
            who = checkers[i % 2]
            if i % 3 == 0:
                calls.append(payout_decisions.reject(principal=who, request_id=request.id))
            else:
                calls.append(payout_decisions.approve(principal=who, request_id=request.id))
        if n == REQUESTS - 1:
            # The last one also races the sweep, at a moment past its expiry (the earlier ones are decided by now).
            calls.append(payout_decisions.expire_due(now=start + timedelta(days=4)))
        results = await asyncio.gather(*(_outcome(c) for c in calls))
        outcomes.update(results)
    statuses = Counter(await PayoutRequest.filter(id__in=[r.id for r in made]).values_list("status", flat=True))
    assert sum(statuses.values()) == REQUESTS and "PENDING" not in statuses
    approved = statuses["APPROVED"]
    txns = await Transaction.filter(id__in=[r.transaction_id for r in made])
    assert Counter(t.status for t in txns)["POSTED"] == approved
    debited = sum(t.amount_minor + t.fee_minor for t in txns if t.status == "POSTED")
    account = await Account.get(id=biz.account_id)
    assert (account.balance_minor, account.held_minor) == (100_000 - debited, 0)
    assert set(outcomes) <= {"OK", "PAYOUT_REQUEST_NOT_PENDING"}, outcomes
    report = await verify_ledger()
    assert report.ok, report.problems
    print(f"\n{REQUESTS} payout requests x {RACERS} racing decisions: {dict(statuses)}; calls {dict(outcomes)}")


async def test_racing_requests_never_hold_more_than_the_wallet_has(database_url):
    partner = await new_partner("mc-pg")
    biz, payee, team = await _business(partner)
    makers = [as_member(partner, biz.customer_id, team[name]) for name in ("clerk", "admin", "owner")]
    calls = [create_payout_request(principal=makers[i % 3], from_wallet_id=biz.wallet_id,
                                   to_wallet_id=payee.wallet_id if i % 2 else None, amount="150.00",
                                   idempotency_key=f"burst-{uuid.uuid4()}") for i in range(16)]
    outcomes = Counter(await asyncio.gather(*(_outcome(c) for c in calls)))
    assert set(outcomes) <= {"OK", "INSUFFICIENT_FUNDS"}, outcomes
    account = await Account.get(id=biz.account_id)
    assert account.balance_minor == 100_000 and 0 < account.held_minor <= account.balance_minor
    assert outcomes["OK"] == await PayoutRequest.filter(customer_id=biz.customer_id, status="PENDING").count()
    assert (await verify_ledger()).ok
    print(f"\n16 racing payout requests of 150.00 on 1000.00: {dict(outcomes)}, held {account.held_minor}")
