"""An FX_CONVERSION's legs (services.ledger.plan): each currency balances on its own through the FX position."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import replace

import pytest
from hypothesis import given, settings, strategies as st

from models.enums import TransactionKind
from services.compliance.posting_checks import ComplianceCheck
from services.db.wallet_rows import LockedWallet, WalletFacts
from services.fees.charging import NO_FEE, Fee
from services.fees.rules import FeeDecision
from services.fx.pricing import price
from services.ledger.entries import Leg
from services.ledger.plan import BankAccounts, PlanInputs, build_plan
from services.ledger.request import CrossCurrency

SELL, BUY = 11, 12  # the customer's USD and JPY wallet accounts
POSITION_USD, POSITION_JPY, FX_REVENUE, FEE_REVENUE, PARTNER_REVENUE = 1, 2, 3, 4, 5
ACCOUNTS = BankAccounts(fee_revenue=FEE_REVENUE, partner_revenue=PARTNER_REVENUE, fx_position_sell=POSITION_USD,
                        fx_position_buy=POSITION_JPY, fx_revenue=FX_REVENUE)
CUSTOMER, PARTNER = uuid.UUID(int=7), uuid.UUID(int=8)
CHECK = ComplianceCheck(sender_customer_id=None, outgoing=None, max_balance={}, expected_tier={})


def _inputs(sell_minor: int, buy_minor: int, mid_buy_minor: int, fee_minor: int = 0, share: int = 0) -> PlanInputs:
    source = LockedWallet(uuid.UUID(int=SELL), CUSTOMER, "ACTIVE", "USD", SELL, 0, 0)
    target = LockedWallet(uuid.UUID(int=BUY), CUSTOMER, "ACTIVE", "JPY", BUY, 0, 0)
    charged = NO_FEE if not fee_minor else Fee(
        fee_minor=fee_minor, kind="FX", share_minor=share,
        decision=FeeDecision(fee_minor=fee_minor, rule=None, breakdown={"fee_minor": fee_minor}))
    return PlanInputs(
        kind=TransactionKind.FX_CONVERSION,
        facts={w.wallet_id: WalletFacts(PARTNER, CUSTOMER, w.currency, w.account_id) for w in (source, target)},
        source=source, target=target, from_field="fromWalletId", to_field="toWalletId", currency="USD",
        amount_minor=sell_minor, fee=charged, accounts=ACCOUNTS, compliance=CHECK,
        fx=CrossCurrency(buy_currency="JPY", buy_amount_minor=buy_minor, mid_buy_minor=mid_buy_minor, fee=charged),
    )


def test_the_worked_example_of_the_readme():
    # 100.00 USD at a mid of 150.25, 50 bps spread, 1.00 USD fee: 14,949 JPY to the customer, 76 JPY spread.
    plan = build_plan(_inputs(10_000, 14_949, 15_025, fee_minor=100))
    assert plan.legs == [
        Leg(SELL, -10_000, "USD"), Leg(POSITION_USD, 10_000, "USD"),
        Leg(POSITION_JPY, -15_025, "JPY"), Leg(BUY, 14_949, "JPY"), Leg(FX_REVENUE, 76, "JPY"),
        Leg(SELL, -100, "USD"), Leg(FEE_REVENUE, 100, "USD"),
    ]
    assert plan.deltas == {SELL: -10_100, BUY: 14_949}
    assert (plan.currency, plan.buy_currency, plan.buy_amount_minor, plan.receiving_currency) == ("USD", "JPY", 14_949, "JPY")
    assert not plan.single_currency


def test_without_spread_there_is_no_fx_revenue_leg_and_a_single_currency_plan_says_so():
    plan = build_plan(_inputs(10_000, 15_025, 15_025))
    assert [leg.account_id for leg in plan.legs] == [SELL, POSITION_USD, POSITION_JPY, BUY]
    with pytest.raises(AssertionError):  # planned without the FX position accounts: a programming error
        build_plan(replace(_inputs(1, 1, 1), accounts=BankAccounts()))


@settings(derandomize=True, database=None, max_examples=200, deadline=None)
@given(sell=st.integers(min_value=1, max_value=10**12), mid=st.integers(min_value=10**6, max_value=10**13),
       spread=st.integers(min_value=0, max_value=9_999), fee_minor=st.integers(min_value=0, max_value=10**6),
       share_bps=st.integers(min_value=0, max_value=10_000))
def test_every_conversion_balances_per_currency(sell, mid, spread, fee_minor, share_bps):
    quoted = price(sell, mid, spread, "USD", "JPY")
    if quoted.buy_minor <= 0:
        return  # quoting refuses an amount that buys nothing
    plan = build_plan(_inputs(sell, quoted.buy_minor, quoted.mid_buy_minor, fee_minor, fee_minor * share_bps // 10_000))
    totals: dict[str, int] = defaultdict(int)
    for leg in plan.legs:
        totals[leg.currency] += leg.amount_minor
    assert dict(totals) == {"USD": 0, "JPY": 0}
    assert plan.deltas == {SELL: -sell - fee_minor, BUY: quoted.buy_minor}
    assert sum(leg.amount_minor for leg in plan.legs if leg.account_id == FX_REVENUE) == quoted.spread_minor
