"""Enumerations stored in the database (their values are the stored strings)."""

from enum import Enum


class PartnerStatus(str, Enum):
    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"


class ApiClientStatus(str, Enum):
    ACTIVE = "ACTIVE"
    REVOKED = "REVOKED"


class CustomerKind(str, Enum):
    INDIVIDUAL = "INDIVIDUAL"
    BUSINESS = "BUSINESS"


class KycStatus(str, Enum):
    NONE = "NONE"
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    NEEDS_INFO = "NEEDS_INFO"


class WalletStatus(str, Enum):
    ACTIVE = "ACTIVE"
    FROZEN = "FROZEN"
    CLOSED = "CLOSED"


class AccountKind(str, Enum):
    WALLET = "WALLET"
    SETTLEMENT = "SETTLEMENT"
    FEE_REVENUE = "FEE_REVENUE"
    PARTNER_REVENUE = "PARTNER_REVENUE"
    FX = "FX"
    SUSPENSE = "SUSPENSE"


class TransactionKind(str, Enum):
    TOP_UP = "TOP_UP"
    TRANSFER = "TRANSFER"
    WITHDRAWAL = "WITHDRAWAL"


class TransactionStatus(str, Enum):
    POSTED = "POSTED"
    HELD = "HELD"
    REJECTED = "REJECTED"


class ScreeningStatus(str, Enum):
    CLEAR = "CLEAR"
    HOLD = "HOLD"
    BLOCKED = "BLOCKED"
