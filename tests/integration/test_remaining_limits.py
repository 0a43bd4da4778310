"""services.compliance.remaining_limits: what a customer's tier allows and what is left, per currency."""

from __future__ import annotations

from services.compliance.policy_document import TierLimits
from services.compliance.remaining_limits import customer_limits
from services.ledger.posting import post_top_up, post_withdrawal
from services.wallets import open_wallet
from tests.integration.service_support import holder, new_partner


async def test_a_new_customer_has_all_of_its_tiers_limits_left(database_url):
    partner = await new_partner("limits")
    someone = await holder(partner, country="CN", tier=3)
    [cny] = await customer_limits(customer_id=someone.customer_id, country="CN", kyc_tier=3)
    assert (cny.currency, cny.jurisdiction, cny.tier, cny.tier_name, cny.cross_border, cny.covered) == (
        "CNY", "CN", 3, "Class III", True, True)
    assert cny.limits == TierLimits(max_balance=100_000_000, annual=20_000_000)
    assert cny.remaining == {"daily": None, "monthly": None, "annual": 20_000_000, "lifetime": None}


async def test_what_was_sent_is_no_longer_left(database_url):
    partner = await new_partner("limits")
    someone = await holder(partner, country="CN", tier=1)  # Class I: 1,000 CNY in a lifetime
    await post_top_up(principal=partner, wallet_id=someone.wallet_id, amount="500.00", idempotency_key="in")
    await post_withdrawal(principal=partner, wallet_id=someone.wallet_id, amount="123.45", idempotency_key="out")
    [cny] = await customer_limits(customer_id=someone.customer_id, country="CN", kyc_tier=1)
    assert (cny.tier, cny.tier_name, cny.cross_border) == (1, "Class I", False)
    assert cny.remaining == {"daily": None, "monthly": None, "annual": None, "lifetime": 100_000 - 12_345}


async def test_a_currency_the_tier_does_not_cover_is_reported_as_not_covered(database_url):
    partner = await new_partner("limits")
    someone = await holder(partner, country="CN", tier=3)
    [usd] = await customer_limits(customer_id=someone.customer_id, country="CN", kyc_tier=3, currency="usd")
    assert (usd.currency, usd.covered) == ("USD", False)
    assert usd.limits == TierLimits(0, 0, 0, 0, 0, 0)
    assert usd.remaining == {"daily": 0, "monthly": 0, "annual": 0, "lifetime": 0}


async def test_without_a_currency_every_wallet_currency_is_listed_once_in_order(database_url):
    partner = await new_partner("limits")
    someone = await holder(partner, country="US", currency="USD", tier=1)
    await open_wallet(principal=partner, customer_id=someone.customer_id, currency="EUR")
    await open_wallet(principal=partner, customer_id=someone.customer_id, currency="USD")
    found = await customer_limits(customer_id=someone.customer_id, country="US", kyc_tier=1)
    assert [(f.currency, f.jurisdiction, f.tier_name) for f in found] == [("EUR", "DEFAULT", "Unverified"), ("USD", "DEFAULT", "Unverified")]
    assert found[1].remaining == {"daily": 20_000, "monthly": 100_000, "annual": 300_000, "lifetime": None}
