"""services.ledger.plan: the balanced legs of one posting and each wallet's net change, by pure functions."""

from __future__ import annotations

from dataclasses import replace

import uuid
from collections import defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.enums import TransactionKind
from services.compliance.posting_checks import ComplianceCheck
from services.db.wallet_rows import LockedWallet, WalletFacts
from services.fees.charging import NO_FEE, Fee
from services.fees.rules import FeeDecision
from services.ledger.entries import Leg
from services.ledger.plan import (
    BankAccounts, FundedParts, PlanInputs, balance_deltas, build_plan, fee_legs, needs_bank_side, needs_settlement,
)

PROPERTY = settings(derandomize=True, database=None, max_examples=200, deadline=None)

SOURCE, TARGET = 11, 12                   # wallet accounts
SETTLEMENT, FEE_REVENUE, PARTNER_REVENUE, SANDBOX = 1, 2, 3, 4
ACCOUNTS = BankAccounts(settlement=SETTLEMENT, fee_revenue=FEE_REVENUE, partner_revenue=PARTNER_REVENUE, sandbox=SANDBOX)
INCOMING = (TransactionKind.TOP_UP, TransactionKind.SANDBOX_FUND)  # kinds that only credit a wallet
# Points postings (issue 15, services.points.booking) are not planned by the engine: no money kind's legs.
POINTS_KINDS_NO = {k: False for k in (TransactionKind.POINTS_EARN, TransactionKind.POINTS_CLAWBACK,
                                      TransactionKind.POINTS_REDEEM, TransactionKind.POINTS_EXPIRY,
                                      TransactionKind.POINTS_RETURN)}
CHECK = ComplianceCheck(sender_customer_id=None, outgoing=None, max_balance={}, expected_tier={})
PARTNER, CUSTOMER = uuid.UUID(int=100), uuid.UUID(int=200)


def wallet(account_id: int) -> LockedWallet:
    return LockedWallet(uuid.UUID(int=account_id), CUSTOMER, "ACTIVE", "CNY", account_id, 0, 0)


def fee(fee_minor: int, share_minor: int = 0) -> Fee:
    return Fee(fee_minor=fee_minor, kind="TRANSFER", share_minor=share_minor,
               decision=FeeDecision(fee_minor=fee_minor, rule=None, breakdown={"fee_minor": fee_minor}))


def inputs(kind: TransactionKind, amount: int, charged: Fee = NO_FEE, accounts: BankAccounts = ACCOUNTS) -> PlanInputs:
    both = (TransactionKind.TRANSFER, TransactionKind.SWEEP, TransactionKind.PAYMENT, TransactionKind.REFUND)
    source = wallet(SOURCE) if kind in (*both, TransactionKind.WITHDRAWAL) else None
    target = wallet(TARGET) if kind in (*both, *INCOMING) else None
    facts = {w.wallet_id: WalletFacts(PARTNER, CUSTOMER, "CNY", w.account_id) for w in (source, target) if w}
    return PlanInputs(kind=kind, facts=facts, source=source, target=target, from_field="fromWalletId",
                      to_field="toWalletId", currency="CNY", amount_minor=amount, fee=charged, accounts=accounts,
                      compliance=CHECK)


def sums_per_currency(legs: list[Leg]) -> dict[str, int]:
    totals: dict[str, int] = defaultdict(int)
    for leg in legs:
        totals[leg.currency] += leg.amount_minor
    return dict(totals)


def test_a_transfer_without_fee_moves_the_amount_between_the_two_wallets():
    plan = build_plan(inputs(TransactionKind.TRANSFER, 1_234))
    assert plan.legs == [Leg(SOURCE, -1_234, "CNY"), Leg(TARGET, 1_234, "CNY")]
    assert plan.deltas == {SOURCE: -1_234, TARGET: 1_234}
    assert plan.fields == {SOURCE: "fromWalletId", TARGET: "toWalletId"}
    assert (plan.hold_minor, plan.held_legs) == (1_234, [[SOURCE, -1_234], [TARGET, 1_234]])
    assert (plan.currency, plan.amount_minor, plan.fee, plan.compliance) == ("CNY", 1_234, NO_FEE, CHECK)


def test_the_payer_pays_the_fee_split_between_partner_and_bank():
    plan = build_plan(inputs(TransactionKind.TRANSFER, 10_000, fee(150, share_minor=37)))
    assert plan.legs == [
        Leg(SOURCE, -10_000, "CNY"), Leg(TARGET, 10_000, "CNY"),
        Leg(SOURCE, -150, "CNY"), Leg(PARTNER_REVENUE, 37, "CNY"), Leg(FEE_REVENUE, 113, "CNY"),
    ]
    assert sums_per_currency(plan.legs) == {"CNY": 0}
    assert plan.deltas == {SOURCE: -10_150, TARGET: 10_000}  # revenue accounts are not wallets
    assert plan.hold_minor == 10_150  # a held transfer reserves amount and fee


def test_a_top_up_comes_from_settlement_and_its_fee_from_the_receiving_wallet():
    plan = build_plan(inputs(TransactionKind.TOP_UP, 5_000, fee(100)))
    assert plan.legs == [Leg(SETTLEMENT, -5_000, "CNY"), Leg(TARGET, 5_000, "CNY"), Leg(TARGET, -100, "CNY"),
                         Leg(FEE_REVENUE, 100, "CNY")]
    assert plan.deltas == {TARGET: 4_900}
    assert plan.fields == {TARGET: "toWalletId"}
    assert plan.hold_minor == 0  # nothing leaves a wallet


def test_a_withdrawal_goes_to_settlement():
    plan = build_plan(inputs(TransactionKind.WITHDRAWAL, 700))
    assert plan.legs == [Leg(SOURCE, -700, "CNY"), Leg(SETTLEMENT, 700, "CNY")]
    assert plan.deltas == {SOURCE: -700}


@pytest.mark.parametrize("kind", [TransactionKind.TOP_UP, TransactionKind.WITHDRAWAL])
def test_a_kind_through_settlement_without_a_settlement_account_raises(kind):
    with pytest.raises(AssertionError, match="settlement account"):
        build_plan(inputs(kind, 100, accounts=BankAccounts(fee_revenue=FEE_REVENUE)))


def test_a_transfer_needs_no_settlement_account():
    assert build_plan(inputs(TransactionKind.TRANSFER, 100, accounts=BankAccounts())).deltas == {SOURCE: -100, TARGET: 100}


def test_only_top_ups_and_withdrawals_cross_the_wallet_systems_edge():
    assert {kind: needs_settlement(kind) for kind in TransactionKind} == {
        TransactionKind.TOP_UP: True, TransactionKind.TRANSFER: False, TransactionKind.WITHDRAWAL: True,
        TransactionKind.SWEEP: False, TransactionKind.SANDBOX_FUND: False,
        TransactionKind.PAYMENT: False, TransactionKind.REFUND: False,  # wallet to wallet, across partners
        TransactionKind.REVERSAL: False,  # its legs are the original's, whatever accounts they were on
        TransactionKind.RAIL_RETURN: True,  # a rail's return: money back across the edge
        TransactionKind.FX_CONVERSION: False,  # through the bank's FX position accounts, not its settlement account
        **POINTS_KINDS_NO,  # points postings (services.points) move no money
        TransactionKind.COUPON_FUNDING: False,  # a wallet into its campaign's budget account (tests/unit/test_coupon_terms.py)
        # a programme's funding wallet and its POINTS_RESERVE (services.points.reserve): inside the wallet system
        TransactionKind.POINTS_FUNDING: False, TransactionKind.POINTS_RELEASE: False,
        TransactionKind.MERCHANT_SETTLEMENT: False,  # a merchant's clearing account into its own settlement wallet
    }


def test_which_postings_need_a_bank_side_account():
    assert {kind: needs_bank_side(kind, 0) for kind in TransactionKind} == {
        TransactionKind.TOP_UP: True, TransactionKind.TRANSFER: False, TransactionKind.WITHDRAWAL: True,
        TransactionKind.SWEEP: False, TransactionKind.SANDBOX_FUND: True,
        TransactionKind.PAYMENT: False, TransactionKind.REFUND: False, TransactionKind.REVERSAL: False,
        TransactionKind.RAIL_RETURN: True,
        TransactionKind.FX_CONVERSION: True,  # the bank's FX position accounts (or a sandbox partner's own)
        **POINTS_KINDS_NO,  # between a points programme's own accounts (services.points), never the engine's plan
        TransactionKind.COUPON_FUNDING: False,  # its budget account is the campaign's own (funded parts)
        TransactionKind.POINTS_FUNDING: False, TransactionKind.POINTS_RELEASE: False,  # the programme's own reserve
        TransactionKind.MERCHANT_SETTLEMENT: False,  # the merchant's own clearing account
    }
    assert all(needs_bank_side(kind, 1) for kind in TransactionKind)  # a fee is paid to the bank side


def test_sandbox_money_is_minted_from_the_partners_sandbox_account():
    plan = build_plan(inputs(TransactionKind.SANDBOX_FUND, 2_500))
    assert plan.legs == [Leg(SANDBOX, -2_500, "CNY"), Leg(TARGET, 2_500, "CNY")]
    assert plan.deltas == {TARGET: 2_500}
    assert plan.hold_minor == 0


def test_sandbox_money_without_a_sandbox_account_is_a_programming_error():
    # A live partner has no sandbox account: nothing could mint its money.
    with pytest.raises(AssertionError, match="sandbox account"):
        build_plan(inputs(TransactionKind.SANDBOX_FUND, 100, accounts=BankAccounts(settlement=SETTLEMENT)))


def test_a_sweep_moves_the_closing_wallets_balance_like_a_transfer():
    plan = build_plan(inputs(TransactionKind.SWEEP, 4_321))
    assert plan.legs == [Leg(SOURCE, -4_321, "CNY"), Leg(TARGET, 4_321, "CNY")]
    assert plan.deltas == {SOURCE: -4_321, TARGET: 4_321}


def test_fee_legs_of_no_fee_a_bank_only_fee_and_a_partner_only_fee():
    assert fee_legs(NO_FEE, SOURCE, "CNY", FEE_REVENUE, PARTNER_REVENUE) == []
    assert fee_legs(fee(90), SOURCE, "CNY", FEE_REVENUE, PARTNER_REVENUE) == [
        Leg(SOURCE, -90, "CNY"), Leg(FEE_REVENUE, 90, "CNY")]
    assert fee_legs(fee(90, share_minor=90), SOURCE, "CNY", FEE_REVENUE, PARTNER_REVENUE) == [
        Leg(SOURCE, -90, "CNY"), Leg(PARTNER_REVENUE, 90, "CNY")]


def test_a_partner_share_without_a_partner_revenue_account_is_a_programming_error():
    with pytest.raises(AssertionError):
        fee_legs(fee(90, share_minor=10), SOURCE, "CNY", FEE_REVENUE, None)


def test_deltas_sum_the_legs_of_each_wallet_account_only():
    legs = [Leg(SOURCE, -100, "CNY"), Leg(TARGET, 100, "CNY"), Leg(SOURCE, -7, "CNY"), Leg(FEE_REVENUE, 7, "CNY")]
    assert balance_deltas(legs, {SOURCE, TARGET}) == {SOURCE: -107, TARGET: 100}
    assert balance_deltas(legs, set()) == {}


@PROPERTY
@given(
    # REVERSAL and RAIL_RETURN have their own tests below; FX_CONVERSION (two currencies) in tests/unit/test_fx_plan.py.
    kind=st.sampled_from([k for k in TransactionKind if k not in (
        TransactionKind.REVERSAL, TransactionKind.RAIL_RETURN, TransactionKind.FX_CONVERSION,
        TransactionKind.COUPON_FUNDING,  # needs its funded budget account: tests/unit/test_coupon_terms.py
        TransactionKind.POINTS_FUNDING, TransactionKind.POINTS_RELEASE,  # need their reserve: tests below
        TransactionKind.MERCHANT_SETTLEMENT,  # needs the merchant's clearing account: tests at the end
    ) and k not in POINTS_KINDS_NO]),
    amount=st.integers(min_value=1, max_value=10**15),
    fee_minor=st.integers(min_value=0, max_value=10**9),
    share_bps=st.integers(min_value=0, max_value=10_000),
)
def test_every_plan_balances_and_its_deltas_are_its_wallet_legs(kind, amount, fee_minor, share_bps):
    share = fee_minor * share_bps // 10_000
    plan = build_plan(inputs(kind, amount, fee(fee_minor, share)))
    assert sums_per_currency(plan.legs) == {"CNY": 0}
    assert all(leg.amount_minor != 0 for leg in plan.legs)
    wallets = {a for a in (SOURCE, TARGET) if a in plan.fields}
    assert plan.deltas == balance_deltas(plan.legs, wallets)
    payer = TARGET if kind in INCOMING else SOURCE
    revenue = sum(leg.amount_minor for leg in plan.legs if leg.account_id in (FEE_REVENUE, PARTNER_REVENUE))
    assert revenue == fee_minor
    assert sum(leg.amount_minor for leg in plan.legs if leg.account_id == PARTNER_REVENUE) == share
    assert plan.deltas[payer] == (amount if kind in INCOMING else -amount) - fee_minor


RESERVE = 77


def one_wallet(kind: TransactionKind, amount: int, *, paying: bool, funded: FundedParts | None) -> PlanInputs:
    """A posting with one wallet (paying or receiving) and a reserve in the other's place."""
    w = wallet(SOURCE if paying else TARGET)
    return replace(inputs(kind, amount, accounts=BankAccounts()), source=w if paying else None,
                   target=None if paying else w, facts={w.wallet_id: WalletFacts(PARTNER, CUSTOMER, "CNY", w.account_id)},
                   funded=funded)


def test_points_funding_moves_the_whole_amount_from_the_funding_wallet_into_the_reserve():
    plan = build_plan(one_wallet(TransactionKind.POINTS_FUNDING, 500, paying=True, funded=FundedParts(((RESERVE, 500),))))
    assert plan.legs == [Leg(SOURCE, -500, "CNY"), Leg(RESERVE, 500, "CNY")]
    assert plan.deltas == {SOURCE: -500}


def test_points_release_pays_the_whole_amount_from_the_reserve_to_the_funding_wallet():
    plan = build_plan(one_wallet(TransactionKind.POINTS_RELEASE, 300, paying=False, funded=FundedParts(((RESERVE, 300),))))
    assert plan.legs == [Leg(RESERVE, -300, "CNY"), Leg(TARGET, 300, "CNY")]
    assert plan.deltas == {TARGET: 300}


@pytest.mark.parametrize("kind", [TransactionKind.POINTS_FUNDING, TransactionKind.POINTS_RELEASE])
@pytest.mark.parametrize("parts", [None, ((RESERVE, 299),), ((RESERVE, 150), (RESERVE + 1, 150))])
def test_a_reserve_posting_without_its_one_reserve_for_the_whole_amount_is_a_programming_error(kind, parts):
    funded = FundedParts(parts) if parts is not None else None
    with pytest.raises(AssertionError):
        build_plan(one_wallet(kind, 300, paying=kind is TransactionKind.POINTS_FUNDING, funded=funded))


def test_a_reversal_posts_the_originals_entries_negated_fee_and_all():
    original = ((SOURCE, -1_050), (TARGET, 1_000), (FEE_REVENUE, 40), (PARTNER_REVENUE, 10))
    reversal = replace(inputs(TransactionKind.TRANSFER, 1_000), kind=TransactionKind.REVERSAL, source=wallet(TARGET),
                       target=wallet(SOURCE), reversing=original)
    plan = build_plan(reversal)
    assert [(leg.account_id, leg.amount_minor) for leg in plan.legs] == [(a, -x) for a, x in original]
    assert plan.deltas == {TARGET: -1_000, SOURCE: 1_050}
    with pytest.raises(AssertionError):
        build_plan(replace(reversal, reversing=()))


def test_a_rail_return_undoes_a_withdrawal_or_a_top_up_through_the_settlement_account():
    withdrawal_back = replace(inputs(TransactionKind.TOP_UP, 2_500), kind=TransactionKind.RAIL_RETURN)
    plan = build_plan(withdrawal_back)
    assert plan.legs == [Leg(SETTLEMENT, -2_500, "CNY"), Leg(TARGET, 2_500, "CNY")]
    top_up_back = replace(inputs(TransactionKind.WITHDRAWAL, 700), kind=TransactionKind.RAIL_RETURN)
    plan = build_plan(top_up_back)
    assert plan.legs == [Leg(SOURCE, -700, "CNY"), Leg(SETTLEMENT, 700, "CNY")]
    assert plan.deltas == {SOURCE: -700}


CLEARING = 21  # a DEFERRED merchant's MERCHANT_CLEARING account (services.merchants.settlement)
MERCHANT_FEE_REVENUE, MERCHANT_PARTNER_REVENUE = 5, 6


def test_a_payment_to_a_deferred_merchant_credits_its_clearing_account_and_locks_only_the_payer():
    plan = build_plan(replace(inputs(TransactionKind.PAYMENT, 1_000), clearing_account_id=CLEARING))
    assert plan.legs == [Leg(SOURCE, -1_000, "CNY"), Leg(CLEARING, 1_000, "CNY")]
    assert plan.deltas == {SOURCE: -1_000}  # the merchant's wallet account is not among the rows to lock
    # An immediate one credits the merchant's wallet, which the posting locks.
    assert build_plan(inputs(TransactionKind.PAYMENT, 1_000)).deltas == {SOURCE: -1_000, TARGET: 1_000}


def test_a_deferred_merchants_fee_and_coupon_discount_go_through_its_clearing_account():
    accounts = replace(ACCOUNTS, merchant_fee_revenue=MERCHANT_FEE_REVENUE, merchant_partner_revenue=MERCHANT_PARTNER_REVENUE)
    plan = build_plan(replace(inputs(TransactionKind.PAYMENT, 1_000, accounts=accounts), clearing_account_id=CLEARING,
                              merchant_fee=fee(30, 10), funded=FundedParts(((77, 200),))))
    assert sorted(plan.legs, key=lambda leg: leg.account_id) == sorted([
        Leg(SOURCE, -800, "CNY"), Leg(77, -200, "CNY"), Leg(CLEARING, 1_000, "CNY"),
        Leg(CLEARING, -30, "CNY"), Leg(MERCHANT_PARTNER_REVENUE, 10, "CNY"), Leg(MERCHANT_FEE_REVENUE, 20, "CNY"),
    ], key=lambda leg: leg.account_id)
    assert plan.deltas == {SOURCE: -800}


def test_a_merchant_settlement_pays_the_clearing_balance_to_the_settlement_wallet():
    plan = build_plan(replace(inputs(TransactionKind.SWEEP, 2_000), kind=TransactionKind.MERCHANT_SETTLEMENT,
                              source=None, funded=FundedParts(((CLEARING, 2_000),))))
    assert plan.legs == [Leg(CLEARING, -2_000, "CNY"), Leg(TARGET, 2_000, "CNY")]
    assert plan.deltas == {TARGET: 2_000}
