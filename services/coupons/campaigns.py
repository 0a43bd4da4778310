"""couponCampaignCreate: a campaign's terms, its COUPON_BUDGET ledger account and the posting that funds it.

Who: a partner's own token (issuer PARTNER, or MERCHANT for one of its merchants: funded from that merchant's
settlement wallet unless another of the partner's wallets is named), or bank staff with fees:write (issuer BANK,
funded from any ACTIVE wallet). The whole budget moves from the funding wallet to the campaign's COUPON_BUDGET
account by a COUPON_FUNDING posting of the posting engine, in the same database transaction that creates the
campaign: a campaign exists exactly when its budget is in the ledger, and every discount is then a leg from it.
"""

from __future__ import annotations

import dataclasses
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

from tortoise.transactions import in_transaction

from auth.principal import LIVE, PARTNER, SANDBOX, Principal
from models import Account, CouponCampaign, IdempotencyRecord, Merchant, Wallet
from models.enums import AccountKind, TransactionKind, WalletStatus
from models.ids import uuid7
from services.audit import AuditNote, record_event
from services.authority import is_staff, require_partner_token
from services.coupons.records import CampaignRecord
from services.coupons.terms import DISCOUNT_KINDS, ISSUERS, MAX_BPS, REFUND_RULES
from services.errors import Forbidden, IdempotencyConflict, NotFound, ValidationFailed
from services.ledger.engine import post
from services.ledger.plan import FundedParts
from services.ledger.request import PostingRequest, check_request
from services.partners.environment import PartnerEnvironment, partner_environment
from services.money import format_amount, normalise_currency, parse_amount
from services.scoping import of_partner, of_tenant
from services.validation import clean_name
from services.live.after_commit import announcements_after_commit

PERMISSION = "fees:write"  # staff: the bank's campaigns are priced terms, as its points programmes are
MAX_PER_CUSTOMER = 1000
MAX_LIST = 100
_CODE_CHARS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@dataclass(frozen=True)
class CampaignTerms:
    """couponCampaignCreate's input, unchecked (amounts as decimal strings in `currency`)."""

    name: str
    issuer: str
    currency: str
    budget: str
    funding_wallet_id: uuid.UUID | None
    discount_kind: str
    amount_off: str | None
    percent_off_bps: int | None
    max_discount: str | None
    min_spend: str | None
    valid_from: datetime
    valid_to: datetime
    per_customer_limit: int
    stackable: bool
    refund_rule: str
    merchant_ids: tuple[uuid.UUID, ...] = ()
    mccs: tuple[str, ...] = ()
    issuer_merchant_id: uuid.UUID | None = None
    claimable: bool = False  # give the campaign a claim code (couponClaim)
    idempotency_key: str | None = None  # the funding posting's key: a retry answers the original campaign


def _choice(value: str, allowed: tuple[str, ...], field: str) -> str:
    """One of a closed set, or VALIDATION."""
    if value not in allowed:
        raise ValidationFailed(f"{field} must be one of {', '.join(allowed)}", field=[field])
    return value


def _discount(terms: CampaignTerms, currency: str) -> dict:
    """The discount's stored columns: a fixed amount, or basis points with an optional cap."""
    kind = _choice(terms.discount_kind, DISCOUNT_KINDS, "discountKind")
    if kind == "FIXED":
        if terms.amount_off is None or terms.percent_off_bps is not None:
            raise ValidationFailed("a FIXED discount gives amountOff (and no percentOffBps)", field=["amountOff"])
        return {"discount_kind": kind, "amount_off_minor": parse_amount(terms.amount_off, currency, field=["amountOff"]),
                "percent_off_bps": None, "max_discount_minor": None}
    bps = terms.percent_off_bps
    if not isinstance(bps, int) or isinstance(bps, bool) or not 1 <= bps <= MAX_BPS or terms.amount_off is not None:
        raise ValidationFailed(f"a PERCENTAGE discount gives percentOffBps, 1 to {MAX_BPS}", field=["percentOffBps"])
    cap = parse_amount(terms.max_discount, currency, field=["maxDiscount"]) if terms.max_discount is not None else None
    return {"discount_kind": kind, "amount_off_minor": None, "percent_off_bps": bps, "max_discount_minor": cap}


def _restrictions(terms: CampaignTerms) -> tuple[list[str], list[str]]:
    """The merchants and categories the campaign is restricted to (empty: none)."""
    if len(terms.merchant_ids) > MAX_LIST or len(terms.mccs) > MAX_LIST:
        raise ValidationFailed(f"at most {MAX_LIST} merchants and {MAX_LIST} categories", field=["merchantIds"])
    mccs = []
    for i, mcc in enumerate(terms.mccs):
        if not (isinstance(mcc, str) and len(mcc) == 4 and mcc.isascii() and mcc.isdigit()):
            raise ValidationFailed("a merchant category code is 4 digits", field=["mccs", str(i)])
        mccs.append(mcc)
    return [str(m) for m in dict.fromkeys(terms.merchant_ids)], sorted(set(mccs))


def _owner(principal: Principal, issuer: str) -> uuid.UUID | None:
    """The partner the campaign belongs to: the caller's (issuer PARTNER or MERCHANT), or the bank's (staff, BANK)."""
    if is_staff(principal):
        if not is_staff(principal, PERMISSION):
            raise Forbidden(f"this operation needs the {PERMISSION} scope")
        if issuer != "BANK":
            raise ValidationFailed("bank staff create BANK campaigns", field=["issuer"])
        return None
    require_partner_token(principal)
    if issuer == "BANK":
        raise ValidationFailed("a partner's campaign is issued by the PARTNER or one of its MERCHANTs", field=["issuer"])
    return principal.partner_id


async def _funding_wallet(owner: uuid.UUID | None, terms: CampaignTerms, currency: str) -> tuple[Wallet, uuid.UUID | None]:
    """The ACTIVE wallet in the currency that funds the budget (a merchant issuer's settlement wallet by default)."""
    merchant_id = None
    wallet_id = terms.funding_wallet_id
    if terms.issuer == "MERCHANT":
        merchant = await Merchant.get_or_none(id=terms.issuer_merchant_id) if terms.issuer_merchant_id else None
        if merchant is None or not of_partner(owner, merchant.partner_id):  # type: ignore[attr-defined]
            raise NotFound("merchant not found", field=["issuerMerchantId"])
        merchant_id, wallet_id = merchant.id, wallet_id or merchant.settlement_wallet_id  # type: ignore[attr-defined]
    wallet = await Wallet.get_or_none(id=wallet_id) if wallet_id else None
    if wallet is None or (owner is not None and not of_partner(owner, wallet.partner_id)):  # type: ignore[attr-defined]
        raise NotFound("funding wallet not found (a partner's campaign is funded from one of its wallets)",
                       field=["fundingWalletId"])
    if wallet.currency != currency or wallet.status != WalletStatus.ACTIVE:
        raise ValidationFailed("the funding wallet must be ACTIVE and in the budget's currency", field=["fundingWalletId"])
    return wallet, merchant_id


def _checked_columns(terms: CampaignTerms, currency: str) -> dict:
    """Every stored term, checked (VALIDATION / INVALID_AMOUNT naming the field)."""
    name = clean_name(terms.name, field="name", max_len=100, required=True)
    budget = parse_amount(terms.budget, currency, field=["budget"])
    min_spend = parse_amount(terms.min_spend, currency, field=["minimumSpend"]) if terms.min_spend is not None else 0
    if terms.valid_from.tzinfo is None or terms.valid_to.tzinfo is None or terms.valid_from >= terms.valid_to:
        raise ValidationFailed("validFrom must be before validTo (with a time zone)", field=["validTo"])
    limit = terms.per_customer_limit
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_PER_CUSTOMER:
        raise ValidationFailed(f"perCustomerLimit must be 1 to {MAX_PER_CUSTOMER}", field=["perCustomerLimit"])
    merchants, mccs = _restrictions(terms)
    return {"name": name, "budget_minor": budget, "min_spend_minor": min_spend, "valid_from": terms.valid_from,
            "valid_to": terms.valid_to, "per_customer_limit": limit, "stackable": bool(terms.stackable),
            "refund_rule": _choice(terms.refund_rule, REFUND_RULES, "refundRule"), "merchant_ids": merchants,
            "mccs": mccs, **_discount(terms, currency)}


async def create_campaign(*, principal: Principal, terms: CampaignTerms, audit: AuditNote | None = None) -> CampaignRecord:
    """Create the campaign, its COUPON_BUDGET account and fund it from the funding wallet (all or nothing)."""
    issuer = _choice(terms.issuer, ISSUERS, "issuer")
    owner = _owner(principal, issuer)
    currency = normalise_currency(terms.currency)
    columns = _checked_columns(terms, currency)
    wallet, merchant_id = await _funding_wallet(owner, terms, currency)
    campaign_id = uuid7()
    req = _funding_request(terms, columns, wallet, currency, campaign_id)
    poster = await _poster(principal, wallet)
    original = await _original(poster, req)
    if original is not None:
        return original
    code = "".join(secrets.choice(_CODE_CHARS) for _ in range(10)) if terms.claimable else None
    try:
        async with announcements_after_commit(), in_transaction() as conn:  # live updates after the commit
            # The budget account keeps no locked balance (the sum of its entries): the campaign row's budget_used_minor,
            # locked by each redemption, is what guards it (services.coupons.reserving).
            account = await Account.create(kind=AccountKind.COUPON_BUDGET, currency=currency, partner_id=owner,
                                           tracks_balance=False, using_db=conn)
            # The engine joins this transaction: the funding posting commits with the campaign or not at all. It
            # comes first: it locks the funding wallet FOR UPDATE before the campaign row's foreign key takes its
            # KEY SHARE lock on that wallet (the other way round, two creations from one wallet deadlock).
            txn = await post(poster, dataclasses.replace(
                req, funded=FundedParts(((account.id, columns["budget_minor"]),))), None)
            if txn.replayed:
                raise _Replayed  # the key was used meanwhile: this campaign must not exist
            campaign = await CouponCampaign.create(
                id=campaign_id, partner_id=owner, issuer=issuer, issuer_merchant_id=merchant_id,
                funding_wallet_id=wallet.id, budget_account_id=account.id, currency=currency, claim_code=code,
                funding_transaction_id=txn.id, using_db=conn, **columns)
            if audit is not None:
                await record_event(actor=audit.actor, operation=audit.operation, outcome="OK",
                                   object_type="CouponCampaign", object_id=str(campaign.id),
                                   request_id=audit.request_id, partner_id=owner)
    except Exception:
        # A request with the same key committed while this one ran (the engine replayed it, or this transaction
        # aborted on the key's unique index): everything here rolled back; answer the original campaign.
        original = await _original(poster, req)
        if original is not None:
            return original
        raise
    return CampaignRecord.of(campaign, audited=audit is not None)


class _Replayed(Exception):
    """The funding posting answered an earlier request's transaction: roll this campaign back."""


async def _poster(principal: Principal, wallet: Wallet) -> Principal:
    """Who posts the funding: the caller, or for bank staff (a BANK campaign) the funding wallet's partner acting
    for the bank (the engine moves a wallet for its own partner only); the staff member's audit row names them."""
    if not is_staff(principal):
        return principal
    environment = await partner_environment(wallet.partner_id)  # type: ignore[attr-defined]
    return Principal(kind=PARTNER, subject=f"staff:{principal.subject}", partner_id=wallet.partner_id,  # type: ignore[attr-defined]
                     scopes=frozenset({"transactions:write"}),
                     environment=SANDBOX if environment == PartnerEnvironment.SANDBOX else LIVE)


def _funding_request(terms: CampaignTerms, columns: dict, wallet: Wallet, currency: str,
                     campaign_id: uuid.UUID) -> PostingRequest:
    """The COUPON_FUNDING posting (its budget account is added once created): keyed by the caller's key if given."""
    subject = (f"CouponCampaign:{columns['name']}:{columns['budget_minor']}:{terms.issuer}:{columns['discount_kind']}"
               f":{columns['amount_off_minor']}:{columns['percent_off_bps']}:{columns['valid_from'].isoformat()}")
    return PostingRequest(
        operation="couponCampaignCreate", kind=TransactionKind.COUPON_FUNDING,
        idempotency_key=terms.idempotency_key or f"coupon-funding-{campaign_id}",
        amount_text=format_amount(columns["budget_minor"], currency), from_wallet_id=wallet.id, to_wallet_id=None,
        from_field="fundingWalletId", to_field="budget", currency=currency,
        memo=f"coupon budget: {columns['name']}"[:280], requires_from=True,
        subject=subject)


async def _original(principal: Principal, req: PostingRequest) -> CampaignRecord | None:
    """The campaign an earlier call with this idempotencyKey created (IDEMPOTENCY_CONFLICT for other terms)."""
    checked = check_request(principal, req)
    record = await of_tenant(IdempotencyRecord, principal.partner_id).get_or_none(key=checked.key)
    if record is None:
        return None
    campaign = await CouponCampaign.get_or_none(funding_transaction_id=record.transaction_id)
    if record.operation != "couponCampaignCreate" or record.request_hash != checked.fingerprint or campaign is None:
        raise IdempotencyConflict("this idempotencyKey was already used with different input", field=["idempotencyKey"])
    return CampaignRecord.of(campaign)


async def visible_campaign(principal: Principal, campaign_id: uuid.UUID | None, *, field: str = "campaignId") -> CouponCampaign:
    """A campaign the caller may use: staff any, a partner (or its customer token) its own and the bank's."""
    campaign = await CouponCampaign.get_or_none(id=campaign_id) if campaign_id else None
    if campaign is None or not (is_staff(principal) or campaign.partner_id is None  # type: ignore[attr-defined]
                                or of_partner(principal.partner_id, campaign.partner_id)):  # type: ignore[attr-defined]
        raise NotFound("coupon campaign not found", field=[field])
    return campaign


async def managed_campaign(principal: Principal, campaign_id: uuid.UUID | None) -> CouponCampaign:
    """A campaign the caller may issue coupons of: staff with the permission the bank's, a partner its own."""
    campaign = await CouponCampaign.get_or_none(id=campaign_id) if campaign_id else None
    if is_staff(principal):
        if not is_staff(principal, PERMISSION):
            raise Forbidden(f"this operation needs the {PERMISSION} scope")
        if campaign is None:
            raise NotFound("coupon campaign not found", field=["campaignId"])
        return campaign
    require_partner_token(principal)
    if campaign is None or campaign.partner_id is None or not of_partner(principal.partner_id, campaign.partner_id):  # type: ignore[attr-defined]
        raise NotFound("coupon campaign not found", field=["campaignId"])
    return campaign

