"""Period limits under real contention (PostgreSQL): concurrent postings can never together pass a limit.

Runs only with QIANBAO_TEST_DATABASE_URL=postgres://... . The customers live in
Andorra (AD), governed by a pack of this module's own (QA-AD, no AML rules):
one tier whose EUR daily limit is 5,000.00 and whose CHF monthly limit is
3,000.00, nothing else. The posting statement locks the sender's limit_usage
row before its wallets, so postings from two different wallets of one
customer still queue on that one row.
"""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections import Counter
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from auth.principal import Principal
from auth.scopes import PARTNER_SCOPES
from models import CompliancePolicy, LimitUsage
from services.compliance.policy_admin import create_policy
from services.customers import create_customer
from services.errors import DomainError, LimitExceeded
from services.ledger.posting import post_top_up, post_transfer, post_withdrawal
from services.ledger.verify import verify_ledger
from services.partners.onboarding import create_partner
from services.wallets import open_wallet
from tests.conftest import requires_postgres
from tests.integration.books import stored_balances, Books

pytestmark = requires_postgres

COUNTRY = "AD"
JURISDICTION = "QA-AD"
TIMEZONE = "Europe/Andorra"
DAILY_EUR_MINOR = 500_000      # 5,000.00 EUR a day
MONTHLY_CHF_MINOR = 300_000    # 3,000.00 CHF a month
FUND = "20000.00"

_seq = itertools.count(1)


async def ensure_pack() -> None:
    """QA-AD: one tier, EUR daily 5,000.00 and CHF monthly 3,000.00, no AML rules, no thresholds."""
    if await CompliancePolicy.exists(jurisdiction=JURISDICTION):
        return
    await create_policy(
        jurisdiction=JURISDICTION,
        values={
            "name": "Tests: Andorra period limits", "countries": [COUNTRY], "timezone": TIMEZONE,
            "thresholds": [], "aml_rules": {},
            "tiers": [{"tier": 1, "name": "Only tier", "crossBorder": False, "limits": [
                {"currency": "EUR", "daily": "5000.00"},
                {"currency": "CHF", "monthly": "3000.00"},
            ]}],
        },
        actor="test:pg-limits",
    )


async def new_partner() -> Principal:
    created = await create_partner(name=f"pg-limits-{next(_seq):04d}")
    return Principal(
        kind="partner", subject=created.client.client_id, partner_id=created.partner.id, scopes=frozenset(PARTNER_SCOPES)
    )


async def new_customer(principal: Principal, currency: str, wallets: int, fund: str | None = FUND) -> tuple[uuid.UUID, list[uuid.UUID]]:
    """An Andorran customer (no approved KYC: the pack's only tier) with `wallets` wallets, each funded."""
    n = next(_seq)
    customer = await create_customer(
        principal=principal, external_ref=f"pg-limits-{n:04d}", kind="INDIVIDUAL", display_name="Limits", country=COUNTRY
    )
    ids = []
    for i in range(wallets):
        wallet = await open_wallet(principal=principal, customer_id=customer.id, currency=currency)
        if fund is not None:
            await post_top_up(principal=principal, wallet_id=wallet.id, amount=fund, idempotency_key=f"fund-{n}-{i}")
        ids.append(wallet.id)
    return customer.id, ids


def today_keys() -> tuple[str, str]:
    local = datetime.now(timezone.utc).astimezone(ZoneInfo(TIMEZONE))
    return local.strftime("%Y-%m-%d"), local.strftime("%Y-%m")


def outcome(result: object) -> str:
    if isinstance(result, DomainError):
        return result.code
    if isinstance(result, BaseException):
        raise AssertionError(f"unexpected {type(result).__name__}: {result}") from result
    return "ok"


async def balances(principal: Principal, wallet_ids: list[uuid.UUID]) -> list[int]:
    return await stored_balances(Books(principal=principal, wallet_ids=wallet_ids))


async def test_twenty_concurrent_transfers_from_two_wallets_pass_the_daily_limit_exactly_five_times(database_url):
    await ensure_pack()
    principal = await new_partner()
    sender, sources = await new_customer(principal, "EUR", wallets=2)
    _, (target,) = await new_customer(principal, "EUR", wallets=1, fund=None)
    day_before, _ = today_keys()

    results = await asyncio.wait_for(asyncio.gather(
        *(post_transfer(principal=principal, from_wallet_id=sources[i % 2], to_wallet_id=target, amount="1000.00",
                        idempotency_key=f"daily-{i}") for i in range(20)),
        return_exceptions=True,
    ), 120)

    assert Counter(outcome(r) for r in results) == {"ok": 5, "LIMIT_EXCEEDED": 15}
    refusals = [r for r in results if isinstance(r, BaseException)]
    assert all(isinstance(r, LimitExceeded) for r in refusals)
    assert {r.message for r in refusals} == {"daily limit of 5000.00 EUR exceeded: 0.00 EUR remains"}
    assert {r.field[0] for r in refusals} == {"amount"}
    # Only the receiver's balance tells the whole story: 5 x 1,000 arrived, wherever they came from.
    source_balances = await balances(principal, sources)
    assert await balances(principal, [target]) == [DAILY_EUR_MINOR]
    assert sum(source_balances) == 2 * 2_000_000 - DAILY_EUR_MINOR
    assert all(b % 100_000 == 0 and b >= 2_000_000 - DAILY_EUR_MINOR for b in source_balances)

    usage = await LimitUsage.get(customer_id=sender, currency="EUR")
    day_after, month = today_keys()
    assert usage.day_key in {day_before, day_after}
    assert (usage.day_out_minor, usage.month_out_minor, usage.year_out_minor, usage.lifetime_out_minor) == (
        DAILY_EUR_MINOR, DAILY_EUR_MINOR, DAILY_EUR_MINOR, DAILY_EUR_MINOR,
    )
    assert usage.month_key == month
    report = await verify_ledger()
    assert report.ok, report.problems


async def test_concurrent_withdrawals_and_transfers_share_one_monthly_limit(database_url):
    await ensure_pack()
    principal = await new_partner()
    sender, sources = await new_customer(principal, "CHF", wallets=2)
    _, (target,) = await new_customer(principal, "CHF", wallets=1, fund=None)

    def posting(i: int):
        source = sources[i % 2]
        if i % 3 == 0:
            return post_withdrawal(principal=principal, wallet_id=source, amount="500.00", idempotency_key=f"mixed-{i}")
        return post_transfer(principal=principal, from_wallet_id=source, to_wallet_id=target, amount="500.00",
                             idempotency_key=f"mixed-{i}")

    results = await asyncio.wait_for(asyncio.gather(*(posting(i) for i in range(24)), return_exceptions=True), 120)

    assert Counter(outcome(r) for r in results) == {"ok": 6, "LIMIT_EXCEEDED": 18}
    assert {r.message for r in results if isinstance(r, LimitExceeded)} == {
        "monthly limit of 3000.00 CHF exceeded: 0.00 CHF remains"
    }
    received = (await balances(principal, [target]))[0]
    withdrawn = 2 * 2_000_000 - sum(await balances(principal, sources)) - received
    assert received + withdrawn == MONTHLY_CHF_MINOR
    posted = [r for r in results if not isinstance(r, BaseException)]
    assert received == 50_000 * sum(1 for r in posted if r.kind.value == "TRANSFER")
    assert withdrawn == 50_000 * sum(1 for r in posted if r.kind.value == "WITHDRAWAL")

    usage = await LimitUsage.get(customer_id=sender, currency="CHF")
    assert (usage.month_key, usage.month_out_minor, usage.lifetime_out_minor) == (
        today_keys()[1], MONTHLY_CHF_MINOR, MONTHLY_CHF_MINOR,
    )
    report = await verify_ledger()
    assert report.ok, report.problems


async def test_two_customers_racing_do_not_share_a_daily_limit(database_url):
    await ensure_pack()
    principal = await new_partner()
    alice, (alice_wallet,) = await new_customer(principal, "EUR", wallets=1)
    bob, (bob_wallet,) = await new_customer(principal, "EUR", wallets=1)
    _, (target,) = await new_customer(principal, "EUR", wallets=1, fund=None)

    # Interleaved: 6 transfers of 1,000 each, the sixth of each customer over its own limit.
    requests = [(alice_wallet if i % 2 == 0 else bob_wallet, i) for i in range(12)]
    results = await asyncio.wait_for(asyncio.gather(
        *(post_transfer(principal=principal, from_wallet_id=source, to_wallet_id=target, amount="1000.00",
                        idempotency_key=f"two-{i}") for source, i in requests),
        return_exceptions=True,
    ), 120)

    by_sender = {
        name: Counter(outcome(r) for (source, _), r in zip(requests, results) if source == wallet)
        for name, wallet in (("alice", alice_wallet), ("bob", bob_wallet))
    }
    assert by_sender == {"alice": {"ok": 5, "LIMIT_EXCEEDED": 1}, "bob": {"ok": 5, "LIMIT_EXCEEDED": 1}}
    assert await balances(principal, [alice_wallet, bob_wallet, target]) == [1_500_000, 1_500_000, 1_000_000]
    for customer in (alice, bob):
        usage = await LimitUsage.get(customer_id=customer, currency="EUR")
        assert usage.day_out_minor == DAILY_EUR_MINOR
    report = await verify_ledger()
    assert report.ok, report.problems
