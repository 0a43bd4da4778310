"""services.compliance.posting_checks: what compliance requires of one posting, before and under the locks."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from models import Customer, LimitUsage
from models.enums import ScreeningStatus, TransactionKind
from services.caches import USAGE_ROWS
from services.compliance.limits import OutgoingLimits, PeriodKeys
from services.compliance.policies import Pack
from services.compliance.policy_document import Tier, TierLimits
from services.compliance.posting_checks import (
    ComplianceCheck, StaleStanding, is_cross_border, check_compliance, check_locked, ensure_usage_row, forget_usage_rows,
)
from services.compliance.standing import forget_standing
from services.db.wallet_rows import LockedWallet, wallet_facts
from services.errors import ComplianceHold, KycRequired, LimitExceeded
from tests.integration.service_support import Holder, holder, new_partner

AT = datetime.now(timezone.utc)  # a posting now: the new wallets are not dormant
SHANGHAI = AT.astimezone(ZoneInfo("Asia/Shanghai"))
EU = Pack(jurisdiction="EU", name="EU", countries=("FR", "DE"), timezone=ZoneInfo("UTC"), thresholds={}, tiers=(),
          aml_rules={}, version=1)


async def locked(principal, someone: Holder) -> LockedWallet:
    facts = await wallet_facts(principal.partner_id, [someone.wallet_id])
    return facts[someone.wallet_id].as_locked(someone.wallet_id, balance=0)


async def check(source: LockedWallet | None, target: LockedWallet | None, amount_minor: int, currency: str = "CNY",
                kind: TransactionKind = TransactionKind.TRANSFER) -> ComplianceCheck:
    return await check_compliance(kind=kind, source=source, target=target, amount_minor=amount_minor, currency=currency,
                                  at=AT, from_field="fromWalletId", to_field="toWalletId")


def test_a_single_market_is_not_cross_border():
    assert is_cross_border(EU, "FR", "FR") is False
    assert is_cross_border(EU, "FR", "DE") is False
    assert is_cross_border(EU, "FR", "US") is True
    assert is_cross_border(EU, "US", "CN") is True


async def test_a_transfer_between_clear_customers_plans_its_checks_and_creates_the_usage_row(database_url):
    partner = await new_partner("checks")
    payer, payee = await holder(partner, tier=3), await holder(partner, tier=1)
    forget_usage_rows()
    planned = await check(await locked(partner, payer), await locked(partner, payee), 10_000)
    assert planned.sender_customer_id == payer.customer_id
    assert planned.outgoing is not None and (planned.outgoing.jurisdiction, planned.outgoing.tier.tier) == ("CN", 3)
    assert planned.outgoing.keys == PeriodKeys(  # the CN pack's day is Shanghai's
        SHANGHAI.strftime("%Y-%m-%d"), SHANGHAI.strftime("%Y-%m"), SHANGHAI.strftime("%Y"))
    assert planned.expected_tier == {payer.account_id: 3, payee.account_id: 1}
    assert planned.max_balance == {payee.account_id: 1_000_000}  # CN Class I: 10,000 CNY
    assert (planned.hits, planned.hold) == ([], False)
    assert (planned.subject_customer_id, planned.subject_wallet_id) == (payer.customer_id, payer.wallet_id)
    assert planned.velocity is not None and planned.velocity.max_count == 20
    assert await LimitUsage.filter(customer_id=payer.customer_id, currency="CNY").count() == 1
    assert (payer.customer_id, "CNY") in USAGE_ROWS
    await ensure_usage_row(payer.customer_id, "CNY")  # remembered: no second row, no error
    assert await LimitUsage.filter(customer_id=payer.customer_id, currency="CNY").count() == 1


async def test_a_top_up_has_no_sender_and_no_velocity(database_url):
    partner = await new_partner("checks")
    payee = await holder(partner, country="DE", currency="EUR", tier=1)
    planned = await check(None, await locked(partner, payee), 1_000, currency="EUR", kind=TransactionKind.TOP_UP)
    assert (planned.sender_customer_id, planned.outgoing, planned.velocity) == (None, None, None)
    assert planned.max_balance == {payee.account_id: 15_000}  # EU simplified due diligence: 150 EUR
    assert planned.subject_wallet_id == payee.wallet_id


async def test_held_customers_move_nothing(database_url):
    partner = await new_partner("checks")
    payer, payee = await holder(partner), await holder(partner)
    await Customer.filter(id=payee.customer_id).update(screening_status=ScreeningStatus.HOLD)
    forget_standing()
    with pytest.raises(ComplianceHold) as caught:
        await check(await locked(partner, payer), await locked(partner, payee), 100)
    assert caught.value.field == ["toWalletId"]
    with pytest.raises(ComplianceHold) as caught:
        await check(await locked(partner, payee), await locked(partner, payer), 100)
    assert caught.value.field == ["fromWalletId"]


async def test_a_low_tier_may_not_send_abroad_nor_a_currency_it_does_not_cover(database_url):
    partner = await new_partner("checks")
    class_one = await holder(partner, country="CN", tier=1)
    abroad = await holder(partner, country="US", currency="CNY", tier=3)
    with pytest.raises(KycRequired, match="cross-border") as caught:
        await check(await locked(partner, class_one), await locked(partner, abroad), 100)
    assert caught.value.field == ["fromWalletId"]
    usd_in_china = await holder(partner, country="CN", currency="USD", tier=3)
    with pytest.raises(KycRequired, match="does not allow USD"):
        await check(await locked(partner, usd_in_china), None, 100, currency="USD", kind=TransactionKind.WITHDRAWAL)


async def test_the_single_transaction_maximum_is_checked_before_any_lock(database_url):
    partner = await new_partner("checks")
    payer = await holder(partner, country="US", currency="USD", tier=1)  # 200 USD at once
    await check(await locked(partner, payer), None, 20_000, currency="USD", kind=TransactionKind.WITHDRAWAL)
    with pytest.raises(LimitExceeded, match="single-transaction"):
        await check(await locked(partner, payer), None, 20_001, currency="USD", kind=TransactionKind.WITHDRAWAL)


# Under the locks: check_locked is pure on the rows the posting locked.

TIER = Tier(1, "Tests", False, {"EUR": TierLimits(max_balance=10_000, daily=5_000)})
KEYS = PeriodKeys("2031-03-14", "2031-03", "2031")
PLANNED = ComplianceCheck(
    sender_customer_id=uuid.UUID(int=1), outgoing=OutgoingLimits("EUR", KEYS, TIER.limits["EUR"], TIER, "QA"),
    max_balance={2: 10_000}, expected_tier={1: 1, 2: 1},
)
FIELDS = {1: "fromWalletId", 2: "toWalletId"}


def row(account_id: int, *, balance: int = 0, tier: int = 1, screening: str = "CLEAR") -> dict:
    return {"account_id": account_id, "balance_minor": balance, "kyc_tier": tier, "screening_status": screening}


def usage(day_out: int) -> dict:
    return {"day_key": "2031-03-14", "day_out_minor": day_out, "month_key": "", "month_out_minor": 0, "year_key": "",
            "year_out_minor": 0, "lifetime_out_minor": day_out}


def test_the_locked_rows_pass_when_nothing_changed():
    check_locked(PLANNED, [row(1, balance=9_000), row(2, balance=9_000)], usage(4_000), {1: -1_000, 2: 1_000}, 1_000, "EUR", FIELDS)


def test_a_hold_placed_since_planning_refuses_naming_the_wallet():
    with pytest.raises(ComplianceHold) as caught:
        check_locked(PLANNED, [row(1), row(2, screening="HOLD")], None, {2: 1}, 1, "EUR", FIELDS)
    assert caught.value.field == ["toWalletId"]


def test_a_tier_changed_since_planning_asks_to_plan_again():
    with pytest.raises(StaleStanding):
        check_locked(PLANNED, [row(1, tier=2), row(2)], None, {}, 1, "EUR", FIELDS)


def test_the_period_totals_and_the_maximum_balance_are_checked_on_the_locked_rows():
    with pytest.raises(LimitExceeded, match="daily limit"):
        check_locked(PLANNED, [row(1), row(2)], usage(4_500), {1: -501, 2: 501}, 501, "EUR", FIELDS)
    with pytest.raises(LimitExceeded, match="maximum balance") as caught:
        check_locked(PLANNED, [row(1), row(2, balance=9_500)], usage(0), {1: -501, 2: 501}, 501, "EUR", FIELDS)
    assert caught.value.field == ["toWalletId"]
