"""feeQuote: what a transaction would cost, before anything moves."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from auth.principal import Principal
from models import Merchant
from services.authority import is_staff
from services.countries import is_country
from services.errors import CurrencyMismatch, NotFound, ValidationFailed
from services.fees.charging import Fee, fee_for
from services.fees.merchant_fee import merchant_fee_for
from services.fees.merchant_terms import MerchantTerms
from services.partners.environment import partner_environment, partner_environment_of
from services.fees.rules import FEE_KINDS, ROUTES
from services.db.wallet_rows import wallet_facts
from services.scoping import of_partner, own_customer
from services.money import normalise_currency, parse_amount

# A quote kind the posting engine derives itself: a TRANSFER between customers
# of different countries is charged as INTERNATIONAL_TRANSFER.
_POSTING_KIND = {"INTERNATIONAL_TRANSFER": "TRANSFER"}


@dataclass(frozen=True)
class FeeQuote:
    currency: str
    amount_minor: int
    fee: Fee
    # With a merchant: its fee (RECEIVER rules), shown to the merchant's partner and bank staff only (else None).
    merchant_fee: Fee | None = None
    # Issue 15: what coupons and points would take off a PAYMENT (services.coupons.checkout.quote_discounts).
    discount_minor: int = 0

    @property
    def total_debit_minor(self) -> int:
        """What leaves the payer: principal plus fee less discounts (a top-up's fee comes out of the credit)."""
        return self.amount_minor + self.fee.fee_minor - self.discount_minor


async def quote_fee(
    *,
    principal: Principal,
    kind: str,
    amount: str,
    currency: str,
    from_wallet_id: uuid.UUID | None = None,
    to_wallet_id: uuid.UUID | None = None,
    destination_country: str | None = None,
    merchant_id: uuid.UUID | None = None,
    merchant: MerchantTerms | None = None,
    route: str | None = None,
    discounts: Any = None,
) -> FeeQuote:
    """The fee the posting engine would charge now for these inputs, and the total debit.

    A PAYMENT to a merchant (merchant_id, or the merchant already checked by qrDecode) is quoted with the
    merchant's category and id, and with the merchant's own fee for the merchant's partner and bank staff.
    """
    if kind not in FEE_KINDS:
        raise ValidationFailed(f"kind must be one of {', '.join(FEE_KINDS)}", field=["kind"])
    if kind == "FX":
        # An FX rule's rate is a spread on the rate, not a fee on the amount: fxQuote prices conversions.
        raise ValidationFailed("FX conversions are priced by fxQuote (spread and fee together)", field=["kind"])
    if merchant_id is not None:
        merchant = await _quotable_merchant(principal, merchant_id)
    if route is not None and route not in ROUTES.get(kind, ()):
        raise ValidationFailed("route is BANK_ACCOUNT or CARD for a TOP_UP, BANK_ACCOUNT for a WITHDRAWAL",
                               field=["route"])
    if merchant is not None and (kind != "PAYMENT" or to_wallet_id is not None):
        raise ValidationFailed("a merchant is quoted with kind PAYMENT and no toWalletId (its settlement wallet is"
                               " the receiving one)", field=["merchantId"])
    code = normalise_currency(currency)
    amount_minor = parse_amount(amount, code)
    country = destination_country.strip().upper() if destination_country else None
    if country is not None and not is_country(country):
        raise ValidationFailed("destinationCountry must be an ISO 3166-1 alpha-2 code", field=["destinationCountry"])
    wallet_ids = [w for w in (from_wallet_id, to_wallet_id) if w is not None]
    facts = await wallet_facts(principal.partner_id, wallet_ids)
    for wallet_id, field in ((from_wallet_id, "fromWalletId"), (to_wallet_id, "toWalletId")):
        if wallet_id is not None and wallet_id not in facts:
            raise NotFound("wallet not found", field=[field])
        # A customer token quotes only what it could pay: from its own customer's wallet (to any of the partner's),
        # or it would learn another customer's fee and free-allowance use.
        payer = field == "fromWalletId" or from_wallet_id is None
        if wallet_id is not None and payer and not own_customer(principal, facts[wallet_id].customer_id):
            raise NotFound("wallet not found", field=[field])
        if wallet_id is not None and facts[wallet_id].currency != code:
            raise CurrencyMismatch(f"the wallet holds {facts[wallet_id].currency}, not {code}", field=[field])
    fee = await fee_for(
        principal=principal, kind=_POSTING_KIND.get(kind, kind), amount_minor=amount_minor, currency=code,
        from_wallet_id=from_wallet_id, to_wallet_id=to_wallet_id, destination_country=country, merchant=merchant,
        route=route,
    )
    if kind == "INTERNATIONAL_TRANSFER" and fee.kind == "TRANSFER" and country is None:
        raise ValidationFailed("an international transfer quote needs toWalletId or destinationCountry", field=["destinationCountry"])
    merchant_fee = None
    if merchant is not None and (is_staff(principal) or of_partner(principal.partner_id, merchant.partner_id)):
        merchant_fee = await merchant_fee_for(merchant, amount_minor=amount_minor, currency=code,
                                              payer_wallet_id=from_wallet_id)
    discount = await _discount(principal, discounts, merchant, from_wallet_id, amount_minor, code)
    return FeeQuote(currency=code, amount_minor=amount_minor, fee=fee, merchant_fee=merchant_fee, discount_minor=discount)


async def _discount(principal: Principal, discounts: Any, merchant: MerchantTerms | None,
                    from_wallet_id: uuid.UUID | None, amount_minor: int, currency: str) -> int:
    """What the coupons and points asked for (a services.coupons.checkout.DiscountAsk) would take off, every rule
    checked as paymentCreate checks it (nothing reserved); 0 when none is asked."""
    if discounts is None or discounts.empty:
        return 0
    if merchant is None or from_wallet_id is None:
        raise ValidationFailed("coupons and points are quoted on a PAYMENT to a merchant, from fromWalletId",
                               field=["couponIds"])
    from services.coupons.checkout import quote_discounts, spend_of  # the coupon rules, as paymentCreate applies them

    coupons, points_minor = await quote_discounts(
        principal=principal, ask=discounts, payer_wallet_id=from_wallet_id,
        spend=spend_of(amount_minor=amount_minor, currency=currency, merchant_id=merchant.merchant_id, mcc=merchant.mcc))
    return coupons.total_minor + points_minor


async def _quotable_merchant(principal: Principal, merchant_id: uuid.UUID) -> MerchantTerms:
    """A merchant of any partner of the caller's environment (payers pay other partners' merchants), or NOT_FOUND."""
    row = await Merchant.get_or_none(id=merchant_id)
    if row is None or (not is_staff(principal) and await partner_environment(row.partner_id)  # type: ignore[attr-defined]
                       != partner_environment_of(principal)):
        raise NotFound("merchant not found", field=["merchantId"])
    return MerchantTerms.of(row)
