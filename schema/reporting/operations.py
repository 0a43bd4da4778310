"""report*: the staff reporting queries (reports:read: admin, compliance, analyst). Thin: rules in services.reporting."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

import strawberry

from schema.common.context import Info
from schema.common.money import Money
from schema.common.permissions import requires
from schema.common.relay import global_id_to_uuid, to_global_id
from schema.reporting.types import (
    ActiveUsersRow, AmlAlertReportRow, KycFunnelReport, ReconciliationOpenRow, ReportPeriod, RevenueReportRow,
    SupportSlaReport, TopCategoryRow, TopMerchantRow, VolumeReportRow,
)
from services.reporting import active_users, merchants, operations_reports, revenue, volumes
from services.reporting.access import chosen_partner

_RANGE = (" Days are UTC; from and to are both included; at most 366 days (VALIDATION); to before from is VALIDATION."
          " Only LIVE partners count (sandbox money is never real) and only POSTED transactions.")
From = Annotated[date, strawberry.argument(name="from", description="The first day (UTC, YYYY-MM-DD), included.")]
To = Annotated[date, strawberry.argument(description="The last day (UTC, YYYY-MM-DD), included.")]
PartnerArg = Annotated[strawberry.ID | None, strawberry.argument(
    description="Only this partner (a Partner's global ID); all partners when omitted. NOT_FOUND if it names none.")]
LimitArg = Annotated[int, strawberry.argument(description="How many rows at most (1 to 100).")]


async def _partner(partner_id: strawberry.ID | None) -> uuid.UUID | None:
    named = partner_id is not None
    return await chosen_partner(global_id_to_uuid(partner_id, "Partner") if named else None, named=named)


@strawberry.type
class ReportingQueries:
    @strawberry.field(permission_classes=requires("reports:read"),
                      description="Posted transactions per day, partner, kind and currency: how many and how much."
                      " Points postings are not money and are left out." + _RANGE)
    async def report_volumes(self, info: Info, from_: From, to: To, partner_id: PartnerArg = None) -> list[VolumeReportRow]:
        lines = await volumes.report_volumes(principal=info.context.principal, first=from_, last=to,
                                             partner_id=await _partner(partner_id))
        return [VolumeReportRow(day=line.day, partner_id=to_global_id("Partner", line.partner_id), kind=line.kind,
                                currency=line.currency, count=line.count,
                                amount=Money.of(line.amount_minor, line.currency)) for line in lines]

    @strawberry.field(permission_classes=requires("reports:read"),
                      description="Distinct active wallets and customers (at least one posted money movement) per day"
                      " or per month." + _RANGE)
    async def report_active_users(
        self, info: Info, from_: From, to: To, partner_id: PartnerArg = None,
        period: Annotated[ReportPeriod, strawberry.argument(description="DAY (the default) or MONTH.")] = ReportPeriod.DAY,
    ) -> list[ActiveUsersRow]:
        lines = await active_users.report_active_users(
            principal=info.context.principal, first=from_, last=to, period=period.value,
            partner_id=await _partner(partner_id))
        return [ActiveUsersRow(period=line.period, active_wallets=line.wallets, active_customers=line.customers)
                for line in lines]

    @strawberry.field(permission_classes=requires("reports:read"),
                      description="Fee, FX and merchant-fee revenue per day, partner and currency, with the partner's"
                      " share and the bank's." + _RANGE)
    async def report_revenue(self, info: Info, from_: From, to: To, partner_id: PartnerArg = None) -> list[RevenueReportRow]:
        lines = await revenue.report_revenue(principal=info.context.principal, first=from_, last=to,
                                             partner_id=await _partner(partner_id))
        return [RevenueReportRow(
            day=line.day, partner_id=to_global_id("Partner", line.partner_id), currency=line.currency,
            fee_revenue=Money.of(line.fee_minor, line.currency), fx_revenue=Money.of(line.fx_revenue_minor, line.currency),
            merchant_fee_revenue=Money.of(line.merchant_fee_minor, line.currency),
            partner_share=Money.of(line.partner_share_minor, line.currency),
            bank_share=Money.of(line.bank_share_minor, line.currency)) for line in lines]

    @strawberry.field(permission_classes=requires("reports:read"),
                      description="The KYC funnel of submissions made in the range: decided how, and how fast." + _RANGE)
    async def report_kyc_funnel(self, info: Info, from_: From, to: To, partner_id: PartnerArg = None) -> KycFunnelReport:
        funnel = await operations_reports.report_kyc_funnel(principal=info.context.principal, first=from_, last=to,
                                                            partner_id=await _partner(partner_id))
        return KycFunnelReport(submitted=funnel.submitted, approved=funnel.approved, rejected=funnel.rejected,
                               pending=funnel.pending, median_decision_seconds=funnel.median_decision_seconds)

    @strawberry.field(permission_classes=requires("reports:read"),
                      description="AML alerts raised in the range by rule, severity and age." + _RANGE)
    async def report_aml_alerts(self, info: Info, from_: From, to: To,
                                partner_id: PartnerArg = None) -> list[AmlAlertReportRow]:
        lines = await operations_reports.report_aml_alerts(principal=info.context.principal, first=from_, last=to,
                                                           partner_id=await _partner(partner_id))
        return [AmlAlertReportRow(rule=line.rule, severity=line.severity, age_bucket=line.age_bucket, open=line.open,
                                  total=line.total) for line in lines]

    @strawberry.field(permission_classes=requires("reports:read"),
                      description="The merchants with the most posted payments in the range (per currency; the"
                      " number of payments ranks, the amount breaks ties)." + _RANGE)
    async def report_top_merchants(self, info: Info, from_: From, to: To, partner_id: PartnerArg = None,
                                   limit: LimitArg = 10) -> list[TopMerchantRow]:
        lines = await merchants.report_top_merchants(principal=info.context.principal, first=from_, last=to,
                                                     partner_id=await _partner(partner_id), limit=limit)
        return [TopMerchantRow(merchant_id=to_global_id("Merchant", line.merchant_id), name=line.name,
                               category=line.category, category_name=line.category_name, currency=line.currency,
                               count=line.count, amount=Money.of(line.amount_minor, line.currency)) for line in lines]

    @strawberry.field(permission_classes=requires("reports:read"),
                      description="The merchant categories with the most posted payments in the range (per"
                      " currency)." + _RANGE)
    async def report_top_categories(self, info: Info, from_: From, to: To, partner_id: PartnerArg = None,
                                    limit: LimitArg = 10) -> list[TopCategoryRow]:
        lines = await merchants.report_top_categories(principal=info.context.principal, first=from_, last=to,
                                                      partner_id=await _partner(partner_id), limit=limit)
        return [TopCategoryRow(category=line.category, category_name=line.category_name, currency=line.currency,
                               count=line.count, amount=Money.of(line.amount_minor, line.currency)) for line in lines]

    @strawberry.field(permission_classes=requires("reports:read"),
                      description="Support tickets opened in the range against their first-response deadline." + _RANGE)
    async def report_support_sla(self, info: Info, from_: From, to: To) -> SupportSlaReport:
        sla = await operations_reports.report_support_sla(principal=info.context.principal, first=from_, last=to)
        return SupportSlaReport(tickets=sla.tickets, first_response_met=sla.first_response_met,
                                first_response_breached=sla.first_response_breached, resolved=sla.resolved,
                                median_first_response_seconds=sla.median_first_response_seconds)

    @strawberry.field(permission_classes=requires("reports:read"),
                      description="Reconciliation exceptions still open, per rail and kind, with the oldest's age.")
    async def report_reconciliation_open(self, info: Info) -> list[ReconciliationOpenRow]:
        lines = await operations_reports.report_reconciliation_open(principal=info.context.principal)
        return [ReconciliationOpenRow(rail=line.rail, kind=line.kind, open=line.open,
                                      oldest_age_seconds=line.oldest_age_seconds) for line in lines]
