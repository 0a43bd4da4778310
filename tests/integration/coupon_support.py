"""A coupon world for the coupon tests: a partner, a funded campaign, a paying customer and a merchant."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from auth.principal import Principal
from models import Account, Coupon, CouponCampaign, Entry
from services import clock
from services.coupons.campaigns import CampaignTerms, create_campaign
from services.coupons.checkout import DiscountAsk
from services.coupons.issuing import issue_coupons
from services.coupons.records import CampaignRecord
from services.ledger.posting import post_top_up
from services.merchants.records import MerchantRecord
from services.payment_requests.creation import create_payment_request
from services.payments.paying import pay
from services.payments.records import PaymentRecord
from tests.factories import next_id
from tests.integration.merchant_support import business, merchant_of
from tests.integration.service_support import Holder, holder, new_partner


@dataclass(frozen=True)
class CouponWorld:
    bank: Principal
    funding: Holder
    payer: Holder
    merchant: MerchantRecord


def terms(**overrides: object) -> CampaignTerms:
    """A campaign's terms: 10.00 CNY off payments of 50.00 or more, budget 100.00, one per customer, RESTORE."""
    now = clock.now()
    values: dict[str, object] = dict(
        name="Spring sale", issuer="PARTNER", currency="CNY", budget="100.00", funding_wallet_id=None,
        discount_kind="FIXED", amount_off="10.00", percent_off_bps=None, max_discount=None, min_spend="50.00",
        valid_from=now - timedelta(days=1), valid_to=now + timedelta(days=30), per_customer_limit=1, stackable=False,
        refund_rule="RESTORE")
    values.update(overrides)
    return CampaignTerms(**values)  # type: ignore[arg-type]


async def coupon_world(*, payer_balance: str = "1000.00") -> CouponWorld:
    """A partner with a funded business wallet (5000.00), a funded payer and a merchant."""
    bank = await new_partner("cpn")
    funding = await business(bank)
    await post_top_up(principal=bank, wallet_id=funding.wallet_id, amount="5000.00", idempotency_key=next_id("cf"))
    payer = await holder(bank)
    await post_top_up(principal=bank, wallet_id=payer.wallet_id, amount=payer_balance, idempotency_key=next_id("cp"))
    return CouponWorld(bank=bank, funding=funding, payer=payer, merchant=await merchant_of(bank))


async def campaign_of(world: CouponWorld, **overrides: object) -> CampaignRecord:
    """A campaign of the world's partner funded from its funding wallet."""
    return await create_campaign(principal=world.bank, terms=terms(funding_wallet_id=world.funding.wallet_id, **overrides))


async def coupon_for(world: CouponWorld, campaign: CampaignRecord, holder_: Holder | None = None):  # type: ignore[no-untyped-def]
    """One coupon of the campaign issued to the payer (or another holder); its id."""
    issued = await issue_coupons(principal=world.bank, campaign_id=campaign.id,
                                 customer_ids=[(holder_ or world.payer).customer_id])
    return issued.coupons[0].id


async def pay_with(world: CouponWorld, amount: str, *, coupons=(), points: int | None = None, program_id=None,
                   payer: Holder | None = None, key: str | None = None, request=None) -> PaymentRecord:  # type: ignore[no-untyped-def]
    """The payer pays the world's merchant `amount` CNY with the coupons (and points), by a new single-use request
    unless one is given."""
    request = request or await create_payment_request(principal=world.bank, merchant_id=world.merchant.id,
                                                      amount=amount, single_use=True)
    return await pay(principal=world.bank, from_wallet_id=(payer or world.payer).wallet_id, qr_payload=request.payload,
                     amount=None, idempotency_key=key or next_id("cpay"),
                     discounts=DiscountAsk(coupon_ids=tuple(coupons), points=points, points_program_id=program_id))


async def new_request(world: CouponWorld, amount: str):  # type: ignore[no-untyped-def]
    """A single-use payment request of the world's merchant."""
    return await create_payment_request(principal=world.bank, merchant_id=world.merchant.id, amount=amount,
                                        single_use=True)


async def budget_state(campaign_id) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    """(budget, used, the budget account's ledger balance) of a campaign: balance == budget - used always."""
    row = await CouponCampaign.get(id=campaign_id)
    account = await Account.get(id=row.budget_account_id)  # type: ignore[attr-defined]
    total = sum(int(a) for a in await Entry.filter(account_id=account.id).values_list("amount_minor", flat=True))
    return row.budget_minor, row.budget_used_minor, total


async def coupon_status(coupon_id) -> str:  # type: ignore[no-untyped-def]
    """The coupon's stored status."""
    return (await Coupon.get(id=coupon_id)).status
