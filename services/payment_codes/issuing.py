"""paymentCodeCreate and reading codes: a wallet's one-time code, valid for 60 seconds, stored only as its hash."""

from __future__ import annotations

import uuid
from datetime import timedelta

from tortoise.exceptions import IntegrityError

from auth.principal import Principal
from models import PaymentCode, Wallet
from models.enums import WalletStatus
from services import clock
from services.errors import NotFound, WalletNotActive
from services.money import parse_amount
from services.payment_codes.codes import code_hash, last_digits, new_code
from services.payment_codes.records import CodeImages, PaymentCodeRecord
from services.payments.qr_images import barcode_svg_data_url, qr_png_data_url, qr_svg_data_url
from services.scoping import get_scoped, partner_scoped

VALIDITY = timedelta(seconds=60)
_DRAWS = 3  # a collision of 63-bit codes is never expected; a retry keeps "never issued twice" without an error


def images_of(code: str) -> CodeImages:
    """The code's QR code (SVG, PNG) and Code 128 barcode (SVG): both carry exactly the digits."""
    return CodeImages(qr_svg=qr_svg_data_url(code), qr_png=qr_png_data_url(code), barcode_svg=barcode_svg_data_url(code))


async def issue_code(*, principal: Principal, wallet_id: uuid.UUID | None, max_amount: str | None = None) -> PaymentCodeRecord:
    """A fresh one-time code of one of the caller's wallets (a customer token: its own), valid for 60 seconds."""
    wallet = await get_scoped(Wallet, principal, wallet_id, what="wallet", field=["walletId"])
    if wallet.status != WalletStatus.ACTIVE:
        raise WalletNotActive(f"the wallet is {wallet.status.value}: it cannot pay", field=["walletId"])
    max_minor = parse_amount(max_amount, wallet.currency, field=["maxAmount"]) if max_amount is not None else None
    now = clock.now()
    for draw in range(_DRAWS):
        code = new_code()
        try:
            row = await PaymentCode.create(
                partner_id=wallet.partner_id, wallet_id=wallet.id, code_hash=code_hash(code),  # type: ignore[attr-defined]
                last_digits=last_digits(code), currency=wallet.currency, max_amount_minor=max_minor,
                expires_at=now + VALIDITY, created_at=now,
            )
        except IntegrityError:
            if draw == _DRAWS - 1:
                raise
            continue
        return PaymentCodeRecord.from_row(row, now=now, code=code, images=images_of(code))
    raise AssertionError("unreachable")


async def get_payment_code(*, principal: Principal, payment_code_id: uuid.UUID | None) -> PaymentCodeRecord:
    """One code the caller may read (its wallet's partner, that wallet's customer token, staff), or NotFound."""
    row = await partner_scoped(PaymentCode, principal).get_or_none(id=payment_code_id) if payment_code_id else None
    if row is None:
        raise NotFound("payment code not found", field=["id"])
    return PaymentCodeRecord.from_row(row, now=clock.now())
