"""Quote equals charge, on the REAL posting engine and database, for random fee rules and amounts.

Every rule is scoped to the example's own new partner (other tests move money in
CNY in the same database), so no example charges anyone else. `derandomize=True`
and no example database make the run identical every time.
"""

from __future__ import annotations

import asyncio
import itertools
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auth.principal import Principal
from auth.scopes import PARTNER_SCOPES
from models import Account, Entry, Transaction
from models.enums import AccountKind
from services.customers import create_customer
from tests.factories import UNLIMITED_COUNTRY, ensure_unlimited_pack
from services.errors import DomainError
from services.fees.quote import quote_fee
from services.fees.schedule import create_rule, update_rule
from services.ledger.posting import post_top_up, post_transfer, post_withdrawal
from services.ledger.verify import verify_ledger
from services.money import format_amount
from services.partners.fee_share import set_fee_share
from services.partners.onboarding import create_partner
from services.wallets import open_wallet

_seq = itertools.count(1)
FUND_MINOR = 10**12  # 10 billion CNY: every random principal plus fee is affordable


class Setup:
    def __init__(self, principal: Principal, payer: uuid.UUID, payee: uuid.UUID) -> None:
        self.principal, self.payer, self.payee = principal, payer, payee

    @property
    def partner_id(self) -> uuid.UUID:
        assert self.principal.partner_id is not None
        return self.principal.partner_id


async def _setup(fund_minor: int = FUND_MINOR) -> Setup:
    """A new partner with two customers and a CNY wallet each; the payer funded before any fee rule exists.

    The customers live under the test-only pack without limits or AML rules
    (tests.factories.ensure_unlimited_pack): random principals up to 10
    billion must meet fee rules, not tier limits.
    """
    await ensure_unlimited_pack()
    n = next(_seq)
    created = await create_partner(name=f"fees-{n:04d}")
    principal = Principal(kind="partner", subject=created.client.client_id, partner_id=created.partner.id,
                          scopes=frozenset(PARTNER_SCOPES))
    wallets = []
    for who in ("payer", "payee"):
        customer = await create_customer(principal=principal, external_ref=f"fees-{n:04d}-{who}", kind="INDIVIDUAL",
                                         display_name=who, country=UNLIMITED_COUNTRY)
        wallets.append((await open_wallet(principal=principal, customer_id=customer.id, currency="CNY")).id)
    if fund_minor:
        await post_top_up(principal=principal, wallet_id=wallets[0], amount=format_amount(fund_minor, "CNY"),
                          idempotency_key="fund")
    return Setup(principal, wallets[0], wallets[1])


async def _rule(setup: Setup, **terms: Any) -> Any:
    return await create_rule(terms={"partner_id": setup.partner_id, "currency": "CNY", **terms}, created_by="test:fees")


async def _balance(wallet_id: uuid.UUID) -> int:
    account = await Account.get(wallet__id=wallet_id)
    return account.balance_minor


async def _post(setup: Setup, kind: str, amount: str, key: str) -> Transaction:
    p = setup.principal
    if kind == "TRANSFER":
        return await post_transfer(principal=p, from_wallet_id=setup.payer, to_wallet_id=setup.payee, amount=amount,
                                   idempotency_key=key)
    if kind == "WITHDRAWAL":
        return await post_withdrawal(principal=p, wallet_id=setup.payer, amount=amount, idempotency_key=key)
    return await post_top_up(principal=p, wallet_id=setup.payer, amount=amount, idempotency_key=key)


async def _quote(setup: Setup, kind: str, amount: str) -> Any:
    wallets = {"TRANSFER": (setup.payer, setup.payee), "WITHDRAWAL": (setup.payer, None), "TOP_UP": (None, setup.payer)}
    source, target = wallets[kind]
    return await quote_fee(principal=setup.principal, kind=kind, amount=amount, currency="CNY",
                           from_wallet_id=source, to_wallet_id=target)


async def _legs_by_kind(transaction_id: uuid.UUID) -> dict[str, int]:
    """The transaction's entries, summed per account kind (FEE_REVENUE, PARTNER_REVENUE, WALLET, SETTLEMENT)."""
    sums: dict[str, int] = {}
    for entry in await Entry.filter(transaction_id=transaction_id).prefetch_related("account"):
        kind = entry.account.kind.value if hasattr(entry.account.kind, "value") else str(entry.account.kind)
        sums[kind] = sums.get(kind, 0) + entry.amount_minor
    return sums


async def _wallet_legs(transaction_id: uuid.UUID, wallet_id: uuid.UUID) -> int:
    account = await Account.get(wallet__id=wallet_id)
    return sum(e.amount_minor for e in await Entry.filter(transaction_id=transaction_id, account_id=account.id))


def _reference_fee(fixed: int, rate: int, fee_min: int, fee_max: int | None, amount: int) -> int:
    """The documented arithmetic, written independently: half up on the minor unit, then the clamps."""
    whole, remainder = divmod(amount * rate, 10_000)
    variable = whole + (1 if 2 * remainder >= 10_000 else 0)
    fee = max(fixed + variable, fee_min)
    return fee if fee_max is None else min(fee, fee_max)


rules = st.fixed_dictionaries({
    "fixed_minor": st.integers(0, 500),
    "rate_bps": st.one_of(st.integers(0, 300), st.integers(0, 10_000)),
    "fee_min_minor": st.integers(0, 300),
    "fee_max_extra": st.one_of(st.none(), st.integers(0, 2_000)),
    "tier": st.one_of(st.none(), st.tuples(st.integers(1, 50_000), st.integers(1, 50_000))),
    "share_bps": st.sampled_from([0, 1, 3333, 5000, 10_000]),
})


@settings(derandomize=True, database=None, max_examples=40, deadline=None)
@given(kind=st.sampled_from(["TRANSFER", "WITHDRAWAL", "TOP_UP"]), terms=rules, amount_minor=st.integers(1, 10_000_000))
async def test_the_charge_is_the_quote_for_random_rules_and_amounts(database_url, kind, terms, amount_minor):
    setup = await _setup()
    fee_max = None if terms["fee_max_extra"] is None else terms["fee_min_minor"] + terms["fee_max_extra"]
    tier: dict[str, int] = {}
    if terms["tier"] is not None:
        low, width = terms["tier"]
        tier = {"amount_min_minor": low, "amount_max_minor": low + width}
    await _rule(setup, kind=kind, fixed_minor=terms["fixed_minor"], rate_bps=terms["rate_bps"],
                fee_min_minor=terms["fee_min_minor"], fee_max_minor=fee_max, **tier)
    await set_fee_share(partner_id=setup.partner_id, share_bps=terms["share_bps"])
    amount = format_amount(amount_minor, "CNY")
    in_tier = not tier or tier["amount_min_minor"] <= amount_minor < tier["amount_max_minor"]
    expected_fee = _reference_fee(terms["fixed_minor"], terms["rate_bps"], terms["fee_min_minor"], fee_max, amount_minor) if in_tier else 0
    expected_share = expected_fee * terms["share_bps"] // 10_000

    quote = await _quote(setup, kind, amount)
    assert quote.fee.fee_minor == expected_fee
    assert quote.fee.share_minor == expected_share
    if fee_max is not None and in_tier:
        assert terms["fee_min_minor"] <= quote.fee.fee_minor <= fee_max
    payer_before = await _balance(setup.payer)
    txn = await _post(setup, kind, amount, key=f"p-{kind}")

    assert txn.fee_minor == quote.fee.fee_minor
    stored = await Transaction.get(id=txn.id)
    assert stored.fee_minor == expected_fee
    assert stored.fee_breakdown == quote.fee.breakdown
    legs = await _legs_by_kind(txn.id)
    assert legs.get("FEE_REVENUE", 0) == expected_fee - expected_share
    assert legs.get("PARTNER_REVENUE", 0) == expected_share
    assert legs.get("FEE_REVENUE", 0) + legs.get("PARTNER_REVENUE", 0) == expected_fee  # bank + partner = fee
    assert sum(legs.values()) == 0
    payer_leg = await _wallet_legs(txn.id, setup.payer)
    if kind == "TOP_UP":
        assert payer_leg == amount_minor - expected_fee  # a top-up's fee comes out of the credit
    else:
        assert payer_leg == -(amount_minor + expected_fee) == -quote.total_debit_minor
    assert await _balance(setup.payer) == payer_before + payer_leg
    if kind == "TRANSFER":
        assert await _wallet_legs(txn.id, setup.payee) == amount_minor


async def test_the_ledger_still_verifies_after_the_fee_properties(database_url):
    report = await verify_ledger()
    assert report.ok, report.problems


async def test_a_rule_change_applies_only_after_its_effective_time(database_url):
    setup = await _setup()
    v1 = await _rule(setup, kind="WITHDRAWAL", fixed_minor=100)
    before = await _post(setup, "WITHDRAWAL", "1.00", key="before")
    assert before.fee_minor == 100
    starts = datetime.now(timezone.utc) + timedelta(seconds=2)
    v2 = await update_rule(rule_id=v1.id, changes={"fixed_minor": 300, "effective_from": starts}, created_by="test:fees")
    assert v2.id != v1.id
    still_old = await _post(setup, "WITHDRAWAL", "1.00", key="still-old")
    assert still_old.fee_minor == 100 and still_old.fee_breakdown["rule_id"] == str(v1.id)
    await asyncio.sleep((starts - datetime.now(timezone.utc)).total_seconds() + 0.2)
    quote = await _quote(setup, "WITHDRAWAL", "1.00")
    after = await _post(setup, "WITHDRAWAL", "1.00", key="after")
    assert quote.fee.fee_minor == after.fee_minor == 300
    assert after.fee_breakdown["rule_id"] == str(v2.id)
    for earlier, key in ((before, "before"), (still_old, "still-old")):
        row = await Transaction.get(id=earlier.id)
        assert row.fee_minor == 100 and row.fee_breakdown == earlier.fee_breakdown, key


@pytest.mark.parametrize("kind", ["TRANSFER", "WITHDRAWAL"])
async def test_an_unaffordable_principal_plus_fee_is_refused_whole(database_url, kind):
    setup = await _setup(fund_minor=1_000)
    await _rule(setup, kind=kind, fixed_minor=50)
    count = await Transaction.filter(partner_id=setup.partner_id).count()
    with pytest.raises(DomainError) as refused:
        await _post(setup, kind, "10.00", key="too-much")  # 10.00 is all there is, and the fee is 0.50 more
    assert refused.value.code == "INSUFFICIENT_FUNDS"
    assert await _balance(setup.payer) == 1_000 and await _balance(setup.payee) == 0
    assert await Transaction.filter(partner_id=setup.partner_id).count() == count
    fits = await _post(setup, kind, "9.50", key="fits")
    assert fits.fee_minor == 50 and await _balance(setup.payer) == 0


async def test_the_first_free_withdrawals_of_the_month_cost_nothing(database_url):
    setup = await _setup()
    await _rule(setup, kind="WITHDRAWAL", fixed_minor=100, free_per_month=2)
    fees = []
    for i in range(4):
        quote = await _quote(setup, "WITHDRAWAL", "1.00")
        txn = await _post(setup, "WITHDRAWAL", "1.00", key=f"w-{i}")
        assert txn.fee_minor == quote.fee.fee_minor
        fees.append((txn.fee_minor, txn.fee_breakdown["free_allowance_used"]))
    assert fees == [(0, True), (0, True), (100, False), (100, False)]
