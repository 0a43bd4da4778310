"""Scopes as a GraphQL enum: what a partner's API client, a customer token or a staff role may do."""

from __future__ import annotations

from enum import Enum

import strawberry

from services.errors import ValidationFailed


@strawberry.enum(description="One permission: an OAuth scope of a partner's token, or a bank staff role's permission.")
class Scope(Enum):
    CUSTOMERS_READ = strawberry.enum_value("customers:read", description="Read customers (their KYC data masked).")
    CUSTOMERS_WRITE = strawberry.enum_value(
        "customers:write", description="Onboard and update customers, set their own limits, mint customer tokens."
    )
    WALLETS_READ = strawberry.enum_value("wallets:read", description="Read wallets and their balances.")
    WALLETS_WRITE = strawberry.enum_value("wallets:write", description="Open, close and name wallets.")
    TRANSACTIONS_READ = strawberry.enum_value("transactions:read", description="Read transactions and their entries.")
    TRANSACTIONS_WRITE = strawberry.enum_value(
        "transactions:write", description="Move money: top-ups, transfers, withdrawals (and sandbox funding)."
    )
    KYC_READ = strawberry.enum_value("kyc:read", description="Read KYC submissions (identity values masked).")
    KYC_WRITE = strawberry.enum_value("kyc:write", description="Submit customers' KYC data.")
    FEES_READ = strawberry.enum_value("fees:read", description="Read the fee schedule and quote fees.")
    WEBHOOKS_MANAGE = strawberry.enum_value("webhooks:manage", description="Manage event webhooks.")
    PARTNERS_READ = strawberry.enum_value("partners:read", description="Bank staff: read partners and their API clients.")
    PARTNERS_WRITE = strawberry.enum_value(
        "partners:write", description="Bank admin: onboard, suspend and reactivate partners; manage API clients and tokens."
    )
    AUDIT_READ = strawberry.enum_value("audit:read", description="Bank staff: read the audit log.")
    KYC_REVIEW = strawberry.enum_value("kyc:review", description="Bank compliance: decide KYC submissions.")
    FEES_WRITE = strawberry.enum_value("fees:write", description="Bank admin: change fee rules.")
    REVENUE_READ = strawberry.enum_value("revenue:read", description="Bank staff: read fee revenue.")
    REPORTS_READ = strawberry.enum_value(
        "reports:read", description="Bank admin, compliance and analysts: read the reporting queries (report*)."
    )
    PII_REVEAL = strawberry.enum_value("pii:reveal", description="Bank compliance: reveal one identity value, audited.")
    AML_READ = strawberry.enum_value("aml:read", description="Bank staff: read AML alerts and cases.")
    AML_REVIEW = strawberry.enum_value("aml:review", description="Bank compliance: decide AML alerts and run cases.")
    WALLETS_FREEZE = strawberry.enum_value("wallets:freeze", description="Bank compliance: freeze and unfreeze wallets.")
    TRANSACTIONS_REVERSE = strawberry.enum_value(
        "transactions:reverse", description="Bank admin and compliance: reverse a posted transaction (a correction)."
    )
    FUNDING_REVIEW = strawberry.enum_value(
        "funding:review", description="Bank admin and compliance: approve or reject a linked bank account whose"
        " holder name did not match (bankAccountReview)."
    )
    FX_WRITE = strawberry.enum_value(
        "fx:write", description="Bank treasury and admin: set FX mid rates (fxRateSet, qianbao fx import)."
    )
    POLICIES_READ = strawberry.enum_value("policies:read", description="Bank staff: read the compliance policy packs.")
    POLICIES_WRITE = strawberry.enum_value("policies:write", description="Bank admin: change the compliance policy packs.")
    STAFF_READ = strawberry.enum_value("staff:read", description="Bank admin: list staff users.")
    STAFF_WRITE = strawberry.enum_value("staff:write", description="Bank admin: deactivate staff users, change roles.")
    RECONCILIATION_READ = strawberry.enum_value(
        "reconciliation:read", description="Bank staff: read the rails' reconciliation exceptions and daily report."
    )
    RECONCILIATION_WRITE = strawberry.enum_value(
        "reconciliation:write", description="Bank admin and compliance: resolve reconciliation exceptions."
    )
    SUPPORT_READ = strawberry.enum_value(
        "support:read", description="Bank support and admin: read every support ticket and the support queue."
    )
    SUPPORT_WRITE = strawberry.enum_value(
        "support:write", description="Bank support and admin: reply to tickets, add internal notes, assign, change"
        " priority and status, open tickets and disputes for customers."
    )
    DISPUTES_DECIDE = strawberry.enum_value(
        "disputes:decide", description="Bank support and admin: decide payment disputes (for the customer: a refund)."
    )
    HELP_WRITE = strawberry.enum_value(
        "help:write", description="Bank support and admin: write and publish help centre articles."
    )


def typed_scopes(names: list[str] | tuple[str, ...] | frozenset[str]) -> list[Scope]:
    """The scopes as enum members, sorted by name (every name a token or role carries is one of them)."""
    return sorted((Scope(name) for name in names), key=lambda scope: scope.value)


def chosen_scopes(typed: list[Scope] | None, names: list[str] | None, *, field: str) -> list[str] | None:
    """The scope names an input chose, by its typed field or its deprecated string one (not both: VALIDATION)."""
    if typed is not None and names is not None:
        raise ValidationFailed(f"give {field} or the deprecated scopes, not both", field=[field])
    return [scope.value for scope in typed] if typed is not None else names
