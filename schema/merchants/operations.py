"""Merchant and payment-request queries and mutations, and qrDecode: thin resolvers over services/merchants and
services/payment_requests."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from schema.coupons.operations import discount_ask  # issue 15: coupons and points in qrDecode
from schema.common.audit_actor import audit_note
from schema.common.context import Info
from schema.common.errors import attempt
from schema.common.permissions import partner_scope_or_staff, requires, requires_partner
from schema.common.scalars import Decimal
from schema.common.relay import AfterArg, Connection, FirstArg, global_id_to_uuid
from schema.common.money import Money
from schema.common.relay import to_global_id
from schema.merchants.types import (
    Merchant, MerchantPayload, MerchantSettlementResult, MerchantSettlePayload, MerchantStatus, PaymentRequest,
    PaymentRequestCreatePayload, QrPaymentPreview, SettlementTiming,
)
from services.merchants import onboarding, queries, settlement as merchant_settlement, status as merchant_status
from services.payment_requests import creation
from services.errors import NotFound
from services.payments import qr_quote

READ = partner_scope_or_staff("customers:read", "partners:read")
WRITE = requires_partner("customers:write")


@strawberry.input(description="merchantCreate: which BUSINESS customer becomes a merchant, and how payers see it.")
class MerchantCreateInput:
    customer_id: strawberry.ID = strawberry.field(
        description="Your BUSINESS customer with approved KYC (a Customer ID; another partner's: NOT_FOUND; an"
        " INDIVIDUAL: VALIDATION; KYC not approved: KYC_REQUIRED)."
    )
    display_name: str = strawberry.field(description="The name payers see: 1 to 25 printable ASCII characters.")
    mcc: str = strawberry.field(description="An ISO 18245 merchant category code of four digits, e.g. \"5812\".")
    city: str = strawberry.field(description="The merchant's city: 1 to 15 printable ASCII characters.")
    country: str = strawberry.field(description="The merchant's country, ISO 3166-1 alpha-2 (e.g. CN).")
    settlement_wallet_id: strawberry.ID = strawberry.field(
        description="One of the customer's own ACTIVE wallets (a Wallet ID): payments settle here, in its currency."
    )
    settlement: SettlementTiming = strawberry.field(
        default=SettlementTiming.IMMEDIATE, description="IMMEDIATE (default): each payment credits the settlement"
        " wallet. DEFERRED: payments credit the merchant's clearing account and reach the wallet in batches (for a"
        " merchant many payers pay at once: they never wait for each other). Fixed once the merchant is created."
    )


@strawberry.input(description="merchantSettle: which DEFERRED merchant to settle now.")
class MerchantSettleInput:
    merchant_id: strawberry.ID = strawberry.field(description="Your DEFERRED merchant (a Merchant ID; unknown: NOT_FOUND;"
                                                  " an IMMEDIATE one: VALIDATION).")


@strawberry.input(description="merchantSuspend / merchantReactivate: which merchant, and why.")
class MerchantStatusInput:
    merchant_id: strawberry.ID = strawberry.field(description="Your merchant (a Merchant ID; unknown: NOT_FOUND).")
    reason: str = strawberry.field(description="Why, 3 to 500 characters, kept in the audit log.")


@strawberry.input(description="paymentRequestCreate: a QR code of one merchant; with an amount it is DYNAMIC.")
class PaymentRequestCreateInput:
    merchant_id: strawberry.ID = strawberry.field(description="The ACTIVE merchant to be paid (a Merchant ID).")
    amount: Decimal | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="A decimal string in the settlement wallet's currency: the code is DYNAMIC. Omit it"
        " for a STATIC code (the payer enters the amount)."
    )
    reference: str | None = strawberry.field(
        default=None, description="Your reference shown to the payer (an order number): at most 25 printable ASCII characters."
    )
    expires_at: datetime | None = strawberry.field(
        default=None, description="DYNAMIC only: when the code stops being payable; default 15 minutes from now, at"
        " most 24 hours ahead (else VALIDATION). A STATIC code never expires."
    )
    single_use: bool = strawberry.field(
        description="true: paid once (then ALREADY_PAID); a STATIC code is paid many times and must say false."
    )


def _merchant_id(value: strawberry.ID | None):  # noqa: ANN202 - a UUID or None (answered NOT_FOUND)
    return global_id_to_uuid(value, "Merchant")


ChangeArg = strawberry.argument(description="The fields of this change.")


@strawberry.type
class MerchantQueries:
    @strawberry.field(permission_classes=READ, description="One merchant: your partner's (customers:read; a customer"
                      " token only its own customer's) or any for bank staff (partners:read); else NOT_FOUND.")
    async def merchant(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="The merchant's global ID.")],
    ) -> Merchant | None:
        return Merchant.from_record(await queries.get_merchant(principal=info.context.principal, merchant_id=_merchant_id(id)))

    @strawberry.field(permission_classes=READ, description="Your partner's merchants (bank staff: every partner's),"
                      " oldest first.")
    async def merchants(
        self, info: Info, first: FirstArg = None, after: AfterArg = None,
        status: Annotated[MerchantStatus | None, strawberry.argument(description="Only merchants in this status.")] = None,
    ) -> Connection[Merchant]:
        page = await queries.list_merchants(principal=info.context.principal, first=first, after=after,
                                            status=status.value if status else None)
        return Connection.from_page(page, Merchant.from_record)

    @strawberry.field(
        permission_classes=requires("transactions:read"),
        description="Check a scanned merchant-presented QR code (any partner's merchant) and show what paying it"
        " means, before anything moves. Errors (extensions.code): INVALID_QR (the message names the reason, e.g."
        " CRC_MISMATCH), PAYMENT_REQUEST_EXPIRED, ALREADY_PAID, MERCHANT_NOT_ACTIVE, CURRENCY_MISMATCH.",
    )
    async def qr_decode(
        self, info: Info,
        payload: Annotated[str, strawberry.argument(description="The QR code's text exactly as scanned (at most 512 characters).")],
        from_wallet_id: Annotated[strawberry.ID | None, strawberry.argument(
            description="Optional: the wallet that would pay (one of yours, NOT_FOUND otherwise; CURRENCY_MISMATCH if"
            " it holds another currency). Its customer selects the fee rule and its free allowance counts: give it"
            " to see exactly what paymentCreate would charge.")] = None,
        amount: Annotated[Decimal | None, strawberry.argument(  # type: ignore[valid-type]
            description="Optional: the amount to pay a STATIC code, so that the fee can be shown (a DYNAMIC code's"
            " own amount is used; another one is VALIDATION).")] = None,
        coupon_ids: Annotated[list[strawberry.ID] | None, strawberry.argument(
            description="Issue 15, with fromWalletId: coupons to show the discount of, checked as paymentCreate checks"
            " them (COUPON_NOT_APPLICABLE otherwise).")] = None,
        points_to_redeem: Annotated[int | None, strawberry.argument(
            description="Issue 15, with fromWalletId: points to show the value of (pointsProgramId names the"
            " programme).")] = None,
        points_program_id: Annotated[strawberry.ID | None, strawberry.argument(
            description="The programme of pointsToRedeem (a PointsProgram ID).")] = None,
    ) -> QrPaymentPreview:
        wallet_id = global_id_to_uuid(from_wallet_id, "Wallet") if from_wallet_id is not None else None
        if from_wallet_id is not None and wallet_id is None:
            raise NotFound("wallet not found", field=["fromWalletId"])
        return QrPaymentPreview.from_record(await qr_quote.quote_qr(
            principal=info.context.principal, payload=payload, from_wallet_id=wallet_id, amount=amount,
            discounts=discount_ask(coupon_ids or [], points_to_redeem, points_program_id)))


@strawberry.type
class MerchantMutations:
    @strawberry.mutation(permission_classes=WRITE, description="Make a BUSINESS customer with approved KYC a merchant."
                         " The partner's own token with customers:write.")
    async def merchant_create(self, info: Info, input: Annotated[MerchantCreateInput, ChangeArg]) -> MerchantPayload:
        record, errors = await attempt(info, onboarding.create_merchant(
            principal=info.context.principal, customer_id=global_id_to_uuid(input.customer_id, "Customer"),
            display_name=input.display_name, mcc=input.mcc, city=input.city, country=input.country,
            settlement_wallet_id=global_id_to_uuid(input.settlement_wallet_id, "Wallet"),
            settlement=input.settlement.value,
        ))
        return MerchantPayload(merchant=Merchant.from_record(record) if record else None, user_errors=errors)

    @strawberry.mutation(permission_classes=WRITE, description="Settle a DEFERRED merchant now: what its payments put"
                         " in its clearing account moves into its settlement wallet (the bank's worker also does this"
                         " every few seconds). userErrors: NOT_FOUND, VALIDATION (an IMMEDIATE merchant),"
                         " WALLET_NOT_ACTIVE (the settlement wallet cannot receive: the money waits).")
    async def merchant_settle(self, info: Info, input: Annotated[MerchantSettleInput, ChangeArg]) -> MerchantSettlePayload:
        done, errors = await attempt(info, merchant_settlement.settle_merchant(
            principal=info.context.principal, merchant_id=_merchant_id(input.merchant_id)),
            detail=f"merchantId={input.merchant_id}")
        if done is None:
            return MerchantSettlePayload(result=None, user_errors=errors)
        return MerchantSettlePayload(result=MerchantSettlementResult(
            merchant_id=to_global_id("Merchant", done.id), settlements=done.settled.settlements,
            payments=done.settled.payments, amount=Money.of(done.settled.amount_minor, done.currency),
            unsettled=Money.of(done.unsettled_minor, done.currency)), user_errors=errors)

    @strawberry.mutation(permission_classes=WRITE, description="Suspend an ACTIVE merchant: its codes cannot be paid"
                         " (MERCHANT_NOT_ACTIVE). userErrors: NOT_FOUND, VALIDATION (reason), INVALID_STATE.")
    async def merchant_suspend(self, info: Info, input: Annotated[MerchantStatusInput, ChangeArg]) -> MerchantPayload:
        record, errors = await attempt(info, merchant_status.suspend_merchant(
            principal=info.context.principal, merchant_id=_merchant_id(input.merchant_id), reason=input.reason,
            audit=audit_note(info)), detail=f"merchantId={input.merchant_id}")
        return MerchantPayload(merchant=Merchant.from_record(record) if record else None, user_errors=errors)

    @strawberry.mutation(permission_classes=WRITE, description="Make a SUSPENDED merchant ACTIVE again. userErrors:"
                         " NOT_FOUND, VALIDATION (reason), INVALID_STATE.")
    async def merchant_reactivate(self, info: Info, input: Annotated[MerchantStatusInput, ChangeArg]) -> MerchantPayload:
        record, errors = await attempt(info, merchant_status.reactivate_merchant(
            principal=info.context.principal, merchant_id=_merchant_id(input.merchant_id), reason=input.reason,
            audit=audit_note(info)), detail=f"merchantId={input.merchant_id}")
        return MerchantPayload(merchant=Merchant.from_record(record) if record else None, user_errors=errors)

    @strawberry.mutation(permission_classes=requires("transactions:write"),
                         description="A merchant-presented QR code (EMVCo MPM) of your merchant: STATIC without an"
                         " amount, DYNAMIC with one. The partner's token or its business customer's own token, with"
                         " transactions:write.")
    async def payment_request_create(
        self, info: Info, input: Annotated[PaymentRequestCreateInput, ChangeArg],
    ) -> PaymentRequestCreatePayload:
        record, errors = await attempt(info, creation.create_payment_request(
            principal=info.context.principal, merchant_id=_merchant_id(input.merchant_id), amount=input.amount,
            reference=input.reference, expires_at=input.expires_at, single_use=input.single_use,
        ))
        return PaymentRequestCreatePayload(payment_request=PaymentRequest.from_record(record) if record else None,
                                           user_errors=errors)
