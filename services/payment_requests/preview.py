"""qrDecode: check a scanned EMVCo code end to end and show the payer what it would pay, before anything moves.

The payer's partner is usually not the merchant's: the preview reads the
payment request across partners on purpose, and shows only the merchant's
public face (never its partner, customer, wallet or status reason). A code of
a sandbox merchant answers a live payer (and the other way round) exactly
like a code that names no payment request.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from tortoise import connections
from tortoise.models import Model

from auth.principal import Principal
from services import clock
from services.authority import is_staff
from models import Merchant, PaymentRequest, Wallet
from models.enums import MerchantStatus, WalletStatus
from services.caches import PAYABLE_REQUESTS, QR_DECODES
from services.change_feed import reliable
from services.db.sql import fetch
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
    """The decoded code, ours; INVALID_QR with the codec's reason otherwise.

    Decoding is a pure function of the text, so a code that decoded as ours is remembered by its exact payload
    (QR_DECODES; a refused one is decoded again every time, and refused the same way).
    """
    if not isinstance(payload, str) or not payload.strip():
        raise _invalid("EMPTY")
    if len(payload) > MAX_PAYLOAD_CHARS:
        raise _invalid("TOO_LONG")
    remembered = QR_DECODES.get(payload)
    if remembered is not None:
        return remembered
    try:
        decoded = emv_qr.decode(payload)
        emv_qr.require_ours(decoded)
    except emv_qr.InvalidQr as error:
        raise _invalid(error.reason) from None
    QR_DECODES.put(payload, decoded)
    return decoded


async def _request_of(principal: Principal, decoded: emv_qr.DecodedQr, payload: str, *,
                      remember: bool = False) -> tuple[PaymentRequest, QrPreview | None]:
    """The stored request the code names, with its merchant and settlement wallet, and the preview remembered with
    it (None when it was read now); INVALID_QR when there is none."""
    try:
        request_id = emv_qr_request_id(decoded)
    except ValueError:
        raise _invalid(UNKNOWN) from None
    read = await _read_request(request_id, remember=remember)
    if read is None:
        raise _invalid(UNKNOWN)
    request, preview = read
    # Every field of the code must be the one we issued: a re-signed (new CRC) altered code is refused too.
    if request.payload != payload or request.merchant.id.hex != decoded_merchant_id(decoded):
        raise _invalid(UNKNOWN)
    if not is_staff(principal) and await partner_environment(request.partner_id) != partner_environment_of(principal):  # type: ignore[attr-defined]
        raise _invalid(UNKNOWN)  # sandbox codes are not payable with live money, nor the other way round
    return request, preview


# The request, its merchant and the merchant's settlement wallet in one SELECT, as
# `PaymentRequest.filter(id=...).select_related("merchant", "merchant__settlement_wallet").first()` reads them,
# built into the same model instances; only the statement's text is made once per process instead of by the
# query builder at every payment (most of a payment's Python time in the code check).
_READ: tuple[str, tuple[tuple[type[Model], str, tuple[str, ...]], ...]] | None = None
_PARTS = ((PaymentRequest, "r"), (Merchant, "m"), (Wallet, "w"))


def _read_statement() -> tuple[str, tuple[tuple[type[Model], str, tuple[str, ...]], ...]]:
    """The SELECT and, per model, its alias and columns (from the models' own metadata, once Tortoise is up)."""
    global _READ
    if _READ is None:
        parts = tuple((model, alias, tuple(model._meta.fields_db_projection.values())) for model, alias in _PARTS)
        columns = ", ".join(f'{alias}."{column}" AS "{alias}.{column}"' for _, alias, cols in parts for column in cols)
        sql = (f'SELECT {columns} FROM "{PaymentRequest._meta.db_table}" r'
               f' JOIN "{Merchant._meta.db_table}" m ON m."id" = r."merchant_id"'
               f' JOIN "{Wallet._meta.db_table}" w ON w."id" = m."settlement_wallet_id" WHERE r."id" = $1')
        _READ = (sql, parts)
    return _READ


_Columns = tuple[dict, dict, dict]  # the request's, the merchant's and the wallet's columns, by column name


def _rememberable(columns: _Columns) -> bool:
    """Whether paymentCreate may remember this row: a multi-use request (its row never changes once made) whose
    merchant and settlement wallet were both ACTIVE. Anything else is read afresh at every payment."""
    request, merchant, wallet = columns
    return (not request["single_use"] and merchant["status"] == MerchantStatus.ACTIVE.value
            and wallet["status"] == WalletStatus.ACTIVE.value)


@dataclass(frozen=True)
class _Payable:
    """A remembered payable code (PAYABLE_REQUESTS): its row's model instances, built once when it was read, and
    the preview they give. Every payment to that code in this process shares them, so they are only ever read
    (paymentCreate reads the request, its merchant and settlement wallet; it never changes or saves them)."""

    request: PaymentRequest
    preview: QrPreview


async def _read_request(request_id: uuid.UUID, *, remember: bool = False) -> tuple[PaymentRequest, QrPreview | None] | None:
    """The stored request with its merchant and settlement wallet loaded, and the preview remembered with it (None
    when it was read now); None when there is no such request.

    remember=True (paymentCreate, not a dry run) may answer from PAYABLE_REQUESTS, and fills it: what it holds
    can go stale in two ways only, both covered. A merchant's status changes only through
    services.merchants.status, which announces MERCHANTS_CHANNEL after its commit: every process forgets,
    and nothing is remembered while this process does not hear announcements (change_feed.reliable), nor a
    row read across an announcement (the cache's generation). A settlement wallet's status (a freeze, a
    close) is not announced: the posting locks that wallet and refuses unless it is ACTIVE, and a refused
    payment checks the code again from the database (services.payments.paying), so the payer is told what
    a fresh check says (MERCHANT_NOT_ACTIVE), never paid into a frozen wallet.

    A remembered code is kept as built (model instances and preview, see _Payable), not as its columns: building
    three model instances was most of a remembered payment's code check. Every check of checked_request still
    runs on them at every payment.
    """
    sql, parts = _read_statement()
    remember = remember and reliable()
    if remember and (payable := PAYABLE_REQUESTS.get(request_id)) is not None:
        return payable.request, payable.preview
    generation = PAYABLE_REQUESTS.generation
    rows = await fetch(connections.get("default"), sql, [request_id])
    if not rows:
        return None
    row = rows[0]
    columns = tuple({column: row[f"{alias}.{column}"] for column in names} for _, alias, names in parts)
    if not _rememberable(columns):  # type: ignore[arg-type]
        PAYABLE_REQUESTS.data.pop(request_id, None)  # e.g. its settlement wallet frozen since: forget it here too
    elif remember and reliable() and generation == PAYABLE_REQUESTS.generation:
        kept = _built(columns)  # type: ignore[arg-type]
        PAYABLE_REQUESTS.put(request_id, _Payable(kept, _preview_of(kept)))
    return _built(columns), None  # type: ignore[arg-type]


def _built(columns: _Columns) -> PaymentRequest:
    """New model instances from one row's columns, linked as select_related links them: request.merchant and
    merchant.settlement_wallet answer without a query. A read hands its caller instances of its own; only a
    remembered code's (_Payable) are shared, read only."""
    request_columns, merchant_columns, wallet_columns = columns
    request = PaymentRequest._init_from_db(**request_columns)
    merchant = Merchant._init_from_db(**merchant_columns)
    object.__setattr__(merchant, "_settlement_wallet", Wallet._init_from_db(**wallet_columns))
    object.__setattr__(request, "_merchant", merchant)
    return request


def _preview_of(request: PaymentRequest) -> QrPreview:
    """What the payer is shown of a request and its merchant (the merchant's public face only)."""
    merchant = request.merchant
    face = MerchantFace(id=merchant.id, display_name=merchant.display_name, mcc=merchant.mcc,
                        category_name=mcc_codes.category_name(merchant.mcc), city=merchant.city, country=merchant.country)
    return QrPreview(
        merchant=face, payment_request_id=request.id, amount_minor=request.amount_minor, currency=request.currency,
        reference=request.reference, expires_at=request.expires_at, dynamic=request.dynamic, single_use=request.single_use,
    )


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
    *, principal: Principal, payload: str, now: datetime | None = None, remember: bool = False,
) -> tuple[PaymentRequest, QrPreview]:
    """preview_qr's checks, and the stored request they read (with its merchant and settlement wallet), so that
    paymentCreate pays what was checked without reading it again.

    remember=True only for a payment that will be posted (see _read_request: the posting's lock re-checks the
    settlement wallet); qrDecode and dry runs always read the database.
    """
    payload = payload.strip() if isinstance(payload, str) else payload  # a scanner's trailing newline
    decoded = _decode(payload)
    request, remembered = await _request_of(principal, decoded, payload, remember=remember)
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
    # Every check above ran on the row as read (or remembered); the preview is what that row shows the payer.
    return request, remembered if remembered is not None else _preview_of(request)
