"""An FX conversion's spread and fee from the fee engine (services.fx.spread) and its compliance (services.fx.compliance)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from models.enums import TransactionKind
from services import clock
from services.db.wallet_rows import wallet_facts
from services.errors import KycRequired, QuoteMismatch, RateUnavailable
from services.fees.schedule import create_rule
from services.fx.compliance import check_conversion
from services.fx.spread import fx_terms
from tests.integration.fx_support import two_wallets
from tests.integration.service_support import holder, new_partner


def _rule(partner_id, **terms):
    return {"kind": "FX", "partner_id": partner_id, "currency": "AUD", "rate_bps": 0, "fixed_minor": 0,
            "fee_min_minor": 0, "free_per_month": 0, **terms}


async def test_the_fixed_part_is_the_fee_and_the_rate_is_the_spread(database_url):
    partner = await new_partner("fx-terms")
    wallets = await two_wallets(partner, "AUD", "NZD", fund=None)
    none = await fx_terms(partner_id=partner.partner_id, sell_currency="AUD", sell_minor=10_000, wallet_id=None,
                          at=clock.now())
    assert (none.spread_bps, none.fee.fee_minor, none.rule) == (0, 0, None)
    await create_rule(terms=_rule(partner.partner_id, rate_bps=75, fixed_minor=150, fee_max_minor=120,
                                  customer_kind="INDIVIDUAL"), created_by="test")
    terms = await fx_terms(partner_id=partner.partner_id, sell_currency="AUD", sell_minor=10_000,
                           wallet_id=wallets.sell_wallet, at=clock.now())
    # 75 bps is taken off the rate, not charged on the amount; the fixed 1.50 is capped at feeMax 1.20.
    assert (terms.spread_bps, terms.fee.fee_minor, terms.fee.kind) == (75, 120, "FX")
    assert terms.fee.breakdown["spread_bps"] == 75 and terms.fee.breakdown["fee_minor"] == 120
    # Without a wallet the customer kind is unknown: the rule naming one does not apply.
    unnamed = await fx_terms(partner_id=partner.partner_id, sell_currency="AUD", sell_minor=10_000, wallet_id=None,
                             at=clock.now())
    assert unnamed.spread_bps == 0


async def test_a_spread_that_leaves_nothing_is_refused(database_url):
    partner = await new_partner("fx-all")
    await create_rule(terms=_rule(partner.partner_id, currency="HKD", rate_bps=10_000), created_by="test")
    with pytest.raises(RateUnavailable):
        await fx_terms(partner_id=partner.partner_id, sell_currency="HKD", sell_minor=100, wallet_id=None,
                       at=clock.now())


async def test_a_conversion_is_checked_like_a_sweep_on_the_buy_currency(database_url):
    partner = await new_partner("fx-compliance")
    wallets = await two_wallets(partner, "USD", "EUR", fund=None)
    stranger = await holder(partner, country="US", currency="EUR")
    chinese = await holder(partner)  # China's pack covers CNY only
    facts = await wallet_facts(partner.partner_id, [wallets.sell_wallet, wallets.buy_wallet, stranger.wallet_id,
                                                    chinese.wallet_id])
    sell, buy = facts[wallets.sell_wallet].as_locked(wallets.sell_wallet), facts[wallets.buy_wallet].as_locked(wallets.buy_wallet)
    common = dict(kind=TransactionKind.FX_CONVERSION, amount_minor=100, currency="USD", at=clock.now(),
                  from_field="fromWalletId", to_field="toWalletId")
    check = await check_conversion(source=sell, target=buy, **common)
    # Not an outgoing payment: no limit counted; the buy wallet's maximum balance in its own currency applies.
    assert check.outgoing is None and check.sender_customer_id is None and not check.hold
    assert set(check.max_balance) == {wallets.buy_account}
    with pytest.raises(QuoteMismatch):
        await check_conversion(source=sell, target=facts[stranger.wallet_id].as_locked(stranger.wallet_id), **common)
    cny = facts[chinese.wallet_id].as_locked(chinese.wallet_id)
    # A customer whose tier does not cover the buy currency (China's pack: CNY only) cannot buy it.
    with pytest.raises(KycRequired):
        await check_conversion(source=cny, target=replace(cny, wallet_id=stranger.wallet_id, currency="USD",
                                                          account_id=-1), **common)
