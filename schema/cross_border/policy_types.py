"""A policy pack's crossBorder section as GraphQL shows and takes it (CompliancePolicy.crossBorder)."""

from __future__ import annotations

from typing import Any

import strawberry

from schema.common.money import Money
from schema.common.scalars import Decimal


@strawberry.type(description="A policy pack's rules for international transfers its customers send"
                 " (internationalTransferCreate).")
class CrossBorderRules:
    refused_countries: list[str] = strawberry.field(
        description="Countries transfers may not go to (COUNTRY_REFUSED), ISO 3166-1 alpha-2.")
    review_countries: list[str] = strawberry.field(
        description="Countries whose transfers wait for compliance review (a CROSS_BORDER_REVIEW HOLD alert) before"
        " the rail gets them.")
    annual_quota: Money | None = strawberry.field(
        description="What one customer may send abroad in a calendar year (the pack's timezone); null: no quota.")
    annual_quota_customer_kinds: list[str] = strawberry.field(
        description="The customer kinds the quota applies to (INDIVIDUAL, BUSINESS); empty without a quota.")
    purpose_code_required: bool = strawberry.field(description="Whether every transfer must give a purposeCode.")
    purpose_codes: list[str] = strawberry.field(description="The purpose codes a transfer may give.")

    @classmethod
    def of(cls, section: dict[str, Any] | None) -> CrossBorderRules | None:
        """The view of a stored section (None: the pack has none)."""
        if not section:
            return None
        quota = section.get("annualQuota")
        return cls(
            refused_countries=list(section.get("refusedCountries", [])),
            review_countries=list(section.get("reviewCountries", [])),
            annual_quota=Money.of(int(quota["amountMinor"]), quota["currency"]) if quota else None,
            annual_quota_customer_kinds=list(quota.get("customerKinds", [])) if quota else [],
            purpose_code_required=bool(section.get("purposeCodeRequired", False)),
            purpose_codes=list(section.get("purposeCodes", [])),
        )


@strawberry.input(description="A pack's crossBorder section; replaces the whole section.")
class CrossBorderRulesInput:
    refused_countries: list[str] = strawberry.field(
        default_factory=list, description="Countries transfers may not go to (each once, ISO 3166-1 alpha-2).")
    review_countries: list[str] = strawberry.field(
        default_factory=list, description="Countries whose transfers wait for compliance review (none also refused).")
    annual_quota_currency: str | None = strawberry.field(
        default=None, description="The quota's currency (ISO 4217); null with annualQuotaAmount: no quota.")
    annual_quota_amount: Decimal | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="What one customer may send abroad in a calendar year, in that currency.")
    annual_quota_customer_kinds: list[str] = strawberry.field(
        default_factory=lambda: ["INDIVIDUAL"], description="INDIVIDUAL and/or BUSINESS (default INDIVIDUAL).")
    purpose_code_required: bool = strawberry.field(default=False, description="Whether a purposeCode is required.")
    purpose_codes: list[str] | None = strawberry.field(
        default=None, description="The allowed purpose codes (2-8 capitals or digits); default SAL FAM EDU TRA MED"
        " GDS SVC.")

    def as_section(self) -> dict[str, Any]:
        """The plain shape services.cross_border.policy checks."""
        quota = None
        if self.annual_quota_currency is not None or self.annual_quota_amount is not None:
            quota = {"currency": self.annual_quota_currency, "amount": self.annual_quota_amount,
                     "customerKinds": self.annual_quota_customer_kinds}
        section: dict[str, Any] = {
            "refusedCountries": self.refused_countries, "reviewCountries": self.review_countries,
            "annualQuota": quota, "purposeCodeRequired": self.purpose_code_required,
        }
        if self.purpose_codes is not None:
            section["purposeCodes"] = self.purpose_codes
        return section
