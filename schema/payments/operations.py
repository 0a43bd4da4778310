"""paymentCreate, refundCreate and payment(id): parse input, call one service, map errors."""

from __future__ import annotations

import uuid
from typing import Annotated

import strawberry

from schema.common.audit_actor import audit_note
from schema.common.context import Info
from schema.common.errors import UserError, attempt
from schema.common.permissions import requires, requires_partner
from schema.common.relay import global_id_to_uuid
from schema.common.scalars import Decimal
from schema.payments.types import Payment, Refund
from schema.coupons.operations import discount_ask, noting_refusal, refusal_of  # issue 15: coupons and points
from schema.coupons.types import CouponRefusal
from services.errors import CouponNotApplicable
from services.payments import paying, queries, refunds

_KEY = (
    "Your unique key for this request (1 to 255 printable ASCII characters without spaces), as for transferCreate:"
    " a retry with the same key and input returns the original; the same key with other input is IDEMPOTENCY_CONFLICT."
)
_DRY_RUN = (
    "true: run every check and answer what would be paid (or refunded) now, with its fee, writing nothing: no money"
    " moves, the key is not used up, the payment request stays unpaid. Default false."
)


@strawberry.input(description="Which wallet pays which merchant's payment request (scanned code or its id), how much.")
class PaymentCreateInput:
    from_wallet_id: strawberry.ID = strawberry.field(
        description="The paying wallet: one of your customers' wallets, or with a customer token its own (NOT_FOUND"
        " otherwise)."
    )
    qr_payload: str | None = strawberry.field(
        default=None, description="The scanned EMVCo payload (as qrDecode takes it). Give this or paymentRequestId."
    )
    payment_request_id: strawberry.ID | None = strawberry.field(
        default=None, description="The PaymentRequest ID, instead of qrPayload (an in-app checkout, say)."
    )
    amount: Decimal | None = strawberry.field(  # type: ignore[valid-type]
        default=None,
        description="A static code: the amount the payer typed (required). A dynamic code carries its amount: omit"
        " it, or give the same amount (anything else is VALIDATION).",
    )
    idempotency_key: str = strawberry.field(description=_KEY)
    dry_run: bool = strawberry.field(default=False, description=_DRY_RUN)
    coupon_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list,
        description="Issue 15: ISSUED coupons of the payer's customer (Customer.coupons) to take off the amount, at"
        " most 5, each of a different campaign: reserved with the payment in one transaction, each discount paid by"
        " its campaign's budget (the merchant still receives the whole amount). COUPON_NOT_APPLICABLE (couponRefusal"
        " says why) otherwise, nothing moved. The payer always pays at least the currency's smallest unit.",
    )
    points_to_redeem: int | None = strawberry.field(
        default=None,
        description="Issue 15: whole points of the payer's customer to spend on the payment, worth less than what"
        " remains to pay after coupons: the programme's funding wallet pays their value in the same transaction."
        " INSUFFICIENT_POINTS when the customer holds fewer unexpired points; NOT_STACKABLE with a coupon whose"
        " campaign is not stackable.",
    )
    points_program_id: strawberry.ID | None = strawberry.field(
        default=None, description="The programme of pointsToRedeem (a PointsProgram ID; yours or the bank's)."
    )


@strawberry.input(description="Which payment to refund, how much of it, and why.")
class RefundCreateInput:
    payment_id: strawberry.ID = strawberry.field(description="The payment (a Payment ID) to one of your merchants.")
    amount: Decimal = strawberry.field(  # type: ignore[valid-type]
        description="How much to give back: at most what remains refundable (REFUND_EXCEEDS_PAYMENT otherwise)."
    )
    reason: str = strawberry.field(description="Why, 1 to 500 characters (shown on the refund, kept in the audit log).")
    idempotency_key: str = strawberry.field(description=_KEY)
    dry_run: bool = strawberry.field(default=False, description=_DRY_RUN)


@strawberry.type(description="The result of paymentCreate: the payment, or why nothing moved.")
class PaymentCreatePayload:
    payment: Payment | None = strawberry.field(
        description="The payment made (or for a retried key, the original); null when userErrors is not empty."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing moved; empty on success. Codes: VALIDATION, INVALID_AMOUNT, NOT_FOUND, INVALID_QR,"
        " PAYMENT_REQUEST_EXPIRED, ALREADY_PAID, MERCHANT_NOT_ACTIVE, CURRENCY_MISMATCH, WALLET_NOT_ACTIVE,"
        " INSUFFICIENT_FUNDS, LIMIT_EXCEEDED, KYC_REQUIRED, COMPLIANCE_HOLD, STEP_UP_REQUIRED, IDEMPOTENCY_CONFLICT,"
        " COUPON_NOT_APPLICABLE, INSUFFICIENT_POINTS."
    )
    coupon_refusal: CouponRefusal | None = strawberry.field(
        default=None, description="With COUPON_NOT_APPLICABLE: which coupon and why (issue 15); null otherwise."
    )


@strawberry.type(description="The result of refundCreate: the refund, or why nothing moved.")
class RefundCreatePayload:
    refund: Refund | None = strawberry.field(description="The refund made (or for a retried key, the original).")
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing moved; empty on success. Codes: VALIDATION, INVALID_AMOUNT, NOT_FOUND,"
        " REFUND_EXCEEDS_PAYMENT, INVALID_STATE (the payment is HELD or REJECTED: it moved no money), WALLET_NOT_ACTIVE,"
        " INSUFFICIENT_FUNDS (the merchant's settlement wallet), LIMIT_EXCEEDED, COMPLIANCE_HOLD, IDEMPOTENCY_CONFLICT."
    )


@strawberry.type
class PaymentQueries:
    @strawberry.field(
        permission_classes=requires("transactions:read"),
        description="One payment to a merchant: the payer's partner and the merchant's partner both read it (a customer"
        " token only its own wallets' payments), bank staff any; NOT_FOUND otherwise. Needs transactions:read.",
    )
    async def payment(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="The Payment ID.")],
    ) -> Payment:
        principal = info.context.principal
        record = await queries.get_payment(principal=principal, payment_id=global_id_to_uuid(id, "Payment"))
        return Payment.from_record(record, viewer_partner_id=principal.partner_id)


@strawberry.type
class PaymentMutations:
    @strawberry.mutation(
        permission_classes=requires("transactions:write"),
        description="Pay a merchant's payment request from a wallet: one PAYMENT transaction to the merchant's"
        " settlement wallet, counted against the payer's limits and screened like a transfer; a single-use request is"
        " paid exactly once. Needs transactions:write (a partner token, or a customer token paying from its own"
        " wallet). Idempotent by idempotencyKey.",
    )
    async def payment_create(
        self, info: Info,
        input: Annotated[PaymentCreateInput, strawberry.argument(description="The wallet, the code and the key.")],
    ) -> PaymentCreatePayload:
        request_id = None
        if input.payment_request_id is not None:
            # A malformed or foreign ID names no request: the nil UUID, which the service answers NOT_FOUND.
            request_id = global_id_to_uuid(input.payment_request_id, "PaymentRequest") or uuid.UUID(int=0)
        seen: list[CouponNotApplicable] = []
        record, errors = await attempt(info, noting_refusal(paying.pay(
            principal=info.context.principal, from_wallet_id=global_id_to_uuid(input.from_wallet_id, "Wallet"),
            qr_payload=input.qr_payload, payment_request_id=request_id,
            amount=input.amount, idempotency_key=input.idempotency_key, dry_run=input.dry_run, audit=audit_note(info),
            discounts=discount_ask(input.coupon_ids, input.points_to_redeem, input.points_program_id),
        ), seen), dry_run=input.dry_run)
        payment = Payment.from_record(record, viewer_partner_id=info.context.principal.partner_id) if record else None
        return PaymentCreatePayload(payment=payment, user_errors=errors,
                                    coupon_refusal=refusal_of(seen[0] if seen else None))

    @strawberry.mutation(
        permission_classes=requires_partner("transactions:write"),
        description="Give (part of) a payment back to the payer, from the merchant's settlement wallet: one REFUND"
        " transaction; refunds of a payment never add up to more than it. The merchant's partner only, with its own"
        " token and transactions:write. Idempotent by idempotencyKey.",
    )
    async def refund_create(
        self, info: Info,
        input: Annotated[RefundCreateInput, strawberry.argument(description="The payment, amount, reason and key.")],
    ) -> RefundCreatePayload:
        record, errors = await attempt(info, refunds.refund(
            principal=info.context.principal, payment_id=global_id_to_uuid(input.payment_id, "Payment"),
            amount=input.amount, reason=input.reason, idempotency_key=input.idempotency_key, dry_run=input.dry_run,
            audit=audit_note(info),
        ), dry_run=input.dry_run)
        return RefundCreatePayload(refund=Refund.from_record(record) if record else None, user_errors=errors)
