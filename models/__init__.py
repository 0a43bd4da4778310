"""Tortoise ORM models: storage only, no business rules."""

from models.aml import AmlAlert, AmlCase, AmlCaseNote
from models.audit import AuditChainHead, AuditEvent
from models.compliance_policy import CompliancePolicy
from models.customer import Customer, CustomerOwnLimit
from models.data_key import DataKey
from models.domain_event import DomainEvent, OutboxCursor
from models.fee_rule import FeeRule
from models.funding import BankAccount, Card
from models.fx import FxQuote, FxRate
from models.idempotency import IdempotencyRecord
from models.kyc import KycSubmission
from models.ledger import Account, Entry, Transaction, Wallet
from models.limit_usage import LimitUsage
from models.merchant import Merchant, PaymentRequest
from models.payment import Payment, PaymentAuthorization, Refund
from models.payment_code import PaymentCode, PaymentCodeMiss
from models.points import (
    PointsAccount, PointsClawback, PointsEarnRule, PointsLot, PointsProgram, PointsRedemption,
)
from models.partner import ApiClient, Partner
from models.rail import RailCallback, RailTransfer, SimulatedRailEvent
from models.reconciliation import ReconciliationException, SettlementFile
from models.revoked_token import RevokedToken
from models.signing_key import SigningKey
from models.staff import StaffUser
from models.watchlist import WatchlistEntry
from models.webhook import WebhookDelivery, WebhookEndpoint

__all__ = [
    "FxQuote",
    "FxRate",
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
