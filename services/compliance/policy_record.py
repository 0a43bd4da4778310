"""A compliance policy pack as services hand it out: the stored document's fields, as plain values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from models import CompliancePolicy
from services.outcome import ServiceResult


@dataclass(frozen=True, kw_only=True)
class PolicyRecord(ServiceResult):
    """One jurisdiction's pack (tiers and AML rules as their checked documents)."""

    audit_type: ClassVar[str] = "CompliancePolicy"

    jurisdiction: str
    name: str
    countries: list[str]
    timezone: str
    large_transaction_thresholds: dict[str, int]
    tiers: list[dict[str, Any]]
    aml_rules: dict[str, dict[str, Any]]
    strong_authentication: list[dict[str, Any]]  # the checked rules (services.compliance.strong_auth); [] when none
    version: int
    cross_border: dict[str, Any] | None = None  # the checked crossBorder section (services.cross_border.policy)
    updated_by: str | None
    updated_at: datetime

    @classmethod
    def from_row(cls, row: CompliancePolicy) -> PolicyRecord:
        """The record of a stored pack."""
        return cls(
            jurisdiction=row.jurisdiction, name=row.name, countries=list(row.countries), timezone=row.timezone,
            large_transaction_thresholds={k: int(v) for k, v in row.large_transaction_thresholds.items()},
            tiers=list(row.tiers), aml_rules=dict(row.aml_rules),
            strong_authentication=list(row.strong_authentication or []), version=row.version, updated_by=row.updated_by,
            updated_at=row.updated_at, cross_border=row.cross_border,
        )
