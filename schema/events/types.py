"""GraphQL types of the event feed: Event, and EventData (the catalogue's payload fields, typed)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from schema.common.context import Info
from schema.common.money import Money
from schema.common.permissions import Authenticated
from schema.common.relay import Node, to_global_id
from schema.common.scalars import Decimal
from schema.events.payload import wire_payload
from services.event_catalogue import PAYLOAD_FIELDS
from services.event_feed import EventRecord

_ID = "a global ID; null when this event type has no such field"


@strawberry.type(
    description="The facts of one event: the documented payload fields of its type (see Event.type), typed. Every id"
    " is a global ID and money is Money; a field its type does not carry is null. No field ever carries personal"
    " data (names, contact details, addresses, ID numbers): read the object itself for those."
)
class EventData:
    customer_id: strawberry.ID | None = strawberry.field(description=f"The customer concerned ({_ID}).")
    wallet_id: strawberry.ID | None = strawberry.field(description=f"The wallet concerned ({_ID}).")
    transaction_id: strawberry.ID | None = strawberry.field(description=f"The transaction concerned ({_ID}).")
    submission_id: strawberry.ID | None = strawberry.field(description=f"The KYC submission concerned ({_ID}).")
    from_wallet_id: strawberry.ID | None = strawberry.field(
        description=f"transaction.posted: the paying wallet ({_ID}; null for a top-up)."
    )
    to_wallet_id: strawberry.ID | None = strawberry.field(
        description=f"transaction.posted: the receiving wallet ({_ID}; null for a withdrawal)."
    )
    swept_to_wallet_id: strawberry.ID | None = strawberry.field(
        description=f"wallet.closed: the wallet the remaining balance was swept to ({_ID})."
    )
    reversal_id: strawberry.ID | None = strawberry.field(
        description=f"transaction.reversed (reserved): the reversing transaction ({_ID})."
    )
    fee_rule_id: strawberry.ID | None = strawberry.field(
        description=f"fee_rule.changed: the rule created or ended, or the new version ({_ID})."
    )
    replaces_fee_rule_id: strawberry.ID | None = strawberry.field(
        description=f"fee_rule.changed with change UPDATED: the version that ends ({_ID})."
    )
    alert_id: strawberry.ID | None = strawberry.field(description=f"aml.alert_raised (bank staff only): the alert ({_ID}).")
    partner_id: strawberry.ID | None = strawberry.field(
        description=f"aml.alert_raised (bank staff only): the partner whose customer it is ({_ID})."
    )
    amount: Money | None = strawberry.field(
        description="transaction.posted: the amount moved; payment_request.created: a dynamic code's amount."
    )
    fee: Money | None = strawberry.field(description="transaction.posted: the fee charged on top of the amount.")
    buy_amount: Money | None = strawberry.field(
        description="transaction.posted of an FX_CONVERSION: what the receiving wallet got, in the currency bought"
        " (amount is what was sold); null for every other kind."
    )
    daily: Decimal | None = strawberry.field(  # type: ignore[valid-type]
        description="customer.limits_changed: the new daily limit in `currency` as a decimal string; null when none."
    )
    per_transaction: Decimal | None = strawberry.field(  # type: ignore[valid-type]
        description="customer.limits_changed: the new per-transaction limit in `currency`; null when none."
    )
    currency: str | None = strawberry.field(
        description="wallet.opened: the wallet's currency; customer.limits_changed: the limits' currency;"
        " payment_request.created: the code's currency (ISO 4217)."
    )
    kind: str | None = strawberry.field(
        description="customer.created: INDIVIDUAL or BUSINESS; transaction.posted: the TransactionKind name;"
        " payment_request.created: STATIC or DYNAMIC."
    )
    change: str | None = strawberry.field(description="fee_rule.changed: CREATED, UPDATED or RETIRED.")
    changed: list[str] | None = strawberry.field(
        description="customer.updated: the API names of the changed fields (never their values)."
    )
    tier: int | None = strawberry.field(description="kyc.approved/rejected/needs_info: the customer's KYC tier after it.")
    rule: str | None = strawberry.field(description="aml.alert_raised (bank staff only): the AML rule that fired.")
    severity: str | None = strawberry.field(description="aml.alert_raised (bank staff only): the alert's severity.")
    action: str | None = strawberry.field(description="aml.alert_raised (bank staff only): ALERT or HOLD.")
    endpoint_id: strawberry.ID | None = strawberry.field(
        description=f"webhook_endpoint.disabled: the webhook endpoint the bank disabled ({_ID})."
    )
    status: str | None = strawberry.field(
        description="webhook_endpoint.disabled: the endpoint's status now (FAILING); authorization.ended: CAPTURED,"
        " VOIDED or EXPIRED."
    )
    payment_id: strawberry.ID | None = strawberry.field(
        description=f"payment.* and payment_request.paid: the payment to a merchant ({_ID})."
    )
    refund_id: strawberry.ID | None = strawberry.field(description=f"payment.refunded: the refund ({_ID}).")
    authorization_id: strawberry.ID | None = strawberry.field(
        description=f"authorization.*: the payment authorisation ({_ID})."
    )
    merchant_id: strawberry.ID | None = strawberry.field(
        description=f"merchant.* and payment_request.created: the merchant concerned ({_ID})."
    )
    payment_request_id: strawberry.ID | None = strawberry.field(
        description=f"payment_request.created: the merchant-presented QR payment request ({_ID})."
    )
    bank_account_id: strawberry.ID | None = strawberry.field(
        description=f"bank_account.*: the linked bank account ({_ID})."
    )
    card_id: strawberry.ID | None = strawberry.field(description=f"card.*: the linked card ({_ID}).")
    beneficiary_id: strawberry.ID | None = strawberry.field(
        description=f"beneficiary.* and international_transfer.created: the beneficiary at a foreign bank ({_ID})."
    )
    international_transfer_id: strawberry.ID | None = strawberry.field(
        description=f"international_transfer.created: the international transfer ({_ID})."
    )
    country: str | None = strawberry.field(
        description="beneficiary.* and international_transfer.created: the country of the beneficiary's bank (ISO"
        " 3166-1 alpha-2)."
    )
    masked_number: str | None = strawberry.field(
        description="bank_account.*: the IBAN or account number, masked (e.g. •••• 1234)."
    )
    brand: str | None = strawberry.field(description="card.*: the card brand (VISA, MASTERCARD, AMEX, UNIONPAY, JCB).")
    last_four: str | None = strawberry.field(description="card.*: the card number's last four digits.")
    rail_transfer_id: strawberry.ID | None = strawberry.field(
        description=f"rail_transfer.*: the top-up or withdrawal carried by a payment rail ({_ID})."
    )
    return_transaction_id: strawberry.ID | None = strawberry.field(
        description=f"rail_transfer.returned: the RAIL_RETURN transaction that undid the amount ({_ID})."
    )
    reason_code: str | None = strawberry.field(
        description="rail_transfer.failed, .returned and .return_unrecovered: the rail's reason code."
    )
    refusal: str | None = strawberry.field(
        description="rail_transfer.return_unrecovered: the error code the return posting was refused with."
    )
    program_id: strawberry.ID | None = strawberry.field(
        description=f"points.* and points_rule.*: the points programme ({_ID})."
    )
    rule_id: strawberry.ID | None = strawberry.field(description=f"points_rule.*: the earn rule ({_ID}).")
    points: int | None = strawberry.field(
        description="points.earned, .clawed_back, .redeemed, .expired: how many whole points."
    )
    shortfall_points: int | None = strawberry.field(
        description="points.clawed_back: the points asked back that the customer had already spent (not taken)."
    )
    expires_at: str | None = strawberry.field(description="points.earned: when the lot expires (ISO 8601, UTC).")
    version: int | None = strawberry.field(description="points_rule.*: the rule's version after the change.")
    article_id: strawberry.ID | None = strawberry.field(
        description=f"help_article.published: the help article ({_ID})."
    )
    locale: str | None = strawberry.field(description="help_article.published: the article's locale (zh-CN or en).")
    member_id: strawberry.ID | None = strawberry.field(
        description=f"business_member.*: the member; payout_request.*: the member who acted, null on expiry ({_ID})."
    )
    role: str | None = strawberry.field(description="business_member.*: OWNER, ADMIN, ACCOUNTANT or VIEWER.")
    payout_request_id: strawberry.ID | None = strawberry.field(
        description=f"payout_request.*: the maker-checker payout request ({_ID})."
    )
    consent_kind: str | None = strawberry.field(
        description="consent.changed: MARKETING, PROFILING or THIRD_PARTY_SHARING."
    )
    consent_status: str | None = strawberry.field(description="consent.changed: GRANTED or WITHDRAWN.")
    text_version: str | None = strawberry.field(
        description="consent.changed: the version of the consent text the customer was shown."
    )
    offer_id: strawberry.ID | None = strawberry.field(description=f"offer.*: the offer ({_ID}).")
    offer_version: int | None = strawberry.field(description="offer.*: the offer's version after the change.")
    offer_status: str | None = strawberry.field(description="offer.*: ACTIVE or PAUSED after the change.")
    coupon_id: strawberry.ID | None = strawberry.field(description=f"coupon.*: the coupon ({_ID}).")
    campaign_id: strawberry.ID | None = strawberry.field(description=f"coupon.*: the coupon's campaign ({_ID}).")
    ticket_id: strawberry.ID | None = strawberry.field(description=f"support_ticket.updated: the ticket ({_ID}).")
    ticket_status: str | None = strawberry.field(
        description="support_ticket.updated: the ticket's status after the change (SupportTicketStatus name)."
    )
    ticket_change: str | None = strawberry.field(
        description="support_ticket.updated: OPENED, CUSTOMER_REPLIED, STAFF_REPLIED, STATUS_CHANGED or"
        " PRIORITY_CHANGED."
    )
    dispute_id: strawberry.ID | None = strawberry.field(description=f"dispute.*: the dispute ({_ID}).")
    dispute_status: str | None = strawberry.field(
        description="dispute.*: the dispute's status after the change (DisputeStatus name)."
    )
    dispute_outcome: str | None = strawberry.field(description="dispute.decided: FOR_CUSTOMER or FOR_MERCHANT.")
    bulk_payout_id: strawberry.ID | None = strawberry.field(description=f"bulk_payout.*: the batch ({_ID}).")
    bulk_payout_status: str | None = strawberry.field(
        description="bulk_payout.*: the batch's status after the change (BulkPayoutStatus name)."
    )
    line_count: int | None = strawberry.field(description="bulk_payout.*: how many payout lines the file held.")
    paid_count: int | None = strawberry.field(description="bulk_payout.*: how many lines are paid.")
    failed_count: int | None = strawberry.field(
        description="bulk_payout.*: how many lines are invalid or failed (not paid)."
    )

    @classmethod
    def of(cls, event_type: str, payload: dict[str, Any]) -> EventData:
        """Typed fields from a stored payload, through the one wire conversion (global IDs)."""
        wire = wire_payload(event_type, payload)
        values: dict[str, Any] = {name: None for name in cls.__annotations__ if not name.startswith("_")}
        for name, value in wire.items():
            attr = _SNAKE.get(name)
            if attr is None:
                continue
            if attr in ("amount", "fee", "buy_amount") and value is not None:
                value = Money(amount=value["amount"], currency=value["currency"])
            values[attr] = value
        return cls(**values)


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


# The catalogue's payload names (camelCase, as on the wire) -> EventData's attributes.
_SNAKE: dict[str, str] = {name: _snake(name) for name in PAYLOAD_FIELDS}


@strawberry.type(
    description="One domain event from the outbox: a state change a partner cares about, written in the same database"
    " transaction as the change (it exists if and only if the change committed). Kept at least 30 days. Types,"
    " versions and payload fields are listed in the README's event catalogue."
)
class Event(Node):
    id: strawberry.ID = strawberry.field(description="The event's opaque global ID (node(id:) finds it).")
    type: str = strawberry.field(
        description="The event's stable dotted type, e.g. transaction.posted, wallet.frozen, kyc.approved."
    )
    version: int = strawberry.field(
        description="The version of the type's payload (1 for every type today); a breaking payload change gets a new one."
    )
    occurred_at: datetime = strawberry.field(description="When the change was committed (UTC).")
    sequence: str = strawberry.field(
        description="Orders the events of one object: a later change of the same wallet, customer or other object"
        " always has a larger sequence (a decimal integer as a string; compare as integers). Webhooks can arrive"
        " out of order (retries, parallel deliveries): keep the largest sequence seen per object and ignore older ones."
        " The same value is the `sequence` of the event's webhook body."
    )
    data: EventData = strawberry.field(description="The event's payload, typed (global IDs and Money).")
    object_type: strawberry.Private[str]
    object_id: strawberry.Private[str]

    @strawberry.field(
        permission_classes=[Authenticated],
        description="The object the event is about, as it is now (resolved on demand with node(id:)'s rules: null when"
        " your token's scopes do not show that type, or the object is gone).",
    )
    async def object(self, info: Info) -> Node | None:
        from schema.nodes import resolve_node

        return await resolve_node(info, to_global_id(self.object_type, self.object_id))  # type: ignore[arg-type]

    @classmethod
    def from_record(cls, record: EventRecord) -> Event:
        return cls(
            id=to_global_id("Event", record.id),  # type: ignore[arg-type]
            type=record.type, version=record.version, occurred_at=record.occurred_at, sequence=str(record.id),
            data=EventData.of(record.type, record.payload), object_type=record.object_type, object_id=record.object_id,
        )
