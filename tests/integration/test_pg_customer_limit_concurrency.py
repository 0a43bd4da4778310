"""Customer-set limits, and walletClose, under real contention (PostgreSQL).

Runs only with QIANBAO_TEST_DATABASE_URL=postgres://... . The customers live
in Saint Pierre and Miquelon (PM) under this module's own pack (QA-PM-OWN:
one tier, EUR daily 5,000.00, no AML rules), so any refusal here comes from the limit a
customer set itself, which the posting checks together with the tier's, on
the sender's locked limit-usage row: concurrent postings cannot together
pass it, from one wallet or from several. walletClose locks the wallets it
sweeps between in the engine's order: money arriving meanwhile is swept or
refused, never stranded, and one idempotency key closes one wallet once.
"""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections import Counter

from auth.principal import Principal
from auth.scopes import PARTNER_SCOPES
from models import CompliancePolicy, LimitUsage, Transaction, Wallet
from models.enums import TransactionKind, WalletStatus
from services.compliance.customer_limits import set_own_limits
from services.compliance.policy_admin import create_policy
from services.customers import create_customer
from services.errors import DomainError, LimitExceeded
from services.ledger.posting import post_top_up, post_transfer
from services.ledger.verify import verify_ledger
from services.partners.onboarding import create_partner
from services.wallet_closing import close_wallet
from services.wallets import open_wallet
from tests.conftest import requires_postgres
from tests.integration.books import Books, stored_balances

pytestmark = requires_postgres

COUNTRY = "PM"  # Saint Pierre and Miquelon: no other test's pack claims it
JURISDICTION = "QA-PM-OWN"
_seq = itertools.count(1)


async def ensure_pack() -> None:
    """QA-PM-OWN: one tier, EUR daily 5,000.00, nothing else (no AML rules, no thresholds)."""
    if await CompliancePolicy.exists(jurisdiction=JURISDICTION):
        return
    await create_policy(
        jurisdiction=JURISDICTION,
        values={
            "name": "Tests: Saint Pierre and Miquelon, customers' own limits", "countries": [COUNTRY], "timezone": "America/Miquelon",
            "thresholds": [], "aml_rules": {},
            "tiers": [{"tier": 1, "name": "Only tier", "crossBorder": False, "limits": [{"currency": "EUR", "daily": "5000.00"}]}],
        },
        actor="test:pg-own-limits",
    )


async def new_partner() -> Principal:
    created = await create_partner(name=f"pg-own-limits-{next(_seq):04d}")
    return Principal(kind="partner", subject=created.client.client_id, partner_id=created.partner.id,
                     scopes=frozenset(PARTNER_SCOPES))


async def new_customer(principal: Principal, wallets: int, fund: str | None = "1000.00") -> tuple[uuid.UUID, list[uuid.UUID]]:
    n = next(_seq)
    customer = await create_customer(principal=principal, external_ref=f"pg-own-{n:04d}", kind="INDIVIDUAL",
                                     display_name="Own limits", country=COUNTRY)
    ids = []
    for i in range(wallets):
        wallet = await open_wallet(principal=principal, customer_id=customer.id, currency="EUR")
        if fund is not None:
            await post_top_up(principal=principal, wallet_id=wallet.id, amount=fund, idempotency_key=f"fund-{n}-{i}")
        ids.append(wallet.id)
    return customer.id, ids


def outcome(result: object) -> str:
    if isinstance(result, DomainError):
        return result.code
    if isinstance(result, BaseException):
        raise AssertionError(f"unexpected {type(result).__name__}: {result}") from result
    return "ok"


async def test_concurrent_transfers_from_two_wallets_pass_a_customers_own_daily_limit_at_most_once_over(database_url):
    await ensure_pack()
    principal = await new_partner()
    sender, sources = await new_customer(principal, wallets=2)
    _, (target,) = await new_customer(principal, wallets=1, fund=None)
    await set_own_limits(principal=principal, customer_id=sender, currency="EUR", daily="10.00")

    results = await asyncio.wait_for(asyncio.gather(
        *(post_transfer(principal=principal, from_wallet_id=sources[i % 2], to_wallet_id=target, amount="3.00",
                        idempotency_key=f"own-{i}") for i in range(16)),
        return_exceptions=True,
    ), 120)

    assert Counter(outcome(r) for r in results) == {"ok": 3, "LIMIT_EXCEEDED": 13}
    assert {r.message for r in results if isinstance(r, LimitExceeded)} == {
        "daily limit of 10.00 EUR exceeded: 1.00 EUR remains"
    }
    assert await stored_balances(Books(principal=principal, wallet_ids=[target])) == [900]
    assert sum(await stored_balances(Books(principal=principal, wallet_ids=sources))) == 2 * 100_000 - 900
    usage = await LimitUsage.get(customer_id=sender, currency="EUR")
    assert usage.day_out_minor == 900 <= 1_000
    report = await verify_ledger()
    assert report.ok, report.problems


async def test_lowering_the_limit_while_postings_run_never_lets_usage_pass_either_limit(database_url):
    await ensure_pack()
    principal = await new_partner()
    sender, (source,) = await new_customer(principal, wallets=1)
    _, (target,) = await new_customer(principal, wallets=1, fund=None)
    await set_own_limits(principal=principal, customer_id=sender, currency="EUR", daily="30.00")

    transfers = [post_transfer(principal=principal, from_wallet_id=source, to_wallet_id=target, amount="3.00",
                               idempotency_key=f"race-{i}") for i in range(20)]
    lowering = set_own_limits(principal=principal, customer_id=sender, currency="EUR", daily="6.00")
    results = await asyncio.wait_for(asyncio.gather(*transfers[:10], lowering, *transfers[10:], return_exceptions=True), 120)

    assert outcome(results[10]) == "ok"
    posted = [r for r in results[:10] + results[11:] if outcome(r) == "ok"]
    usage = await LimitUsage.get(customer_id=sender, currency="EUR")
    assert usage.day_out_minor == 300 * len(posted) <= 3_000
    # Once the lowering has committed, nothing more passes the new limit.
    late = await asyncio.gather(*(post_transfer(principal=principal, from_wallet_id=source, to_wallet_id=target,
                                                amount="3.00", idempotency_key=f"late-{i}") for i in range(3)),
                                return_exceptions=True)
    after = (await LimitUsage.get(customer_id=sender, currency="EUR")).day_out_minor
    late_posted = sum(outcome(r) == "ok" for r in late)
    assert after == usage.day_out_minor + 300 * late_posted
    assert late_posted == max(0, (600 - usage.day_out_minor) // 300)  # up to the new 6.00, and not a cent beyond
    report = await verify_ledger()
    assert report.ok, report.problems


async def test_closing_with_a_sweep_while_money_arrives_loses_nothing(database_url):
    await ensure_pack()
    principal = await new_partner()
    owner, (closing, keeper) = await new_customer(principal, wallets=2, fund="100.00")
    _, (payer,) = await new_customer(principal, wallets=1, fund="1000.00")

    arrivals = [post_transfer(principal=principal, from_wallet_id=payer, to_wallet_id=closing, amount="1.00",
                              idempotency_key=f"arrive-{i}") for i in range(12)]
    close = close_wallet(principal=principal, wallet_id=closing, sweep_to_wallet_id=keeper, idempotency_key="close")
    results = await asyncio.wait_for(asyncio.gather(*arrivals[:6], close, *arrivals[6:], return_exceptions=True), 120)

    closed = results[6]
    assert outcome(closed) == "ok"
    arrived = [r for r in results[:6] + results[7:] if outcome(r) == "ok"]
    assert {outcome(r) for r in results[:6] + results[7:]} <= {"ok", "WALLET_NOT_ACTIVE"}
    # Whatever arrived before the close was swept with the rest; whatever came after was refused.
    assert closed.sweep.amount_minor == 10_000 + 100 * len(arrived)
    balances = await stored_balances(Books(principal=principal, wallet_ids=[closing, keeper, payer]))
    assert balances == [0, 20_000 + 100 * len(arrived), 100_000 - 100 * len(arrived)]
    assert (await Wallet.get(id=closing)).status == WalletStatus.CLOSED
    assert await Transaction.filter(kind=TransactionKind.SWEEP, from_wallet_id=closing).count() == 1
    assert owner is not None
    report = await verify_ledger()
    assert report.ok, report.problems


async def test_racing_closes_with_one_key_close_once_and_answer_as_a_retry_would(database_url):
    await ensure_pack()
    principal = await new_partner()
    _, (one, one_keeper) = await new_customer(principal, wallets=2, fund="5.00")
    _, (two, two_keeper) = await new_customer(principal, wallets=2, fund="5.00")

    # The same request twice at once (a client's retry): one sweep, and both answer it.
    same = await asyncio.wait_for(asyncio.gather(
        *(close_wallet(principal=principal, wallet_id=one, sweep_to_wallet_id=one_keeper, idempotency_key="retry")
          for _ in range(2)),
        return_exceptions=True,
    ), 60)
    assert [outcome(r) for r in same] == ["ok", "ok"]
    assert same[0].sweep.id == same[1].sweep.id

    # One key for two different wallets at once: one closes, the other is told the key is taken.
    _, (three, three_keeper) = await new_customer(principal, wallets=2, fund="5.00")
    other = await asyncio.wait_for(asyncio.gather(
        close_wallet(principal=principal, wallet_id=two, sweep_to_wallet_id=two_keeper, idempotency_key="shared"),
        close_wallet(principal=principal, wallet_id=three, sweep_to_wallet_id=three_keeper, idempotency_key="shared"),
        return_exceptions=True,
    ), 60)
    assert sorted(outcome(r) for r in other) == ["IDEMPOTENCY_CONFLICT", "ok"]
    statuses = {(await Wallet.get(id=w)).status for w in (two, three)}
    assert statuses == {WalletStatus.ACTIVE, WalletStatus.CLOSED}
    assert await Transaction.filter(kind=TransactionKind.SWEEP, idempotency_key__in=["retry", "shared"]).count() == 2
    report = await verify_ledger()
    assert report.ok, report.problems
