"""GraphQL types of merchants, payment requests (EMVCo merchant-presented QR codes) and the qrDecode preview."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from schema.common.errors import UserError
from schema.common.money import Money
from schema.common.relay import Node, to_global_id
from services.merchants.records import MerchantRecord
from schema.fees.types import FeeLine, fee_line_views
from services.payment_requests.records import MerchantFace, PaymentRequestRecord, QrPreview
from services.payments import qr_images


@strawberry.enum(description="Whether a merchant's QR codes can be paid.")
class MerchantStatus(Enum):
    ACTIVE = strawberry.enum_value("ACTIVE", description="Its codes can be paid.")
    SUSPENDED = strawberry.enum_value(
        "SUSPENDED", description="Suspended by its partner (merchantSuspend): qrDecode answers MERCHANT_NOT_ACTIVE"
        " until merchantReactivate."
    )


@strawberry.enum(description="When a merchant's payments reach its settlement wallet.")
class SettlementTiming(Enum):
    IMMEDIATE = strawberry.enum_value(
        "IMMEDIATE", description="In the payment itself: the settlement wallet is credited by each payment (the default)."
    )
    DEFERRED = strawberry.enum_value(
        "DEFERRED", description="Each payment credits the merchant's clearing account instead, and settlements move"
        " that into the settlement wallet in batches (the bank's worker every few seconds, or merchantSettle). Payers"
        " of a busy merchant never wait for each other on its wallet; a refund settles first."
    )


@strawberry.enum(description="What a merchant-presented QR code carries.")
class PaymentRequestKind(Enum):
    STATIC = strawberry.enum_value(
        "STATIC", description="No amount: the payer enters it; paid many times; never expires (a printed sticker)."
    )
    DYNAMIC = strawberry.enum_value(
        "DYNAMIC", description="Amount, reference and expiry in the code (a checkout screen); paid once when singleUse."
    )


@strawberry.type(description="A BUSINESS customer's point of sale: the name, category and city payers see, and the"
                 " wallet its payments settle into. Visible to its partner (and that customer's own token) and to bank"
                 " staff; a payer of another partner sees only its public face through qrDecode.")
class Merchant(Node):
    customer_id: strawberry.ID = strawberry.field(description="The BUSINESS customer (a Customer global ID).")
    settlement_wallet_id: strawberry.ID = strawberry.field(
        description="The customer's wallet that payments settle into (a Wallet global ID); its currency is the codes'."
    )
    display_name: str = strawberry.field(description="The name payers see (EMVCo Merchant Name, at most 25 characters).")
    mcc: str = strawberry.field(description="The ISO 18245 merchant category code, four digits, e.g. 5812.")
    category_name: str | None = strawberry.field(description="The category's name, e.g. \"Eating Places, Restaurants\".")
    city: str = strawberry.field(description="The merchant's city (EMVCo Merchant City, at most 15 characters).")
    country: str = strawberry.field(description="The merchant's country, ISO 3166-1 alpha-2.")
    status: MerchantStatus = strawberry.field(description="ACTIVE or SUSPENDED.")
    status_reason: str | None = strawberry.field(description="Why it was suspended (the partner's reason); null when ACTIVE.")
    created_at: datetime = strawberry.field(description="When the merchant was created.")
    updated_at: datetime = strawberry.field(description="When the merchant last changed.")
    settlement: SettlementTiming = strawberry.field(
        description="IMMEDIATE (each payment credits the settlement wallet) or DEFERRED (settled in batches).")

    @classmethod
    def from_record(cls, record: MerchantRecord) -> Merchant:
        return cls(
            id=to_global_id("Merchant", record.id), customer_id=to_global_id("Customer", record.customer_id),
            settlement_wallet_id=to_global_id("Wallet", record.settlement_wallet_id), display_name=record.display_name,
            mcc=record.mcc, category_name=record.category_name, city=record.city, country=record.country,
            status=MerchantStatus(record.status.value), status_reason=record.status_reason,
            created_at=record.created_at, updated_at=record.updated_at,
            settlement=SettlementTiming(record.settlement.value),
        )


@strawberry.type(description="What merchantSettle moved into a DEFERRED merchant's settlement wallet.")
class MerchantSettlementResult:
    merchant_id: strawberry.ID = strawberry.field(description="The merchant (a Merchant global ID).")
    settlements: int = strawberry.field(description="Settlement postings this call made (MERCHANT_SETTLEMENT transactions).")
    payments: int = strawberry.field(description="Payments they took on.")
    amount: Money = strawberry.field(description="What they moved: the payments less their merchant fees.")
    unsettled: Money = strawberry.field(description="What the clearing account still holds (payments made meanwhile).")


@strawberry.type(description="merchantSettle's result, or why not.")
class MerchantSettlePayload:
    result: MerchantSettlementResult | None = strawberry.field(description="What was settled; null when refused.")
    user_errors: list[UserError] = strawberry.field(description="Why nothing was settled (empty on success).")


@strawberry.type(description="A merchant-presented QR code (EMVCo MPM) of one merchant: the payload string to encode"
                 " and ready-made images of it.")
class PaymentRequest(Node):
    merchant_id: strawberry.ID = strawberry.field(description="The merchant (a Merchant global ID).")
    kind: PaymentRequestKind = strawberry.field(description="STATIC (the payer enters the amount) or DYNAMIC.")
    amount: Money | None = strawberry.field(description="DYNAMIC: the amount to pay; null for a STATIC code.")
    currency: str = strawberry.field(description="The currency of the code: the settlement wallet's (ISO 4217).")
    reference: str | None = strawberry.field(description="The merchant's reference (EMVCo Reference Label), if given.")
    single_use: bool = strawberry.field(description="True: paid once, then qrDecode answers ALREADY_PAID.")
    expires_at: datetime | None = strawberry.field(description="DYNAMIC: when the code stops being payable; null for STATIC.")
    paid_at: datetime | None = strawberry.field(description="When a single-use code was paid; null until then.")
    payload: str = strawberry.field(description="The EMVCo MPM payload string (with its CRC): what the QR code encodes.")
    created_at: datetime = strawberry.field(description="When the payment request was created.")

    @strawberry.field(description="The QR code as an SVG image, a data: URL (data:image/svg+xml;...) for an <img> src.")
    def image_svg(self) -> str:
        return qr_images.qr_svg_data_url(self.payload)

    @strawberry.field(description="The QR code as a PNG image, a data: URL (data:image/png;base64,...).")
    def image_png(self) -> str:
        return qr_images.qr_png_data_url(self.payload)

    @classmethod
    def from_record(cls, record: PaymentRequestRecord) -> PaymentRequest:
        return cls(
            id=to_global_id("PaymentRequest", record.id), merchant_id=to_global_id("Merchant", record.merchant_id),
            kind=PaymentRequestKind.DYNAMIC if record.dynamic else PaymentRequestKind.STATIC,
            amount=Money.of(record.amount_minor, record.currency) if record.amount_minor is not None else None,
            currency=record.currency, reference=record.reference, single_use=record.single_use,
            expires_at=record.expires_at, paid_at=record.paid_at, payload=record.payload, created_at=record.created_at,
        )


@strawberry.type(description="What any payer may see of a merchant: its public face, nothing about its partner,"
                 " customer or wallet.")
class MerchantProfile:
    merchant_id: strawberry.ID = strawberry.field(description="The merchant's global ID (paying it needs no more).")
    display_name: str = strawberry.field(description="The name payers see.")
    mcc: str = strawberry.field(description="The ISO 18245 merchant category code, four digits.")
    category_name: str | None = strawberry.field(description="The category's name.")
    city: str = strawberry.field(description="The merchant's city.")
    country: str = strawberry.field(description="The merchant's country, ISO 3166-1 alpha-2.")

    @classmethod
    def from_record(cls, face: MerchantFace) -> MerchantProfile:
        return cls(merchant_id=to_global_id("Merchant", face.id), display_name=face.display_name, mcc=face.mcc,
                   category_name=face.category_name, city=face.city, country=face.country)


@strawberry.type(description="A scanned code that is valid and payable now, as the payer would pay it.")
class QrPaymentPreview:
    merchant: MerchantProfile = strawberry.field(description="Who would be paid.")
    payment_request_id: strawberry.ID = strawberry.field(description="The payment request (a PaymentRequest global ID).")
    kind: PaymentRequestKind = strawberry.field(description="STATIC (enter the amount) or DYNAMIC (amount fixed).")
    amount: Money | None = strawberry.field(description="DYNAMIC: the amount to pay; null for STATIC.")
    currency: str = strawberry.field(description="The currency the merchant is paid in (ISO 4217).")
    reference: str | None = strawberry.field(description="The merchant's reference, if the code carries one.")
    expires_at: datetime | None = strawberry.field(description="DYNAMIC: until when the code is payable; null for STATIC.")
    single_use: bool = strawberry.field(description="True: the code is paid once.")
    fee: Money | None = strawberry.field(
        description="The fee the payer would pay on top (PAYMENT SENDER rules), for the code's amount (DYNAMIC) or the"
        " amount argument (STATIC); exactly what paymentCreate charges for the same fromWalletId and amount. Null for"
        " a STATIC code without amount."
    )
    total_debit: Money | None = strawberry.field(
        description="Amount plus fee: what would leave the paying wallet; null when fee is null."
    )
    fee_lines: list[FeeLine] = strawberry.field(
        description="The payer's fee line by line, with the rule that set each line (empty when none applies)."
    )
    merchant_fee: Money | None = strawberry.field(
        description="The merchant's fee (PAYMENT RECEIVER rules), out of what it receives: shown to the merchant's"
        " partner and bank staff only (null for every other caller, and when fee is null)."
    )

    discount: Money | None = strawberry.field(
        default=None, description="Issue 15: with couponIds or pointsToRedeem, what they would take off (coupons and"
        " points together; totalDebit is net of it); null when none was asked."
    )

    @classmethod
    def from_record(cls, preview: QrPreview) -> QrPaymentPreview:
        return cls(
            merchant=MerchantProfile.from_record(preview.merchant),
            payment_request_id=to_global_id("PaymentRequest", preview.payment_request_id),
            kind=PaymentRequestKind.DYNAMIC if preview.dynamic else PaymentRequestKind.STATIC,
            amount=Money.of(preview.amount_minor, preview.currency) if preview.amount_minor is not None else None,
            currency=preview.currency, reference=preview.reference, expires_at=preview.expires_at,
            single_use=preview.single_use, **_fee_preview(preview),
        )


def _fee_preview(preview: QrPreview) -> dict:
    """The preview's fee fields (all empty until an amount is known)."""
    if preview.fee is None:
        return {"fee": None, "total_debit": None, "fee_lines": [], "merchant_fee": None}
    cur, fee = preview.currency, preview.fee
    quoted = preview.quoted_amount_minor or 0
    return {
        "fee": Money.of(fee.fee_minor, cur), "total_debit": Money.of(quoted + fee.fee_minor - preview.discount_minor, cur),
        "discount": Money.of(preview.discount_minor, cur) if preview.discount_minor else None,
        "fee_lines": fee_line_views(fee.breakdown, currency=cur, fallback_kind="PAYMENT", rule=fee.decision.rule),
        "merchant_fee": Money.of(preview.merchant_fee.fee_minor, cur) if preview.merchant_fee is not None else None,
    }


@strawberry.type(description="A merchant after a change, or why not.")
class MerchantPayload:
    merchant: Merchant | None = strawberry.field(description="The merchant; null when refused.")
    user_errors: list[UserError] = strawberry.field(description="Why nothing was changed (empty on success).")


@strawberry.type(description="A new payment request, or why not.")
class PaymentRequestCreatePayload:
    payment_request: PaymentRequest | None = strawberry.field(description="The payment request; null when refused.")
    user_errors: list[UserError] = strawberry.field(
        description="NOT_FOUND (merchantId), MERCHANT_NOT_ACTIVE, WALLET_NOT_ACTIVE (settlement wallet), INVALID_AMOUNT,"
        " VALIDATION (expiresAt in the past or over 24 hours ahead, reference, singleUse or expiresAt on a static"
        " code); empty on success."
    )
