"""paymentCodeCreate (the payer's side) and paymentCollect (the merchant's partner): parse input, call one service."""

from __future__ import annotations

from typing import Annotated

import strawberry

from schema.common.audit_actor import audit_note
from schema.common.context import Info
from schema.common.errors import UserError, attempt
from schema.common.permissions import requires, requires_partner
from schema.common.relay import global_id_to_uuid
from schema.common.scalars import Decimal
from schema.payment_codes.types import PaymentCode
from schema.payments.types import Payment
from services.payment_codes import collecting, issuing


@strawberry.input(description="Which wallet shows a payment code, and the most a merchant may collect with it.")
class PaymentCodeCreateInput:
    wallet_id: strawberry.ID = strawberry.field(
        description="The paying wallet: one of your customers' wallets, or with a customer token its own (NOT_FOUND"
        " otherwise)."
    )
    max_amount: Decimal | None = strawberry.field(  # type: ignore[valid-type]
        default=None,
        description="Optional: the most a merchant may collect with this code, in the wallet's currency (a larger"
        " collect is LIMIT_EXCEEDED). Omit for no cap of the customer's own.",
    )


@strawberry.input(description="Which of your merchants collects which scanned customer code, how much.")
class PaymentCollectInput:
    merchant_id: strawberry.ID = strawberry.field(description="Your merchant collecting (a Merchant ID), ACTIVE.")
    code: str = strawberry.field(
        description="The digits scanned from the customer's QR code or barcode (or typed; spaces and dashes ignored)."
    )
    amount: Decimal = strawberry.field(  # type: ignore[valid-type]
        description="The amount to collect, in the code's wallet's currency (the merchant's settlement currency)."
    )
    idempotency_key: str = strawberry.field(
        description="Your unique key for this request (1 to 255 printable ASCII characters without spaces), as for"
        " transferCreate: a retry with the same key and input returns the original payment, even though the code is"
        " used by then; the same key with other input is IDEMPOTENCY_CONFLICT."
    )
    dry_run: bool = strawberry.field(
        default=False,
        description="true: run every check and answer what would be collected now, with its fee, writing nothing but"
        " the guessing counter (an unknown code counts): no money moves, the code stays unused. Default false.",
    )


@strawberry.type(description="The result of paymentCodeCreate: the code to show, or why none was issued.")
class PaymentCodeCreatePayload:
    payment_code: PaymentCode | None = strawberry.field(
        description="The new code with its digits, QR code and barcode; null when userErrors is not empty."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why no code was issued; empty on success. Codes: NOT_FOUND, WALLET_NOT_ACTIVE, INVALID_AMOUNT."
    )


@strawberry.type(description="The result of paymentCollect: the payment, or why nothing moved.")
class PaymentCollectPayload:
    payment: Payment | None = strawberry.field(
        description="The payment collected (or for a retried key, the original); null when userErrors is not empty."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing moved; empty on success. Codes: RATE_LIMITED, NOT_FOUND (an unknown code or"
        " merchant), CODE_EXPIRED, CODE_USED, MERCHANT_NOT_ACTIVE, LIMIT_EXCEEDED (above the code's maxAmount, or the"
        " payer's limits), INVALID_AMOUNT, CURRENCY_MISMATCH, WALLET_NOT_ACTIVE, INSUFFICIENT_FUNDS, KYC_REQUIRED,"
        " COMPLIANCE_HOLD, STEP_UP_REQUIRED, IDEMPOTENCY_CONFLICT."
    )


@strawberry.type
class PaymentCodeMutations:
    @strawberry.mutation(
        permission_classes=requires("transactions:write"),
        description="Issue a one-time payment code of a wallet for a merchant to scan (付款码): 20 digits, at least 60"
        " bits of them random, valid for 60 seconds, collectable once, never issued again; with its QR code and"
        " barcode. Needs transactions:write (a partner token, or a customer token for its own wallet).",
    )
    async def payment_code_create(
        self, info: Info,
        input: Annotated[PaymentCodeCreateInput, strawberry.argument(description="The wallet and an optional cap.")],
    ) -> PaymentCodeCreatePayload:
        record, errors = await attempt(info, issuing.issue_code(
            principal=info.context.principal, wallet_id=global_id_to_uuid(input.wallet_id, "Wallet"),
            max_amount=input.max_amount,
        ))
        return PaymentCodeCreatePayload(payment_code=PaymentCode.from_record(record) if record else None,
                                        user_errors=errors)

    @strawberry.mutation(
        permission_classes=requires_partner("transactions:write"),
        description="Collect a customer's payment code for one of your merchants: one PAYMENT transaction from the"
        " code's wallet (any partner's) to the merchant's settlement wallet; a code is collected once. Collects of"
        " unknown, expired or used codes are counted: more than 10 a minute and collects answer RATE_LIMITED. The"
        " merchant's partner only, with its own token and transactions:write. Idempotent by idempotencyKey.",
    )
    async def payment_collect(
        self, info: Info,
        input: Annotated[PaymentCollectInput, strawberry.argument(description="The merchant, the code and the key.")],
    ) -> PaymentCollectPayload:
        principal = info.context.principal
        record, errors = await attempt(info, collecting.collect(
            principal=principal, merchant_id=global_id_to_uuid(input.merchant_id, "Merchant"), code=input.code,
            amount=input.amount, idempotency_key=input.idempotency_key, dry_run=input.dry_run, audit=audit_note(info),
        ), dry_run=input.dry_run)
        payment = Payment.from_record(record, viewer_partner_id=principal.partner_id) if record else None
        return PaymentCollectPayload(payment=payment, user_errors=errors)
