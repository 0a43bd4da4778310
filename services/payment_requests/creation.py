"""paymentRequestCreate: a merchant's EMVCo QR code, static (the payer enters the amount) or dynamic (amount, reference, expiry)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from tortoise.transactions import in_transaction

from auth.principal import Principal
from services import clock
from models import PaymentRequest, Wallet
from models.enums import MerchantStatus, WalletStatus
from models.ids import uuid7
from services.authority import require_scope
from services.errors import MerchantNotActive, ValidationFailed, WalletNotActive
from services.events import record_domain_event
from services.merchants.onboarding import emv_text
from services.merchants.queries import visible_merchant_row
from services.money import format_amount, parse_amount
from services.payment_requests.currency_numbers import currency_numeric
from services.payment_requests.records import PaymentRequestRecord
from services.payments import emv_qr

DEFAULT_TTL = timedelta(minutes=15)  # a dynamic code without expiresAt
MAX_TTL = timedelta(hours=24)
MAX_REFERENCE_CHARS = 25  # EMVCo tag 62-05, Reference Label


def dynamic_expiry(expires_at: datetime | None, *, now: datetime) -> datetime:
    """A dynamic code's expiry: 15 minutes by default, in the future and at most 24 hours ahead (VALIDATION)."""
    if expires_at is None:
        return now + DEFAULT_TTL
    if expires_at.tzinfo is None:
        expires_at = expires_at.replace(tzinfo=timezone.utc)
    if expires_at <= now:
        raise ValidationFailed("expiresAt is in the past", field=["expiresAt"])
    if expires_at > now + MAX_TTL:
        raise ValidationFailed("expiresAt may be at most 24 hours ahead", field=["expiresAt"])
    return expires_at


def _check_static(*, single_use: bool, expires_at: datetime | None) -> None:
    """A static code is paid many times and never expires: VALIDATION for singleUse or expiresAt."""
    if single_use:
        raise ValidationFailed("a static code (no amount) is paid many times: singleUse must be false", field=["singleUse"])
    if expires_at is not None:
        raise ValidationFailed("a static code (no amount) does not expire: give an amount for a dynamic code",
                               field=["expiresAt"])


def _encode(qr: emv_qr.MerchantQr) -> str:
    """The EMVCo payload; a field the codec cannot carry (checked before, so never expected) is VALIDATION."""
    try:
        return emv_qr.encode(qr)
    except emv_qr.InvalidQrField as error:
        raise ValidationFailed(f"cannot encode the QR code: {error}", field=["merchantId"]) from None


async def create_payment_request(
    *, principal: Principal, merchant_id: uuid.UUID | None, amount: str | None = None, reference: str | None = None,
    expires_at: datetime | None = None, single_use: bool = False, now: datetime | None = None,
) -> PaymentRequestRecord:
    """A new payment request of an ACTIVE merchant and its EMVCo payload; records payment_request.created."""
    require_scope(principal, "transactions:write")  # the merchant's partner or its customer's app; never staff
    merchant = await visible_merchant_row(principal, merchant_id, field=["merchantId"])
    if merchant.status != MerchantStatus.ACTIVE:
        raise MerchantNotActive("the merchant is suspended: its codes cannot be paid", field=["merchantId"])
    wallet = await Wallet.get(id=merchant.settlement_wallet_id)  # type: ignore[attr-defined]
    if wallet.status != WalletStatus.ACTIVE:
        raise WalletNotActive("the merchant's settlement wallet is not ACTIVE", field=["merchantId"])
    currency = wallet.currency
    ref = emv_text(reference, field="reference", max_len=MAX_REFERENCE_CHARS, required=False)
    dynamic = amount is not None
    amount_minor = parse_amount(amount, currency) if amount is not None else None
    expiry = None
    if dynamic:
        expiry = dynamic_expiry(expires_at, now=now or clock.now())
    else:
        _check_static(single_use=single_use, expires_at=expires_at)
    request_id = uuid7()
    payload = _encode(emv_qr.MerchantQr(
        merchant_request_id=request_id.hex, merchant_id=merchant.id.hex, mcc=merchant.mcc,
        currency_numeric=currency_numeric(currency),
        amount=format_amount(amount_minor, currency) if amount_minor is not None else None,
        country=merchant.country, merchant_name=merchant.display_name, merchant_city=merchant.city,
        reference=ref, dynamic=dynamic,
    ))
    async with in_transaction() as conn:
        row = await PaymentRequest.create(
            id=request_id, partner_id=merchant.partner_id, merchant_id=merchant.id, amount_minor=amount_minor,  # type: ignore[attr-defined]
            currency=currency, reference=ref, dynamic=dynamic, single_use=single_use, expires_at=expiry,
            payload=payload, using_db=conn,
        )
        event = {"paymentRequestId": str(row.id), "merchantId": str(merchant.id),
                 "kind": "DYNAMIC" if dynamic else "STATIC", "currency": currency}
        if amount_minor is not None:
            event["amount"] = {"amount": format_amount(amount_minor, currency), "currency": currency}  # type: ignore[assignment]
        await record_domain_event(type="payment_request.created", partner_id=merchant.partner_id,  # type: ignore[attr-defined]
                                  object_type="PaymentRequest", object_id=row.id, payload=event, using_db=conn)
    return PaymentRequestRecord.from_row(row)
