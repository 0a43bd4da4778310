"""merchantCreate: a BUSINESS customer with approved KYC becomes a merchant, paid into one of its own wallets."""

from __future__ import annotations

import re
import uuid

from tortoise.transactions import in_transaction

from auth.principal import Principal
from models import Account, Customer, Merchant, Wallet
from models.enums import AccountKind, CustomerKind, KycStatus, ScreeningStatus, SettlementTiming, WalletStatus
from services.authority import require_partner_token
from services.countries import is_country
from services.customer_status import lock_open_customer
from services.errors import ComplianceHold, KycRequired, ValidationFailed, WalletNotActive
from services.events import record_domain_event
from services.merchants.records import MerchantRecord
from services.pagination import enum_filter
from services.payments import mcc as mcc_codes
from services.scoping import get_scoped
from services.validation import clean_text

MAX_NAME_CHARS = 25  # EMVCo MPM tag 59, Merchant Name
MAX_CITY_CHARS = 15  # EMVCo MPM tag 60, Merchant City
# What EMVCo's "ans" fields carry safely in every scanner: printable ASCII.
_EMV_TEXT = re.compile(r"[\x20-\x7e]+")
_MCC = re.compile(r"[0-9]{4}")


def emv_text(value: str | None, *, field: str, max_len: int, required: bool = True) -> str | None:
    """A text value fit for an EMVCo field: clean_text, then printable ASCII only (VALIDATION otherwise)."""
    text = clean_text(value, field=field, max_len=max_len, required=required)
    if text is not None and not _EMV_TEXT.fullmatch(text):
        raise ValidationFailed(f"{field} may hold printable ASCII characters only (EMVCo QR codes)", field=[field])
    return text


def check_mcc(value: str | None) -> str:
    """A known ISO 18245 merchant category code of four digits, else VALIDATION."""
    code = (value or "").strip()
    if not _MCC.fullmatch(code):
        raise ValidationFailed("mcc must be an ISO 18245 merchant category code of four digits", field=["mcc"])
    if not mcc_codes.is_known(code):
        raise ValidationFailed(f"mcc {code} is not a known ISO 18245 merchant category code", field=["mcc"])
    return code


def _check_customer(customer: Customer) -> None:
    """VALIDATION unless BUSINESS, KYC_REQUIRED unless approved, COMPLIANCE_HOLD unless screening is clear."""
    if customer.kind != CustomerKind.BUSINESS:
        raise ValidationFailed("only a BUSINESS customer can be a merchant", field=["customerId"])
    if customer.kyc_status != KycStatus.APPROVED:
        raise KycRequired("the customer's KYC must be approved before it becomes a merchant", field=["customerId"])
    if customer.screening_status != ScreeningStatus.CLEAR:
        raise ComplianceHold("the customer is held for compliance review", field=["customerId"])


async def create_merchant(
    *, principal: Principal, customer_id: uuid.UUID | None, display_name: str, mcc: str, city: str, country: str,
    settlement_wallet_id: uuid.UUID | None, settlement: SettlementTiming | str = SettlementTiming.IMMEDIATE,
) -> MerchantRecord:
    """A new ACTIVE merchant of the partner's BUSINESS customer with approved KYC; records merchant.created.

    settlement DEFERRED: the merchant gets its MERCHANT_CLEARING account, which its payments credit instead of its
    settlement wallet (services.merchants.settlement moves the money on)."""
    require_partner_token(principal)  # neither a customer token nor staff creates merchants
    timing = enum_filter(SettlementTiming, settlement, field="settlement") or SettlementTiming.IMMEDIATE
    name = emv_text(display_name, field="displayName", max_len=MAX_NAME_CHARS)
    code = check_mcc(mcc)
    town = emv_text(city, field="city", max_len=MAX_CITY_CHARS)
    country_code = (country or "").strip().upper() if isinstance(country, str) else ""
    if not is_country(country_code):
        raise ValidationFailed("country must be an ISO 3166-1 alpha-2 code", field=["country"])
    customer = await get_scoped(Customer, principal, customer_id, what="customer", field=["customerId"])
    _check_customer(customer)
    wallet = await get_scoped(Wallet, principal, settlement_wallet_id, what="wallet", field=["settlementWalletId"])
    if wallet.customer_id != customer.id:  # type: ignore[attr-defined]
        raise ValidationFailed("the settlement wallet must be one of the customer's own wallets", field=["settlementWalletId"])
    if wallet.status != WalletStatus.ACTIVE:
        raise WalletNotActive("the settlement wallet is not ACTIVE", field=["settlementWalletId"])
    async with in_transaction() as conn:
        await lock_open_customer(customer.id, field=["customerId"])  # a closed customer opens no merchant
        clearing = None
        if timing is SettlementTiming.DEFERRED:
            # Its balance is the sum of its entries (never a locked column): payments to the merchant never queue.
            clearing = await Account.create(kind=AccountKind.MERCHANT_CLEARING, currency=wallet.currency,
                                            partner_id=customer.partner_id, tracks_balance=False, using_db=conn)  # type: ignore[attr-defined]
        merchant = await Merchant.create(
            partner_id=customer.partner_id, customer_id=customer.id, settlement_wallet_id=wallet.id,  # type: ignore[attr-defined]
            display_name=name, mcc=code, city=town, country=country_code, settlement=timing,
            clearing_account_id=clearing.id if clearing is not None else None, using_db=conn,
        )
        await record_domain_event(
            type="merchant.created", partner_id=merchant.partner_id, object_type="Merchant", object_id=merchant.id,  # type: ignore[attr-defined]
            payload={"merchantId": str(merchant.id), "customerId": str(customer.id), "walletId": str(wallet.id)},
            using_db=conn,
        )
    return MerchantRecord.from_row(merchant)
