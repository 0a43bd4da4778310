"""services.fees.charging: one function prices the quote and the charge, from the partner's rules and its customers."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from services.caches import FEE_SHARES
from services.fees.charging import NO_FEE, Fee, fee_for
from services.fees.schedule import create_rule
from services.ledger.posting import post_top_up
from services.partners.fee_share import set_fee_share
from tests.integration.service_support import holder, new_partner


async def rule(principal, kind: str, **terms) -> None:
    await create_rule(terms={"partner_id": principal.partner_id, "kind": kind, **terms}, created_by="test:charging")


async def fee(principal, kind: str, amount_minor: int, source=None, target=None, currency: str = "CNY", **more) -> Fee:
    return await fee_for(principal=principal, kind=kind, amount_minor=amount_minor, currency=currency,
                         from_wallet_id=source.wallet_id if source else None,
                         to_wallet_id=target.wallet_id if target else None, **more)


async def test_without_a_rule_of_the_kind_there_is_no_fee(database_url):
    partner = await new_partner("charging")
    payer, payee = await holder(partner), await holder(partner)
    await rule(partner, "WITHDRAWAL", currency="CNY", fixed_minor=100)
    assert await fee(partner, "TRANSFER", 10_000, payer, payee) is NO_FEE
    assert NO_FEE.breakdown == {"fee_minor": 0, "partner_share_minor": 0}


async def test_a_domestic_transfer_pays_fixed_plus_rate(database_url):
    partner = await new_partner("charging")
    payer, payee = await holder(partner), await holder(partner)
    await rule(partner, "TRANSFER", currency="CNY", fixed_minor=100, rate_bps=50)
    charged = await fee(partner, "TRANSFER", 10_000, payer, payee)
    assert (charged.fee_minor, charged.kind, charged.share_minor) == (150, "TRANSFER", 0)
    assert charged.breakdown["fee_kind"] == "TRANSFER" and charged.breakdown["partner_share_minor"] == 0
    assert charged.breakdown["scope"] == "partner" and charged.decision.rule is not None


async def test_a_transfer_between_countries_is_priced_as_international(database_url):
    partner = await new_partner("charging")
    payer, abroad = await holder(partner, country="CN"), await holder(partner, country="US")
    await rule(partner, "TRANSFER", currency="CNY", fixed_minor=100)
    await rule(partner, "INTERNATIONAL_TRANSFER", currency="CNY", fixed_minor=700)
    charged = await fee(partner, "TRANSFER", 10_000, payer, abroad)
    assert (charged.fee_minor, charged.kind) == (700, "INTERNATIONAL_TRANSFER")
    assert (await fee(partner, "TRANSFER", 10_000, payer, await holder(partner))).fee_minor == 100


async def test_a_withdrawal_to_another_country_takes_the_cross_border_rule(database_url):
    partner = await new_partner("charging")
    payer = await holder(partner, country="CN")
    await rule(partner, "WITHDRAWAL", currency="CNY", fixed_minor=100)
    await rule(partner, "WITHDRAWAL", currency="CNY", corridor="CROSS_BORDER", fixed_minor=300)
    assert (await fee(partner, "WITHDRAWAL", 5_000, payer, destination_country="US")).fee_minor == 300
    assert (await fee(partner, "WITHDRAWAL", 5_000, payer, destination_country="CN")).fee_minor == 100
    assert (await fee(partner, "WITHDRAWAL", 5_000, payer)).fee_minor == 100


async def test_a_transfer_with_a_foreign_destination_but_no_payee_is_international(database_url):
    partner = await new_partner("charging")
    payer = await holder(partner, country="CN")
    await rule(partner, "INTERNATIONAL_TRANSFER", currency="CNY", fixed_minor=900)
    charged = await fee(partner, "TRANSFER", 5_000, payer, destination_country="JP")
    assert (charged.fee_minor, charged.kind) == (900, "INTERNATIONAL_TRANSFER")


async def test_free_postings_of_the_month_are_counted_per_customer(database_url):
    partner = await new_partner("charging")
    someone = await holder(partner)
    await rule(partner, "TOP_UP", currency="CNY", fixed_minor=50, free_per_month=1)
    first = await fee(partner, "TOP_UP", 1_000, target=someone)
    assert (first.fee_minor, first.breakdown["free_allowance_used"]) == (0, True)
    await post_top_up(principal=partner, wallet_id=someone.wallet_id, amount="10.00", idempotency_key="free")
    second = await fee(partner, "TOP_UP", 1_000, target=someone)
    assert (second.fee_minor, second.breakdown["free_allowance_used"]) == (50, False)
    # Next month the allowance is back.
    next_month = (datetime.now(timezone.utc).replace(day=1) + timedelta(days=32)).replace(day=2)
    assert (await fee(partner, "TOP_UP", 1_000, target=someone, at=next_month)).fee_minor == 0


async def test_the_partners_share_rounds_down_and_follows_a_change(database_url):
    partner = await new_partner("charging")
    payer, payee = await holder(partner), await holder(partner)
    await rule(partner, "TRANSFER", currency="CNY", fixed_minor=150)
    await set_fee_share(partner_id=partner.partner_id, share_bps=2_500)
    charged = await fee(partner, "TRANSFER", 10_000, payer, payee)
    assert (charged.fee_minor, charged.share_minor) == (150, 37)  # 37.5 rounds down: the bank keeps the rest
    assert charged.breakdown["partner_share_minor"] == 37
    assert FEE_SHARES.get(partner.partner_id) == 2_500
    await set_fee_share(partner_id=partner.partner_id, share_bps=10_000)
    assert (await fee(partner, "TRANSFER", 10_000, payer, payee)).share_minor == 150
