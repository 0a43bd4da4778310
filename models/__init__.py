"""Tortoise ORM models: storage only, no business rules."""

from models.aml import AmlAlert, AmlCase, AmlCaseNote
from models.audit import AuditChainHead, AuditCheckpoint, AuditEvent
from models.business import BusinessApprovalPolicy, BusinessMember, PayoutRequest
from models.bulk_payout import BulkPayout, BulkPayoutLine  # issue 16 part 7: bulk payouts (helper G2)
from models.compliance_policy import CompliancePolicy
from models.customer import Customer, CustomerOwnLimit
from models.cross_border import Beneficiary, CrossBorderQuotaUsage, InternationalTransfer  # issue 14 part 7 (helper A)
from models.dispute import Dispute
from models.data_key import DataKey
from models.domain_event import DomainEvent, OutboxCursor
from models.fee_rule import FeeRule
from models.funding import BankAccount, Card
from models.fx import FxQuote, FxRate
from models.help import HelpArticle  # issue 16 part 1: help centre (helper E)
from models.idempotency import IdempotencyRecord
from models.kyc import KycSubmission
from models.ledger import Account, Entry, Transaction, Wallet
from models.limit_usage import LimitUsage
from models.merchant import Merchant, PaymentRequest
from models.merchant_settlement import MerchantSettlement
from models.payment import Payment, PaymentAuthorization, Refund
from models.payment_code import PaymentCode, PaymentCodeMiss
from models.coupon import Coupon, CouponCampaign, CouponUse  # issue 15 part 4: coupon campaigns (helper B)
from models.consent import CustomerConsent  # issue 15: consents (helper C)
from models.offer import Offer, OfferEvent, OfferExposure, PartnerOfferSetting  # issue 15: offers (helper C)
from models.points import (
    PointsAccount, PointsClawback, PointsEarnRule, PointsLot, PointsProgram, PointsRedemption,
)
from models.partner import ApiClient, Partner
from models.rail import RailCallback, RailTransfer, SimulatedRailEvent
from models.reconciliation import ReconciliationException, SettlementFile
from models.reporting import (  # issue 17: reporting rollups
    ReportDayMerchant, ReportDayRevenue, ReportDayVolume, ReportDayWallet, ReportPartialDay, ReportRolledPeriod,
)
from models.revoked_token import RevokedToken
from models.signing_key import SigningKey
from models.staff import StaffUser
from models.support import SupportMessage, SupportTicket
from models.watchlist import WatchlistEntry
from models.webhook import WebhookDelivery, WebhookEndpoint

__all__ = [
    "MerchantSettlement",
    "ReportDayMerchant",
    "ReportDayRevenue",
    "ReportDayVolume",
    "ReportDayWallet",
    "ReportPartialDay",
    "ReportRolledPeriod",
    "Coupon",
    "CouponCampaign",
    "CouponUse",
    "Beneficiary",
    "CrossBorderQuotaUsage",
    "InternationalTransfer",
    "BulkPayout",
    "BulkPayoutLine",
    "Dispute",
    "SupportMessage",
    "SupportTicket",
    "BusinessApprovalPolicy",
    "BusinessMember",
    "PayoutRequest",
    "FxQuote",
    "FxRate",
    "HelpArticle",
    "BankAccount",
    "Card",
    "RailCallback",
    "RailTransfer",
    "SimulatedRailEvent",
    "ReconciliationException",
    "SettlementFile",
    "Account",
    "AmlAlert",
    "AmlCase",
    "AmlCaseNote",
    "ApiClient",
    "AuditChainHead",
    "AuditCheckpoint",
    "AuditEvent",
    "CompliancePolicy",
    "Customer",
    "CustomerOwnLimit",
    "DataKey",
    "DomainEvent",
    "OutboxCursor",
    "Entry",
    "FeeRule",
    "IdempotencyRecord",
    "KycSubmission",
    "LimitUsage",
    "Merchant",
    "Partner",
    "Payment",
    "PaymentAuthorization",
    "PaymentCode",
    "PaymentCodeMiss",
    "PaymentRequest",
    "PointsAccount",
    "CustomerConsent",
    "Offer",
    "OfferEvent",
    "OfferExposure",
    "PartnerOfferSetting",
    "PointsClawback",
    "PointsEarnRule",
    "PointsLot",
    "PointsProgram",
    "PointsRedemption",
    "Refund",
    "RevokedToken",
    "SigningKey",
    "StaffUser",
    "Transaction",
    "Wallet",
    "WatchlistEntry",
    "WebhookDelivery",
    "WebhookEndpoint",
]
