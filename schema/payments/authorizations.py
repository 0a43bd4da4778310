"""Payment authorisations: reserve funds for a merchant, capture, void (types and operations)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry

from schema.common.audit_actor import audit_note
from schema.common.context import Info
from schema.common.errors import UserError, attempt
from schema.common.money import Money
from schema.common.permissions import requires, requires_partner
from schema.common.relay import Node, global_id_to_uuid, to_global_id
from schema.common.scalars import Decimal
from schema.merchants.types import MerchantProfile
from schema.payments.types import Payment
from services.payments import authorizations, queries
from services.payments.authorizations import AuthorizationRecord

_KEY = "Your unique key for this request, as for transferCreate (a retry with the same key and input answers the original)."
_DRY_RUN = "true: every check, nothing written (no reservation, no capture). Default false."


@strawberry.enum(description="Where a payment authorisation stands.")
class AuthorizationStatus(Enum):
    ACTIVE = strawberry.enum_value("ACTIVE", description="Funds reserved: captures may take them until expiresAt.")
    CAPTURED = strawberry.enum_value("CAPTURED", description="Captured in full, or finally: nothing is reserved any more.")
    VOIDED = strawberry.enum_value("VOIDED", description="Voided: what was not captured is available again.")
    EXPIRED = strawberry.enum_value("EXPIRED", description="Expired: the sweep made what was not captured available again.")


@strawberry.type(
    description="Funds reserved on a payer's wallet for a merchant (online commerce, pre-authorised amounts): the"
    " wallet's availableBalance drops, its balance does not, until captures take the money or a void or the expiry"
    " releases it. The payer's partner and the merchant's partner both read it."
)
class PaymentAuthorization(Node):
    id: strawberry.ID = strawberry.field(description="The authorisation's opaque global ID.")
    amount: Money = strawberry.field(description="The amount authorised.")
    captured: Money = strawberry.field(description="What captures have taken so far.")
    remaining: Money = strawberry.field(description="What is still reserved (zero once it is no longer ACTIVE).")
    status: AuthorizationStatus = strawberry.field(description="ACTIVE, CAPTURED, VOIDED or EXPIRED.")
    expires_at: datetime = strawberry.field(description="When the sweep releases what is not captured (UTC).")
    created_at: datetime = strawberry.field(description="When the funds were reserved (UTC).")
    dry_run: bool = strawberry.field(
        default=False, description="True when this is what a dry run would reserve: nothing was stored."
    )
    _record: strawberry.Private[AuthorizationRecord]

    @classmethod
    def from_record(cls, record: AuthorizationRecord) -> PaymentAuthorization:
        """The GraphQL view of an authorisation."""
        active = record.status == authorizations.ACTIVE
        return cls(
            id=to_global_id("PaymentAuthorization", record.id),  # type: ignore[arg-type]
            amount=Money.of(record.amount_minor, record.currency), captured=Money.of(record.captured_minor, record.currency),
            remaining=Money.of(record.amount_minor - record.captured_minor if active else 0, record.currency),
            status=AuthorizationStatus(record.status), expires_at=record.expires_at, created_at=record.created_at,
            dry_run=record.dry_run, _record=record,
        )

    @strawberry.field(description="The merchant the funds are reserved for, as any payer sees it.")
    async def merchant(self, info: Info) -> MerchantProfile:
        return MerchantProfile.from_record(await queries.merchant_face(self._record.merchant_id))


@strawberry.input(description="Which wallet reserves how much for which merchant, until when.")
class AuthorizationCreateInput:
    wallet_id: strawberry.ID = strawberry.field(description="The paying wallet: one of your customers' (or with a"
                                                " customer token, its own).")
    merchant_id: strawberry.ID = strawberry.field(description="The merchant (a Merchant ID, of any partner).")
    amount: Decimal = strawberry.field(description="How much to reserve, in the wallet's currency.")  # type: ignore[valid-type]
    expires_at: datetime | None = strawberry.field(
        default=None, description="When to release what is not captured: in the future, at most 30 days ahead (default"
        " 7 days)."
    )
    idempotency_key: str = strawberry.field(description=_KEY)
    dry_run: bool = strawberry.field(default=False, description=_DRY_RUN)


@strawberry.input(description="How much of an authorisation to capture, and whether it is the last capture.")
class AuthorizationCaptureInput:
    authorization_id: strawberry.ID = strawberry.field(description="The authorisation (of one of your merchants).")
    amount: Decimal = strawberry.field(description="At most what remains authorised.")  # type: ignore[valid-type]
    final: bool = strawberry.field(default=False, description="true: release whatever remains after this capture.")
    idempotency_key: str = strawberry.field(description=_KEY)
    dry_run: bool = strawberry.field(default=False, description=_DRY_RUN)


@strawberry.input(description="The authorisation to void.")
class AuthorizationVoidInput:
    authorization_id: strawberry.ID = strawberry.field(description="An ACTIVE authorisation of yours (either side).")


@strawberry.type(description="An authorisation after a change, or why not.")
class AuthorizationPayload:
    authorization: PaymentAuthorization | None = strawberry.field(description="The authorisation; null on refusal.")
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing changed. Codes: VALIDATION, INVALID_AMOUNT, NOT_FOUND, MERCHANT_NOT_ACTIVE,"
        " CURRENCY_MISMATCH, WALLET_NOT_ACTIVE, INSUFFICIENT_FUNDS, LIMIT_EXCEEDED, KYC_REQUIRED, COMPLIANCE_HOLD,"
        " AUTHORIZATION_NOT_ACTIVE, IDEMPOTENCY_CONFLICT."
    )


@strawberry.type(description="A capture: the payment it made, or why nothing moved.")
class AuthorizationCapturePayload:
    payment: Payment | None = strawberry.field(description="The PAYMENT the capture made; null on refusal.")
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing moved. Codes: VALIDATION, INVALID_AMOUNT, NOT_FOUND, AUTHORIZATION_NOT_ACTIVE,"
        " LIMIT_EXCEEDED, COMPLIANCE_HOLD, IDEMPOTENCY_CONFLICT."
    )


def _id(value: strawberry.ID | None, type_name: str) -> uuid.UUID | None:
    return global_id_to_uuid(value, type_name) if value is not None else None


@strawberry.type
class AuthorizationQueries:
    @strawberry.field(permission_classes=requires("transactions:read"),
                      description="One payment authorisation (either side, a customer token its own wallets', staff"
                      " any); NOT_FOUND otherwise. Needs transactions:read.")
    async def payment_authorization(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="The PaymentAuthorization ID.")],
    ) -> PaymentAuthorization:
        return PaymentAuthorization.from_record(await authorizations.get_authorization(
            principal=info.context.principal, authorization_id=_id(id, "PaymentAuthorization")))


@strawberry.type
class AuthorizationMutations:
    @strawberry.mutation(permission_classes=requires("transactions:write"),
                         description="Reserve funds on a wallet for a merchant: every check of a payment of that amount"
                         " (funds, limits, KYC, freeze), then availableBalance drops by it. Idempotent by idempotencyKey.")
    async def authorization_create(
        self, info: Info, input: Annotated[AuthorizationCreateInput, strawberry.argument(description="What to reserve.")],
    ) -> AuthorizationPayload:
        record, errors = await attempt(info, authorizations.authorize(
            principal=info.context.principal, wallet_id=_id(input.wallet_id, "Wallet"),
            merchant_id=_id(input.merchant_id, "Merchant"), amount=input.amount, expires_at=input.expires_at,
            idempotency_key=input.idempotency_key, dry_run=input.dry_run, audit=audit_note(info),
        ), dry_run=input.dry_run)
        return AuthorizationPayload(authorization=PaymentAuthorization.from_record(record) if record else None,
                                    user_errors=errors)

    @strawberry.mutation(permission_classes=requires_partner("transactions:write"),
                         description="Capture (part of) an ACTIVE authorisation of one of your merchants: a PAYMENT to"
                         " its settlement wallet; several captures may add up to the amount; final releases the rest."
                         " The merchant's partner's own token. Idempotent by idempotencyKey.")
    async def authorization_capture(
        self, info: Info, input: Annotated[AuthorizationCaptureInput, strawberry.argument(description="What to capture.")],
    ) -> AuthorizationCapturePayload:
        record, errors = await attempt(info, authorizations.capture(
            principal=info.context.principal, authorization_id=_id(input.authorization_id, "PaymentAuthorization"),
            amount=input.amount, final=input.final, idempotency_key=input.idempotency_key, dry_run=input.dry_run,
            audit=audit_note(info),
        ), dry_run=input.dry_run)
        payment = Payment.from_record(record, viewer_partner_id=info.context.principal.partner_id) if record else None
        return AuthorizationCapturePayload(payment=payment, user_errors=errors)

    @strawberry.mutation(permission_classes=requires_partner("transactions:write"),
                         description="Void an ACTIVE authorisation: what was not captured is available again. The"
                         " payer's or the merchant's partner, its own token.")
    async def authorization_void(
        self, info: Info, input: Annotated[AuthorizationVoidInput, strawberry.argument(description="The authorisation to void.")],
    ) -> AuthorizationPayload:
        record, errors = await attempt(info, authorizations.void(
            principal=info.context.principal, authorization_id=_id(input.authorization_id, "PaymentAuthorization"),
            audit=audit_note(info),
        ))
        return AuthorizationPayload(authorization=PaymentAuthorization.from_record(record) if record else None,
                                    user_errors=errors)
