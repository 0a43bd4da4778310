"""32 concurrent fee-bearing transfers on PostgreSQL: no deadlock, and the revenue account adds up.

The rule is scoped to the test's own partner and in NOK, a currency no other
test moves, so the bank's NOK fee revenue account holds this test's fees alone.
That account keeps no locked balance column (its balance is the sum of its
entries), so fee-bearing transfers never queue behind one revenue row.
"""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from auth.principal import Principal
from auth.scopes import PARTNER_SCOPES
from models import Account, Entry, Transaction
from models.enums import AccountKind
from services.customers import create_customer
from services.errors import DomainError
from services.fees.schedule import create_rule
from services.ledger.posting import post_top_up, post_transfer
from services.ledger.verify import verify_ledger
from services.partners.onboarding import create_partner
from services.system_accounts import system_account_id
from services.wallets import open_wallet
from tests.conftest import requires_postgres

pytestmark = requires_postgres

CURRENCY = "NOK"
WALLETS = 4
CLIENTS = 32
EXPECTED_REFUSALS = {"INSUFFICIENT_FUNDS"}


async def test_concurrent_fee_bearing_transfers_complete_and_revenue_equals_the_fees(database_url):
    created = await create_partner(name="pg-fee-concurrency")
    principal = Principal(kind="partner", subject=created.client.client_id, partner_id=created.partner.id,
                          scopes=frozenset(PARTNER_SCOPES))
    wallets = []
    for i in range(WALLETS):
        customer = await create_customer(principal=principal, external_ref=f"pgfee-{i}", kind="INDIVIDUAL",
                                         display_name=f"c{i}", country="NO")
        wallet = await open_wallet(principal=principal, customer_id=customer.id, currency=CURRENCY)
        await post_top_up(principal=principal, wallet_id=wallet.id, amount="60.00", idempotency_key=f"fund-{i}")
        wallets.append(wallet.id)
    # 1.00 + 1 % (half up), so some of the 32 transfers of up to 25.00 run a wallet dry.
    await create_rule(terms={"kind": "TRANSFER", "partner_id": created.partner.id, "currency": CURRENCY,
                             "fixed_minor": 100, "rate_bps": 100}, created_by="test:pg-fee")
    revenue_id = await system_account_id(AccountKind.FEE_REVENUE, CURRENCY)

    async def transfer(n: int) -> object:
        source, target = wallets[n % WALLETS], wallets[(n * 3 + 1) % WALLETS]
        if source == target:
            target = wallets[(n + 1) % WALLETS]
        amount = f"{5 + (n * 7) % 21}.{(n * 13) % 100:02d}"
        try:
            return await asyncio.wait_for(
                post_transfer(principal=principal, from_wallet_id=source, to_wallet_id=target, amount=amount,
                              idempotency_key=f"pgfee-{n}"),
                timeout=60,
            )
        except DomainError as error:
            return error

    results = await asyncio.gather(*(transfer(n) for n in range(CLIENTS)), return_exceptions=True)
    outcomes = Counter()
    for result in results:
        if isinstance(result, DomainError):
            assert result.code in EXPECTED_REFUSALS, result
            outcomes[result.code] += 1
        elif isinstance(result, BaseException):
            raise AssertionError(f"unexpected {type(result).__name__}: {result}") from result
        else:
            outcomes["ok"] += 1
    assert outcomes["ok"] > 0, outcomes

    posted = await Transaction.filter(partner_id=created.partner.id, kind="TRANSFER")
    assert len(posted) == outcomes["ok"]
    fees = sum(t.fee_minor for t in posted)
    assert all(t.fee_minor == 100 + (t.amount_minor * 100 + 5_000) // 10_000 for t in posted)
    revenue_entries = await Entry.filter(account_id=revenue_id).values_list("amount_minor", flat=True)
    assert sum(revenue_entries) == fees > 0
    assert len(revenue_entries) == outcomes["ok"]
    revenue = await Account.get(id=revenue_id)
    assert revenue.tracks_balance is False
    assert revenue.balance_minor == 0  # never locked, never updated: the entries are its balance
    balances = [(await Account.get(wallet__id=w)).balance_minor for w in wallets]
    assert all(b >= 0 for b in balances)
    assert sum(balances) == WALLETS * 6_000 - fees  # transfers move money between the wallets; fees leave them
    report = await verify_ledger()
    assert report.ok, report.problems
    print(f"\n32 concurrent fee-bearing transfers: {dict(outcomes)}, fees {fees} minor {CURRENCY}")
