"""Payment and Refund: what a payer's partner and a merchant's partner read about a payment to a merchant."""

from __future__ import annotations

from datetime import datetime

import strawberry

from schema.common.context import Info
from schema.common.enums import TransactionStatus
from schema.common.money import Money
from schema.common.permissions import requires
from schema.common.relay import Node, to_global_id
from schema.merchants.types import MerchantProfile
from services.payments import queries as payment_queries
from services.payments.records import PaymentRecord, RefundRecord


@strawberry.type(description="Money a merchant gave back on a payment: one REFUND transaction to the wallet that paid.")
class Refund(Node):
    id: strawberry.ID = strawberry.field(description="The refund's opaque global ID.")
    payment_id: strawberry.ID = strawberry.field(description="The payment refunded (a Payment ID).")
    amount: Money = strawberry.field(description="The amount given back by this refund.")
    reason: str = strawberry.field(description="The merchant's reason, as its partner gave it.")
    created_at: datetime = strawberry.field(description="When the refund was posted (UTC).")
    dry_run: bool = strawberry.field(
        default=False, description="True when this is what a dry run would post: nothing was stored, its id finds nothing."
    )
    merchant_fee_returned: Money | None = strawberry.field(
        default=None,
        description="What the refund gave back to the merchant of the payment's merchant fee (zero unless the fee's"
        " rule says RETURNED); null for the payer's partner.",
    )

    @classmethod
    def from_record(cls, record: RefundRecord, *, merchant_side: bool = True) -> Refund:
        """The GraphQL view of a refund."""
        return cls(
            id=to_global_id("Refund", record.id), payment_id=to_global_id("Payment", record.payment_id),  # type: ignore[arg-type]
            amount=Money.of(record.amount_minor, record.currency), reason=record.reason, created_at=record.created_at,
            dry_run=record.dry_run,
            merchant_fee_returned=Money.of(record.merchant_fee_returned_minor, record.currency) if merchant_side else None,
        )


@strawberry.type(
    description="A payment to a merchant (paymentCreate): the payer's partner and the merchant's partner both read it;"
    " each sees the merchant's public face, the amount, its status and what was refunded."
)
class Payment(Node):
    id: strawberry.ID = strawberry.field(description="The payment's opaque global ID.")
    amount: Money = strawberry.field(description="The amount paid to the merchant.")
    fee: Money = strawberry.field(description="The fee the payer paid on top (zero when no PAYMENT fee rule applies).")
    refunded: Money = strawberry.field(description="What refunds have given back so far (at most amount).")
    status: TransactionStatus = strawberry.field(
        description="The payment's transaction: POSTED (paid), HELD for compliance review, or REJECTED after review."
    )
    payment_request_id: strawberry.ID | None = strawberry.field(
        description="The merchant's payment request that was paid (a PaymentRequest ID)."
    )
    transaction_id: strawberry.ID | None = strawberry.field(
        description="The payer's PAYMENT transaction (a Transaction ID): shown to the payer's partner only."
    )
    created_at: datetime = strawberry.field(description="When the payment was made (UTC).")
    dry_run: bool = strawberry.field(
        default=False,
        description="True when this is what a dry run would pay right now: nothing was stored, its id finds nothing.",
    )
    merchant_fee: Money | None = strawberry.field(
        default=None,
        description="The merchant's fee (PAYMENT RECEIVER rules), taken out of what its settlement wallet received"
        " (zero when none applies): shown to the merchant's partner and bank staff, null for the payer's partner.",
    )
    _record: strawberry.Private[PaymentRecord]

    @classmethod
    def from_record(cls, record: PaymentRecord, *, viewer_partner_id: object = None) -> Payment:
        """The GraphQL view of a payment; the transaction is named only to the payer's partner."""
        payer_side = viewer_partner_id is None or viewer_partner_id == record.partner_id
        merchant_side = viewer_partner_id is None or viewer_partner_id == record.merchant_partner_id
        return cls(
            id=to_global_id("Payment", record.id),  # type: ignore[arg-type]
            amount=Money.of(record.amount_minor, record.currency), fee=Money.of(record.fee_minor, record.currency),
            refunded=Money.of(record.refunded_minor, record.currency), status=TransactionStatus(record.status.value),
            payment_request_id=to_global_id("PaymentRequest", record.payment_request_id) if record.payment_request_id else None,  # type: ignore[arg-type]
            transaction_id=to_global_id("Transaction", record.transaction_id) if payer_side and not record.dry_run else None,  # type: ignore[arg-type]
            created_at=record.created_at, dry_run=record.dry_run, _record=record,
            merchant_fee=Money.of(record.merchant_fee_minor, record.currency) if merchant_side else None,
        )

    @strawberry.field(description="The merchant paid, as any payer sees it (name, category, city, country).")
    async def merchant(self, info: Info) -> MerchantProfile:
        return MerchantProfile.from_record(await payment_queries.merchant_face(self._record.merchant_id))

    @strawberry.field(permission_classes=requires("transactions:read"),
                      description="The payment's refunds, oldest first (empty for a dry run). Needs transactions:read.")
    async def refunds(self, info: Info) -> list[Refund]:
        if self._record.dry_run:
            return []
        return [Refund.from_record(r, merchant_side=self.merchant_fee is not None)
                for r in await payment_queries.refunds_of(self._record.id)]
