"""Pure rules of international transfers: the policy section, beneficiary bank details, the payout legs, the quota
check (services.cross_border.policy, services.beneficiaries.rules, services.ledger.plan, services.cross_border.quota)."""

from __future__ import annotations

import uuid
from collections import defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.enums import TransactionKind
from services.beneficiaries.rules import ACCOUNT_NUMBER, IBAN, check_beneficiary_account, check_bic
from services.compliance.posting_checks import ComplianceCheck
from services.cross_border.policy import NO_RULES, SHIPPED_SECTIONS, check_cross_border, rules_from_document
from services.cross_border.quota import check_quota
from services.db.wallet_rows import LockedWallet, WalletFacts
from services.errors import CrossBorderQuotaExceeded, InvalidBankAccount, ValidationFailed
from services.fees.charging import Fee
from services.fees.rules import FeeDecision
from services.ledger.plan import BankAccounts, PlanInputs, build_plan
from services.ledger.request import CrossCurrency

PROPERTY = settings(derandomize=True, database=None, max_examples=200, deadline=None)


def test_the_shipped_sections_are_valid_and_cn_has_the_usd_50000_individual_quota():
    for section in SHIPPED_SECTIONS.values():
        assert check_cross_border(section) == check_cross_border(check_cross_border(section))
    cn = rules_from_document(check_cross_border(SHIPPED_SECTIONS["CN"]))
    assert cn.annual_quota is not None
    assert (cn.annual_quota.currency, cn.annual_quota.amount_minor, cn.annual_quota.customer_kinds) == (
        "USD", 5_000_000, ("INDIVIDUAL",))
    assert cn.purpose_code_required and "KP" in cn.refused_countries
    assert rules_from_document(None) == NO_RULES


@pytest.mark.parametrize(("section", "field"), [
    ("nope", ["crossBorder"]),
    ({"refusedCountries": ["XX"]}, ["crossBorder", "refusedCountries", "0"]),
    ({"refusedCountries": ["KP", "KP"]}, ["crossBorder", "refusedCountries"]),
    ({"refusedCountries": ["KP"], "reviewCountries": ["KP"]}, ["crossBorder", "reviewCountries"]),
    ({"annualQuota": {"currency": "XXX", "amountMinor": 1}}, ["crossBorder", "annualQuota", "currency"]),
    ({"annualQuota": {"currency": "USD", "amountMinor": -1}}, ["crossBorder", "annualQuota", "amountMinor"]),
    ({"annualQuota": {"currency": "USD", "amountMinor": 1.5}}, ["crossBorder", "annualQuota", "amountMinor"]),
    ({"annualQuota": {"currency": "USD", "amountMinor": 1, "customerKinds": ["ROBOT"]}},
     ["crossBorder", "annualQuota", "customerKinds"]),
    ({"purposeCodeRequired": "yes"}, ["crossBorder", "purposeCodeRequired"]),
    ({"purposeCodes": ["fam"]}, ["crossBorder", "purposeCodes", "0"]),
    ({"purposeCodes": []}, ["crossBorder", "purposeCodes"]),
    ({"surprise": 1}, ["crossBorder"]),
])
def test_a_malformed_section_is_refused_naming_the_field(section, field):
    with pytest.raises(ValidationFailed) as refused:
        check_cross_border(section)
    assert refused.value.field == field


def test_beneficiary_accounts_are_checked_by_country():
    iban = check_beneficiary_account(country="de", bic="COBADEFFXXX", iban="DE89 3704 0044 0532 0130 00",
                                     account_number=None)
    assert (iban.number_kind, iban.number, iban.currency, iban.last_four) == (IBAN, "DE89370400440532013000", "EUR",
                                                                              "3000")
    local = check_beneficiary_account(country="US", bic="CHASUS33", iban=None, account_number="12-345-6789")
    assert (local.number_kind, local.number, local.currency) == (ACCOUNT_NUMBER, "123456789", "USD")
    assert check_bic("chas us33", "US") == "CHASUS33"


@pytest.mark.parametrize(("given_", "code", "field"), [
    ({"country": "DE", "bic": "COBADEFFXXX", "iban": "DE89370400440532013001"}, "INVALID_BANK_ACCOUNT", ["iban"]),
    ({"country": "DE", "bic": "COBADEFFXXX", "iban": "DE8937040044053201300"}, "INVALID_BANK_ACCOUNT", ["iban"]),
    ({"country": "DE", "bic": "CHASUS33", "iban": "DE89370400440532013000"}, "INVALID_BANK_ACCOUNT", ["bic"]),
    ({"country": "DE", "bic": "NOT-A-BIC", "iban": "DE89370400440532013000"}, "INVALID_BANK_ACCOUNT", ["bic"]),
    ({"country": "DE", "bic": None, "iban": "DE89370400440532013000"}, "VALIDATION", ["bic"]),
    ({"country": "DE", "bic": "COBADEFFXXX", "account_number": "123456"}, "VALIDATION", ["accountNumber"]),
    ({"country": "US", "bic": "CHASUS33", "account_number": "12"}, "INVALID_BANK_ACCOUNT", ["accountNumber"]),
    ({"country": "US", "bic": "CHASUS33", "iban": "DE89370400440532013000"}, "VALIDATION", ["iban"]),
    ({"country": "ZZ", "bic": "CHASUS33", "account_number": "123456789"}, "VALIDATION", ["country"]),
])
def test_bad_bank_details_are_refused_with_a_stable_code(given_, code, field):
    args = {"iban": None, "account_number": None, **given_}
    with pytest.raises((InvalidBankAccount, ValidationFailed)) as refused:
        check_beneficiary_account(**args)
    assert (refused.value.code, refused.value.field) == (code, field)


def test_the_quota_check_refuses_only_beyond_the_quota():
    check_quota(used=4_000, adding=1_000, quota_minor=5_000, currency="USD")
    with pytest.raises(CrossBorderQuotaExceeded) as refused:
        check_quota(used=4_000, adding=1_001, quota_minor=5_000, currency="USD")
    assert refused.value.code == "CROSS_BORDER_QUOTA_EXCEEDED" and "10.00 USD is left" in refused.value.message


WALLET, SETTLEMENT_USD, FEE_REVENUE, POS_CNY, POS_USD, FX_REVENUE = 11, 1, 2, 4, 5, 6


def _payout(amount: int, fee_minor: int, buy: int, mid_buy: int) -> PlanInputs:
    source = LockedWallet(uuid.UUID(int=WALLET), uuid.UUID(int=2), "ACTIVE", "CNY", WALLET, 0, 0)
    charged = Fee(fee_minor=fee_minor, kind="WITHDRAWAL",
                  decision=FeeDecision(fee_minor=fee_minor, rule=None, breakdown={"fee_minor": fee_minor}))
    return PlanInputs(
        kind=TransactionKind.WITHDRAWAL, facts={source.wallet_id: WalletFacts(uuid.UUID(int=1), source.customer_id,
                                                                              "CNY", WALLET)},
        source=source, target=None, from_field="fromWalletId", to_field="beneficiaryId", currency="CNY",
        amount_minor=amount, fee=charged, compliance=ComplianceCheck(None, None, {}, {}),
        accounts=BankAccounts(settlement=SETTLEMENT_USD, fee_revenue=FEE_REVENUE, fx_position_sell=POS_CNY,
                              fx_position_buy=POS_USD, fx_revenue=FX_REVENUE),
        fx=CrossCurrency(buy_currency="USD", buy_amount_minor=buy, mid_buy_minor=mid_buy, fee=charged),
    )


@PROPERTY
@given(st.integers(1, 10**12), st.integers(0, 10**6), st.integers(1, 10**11), st.integers(0, 10**9))
def test_an_fx_payout_balances_per_currency_and_pays_the_buy_amount_out(amount, fee_minor, buy, spread):
    plan = build_plan(_payout(amount, fee_minor, buy, buy + spread))
    totals: dict[str, int] = defaultdict(int)
    for leg in plan.legs:
        totals[leg.currency] += leg.amount_minor
    assert set(totals.values()) == {0}
    paid_out = sum(leg.amount_minor for leg in plan.legs if leg.account_id == SETTLEMENT_USD and leg.currency == "USD")
    assert paid_out == buy
    assert plan.deltas == {WALLET: -(amount + fee_minor)}
    assert plan.hold_minor == amount + fee_minor  # what a held payout reserves
    assert {len(leg) for leg in plan.held_legs} == {3}  # two currencies: each held leg keeps its own
