"""node(id:) and nodes(ids:): any object by its global ID, for whoever may see it; null for everyone else.

Each Node type names the scope (or, for staff, the role permission) it needs
and how to load one object for the caller. The services apply tenant and role
rules as everywhere else; an object the caller may not see is answered exactly
like one that does not exist: null.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from schema.aml.types import AmlAlert, AmlCase
from schema.business.bulk_types import BulkPayout, BulkPayoutLine
from services.business import bulk_queries
from schema.audit.operations import AuditEvent
from schema.common.context import Info
from schema.common.public_error import BadRequest
from schema.common.relay import Node
from schema.compliance.types import CompliancePolicy
from schema.customers.types import Customer
from schema.events.types import Event
from schema.fees.types import FeeRule
from schema.kyc.types import KycSubmission
from schema.ledger.types import Transaction
from schema.merchants.types import Merchant, PaymentRequest
from schema.payments.authorizations import PaymentAuthorization
from schema.payments.types import Payment, Refund
from schema.payment_codes.types import PaymentCode
from schema.rails.types import RailTransfer
from schema.reconciliation.types import ReconciliationException
from schema.funding.types import BankAccount, Card
from schema.fx.types import FxQuote, FxRate
from schema.help.types import HelpArticle  # issue 16 part 1 (helper E)
from services.help import queries as help_queries
from schema.points.types import PointsEarnRule, PointsProgram
from schema.business.types import BusinessApprovalPolicy, BusinessMember, PayoutRequest  # issue 16 (G1)
from schema.support.types import SupportTicket  # issue 16 part 2 (helper F)
from schema.disputes.types import Dispute  # issue 16 part 3 (helper F)
from services.support import queries as support_queries
from services.disputes import queries as dispute_queries
from schema.offers.types import CustomerConsent, Offer  # issue 15 part 6 (helper C)
from services.fx import queries as fx_queries
from services.funding import queries as funding_queries
from schema.partners.types import ApiClient, Partner
from schema.staff.types import staff_user_node
from schema.wallets.types import Wallet
from schema.webhooks.types import WebhookDelivery, WebhookEndpoint
from services import audit_queries, customers, event_feed, wallets
from services.aml import alert_queries
from services.compliance import policy_admin
from services.errors import DomainError
from services.rails import queries as rail_queries
from services.reconciliation import exceptions as reconciliation_exceptions
from services.fees import schedule
from services.kyc import views as kyc_views
from services.ledger import queries as ledger_queries
from services.merchants import queries as merchant_queries
from services.payment_requests import queries as payment_request_queries
from services.partners import queries as partner_queries
from services.payments import authorizations
from services.payments import queries as payment_queries
from services.payment_codes import issuing as payment_code_issuing
from services.points import queries as points_queries
from services.business import members as business_members, payout_queries, policy as business_policy  # G1
from services.consent import records as consent_records  # issue 15 part 6 (helper C)
from services.offers import admin as offer_admin  # issue 15 part 6 (helper C)
from services.webhooks import deliveries as webhook_deliveries, endpoints as webhook_endpoints

MAX_NODES = 100  # nodes(ids:) answers at most this many IDs per call
_MAX_ID_CHARS = 128


class InvalidGlobalId(BadRequest):
    code = "VALIDATION"


def decode_global_id(global_id: object) -> tuple[str, str]:
    """(type name, raw id) of a global ID; InvalidGlobalId when it is not one of ours."""
    if isinstance(global_id, str) and 0 < len(global_id) <= _MAX_ID_CHARS:
        try:
            type_name, sep, raw = base64.urlsafe_b64decode(global_id + "=" * (-len(global_id) % 4)).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            sep = ""
        if sep and type_name and raw:
            return type_name, raw
    raise InvalidGlobalId("not a Qianbao global ID (IDs are opaque: pass them back exactly as received)")


@dataclass(frozen=True)
class NodeKind:
    """How one Node type is fetched: the scope it needs, how its raw id is read, and the loader."""

    scope: str | None  # None: any authenticated caller (the loader applies the tenant rule)
    parse: Callable[[str], Any]
    load: Callable[[Info, Any], Awaitable[Node | None]]


async def _customer(info: Info, object_id: uuid.UUID) -> Node | None:
    return Customer.from_record(await customers.get_customer(principal=info.context.principal, customer_id=object_id))


async def _wallet(info: Info, object_id: uuid.UUID) -> Node | None:
    return Wallet.from_record(await wallets.get_wallet(principal=info.context.principal, wallet_id=object_id))


async def _transaction(info: Info, object_id: uuid.UUID) -> Node | None:
    record = await ledger_queries.get_transaction(principal=info.context.principal, transaction_id=object_id)
    return Transaction.from_record(record)


async def _partner(info: Info, object_id: uuid.UUID) -> Node | None:
    principal = info.context.principal
    if principal.is_staff and not principal.has_scope("partners:read"):
        return None
    record = await partner_queries.visible_partner(principal=principal, partner_id=object_id)
    return Partner.from_record(record) if record is not None else None


async def _api_client(info: Info, object_id: uuid.UUID) -> Node | None:
    record = await partner_queries.visible_api_client(principal=info.context.principal, api_client_id=object_id)
    return ApiClient.from_record(record) if record is not None else None


async def _fee_rule(info: Info, object_id: uuid.UUID) -> Node | None:
    record = await schedule.visible_rule(principal=info.context.principal, rule_id=object_id)
    return FeeRule.from_spec(record.rule) if record is not None else None


async def _audit_event(info: Info, object_id: int) -> Node | None:
    record = await audit_queries.get_audit_event(principal=info.context.principal, event_id=object_id)
    return AuditEvent.from_record(record) if record is not None else None


async def _policy(info: Info, jurisdiction: str) -> Node | None:
    record = await policy_admin.get_policy(jurisdiction=jurisdiction)
    return CompliancePolicy.from_record(record) if record is not None else None


async def _kyc_submission(info: Info, object_id: uuid.UUID) -> Node | None:
    return KycSubmission.from_record(await kyc_views.get_submission(principal=info.context.principal, submission_id=object_id))


async def _aml_alert(info: Info, object_id: uuid.UUID) -> Node | None:
    return AmlAlert.from_record(await alert_queries.get_alert(principal=info.context.principal, alert_id=object_id))


async def _aml_case(info: Info, object_id: uuid.UUID) -> Node | None:
    return AmlCase.from_record(await alert_queries.get_case(principal=info.context.principal, case_id=object_id))


async def _event(info: Info, object_id: int) -> Node | None:
    record = await event_feed.get_event(principal=info.context.principal, event_id=object_id)
    return Event.from_record(record) if record is not None else None


def _webhook_reader(info: Info) -> bool:
    """Partners with webhooks:manage read their own; bank staff who read partners (partners:read) read any."""
    principal = info.context.principal
    return principal.has_scope("partners:read") if principal.is_staff else principal.has_scope("webhooks:manage")


async def _webhook_endpoint(info: Info, object_id: uuid.UUID) -> Node | None:
    if not _webhook_reader(info):
        return None
    return WebhookEndpoint.from_record(await webhook_endpoints.get_endpoint(principal=info.context.principal, endpoint_id=object_id))


async def _webhook_delivery(info: Info, object_id: uuid.UUID) -> Node | None:
    if not _webhook_reader(info):
        return None
    return WebhookDelivery.from_record(await webhook_deliveries.get_delivery(principal=info.context.principal, delivery_id=object_id))


def _merchant_reader(info: Info, partner_scope: str) -> bool:
    """Partners (and their customer tokens) with the scope read their own; bank staff with partners:read read any."""
    principal = info.context.principal
    return principal.has_scope("partners:read") if principal.is_staff else principal.has_scope(partner_scope)


async def _merchant(info: Info, object_id: uuid.UUID) -> Node | None:
    if not _merchant_reader(info, "customers:read"):
        return None
    return Merchant.from_record(await merchant_queries.get_merchant(principal=info.context.principal, merchant_id=object_id))


async def _payment_request(info: Info, object_id: uuid.UUID) -> Node | None:
    if not _merchant_reader(info, "transactions:read"):
        return None
    record = await payment_request_queries.get_payment_request(principal=info.context.principal, payment_request_id=object_id)
    return PaymentRequest.from_record(record)


def _positive_int(raw: str) -> int:
    if not raw.isdigit() or len(raw) > 19:
        raise ValueError(raw)
    return int(raw)


async def _payment(info: Info, object_id: uuid.UUID) -> Node | None:
    principal = info.context.principal
    record = await payment_queries.get_payment(principal=principal, payment_id=object_id)
    return Payment.from_record(record, viewer_partner_id=principal.partner_id)


async def _refund(info: Info, object_id: uuid.UUID) -> Node | None:
    record = await payment_queries.get_refund(principal=info.context.principal, refund_id=object_id)
    viewer = info.context.principal.partner_id
    return Refund.from_record(record, merchant_side=viewer is None or viewer == record.partner_id)


async def _authorization(info: Info, object_id: uuid.UUID) -> Node | None:
    return PaymentAuthorization.from_record(
        await authorizations.get_authorization(principal=info.context.principal, authorization_id=object_id))


async def _rail_transfer(info: Info, object_id: uuid.UUID) -> Node | None:
    return RailTransfer.from_record(
        await rail_queries.get_rail_transfer(principal=info.context.principal, rail_transfer_id=object_id))


async def _reconciliation_exception(info: Info, object_id: uuid.UUID) -> Node | None:
    return ReconciliationException.from_record(
        await reconciliation_exceptions.get_exception(principal=info.context.principal, exception_id=object_id))


async def _bank_account(info: Info, object_id: uuid.UUID) -> Node | None:
    return BankAccount.from_record(
        await funding_queries.get_bank_account(principal=info.context.principal, bank_account_id=object_id))


async def _fx_rate(info: Info, object_id: uuid.UUID) -> Node | None:
    record = await fx_queries.get_rate(object_id)  # the bank's rates: every partner and staff member reads them
    return FxRate.from_record(record) if record is not None else None


async def _fx_quote(info: Info, object_id: uuid.UUID) -> Node | None:
    return FxQuote.from_record(await fx_queries.get_quote(principal=info.context.principal, quote_id=object_id))


async def _points_program(info: Info, object_id: uuid.UUID) -> Node | None:
    return PointsProgram.from_record(await points_queries.get_program(principal=info.context.principal,
                                                                      program_id=object_id))


async def _coupon_campaign(info: Info, object_id: uuid.UUID) -> Node | None:
    from schema.coupons.types import CouponCampaign
    from services.coupons import queries as coupon_queries

    return CouponCampaign.from_record(await coupon_queries.get_campaign(principal=info.context.principal,
                                                                        campaign_id=object_id))


async def _coupon(info: Info, object_id: uuid.UUID) -> Node | None:
    from schema.coupons.types import Coupon
    from services.coupons import queries as coupon_queries

    return Coupon.from_record(await coupon_queries.get_coupon(principal=info.context.principal, coupon_id=object_id))


async def _points_rule(info: Info, object_id: uuid.UUID) -> Node | None:
    return PointsEarnRule.from_record(await points_queries.get_rule(principal=info.context.principal, rule_id=object_id))


async def _offer(info: Info, object_id: uuid.UUID) -> Node | None:
    return Offer.from_record(await offer_admin.get_offer(principal=info.context.principal, offer_id=object_id))


async def _consent(info: Info, object_id: uuid.UUID) -> Node | None:
    return CustomerConsent.from_record(await consent_records.get_consent(principal=info.context.principal,
                                                                         consent_id=object_id))


async def _card(info: Info, object_id: uuid.UUID) -> Node | None:
    return Card.from_record(await funding_queries.get_card(principal=info.context.principal, card_id=object_id))


async def _business_member(info: Info, object_id: uuid.UUID) -> Node | None:
    return BusinessMember.from_record(await business_members.get_member(principal=info.context.principal, member_id=object_id))


async def _business_approval_policy(info: Info, object_id: uuid.UUID) -> Node | None:
    return BusinessApprovalPolicy.from_record(
        await business_policy.get_policy_by_id(principal=info.context.principal, policy_id=object_id))


async def _payout_request(info: Info, object_id: uuid.UUID) -> Node | None:
    return PayoutRequest.from_record(
        await payout_queries.get_payout_request(principal=info.context.principal, request_id=object_id))


async def _payment_code(info: Info, object_id: uuid.UUID) -> Node | None:
    record = await payment_code_issuing.get_payment_code(principal=info.context.principal, payment_code_id=object_id)
    return PaymentCode.from_record(record)


async def _bulk_payout(info: Info, object_id: uuid.UUID) -> Node | None:
    return BulkPayout.from_record(await bulk_queries.get_bulk_payout(principal=info.context.principal,
                                                                     bulk_payout_id=object_id))


async def _bulk_payout_line(info: Info, object_id: uuid.UUID) -> Node | None:
    return BulkPayoutLine.from_record(await bulk_queries.get_bulk_payout_line(principal=info.context.principal,
                                                                              line_id=object_id))


async def _support_ticket(info: Info, object_id: uuid.UUID) -> Node | None:
    principal = info.context.principal
    if not principal.is_staff and not principal.has_scope("customers:read"):
        return None  # staff: the service needs support:read
    record = await support_queries.get_ticket(principal=principal, ticket_id=object_id)
    return SupportTicket.from_record(record, staff=principal.is_staff)


async def _dispute(info: Info, object_id: uuid.UUID) -> Node | None:
    if not info.context.principal.is_staff and not info.context.principal.has_scope("transactions:read"):
        return None  # staff: the service needs support:read
    return Dispute.from_record(await dispute_queries.get_dispute(principal=info.context.principal, dispute_id=object_id))


async def _help_article(info: Info, object_id: uuid.UUID) -> Node | None:
    return HelpArticle.from_record(await help_queries.get_article(principal=info.context.principal, article_id=object_id))


async def _beneficiary(info: Info, object_id: uuid.UUID) -> Node | None:
    from schema.cross_border.types import Beneficiary
    from services.beneficiaries.queries import get_beneficiary

    return Beneficiary.from_record(await get_beneficiary(principal=info.context.principal, beneficiary_id=object_id))


async def _international_transfer(info: Info, object_id: uuid.UUID) -> Node | None:
    from schema.cross_border.types import InternationalTransfer
    from services.cross_border.queries import get_international_transfer

    return InternationalTransfer.from_record(await get_international_transfer(principal=info.context.principal,
                                                                             transfer_id=object_id))


NODE_KINDS: dict[str, NodeKind] = {
    "Customer": NodeKind("customers:read", uuid.UUID, _customer),
    "Wallet": NodeKind("wallets:read", uuid.UUID, _wallet),
    "Transaction": NodeKind("transactions:read", uuid.UUID, _transaction),
    "Partner": NodeKind(None, uuid.UUID, _partner),
    "ApiClient": NodeKind("partners:read", uuid.UUID, _api_client),
    "FeeRule": NodeKind("fees:read", uuid.UUID, _fee_rule),
    "AuditEvent": NodeKind("audit:read", _positive_int, _audit_event),
    "Event": NodeKind(None, _positive_int, _event),  # event_feed decides: webhooks:manage, or audit:read for staff
    "CompliancePolicy": NodeKind("policies:read", str, _policy),
    "KycSubmission": NodeKind("kyc:read", uuid.UUID, _kyc_submission),
    "AmlAlert": NodeKind("aml:read", uuid.UUID, _aml_alert),
    "AmlCase": NodeKind("aml:read", uuid.UUID, _aml_case),
    "StaffUser": NodeKind("staff:read", uuid.UUID, staff_user_node),
    "WebhookEndpoint": NodeKind(None, uuid.UUID, _webhook_endpoint),  # webhooks:manage, or partners:read for staff
    "WebhookDelivery": NodeKind(None, uuid.UUID, _webhook_delivery),
    "Merchant": NodeKind(None, uuid.UUID, _merchant),  # customers:read, or partners:read for staff
    "PaymentRequest": NodeKind(None, uuid.UUID, _payment_request),  # transactions:read, or partners:read for staff
    "Payment": NodeKind("transactions:read", uuid.UUID, _payment),  # the payer's or the merchant's partner, or staff
    "Refund": NodeKind("transactions:read", uuid.UUID, _refund),  # whoever may read its payment
    "PaymentCode": NodeKind("transactions:read", uuid.UUID, _payment_code),  # the wallet's partner, its customer, staff
    "PaymentAuthorization": NodeKind("transactions:read", uuid.UUID, _authorization),  # either side, or staff
    "BankAccount": NodeKind("customers:read", uuid.UUID, _bank_account),  # its partner, its customer, staff
    "Card": NodeKind("customers:read", uuid.UUID, _card),  # its partner, its customer, staff
    "RailTransfer": NodeKind("transactions:read", uuid.UUID, _rail_transfer),  # its partner, its customer, staff
    "ReconciliationException": NodeKind("reconciliation:read", uuid.UUID, _reconciliation_exception),  # staff only
    "FxRate": NodeKind("fees:read", uuid.UUID, _fx_rate),  # the bank's own: every partner and staff
    "FxQuote": NodeKind("transactions:read", uuid.UUID, _fx_quote),  # its partner, its customer's token, staff
    # Points programmes (issue 15): the partner's own and the bank's; staff any.
    "PointsProgram": NodeKind("customers:read", uuid.UUID, _points_program),
    "CouponCampaign": NodeKind("customers:read", uuid.UUID, _coupon_campaign),  # issue 15 (helper B)
    "Coupon": NodeKind("customers:read", uuid.UUID, _coupon),  # issue 15 (helper B)
    "PointsEarnRule": NodeKind("customers:read", uuid.UUID, _points_rule),
    # Support tickets and disputes (issue 16): the customer's side or the merchant's partner; staff with support:read.
    "SupportTicket": NodeKind(None, uuid.UUID, _support_ticket),  # customers:read, or support:read for staff
    "Dispute": NodeKind(None, uuid.UUID, _dispute),  # transactions:read, or support:read for staff
    # Consents and offers (issue 15 part 6): the partner of the customers concerned (a customer token: its own), staff.
    "Offer": NodeKind("customers:read", uuid.UUID, _offer),
    "CustomerConsent": NodeKind("customers:read", uuid.UUID, _consent),
    # Bulk payouts (issue 16 part 7): the partner's, the business's own tokens, staff.
    "BulkPayout": NodeKind("transactions:read", uuid.UUID, _bulk_payout),
    "BulkPayoutLine": NodeKind("transactions:read", uuid.UUID, _bulk_payout_line),
    # Help centre (issue 16 part 1): any caller reads published articles, staff drafts too (services.help.queries).
    "HelpArticle": NodeKind(None, uuid.UUID, _help_article),
    # International transfers (issue 14 part 7): the partner's, its customer's own token, staff.
    "Beneficiary": NodeKind("customers:read", uuid.UUID, _beneficiary),
    "InternationalTransfer": NodeKind("transactions:read", uuid.UUID, _international_transfer),
    # Business members and maker-checker (issue 16 parts 5-6): the partner's, the business's own tokens, staff.
    "BusinessMember": NodeKind("customers:read", uuid.UUID, _business_member),
    "BusinessApprovalPolicy": NodeKind("customers:read", uuid.UUID, _business_approval_policy),
    "PayoutRequest": NodeKind("transactions:read", uuid.UUID, _payout_request),
}


async def resolve_node(info: Info, global_id: str) -> Node | None:
    """The object behind a global ID if the caller may see it, else None; InvalidGlobalId for a malformed ID."""
    type_name, raw = decode_global_id(global_id)
    kind = NODE_KINDS.get(type_name)
    principal = info.context.principal
    if kind is None or principal is None or (kind.scope is not None and not principal.has_scope(kind.scope)):
        return None
    try:
        object_id = kind.parse(raw)
    except ValueError:
        return None  # a well-formed ID of ours naming no possible row: like a missing one
    try:
        return await kind.load(info, object_id)
    except DomainError:
        return None  # NotFound, or a service's own Forbidden: the caller may not see it
