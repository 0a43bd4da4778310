"""The reporting queries' rows: counts as Int, money as Money (never mixing currencies), days as Date."""

from __future__ import annotations

from datetime import date
from enum import Enum

import strawberry

from schema.common.enums import TransactionKind
from schema.common.money import Money

_DAY = "The UTC day, YYYY-MM-DD."
_PARTNER = "The partner (a Partner's global ID)."


@strawberry.enum(description="How reportActiveUsers groups: per UTC day, or per calendar month.")
class ReportPeriod(Enum):
    DAY = strawberry.enum_value("DAY", description="One row per UTC day.")
    MONTH = strawberry.enum_value("MONTH", description="One row per calendar month (only its days inside the range).")


@strawberry.type(description="Posted transactions of one day, partner, kind and currency.")
class VolumeReportRow:
    day: date = strawberry.field(description=_DAY)
    partner_id: strawberry.ID = strawberry.field(description=_PARTNER)
    kind: TransactionKind = strawberry.field(description="The transaction kind.")  # type: ignore[valid-type]
    currency: str = strawberry.field(description="The ISO 4217 currency code.")
    count: int = strawberry.field(description="How many transactions were posted.")
    amount: Money = strawberry.field(description="What they moved in total (amounts, fees not included).")


@strawberry.type(description="Distinct wallets and customers with at least one posted money movement in a period.")
class ActiveUsersRow:
    period: str = strawberry.field(description='The period: a UTC day "2026-12-01" or a month "2026-12".')
    active_wallets: int = strawberry.field(description="Distinct wallets that paid or received.")
    active_customers: int = strawberry.field(description="Distinct customers owning those wallets.")


@strawberry.type(description="What one day's posted transactions earned for one partner in one currency.")
class RevenueReportRow:
    day: date = strawberry.field(description=_DAY)
    partner_id: strawberry.ID = strawberry.field(description=_PARTNER)
    currency: str = strawberry.field(description="The ISO 4217 currency code.")
    fee_revenue: Money = strawberry.field(description="Fees paid by payers (every kind, FX conversion fees included).")
    fx_revenue: Money = strawberry.field(description="The FX spread earned, in the currency bought.")
    merchant_fee_revenue: Money = strawberry.field(
        description="Merchants' fees on payments, less what refunds gave back (the merchant's partner's row).")
    partner_share: Money = strawberry.field(description="The partner's share of the fees (its fee share, rounded down).")
    bank_share: Money = strawberry.field(description="What the bank keeps: all revenue less the partner's share.")


@strawberry.type(description="KYC submissions made in the range and how they were decided.")
class KycFunnelReport:
    submitted: int = strawberry.field(description="Submissions made in the range.")
    approved: int = strawberry.field(description="Of those, approved.")
    rejected: int = strawberry.field(description="Of those, rejected.")
    pending: int = strawberry.field(description="Of those, still waiting (PENDING or NEEDS_INFO).")
    median_decision_seconds: int | None = strawberry.field(
        description="The median time from submission to decision of the decided ones; null when none was decided.")


@strawberry.type(description="AML alerts raised in the range for one rule, severity and age.")
class AmlAlertReportRow:
    rule: str = strawberry.field(description="The AML rule that raised them.")
    severity: str = strawberry.field(description="LOW, MEDIUM or HIGH.")
    age_bucket: str = strawberry.field(
        description="How long they were (or are still) open: UNDER_1_DAY, 1_TO_7_DAYS, 7_TO_30_DAYS or OVER_30_DAYS.")
    open: int = strawberry.field(description="How many of them are still OPEN (not yet decided).")
    total: int = strawberry.field(description="All of them, open or closed.")


@strawberry.type(description="A merchant's posted payments in the range, in one currency.")
class TopMerchantRow:
    merchant_id: strawberry.ID = strawberry.field(description="The merchant (a Merchant's global ID).")
    name: str = strawberry.field(description="The merchant's display name.")
    category: str = strawberry.field(description="Its ISO 18245 merchant category code.")
    category_name: str | None = strawberry.field(description="The category's name, when the code is a known one.")
    currency: str = strawberry.field(description="The ISO 4217 currency code.")
    count: int = strawberry.field(description="How many payments were posted.")
    amount: Money = strawberry.field(description="Their total.")


@strawberry.type(description="A merchant category's posted payments in the range, in one currency.")
class TopCategoryRow:
    category: str = strawberry.field(description="The ISO 18245 merchant category code.")
    category_name: str | None = strawberry.field(description="The category's name, when the code is a known one.")
    currency: str = strawberry.field(description="The ISO 4217 currency code.")
    count: int = strawberry.field(description="How many payments were posted.")
    amount: Money = strawberry.field(description="Their total.")


@strawberry.type(description="Support tickets opened in the range against their first-response deadline.")
class SupportSlaReport:
    tickets: int = strawberry.field(description="Tickets opened in the range.")
    first_response_met: int = strawberry.field(description="Answered by staff before the first-response deadline.")
    first_response_breached: int = strawberry.field(
        description="Answered after the deadline, or not answered with the deadline passed.")
    resolved: int = strawberry.field(description="Resolved since.")
    median_first_response_seconds: int | None = strawberry.field(
        description="The median time to the first staff reply of the answered ones; null when none was answered.")


@strawberry.type(description="Open reconciliation exceptions of one rail and kind.")
class ReconciliationOpenRow:
    rail: str = strawberry.field(description="The payment rail whose settlement files raised them.")
    kind: str = strawberry.field(description="The exception kind, e.g. AMOUNT_MISMATCH.")
    open: int = strawberry.field(description="How many are open.")
    oldest_age_seconds: int = strawberry.field(description="How long the oldest has been open.")
