"""qrDecode: check a scanned EMVCo code end to end and show the payer what it would pay, before anything moves.

The payer's partner is usually not the merchant's: the preview reads the
payment request across partners on purpose, and shows only the merchant's
public face (never its partner, customer, wallet or status reason). A code of
a sandbox merchant answers a live payer (and the other way round) exactly
like a code that names no payment request.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from auth.principal import Principal
from services import clock
from services.authority import is_staff
from models import PaymentRequest
from models.enums import MerchantStatus, WalletStatus
from services.errors import AlreadyPaid, CurrencyMismatch, InvalidQrCode, MerchantNotActive, PaymentRequestExpired
from services.partners.environment import partner_environment, partner_environment_of
from services.payment_requests.currency_numbers import currency_numeric
from services.payment_requests.records import MerchantFace, QrPreview
from services.payments import emv_qr
from services.payments import mcc as mcc_codes

MAX_PAYLOAD_CHARS = 512  # an EMVCo MPM payload is at most 512 characters
UNKNOWN = "UNKNOWN_PAYMENT_REQUEST"


def _invalid(reason: str) -> InvalidQrCode:
    """INVALID_QR naming the reason (the codec's, or ours)."""
    return InvalidQrCode(f"not a payable QR code of this bank ({reason})", field=["payload"])


def _decode(payload: str) -> emv_qr.DecodedQr:
    """The decoded code, ours; INVALID_QR with the codec's reason otherwise."""
    if not isinstance(payload, str) or not payload.strip():
        raise _invalid("EMPTY")
    if len(payload) > MAX_PAYLOAD_CHARS:
        raise _invalid("TOO_LONG")
    try:
        decoded = emv_qr.decode(payload)
        emv_qr.require_ours(decoded)
    except emv_qr.InvalidQr as error:
        raise _invalid(error.reason) from None
    return decoded


async def _request_of(principal: Principal, decoded: emv_qr.DecodedQr, payload: str) -> PaymentRequest:
    """The stored request the code names, with its merchant and settlement wallet; INVALID_QR when there is none."""
    try:
        request_id = emv_qr_request_id(decoded)
    except ValueError:
        raise _invalid(UNKNOWN) from None
    request = await PaymentRequest.filter(id=request_id).select_related("merchant", "merchant__settlement_wallet").first()
    # Every field of the code must be the one we issued: a re-signed (new CRC) altered code is refused too.
    if request is None or request.payload != payload or request.merchant.id.hex != decoded_merchant_id(decoded):
        raise _invalid(UNKNOWN)
    if not is_staff(principal) and await partner_environment(request.partner_id) != partner_environment_of(principal):  # type: ignore[attr-defined]
        raise _invalid(UNKNOWN)  # sandbox codes are not payable with live money, nor the other way round
    return request


def emv_qr_request_id(decoded: emv_qr.DecodedQr) -> uuid.UUID:
    """The payment request id our template carries (ValueError when it is not one)."""
    return uuid.UUID(hex=str(decoded.merchant_request_id))


def decoded_merchant_id(decoded: emv_qr.DecodedQr) -> str:
    """The merchant id our template carries, as 32 hex digits."""
    return str(decoded.merchant_id).lower()


async def preview_qr(*, principal: Principal, payload: str, now: datetime | None = None) -> QrPreview:
    """Validate a scanned code (CRC, fields, our template, request, expiry, use, merchant, currency); the payer's preview."""
    return (await checked_request(principal=principal, payload=payload, now=now))[1]


async def checked_request(
    *, principal: Principal, payload: str, now: datetime | None = None,
) -> tuple[PaymentRequest, QrPreview]:
    """preview_qr's checks, and the stored request they read (with its merchant and settlement wallet), so that
    paymentCreate pays what was checked without reading it again."""
    payload = payload.strip() if isinstance(payload, str) else payload  # a scanner's trailing newline
    decoded = _decode(payload)
    request = await _request_of(principal, decoded, payload)
    merchant = request.merchant
    if merchant.status != MerchantStatus.ACTIVE or merchant.settlement_wallet.status != WalletStatus.ACTIVE:
        raise MerchantNotActive("the merchant cannot accept payments now", field=["payload"])
    moment = now or clock.now()
    if request.expires_at is not None and request.expires_at <= moment:
        raise PaymentRequestExpired("the payment request has expired: ask the merchant for a new code", field=["payload"])
    if request.single_use and request.paid_at is not None:
        raise AlreadyPaid("the payment request was already paid", field=["payload"])
    wallet_currency = merchant.settlement_wallet.currency
    if request.currency != wallet_currency or decoded.currency_numeric != currency_numeric(wallet_currency):
        raise CurrencyMismatch("the code's currency is not the merchant's settlement currency", field=["payload"])
    face = MerchantFace(id=merchant.id, display_name=merchant.display_name, mcc=merchant.mcc,
                        category_name=mcc_codes.category_name(merchant.mcc), city=merchant.city, country=merchant.country)
    return request, QrPreview(
        merchant=face, payment_request_id=request.id, amount_minor=request.amount_minor, currency=request.currency,
        reference=request.reference, expires_at=request.expires_at, dynamic=request.dynamic, single_use=request.single_use,
    )
